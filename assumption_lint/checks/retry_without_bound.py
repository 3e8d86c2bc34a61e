"""AL205 retry-without-bound: a request retried forever, or retried with no pause.

Three shapes retry a call:
- a hand-written loop: ``while True`` (or ``for attempt in range(n)``) around a ``try``
  whose success path leaves the loop and whose except clause goes round again;
- a retry decorator (tenacity ``@retry``, backoff ``on_exception``) on the function that
  makes the call;
- ``for attempt in Retrying(...)`` around the call.
Which helpers retry and which keywords bound them come from ``rules/retries.toml``.
A loop over different items (``for url in urls``) is a batch, not a retry, and a loop
that never leaves on success is a poller: both are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

import libcst as cst

from ..catalog import RetryPolicy
from ..facts.context import TryFrame
from ..facts.arguments import given, has_star_kwargs, is_none
from ..facts.fixpoint import reaching
from ..facts.network import NetworkCalls
from ..facts.syntax import block_statements, calls_in, contains_exit, ends_with_exit, last_name, nodes_in
from ..resolve import dotted_name
from ..facts.reachability import Reachability
from ..facts.response_bodies import is_log_call
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

Loop = Union[cst.For, cst.While]
_EXITS = (cst.Break, cst.Return, cst.Raise)
# Unresolved helpers whose name says they pause (``self._backoff(attempt)``): trusted, so
# that a loop which does wait is never called hot.
_PAUSE_WORDS = ("sleep", "backoff", "wait", "delay", "throttle", "pause")


@dataclass(frozen=True)
class _RetryLoop:
    loop: Loop
    handlers: tuple[cst.ExceptHandler, ...]  # the except clauses that go round again
    unbounded: bool
    pauses: bool


class RetryWithoutBound(Check):
    rules = ("AL205",)
    needs = (NetworkCalls, Reachability)  # Reachability: no findings in code nothing runs
    # Every finding needs a catalogued network call, whose module name the engine's
    # pre-check already looks for: no extra trigger words.

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.calls = self.fact(NetworkCalls)
        # Functions and `for ... in Retrying()` loops retried without a bound, with the fix.
        self._retried_functions: dict[cst.FunctionDef, RetryPolicy] = {}
        self._retried_loops: dict[cst.For, RetryPolicy] = {}
        self._reported: set[cst.CSTNode] = set()
        self._loops: dict[tuple[Loop, cst.CSTNode], _RetryLoop | None] = {}
        # Same-module calls per function, and the functions that make a network call: a
        # retried function that requests through a helper is decided after the walk.
        self._local_calls: dict[cst.FunctionDef, list[_LocalCall]] = {}
        self._callees: dict[str, set[str]] = {}
        self._networking: set[str] = set()
        self._helper_loops: list[_HelperLoop] = []

    # ------------------------------------------------------------ library helpers
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            policy = self._unbounded_policy(decorator.decorator, "decorator")
            if policy is not None:
                self._retried_functions[node] = policy
                return

    def visit_For(self, node: cst.For) -> None:
        policy = self._unbounded_policy(node.iter, "iterator")
        if policy is not None:
            self._retried_loops[node] = policy

    def _unbounded_policy(self, expression: cst.BaseExpression, form: str) -> RetryPolicy | None:
        """The policy when ``expression`` is a retry helper used without any attempt bound."""
        call = expression if isinstance(expression, cst.Call) else None
        resolved = self.resolver.resolve(call.func if call is not None else expression)
        if resolved is None:
            return None
        policy = self.catalog.retry_policy(resolved.name)
        if policy is None or policy.form != form:
            return None
        if call is None:
            return policy  # bare `@retry`: every default applies
        if has_star_kwargs(call):
            return None  # the bound may be in **kwargs
        for name in policy.bound_keywords:
            value = given(call, name, None)
            if value is not None and not self._means_unbounded(value, policy):
                return None
        return policy

    def _means_unbounded(self, value: cst.BaseExpression, policy: RetryPolicy) -> bool:
        if is_none(value):
            return "None" in policy.unbounded_values
        target = value.func if isinstance(value, cst.Call) else value
        resolved = self.resolver.resolve(target)
        return resolved is not None and resolved.name in policy.unbounded_values

    # ------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        found = self.calls.remote_api(node, self.ctx.function.node if self.ctx.function else None)
        callee = self._record_local_call(node, found is not None)
        if found is None:
            if callee is not None:
                self._helper_in_loop(node, callee)
            return
        resolved, api = found
        frame = self.ctx.function
        if frame is not None and frame.node in self._retried_functions and frame.node not in self._reported:
            self._reported.add(frame.node)
            policy = self._retried_functions[frame.node]
            self.report("AL205", node, api=resolved.name,
                        reason=f"{_short(policy)} has no attempt limit, so it retries forever", fix=policy.fix)
            return
        loops = self.ctx.loops_in_function()
        if not loops:
            return
        loop = loops[-1]
        if isinstance(loop, cst.For) and loop in self._retried_loops:
            if loop not in self._reported:
                self._reported.add(loop)
                policy = self._retried_loops[loop]
                self.report("AL205", node, api=resolved.name,
                            reason=f"{_short(policy)} has no attempt limit, so it retries forever", fix=policy.fix)
            return
        retry = self._retry_loop(loop, node)
        if retry is None or loop in self._reported or not (retry.unbounded or not retry.pauses):
            return
        self._reported.add(loop)
        self.report("AL205", node, _loop_location(retry), api=resolved.name, reason=_loop_reason(retry),
                    fix=self._fix(api.library, retry), covers=retry.handlers)

    def _helper_in_loop(self, node: cst.Call, callee: str) -> None:
        """A retry loop around a same-module helper: whether the helper makes a request is
        known after the walk, so the loop is judged now and reported then."""
        loops = self.ctx.loops_in_function()
        if not loops or not self.ctx.function:
            return
        retry = self._retry_loop(loops[-1], node)
        if retry is not None and (retry.unbounded or not retry.pauses):
            self._helper_loops.append(_HelperLoop(node, callee, retry, self.ctx.statement, self.ctx.function.qualname))

    def _record_local_call(self, node: cst.Call, network: bool) -> str | None:
        """Remember same-module calls (and which functions make network calls); returns
        the callee's key for a same-module call."""
        frame = self.ctx.function
        if frame is None:
            return None
        key = _function_key(frame.node.name.value, frame.class_name)
        if network:
            self._networking.add(key)
            return None
        func = node.func
        callee = None
        if isinstance(func, cst.Name):
            callee = func.value
        elif (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and frame.class_name
              and func.value.value in ("self", "cls")):
            callee = _function_key(func.attr.value, frame.class_name)
        if callee is None:
            return None
        self._callees.setdefault(key, set()).add(callee)
        self._local_calls.setdefault(frame.node, []).append(
            _LocalCall(node, callee, self.ctx.statement, frame.qualname))
        return callee

    def leave_Module(self, node: cst.Module) -> None:
        """A retried function that makes no request itself but calls a same-module function
        that does: the retried call is that helper call."""
        pending = [function for function in self._retried_functions if function not in self._reported]
        if not pending and not self._helper_loops:
            return
        networking = reaching(self._networking, self._callees)
        for helper in self._helper_loops:
            if helper.callee in networking and helper.retry.loop not in self._reported:
                self._reported.add(helper.retry.loop)
                self.report("AL205", helper.node, _loop_location(helper.retry),
                            statement=helper.statement, function=helper.function,
                            covers=helper.retry.handlers,
                            api=f"{helper.callee.rsplit('.', 1)[-1]}() (which makes a network call)",
                            reason=_loop_reason(helper.retry), fix=self._fix(None, helper.retry))
        for function in pending:
            for call in self._local_calls.get(function, ()):
                if call.callee in networking:
                    policy = self._retried_functions[function]
                    self.report("AL205", call.node, statement=call.statement, function=call.function,
                                api=f"{call.callee.rsplit('.', 1)[-1]}() (which makes a network call)",
                                reason=f"{_short(policy)} has no attempt limit, so it retries forever",
                                fix=policy.fix)
                    break

    def _fix(self, library: str | None, retry: _RetryLoop) -> str:
        for policy in self.catalog.retry_policies.values():
            if library is not None and library in policy.retries_libraries:
                return policy.fix
        if retry.unbounded:
            return "count the attempts and give up after a few, sleeping (with backoff) in between"
        return "sleep between attempts, e.g. time.sleep(2 ** attempt)"

    # ------------------------------------------------------------ hand-written loops
    def _retry_loop(self, loop: Loop, call: cst.Call) -> _RetryLoop | None:
        """The loop as a retry loop around the call being visited, or None when it is not one."""
        frame = self._innermost_try()
        if frame is None:
            return None
        key = (loop, frame.node)
        if key not in self._loops:
            self._loops[key] = self._analyze(loop, frame, call) if self._directly_in(frame.node, loop) else None
        return self._loops[key]

    def _innermost_try(self) -> TryFrame | None:
        for frame in reversed(self.ctx.tries):
            if frame.in_body:
                return frame if isinstance(frame.node, cst.Try) and frame.handlers else None
        return None

    @staticmethod
    def _directly_in(node: cst.CSTNode, loop: Loop) -> bool:
        return any(statement is node for statement in block_statements(loop.body))

    def _analyze(self, loop: Loop, frame: TryFrame, call: cst.Call) -> _RetryLoop | None:
        bounded = self._loop_bound(loop, call)
        if bounded is None:
            return None  # not a loop that repeats the same request
        statements = list(block_statements(loop.body))
        try_node = frame.node
        assert isinstance(try_node, cst.Try)
        after = statements[statements.index(try_node) + 1:]
        falls_through_exits = ends_with_exit(after, _EXITS)
        retrying = tuple(handler.node for handler in frame.handlers
                         if self._goes_round(block_statements(handler.node.body), falls_through_exits))
        if not retrying:
            return None
        # Success must leave the loop, else this is a poller that runs forever by design.
        success = list(block_statements(try_node.body))
        if try_node.orelse is not None:
            success += list(block_statements(try_node.orelse.body))
        if not (contains_exit(success, (cst.Break, cst.Return)) or (
                falls_through_exits and all(ends_with_exit(block_statements(h.body), (cst.Continue,))
                                            for h in retrying))):
            return None
        # An attempt limit: the loop's own bound, a conditional exit in a retrying clause
        # (`if attempt == 5: raise`), or one elsewhere in the loop body.
        others = [statement for statement in statements if statement is not try_node]
        if bounded and isinstance(loop, cst.While) and not self._error_path_advances(loop, statements, try_node, retrying):
            bounded = False  # `while tries < 4:` whose error path never counts a try
        limited = (bounded or any(contains_exit(block_statements(handler.body), _EXITS) for handler in retrying)
                   or (not falls_through_exits and contains_exit(others, _EXITS)))
        return _RetryLoop(loop, retrying, unbounded=not limited, pauses=self._pauses(loop))

    @staticmethod
    def _error_path_advances(loop: cst.While, statements: list[cst.BaseStatement], try_node: cst.Try,
                             retrying: tuple[cst.ExceptHandler, ...]) -> bool:
        """Does the way round after an error change a name the loop condition compares?
        Only a plain comparison of names is judged (``while tries < 4``); a condition that
        calls anything (``while not stop.is_set()``) may change by itself: assume it does."""
        test = loop.test
        if not isinstance(test, cst.Comparison) or nodes_in(test, (cst.Call, cst.Await)):
            return True
        counted = {name.value for name in _names(test)}
        before = statements[:statements.index(try_node)]
        after = statements[statements.index(try_node) + 1:]
        for handler in retrying:
            path = list(before) + list(block_statements(handler.body))
            if not ends_with_exit(block_statements(handler.body), (cst.Continue,)):
                path += after
            if not counted & _assigned_names(path):
                return False
        return True

    @staticmethod
    def _goes_round(body: list[cst.BaseStatement] | tuple, after_exits: bool) -> bool:
        """An except clause that lets the loop run again: it ends in ``continue``, or it falls
        through to the rest of the loop body, which does not leave the loop."""
        if ends_with_exit(body, (cst.Continue,)):
            return True
        if ends_with_exit(body, _EXITS):
            return False
        return not after_exits

    def _loop_bound(self, loop: Loop, call: cst.Call) -> bool | None:
        """True: the loop itself limits attempts; False: it never stops by itself;
        None: the loop walks over items (a batch), so it is no retry."""
        if isinstance(loop, cst.While):
            test = loop.test
            if isinstance(test, cst.Name) and test.value == "True" or \
                    isinstance(test, cst.Integer) and test.value not in ("0",):
                return False
            return True  # a condition may count attempts: assume it does
        iterator = loop.iter
        if not isinstance(iterator, cst.Call):
            return None
        if self._uses_target(loop, call) or _takes_new_value(loop, call):
            return None
        if dotted_name(iterator.func) == ["range"] and self.resolver.lookup("range") is None:
            return True
        resolved = self.resolver.resolve(iterator.func)
        if resolved is not None and resolved.name == "itertools.count":
            return False
        return None

    @staticmethod
    def _uses_target(loop: cst.For, call: cst.Call) -> bool:
        """``for page in range(5): get(url, params={"page": page})`` fetches five things:
        the target used anywhere but in the except clauses makes the loop a batch."""
        names = {node.value for node in _names(loop.target)}
        if not names or names <= {"_"}:
            return False
        used = {name.value for arg in call.args for name in _names(arg.value)}
        for statement in block_statements(loop.body):
            # The except clauses may log or sleep by the attempt number, and any part may
            # print or log it ("attempt 2 failed"): that is no item.
            parts = ([statement.body] + ([statement.orelse] if statement.orelse else [])
                     if isinstance(statement, cst.Try) else [statement])
            for part in parts:
                reported = {id(name) for report in nodes_in(part, (cst.Call,))
                            if isinstance(report, cst.Call) and _reports_progress(report)
                            for name in _names(report)}
                used.update(name.value for name in _names(part) if id(name) not in reported)
        return bool(names & used)

    def _pauses(self, loop: Loop) -> bool:
        for call in calls_in(list(block_statements(loop.body))):
            resolved = self.resolver.resolve(call.func)
            if resolved is not None and resolved.name in self.catalog.sleeps:
                return True
            name = last_name(call.func)
            if name is not None and any(word in name.lower() for word in _PAUSE_WORDS):
                return True
        return False


def _names(node: cst.CSTNode) -> list[cst.Name]:
    return [found for found in nodes_in(node, (cst.Name,)) if isinstance(found, cst.Name)]


def _reports_progress(call: cst.Call) -> bool:
    """``print(...)`` or a logging call: what it mentions only describes the attempt."""
    return (isinstance(call.func, cst.Name) and call.func.value == "print") or is_log_call(call)


def _takes_new_value(loop: cst.For, call: cst.Call) -> bool:
    """Each pass sends a different request: an argument of the call uses a name the loop
    body assigns, before the ``try``, from a call (``key = pool.acquire()``,
    ``proxy = next(proxies)``). In a counted loop that is a failover over keys or hosts,
    which moves on at once by design, like a loop over items; ``while True`` round an
    endless cycle of them still never gives up, so only ``for`` loops ask."""
    used = {name.value for arg in call.args for name in _names(arg.value)}
    if not used:
        return False
    for statement in block_statements(loop.body):
        if isinstance(statement, cst.Try):
            break  # names set after the request's try cannot feed its first pass
        for node in nodes_in(statement, (cst.Assign,)):
            if isinstance(node, cst.Assign) and nodes_in(node.value, (cst.Call,)) and any(
                    name.value in used for target in node.targets for name in _names(target.target)):
                return True
    return False


def _loop_location(retry: _RetryLoop) -> list[tuple[cst.CSTNode, str]]:
    return [(retry.loop, "the loop that sends it again")]


def _assigned_names(statements: list[cst.BaseStatement]) -> set[str]:
    """Names (and ``self.attr`` attribute names) assigned anywhere in ``statements``."""
    targets: list[cst.BaseExpression] = []
    for node in nodes_in(statements, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.NamedExpr)):
        if isinstance(node, cst.Assign):
            targets += [target.target for target in node.targets]
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.NamedExpr)):
            targets.append(node.target)
    names = set()
    for target in targets:
        for name in _names(target):
            names.add(name.value)
    return names


@dataclass(frozen=True)
class _HelperLoop:
    node: cst.Call
    callee: str
    retry: _RetryLoop
    statement: cst.CSTNode | None
    function: str


def _loop_reason(retry: _RetryLoop) -> str:
    if retry.unbounded:
        return "the loop retries after an error with no attempt limit" + (
            "" if retry.pauses else " and no pause between attempts")
    return "the loop retries at once after an error, with no pause between attempts"


@dataclass(frozen=True)
class _LocalCall:
    node: cst.Call
    callee: str
    statement: cst.CSTNode | None
    function: str


def _function_key(name: str, class_name: str | None) -> str:
    return f"{class_name}.{name}" if class_name else name


def _short(policy: RetryPolicy) -> str:
    return f"{policy.library} {policy.names[0].rsplit('.', 1)[-1]}"
