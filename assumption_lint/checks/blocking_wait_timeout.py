"""AL305 blocking-wait-without-timeout.

``queue.Queue.get()``, ``Event.wait()``, ``Lock.acquire()``, ``Thread.join()``,
``Future.result()``, ``AsyncResult.get()`` without a timeout (``[api]`` entries of kind
"blocking-wait"), where a stuck wait hurts: in a function that also makes a network call
(any other catalogued API), or in one that runs as a thread or worker (a function passed to
a ``[[worker-entry]]`` call such as ``Thread(target=...)`` or ``executor.submit(...)``, or
the ``run`` method of a ``Thread`` subclass). A daemon thread (``daemon=True``, or ``t.daemon = True`` after
``t = Thread(target=f)``) does not count as a worker: it dies with the process, and waiting idle for the next job is what a
daemon consumer is for. ``with lock:`` is not flagged. The target may
be defined before it is started, so findings are reported when the traversal leaves the module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import libcst as cst

from ..catalog import WorkerEntry
from ..facts.arguments import HIDDEN, argument
from ..facts.waits import (NOT_NETWORK_KINDS, by_design, callee_name, last_names, may_be,
                           source_text, waits_unbounded)
from ..facts.reachability import Reachability
from .base import Check, kind_words

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState


@dataclass
class _Candidate:
    node: cst.Call
    statement: cst.CSTNode | None
    function: cst.FunctionDef
    qualname: str
    class_name: str | None
    api: str
    fix: str


@dataclass
class _Found:
    candidates: list[_Candidate] = field(default_factory=list)
    # id(FunctionDef) -> the first network call made directly in it
    network: dict[int, str] = field(default_factory=dict)
    # function name -> the worker entry it is passed to (threading.Thread, Executor.submit)
    targets: dict[str, str] = field(default_factory=dict)
    # functions started only as daemon threads (Thread(target=f, daemon=True))
    daemon_targets: set[str] = field(default_factory=set)
    # class name -> (method run on the worker, worker entry) for Thread/Process subclasses
    run_methods: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Thread/Process subclasses that make themselves daemons (super().__init__(daemon=True))
    daemon_classes: set[str] = field(default_factory=set)
    # function name -> how many non-daemon worker starts run it
    plain_starts: dict[str, int] = field(default_factory=dict)
    # `t = Thread(target=f)` / `self._worker = Thread(...)`: the name's text -> f, so that a
    # later `t.daemon = True` makes that start a daemon one
    thread_names: dict[str, str] = field(default_factory=dict)


class BlockingWaitWithoutTimeout(Check):
    rules = ("AL305",)
    needs = (Reachability,)  # no findings in code nothing runs

    @classmethod
    def relevant_words(cls, catalog: Any) -> frozenset[str]:
        return kind_words(catalog, ("blocking-wait",))  # it reports only waits of this kind

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self._found = _Found()
        # Any catalogued API counts as a network call, so the filter is every API's last name
        # (none when a pattern may match any attribute).
        names = last_names(self.catalog.apis) | last_names(self.catalog.waits.workers)
        self._attributes = None if any("*" in name for name in names) else names

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            resolved = self.resolver.resolve(base.value)
            entry = self.catalog.waits.workers.get(resolved.name) if resolved else None
            if entry is not None and entry.run_method:
                self._found.run_methods[node.name.value] = (entry.run_method, resolved.name)  # type: ignore[union-attr]

    def visit_Call(self, node: cst.Call) -> None:
        if self._is_super_init(node.func) and self.ctx.classes and _is_daemon(node):
            self._found.daemon_classes.add(self.ctx.classes[-1].name.value)
        if self._attributes is not None and not may_be(node.func, self._attributes):
            return
        resolved = self.resolver.resolve(node.func)
        if resolved is None:
            return
        worker = self.catalog.waits.workers.get(resolved.name)
        if worker is not None:
            self._record_target(node, worker, resolved.name)
        api = self.catalog.api(resolved.name)
        if api is None:
            return
        frame = self.ctx.function
        if frame is None:
            return
        if api.kind not in NOT_NETWORK_KINDS:
            self._found.network.setdefault(id(frame.node), resolved.name)
            return
        if api.kind != "blocking-wait" or api.wait is None:
            return
        if waits_unbounded(node, api.wait, resolved.instance) \
                and not by_design(node, api.wait, self.ctx.loops_in_function(), None):
            # (No whole-body exemption here: a function that is nothing but the wait makes no
            # network call, so it is only flagged as a worker, and a worker is not waited on by
            # a caller who could bound it.)
            self._found.candidates.append(_Candidate(node, self.ctx.statement, frame.node, frame.qualname,
                                                     frame.class_name, resolved.name, api.wait.fix))

    def _record_target(self, call: cst.Call, worker: WorkerEntry, name: str) -> None:
        if worker.keyword is None and worker.position is None:
            return
        target = argument(call, worker.keyword, worker.position)
        if target is None or target is HIDDEN:
            return
        assert isinstance(target, cst.BaseExpression)
        if isinstance(target, cst.Call):
            # functools.partial(work, arg): the function is the first argument.
            resolved = self.resolver.resolve(target.func)
            if resolved is None or resolved.name != "functools.partial" or not target.args:
                return
            target = target.args[0].value
        function = callee_name(target)
        if function is None:
            return
        # A daemon thread dies with the process: waiting idle for the next job is its design.
        daemon = _is_daemon(call)
        if daemon and function not in self._found.targets:
            self._found.daemon_targets.add(function)
        elif not daemon:
            self._found.daemon_targets.discard(function)
            self._found.plain_starts[function] = self._found.plain_starts.get(function, 0) + 1
            bound_to = self._bound_to(call)
            if bound_to is not None:
                self._found.thread_names[bound_to] = function
        self._found.targets.setdefault(function, name)

    def _bound_to(self, call: cst.Call) -> str | None:
        """The name a worker object is assigned to (``t = Thread(...)``), when it is."""
        statement = self.ctx.statement
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        assign = statement.body[0]
        if isinstance(assign, cst.Assign) and assign.value is call and len(assign.targets) == 1:
            return source_text(assign.targets[0].target)
        return None

    def visit_Assign(self, node: cst.Assign) -> None:
        """``self.daemon = True`` in a Thread subclass; ``t.daemon = True`` after
        ``t = Thread(target=f)`` (the thread is a daemon once started)."""
        if not (isinstance(node.value, cst.Name) and node.value.value == "True"):
            return
        for target in node.targets:
            if isinstance(target.target, cst.Attribute) and target.target.attr.value == "daemon":
                function = self._found.thread_names.pop(source_text(target.target.value), None)
                if function is not None:
                    self._found.plain_starts[function] -= 1
                    if self._found.plain_starts[function] == 0:
                        self._found.daemon_targets.add(function)
        if not self.ctx.classes:
            return
        for target in node.targets:
            if isinstance(target.target, cst.Attribute) and target.target.attr.value == "daemon" \
                    and isinstance(target.target.value, cst.Name) and target.target.value.value == "self":
                self._found.daemon_classes.add(self.ctx.classes[-1].name.value)

    @staticmethod
    def _is_super_init(func: cst.BaseExpression) -> bool:
        return (isinstance(func, cst.Attribute) and func.attr.value == "__init__" and isinstance(func.value, cst.Call)
                and isinstance(func.value.func, cst.Name) and func.value.func.value == "super")

    def leave_Module(self, original_node: cst.Module) -> None:
        for candidate in self._found.candidates:
            where = self._why(candidate)
            if where is None:
                continue
            self.report("AL305", candidate.node, statement=candidate.statement, function=candidate.qualname,
                        api=candidate.api, where=where, fix=candidate.fix)

    def _why(self, candidate: _Candidate) -> str | None:
        name = candidate.function.name.value
        network = self._found.network.get(id(candidate.function))
        if network is not None:
            return f"{name}() also makes network calls ({network})"
        entry = self._found.targets.get(name)
        if entry is not None and name not in self._found.daemon_targets:
            return f"{name}() runs as a worker ({entry})"
        run = self._found.run_methods.get(candidate.class_name or "")
        if run is not None and run[0] == name and candidate.class_name not in self._found.daemon_classes:
            return f"{candidate.class_name}.{name}() runs as a worker ({run[1]} subclass)"
        return None


def _is_daemon(call: cst.Call) -> bool:
    value = argument(call, "daemon", None)
    return isinstance(value, cst.Name) and value.value == "True"
