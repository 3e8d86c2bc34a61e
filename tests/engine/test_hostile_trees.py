"""A hostile tree (alint runs in CI on code under review): FIFOs, devices, sockets, symlink
loops, dangling links and links out of the tree never hang, exhaust memory, leak what they
point at, or abort the run. Each case runs the real CLI in a subprocess under a timeout,
next to one good file whose finding must still be reported."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assumption_lint.discovery import NotRegularFile, read_source

GOOD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
# Generous: a hang is what these tests catch, and a run over two files takes about a second.
TIMEOUT = 60
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo") and not os.environ.get("CI"),
                                reason="this platform has no mkfifo")


def alint(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    completed = subprocess.run([sys.executable, "-m", "assumption_lint.cli", "--format", "json", *map(str, args)],
                               cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                               env={**os.environ, **(env or {})})
    return completed.returncode, json.loads(completed.stdout), completed.stderr


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / ".git").mkdir()  # the project root: report paths are relative to it
    (root / "good.py").write_text(GOOD, encoding="utf-8")
    return root


def good_found(document: dict) -> bool:
    return any(item["path"] == "good.py" and item["rule"] == "AL301" for item in document["findings"])


def path_errors(document: dict) -> dict[str, str]:
    return {Path(item["path"]).name: item["reason"] for item in document["path_errors"]}


@needs_fifo
def test_a_fifo_walked_or_named_is_a_path_error(tmp_path: Path) -> None:
    root = tree(tmp_path)
    os.mkfifo(root / "x.py")
    status, document, _ = alint(".", cwd=root)
    assert status == 2 and good_found(document)
    assert path_errors(document) == {"x.py": "not a regular file (a FIFO)"}
    status, document, _ = alint("x.py", "good.py", cwd=root)
    assert status == 2 and good_found(document)
    assert path_errors(document) == {"x.py": "not a regular file (a FIFO)"}


@needs_fifo
def test_an_excluded_fifo_next_to_a_package_module_is_never_read(tmp_path: Path) -> None:
    # The package scan (a missing timeout looks for a global setter in sibling modules)
    # reads only what discovery would read: an excluded FIFO is not even opened.
    root = tree(tmp_path)
    package = root / "app"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "fetch.py").write_text("import urllib.request\n\n\ndef fetch(url):\n"
                                      "    return urllib.request.urlopen(url)\n", encoding="utf-8")
    os.mkfifo(package / "pipe.py")
    (root / "pyproject.toml").write_text('[tool.alint]\nexclude = ["app/pipe.py"]\n', encoding="utf-8")
    status, document, _ = alint(".", cwd=root)
    assert [(item["path"], item["rule"]) for item in document["findings"] if item["rule"] == "AL301"] == [
        ("app/fetch.py", "AL301"), ("good.py", "AL301")]
    assert document["path_errors"] == [] and status == 1


def test_a_socket_is_a_path_error(tmp_path: Path) -> None:
    root = tree(tmp_path)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(root / "s.py"))
        status, document, _ = alint(".", cwd=root)
    finally:
        server.close()
    assert status == 2 and good_found(document)
    assert path_errors(document) == {"s.py": "not a regular file (a socket)"}


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_link_is_never_read(tmp_path: Path, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    root = tree(tmp_path)
    (root / "z.py").symlink_to(device)
    status, document, stderr = alint(".", cwd=root)  # walked: a link out of the tree, a note
    assert status == 1 and good_found(document) and document["path_errors"] == []
    assert "alint: note: skipped z.py: a symlink to " + device in stderr
    status, document, _ = alint("z.py", "good.py", cwd=root)  # named: followed, and not a regular file
    assert status == 2 and good_found(document)
    assert path_errors(document) == {"z.py": "not a regular file (a character device)"}


def test_a_link_to_the_process_environment_leaks_nothing(tmp_path: Path) -> None:
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc here")
    root = tree(tmp_path)
    (root / "settings.py").symlink_to("/proc/self/environ")
    secret = "alint-test-secret-7d1c"
    for output in ("json", "text"):
        completed = subprocess.run([sys.executable, "-m", "assumption_lint.cli", "--format", output, "."],
                                   cwd=root, capture_output=True, text=True, timeout=TIMEOUT,
                                   env={**os.environ, "ALINT_TEST_TOKEN": secret})
        assert secret not in completed.stdout + completed.stderr
        assert completed.returncode == 1 and "good.py" in completed.stdout


def test_loops_and_dangling_links_are_path_errors(tmp_path: Path) -> None:
    root = tree(tmp_path)
    (root / "a.py").symlink_to("b.py")
    (root / "b.py").symlink_to("a.py")
    (root / "self.py").symlink_to("self.py")
    (root / "gone.py").symlink_to("missing.py")
    loops = tmp_path / "tree" / "pkg"
    loops.mkdir()
    (loops / "up").symlink_to("..")  # a folder loop: folder links are not followed
    status, document, _ = alint(".", cwd=root)
    assert status == 2 and good_found(document)
    assert path_errors(document) == {"a.py": "a symlink loop", "b.py": "a symlink loop",
                                     "self.py": "a symlink loop", "gone.py": "a dangling symlink"}
    status, document, _ = alint("self.py", "good.py", cwd=root)  # named: the run goes on too
    assert status == 2 and good_found(document) and list(path_errors(document)) == ["self.py"]


def test_links_inside_the_tree_or_project_are_followed(tmp_path: Path) -> None:
    root = tree(tmp_path)
    shared = root / "shared"
    shared.mkdir()
    (shared / "client.py").write_text(GOOD, encoding="utf-8")
    src = root / "src"
    src.mkdir()
    (src / "client.py").symlink_to(shared / "client.py")  # outside src/, inside the project
    (tmp_path / "outside.py").write_text(GOOD, encoding="utf-8")
    (src / "outside.py").symlink_to(tmp_path / "outside.py")  # outside the project: a note
    status, document, stderr = alint("src", cwd=root)
    assert status == 1 and document["path_errors"] == []
    assert [item["path"] for item in document["findings"]] == ["shared/client.py"]  # named by its real path
    assert "alint: note: skipped src/outside.py: a symlink to" in stderr


def test_read_source_reads_at_most_one_byte_past_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_bytes(b"x = 1\n" * 10_000)
    assert len(read_source(big, 100)) == 101
    assert read_source(big, 10**9) == big.read_bytes()
    if Path("/dev/zero").exists():
        with pytest.raises(NotRegularFile):
            read_source(Path("/dev/zero"), 100)


@needs_fifo
def test_read_source_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    # In a subprocess: if the open blocked, the test would time out instead of hanging.
    os.mkfifo(tmp_path / "x.py")
    code = ("import sys; from pathlib import Path; from assumption_lint.discovery import read_source\n"
            "try:\n    read_source(Path(sys.argv[1]), 100)\nexcept OSError as exc:\n    print(exc)\n")
    completed = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.py")], capture_output=True,
                               text=True, timeout=TIMEOUT)
    assert completed.stdout.strip() == "not a regular file (a FIFO)"


@needs_fifo
def test_one_folder_with_every_hazard_reports_the_good_file_in_bounded_time(tmp_path: Path) -> None:
    import time

    root = tree(tmp_path)
    (root / "pyproject.toml").write_text("[tool.alint]\nmax-file-bytes = 10_000_000\nfile-timeout = 3\n"
                                         "max-tokens = 0\n", encoding="utf-8")
    os.mkfifo(root / "fifo.py")
    for name, target in (("zero.py", "/dev/zero"), ("environ.py", "/proc/self/environ"),
                         ("gone.py", "missing.py"), ("loop.py", "loop.py")):
        (root / name).symlink_to(target)
    (root / "huge.py").write_text("import requests\n" + "requests.get(url, timeout=5)\n" * 175_000, encoding="utf-8")
    (root / "literal.py").write_text('import requests\nrequests.get("\\N{BOGUS}")\n', encoding="utf-8")
    (root / "feed.py").write_text("import requests\n\f\nrequests.get('u')  # alint: ignore[AL301]\n", encoding="utf-8")
    started = time.monotonic()
    status, document, _ = alint(".", cwd=root, env={"ALINT_TEST_TOKEN": "alint-test-secret-7d1c"})
    assert time.monotonic() - started < TIMEOUT
    assert status == 2 and good_found(document)
    assert {(item["path"], item["rule"]) for item in document["findings"]} == {
        ("good.py", "AL301"), ("huge.py", "AL003"), ("literal.py", "AL001")}
    assert set(path_errors(document)) == {"fifo.py", "gone.py", "loop.py"}
    assert "alint-test-secret-7d1c" not in json.dumps(document)
