"""Fixes: what a check offers to rewrite, and the one transform that applies them.

A check attaches a ``Fix`` to a finding (``self.report(..., fix=Fix(...))``, checks/base.py).
A fix is a few ``Edit``s of the file's libcst tree, each tied to one node of it: add a
argument of a call, call a method on an expression's value, insert statements
after a statement or at the top of a block, or replace a node. Edits are functions of the
node *as already changed* by other edits, so fixes inside one another compose (a timeout
added to a call whose statement gains a status check below it).

Fixes are classified as ruff classifies them: **safe** ones change only what happens on
the path the finding is about (a timeout changes only the call that would hang) and apply
with ``--fix``; **unsafe** ones can change what the code does when all goes well (a status
check raises on a response the code used to read) and also need ``--unsafe-fixes``.

Every fix of a file is applied in **one** transform (``apply``), which keeps the file's
formatting (libcst keeps every comment and space it does not touch). ``suggestions`` turns
each fix into edits of the file's text, the form the reporters show (JSON ``fix``, SARIF
``fixes``). Applying fixes to files (checking that a file is unchanged, re-parsing the
result, writing it or printing a diff) is fix_files.py's.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, Union

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst
else:
    class _Libcst:
        """libcst, imported on first use: a report read from the cache (cache.py) carries
        fix suggestions as text and never needs the syntax tree library."""

        def __getattr__(self, name: str) -> Any:
            module = importlib.import_module("libcst")
            globals()["cst"] = module
            return getattr(module, name)

    cst = _Libcst()

SAFE, UNSAFE = "safe", "unsafe"
APPLICABILITIES = (SAFE, UNSAFE)


# --------------------------------------------------------------------------- edits
class Edit:
    """One change to one node of the tree. ``apply`` gets the node as other edits left it
    and returns its replacement; ``after`` gives statements that follow it (statements only).
    Edits of one node run in ``stage`` order: changes inside the node first, then changes
    that wrap it."""

    node: cst.CSTNode
    stage = 0

    def apply(self, node: Any) -> Any:
        return node

    def after(self) -> Sequence[cst.BaseStatement]:
        return ()


@dataclass(frozen=True, eq=False)
class SetArgument(Edit):
    """Give a call's ``keyword`` argument ``value``: where the call passes it (by keyword,
    or at ``position`` among its positional arguments) the value is replaced; otherwise
    ``keyword=value`` is appended in the call's own style: its separator, its spacing
    around ``=``, a trailing comma kept last, a comment after the last argument kept
    after the new one."""

    node: cst.Call
    keyword: str
    value: str  # the value's code, e.g. "10"
    position: int | None = None

    def apply(self, node: cst.Call) -> cst.Call:
        value = cst.parse_expression(self.value)
        args = list(node.args)
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == self.keyword:
                args[index] = arg.with_changes(value=value)
                return node.with_changes(args=args)
        positional = [index for index, arg in enumerate(args) if arg.keyword is None and not arg.star]
        starred = any(arg.star == "*" for arg in args)
        if self.position is not None and self.position < len(positional) and not starred:
            index = positional[self.position]
            args[index] = args[index].with_changes(value=value)
            return node.with_changes(args=args)
        arg = cst.Arg(value=value, keyword=cst.Name(self.keyword), equal=_equal_style(args))
        if not args:
            return node.with_changes(args=[arg])
        last = args[-1]
        trailing = last.comma if isinstance(last.comma, cst.Comma) else None
        separator = _separator(node, args)
        args[-1] = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
        # The new argument takes the last one's place before the parenthesis: its trailing
        # comma, or the space and comment that stood there.
        args.append(arg.with_changes(comma=trailing if trailing is not None else cst.MaybeSentinel.DEFAULT,
                                     whitespace_after_arg=last.whitespace_after_arg))
        return node.with_changes(args=args)


@dataclass(frozen=True, eq=False)
class CallMethod(Edit):
    """``expr`` becomes ``expr.method()`` (``requests.post(url)`` -> ``requests.post(url).raise_for_status()``)."""

    node: cst.BaseExpression
    method: str
    stage = 1  # wraps the node: after the edits inside it

    def apply(self, node: cst.BaseExpression) -> cst.Call:
        return cst.Call(func=cst.Attribute(value=node, attr=cst.Name(self.method)))


@dataclass(frozen=True, eq=False)
class InsertAfter(Edit):
    """Statements after a statement, at its indentation (``code``: one or more lines)."""

    node: cst.BaseStatement
    code: str

    def after(self) -> Sequence[cst.BaseStatement]:
        return _statements(self.code)


@dataclass(frozen=True, eq=False)
class InsertFirst(Edit):
    """Statements at the top of a compound statement's indented body (a ``with`` block)."""

    node: cst.BaseCompoundStatement
    code: str

    def apply(self, node: Any) -> Any:
        body = node.body
        if not isinstance(body, cst.IndentedBlock):
            return node
        return node.with_changes(body=body.with_changes(body=[*_statements(self.code), *body.body]))


@dataclass(frozen=True, eq=False)
class Replace(Edit):
    """The node becomes ``new`` (or is removed: ``cst.RemoveFromParent()``). It cannot
    compose with an edit inside the node: a fix whose replaced node another fix changed
    is left for a later run (``Applied.skipped``)."""

    node: cst.CSTNode
    new: Any


@dataclass(frozen=True, eq=False)
class AddImport(Edit):
    """``import <module>`` in a module that lacks it, after its docstring, ``__future__``
    imports and leading imports. Applied to the module as other edits left it, so several
    fixes that each need the import add it once."""

    node: cst.Module
    module: str

    def apply(self, node: cst.Module) -> cst.Module:
        if imports_module(node, self.module):
            return node
        body = list(node.body)
        index = 0
        for position, statement in enumerate(body):
            if not isinstance(statement, cst.SimpleStatementLine):
                break
            small = statement.body[0] if statement.body else None
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                index = position + 1
            elif position == 0 and isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString,
                                                                                            cst.ConcatenatedString)):
                index = 1  # the docstring
            else:
                break
        line = cst.parse_statement(f"import {self.module}{node.default_newline}")
        body.insert(index, line)
        return node.with_changes(body=body)


def imports_module(module: cst.Module, name: str) -> bool:
    """``import <name>`` (without ``as``) at the module's top level."""
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import) and any(
                        alias.asname is None and cst.Module(body=[]).code_for_node(alias.name) == name
                        for alias in small.names):
                    return True
    return False


def _statements(code: str) -> list[cst.BaseStatement]:
    return list(cst.parse_module(code if code.endswith("\n") else code + "\n").body)


def _equal_style(args: list[cst.Arg]) -> cst.AssignEqual:
    for arg in reversed(args):
        if arg.keyword is not None and isinstance(arg.equal, cst.AssignEqual):
            return arg.equal
    return cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _separator(call: cst.Call, args: list[cst.Arg]) -> cst.Comma:
    """The comma before a new last argument: the one between the call's arguments (without
    its comment), else a line break like the one before the first argument when the
    arguments stand on their own lines, else ``", "``."""
    for arg in reversed(args[:-1]):
        if isinstance(arg.comma, cst.Comma):
            return arg.comma.with_changes(whitespace_after=_without_comment(arg.comma.whitespace_after))
    opening = call.whitespace_before_args
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=_without_comment(opening))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _without_comment(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if not isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace
    return whitespace.with_changes(first_line=cst.TrailingWhitespace(newline=whitespace.first_line.newline),
                                   empty_lines=())


# --------------------------------------------------------------------------- fixes
@dataclass(frozen=True, eq=False)
class Fix:
    """A rewrite a check offers for its finding.

    ``description`` says what applying it does ("add timeout=10"); ``advice`` is what the
    finding's message says to do (its ``{fix}`` placeholder in rules.toml), so a check
    passes one ``fix=`` to ``report`` for both."""

    description: str
    edits: tuple[Edit, ...]
    applicability: str = SAFE
    advice: str = ""

    def __post_init__(self) -> None:
        if self.applicability not in APPLICABILITIES:
            raise ValueError(f"unknown applicability {self.applicability!r}")
        if not self.edits:
            raise ValueError("a fix needs at least one edit")


@dataclass
class Applied:
    """The outcome of one transform: the new tree, and which fixes (by index) it applied."""

    module: cst.Module
    applied: list[int] = field(default_factory=list)
    # Fixes left out because they overlap one that was applied (a Replace of a node
    # another fix changes): a later run applies them.
    skipped: list[int] = field(default_factory=list)


class _Conflict(Exception):
    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _transform_class() -> Any:
    """The transform's class, made on first use (it subclasses libcst's transformer)."""
    global _TRANSFORM
    if _TRANSFORM is None:
        _TRANSFORM = _make_transform()
    return _TRANSFORM


_TRANSFORM: Any = None


def _make_transform() -> Any:
    class _Transform(cst.CSTTransformer):
        def __init__(self, fixes: Sequence[Fix], left_out: set[int], visit: Callable[[cst.CSTNode], bool] | None) -> None:
            super().__init__()
            self.by_node: dict[int, list[tuple[int, Edit]]] = {}
            for index, fix in enumerate(fixes):
                if index in left_out:
                    continue
                for edit in fix.edits:
                    self.by_node.setdefault(id(edit.node), []).append((index, edit))
            self.visit = visit
            self.touched: set[int] = set()
            self.edited = 0  # edits applied so far
            self.edited_before: dict[int, int] = {}  # a replaced node -> edits applied when it was entered

        def on_visit(self, node: cst.CSTNode) -> bool:
            if id(node) in self.by_node:
                self.edited_before[id(node)] = self.edited
            return self.visit is None or self.visit(node)

        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> Any:
            edits = self.by_node.get(id(original))
            if not edits:
                return updated
            result: Any = updated
            following: list[cst.BaseStatement] = []
            for index, edit in sorted(edits, key=lambda item: item[1].stage):
                if isinstance(edit, Replace):
                    if self.edited != self.edited_before.get(id(original)) or len(edits) > 1:
                        raise _Conflict(index)  # it would drop an edit made inside the node
                    result = edit.new
                else:
                    result = edit.apply(result)
                following.extend(edit.after())
                self.touched.add(index)
                self.edited += 1
            if following:
                return cst.FlattenSentinel([result, *following])
            return result

    return _Transform


def apply(module: cst.Module, fixes: Sequence[Fix], visit: Callable[[cst.CSTNode], bool] | None = None) -> Applied:
    """Every fix applied to ``module`` in one transform (fixes whose nodes are not in this
    tree apply nothing). ``visit`` may say which nodes can hold an edited node, so the
    transform skips the rest of the tree. A fix that conflicts with another is skipped and
    the transform runs again without it, so a fix is applied whole or not at all."""
    left_out: set[int] = set()
    while True:
        transform = _transform_class()(fixes, left_out, visit)
        try:
            changed = module.visit(transform)
        except _Conflict as conflict:
            left_out.add(conflict.index)
            continue
        assert isinstance(changed, cst.Module)
        return Applied(changed, sorted(transform.touched), sorted(left_out))


# --------------------------------------------------------------------------- fixes as text
@dataclass(frozen=True)
class TextEdit:
    """Replace the text from (line, column) to (end_line, end_column) with ``text``: 1-based,
    columns in code points, the end exclusive (an insertion starts and ends at one place)."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class FixSuggestion:
    """A finding's fix as the reports carry it: plain data, picklable."""

    applicability: str
    description: str
    # The edits apply to the file text with this digest (``text_digest``): --fix leaves a
    # file whose text has changed since alone.
    digest: str
    edits: tuple[TextEdit, ...] = ()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines with their line breaks, split where Python's tokenizer splits them."""
    return _LINE.findall(text)


def suggestions(module: cst.Module, text: str, fixes: Sequence[Fix], positions: Any) -> list[FixSuggestion | None]:
    """Each fix as edits of ``text`` (the module's source), None for a fix that changes
    nothing. All fixes are applied in one transform (visiting only the nodes that hold an
    edited one, known from ``positions``), and each changed region of the result is
    credited to the fix whose nodes it touches; only a fix sharing a changed region with
    another is applied again on its own, so that its edits do not carry the other's."""
    if not fixes:
        return []
    visit = _holds_edited_nodes(fixes, positions)
    whole = apply(module, fixes, visit)
    old_lines = split_lines(text)
    digest = text_digest(text)
    spans = [_lines_of(fix, positions) for fix in fixes]
    credited: list[list[tuple[int, int, int, int]]] = [[] for _ in fixes]
    alone: set[int] = set(whole.skipped)
    new_lines = split_lines(whole.module.code)
    for hunk in _hunks(old_lines, new_lines):
        owners = [index for index, span in enumerate(spans) if index not in whole.skipped and _touches(span, hunk)]
        if len(owners) == 1:
            credited[owners[0]].append(hunk)
        else:  # shared, or (never expected) nobody's: recompute the fixes concerned on their own
            alone.update(owners or (index for index in range(len(fixes)) if index not in whole.skipped))
    out: list[FixSuggestion | None] = []
    for index, fix in enumerate(fixes):
        if index in alone:
            own = apply(module, [fix], visit)
            own_lines = split_lines(own.module.code)
            edits = [_text_edit(old_lines, own_lines, hunk) for hunk in _hunks(old_lines, own_lines)]
        else:
            edits = [_text_edit(old_lines, new_lines, hunk) for hunk in credited[index]]
        out.append(FixSuggestion(fix.applicability, fix.description, digest, tuple(edits)) if edits else None)
    return out


def _holds_edited_nodes(fixes: Sequence[Fix], positions: Any) -> Callable[[cst.CSTNode], bool] | None:
    targets = [((where.start.line, where.start.column), (where.end.line, where.end.column))
               for fix in fixes for edit in fix.edits if edit.node in positions
               for where in (positions[edit.node],)]
    if not targets:
        return None

    def visit(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Module):
            return True
        where = positions.get(node) if hasattr(positions, "get") else None
        if where is None:
            return True
        start, end = (where.start.line, where.start.column), (where.end.line, where.end.column)
        return any(start <= first and last <= end for first, last in targets)

    return visit


def _lines_of(fix: Fix, positions: Any) -> list[tuple[int, int]]:
    """The (first, last) lines of each node the fix edits; an insertion after a statement
    also touches the place right after its last line."""
    spans = []
    for edit in fix.edits:
        if edit.node not in positions:
            continue
        where = positions[edit.node]
        last = where.end.line
        if isinstance(edit, InsertFirst) and isinstance(edit.node.body, cst.IndentedBlock) and edit.node.body.body:
            last = positions[edit.node.body.body[0]].start.line
        spans.append((where.start.line, last))
    return spans


def _touches(spans: list[tuple[int, int]], hunk: tuple[int, int, int, int]) -> bool:
    start, end = hunk[0], hunk[1]  # old lines [start, end), 0-based; equal for an insertion
    first, last = start + 1, max(end, start)  # the 1-based lines changed, or the line before an insertion
    if start == end:
        first = last = start
    return any(low <= last and first <= high for low, high in spans)


def _hunks(old: list[str], new: list[str]) -> Iterable[tuple[int, int, int, int]]:
    """The changed regions as (old start, old end, new start, new end) line indexes; a
    region that changes as many lines as it replaces is split line by line."""
    import difflib  # only for a fix's edits, not at start-up

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1 > 1:
            for offset in range(i2 - i1):
                yield (i1 + offset, i1 + offset + 1, j1 + offset, j1 + offset + 1)
        else:
            yield (i1, i2, j1, j2)


def _text_edit(old: list[str], new: list[str], hunk: tuple[int, int, int, int]) -> TextEdit:
    i1, i2, j1, j2 = hunk
    before, after = "".join(old[i1:i2]), "".join(new[j1:j2])
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < min(len(before), len(after)) - prefix
           and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]):
        suffix += 1
    line, column = _position(before[:prefix], i1 + 1)
    end_line, end_column = _position(before[:len(before) - suffix], i1 + 1)
    return TextEdit(line, column, end_line, end_column, after[prefix:len(after) - suffix])


def _position(text: str, first_line: int) -> tuple[int, int]:
    """Where ``text``, starting at column 1 of ``first_line``, ends: (line, column)."""
    lines = split_lines(text)
    if not lines:
        return first_line, 1
    last = lines[-1]
    if last.endswith(("\n", "\r")):
        return first_line + len(lines), 1
    return first_line + len(lines) - 1, len(last) + 1


def apply_text_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with non-overlapping edits applied (what a SARIF viewer does with them).
    Identical edits apply once: two fixes that each add the same import (AL403's
    ``import math``) stand alone, and together add it once."""
    edits = list(dict.fromkeys(edits))
    lines = split_lines(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1 if line - 1 < len(starts) else len(text)

    out = text
    for edit in sorted(edits, key=lambda item: (item.line, item.column), reverse=True):
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        out = out[:start] + edit.text + out[end:]
    return out


# --------------------------------------------------------------------------- counting
@dataclass
class FixRun:
    """What ``--fix`` (or ``--fix --diff``) did, for the summary."""

    applied: int = 0  # findings fixed (or, with --diff, that would be)
    files: int = 0  # files changed (or that would be)
    unsafe: bool = False  # --unsafe-fixes
    written: bool = True  # False with --diff
    # Files left alone: changed since alint read them, or a fix that did not re-parse.
    left_alone: list[tuple[str, str]] = field(default_factory=list)


def fixable(suggestions: Iterable[Union[FixSuggestion, None]]) -> dict[str, int]:
    counts = {SAFE: 0, UNSAFE: 0}
    for suggestion in suggestions:
        if suggestion is not None:
            counts[suggestion.applicability] += 1
    return counts


def fix_hint(suggestion: FixSuggestion) -> str:
    """How to apply one fix: ``--fix``, or for an unsafe one ``unsafe: --fix --unsafe-fixes``."""
    return "--fix" if suggestion.applicability == SAFE else "unsafe: --fix --unsafe-fixes"


def summary_line(suggestions: Iterable[Union[FixSuggestion, None]], run: FixRun | None) -> str | None:
    """``Fixed 3 findings in 2 files (1 more with --unsafe-fixes).``, or without --fix
    ``[*] 3 fixable with --fix (1 more with --unsafe-fixes).``; None when nothing is fixable."""
    left = fixable(suggestions)
    unsafe_hint = f" ({left[UNSAFE]} more with --unsafe-fixes)" if left[UNSAFE] and not (run and run.unsafe) else ""
    if run is not None:
        if not run.applied:
            return f"No fix applied; {left[UNSAFE]} fixable with --unsafe-fixes." if unsafe_hint else None
        verb = "Fixed" if run.written else "Would fix"
        noun = "finding" if run.applied == 1 else "findings"
        files = "file" if run.files == 1 else "files"
        return f"{verb} {run.applied} {noun} in {run.files} {files}{unsafe_hint}."
    if left[SAFE]:
        return f"[*] {left[SAFE]} fixable with --fix{unsafe_hint}."
    if left[UNSAFE]:
        return f"[*] {left[UNSAFE]} fixable with --fix --unsafe-fixes."
    return None
