"""Bad input gives a clear finding or message, never a traceback or a crash, and one bad
file never stops the run. Inputs that could crash libcst's native parser run in a
subprocess, so a segfault fails one test instead of killing pytest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assumption_lint import engine
from assumption_lint.checks.base import Check
from assumption_lint.engine import analyze_bytes, walk
from assumption_lint.facts import syntax
from assumption_lint.engine.source import MAX_EXPRESSION_DEPTH, may_nest_deeply
from assumption_lint.settings import Settings
from assumption_lint.runner import run
from assumption_lint.discovery import Target
from harness import FIXTURES, findings, settings

CALL = "requests.get(url)"
# ``get = requests.get`` names what the pre-check looks for: a file that only imports
# requests is never parsed, and these snippets' errors are found while parsing.
HEADER = "import requests\nurl = 'https://example.com'; get = requests.get\n"
# The engine's own rules and the two timeout rules: other rules' findings on these
# snippets are not what this file tests.
RULES = ("AL001", "AL002", "AL003", "AL301", "AL302")


def positions(data: bytes | str, **changes) -> list[tuple[int, int, str]]:
    data = data.encode("utf-8") if isinstance(data, str) else data
    return [(finding.line, finding.column, finding.rule)
            for finding in findings(data, *RULES, path="case.py", **changes)]


def messages(data: bytes) -> list[str]:
    return [finding.message for finding in findings(data, *RULES, path="case.py")]


def alint_json(cwd: Path, *paths: str) -> tuple[int, dict, str]:
    process = subprocess.run([sys.executable, "-m", "assumption_lint.cli", "--format", "json",
                              "--select", ",".join(RULES), *paths],
                             cwd=cwd, capture_output=True, text=True, timeout=300)
    assert process.returncode >= 0, f"alint died with signal {-process.returncode}: {process.stderr[-2000:]}"
    assert "Traceback" not in process.stderr, process.stderr
    return process.returncode, json.loads(process.stdout), process.stderr


# ----------------------------------------------------------------------------- syntax and encoding
@pytest.mark.parametrize("source", [
    HEADER + "def fetch(url)\n    return requests.get(url)\n",      # missing colon
    HEADER + "x = = 1\n",
    HEADER + "values = (1, 2 3)\n",                                  # missing comma
    HEADER + "label = 'é→' + = 2\n",                                  # non-ASCII before the error
    HEADER + "if url:\nrequests.get(url)\n",                          # missing indent
    HEADER + "def f(:\n    pass\n",
])
def test_syntax_error_is_al001_at_the_parsers_position(source: str) -> None:
    with pytest.raises(SyntaxError) as cpython:
        compile(source, "case.py", "exec")
    assert positions(source) == [(cpython.value.lineno, cpython.value.offset, "AL001")]
    (message,) = messages(source.encode())
    assert message.startswith("cannot analyze this file: syntax error: ") and "\n" not in message


def test_syntax_error_where_only_libcst_knows_the_position() -> None:
    # An unclosed bracket: CPython blames the bracket, libcst the end of the file;
    # whichever is used, AL001 points into the file and says what is wrong.
    source = HEADER + "data = {\n    'a': 1,\n"
    ((line, column, rule),) = positions(source)
    assert rule == "AL001" and 1 <= line <= source.count("\n") + 1 and column >= 1


def test_undecodable_bytes_are_al001_at_the_bad_byte() -> None:
    data = HEADER.encode() + "label = 'é".encode() + b"\xff'\n" + CALL.encode() + b"\n"
    assert positions(data) == [(3, len("label = 'é") + 1, "AL001")]  # column in code points
    (message,) = messages(data)
    assert "cannot decode as utf-8" in message and "0xff" in message


@pytest.mark.parametrize("cookie, reason", [
    (b"# -*- coding: klingon -*-\n", "unknown encoding"),
    (b"\xef\xbb\xbf# coding: latin-1\n", "encoding problem"),  # a BOM says UTF-8
])
def test_bad_encoding_declaration_is_al001(cookie: bytes, reason: str) -> None:
    data = cookie + HEADER.encode() + CALL.encode() + b"\n"
    ((line, _, rule),) = positions(data)
    assert (line, rule) == (1, "AL001")
    assert reason in messages(data)[0]


def test_a_valid_encoding_declaration_is_honoured() -> None:
    data = b"# -*- coding: latin-1 -*-\n" + HEADER.encode() + b"x = '\xe9'; " + CALL.encode() + b"\n"
    assert positions(data) == [(4, len("x = 'é'; ") + 1, "AL301")]


def test_bom_and_crlf_line_endings() -> None:
    data = b"\xef\xbb\xbf" + (HEADER + CALL + "\n").replace("\n", "\r\n").encode()
    assert positions(data) == [(3, 1, "AL301")]


@pytest.mark.parametrize("source", ["", "\n\n", "   \n\t\n", "# just a comment\n# import requests\n",
                                    "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n",
                                    '"""A docstring that mentions requests.get(url)."""\n'])
def test_empty_and_comment_only_files_are_clean(source: str) -> None:
    assert positions(source) == []


def test_null_byte_in_code_is_al001_at_the_byte() -> None:
    source = HEADER + CALL + "\0\n"
    assert positions(source) == [(3, len(CALL) + 1, "AL001")]
    assert "null byte" in messages(source.encode())[0]


def test_null_byte_inside_a_string_does_not_stop_analysis() -> None:
    # libcst accepts it; the call after it is still checked (CPython would refuse the file,
    # so either AL001 or the finding would be honest: never a crash).
    result = positions(HEADER + "x = 'a\0b'\n" + CALL + "\n")
    assert result == [(3, 7, "AL001")]  # CPython refuses the file: AL001 at the null byte


def test_only_null_bytes_is_clean_or_al001() -> None:
    assert positions(b"\0" * 64) in ([], [(1, 1, "AL001")])


# ----------------------------------------------------------------------------- unreadable
def test_unreadable_file_is_al001_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    (tmp_path / "open.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    import assumption_lint.runner as runner_module
    real = runner_module.read_source

    def read_source(path: Path, max_bytes: int) -> bytes:
        if path.name == "locked.py":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, max_bytes)

    monkeypatch.setattr(runner_module, "read_source", read_source)
    targets = [Target(tmp_path / "locked.py", True), Target(tmp_path / "open.py", True)]
    report = run(targets, lambda path: settings(*RULES), cwd=tmp_path)
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("locked.py", 1, "AL001"),
                                                                    ("open.py", 3, "AL301")]
    assert "cannot read the file: Permission denied" in report.findings[0].message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode, so chmod 000 cannot make one unreadable")
def test_chmod_000_file_through_the_cli(tmp_path: Path) -> None:
    locked = tmp_path / "locked.py"
    locked.write_text(HEADER + CALL + "\n", encoding="utf-8")
    (tmp_path / "open.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    locked.chmod(0)
    try:
        code, document, _ = alint_json(tmp_path, ".")
    finally:
        locked.chmod(0o644)
    assert code == 1
    assert [(f["path"], f["rule"]) for f in document["findings"]] == [("locked.py", "AL001"), ("open.py", "AL301")]


def test_unreadable_folder_is_one_error_line_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from assumption_lint.cli import cli

    (tmp_path / "locked").mkdir()
    (tmp_path / "locked/inner.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    (tmp_path / "open.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    real = os.scandir

    def scandir(path=".", *args, **kwargs):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--format", "json", "--select", ",".join(RULES), "."],
                                catch_exceptions=False)
    assert result.exit_code == 2  # a path alint could not read is an error, not a pass
    document = json.loads(result.stdout)
    assert [(f["path"], f["rule"]) for f in document["findings"]] == [("open.py", "AL301")]
    errors = [line for line in result.stderr.splitlines()]
    assert len(errors) == 1 and "locked" in errors[0] and "Permission denied" in errors[0]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root lists folders whatever their mode, so chmod 000 cannot make one unreadable")
def test_chmod_000_folder_through_the_cli(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inner.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    (tmp_path / "open.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    locked.chmod(0)
    try:
        code, document, stderr = alint_json(tmp_path, ".")
    finally:
        locked.chmod(0o755)
    assert code == 2
    assert [(f["path"], f["rule"]) for f in document["findings"]] == [("open.py", "AL301")]
    assert len(stderr.splitlines()) == 1 and "locked" in stderr


# ----------------------------------------------------------------------------- size and depth
def test_file_over_the_size_cap_is_al003_without_reading_it_as_code() -> None:
    data = (HEADER + CALL + "\n").encode() * 50
    assert positions(data, max_file_bytes=len(data) - 1) == [(1, 1, "AL003")]
    assert positions(data, max_file_bytes=len(data)) != [(1, 1, "AL003")]


def test_huge_file_through_the_cli(tmp_path: Path) -> None:
    line = "# padding " + "x" * 90 + "\n"
    body = HEADER + CALL + "\n" + line * (engine.MAX_FILE_BYTES // len(line) + 10)
    (tmp_path / "huge.py").write_text(body, encoding="utf-8")
    (tmp_path / "small.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    code, document, _ = alint_json(tmp_path, ".")
    assert code == 1
    assert [(f["path"], f["rule"]) for f in document["findings"]] == [("huge.py", "AL003"), ("small.py", "AL301")]
    assert "MB" in document["findings"][0]["message"]


def _chain(operator: str, terms: int, multiline: bool) -> str:
    joiner = f" {operator}\n    " if multiline else f" {operator} "
    return "(" + joiner.join(["a"] * terms) + ")" if multiline else joiner.join(["a"] * terms)


DEEP = {
    "3000 nested parens": "x = " + "(" * 3000 + "1" + ")" * 3000,
    "3000 nested parens, one per line": "x = " + "(\n" * 3000 + "1" + "\n)" * 3000,
    "3000 nested lists": "x = " + "[" * 3000 + "]" * 3000,
    "20000-term + chain": "x = " + _chain("+", 20_000, False),
    "20000-term + chain, one term per line": "x = " + _chain("+", 20_000, True),
    "20000-term + chain over backslashes": "x = " + " + \\\n".join(["a"] * 20_000),
    "20000-term and chain": "x = " + _chain("and", 20_000, False),
    "8000-term or chain, one term per line": "x = " + _chain("or", 8_000, True),
    "5000-deep attribute chain": "x = a" + ".b" * 5000,
    "3000-deep subscript chain": "x = a" + "[0]" * 3000,
    "5000-deep call chain": "x = a" + "()" * 5000,
    "4000-deep lambda chain": "x = " + "lambda: " * 4000 + "1",
    "5000 nots": "x = " + "not " * 5000 + "a",
    "5000 unary minuses": "x = " + "-" * 5000 + "a",
    "5000-deep power chain": "x = " + _chain("**", 5000, False),
    "6000-deep conditional chain": "x = (" + "a if b else\n" * 6000 + "c)",
    "6000 implicitly concatenated strings": "x = (" + "\n".join(['"a"'] * 6000) + ")",
    "12000-branch elif chain": "if x == 0:\n    pass\n" + "elif x:\n    pass\n" * 12_000,
}


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_is_al003_and_never_a_crash(tmp_path: Path, name: str) -> None:
    (tmp_path / "deep.py").write_text(HEADER + DEEP[name] + "\n" + CALL + "\n", encoding="utf-8")
    (tmp_path / "fine.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    code, document, stderr = alint_json(tmp_path, ".")
    assert stderr == ""
    assert code == 1
    assert [(f["path"], f["rule"]) for f in document["findings"]] == [("deep.py", "AL003"), ("fine.py", "AL301")]


def test_nesting_below_the_limit_is_analyzed(tmp_path: Path) -> None:
    depth = MAX_EXPRESSION_DEPTH - 200
    source = (HEADER + "x = " + _chain("+", depth, True) + "\ny = a" + ".b" * depth + "\n"
              + "if x == 0:\n    pass\n" + "elif x:\n    pass\n" * 3000 + CALL + "\n")
    (tmp_path / "deep.py").write_text(source, encoding="utf-8")
    code, document, _ = alint_json(tmp_path, "deep.py")
    assert [(f["line"], f["rule"]) for f in document["findings"]] == [(source.count("\n"), "AL301")]


@pytest.mark.parametrize("text, risky", [
    # A bracket left open in a string or a comment nests nothing.
    ("pattern = '(['\n" + "x = f(a, b)\n" * 500, False),
    ("x = 1  # :-(\n" + "y = [1, 2]\n" * 500, False),
    # Code: a bracket left open runs to the end; a long bracketed span may hold a deep chain.
    ("x = f(\n" + "a,\n" * 1500, True),
    ("x = (" + " + ".join(["a"] * 1500) + ")\n", True),
    # An implicit concatenation nests a level per part, however short the strings.
    ("x = (" + "'a'" * 1500 + ")\n", True),
    ("x = (" + "\n".join(['"a"  # part'] * 1500) + ")\n", True),
])
def test_the_nesting_scan_reads_brackets_in_code_only(text: str, risky: bool) -> None:
    assert may_nest_deeply(text) is risky


# ----------------------------------------------------------------------------- crashing checks
class _CrashOnSecondCall(Check):
    """Fails on the second call it sees in a file, after reporting nothing."""

    rules = ("AL301",)

    def __init__(self, state) -> None:
        super().__init__(state)
        self.calls = 0

    def visit_Call(self, node) -> None:
        self.calls += 1
        if self.calls == 2:
            raise KeyError("surprise")


class _CrashAtTheEnd(Check):
    rules = ("AL302",)

    def leave_Module(self, node) -> None:
        raise RuntimeError("late")


def test_a_crashing_check_is_al002_for_that_check_and_file_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_CHECKS", (*engine.ALL_CHECKS, _CrashOnSecondCall, _CrashAtTheEnd))
    source = HEADER + CALL + "\n" + CALL + "\n" + "requests.post(url, timeout=None)\n"
    result = analyze_bytes(source.encode(), "case.py", settings(*RULES), keep_tracebacks=True)
    rules = sorted((finding.line, finding.rule) for finding in result.findings)
    # every real finding is still there, plus one AL002 per crashed check
    assert rules == [(1, "AL002"), (1, "AL002"), (3, "AL301"), (4, "AL301"), (5, "AL302")]
    assert sorted(error.check for error in result.errors) == ["_CrashAtTheEnd", "_CrashOnSecondCall"]
    assert all("Traceback" in error.traceback for error in result.errors)
    messages_ = sorted(f.message for f in result.findings if f.rule == "AL002")
    assert "KeyError" in messages_[1] and "RuntimeError: late" in messages_[0]


def test_al002_can_be_ignored_but_the_error_is_still_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_CHECKS", (*engine.ALL_CHECKS, _CrashAtTheEnd))
    quiet = settings(*(rule for rule in RULES if rule != "AL002"))
    result = analyze_bytes((HEADER + CALL + "\n").encode(), "case.py", quiet)
    assert [finding.rule for finding in result.findings] == ["AL301"]
    assert [error.check for error in result.errors] == ["_CrashAtTheEnd"]


# ----------------------------------------------------------------------------- one bad file
def test_a_folder_of_bad_files_never_stops_the_run(tmp_path: Path) -> None:
    bad = {
        "syntax.py": (HEADER + "def f(:\n").encode(),
        "undecodable.py": HEADER.encode() + b"x = '\xff'\n",
        "cookie.py": b"# coding: nope\n" + HEADER.encode(),
        "nul.py": (HEADER + CALL + "\0\n").encode(),
        "empty.py": b"",
        "deep.py": (HEADER + "x = " + _chain("and", 20_000, False) + "\n").encode(),
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "zz_good.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    code, document, stderr = alint_json(tmp_path, ".")
    assert code == 1 and stderr == ""
    assert [(f["path"], f["rule"]) for f in document["findings"]] == [
        ("cookie.py", "AL001"), ("deep.py", "AL003"), ("nul.py", "AL001"), ("syntax.py", "AL001"),
        ("undecodable.py", "AL001"), ("zz_good.py", "AL301")]
    assert document["summary"]["files"] == 7


# ----------------------------------------------------------------------------- traversal
TRICKY = '''\
from __future__ import annotations
from os import (path as p, sep)
from os.path import *
import requests as r, json


@decorator(arg=1)
class Client(Base, metaclass=Meta):
    timeout: float = 5

    @property
    async def fetch(self, url: str, /, *args, key=None, **kwargs) -> dict:
        async with r.Session() as s, other() as (a, b):
            try:
                data = [x async for x in s.get(url) if x if not x]
            except* (ValueError, KeyError) as exc:
                raise RuntimeError(f"{url!r:>{width}.{prec}} {data=}") from exc
            else:
                pass
            finally:
                del data
        match kwargs:
            case {"a": [1, *rest], **others} if rest:
                return {k: v for k, v in others.items()}
            case Point(x=0) | None:
                return lambda y, *, z=1: (y := z) + 1
        global g
        while (n := len(args)) > 0:
            yield from (i ** -2 for i in range(n)); break
        return await s.post(url, timeout=None)[1:2, ::3]
'''


def _sequence(module, use_walk: bool, listen_to_tokens: bool) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []

    class Recorder(engine.cst.CSTVisitor):
        visits = {kind.__name__: [] for kind in syntax.TOKEN_TYPES} if listen_to_tokens else {}
        leaves: dict = {}

        def on_visit(self, node) -> bool:
            seen.append(("enter", type(node).__name__))
            return True

        def on_leave(self, node) -> None:
            seen.append(("leave", type(node).__name__))

    if use_walk:
        walk.walk_module(Recorder(), module)
    else:
        module.visit(Recorder())
    return seen


@pytest.mark.parametrize("listen_to_tokens", [True, False])
def test_the_walk_visits_what_libcst_visits_in_the_same_order(listen_to_tokens: bool) -> None:
    sources = [TRICKY] + [path.read_text(encoding="utf-8")
                          for path in sorted(FIXTURES.rglob("*.py"))]
    for source in sources:
        module = engine.cst.parse_module(source)
        expected = _sequence(module, use_walk=False, listen_to_tokens=listen_to_tokens)
        if not listen_to_tokens:
            tokens = {kind.__name__ for kind in syntax.TOKEN_TYPES}
            expected = [step for step in expected if step[1] not in tokens]
        assert _sequence(module, use_walk=True, listen_to_tokens=listen_to_tokens) == expected


# ----------------------------------------------------------------------------- parallel runs
@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(),
                    reason="parallel runs need fork")
def test_a_worker_process_that_dies_is_al002_for_its_file_and_the_run_finishes(tmp_path: Path) -> None:
    """A native crash (libcst's parser can overflow its stack) kills a worker process:
    the run must neither hang nor lose the other files."""
    from assumption_lint.runner import PARALLEL_MIN_FILES

    for index in range(PARALLEL_MIN_FILES + 6):
        (tmp_path / f"f{index:03}.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    (tmp_path / "f030_dies.py").write_text(HEADER + CALL + "\n", encoding="utf-8")
    crash = (
        "import os, signal, sys\n"
        "from assumption_lint import runner\n"
        "real = runner.read_and_analyze\n"
        "def dying(target, *args):\n"
        "    if target.path.name == 'f030_dies.py':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(target, *args)\n"
        "runner.read_and_analyze = dying\n"
        "from assumption_lint.cli import main\n"
        "sys.argv = ['alint', '--format', 'json', '--jobs', '2', '--select', 'AL301', '.']\n"
        "main()\n")
    process = subprocess.run([sys.executable, "-c", crash], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
    assert process.returncode == 2, process.stderr
    document = json.loads(process.stdout)
    rules = {(f["path"], f["rule"]) for f in document["findings"]}
    assert ("f030_dies.py", "AL002") in rules
    assert len([rule for _, rule in rules if rule == "AL301"]) == PARALLEL_MIN_FILES + 6
    assert [error["path"] for error in document["errors"]] == ["f030_dies.py"]
    assert process.stderr.count("\n") == 1 and "f030_dies.py" in process.stderr


def test_a_literal_libcst_refuses_while_parsing_is_a_syntax_error_not_a_crash() -> None:
    # libcst raises CSTValidationError (not ParserSyntaxError) for "cannot mix bytes and
    # nonbytes literals"; CPython rejects it too, at its own position.
    result = engine.analyze_text('from requests import get\nx = "a" b"b"\n', "mixed.py", settings("AL301", "AL001"))
    assert not result.errors
    assert [(finding.rule, finding.line) for finding in result.findings] == [("AL001", 2)]
