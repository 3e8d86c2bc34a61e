"""The network flow of one module, a fact four AL2xx checks read (AL201-AL204).

Collected during the walk: the network call sites (with the except clauses around each,
innermost first, and the loop over items it runs in), the calls of same-module functions,
the module's functions, the thread and task targets it spawns, and the framework error
handlers it registers. Decided once the module has been walked (``leave_Module``, before
any check's): which calls of same-module functions reach a function of this module, the
client types of parameters every caller fills alike, and, on demand, which network errors
escape each function (``reaching_errors``) and where an escaping error hurts
(``harmful_places``). Nothing here reports. What it records is in network_sites.py, the
questions after the walk in network_escapes.py.

Everything about libraries comes from the catalog (``rules/exceptions.toml``,
``rules/responses.toml``, ``rules/entry_points.toml``).
"""

from __future__ import annotations

from typing import Iterable, Iterator

import libcst as cst

from ..catalog import NetworkKnowledge
from ..resolve import LocalClass, LocalFunction, dotted_name
from .arguments import given
from .base import Fact
from .handlers import Clause
from .network import NetworkCalls, annotated_clients, parameter_receiver, typed_network_call
from .network_escapes import EscapeQueries
from .project_calls import ProjectCalls
from .network_sites import (MAIN_GUARD, MODULE, Escape, FunctionInfo, Loop, Origin, Place, Site, SpawnedTarget,
                            failing_elsewhere)
from .syntax import is_counting, names_in, shape_matches, short, target_names

__all__ = ["MAIN_GUARD", "MODULE", "Escape", "FunctionInfo", "Loop", "NetworkFlow", "Origin", "Place", "Site",
           "SpawnedTarget", "failing_elsewhere"]

class NetworkFlow(EscapeQueries, Fact):
    """Collects network call sites, same-module calls, entry points and loops during the walk,
    and resolves same-module calls when the module ends. Checks decide in ``leave_Module``."""

    needs = (NetworkCalls, ProjectCalls)

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self.calls = self.fact(NetworkCalls)
        self.project_calls = self.fact(ProjectCalls)
        self.knowledge: NetworkKnowledge = self.catalog.network
        self.module = self.state.module
        self.functions: dict[str, FunctionInfo] = {}
        self.sites: list[Site] = []
        self.spawned: list[SpawnedTarget] = []
        self.handler_registrations: list[tuple[str, tuple[str, ...]]] = []  # (shape, classes)
        # The item loops among the engine's loops (ctx.loops), by node id.
        self._item_loops: dict[int, Loop] = {}
        # ``while`` loops over pages or steps (visit_While): only AL201's defeated retries use them.
        self._paging_loops: dict[int, Loop] = {}
        self._reaching: tuple[list[Origin], list[tuple[Site, set[Escape]]]] | None = None
        # The try statement of each except clause seen around a call.
        self.try_of: dict[int, cst.Try] = {}
        # Open `with contextlib.suppress(...)` blocks: (node, function frame, clause).
        self._suppress: list[tuple[cst.With, object, Clause]] = []
        # Objects of this module's classes: (function node id or 0, name) or
        # (class qualname, attribute) -> class name.
        self._instances: dict[tuple[object, str], str] = {}
        self._with_items: set[int] = set()

    def imports_any(self, modules: Iterable[str]) -> bool:
        return self.ctx.imports_any(modules)

    # ------------------------------------------------------------------ functions
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.ctx.function
        if frame is None or frame.node is not node:
            return
        cls = self.ctx.classes[-1] if frame.class_name and self.ctx.classes else None
        bases = tuple(".".join(parts) for base in (cls.bases if cls is not None else ())
                      if (parts := dotted_name(base.value)))
        params = list(node.params.posonly_params) + list(node.params.params)
        if frame.class_name and params and "staticmethod" not in frame.decorators:
            params = params[1:]
        nested = len(self.ctx.functions) > 1
        self.functions.setdefault(frame.qualname, FunctionInfo(
            frame.qualname, node, node.name.value, frame.class_name, bases, frame.decorators,
            params[0].name.value if params else None, nested,
            tuple(param.name.value for param in params),
            annotated_clients(self.resolver, self.catalog, node)))
        self._registrations_from_decorators(node)

    def _registrations_from_decorators(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call):
                shape = self._call_shape(call.func)
                # With no class given (aiogram's `@router.error()`) the handler sees every
                # exception; only a shape the catalog lists as an error handler counts.
                classes = self._classes(call.args[0].value) if call.args else ("Exception",)
                if shape is not None and classes:
                    self.handler_registrations.append((shape, classes))

    def _classes(self, node: cst.BaseExpression) -> tuple[str, ...]:
        elements = [element.value for element in node.elements] if isinstance(node, cst.Tuple) else [node]
        names = []
        for element in elements:
            resolved = self.resolver.resolve(element)
            if resolved is not None:
                names.append(resolved.name)
        return tuple(names)

    def _call_shape(self, func: cst.BaseExpression) -> str | None:
        """A callee as a resolved name, else as its dotted spelling."""
        resolved = self.resolver.resolve(func)
        if resolved is not None:
            return resolved.name
        parts = dotted_name(func)
        return ".".join(parts) if parts else None

    def current_function(self) -> str:
        """Where the traversal is, as sites record it: a qualname, the ``__main__`` block, or
        other module-level code."""
        if self.ctx.function is not None:
            return self.ctx.function.qualname
        return MAIN_GUARD if self.ctx.main_guards else MODULE

    # ------------------------------------------------------------------ loops
    def visit_For(self, node: cst.For) -> None:
        if is_counting(node.iter):
            return
        self._item_loops[id(node)] = Loop(node, set(target_names(node.target)),
                                          f"the loop over `{short(self.module.code_for_node(node.iter), 40)}`",
                                          exits=_ending_statements(node.body))

    def visit_While(self, node: cst.While) -> None:
        """A loop that walks pages or a cursor: the names it reassigns in its body (``url =
        data["next"]``, ``page += 1``) hold one step, as a for loop's target holds one item.
        A loop that reassigns nothing its calls use (a polling ``while True``) is no such loop."""
        names: set[str] = set()
        for statement in _body_statements(node.body):
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        names.update(target_names(target.target))
                elif isinstance(small, (cst.AugAssign, cst.AnnAssign)) and isinstance(small.target, cst.Name):
                    names.add(small.target.value)
        if names:
            self._paging_loops[id(node)] = Loop(
                node, names, f"the loop `while {short(self.module.code_for_node(node.test), 30)}`",
                ", stopping it: every later page or step is skipped")

    def leave_Assign(self, node: cst.Assign) -> None:
        self._spread_item_names([target.target for target in node.targets], node.value)
        if len(node.targets) == 1:
            self._bind_instance(node.targets[0].target, node.value)

    def _bind_instance(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``client = BillingClient(...)`` or ``self.client = BillingClient(...)``: calls of
        its methods reach this module's class."""
        cls = None
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
            name = value.func.value
            binding = self.resolver.lookup(name)
            if isinstance(binding, LocalClass) or (binding is None and not self._bound_anywhere(name)):
                cls = name
        key = self._instance_key(target)
        if key is not None:
            if cls is None:
                self._instances.pop(key, None)
            else:
                self._instances[key] = cls

    def _bound_anywhere(self, name: str) -> bool:
        return any(name in scope.names for scope in self.resolver.scopes)

    def _instance_key(self, target: cst.BaseExpression) -> tuple[object, str] | None:
        if isinstance(target, cst.Name):
            frame = self.ctx.function
            return (id(frame.node) if frame is not None else 0, target.value)
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            frame = self.ctx.function
            if frame is not None and frame.class_name is not None:
                params = list(frame.node.params.posonly_params) + list(frame.node.params.params)
                if params and target.value.value == params[0].name.value:
                    return (self._method_owner(frame.qualname), target.attr.value)
        return None

    def _instance_class(self, receiver: cst.BaseExpression) -> str | None:
        key = self._instance_key(receiver)
        if key is None:
            return None
        found = self._instances.get(key)
        if found is None and isinstance(receiver, cst.Name) and not self._bound_locally(receiver.value):
            found = self._instances.get((0, receiver.value))
        return found

    def _bound_locally(self, name: str) -> bool:
        return len(self.resolver.scopes) > 1 and name in self.resolver.scopes[-1].names

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._spread_item_names([node.target], node.value)

    def _spread_item_names(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        """``url = f".../{item.id}"`` inside a loop over items: ``url`` is per item too."""
        for loop in self._loops_here():
            if loop.names & names_in(value):
                for target in targets:
                    loop.names.update(target_names(target))

    def _loops_here(self) -> list[Loop]:
        """The item loops around the current node in the current function, outermost first."""
        found = []
        for node in self.ctx.loops_in_function():
            loop = self._item_loops.get(id(node))
            if loop is not None:
                found.append(loop)
        return found

    def item_loop(self, call: cst.Call, loops: dict[int, Loop] | None = None) -> Loop | None:
        """The innermost loop over items whose item names the call's arguments mention."""
        used = set()
        for argument in _chain_arguments(call):
            used |= names_in(argument)
        found = loops if loops is not None else self._item_loops
        for node in reversed(self.ctx.loops_in_function()):
            loop = found.get(id(node))
            if loop is not None and loop.names & used:
                return loop if id(self.ctx.statement) not in loop.exits else None
        return None

    def paging_loop(self, call: cst.Call) -> Loop | None:
        """The innermost ``while`` loop over pages or steps whose step the call's arguments mention."""
        return self.item_loop(call, self._paging_loops)

    # ------------------------------------------------------------------ calls
    def visit_With(self, node: cst.With) -> None:
        self._with_items.update(id(item.item) for item in node.items)
        for item in node.items:
            call = item.item
            if isinstance(call, cst.Call) and self._call_shape(call.func) in ("contextlib.suppress",):
                classes = self._classes(cst.Tuple([cst.Element(arg.value) for arg in call.args]))
                self._suppress.append((node, self.ctx.function, Clause(node, classes, False)))  # type: ignore[arg-type]

    def leave_With(self, node: cst.With) -> None:
        while self._suppress and self._suppress[-1][0] is node:
            self._suppress.pop()

    def visit_Call(self, node: cst.Call) -> None:
        clauses = self.clauses_here()
        awaited = self.ctx.awaits > 0 or id(node) in self._with_items
        net = self.calls.network_call(node)
        if net is None:
            held = self.calls.attribute_client(node.func)  # `self.session.get()`, typed by an annotation
            if held is not None:
                net = typed_network_call(self.knowledge, self.module, node, held)
        info = self.functions.get(self.ctx.function.qualname) if self.ctx.function is not None else None
        parameter = parameter_receiver(node.func, info.params + tuple(info.annotated), self.resolver) \
            if info is not None and info.node is self.ctx.function.node else None  # type: ignore[union-attr]
        if net is None and parameter is not None and info is not None:
            if parameter in info.annotated:
                net = typed_network_call(self.knowledge, self.module, node, info.annotated[parameter])
            elif isinstance(node.func, cst.Attribute):
                # Typed after the walk, if every caller passes the same client.
                self.sites.append(Site(node, self.ctx.statement, self.current_function(), clauses,
                                       self.item_loop(node), awaited=awaited, parameter=parameter,
                                       retrying=self._retrying(clauses)))
        if net is not None:
            # `tasks.append(client.get(url))` makes a coroutine: it fails where it is awaited.
            if awaited or not net.family.awaitable:
                self.sites.append(Site(node, self.ctx.statement, self.current_function(), clauses,
                                       self.item_loop(node), network=net, awaited=awaited,
                                       retrying=self._retrying(clauses), paging=self.paging_loop(node)))
            return
        callee = self.local_callee(node.func)
        if callee is not None:
            self.sites.append(Site(node, self.ctx.statement, self.current_function(), clauses,
                                   self.item_loop(node), callee=callee, awaited=awaited,
                                   arguments=self._argument_types(node, info), paging=self.paging_loop(node)))
        else:
            target = self.project_calls.call_target(node)
            if target is not None:
                self.sites.append(Site(node, self.ctx.statement, self.current_function(), clauses,
                                       self.item_loop(node), awaited=awaited, target=target))
        self._spawn(node)
        self._registration_call(node)

    def _retrying(self, clauses: tuple[Clause, ...]) -> bool:
        """A clause that goes on to the next attempt (``retries``) around the call, in a loop
        of this function that counts attempts (``range(n)``) or repeats (``while``)."""
        if not any(retries(clause) for clause in clauses):
            return False
        return any(isinstance(loop, cst.While) or (isinstance(loop, cst.For) and is_counting(loop.iter))
                   for loop in self.ctx.loops_in_function())

    def _argument_types(self, node: cst.Call, info: FunctionInfo | None) -> dict[object, object]:
        """What each argument of a same-module call carries: a client type, or a parameter
        of the caller (typed later), or nothing alint knows."""
        found: dict[object, object] = {}
        position = 0
        for arg in node.args:
            if arg.star:
                break
            key: object = arg.keyword.value if arg.keyword is not None else position
            if arg.keyword is None:
                position += 1
            instance = self.resolver.instance_of(arg.value)
            if instance is not None and instance.type != "*":
                found[key] = instance.type
            elif (info is not None and isinstance(arg.value, cst.Name) and arg.value.value in info.params
                  and self.resolver.current.names.get(arg.value.value, "\0") is None):
                found[key] = ("param", info.qualname, arg.value.value)
        return found

    def clauses_here(self) -> tuple[Clause, ...]:
        """The except clauses around the current node, innermost first, then the
        ``with contextlib.suppress(...)`` blocks of this function (which also catch)."""
        for frame in self.ctx.tries:
            for handler in frame.handlers:
                self.try_of[id(handler.node)] = frame.node  # type: ignore[assignment]
        clauses = [Clause.of(handler) for handler in self.ctx.active_handlers()]
        clauses.extend(clause for _, function, clause in reversed(self._suppress) if function is self.ctx.function)
        return tuple(clauses)

    def local_callee(self, func: cst.BaseExpression) -> str | None:
        """The qualname a call may reach in this module: ``helper(...)`` (a module-level
        function, checked after the walk), a function nested in the current one, or
        ``self.method(...)`` in a method."""
        if isinstance(func, cst.Name):
            return self._named_function(func.value)
        if isinstance(func, cst.Attribute):
            cls = self._instance_class(func.value)
            if cls is not None:
                return f"{cls}.{func.attr.value}"
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            frame = self.ctx.function
            if frame is None or frame.class_name is None:
                return None
            owner = self._method_owner(frame.qualname)
            params = list(frame.node.params.posonly_params) + list(frame.node.params.params)
            if owner and params and func.value.value in (params[0].name.value, frame.class_name):
                return f"{owner}.{func.attr.value}"
        return None

    def _named_function(self, name: str) -> str | None:
        scopes = self.resolver.scopes
        innermost = True
        for index in range(len(scopes) - 1, -1, -1):
            scope = scopes[index]
            if scope.kind == "class" and not innermost:
                continue
            innermost = False
            if name not in scope.names:
                continue
            binding = scope.names[name]
            if not isinstance(binding, LocalFunction):
                return None
            if index == 0:
                return name
            outer = [frame.node.name.value for frame in self.ctx.functions]
            return ".".join(outer + [name])
        # Not bound yet: maybe a module-level function defined further down.
        return name

    @staticmethod
    def _method_owner(qualname: str) -> str | None:
        return qualname.rsplit(".", 1)[0] if "." in qualname else None

    def _spawn(self, node: cst.Call) -> None:
        shape = self._call_shape(node.func)
        if shape is None:
            return
        for spawner in self.knowledge.spawners:
            if not any(shape_matches(pattern, shape) for pattern in spawner.calls):
                continue
            if spawner.discarded and not self._discarded(node):
                return
            target = given(node, spawner.keyword, spawner.position)
            if spawner.called:
                target = target.func if isinstance(target, cst.Call) else None
            if target is None:
                continue
            if isinstance(target, cst.Await):
                continue
            qualname = self.local_callee(target)
            if qualname is not None:
                self.spawned.append(SpawnedTarget(spawner, qualname))
            return

    def _discarded(self, node: cst.Call) -> bool:
        """The call is a statement of its own: its result (a task, a future) is thrown away."""
        statement = self.ctx.statement
        return isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(small, cst.Expr) and small.value is node for small in statement.body)

    def _registration_call(self, node: cst.Call) -> None:
        if len(node.args) < 2:
            return
        shape = self._call_shape(node.func)
        classes = self._classes(node.args[0].value)
        if shape is not None and classes:
            self.handler_registrations.append((shape, classes))

    # ------------------------------------------------------------------ after the walk
    def leave_Module(self, node: cst.Module) -> None:
        self.resolve_callees()

    def resolve_callees(self) -> None:
        """Calls of ``helper`` recorded by name: keep those that name a function of this
        module. Calls of other project files' functions: what escapes them, once the
        project's summaries are settled."""
        for site in self.sites:
            if site.target is not None:
                settled = self.project_calls.project_function(site.node)
                # An entry point elsewhere (`raise SystemExit(main())` in __main__.py) is
                # where its own escaping errors are reported: not again at its callers.
                if (settled is not None and settled.escapes and settled.role is None
                        and (site.awaited or not settled.is_async)):
                    site.external = settled
                continue
            if site.callee is None:
                continue
            info = self.functions.get(site.callee)
            # Calling an async function only makes a coroutine: it runs where it is awaited.
            if info is not None and (site.awaited or info.node.asynchronous is None):
                continue
            site.callee = None
        self._type_parameters()

    def _type_parameters(self) -> None:
        """A parameter every same-module call fills with the same client type holds that
        type: ``fetch(session, url)`` called only as ``fetch(self.session, u)``."""
        types: dict[tuple[str, str], str] = {}
        for info in self.functions.values():
            for name, client_type in info.annotated.items():
                types[(info.qualname, name)] = client_type
        calls: dict[str, list[Site]] = {}
        for site in self.sites:
            if site.callee is not None:
                calls.setdefault(site.callee, []).append(site)
        changed = True
        while changed:
            changed = False
            for qualname, sites in calls.items():
                info = self.functions[qualname]
                for position, name in enumerate(info.params):
                    if (qualname, name) in types:
                        continue
                    seen = set()
                    for site in sites:
                        carried = site.arguments.get(position, site.arguments.get(name))
                        if isinstance(carried, tuple):
                            carried = types.get((carried[1], carried[2]))
                        seen.add(carried)
                    if len(seen) == 1 and None not in seen:
                        types[(qualname, name)] = seen.pop()  # type: ignore[assignment]
                        changed = True
        for site in self.sites:
            if site.parameter is None or site.network is not None:
                continue
            client_type = types.get((site.function, site.parameter))
            if client_type is None:
                continue
            net = typed_network_call(self.knowledge, self.module, site.node, client_type)
            if net is not None and (site.awaited or not net.family.awaitable):
                site.network = net


def _body_statements(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    """The statements of a loop body, with those of its ``if``/``try`` blocks (not nested
    loops or functions, whose assignments are their own)."""
    found: list[cst.BaseStatement] = []
    pending = list(body.body) if isinstance(body, cst.IndentedBlock) else [body]  # type: ignore[list-item]
    while pending:
        statement = pending.pop()
        found.append(statement)
        if isinstance(statement, cst.If):
            pending.extend(statement.body.body)
            if statement.orelse is not None:
                pending.extend(statement.orelse.body.body if isinstance(statement.orelse, cst.Else)
                               else [statement.orelse])
        elif isinstance(statement, cst.Try):
            pending.extend(statement.body.body)
            for handler in statement.handlers:
                pending.extend(handler.body.body)
    return found


def _ending_statements(body: cst.BaseSuite) -> frozenset[int]:
    """The statements of a loop body (in its ``if``/``with`` blocks and except clauses too) after which
    the loop ends whatever happens: a ``return`` or ``break`` follows in the same block or
    in a block around it, or the statement is one (``return fetch(item)``)."""
    found: set[int] = set()
    pending: list[tuple[cst.BaseSuite, bool]] = [(body, False)]
    while pending:
        block, ending = pending.pop()
        statements = list(block.body) if isinstance(block, cst.IndentedBlock) else [block]  # type: ignore[list-item]
        for index, statement in enumerate(statements):
            after = ending or any(_exits(later) for later in statements[index + 1:])
            if after or _exits(statement):
                found.add(id(statement))
            if isinstance(statement, (cst.If, cst.With, cst.Try)):
                pending.extend((inner, after) for inner in _inner_blocks(statement))
    return frozenset(found)


def _exits(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(small, (cst.Return, cst.Break)) for small in statement.body)


def _inner_blocks(statement: cst.If | cst.With | cst.Try) -> list[cst.BaseSuite]:
    # Not a try's own body: its handlers may go on to the next item (a fallback over
    # mirrors), so what follows a call there ends the loop only when the call succeeds.
    blocks = [statement.body] if not isinstance(statement, cst.Try) else []
    if isinstance(statement, cst.If) and statement.orelse is not None:
        orelse = statement.orelse
        blocks.append(orelse.body if isinstance(orelse, cst.Else) else cst.IndentedBlock(body=[orelse]))
    if isinstance(statement, cst.Try):
        blocks.extend(handler.body for handler in statement.handlers)
        if statement.orelse is not None:
            blocks.append(statement.orelse.body)
    return blocks


def retries(clause: Clause) -> bool:
    """An except clause that neither re-raises nor leaves the loop (no ``return``, ``break``
    or ``raise`` among its statements): the loop around it tries again."""
    node = clause.node
    if clause.transparent or not isinstance(node, cst.ExceptHandler):
        return False
    for statement in _body_statements(node.body):
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, (cst.Return, cst.Break, cst.Raise)):
                return False
    return True


def _chain_arguments(call: cst.Call) -> Iterator[cst.BaseExpression]:
    """The arguments of ``call`` and of the calls its receiver is built from: in
    ``drive.files().get(fileId=item).execute()`` the request is about ``item`` although the
    call that sends it (``execute()``) takes no argument."""
    node: cst.Call | None = call
    while node is not None:
        for arg in node.args:
            yield arg.value
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        node = receiver if isinstance(receiver, cst.Call) else None
