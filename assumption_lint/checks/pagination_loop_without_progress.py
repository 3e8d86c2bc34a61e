"""AL402 pagination-loop-without-progress: a page loop that can never reach the end.

Three shapes, each reported at the request inside the loop (loops from the ``PageLoops``
fact):

- the request never changes: it passes a page, offset or cursor that nothing in the loop
  updates, or the loop reads the continuation field and never passes it back;
- the only exit is a token that can repeat (``[[repeating-token]]``: CloudWatch Logs
  ``get_log_events`` returns the token you passed at the end of the stream);
- a ``while True`` page loop whose only exits are an error status or an exception: a
  page past the end that comes back empty and successful makes it run forever.

Precision first: a loop that leaves unconditionally (runs once), a request whose
arguments read anything the loop rebinds or mutates (or state of ``self`` a method may
move), and an exit on anything but a status all count as progress.
"""

from __future__ import annotations

import libcst as cst

from ..facts.page_loops import END_STATUSES, PageLoop, PageLoops, PageRequest, STATUS_ATTRIBUTES
from ..facts.syntax import children, names_in
from ..resolve import dotted_name
from .base import Check, network_modules

_PAGEISH = ("page", "offset", "cursor", "token", "marker", "start", "skip")


class PaginationLoopWithoutProgress(Check):
    rules = ("AL402",)
    needs = (PageLoops,)

    @classmethod
    def relevant_words(cls, catalog) -> frozenset[str]:  # type: ignore[no-untyped-def]
        return network_modules(catalog)  # page loops are found by their syntax, any client's

    def leave_Module(self, node: cst.Module) -> None:
        for loop in self.fact(PageLoops).loops:
            if any(not exit.tests and exit.in_handler is None for exit in loop.exits):
                continue  # it leaves on the first pass: a single request, or a retry that succeeded
            if self._repeating(loop) or self._no_progress(loop):
                continue
            self._endless(loop)

    # ------------------------------------------------------------------ repeating token
    def _repeating(self, loop: PageLoop) -> bool:
        knowledge = self.catalog.pagination.repeating
        for request in loop.requests:
            method = dotted_name(request.call.func)
            if not method:
                continue
            for entry in knowledge:
                if method[-1] not in entry.operations or not self.ctx.imports_any((entry.library,)):
                    continue
                tokens = {name for name, field in loop.token_names.items() if field in entry.tokens}
                passed = next((arg.value for arg in request.call.args
                               if arg.keyword is not None and arg.keyword.value == entry.request_token), None)
                if passed is not None:
                    tokens.update(names_in(passed))
                if not tokens:
                    continue
                tests = self._exit_tests(loop)
                if all(_token_only(test, tokens) for test in tests):
                    self._report(request, loop, api=method[-1],
                                 problem=f"{entry.why}, so a loop whose only exit is a missing token never ends",
                                 fix=entry.fix)
                    return True
        return False

    @staticmethod
    def _exit_tests(loop: PageLoop) -> list[cst.BaseExpression]:
        tests: list[cst.BaseExpression] = []
        if isinstance(loop.node, cst.While) and not loop.while_true:
            tests.append(loop.node.test)
        for exit in loop.exits:
            if exit.in_handler is None and not isinstance(exit.node, cst.Raise):
                tests.extend(exit.tests)
        return tests

    # ------------------------------------------------------------------ no progress
    def _no_progress(self, loop: PageLoop) -> bool:
        for request in loop.requests:
            if loop.varies(request):
                continue
            if request.passes_position and not self._continues(loop, request):
                continue  # a poll of one page, or a retry of one request
            if not request.passes_position and not request.fields_read:
                continue
            if request.passes_position:
                given = ", ".join(sorted(name for name in request.position_names)) or "a literal position"
                problem = (f"the page it asks for ({given}) never changes between iterations, "
                           "so every iteration fetches the same page")
                fix = "update the page, offset or cursor from each response before the next request"
            else:
                field = sorted(request.fields_read)[0]
                problem = (f"the loop reads {field} but never passes it back, "
                           "so every iteration fetches the first page again")
                fix = f"pass {field} on the next request (or follow the next URL)"
            self._report(request, loop, api=_name(request.call), problem=problem, fix=fix)
            return True
        return False

    @staticmethod
    def _continues(loop: PageLoop, request: PageRequest) -> bool:
        """The loop shows it means to page: it reads a continuation field, gathers what
        each iteration fetched, or counts pages."""
        if request.fields_read or loop.token_names or loop.accumulators or loop.yields:
            return True
        if isinstance(loop.node, cst.For):
            target = loop.node.target
            return isinstance(target, cst.Name) and any(word in target.value.lower() for word in _PAGEISH)
        return False

    # ------------------------------------------------------------------ while True
    def _endless(self, loop: PageLoop) -> None:
        if not loop.while_true:
            return
        request = next((r for r in loop.requests if r.passes_position and loop.varies(r)), None)
        if request is None:
            return
        results = set().union(*(r.results for r in loop.requests))
        ordinary = [exit for exit in loop.exits if exit.in_handler is None and not isinstance(exit.node, cst.Raise)]
        if any(not _status_only(test, results) for exit in ordinary for test in exit.tests):
            return
        stops = "on an error status" if ordinary else "on an exception"
        self._report(request, loop, api=_name(request.call),
                     problem=(f"this `while True` page loop stops only {stops}, so a page past the end "
                              "that comes back empty and successful makes it request pages forever"),
                     fix="break when a page comes back empty or has no next page")

    def _report(self, request: PageRequest, loop: PageLoop, *, api: str, problem: str, fix: str) -> None:
        self.report("AL402", request.call, statement=request.statement, function=loop.qualname,
                    api=api, problem=problem, fix=fix)


def _name(call: cst.Call) -> str:
    parts = dotted_name(call.func)
    return ".".join(parts[-2:]) if parts else "the request"


def _token_only(test: cst.BaseExpression, tokens: set[str]) -> bool:
    """A test that only asks whether a token is there (``while token:``, ``if not token``,
    ``token is None``), not whether it changed (``new == token``)."""
    for comparison in _comparisons(test):
        for target in comparison.comparisons:
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)):
                return False
    return names_in(test) <= tokens | {"None", "True", "False"}


def _comparisons(node: cst.CSTNode) -> list[cst.Comparison]:
    found, pending = [], [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Comparison):
            found.append(current)
        pending.extend(children(current))
    return found


def _status_only(test: cst.BaseExpression, results: set[str]) -> bool:
    """A test that asks only about the response's status (``resp.status_code != 200``,
    ``not resp.ok``, ``"error" in data``), nothing about the data."""
    statuses = 0
    names: set[str] = set()
    pending: list[cst.CSTNode] = [test]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Attribute) and current.attr.value in STATUS_ATTRIBUTES:
            statuses += 1
            continue
        if isinstance(current, cst.Comparison) and any(
                isinstance(target.operator, (cst.In, cst.NotIn)) for target in current.comparisons) and isinstance(
                current.left, cst.SimpleString) and "error" in current.left.value:
            statuses += 1
            continue
        if isinstance(current, cst.Name):
            names.add(current.value)
        if isinstance(current, cst.Integer) and current.value in END_STATUSES:
            return False  # 404 past the last page: an exit on the end
        pending.extend(children(current))
    return statuses > 0 and names <= {"None", "True", "False"}

