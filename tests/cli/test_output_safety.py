"""Nothing the analysed repository controls reaches the terminal raw: stderr lines (file
names, pyproject values) pass the text report's sanitiser, read here through a real
pseudo-terminal; JSON and SARIF escape bidi controls, C1 controls and line separators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pty = pytest.importorskip("pty", reason="no pseudo-terminals on this platform")

ESCAPE = "\x1b]0;pwned\x07"
GOOD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)  # \u202e note\n"


def _through_a_terminal(args: list[str], cwd: Path) -> bytes:
    """Everything alint writes (stdout and stderr) to a pseudo-terminal, as the terminal sees it."""
    main, secondary = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "assumption_lint.cli", *args], cwd=cwd,
                                   stdin=secondary, stdout=secondary, stderr=secondary)
        os.close(secondary)
        received = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            received += chunk
        process.wait(timeout=120)
    finally:
        os.close(main)
    return received


def test_stderr_escapes_file_names_and_config_values(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / f"{ESCAPE}.py") if hasattr(os, "mkfifo") else None
    (tmp_path / "gone").symlink_to(f"missing{ESCAPE}")
    seen = _through_a_terminal(["--format", "concise", ".", "gone", f"{ESCAPE}missing.py"], cwd=tmp_path)
    assert b"\x1b]" not in seen and b"\x07" not in seen
    assert b"alint: cannot read" in seen and b"\\x1b]0;pwned\\x07" in seen
    (tmp_path / "pyproject.toml").write_text(f'[tool.alint]\nselect = ["{ESCAPE}"]\n', encoding="utf-8")
    seen = _through_a_terminal(["."], cwd=tmp_path)
    assert b"alint: error:" in seen and b"\x1b]" not in seen and b"\x07" not in seen


def test_click_usage_errors_are_escaped_too(tmp_path: Path) -> None:
    """click's own messages quote the bad value as typed; they reach the terminal sanitised,
    with click's usage lines and exit status 2."""
    seen = _through_a_terminal(["--format", ESCAPE, "."], cwd=tmp_path)
    assert b"\x1b]" not in seen and b"\x07" not in seen
    assert b"Invalid value for '--format'" in seen and b"\\x1b]0;pwned\\x07" in seen
    assert b"Usage: alint" in seen
    completed = subprocess.run([sys.executable, "-m", "assumption_lint.cli", "--no-such-option"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2 and "No such option" in completed.stderr and completed.stdout == ""


@pytest.mark.parametrize("output", ["json", "sarif"])
def test_json_and_sarif_escape_bidi_and_c1_controls(tmp_path: Path, output: str) -> None:
    (tmp_path / ".git").mkdir()
    name = "a\u202eb\u0085c\u2066.py"
    (tmp_path / name).write_text(GOOD, encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "assumption_lint.cli", "--format", output, "."],
                               cwd=tmp_path, capture_output=True, timeout=120)
    text = completed.stdout.decode("utf-8")
    assert not any(char in text for char in "\u202e\u0085\u2066\u2028\u2029")
    assert "\\u202e" in text or "%E2%80%AE" in text
    document = json.loads(text)  # still valid, with the same values
    if output == "json":
        assert document["findings"][0]["path"] == name
