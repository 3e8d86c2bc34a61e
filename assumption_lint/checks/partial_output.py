"""AL208 partial-output: a loop that writes one output file per item and skips the items
whose file exists opens the file for writing before a network call whose error escapes.

A failure then leaves a half-written (or empty) file behind, and the next run's existence
test (``if os.path.exists(out): continue``, ``if out.exists(): continue``) takes it as done.
Quiet when the write is atomic (the open names another path, a temporary file moved onto
the output with ``os.replace``), when the fetch completes before the file is opened, when
the error is handled inside the write, and when the clause that handles it removes the file.

The failing calls and their clauses come from the ``NetworkFlow`` fact, so a same-module
helper that lets a network error out counts like the call itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Sequence

import libcst as cst

from ..facts.network_flow import NetworkFlow, Origin, Site
from ..facts.reachability import Reachability
from ..facts.syntax import literal_value, short, visit_tree
from ..resolve import dotted_name
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

# Existence tests of a path: `os.path.exists(p)`, `exists(p)`, `p.exists()`, `p.is_file()`.
_EXISTS_FUNCTIONS = frozenset({"exists", "isfile", "lexists"})
_EXISTS_METHODS = frozenset({"exists", "is_file"})
# Calls that open a file: the builtin, io/codecs/aiofiles, and `Path.open`.
_OPEN_FUNCTIONS = (["open"], ["io", "open"], ["codecs", "open"], ["aiofiles", "open"])
# Calls that remove a file: `os.remove(p)`, `os.unlink(p)`, `p.unlink()`.
_REMOVE_FUNCTIONS = frozenset({"remove", "unlink"})
# `Path(p)` and `str(p)` name the same file as `p`.
_PATH_WRAPPERS = frozenset({"Path", "PurePath", "str", "os.fspath", "pathlib.Path"})


@dataclass(frozen=True)
class SkippedOutput:
    """A loop's existence test and the statements that run for an item it did not skip."""

    path: str  # the tested path, as spelled (wrappers removed)
    test: cst.BaseExpression
    guarded: tuple[cst.BaseStatement, ...]


@dataclass(frozen=True)
class OpenWrite:
    """A file opened for writing on the tested path, and the statements that run while it is open."""

    call: cst.Call
    statement: cst.CSTNode
    region: tuple[cst.CSTNode, ...]


class PartialOutput(Check):
    rules = ("AL208",)
    project_reads = frozenset({"escapes", "clients"})
    needs = (NetworkFlow, Reachability)  # Reachability: no findings in code nothing runs

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.flow = self.fact(NetworkFlow)
        self.knowledge = self.catalog.network
        self.module = state.module

    def leave_Module(self, node: cst.Module) -> None:
        origins, reaching = self.flow.reaching_errors()
        failing = {id(site.node): (site, errors) for site, errors in reaching if errors}
        if not failing:
            return
        loops = _Loops(self.module)
        visit_tree(node, loops)
        for skipped in loops.found:
            for write in open_writes(skipped.guarded, skipped.path, self.module):
                inside = _Inside()
                for part in write.region:
                    visit_tree(part, inside)
                for site, errors in (failing[id(call)] for call in inside.calls if id(call) in failing):
                    origin = self._escaping(site, errors, origins, inside, skipped.path)
                    if origin is not None:
                        self._report(write, skipped, site, origin)
                        break

    def _escaping(self, site: Site, errors: set[tuple[int, str]], origins: Sequence[Origin],
                  inside: "_Inside", path: str) -> Origin | None:
        """The origin of an error that leaves the open file behind: not caught inside the
        write, and not caught outside it by a clause that removes the file."""
        for origin_index, error in sorted(errors):
            if not self._file_kept(site, error, inside, path):
                continue
            return origins[origin_index]
        return None

    def _file_kept(self, site: Site, error: str, inside: "_Inside", path: str) -> bool:
        for clause in site.clauses:  # innermost first
            if not clause.catches_class(self.knowledge, error):
                continue
            handler = clause.node
            caught_where = self.flow.try_of.get(id(handler), handler)
            if id(caught_where) in inside.nodes:
                if clause.transparent:
                    continue
                return False  # handled while the file is open: the code decides what it holds
            if isinstance(handler, cst.ExceptHandler) and _removes(handler, path, self.module):
                return False
            if not clause.transparent:
                return True  # handled, but the partial file stays
        return True  # escapes the function

    def _report(self, write: OpenWrite, skipped: SkippedOutput, site: Site, origin: Origin) -> None:
        net = origin.site.network
        call = net.label if net is not None else f"`{short(self.module.code_for_node(origin.site.node.func))}()`"
        if origin.site is not site and site.callee is not None:
            call = f"{call} (through `{site.callee}()`)"
        test = short(self.module.code_for_node(skipped.test), 50)
        related = [(site.node, "the call that can fail while the file is open"),
                   (skipped.test, "the test that takes an existing file as done")]
        self.report("AL208", write.call, related, statement=write.statement, function=site.function,
                    call=call, path=short(skipped.path, 40), test=test)


class _Loops(cst.CSTVisitor):
    """Every ``for`` loop body with an existence test that skips the item, as a SkippedOutput."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module
        self.found: list[SkippedOutput] = []

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.body, cst.IndentedBlock):
            self.found.extend(skipped_outputs(node.body.body, self.module))


def skipped_outputs(body: Sequence[cst.BaseStatement], module: cst.Module) -> Iterator[SkippedOutput]:
    """``if exists(p): continue`` then the rest of the body; or ``if not exists(p):`` and its block."""
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.If) or statement.orelse is not None:
            continue
        test = statement.test
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            path = _tested_path(test.expression, module)
            if path is not None and isinstance(statement.body, cst.IndentedBlock):
                yield SkippedOutput(path, test.expression, tuple(statement.body.body))
            continue
        path = _tested_path(test, module)
        if path is not None and _ends_in_continue(statement.body):
            yield SkippedOutput(path, test, tuple(body[index + 1:]))


def _tested_path(test: cst.BaseExpression, module: cst.Module) -> str | None:
    """The path an existence test names; in ``a and b``, either operand's."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _tested_path(test.left, module) or _tested_path(test.right, module)
    if not isinstance(test, cst.Call):
        return None
    func = test.func
    parts = dotted_name(func)
    if parts and parts[-1] in _EXISTS_FUNCTIONS and parts[:-1] in ([], ["os", "path"], ["path"]) and test.args:
        return path_key(test.args[0].value, module)
    if isinstance(func, cst.Attribute) and func.attr.value in _EXISTS_METHODS and not test.args:
        return path_key(func.value, module)
    return None


def _ends_in_continue(block: cst.BaseSuite) -> bool:
    statements = list(block.body)
    last = statements[-1] if statements else None
    if isinstance(block, cst.SimpleStatementSuite):
        return bool(statements) and isinstance(statements[-1], cst.Continue)
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Continue)


def path_key(node: cst.BaseExpression, module: cst.Module) -> str:
    """The path as spelled, without ``Path(...)``/``str(...)`` around it."""
    while isinstance(node, cst.Call) and len(node.args) == 1 and not node.args[0].keyword:
        parts = dotted_name(node.func)
        if not parts or ".".join(parts) not in _PATH_WRAPPERS:
            break
        node = node.args[0].value
    return module.code_for_node(node).strip()


def open_writes(statements: Sequence[cst.BaseStatement], path: str, module: cst.Module) -> Iterator[OpenWrite]:
    """Files opened for writing on ``path`` in these statements (and the blocks in them):
    a ``with`` whose item opens it, or ``f = open(path, "w")`` and the statements after it."""
    for index, statement in enumerate(statements):
        if isinstance(statement, cst.With):
            for item in statement.items:
                if isinstance(item.item, cst.Call) and _opens_for_writing(item.item, path, module):
                    yield OpenWrite(item.item, statement, (statement.body,))
                    break
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) \
                        and _opens_for_writing(small.value, path, module):
                    yield OpenWrite(small.value, statement, tuple(statements[index + 1:]))
        if isinstance(statement, cst.BaseCompoundStatement) and not isinstance(statement, (cst.FunctionDef,
                                                                                            cst.ClassDef)):
            for block in _blocks(statement):
                yield from open_writes(block, path, module)


def _blocks(statement: cst.BaseCompoundStatement) -> Iterator[Sequence[cst.BaseStatement]]:
    """The statement lists directly under a compound statement (body, else, handlers, finally)."""
    suites: list[cst.CSTNode] = [statement.body]
    for name in ("orelse", "finalbody"):
        extra = getattr(statement, name, None)
        while extra is not None:
            suites.append(extra.body)
            extra = getattr(extra, "orelse", None) if isinstance(extra, cst.If) else None
    suites.extend(handler.body for handler in getattr(statement, "handlers", ()))
    for suite in suites:
        if isinstance(suite, cst.IndentedBlock):
            yield suite.body


def _opens_for_writing(call: cst.Call, path: str, module: cst.Module) -> bool:
    """``open(path, "w")``, ``path.open("wb")``: a write, append or create mode on ``path``."""
    parts = dotted_name(call.func)
    if parts in _OPEN_FUNCTIONS:
        if not call.args or call.args[0].keyword is not None or path_key(call.args[0].value, module) != path:
            return False
        mode = _mode(call, 1)
    elif isinstance(call.func, cst.Attribute) and call.func.attr.value == "open":
        if path_key(call.func.value, module) != path:
            return False
        mode = _mode(call, 0)
    else:
        return False
    return mode is not None and any(letter in mode for letter in "wax")


def _mode(call: cst.Call, position: int) -> str | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "mode":
            return _text(arg.value)
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return _text(positional[position].value) if len(positional) > position else None


def _text(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = literal_value(node)
        return value if isinstance(value, str) else None
    return None


def _removes(handler: cst.ExceptHandler, path: str, module: cst.Module) -> bool:
    """The clause deletes the file: ``os.remove(path)``, ``os.unlink(path)``, ``path.unlink()``."""
    removals = _Calls()
    visit_tree(handler.body, removals)
    for call in removals.calls:
        parts = dotted_name(call.func)
        if parts and parts[-1] in _REMOVE_FUNCTIONS and parts[:-1] in ([], ["os"]) and call.args \
                and path_key(call.args[0].value, module) == path:
            return True
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "unlink" \
                and path_key(call.func.value, module) == path:
            return True
    return False


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


class _Inside(cst.CSTVisitor):
    """The calls that run while the file is open, and every node there (to place clauses).
    Functions defined there run later, if at all: not inside."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []
        self.nodes: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        self.nodes.add(id(node))
        if isinstance(node, cst.Call):
            self.calls.append(node)
        return True
