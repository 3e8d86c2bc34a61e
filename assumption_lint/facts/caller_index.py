"""What this module tells the caller index (``project/callers.py``): the clients it passes.

For every call of a project function (one of this module, by its bare name, or of another
file, as ``ProjectCalls`` names it): how many positional arguments and which keywords it
passes, and which of them are catalogued clients (made here, another file's object or
factory, or a parameter of the calling function passed on). And what makes a function's
callers unknowable: every other use of a project function's name (handed to
``executor.submit``, stored in a dict, decorated with it), the names ``__all__`` exports,
project modules imported with ``*``. Per module-level function, the parameters it calls a
method of: the ones worth typing.

A use alint cannot tell apart from a reference counts as one (a local variable named like
a module function makes that function's callers unknown): a missed call would type a
parameter wrongly, an extra reference only leaves it unknown.
"""

from __future__ import annotations

import builtins
from typing import Callable

import libcst as cst

from ..project.summaries import CallerFacts, CallSite, ClientMade, PassedClient, Place, Target
from ..resolve import Instance, LocalFunction, dotted_name
from .arguments import literal_string
from .base import Fact
from .project_calls import ProjectCalls

MODULE = "<module>"
_BUILTINS = frozenset(dir(builtins))

Placed = list[tuple[object, Callable[[Place], None]]]


class PassedClients(Fact):
    needs = (ProjectCalls,)

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        # (callee, caller, positional count, keywords, clients passed, spread)
        self._sites: list[tuple[Target, str, int, tuple[str, ...], list[tuple[int | str, object]], bool]] = []
        self._sited: set[int] = set()  # the callee expressions of recorded calls
        self._not_references: set[int] = set()  # names that bind or label, never refer
        self._names: set[str] = set()  # bare names used other than by a recorded call
        self._handed: set[Target] = set()  # other files' names used other than by a call
        self._exported: set[str] = set()
        self._receivers: dict[str, set[str]] = {}
        self._stars: set[str] = set()
        self._assigned: set[tuple[int, str]] = set()  # (function node id, name) rebound in it
        self._in_import = 0
        self._decorated: set[str] = set()
        self._imported: dict[str, bool] = {}  # import name -> is it of this project

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        self._receiver(node)
        callee = self._callee(node)
        if callee is None:
            return
        self._sited.add(id(node.func))
        positional, keywords, clients, spread = 0, [], [], False
        for arg in node.args:
            if arg.star:
                spread = True
                continue
            slot: int | str
            if arg.keyword is not None:
                slot = arg.keyword.value
                keywords.append(slot)
            else:
                slot = positional
                positional += 1
            passed = self._passed(arg.value)
            if passed is not None:
                clients.append((slot, passed))
        frame = self.ctx.function
        self._sites.append((callee, frame.qualname if frame is not None else MODULE, positional, tuple(keywords),
                            clients, spread))

    def _callee(self, node: cst.Call) -> Target | None:
        """The project function a call names: another file's (``ProjectCalls``), or a bare
        name kept as ``Target("", name)`` (this module's function, or an imported one: the
        project follows the import)."""
        target = self.fact(ProjectCalls).call_target(node)
        if target is not None:
            return target
        func = node.func
        # A builtin's name (`len(x)`) is not looked at: a module function named so is then
        # used without a recorded call, which leaves its parameters unknown (visit_Name).
        if isinstance(func, cst.Name) and func.value not in _BUILTINS and not self._local(func.value):
            binding = self.resolver.lookup(func.value)
            if binding is None or isinstance(binding, LocalFunction):  # a str: a library's name
                return Target("", func.value)
        return None

    def _passed(self, value: cst.BaseExpression) -> object | None:
        """What a client argument is: an object alint resolves here (an ``Instance``), or a
        ``PassedClient`` without a slot (another file's name, the caller's parameter)."""
        instance = self.resolver.instance_of(value)
        if instance is not None:
            return instance
        calls = self.fact(ProjectCalls)
        if isinstance(value, cst.Call):
            target = calls.target(value.func)
            return PassedClient(0, name=target, called=True) if target is not None else None
        if isinstance(value, cst.Name) and self._parameter(value.value):
            return PassedClient(0, parameter=value.value)
        if isinstance(value, (cst.Name, cst.Attribute)):
            target = calls.target(value)
            return PassedClient(0, name=target) if target is not None else None
        return None

    def _receiver(self, node: cst.Call) -> None:
        """``session.get(...)`` with ``session`` a parameter of a module-level function."""
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and self._parameter(func.value.value):
            frame = self.ctx.function
            assert frame is not None
            self._receivers.setdefault(frame.qualname, set()).add(func.value.value)

    def _parameter(self, name: str) -> bool:
        """Is ``name`` a positional parameter of the module-level function being walked, not
        rebound before here?"""
        frame = self.ctx.function
        if frame is None or frame.class_name is not None or len(self.ctx.functions) != 1:
            return False
        params = [*frame.node.params.posonly_params, *frame.node.params.params]
        return any(param.name.value == name for param in params) and (id(frame.node), name) not in self._assigned

    def _local(self, name: str) -> bool:
        """Bound in an enclosing function (a class body does not enclose its methods)."""
        innermost = True
        for scope in reversed(self.resolver.scopes[1:]):
            if scope.kind == "class" and not innermost:
                continue
            if name in scope.names:
                return scope.kind == "function"
            innermost = False
        return False

    # ------------------------------------------------------------------ other uses
    def visit_Name(self, node: cst.Name) -> None:
        if self._in_import or id(node) in self._sited or id(node) in self._not_references:
            return
        self._names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._not_references.add(id(node.attr))
        if id(node) in self._sited:
            return
        root: cst.BaseExpression = node
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name) and self._project_import(root.value):
            target = self.fact(ProjectCalls).target(node)
            if target is not None:
                self._handed.add(target)

    def _project_import(self, name: str) -> bool:
        """Does a module-level import bind ``name`` to something of this project (asked once
        per name: ``requests.get`` everywhere costs one lookup)?"""
        if name not in self._imported:
            calls = self.fact(ProjectCalls)
            imported = calls.imports.get(name)
            found = None
            if imported is not None and calls.active:
                assert calls.project is not None and calls.importer is not None
                index = calls.project.index
                found = index.resolve_module(calls.importer, imported.module, imported.level) \
                    if imported.name is None else \
                    index.resolve_from(calls.importer, imported.module, imported.name, imported.level)
            self._imported[name] = found is not None
        return self._imported[name]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._not_references.add(id(node.name))
        if node.decorators and self.ctx.function is not None and self.ctx.function.node is node \
                and len(self.ctx.functions) == 1 and self.ctx.function.class_name is None:
            self._decorated.add(node.name.value)  # handed to its decorator: callers unknown

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._not_references.add(id(node.name))

    def visit_Param(self, node: cst.Param) -> None:
        self._not_references.add(id(node.name))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._not_references.add(id(node.keyword))

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bound(node.name)

    def visit_NameItem(self, node: cst.NameItem) -> None:
        self._not_references.add(id(node.name))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bound(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bound(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bound(node.target)
        if self.ctx.function is None and isinstance(node.target, cst.Name) and node.target.value == "__all__":
            self._exported.update(_strings(node.value))

    def visit_For(self, node: cst.For) -> None:
        self._bound(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bound(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bound(node.target)

    def _bound(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._not_references.add(id(target))
            if self.ctx.function is not None:
                self._assigned.add((id(self.ctx.function.node), target.value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bound(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bound(target.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if self.ctx.function is None and not self.ctx.classes and any(
                isinstance(target.target, cst.Name) and target.target.value == "__all__" for target in node.targets):
            self._exported.update(_strings(node.value))

    def visit_Import(self, node: cst.Import) -> None:
        self._in_import += 1

    def leave_Import(self, node: cst.Import) -> None:
        self._in_import -= 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import += 1
        calls = self.fact(ProjectCalls)
        if isinstance(node.names, cst.ImportStar) and calls.active:
            assert calls.project is not None and calls.importer is not None
            parts = [] if node.module is None else dotted_name(node.module) or []
            found = calls.project.index.resolve_module(calls.importer, ".".join(parts), len(node.relative))
            if found is not None:
                self._stars.add(str(found))

    def leave_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import -= 1

    # ------------------------------------------------------------------ the summary's part
    def collect(self, module: cst.Module, functions: set[str], placed: Placed) -> Callable[[], CallerFacts]:
        """The module's ``CallerFacts``, built once ``placed`` has placed the clients it names
        (``functions``: the module's own function qualnames)."""
        module_level = {name for name in functions if "." not in name}
        own = {name for name in module_level if isinstance(self.resolver.scopes[0].names.get(name), LocalFunction)}
        calls = self.fact(ProjectCalls)
        sites = [site for site in self._sites if site[0].path or site[0].name in own]
        made: dict[int, ClientMade | None] = {}
        for _, _, _, _, clients, _ in sites:
            for _, passed in clients:
                if isinstance(passed, Instance) and id(passed) not in made:
                    made[id(passed)] = None
                    placed.append(_made(module, passed, made))
        receivers = tuple((name, tuple(sorted(self._receivers[name]))) for name in sorted(self._receivers)
                          if name in own)
        handed = {Target("", name) for name in self._names | self._decorated if name in own} | self._handed
        # An imported project name used other than by a call: kept as the project name it is.
        handed.update(target for name in sorted(self._names & set(calls.imports))
                      if (target := calls.target(cst.Name(name))) is not None)
        stars = frozenset(self._stars)
        exported = frozenset(self._exported)

        def build() -> CallerFacts:
            found = []
            for callee, caller, positional, keywords, clients, spread in sites:
                passed = tuple(_slotted(slot, client, made) for slot, client in clients)
                found.append(CallSite(callee, caller, positional, keywords,
                                      tuple(item for item in passed if item is not None), spread))
            return CallerFacts(tuple(found), frozenset(handed), exported, receivers, stars)
        return build


def _slotted(slot: int | str, passed: object, made: dict[int, ClientMade | None]) -> PassedClient | None:
    if isinstance(passed, Instance):
        client = made.get(id(passed))
        return PassedClient(slot, made=client) if client is not None else None
    assert isinstance(passed, PassedClient)
    return PassedClient(slot, passed.made, passed.name, passed.called, passed.parameter)


def _made(module: cst.Module, instance: Instance, made: dict[int, ClientMade | None]
          ) -> tuple[object, Callable[[Place], None]]:
    """The client an argument holds as summary data, placed where its constructor is."""
    constructor = instance.constructor or (instance.client.constructors[0] if instance.client.constructors else "")
    code = module.code_for_node(instance.call)

    def put(place: Place) -> None:
        if constructor:
            made[id(instance)] = ClientMade(constructor, code, place, "object", instance.timeout_injected)
    return (instance.place if instance.place is not None else instance.call), put


def _strings(value: cst.BaseExpression) -> set[str]:
    if not isinstance(value, (cst.List, cst.Tuple)):
        return set()
    return {text for element in value.elements if (text := literal_string(element.value)) is not None}

