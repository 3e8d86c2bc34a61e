"""The fix framework (assumption_lint/fixes.py): edits keep the code's formatting, compose in
one transform, apply whole or not at all, and become text edits that make the same file."""

from __future__ import annotations

import textwrap
from typing import Any

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from assumption_lint.fixes import (SAFE, UNSAFE, CallMethod, Fix, FixRun, FixSuggestion, InsertAfter, InsertFirst,
                                   Replace, SetArgument, apply, apply_text_edits, split_lines, suggestions,
                                   summary_line)


def _module(code: str) -> cst.Module:
    return cst.parse_module(textwrap.dedent(code))


def _calls(module: cst.Module) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    module.visit(Calls())
    return found


def _statements(module: cst.Module) -> list[Any]:
    found: list[Any] = []

    class Statements(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            found.append(node)

        def visit_With(self, node: cst.With) -> None:
            found.append(node)

    module.visit(Statements())
    return found


def _timeout(code: str, index: int = 0, value: str = "10", position: int | None = None) -> str:
    """``code`` with timeout=value given to its ``index``-th call."""
    module = _module(code)
    call = _calls(module)[index]
    return apply(module, [Fix("pass timeout", (SetArgument(call, "timeout", value, position),))]).module.code


# --------------------------------------------------------------------------- SetArgument: formatting kept
@pytest.mark.parametrize("before, after", [
    ("get(url)\n", "get(url, timeout=10)\n"),
    ("get()\n", "get(timeout=10)\n"),
    ("get(url)  # why\n", "get(url, timeout=10)  # why\n"),
    ("get(url,)\n", "get(url, timeout=10,)\n"),
    ("get(url ,headers = h)\n", "get(url ,headers = h ,timeout = 10)\n"),
    ("get(*args)\n", "get(*args, timeout=10)\n"),
    # arguments on their own lines, trailing comma: the new one goes last, comma kept
    ("get(\n    url,\n    headers=h,\n)\n", "get(\n    url,\n    headers=h,\n    timeout=10,\n)\n"),
    # one argument on its own line, no trailing comma
    ("get(\n    url\n)\n", "get(\n    url,\n    timeout=10\n)\n"),
    # one argument on its own line with a trailing comma
    ("get(\n    url,\n)\n", "get(\n    url,\n    timeout=10,\n)\n"),
    # a comment after the last argument stays after the new last argument, not before a comma
    ("get(url,  # the url\n    headers=h  # auth\n    )\n",
     "get(url,\n    headers=h,\n    timeout=10  # auth\n    )\n".replace("get(url,\n", "get(url,  # the url\n")),
    # a comment line between arguments is not copied
    ("get(\n    url,\n    # the body\n    json=b,\n)\n", "get(\n    url,\n    # the body\n    json=b,\n    timeout=10,\n)\n"),
])
def test_an_added_argument_follows_the_calls_style(before: str, after: str) -> None:
    assert _timeout(before) == after


def test_the_call_keeps_its_indentation_inside_blocks() -> None:
    code = "def f():\n\tif x:\n\t\treturn get(\n\t\t\turl,\n\t\t)\n"
    assert _timeout(code) == "def f():\n\tif x:\n\t\treturn get(\n\t\t\turl,\n\t\t\ttimeout=10,\n\t\t)\n"


def test_a_value_already_passed_is_replaced_where_it_stands() -> None:
    assert _timeout("get(url, timeout=None, stream=True)\n") == "get(url, timeout=10, stream=True)\n"
    # imaplib.IMAP4(host, port, timeout): a positional None is replaced, never doubled by a keyword
    assert _timeout("IMAP4(h, 143, None)\n", position=2) == "IMAP4(h, 143, 10)\n"
    assert _timeout("IMAP4(h, 143)\n", position=2) == "IMAP4(h, 143, timeout=10)\n"
    # behind *args the position is unknown: the keyword is added
    assert _timeout("IMAP4(*hosts, None)\n", position=2) == "IMAP4(*hosts, None, timeout=10)\n"


def test_setting_an_argument_twice_is_setting_it_once() -> None:
    module = _module("get(url)\n")
    call = _calls(module)[0]
    edit = SetArgument(call, "timeout", "10")
    once = edit.apply(call)
    assert edit.apply(once).deep_equals(once)


# --------------------------------------------------------------------------- statements
def test_inserted_statements_take_the_blocks_indentation_and_the_files_line_breaks() -> None:
    code = "def f():\r\n    resp = get(u)  # the call\r\n    return resp.json()\r\n"
    module = cst.parse_module(code)
    line = _statements(module)[0]
    fixed = apply(module, [Fix("check", (InsertAfter(line, "resp.raise_for_status()"),), UNSAFE)]).module.code
    assert fixed == ("def f():\r\n    resp = get(u)  # the call\r\n    resp.raise_for_status()\r\n"
                     "    return resp.json()\r\n")


def test_an_insertion_after_the_last_line_of_a_file_without_a_final_line_break() -> None:
    module = cst.parse_module("resp = get(u)")
    line = _statements(module)[0]
    fixed = apply(module, [Fix("check", (InsertAfter(line, "resp.raise_for_status()"),), UNSAFE)]).module.code
    assert fixed == "resp = get(u)\nresp.raise_for_status()"
    assert cst.parse_module(fixed).code == fixed


def test_insert_first_goes_at_the_top_of_an_indented_body_only() -> None:
    module = _module("""\
        with get(u) as resp:
            # read it
            data = resp.read()
        with get(u) as other: data = other.read()
        """)
    blocks = [node for node in _statements(module) if isinstance(node, cst.With)]
    fixed = apply(module, [Fix("a", (InsertFirst(blocks[0], "resp.raise_for_status()"),), UNSAFE),
                           Fix("b", (InsertFirst(blocks[1], "other.raise_for_status()"),), UNSAFE)]).module.code
    assert fixed == ("with get(u) as resp:\n    resp.raise_for_status()\n    # read it\n    data = resp.read()\n"
                     "with get(u) as other: data = other.read()\n")


# --------------------------------------------------------------------------- one transform
def test_fixes_inside_one_another_compose_in_one_transform() -> None:
    """A timeout added to a call, the status checked on its result, a line after its
    statement: three fixes, nested, all applied."""
    module = _module("""\
        def f(u):
            post(u)
            resp = get(u)
            return resp.json()
        """)
    post, get = _calls(module)[:2]
    lines = _statements(module)
    fixes = [Fix("status", (CallMethod(post, "raise_for_status"),), UNSAFE),
             Fix("timeout", (SetArgument(post, "timeout", "10"),)),
             Fix("timeout", (SetArgument(get, "timeout", "10"),)),
             Fix("status", (InsertAfter(lines[1], "resp.raise_for_status()"),), UNSAFE)]
    result = apply(module, fixes)
    assert result.applied == [0, 1, 2, 3] and not result.skipped
    assert result.module.code == textwrap.dedent("""\
        def f(u):
            post(u, timeout=10).raise_for_status()
            resp = get(u, timeout=10)
            resp.raise_for_status()
            return resp.json()
        """)


def test_a_replacement_that_would_drop_another_fix_waits_for_a_later_run() -> None:
    module = _module("x = outer(inner(u))\n")
    outer, inner = _calls(module)
    fixes = [Fix("replace", (Replace(outer, cst.parse_expression("other()")),)),
             Fix("timeout", (SetArgument(inner, "timeout", "10"),))]
    result = apply(module, fixes)
    assert result.skipped == [0] and result.applied == [1]
    assert result.module.code == "x = outer(inner(u, timeout=10))\n"
    # alone, it applies
    assert apply(module, fixes[:1]).module.code == "x = other()\n"


def test_a_fix_applies_whole_or_not_at_all() -> None:
    """A fix with two edits, one of them in conflict: neither is applied."""
    module = _module("a = outer(inner(u))\nb = get(v)\n")
    outer, inner, get = _calls(module)
    fixes = [Fix("two", (SetArgument(get, "timeout", "10"), Replace(outer, cst.parse_expression("other()")))),
             Fix("timeout", (SetArgument(inner, "timeout", "10"),))]
    result = apply(module, fixes)
    assert result.skipped == [0]
    assert result.module.code == "a = outer(inner(u, timeout=10))\nb = get(v)\n"


def test_a_fix_for_nodes_of_another_tree_applies_nothing() -> None:
    elsewhere = _calls(_module("get(u)\n"))[0]
    module = _module("get(u)\n")
    result = apply(module, [Fix("timeout", (SetArgument(elsewhere, "timeout", "10"),))])
    assert result.module.code == "get(u)\n" and result.applied == []


def test_a_fix_is_one_of_two_kinds_and_edits_something() -> None:
    call = _calls(_module("get(u)\n"))[0]
    with pytest.raises(ValueError, match="applicability"):
        Fix("x", (SetArgument(call, "timeout", "1"),), "maybe")
    with pytest.raises(ValueError, match="edit"):
        Fix("x", ())


# --------------------------------------------------------------------------- fixes as text
def _suggested(code: str, make: Any) -> tuple[str, list[FixSuggestion | None]]:
    code = textwrap.dedent(code)
    module = cst.parse_module(code)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return code, suggestions(module, code, make(module), positions)


def test_each_fix_becomes_its_own_minimal_text_edits() -> None:
    code, found = _suggested("""\
        def f(u):
            resp = get(u)
            return resp.json()
        """, lambda module: [
            Fix("timeout", (SetArgument(_calls(module)[0], "timeout", "10"),)),
            Fix("status", (InsertAfter(_statements(module)[0], "resp.raise_for_status()"),), UNSAFE)])
    timeout, status = found
    assert timeout is not None and status is not None
    # the two fixes touch the same line: each is computed on its own, neither carries the other
    assert [(e.line, e.column, e.end_line, e.end_column, e.text) for e in timeout.edits] == [(2, 17, 2, 17, ", timeout=10")]
    assert [(e.line, e.column, e.end_line, e.end_column, e.text) for e in status.edits] == [
        (3, 1, 3, 1, "    resp.raise_for_status()\n")]
    assert (timeout.applicability, status.applicability) == (SAFE, UNSAFE)
    assert apply_text_edits(code, [*timeout.edits, *status.edits]) == textwrap.dedent("""\
        def f(u):
            resp = get(u, timeout=10)
            resp.raise_for_status()
            return resp.json()
        """)


def test_fixes_on_neighbouring_lines_get_their_own_edits() -> None:
    code, found = _suggested("a = get(u)\nb = get(v)\nc = get(w)\n",
                             lambda module: [Fix("t", (SetArgument(call, "timeout", "10"),)) for call in _calls(module)])
    assert [[(edit.line, edit.text) for edit in item.edits] for item in found if item] == [
        [(1, ", timeout=10")], [(2, ", timeout=10")], [(3, ", timeout=10")]]


def test_a_fix_that_changes_nothing_is_not_offered() -> None:
    _, found = _suggested("get(u, timeout=10)\n",
                          lambda module: [Fix("t", (SetArgument(_calls(module)[0], "timeout", "10"),))])
    assert found == [None]


def test_text_edits_count_lines_as_python_does() -> None:
    """A form feed is not a line break: an edit after one lands on the right line."""
    code = "x = 1\f  # page\nget(u)\n"
    module = cst.parse_module(code)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    (found,) = suggestions(module, code, [Fix("t", (SetArgument(_calls(module)[0], "timeout", "1"),))], positions)
    assert found is not None and found.edits[0].line == 2
    assert split_lines(code) == ["x = 1\f  # page\n", "get(u)\n"]


# --------------------------------------------------------------------------- the summary
def _suggestion(kind: str) -> FixSuggestion:
    return FixSuggestion(kind, "d", "digest")


@pytest.mark.parametrize("kinds, run, line", [
    ([], None, None),
    ([SAFE, SAFE, UNSAFE], None, "[*] 2 fixable with --fix (1 more with --unsafe-fixes)."),
    ([UNSAFE], None, "[*] 1 fixable with --fix --unsafe-fixes."),
    ([UNSAFE, UNSAFE, UNSAFE], FixRun(applied=3, files=2), "Fixed 3 findings in 2 files (3 more with --unsafe-fixes)."),
    ([], FixRun(applied=1, files=1, unsafe=True), "Fixed 1 finding in 1 file."),
    ([], FixRun(applied=2, files=1, written=False), "Would fix 2 findings in 1 file."),
    ([], FixRun(), None),
    ([UNSAFE], FixRun(), "No fix applied; 1 fixable with --unsafe-fixes."),
])
def test_the_summary_counts_fixes_applied_and_fixable_findings_left(kinds: list[str], run: FixRun | None,
                                                                     line: str | None) -> None:
    assert summary_line([_suggestion(kind) for kind in kinds] + [None], run) == line
