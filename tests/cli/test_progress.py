"""Progress on standard error (progress.py): shown for a long run when standard error is a
terminal (here a pseudo-terminal), counted in files with the phase; absent with -q, when
standard error is not a terminal, and for a short run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assumption_lint.progress import PROGRESS_MIN_FILES, progress_for

pty = pytest.importorskip("pty")

FILES = PROGRESS_MIN_FILES + 50
ALINT = [sys.executable, "-c", "from assumption_lint.cli import main; main()"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("long")
    (root / "pyproject.toml").write_text("[project]\nname = 'long'\n", encoding="utf-8")
    for index in range(FILES):
        (root / f"m{index}.py").write_text(f"def f{index}(x):\n    return x + {index}\n", encoding="utf-8")
    # One file the checks parse, so the run has findings to print after the bar.
    (root / "m0.py").write_text("import requests\n\n\ndef get(url):\n    return requests.get(url)\n",
                                encoding="utf-8")
    return root


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR", "CI")}
    env.update(TERM="xterm", COLUMNS="120", LINES="40", ALINT_NO_CACHE="1")
    return env


def under_a_terminal(project: Path, *args: str) -> tuple[str, str]:
    """(stdout, what the pseudo-terminal on stderr showed) of one alint run."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([*ALINT, *args, "."], cwd=project, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=follower, env=_env())
    finally:
        os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every writer to the terminal has closed it
            break
        if not chunk:
            break
        shown.extend(chunk)
    stdout = process.stdout.read() if process.stdout else b""
    process.wait(timeout=120)
    os.close(leader)
    return stdout.decode("utf-8", "replace"), shown.decode("utf-8", "replace")


def test_a_long_run_on_a_terminal_shows_the_phase_and_the_files(project: Path) -> None:
    stdout, terminal = under_a_terminal(project, "--exit-zero")
    assert f"alint: checks: " in terminal
    assert f"/{FILES} files" in terminal
    assert f"{FILES}/{FILES} files" in terminal or "checks" in terminal
    # The report is on stdout, untouched by the bar.
    assert "m0.py" in stdout and "files |" not in stdout


def test_quiet_turns_it_off(project: Path) -> None:
    _, terminal = under_a_terminal(project, "--exit-zero", "-q")
    assert "alint: checks" not in terminal and "files |" not in terminal


def test_it_is_absent_when_stderr_is_not_a_terminal(project: Path) -> None:
    result = subprocess.run([*ALINT, "--exit-zero", "."], cwd=project, stdin=subprocess.DEVNULL,
                            capture_output=True, env=_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    assert b"alint: checks" not in result.stderr and b"files |" not in result.stderr
    assert b"\r" not in result.stderr


def test_a_short_run_or_a_stream_that_is_no_terminal_has_none() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_for(PROGRESS_MIN_FILES - 1, quiet=False, stream=Terminal()) is None
    assert progress_for(PROGRESS_MIN_FILES, quiet=True, stream=Terminal()) is None
    assert progress_for(PROGRESS_MIN_FILES, quiet=False, stream=io.StringIO()) is None
    stream = Terminal()
    bar = progress_for(PROGRESS_MIN_FILES, quiet=False, stream=stream)
    assert bar is not None
    bar.start("checks", 3)
    bar.update(2)
    bar.grow("summaries", 4)
    bar.grow("summaries", 1)
    bar.update(5)
    bar.close()
    shown = stream.getvalue()
    assert "alint: checks: 0/3 files" in shown and "alint: summaries: 0/5 files" in shown
    assert shown.endswith("\r")  # cleared: the line is blank again
