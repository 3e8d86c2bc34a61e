"""Files read only for their summaries that name nothing catalogued and no source are parsed
only once what they import is known to tell something (project/reading.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assumption_lint import engine, runner
from assumption_lint.catalog import shipped_catalog
from assumption_lint.discovery import discover
from assumption_lint.project import reading
from assumption_lint.settings import Settings


def _write(root: Path, files: dict[str, str]) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


def _run(root: Path, rules: set[str], monkeypatch: pytest.MonkeyPatch, named: list[str] | None = None,
         ) -> tuple[list[tuple[str, int]], set[str]]:
    """The findings (rule, line) of a run over ``named`` (main.py), in this process, and
    the names of the files it parsed."""
    parsed: set[str] = set()
    parse = engine.parse

    def recording(text: str):  # type: ignore[no-untyped-def]
        parsed.add(next(name for name, path in files.items() if path.read_text(encoding="utf-8") == text))
        return parse(text)

    files = {path.name: path for path in root.rglob("*.py")}
    monkeypatch.setattr(engine, "parse", recording)
    catalog = shipped_catalog()
    # No time limit per file: the files are analysed in this process, where parse is recorded.
    settings = replace(Settings(catalog, frozenset(rules)), file_timeout=0)
    targets = list(discover([root / name for name in named or ["main.py"]]))
    report = runner.run(targets, lambda path: settings, roots=[root / name for name in named or []])
    return sorted((finding.rule, finding.line) for finding in report.findings), parsed


MAIN = "import helper\n\n\ndef main(urls):\n    for url in urls:\n        helper.load(url)\n"
HELPER = "import net\n\n\ndef load(url):\n    return net.fetch(url)\n"


def test_a_file_whose_imports_tell_nothing_is_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """helper.py names nothing catalogued; what it imports from net.py makes no request: it
    cannot tell main.py anything, and is not parsed."""
    _write(tmp_path, {"main.py": MAIN, "helper.py": HELPER,
                      "net.py": "import textwrap\n\n\ndef fetch(url):\n    return textwrap.shorten(url, 20)\n"})
    findings, parsed = _run(tmp_path, {"AL201"}, monkeypatch)
    assert findings == []
    assert "helper.py" not in parsed


def test_a_file_whose_imports_tell_something_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same helper.py, when net.fetch lets a network error escape: it is parsed, and
    main.py's loop is told the error escapes through it."""
    _write(tmp_path, {"main.py": MAIN, "helper.py": HELPER,
                      "net.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=5)\n"})
    findings, parsed = _run(tmp_path, {"AL201"}, monkeypatch)
    assert findings == [("AL201", 6)]
    assert "helper.py" in parsed


def test_a_file_left_unread_is_parsed_once_a_chain_tells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """main -> helper -> middle -> net: helper and middle both name nothing catalogued; the
    request in net.py reaches main.py through both."""
    _write(tmp_path, {"main.py": MAIN, "helper.py": HELPER.replace("net", "middle"),
                      "middle.py": HELPER.replace("load", "fetch"),
                      "net.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=5)\n"})
    findings, parsed = _run(tmp_path, {"AL201"}, monkeypatch)
    assert findings == [("AL201", 6)]
    assert {"helper.py", "middle.py"} <= parsed


def test_a_file_calling_a_typed_function_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller index types fetch's session only when every call in the project passes a
    client. tools.py, outside the folder the run names and naming nothing catalogued, passes
    a string: it is parsed so that its call counts, and the parameter stays unknown."""
    _write(tmp_path, {"tools.py": "from src import api\n\n\ndef run():\n    api.fetch('not a client', 'x')\n"})
    (tmp_path / "src").mkdir()
    _write(tmp_path / "src", {
        "__init__.py": "",
        "main.py": ("import requests\n\nimport tools\nfrom src import api\n\n\ndef main():\n"
                    "    api.fetch(requests.Session(), 'https://example.com')\n    tools.run()\n"),
        "api.py": "import requests\n\n\ndef fetch(session, url):\n    return session.get(url)\n"})
    (tmp_path / "src" / "pyproject.toml").unlink()
    with_tools, parsed = _run(tmp_path, {"AL301"}, monkeypatch, ["src"])
    assert "tools.py" in parsed
    (tmp_path / "tools.py").write_text("def run():\n    pass\n", encoding="utf-8")
    without_tools, _ = _run(tmp_path, {"AL301"}, monkeypatch, ["src"])
    assert with_tools == [] and without_tools == [("AL301", 5)]


def test_left_unread_files_get_an_empty_summary(tmp_path: Path) -> None:
    """SummaryReads.finish: what is still unread tells nothing, as a file that imports nothing."""
    summaries: dict[str, reading.ModuleSummary] = {}
    placeholder = reading.ModuleSummary(str(tmp_path / "a.py"), unread=(reading.Target(str(tmp_path / "b.py"), "f"),))

    def summarize(paths: list[str], defer: bool) -> list[reading.ModuleSummary | None]:
        return [placeholder if path == placeholder.path and defer else None for path in paths]

    reads = reading.SummaryReads(summaries, summarize, runner.IndexFor(), set(), frozenset({"escapes"}))
    reads.reach([reading.Target(str(tmp_path / "a.py"), "g")])
    assert reads.unread == {str(tmp_path / "a.py"): placeholder}
    reads.finish()
    assert summaries == {str(tmp_path / "a.py"): reading.ModuleSummary(str(tmp_path / "a.py"))}
