"""The per-file budget: a byte cap, a token cap and a wall-clock limit enforced by killing
the file's worker process. A pathological file gives AL003 and the run goes on."""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import replace
from pathlib import Path

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.config import ConfigError, Configurations
from assumption_lint.discovery import Target
from assumption_lint.engine import analyze_text
from assumption_lint.runner import run
from assumption_lint.settings import MAX_FILE_BYTES, Settings

GOOD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
SETTINGS = Settings(shipped_catalog(), frozenset({"AL001", "AL002", "AL003", "AL301"}))
needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the time limit needs worker processes made by fork")


def _rules(report) -> list[tuple[str, str]]:
    return [(finding.path, finding.rule) for finding in report.findings]


@needs_fork
def test_a_pathological_file_times_out_and_the_run_goes_on(tmp_path: Path) -> None:
    # The 4.9 MB file of 125k calls: about 150 s unbounded.
    (tmp_path / ".git").mkdir()
    (tmp_path / "huge.py").write_text("import requests\n" + "requests.get(url, timeout=5)\n" * 175_000,
                                      encoding="utf-8")
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    settings = replace(SETTINGS, max_file_bytes=10_000_000, max_tokens=0, file_timeout=2)
    started = time.monotonic()
    report = run([Target(tmp_path / "good.py", True), Target(tmp_path / "huge.py", True)], lambda path: settings)
    assert time.monotonic() - started < 30
    assert _rules(report) == [("good.py", "AL301"), ("huge.py", "AL003")]
    assert report.findings[1].message == "not analyzed: the analysis took longer than 2 s (file-timeout)"


def test_the_byte_cap_is_lower_and_says_which_setting() -> None:
    assert MAX_FILE_BYTES == 1_000_000
    result = analyze_text("x = 1\n", "a.py", SETTINGS)  # small files pass
    assert result.findings == []


def test_an_oversized_file_names_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text(GOOD + "#" * 2_000_000, encoding="utf-8")
    report = run([Target(tmp_path / "big.py", True)], lambda path: SETTINGS)
    assert [finding.message for finding in report.findings] == [
        "not analyzed: the file is larger than the 1 MB limit (max-file-bytes)"]


def test_many_tiny_statements_hit_the_token_cap() -> None:
    text = "import requests\nsession = requests.Session()\n" + "x = 1\n" * 80_000  # 480 kB, under the byte cap
    result = analyze_text(text, "a.py", SETTINGS)
    assert [finding.message for finding in result.findings] == [
        "not analyzed: the file has more than 200,000 tokens (max-tokens)"]
    assert analyze_text(text, "a.py", replace(SETTINGS, max_tokens=0)).findings == []


def test_the_budget_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.alint]\nmax-file-bytes = 100\nmax-tokens = 50\n"
                                             "file-timeout = 2.5\n", encoding="utf-8")
    settings = Configurations(shipped_catalog()).settings_for(tmp_path / "a.py")
    assert (settings.max_file_bytes, settings.max_tokens, settings.file_timeout) == (100, 50, 2.5)
    (tmp_path / "pyproject.toml").write_text("[tool.alint]\nfile-timeout = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="file-timeout"):
        Configurations(shipped_catalog()).settings_for(tmp_path / "b" / "a.py")
