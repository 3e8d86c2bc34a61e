"""AL204 swallowed-network-error: a broad except clause around a network call that hides
the failure (``pass``, ``continue``, ``return None``, ``return []``, made-up data).

The clause is around a network call directly, or around a call of a same-module function
that lets a network error out (decided after the walk, from the ``NetworkFlow`` fact). A clause
that logs, re-raises, uses the exception or returns anything alint cannot judge is quiet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ..facts.arguments import is_none
from ..facts.handlers import Clause, first_catching
from ..facts.network import NetworkCall
from ..facts.network_flow import NetworkFlow, Origin, Site, failing_elsewhere
from ..facts.syntax import contains, contains_exit, literal_value, names_in, visit_tree
from ..resolve import dotted_name
from ..facts.reachability import Reachability
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_EMPTY_CALLS = ("list", "dict", "set", "tuple", "str")
# A returned dict with one of these keys, or a returned value with one of these words
# (`{"state": "offline"}`), reports the failure to the caller.
_ERROR_KEYS = frozenset({"error", "errors", "ok", "success", "status", "message", "detail", "failed"})
_ERROR_WORDS = frozenset({"error", "errors", "failed", "failure", "offline", "unavailable", "down",
                          "unreachable", "timeout", "timed out"})
# Calls that only tell a person something (a warning, a log line): a result that flows
# nowhere else is a hint, and a failed request only means the hint is missing.
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


class SwallowedNetworkError(Check):
    rules = ("AL204",)
    # Client objects, factories and client classes imported from other project files.
    project_reads = frozenset({"escapes", "clients"})
    needs = (NetworkFlow, Reachability)  # Reachability: no findings in code nothing runs

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.flow = self.fact(NetworkFlow)
        self.knowledge = self.catalog.network
        self.module = state.module

    def leave_Module(self, node: cst.Module) -> None:
        origins, reaching = self.flow.reaching_errors()
        reported: set[int] = set()
        for site, errors in reaching:
            for origin_index, error in sorted(errors):
                clause = first_catching(site.clauses, self.knowledge, error)
                # `with contextlib.suppress(...)` says out loud that it ignores the error.
                if clause is None or id(clause.node) in reported or not isinstance(clause.node, cst.ExceptHandler):
                    continue
                origin = origins[origin_index]
                if not self._broad(clause, origin):
                    continue
                outcome = silent_outcome(clause.node)
                if outcome is None or self._first_success_search(clause.node):
                    continue
                if outcome[1] != "real data" and self._advisory(site, origin):
                    continue
                if outcome == ("does nothing", "success") and self._cleanup(site, origin):
                    continue
                reported.add(id(clause.node))
                self._report(site, clause, origin, outcome)

    def _broad(self, clause: Clause, origin: Origin) -> bool:
        """Does the clause catch the failure as a whole (not one chosen error)? For a
        function of another project file, over the families of the calls failing in it."""
        net = origin.site.network
        if net is not None:
            return clause.is_broad(self.knowledge, net.family)
        external = origin.site.external
        if external is None:
            return False
        families = {raised.family_errors for raised, _ in external.escapes}
        return bool(families) and all(clause.is_broad_over(self.knowledge, errors) for errors in families)

    def _first_success_search(self, handler: cst.ExceptHandler) -> bool:
        """``for candidate in ...: try: ... except: pass  else: break``: trying candidates
        until one works, where a failure only means "try the next one"."""
        node = self.flow.try_of.get(id(handler))
        if node is None:
            return False
        blocks = [node.body] + ([node.orelse.body] if node.orelse is not None else [])
        # A `break` of the loop around the try (not of a loop or function inside it).
        return any(contains_exit([block], (cst.Break,)) for block in blocks)

    def _body_read(self, scope: cst.CSTNode, call: cst.Call, names: set[str], net: NetworkCall) -> bool:
        """The response's body is read (``r.text``, ``requests.post(...).json()``): the
        request asks a question, like the version-check POST of changedetection.io."""
        kind = self.knowledge.responses.get(net.family.response) if net.family.response else None
        if kind is None:
            return False
        body = set(kind.body_attributes) | set(kind.body_methods)
        reads = _AttributeReads()
        visit_tree(scope, reads)
        return any(node.attr.value in body and (node.value is call or (
            isinstance(node.value, cst.Name) and node.value.value in names)) for node in reads.found)

    def _advisory(self, site: Site, origin: Origin) -> bool:
        """A best-effort read whose failure changes nothing the caller can see: the call's
        result (and every name derived from it) only feeds warnings or log lines, or the
        test of an ``if`` whose body only does that or sets a constant flag. Swallowing
        the error then only means "no hint today" (a "new version available" check), not
        empty or stale data passed on as real. A discarded result is not advisory: the
        request was made for its effect, and so is a state-changing request (POST, PUT,
        PATCH, DELETE) whose body is never read: a sent message failing silently."""
        tracked = _assigned_names(site.statement, site.node)
        if not tracked:
            return False
        info = self.flow.functions.get(site.function)
        scope: cst.CSTNode = info.node if info is not None else self.module
        net = origin.site.network
        if net is not None and net.state_changing and (
                origin.site is not site or not self._body_read(scope, site.node, tracked, net)):
            return False
        uses = _Uses(site.statement)
        visit_tree(scope, uses)
        while True:  # names derived from derived names, in any order (loops)
            before = len(tracked)
            for small in uses.smalls:
                mentioned = names_in(small) & tracked
                if not mentioned:
                    continue
                derived = _derived_names(small)
                if derived is not None:
                    tracked |= derived
                elif not _is_log_call(small):
                    return False
            if len(tracked) == before:
                break
        return all(_flag_only(branch) for branch in uses.ifs if names_in(branch.test) & tracked) and not any(
            names_in(header) & tracked for header in uses.headers)

    def _cleanup(self, site: Site, origin: Origin) -> bool:
        """``try: s3.delete_object(...) except: pass``: a best-effort clean-up (a temporary
        upload, a "thinking..." placeholder message) whose result is thrown away. Failing
        leaves something behind to remove later; nothing the code goes on with is wrong."""
        net = origin.site.network
        if net is None or net.method is not None or origin.site is not site:
            return False  # an HTTP DELETE may be the very action (`requests.delete(positions)`)
        if not _discarded(site.statement, site.node):
            return False
        method = net.api.rsplit(".", 1)[-1].lower()
        if not any(method.startswith(word) or method.endswith("_" + word) for word in _CLEANUP_WORDS):
            return False
        # A side step: the code goes on after the try (replies, returns its result). A
        # delete that is all the function does is the action itself.
        info = self.flow.functions.get(site.function)
        node = self.flow.try_of.get(id(next((c.node for c in site.clauses if isinstance(c.node, cst.ExceptHandler)),
                                            None)))
        return info is not None and node is not None and _followed(info.node, node)

    def _report(self, site: Site, clause: Clause, origin: Origin, outcome: tuple[str, str]) -> None:
        net = origin.site.network
        related: list[tuple[object, str]] = []
        if net is not None:
            call = net.label
        else:  # a function of another project file whose calls fail
            assert origin.site.external is not None
            shown = self.state.project.shown if self.state.project is not None else str
            call, related = failing_elsewhere(origin.site.node.func, origin.site.external, shown)
        if origin.site is not site and site.callee is not None:
            call = f"{call} (through `{site.callee}()`)"
        did, looks = outcome
        self.report("AL204", clause.node, related, statement=site.statement, function=site.function,
                    call=call, clause=clause.spelled(self.module), outcome=did, looks=looks)


# Method names of clean-up calls (``delete_object``, ``chat_delete``, ``remove_member``).
_CLEANUP_WORDS = ("delete", "remove", "cleanup", "purge")


def _discarded(statement: cst.CSTNode | None, call: cst.Call) -> bool:
    """The call is a statement of its own (``await`` allowed): its result is not used."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Expr):
            value = small.value.expression if isinstance(small.value, cst.Await) else small.value
            if value is call:
                return True
    return False


def _followed(function: cst.FunctionDef, node: cst.CSTNode) -> bool:
    """``node`` is a statement of ``function`` after which more of it runs: a statement
    follows it in its block, or in a block around it (``if placeholder: try: ...`` then
    a reply)."""
    def search(block: cst.CSTNode) -> bool | None:  # None: not found under ``block``
        body = getattr(block, "body", None)
        statements = list(body) if isinstance(body, (list, tuple)) else []
        for index, statement in enumerate(statements):
            if statement is node:
                return index + 1 < len(statements)
            found = search(statement)
            if found is not None:
                return found or index + 1 < len(statements)
        for child in block.children:
            if isinstance(child, (cst.BaseSuite, cst.BaseCompoundStatement, cst.ExceptHandler, cst.Else,
                                  cst.Finally)) and child not in statements:
                found = search(child)
                if found is not None:
                    return found
        return None

    return bool(search(function.body))


def silent_outcome(handler: cst.ExceptHandler) -> tuple[str, str] | None:
    """(what the clause does, what the failure looks like) when its body only hides the
    error; None when it does anything else (logs, raises, records, returns other values)."""
    outcomes: list[tuple[str, str]] = []
    # `except Exception: pass` on one line is a suite of small statements.
    lines = [handler.body] if isinstance(handler.body, cst.SimpleStatementSuite) else handler.body.body
    for statement in lines:
        if not isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return None
        for small in statement.body:
            outcome = _silent_small(small)
            if outcome is None:
                return None
            if outcome[0]:
                outcomes.append(outcome)
    if not outcomes:
        return ("does nothing", "success")
    return outcomes[-1]


def _silent_small(small: cst.BaseSmallStatement) -> tuple[str, str] | None:
    if isinstance(small, cst.Pass):
        return ("", "")
    if isinstance(small, cst.Expr) and isinstance(small.value, (cst.Ellipsis, cst.SimpleString)):
        return ("", "")
    if isinstance(small, cst.Continue):
        return ("skips to the next item", "an item with nothing to do")
    if isinstance(small, cst.Break):
        return ("stops the loop", "the end of the data")
    if isinstance(small, cst.Return):
        if small.value is None:
            return ("returns None", "no data")
        kind = _silent_value(small.value)
        if kind is None:
            return None
        return (f"returns {kind}", "real data" if kind == "made-up data" else "no data")
    if isinstance(small, (cst.Assign, cst.AnnAssign)):
        targets = [target.target for target in small.targets] if isinstance(small, cst.Assign) else [small.target]
        value = small.value
        if value is None or not all(isinstance(target, cst.Name) for target in targets):
            return None
        return ("", "") if _silent_value(value) is not None else None
    return None


def _silent_value(value: cst.BaseExpression) -> str | None:
    """``None``/an empty value: "None", "an empty value"; constant data: "made-up data"."""
    if is_none(value):
        return "None"
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)) and not value.elements:
        return "an empty value"
    if isinstance(value, cst.Dict) and not value.elements:
        return "an empty value"
    if isinstance(value, cst.SimpleString) and literal_value(value) == "":
        return "an empty value"
    if isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Name) \
            and value.func.value in _EMPTY_CALLS:
        return "an empty value"
    if isinstance(value, (cst.List, cst.Tuple, cst.Set, cst.Dict)) and _constant(value):
        return "made-up data"
    return None


def _constant(value: cst.BaseExpression) -> bool:
    """Literal data only (numbers, strings, None, booleans), without an error key."""
    if isinstance(value, cst.SimpleString):
        return str(literal_value(value)).strip().lower() not in _ERROR_WORDS
    if isinstance(value, (cst.Integer, cst.Float)):
        return True
    if isinstance(value, cst.Name):
        return value.value in ("None", "True", "False")
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(element, cst.Element) and _constant(element.value) for element in value.elements)
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                return False
            key = element.key
            if isinstance(key, cst.SimpleString) and str(literal_value(key)).lower() in _ERROR_KEYS:
                return False
            if not (_constant(key) and _constant(element.value)):
                return False
        return True
    return False


def _assigned_names(statement: cst.CSTNode | None, call: cst.Call) -> set[str]:
    """``data = <... call ...>``: the plain names the call's result is bound to."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return set()
    small = statement.body[0]
    if not isinstance(small, (cst.Assign, cst.AnnAssign)) or small.value is None:
        return set()
    if not contains(small.value, call):
        return set()
    return _derived_names(small) or set()


def _derived_names(small: cst.BaseSmallStatement) -> set[str] | None:
    """The local names an assignment binds, or None when it stores anywhere else
    (an attribute, an item: the value leaves the function's locals)."""
    if isinstance(small, cst.Assign):
        targets = [target.target for target in small.targets]
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        targets = [small.target]
    else:
        return None
    names: set[str] = set()
    for target in targets:
        plain = _plain_names(target)
        if plain is None:
            return None
        names |= plain
    return names


def _plain_names(target: cst.BaseExpression) -> set[str] | None:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        names: set[str] = set()
        for element in target.elements:
            inner = _plain_names(element.value)
            if inner is None:
                return None
            names |= inner
        return names
    return None


def _is_log_call(small: cst.BaseSmallStatement) -> bool:
    """``warnings.warn(...)``, ``log.warning(...)``, ``self._logger.info(...)``."""
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    parts = dotted_name(small.value.func)
    if not parts or len(parts) < 2:
        return False
    if parts == ["warnings", "warn"]:
        return True
    return parts[-1] in _LOG_METHODS and ("log" in parts[-2].lower() or parts[-2] == "structlog")


def _flag_only(branch: cst.If) -> bool:
    """An ``if`` whose branches only log, warn, ``pass`` or set something to a constant."""
    blocks = [branch.body]
    orelse = branch.orelse
    while orelse is not None:
        if isinstance(orelse, cst.If):
            blocks.append(orelse.body)
            orelse = orelse.orelse
        else:
            blocks.append(orelse.body)
            orelse = None
    for block in blocks:
        for statement in block.body:
            if isinstance(statement, cst.If):
                if not _flag_only(statement):
                    return False
                continue
            if not isinstance(statement, cst.SimpleStatementLine):
                return False
            for small in statement.body:
                if isinstance(small, cst.Pass) or _is_log_call(small):
                    continue
                if isinstance(small, cst.Assign) and _literal(small.value):
                    continue
                return False
    return True


def _literal(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Name):
        return value.value in ("True", "False", "None")
    return isinstance(value, (cst.Integer, cst.Float, cst.SimpleString))


class _Uses(cst.CSTVisitor):
    """Every small statement (but the origin's), every ``if``, and the headers of other
    compound statements (loop iterables, ``with`` items, ``while`` tests) in a scope."""

    def __init__(self, origin: cst.CSTNode | None) -> None:
        super().__init__()
        self.origin = origin
        self.smalls: list[cst.BaseSmallStatement] = []
        self.ifs: list[cst.If] = []
        self.headers: list[cst.CSTNode] = []

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        if node is not self.origin:
            self.smalls.extend(node.body)
        return False

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        self.smalls.extend(node.body)
        return False

    def visit_If(self, node: cst.If) -> None:
        self.ifs.append(node)

    def visit_For(self, node: cst.For) -> None:
        self.headers.extend((node.target, node.iter))

    def visit_While(self, node: cst.While) -> None:
        self.headers.append(node.test)

    def visit_With(self, node: cst.With) -> None:
        self.headers.extend(item.item for item in node.items)

    def visit_Match(self, node: cst.Match) -> None:
        self.headers.append(node.subject)


class _AttributeReads(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Attribute] = []

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.found.append(node)
