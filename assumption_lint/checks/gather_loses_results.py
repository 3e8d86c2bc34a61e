"""AL206 gather-loses-results: ``asyncio.gather`` over requests, where one failure loses all.

``gather`` without ``return_exceptions=True`` raises the first error and drops every result
already fetched. It matters only when the gathered coroutines make network calls: a
same-module function whose body calls a catalogued client (directly, or through other
same-module functions), a coroutine handed a client object, or a client call itself.
Functions may be defined after the ``gather`` that runs them, so the decision is made when
the module has been walked.

An ``asyncio.TaskGroup`` cancels the other tasks when one fails, which is what it is for
when the group is all or nothing: a failure that leaves the function is not reported. It
is reported when an except clause around the group swallows that failure without reading
any task's result: the results already fetched are thrown away with the failed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from ..facts.arguments import given
from ..facts.fixpoint import reaching
from ..facts.handlers import reraises, spelled
from ..facts.network import NetworkCalls, annotated_client_type
from ..facts.network_flow import failing_elsewhere
from ..facts.project_calls import ProjectCalls
from ..resolve import Instance
from ..facts.reachability import Reachability
from ..facts.syntax import calls_in, nodes_in
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_WRAPPERS = frozenset({"asyncio.create_task", "asyncio.ensure_future", "asyncio.shield"})
# Method-style task wrappers (`loop.create_task(coro)`, `tg.create_task(coro)`): unwrapped by name.
_WRAPPER_METHODS = frozenset({"create_task", "ensure_future"})


@dataclass
class _Awaitable:
    """What one gathered argument runs: a network call seen at the call site, or the
    names of same-module functions to look up once every function is known."""

    network: bool = False
    functions: set[str] = field(default_factory=set)  # "name" or "Class.name"
    # Same-module coroutines handed a client object (`query(session, url)`): they use it,
    # and fail unless they handle its errors themselves.
    handed: set[str] = field(default_factory=set)
    # A coroutine function of another project file whose requests can fail: where they are.
    failing: tuple[tuple[object, str], ...] = ()


@dataclass
class _Gather:
    node: cst.Call
    statement: cst.CSTNode | None
    function: str
    awaitables: list[_Awaitable]
    count: str


@dataclass
class _TaskGroup:
    """``async with asyncio.TaskGroup() as group`` inside a try whose clause swallows its failure."""

    node: cst.Call
    alias: str
    handler: cst.CSTNode
    statement: cst.CSTNode | None
    function: str
    awaitables: list[_Awaitable] = field(default_factory=list)
    many: bool = False  # tasks made in a loop or a comprehension, or more than one
    loops: int = 0  # loops around the group: one more around a task means a loop of tasks
    repeated: frozenset[int] = frozenset()  # ids of the calls in comprehensions of the body


@dataclass
class _FunctionFacts:
    network: bool = False
    calls: set[str] = field(default_factory=set)
    # An await, a network call or a same-module call outside any clause that catches a
    # network error: a failure there can leave the function (and fail the gather).
    leaks: bool = False
    unguarded_calls: set[str] = field(default_factory=set)


_GATHER_FIX = "pass return_exceptions=True and handle the failures one by one"
_GROUP_CATCHERS = frozenset({"Exception", "BaseException", "ExceptionGroup", "BaseExceptionGroup"})
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
_GROUP_FIX = ("the except clause around the group keeps none of them: catch each request's errors inside "
              "its task, or gather with return_exceptions=True")


def _reads_tasks(node: cst.CSTNode, methods: tuple[str, ...]) -> bool:
    return any(isinstance(call.func, cst.Attribute) and call.func.attr.value in methods and not call.args
               for call in calls_in(node))


class GatherLosesResults(Check):
    rules = ("AL206",)
    # Client objects, factories and client classes imported from other project files.
    project_reads = frozenset({"escapes", "clients"})
    needs = (NetworkCalls, ProjectCalls, Reachability)  # Reachability: no findings in code nothing runs
    # Every finding needs a catalogued network call, whose module name the engine's
    # pre-check already looks for: no extra trigger words.

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.calls = self.fact(NetworkCalls)
        self._facts: dict[str, _FunctionFacts] = {}
        self._gathers: list[_Gather] = []
        # Per function: names bound to a list/generator of coroutines (`tasks = [...]`).
        self._task_lists: dict[tuple[int, str], list[cst.BaseExpression]] = {}
        # Per function: names bound to a call (`task = asyncio.create_task(fetch(url))`).
        self._bound_calls: dict[tuple[int, str], cst.Call] = {}
        self._groups: list[_TaskGroup] = []
        self._open_groups: list[tuple[cst.With, _TaskGroup]] = []
        # Classes caught around a call -> whether they cover some catalogued family's errors.
        self._covering: dict[frozenset[str], bool] = {}

    # ------------------------------------------------------------ facts per function
    def _key(self) -> str | None:
        frame = self.ctx.function
        if frame is None:
            return None
        name = frame.node.name.value
        return f"{frame.class_name}.{name}" if frame.class_name else name

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        key = self._key()
        if key is not None:
            self._facts.setdefault(key, _FunctionFacts())

    def visit_Call(self, node: cst.Call) -> None:
        key = self._key()
        facts = self._facts.setdefault(key, _FunctionFacts()) if key is not None else None
        if facts is not None:
            guarded = self._guarded()
            if self.calls.remote_api(node, self._function_node()) is not None:
                facts.network = True
                facts.leaks = facts.leaks or not guarded
            callee = self._local_callee(node.func)
            if callee is not None:
                facts.calls.add(callee)
                if not guarded:
                    facts.unguarded_calls.add(callee)
            self._record_append(node)
        resolved = self.resolver.resolve(node.func)
        if resolved is not None and resolved.name == "asyncio.gather":
            self._gather(node)
        self._group_task(node)

    def visit_Await(self, node: cst.Await) -> None:
        key = self._key()
        if key is None or self._guarded():
            return
        awaited = node.expression
        if isinstance(awaited, cst.Call):
            if self._local_callee(awaited.func) is not None:
                return  # decided by whether that function leaks (visit_Call records it)
            resolved = self.resolver.resolve(awaited.func)
            if resolved is not None and resolved.name.startswith("asyncio."):
                return  # asyncio.sleep, a queue or an event: no request
        self._facts.setdefault(key, _FunctionFacts()).leaks = True

    def visit_With(self, node: cst.With) -> None:
        """``async with session.get(url) as resp``: the request fails on entering."""
        self._open_group(node)
        key = self._key()
        if key is None or node.asynchronous is None or self._guarded():
            return
        for item in node.items:
            call = item.item
            if not isinstance(call, cst.Call) or self._local_callee(call.func) is not None:
                continue
            resolved = self.resolver.resolve(call.func)
            if resolved is None or not resolved.name.startswith("asyncio."):
                self._facts.setdefault(key, _FunctionFacts()).leaks = True

    def leave_With(self, original_node: cst.With) -> None:
        if self._open_groups and self._open_groups[-1][0] is original_node:
            self._open_groups.pop()

    # ------------------------------------------------------------ task groups
    def _open_group(self, node: cst.With) -> None:
        if node.asynchronous is None:
            return
        for item in node.items:
            call = item.item
            if not (isinstance(call, cst.Call) and item.asname is not None
                    and isinstance(item.asname.name, cst.Name)):
                continue
            resolved = self.resolver.resolve(call.func)
            if resolved is None or resolved.name != "asyncio.TaskGroup":
                continue
            handler = self._swallowing_handler()
            if handler is None:
                return  # the failure leaves the function: all or nothing, as intended
            frame = self.ctx.function
            repeated = frozenset(id(inner) for comprehension in nodes_in(node.body, _COMPREHENSIONS)
                                 for inner in calls_in(comprehension))
            group = _TaskGroup(call, item.asname.name.value, handler, self.ctx.statement,
                               frame.qualname if frame else "<module>", loops=len(self.ctx.loops_in_function()),
                               repeated=repeated)
            self._groups.append(group)
            self._open_groups.append((node, group))
            return

    def _swallowing_handler(self) -> cst.CSTNode | None:
        """The innermost except clause around here that catches the group's failure and
        neither re-raises it nor reads any task's result (``task.result()``)."""
        for handler in self.ctx.active_handlers():
            # The group raises an ExceptionGroup: only `except*`, a bare clause or one for
            # Exception (or a group class) catches it; `except httpx.HTTPError` does not.
            if not (isinstance(handler.node, cst.ExceptStarHandler) or handler.catches is None
                    or any(spelled(name).rsplit(".", 1)[-1] in _GROUP_CATCHERS for name in handler.catches)):
                continue
            if reraises(handler.node):
                return None
            if _reads_tasks(handler.node, ("result", "exception")):
                return None
            # Finished tasks sorted from failed ones anywhere in the function (`task.done()
            # and task.exception() is None`) are kept, whatever the clause does.
            function = self._function_node()
            if function is not None and _reads_tasks(function.body, ("exception", "cancelled", "done")):
                return None
            return handler.node
        return None

    def _group_task(self, node: cst.Call) -> None:
        """``group.create_task(coro)`` inside an open TaskGroup named ``group``."""
        func = node.func
        if not (self._open_groups and isinstance(func, cst.Attribute) and func.attr.value == "create_task"
                and isinstance(func.value, cst.Name) and node.args):
            return
        for _, group in reversed(self._open_groups):
            if func.value.value == group.alias:
                group.many = (group.many or bool(group.awaitables) or id(node) in group.repeated
                              or len(self.ctx.loops_in_function()) > group.loops)
                group.awaitables.append(self._awaitable(node.args[0].value))
                return

    def _guarded(self) -> bool:
        """Inside a clause that does not re-raise and catches every connection error and
        timeout of some catalogued library (``except (aiohttp.ClientError, TimeoutError)``),
        or anything (bare, a class alint cannot resolve)."""
        knowledge = self.catalog.network
        caught: list[str] = []  # by every clause of the tries around: `except A: ... except B:`
        for handler in self.ctx.active_handlers():
            if reraises(handler.node):
                continue
            if handler.catches is None:
                return True
            for name in handler.catches:
                # An unresolved class may still be one the catalog knows by its spelling.
                plain = spelled(name)
                if not knowledge.known(plain):
                    return True  # a class alint cannot judge: unresolved means silent
                caught.append(plain)
        if not caught:
            return False
        # Asked for every call and await, mostly under the same few clauses: decided once each.
        key = frozenset(caught)
        found = self._covering.get(key)
        if found is None:
            found = self._covering[key] = any(
                all(any(knowledge.catches(name, error) for name in caught) for error in errors)
                for errors in self._family_errors())
        return found

    def _family_errors(self) -> set[tuple[str, ...]]:
        if not hasattr(self, "_errors"):
            self._errors = {family.errors for family in self.catalog.network.calls.values() if family.errors}
        return self._errors

    def _local_callee(self, func: cst.BaseExpression) -> str | None:
        """``fetch`` or ``self.fetch`` as a key of ``_facts``; anything else is unknown."""
        if isinstance(func, cst.Name):
            return func.value
        frame = self.ctx.function
        if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and frame is not None
                and frame.class_name and func.value.value in ("self", "cls")):
            return f"{frame.class_name}.{func.attr.value}"
        return None

    # ------------------------------------------------------------ task lists
    def _list_key(self, name: str) -> tuple[int, str]:
        frame = self.ctx.function
        return (id(frame.node) if frame else 0, name)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        name = node.targets[0].target.value
        value = node.value
        if isinstance(value, cst.Call):
            # `task = fetch(url)` then `tasks.append(task)`: remember what the name runs.
            self._bound_calls[self._list_key(name)] = value
        if isinstance(value, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            self._task_lists[self._list_key(name)] = [value.elt]
        elif isinstance(value, (cst.List, cst.Tuple)):
            self._task_lists[self._list_key(name)] = [element.value for element in value.elements]

    def _record_append(self, node: cst.Call) -> None:
        func = node.func
        if (isinstance(func, cst.Attribute) and func.attr.value == "append" and isinstance(func.value, cst.Name)
                and len(node.args) == 1):
            key = self._list_key(func.value.value)
            if key in self._task_lists:
                self._task_lists[key].append(node.args[0].value)

    # ------------------------------------------------------------ gather
    def _gather(self, node: cst.Call) -> None:
        if any(arg.star == "**" for arg in node.args):
            return
        flag = given(node, "return_exceptions", None)
        if flag is not None and not (isinstance(flag, cst.Name) and flag.value == "False"):
            return
        if next(iter(self.ctx.active_handlers()), None) is not None:
            return  # a try around it decides what a failure means
        positional = [arg for arg in node.args if arg.keyword is None]
        awaitables: list[_Awaitable] = []
        starred = False
        for arg in positional:
            if arg.star == "*":
                starred = True
                for expression in self._spread(arg.value):
                    awaitables.append(self._awaitable(expression))
            else:
                awaitables.append(self._awaitable(arg.value))
        if not starred and len(positional) < 2:
            return  # one request: nothing else is lost
        count = "these requests" if starred else f"{len(positional)} requests"
        frame = self.ctx.function
        self._gathers.append(_Gather(node, self.ctx.statement, frame.qualname if frame else "<module>",
                                     awaitables, count))

    def _spread(self, value: cst.BaseExpression) -> list[cst.BaseExpression]:
        if isinstance(value, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return [value.elt]
        if isinstance(value, (cst.List, cst.Tuple)):
            return [element.value for element in value.elements]
        if isinstance(value, cst.Name):
            return self._task_lists.get(self._list_key(value.value), [])
        return []

    def _awaitable(self, expression: cst.BaseExpression) -> _Awaitable:
        found = _Awaitable()
        if isinstance(expression, cst.Name):
            expression = self._bound_calls.get(self._list_key(expression.value), expression)
        if not isinstance(expression, cst.Call):
            return found
        call = self._unwrap(expression)
        if self.calls.remote_api(call, self._function_node()) is not None:
            found.network = True
            return found
        settled = self.fact(ProjectCalls).project_function(call)
        if settled is not None and settled.is_async and settled.escapes:
            found.network = True  # another project file's coroutine whose requests can fail
            found.failing = tuple(failing_elsewhere(call.func, settled, str)[1])
            return found
        callee = self._local_callee(call.func)
        # A coroutine handed a client object (`fetch(session, url)`) uses it.
        if any(self._is_client(arg.value) for arg in call.args):
            if callee is None:
                found.network = True
            else:
                found.handed.add(callee)
            return found
        if callee is not None:
            found.functions.add(callee)
        return found

    def _function_node(self) -> cst.FunctionDef | None:
        return self.ctx.function.node if self.ctx.function is not None else None

    def _is_client(self, value: cst.BaseExpression) -> bool:
        if isinstance(self.resolver.instance_of(value), Instance):
            return True
        function = self._function_node()
        return (isinstance(value, cst.Name) and function is not None
                and annotated_client_type(self.resolver, self.catalog, function, value.value) is not None)

    def _unwrap(self, call: cst.Call) -> cst.Call:
        while call.args and isinstance(call.args[0].value, cst.Call):
            resolved = self.resolver.resolve(call.func)
            method = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
            if (resolved is not None and resolved.name in _WRAPPERS) or method in _WRAPPER_METHODS:
                call = call.args[0].value
            else:
                break
        return call

    # ------------------------------------------------------------ decision
    def leave_Module(self, node: cst.Module) -> None:
        networking = self._networking_functions()
        leaking = self._leaking_functions()
        for gather in self._gathers:
            if any(awaitable.network or awaitable.functions & networking & leaking
                   or any(name not in self._facts or name in leaking for name in awaitable.handed)
                   for awaitable in gather.awaitables):
                related = [item for awaitable in gather.awaitables for item in awaitable.failing]
                self.report("AL206", gather.node, list(dict.fromkeys(related)), statement=gather.statement,
                            function=gather.function, count=gather.count, fix=_GATHER_FIX)
        for group in self._groups:
            if group.many and any(awaitable.network or awaitable.functions & networking & leaking
                                  for awaitable in group.awaitables):
                self.report("AL206", group.node, [(group.handler, "the except clause that drops them")],
                            statement=group.statement, function=group.function,
                            count="the requests of this TaskGroup", fix=_GROUP_FIX)

    def _leaking_functions(self) -> set[str]:
        """Functions a failure can leave: an unguarded await or network call, or an
        unguarded call of a function that leaks (a coroutine that catches its own request
        errors returns normally, so the gather loses nothing)."""
        return reaching([name for name, facts in self._facts.items() if facts.leaks],
                        {name: facts.unguarded_calls for name, facts in self._facts.items()})

    def _networking_functions(self) -> set[str]:
        """Functions that make a network call, directly or through same-module functions."""
        return reaching([name for name, facts in self._facts.items() if facts.network],
                        {name: facts.calls for name, facts in self._facts.items()})

