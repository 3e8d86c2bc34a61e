"""AL407 partial-pages-as-complete: a failed page ends the loop, and the pages gathered so
far are used as if they were all of them.

Inside a page loop (``PageLoops``) an except clause around the request, or an ``if`` on an
error status or a rate limit, ends the loop (``break``, or ``return`` of what was gathered),
and the function then returns, saves or reports the pages gathered so far (or, in a
generator, simply stops). Reported at the except clause or the ``break``.

Quiet: a clause that raises or retries (``continue``), a failure recorded in a name the
code reads after the loop (``partial = True``, ``error = exc``), an end-of-list status
(404 or 204 past the last page), and clauses that catch only lookup errors
(``KeyError``, ``IndexError``, ``StopIteration``).
"""

from __future__ import annotations

import libcst as cst

from ..facts.page_loops import END_STATUSES, Exit, PageLoop, PageLoops, STATUS_ATTRIBUTES, statement_of
from ..facts.syntax import children, names_in, nodes_in, target_names
from ..resolve import dotted_name
from .base import Check, network_modules

# Exceptions that say "this item has no such field", not "the page failed".
_LOOKUP_ERRORS = frozenset({"KeyError", "IndexError", "StopIteration", "StopAsyncIteration", "AttributeError",
                            "TypeError", "GeneratorExit", "KeyboardInterrupt"})


class PartialPagesAsComplete(Check):
    rules = ("AL407",)
    needs = (PageLoops,)

    @classmethod
    def relevant_words(cls, catalog) -> frozenset[str]:  # type: ignore[no-untyped-def]
        return network_modules(catalog)  # page loops are found by their syntax, any client's

    def leave_Module(self, node: cst.Module) -> None:
        for loop in self.fact(PageLoops).loops:
            if not any(loop.varies(request) or request.fields_read for request in loop.requests):
                continue  # not a loop over pages (AL402's, if anything)
            if not loop.accumulators and not loop.yields:
                continue
            after = _after(loop)
            for handler, try_node in loop.handlers:
                self._handler(loop, handler, try_node, after)
            for exit in loop.exits:
                if exit.in_handler is None and isinstance(exit.node, (cst.Break, cst.Return)):
                    self._status_exit(loop, exit, after)

    def _handler(self, loop: PageLoop, handler: cst.ExceptHandler, try_node: cst.Try,
                 after: list[cst.BaseStatement]) -> None:
        if not any(_holds(try_node.body, request.call) for request in loop.requests):
            return
        if _caught(handler) <= _LOOKUP_ERRORS and _caught(handler):
            return
        body = list(handler.body.body) if isinstance(handler.body, cst.IndentedBlock) else [handler.body]
        if nodes_in(body, (cst.Raise,)) or nodes_in(body, (cst.Continue,), into_loops=False):
            return  # re-raised, or retried
        exits = [exit for exit in loop.exits if exit.in_handler is handler]
        if not exits:
            return
        outcome = self._outcome(loop, exits, body, after)
        if outcome is None:
            return
        spelled = "`except`" if handler.type is None else f"`except {self.state.module.code_for_node(handler.type)}`"
        self.report("AL407", handler, statement=statement_of(loop.node, handler) or try_node,
                    function=loop.qualname, ending=f"{spelled} ends the loop", outcome=outcome)

    def _status_exit(self, loop: PageLoop, exit: Exit, after: list[cst.BaseStatement]) -> None:
        if not exit.tests or not _failure_test(exit.tests[0]):
            return
        block = exit.block
        outcome = self._outcome(loop, [exit], block, after)
        if outcome is None:
            return
        test = self.state.module.code_for_node(exit.tests[0])
        if len(test) > 50:
            test = test[:47] + "..."
        self.report("AL407", exit.node, statement=exit.statement, function=loop.qualname,
                    ending=f"`if {test}:` ends the loop", outcome=outcome)

    @staticmethod
    def _outcome(loop: PageLoop, exits: list[Exit], block: list[cst.CSTNode],
                 after: list[cst.BaseStatement]) -> str | None:
        """What happens to the pages gathered so far, or None when the failure is told apart."""
        gathered = loop.accumulators
        for exit in exits:
            if isinstance(exit.node, cst.Return):
                value = exit.node.value
                if value is not None and _tells_failure(value):
                    return None  # _finish_incomplete(rows, reason), {"rows": rows, "error": ...}
                if value is not None and names_in(value) & gathered:
                    return "the function returns the pages gathered so far as if they were all of them"
                if loop.yields and value is None:
                    return "the generator stops as if it had yielded every page"
                return None  # returns something else: the caller can tell
        # A break: what runs after the loop.
        flags = {name for node in nodes_in(block, (cst.Assign, cst.AugAssign, cst.AnnAssign))
                 for target in _targets(node) for name in target_names(target)} - gathered
        read_after = set().union(*(names_in(statement) for statement in after)) if after else set()
        if flags & read_after:
            return None  # a flag the code reads after the loop
        if any(nodes_in(after, (cst.Raise,))) and not (read_after & gathered):
            return None
        if read_after & gathered:
            returned = any(isinstance(node, cst.Return) and node.value is not None and names_in(node.value) & gathered
                           for node in nodes_in(after, (cst.Return,)))
            return ("the function then returns the pages gathered so far as if they were all of them" if returned
                    else "the code after the loop uses the pages gathered so far as if they were all of them")
        if loop.yields:
            return "the generator stops as if it had yielded every page"
        return None


_FAILURE_WORDS = ("error", "fail", "incomplete", "partial", "complete", "interrupt", "reason", "ok=", "truncated")


def _tells_failure(value: cst.BaseExpression) -> bool:
    """A returned value that says the list is short: a word of failure in its code."""
    code = cst.Module(body=[]).code_for_node(value).lower()
    return any(word in code for word in _FAILURE_WORDS)


def _targets(node: cst.CSTNode) -> list[cst.BaseExpression]:
    if isinstance(node, cst.Assign):
        return [target.target for target in node.targets]
    return [node.target]  # type: ignore[attr-defined]


def _caught(handler: cst.ExceptHandler) -> set[str]:
    if handler.type is None:
        return set()
    types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    names = set()
    for element in types:
        value = element.value if isinstance(element, cst.Element) else element
        parts = dotted_name(value)
        names.add(parts[-1] if parts else "?")
    return names


def _failure_test(test: cst.BaseExpression) -> bool:
    """An error status, a rate limit or an error field: ``resp.status_code != 200``,
    ``not resp.ok``, ``resp.status == 429``, ``"error" in data``, ``data.get("error")``.
    An end-of-list status (404, 204) is not a failure."""
    code = cst.Module(body=[]).code_for_node(test)
    if any(status in code for status in END_STATUSES):
        return False
    for node in _walk(test):
        if isinstance(node, cst.Attribute) and node.attr.value in STATUS_ATTRIBUTES:
            return True
        if isinstance(node, cst.SimpleString) and node.value.strip("'\"").lower() in ("error", "errors"):
            return True
    return False


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    found, pending = [], [node]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children(current))
    return found


def _holds(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    return any(current is node for current in _walk(tree))


def _after(loop: PageLoop) -> list[cst.BaseStatement]:
    """The statements of the function that run after the loop: those after it in its block,
    and after each block that holds it."""
    scope = loop.function.body if loop.function is not None else None
    if scope is None:
        return []
    out: list[cst.BaseStatement] = []

    def descend(block: cst.CSTNode) -> bool:
        statements = list(block.body) if isinstance(block, cst.IndentedBlock) else []
        for index, statement in enumerate(statements):
            if statement is loop.node:
                out.extend(statements[index + 1:])
                return True
            if isinstance(statement, cst.BaseCompoundStatement) and _holds(statement, loop.node):
                for child in _blocks(statement):
                    if descend(child):
                        out.extend(statements[index + 1:])
                        return True
                return False
        return False

    descend(scope)
    return out


def _blocks(statement: cst.BaseCompoundStatement) -> list[cst.CSTNode]:
    blocks: list[cst.CSTNode] = [statement.body]
    for name in ("orelse", "finalbody"):
        part = getattr(statement, name, None)
        while part is not None:
            if isinstance(part, cst.If):
                blocks.append(part.body)
                part = part.orelse
            else:
                blocks.append(part.body)
                break
    for handler in getattr(statement, "handlers", ()):
        blocks.append(handler.body)
    return blocks
