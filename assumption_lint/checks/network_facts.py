"""Shared facts for the AL2xx part I checks: which calls go to the network, how they are
labelled in messages, what an except clause catches, and a per-module collection of
network call sites and same-module call sites (``NetworkFlow``) that AL201 and AL204
analyse once the whole module has been walked.

Everything a check needs to know about libraries comes from the catalog
(``rules/exceptions.toml``, ``rules/responses.toml``, ``rules/entry_points.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence, Union

import libcst as cst

from ..catalog import Catalog, EntryPoint, NetworkFamily, NetworkKnowledge, Spawner
from ..context import Handler
from ..resolve import Instance, LocalClass, LocalFunction, Resolver, dotted_name
from .base import Check

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CATCH_ALL = "*"  # an except clause alint cannot resolve: assumed to catch anything
MODULE = "<module>"
MAIN_GUARD = "<main>"


# --------------------------------------------------------------------------- network calls
@dataclass(frozen=True)
class NetworkCall:
    """A resolved call to another machine."""

    node: cst.Call
    family: NetworkFamily
    api: str
    instance: Instance | None
    method: str | None
    label: str

    @property
    def state_changing(self) -> bool:
        return self.method in STATE_CHANGING

    @property
    def errors(self) -> tuple[str, ...]:
        """What this call can raise on a failed connection: without a ``timeout`` argument a
        requests call blocks instead of timing out, so its Timeout classes cannot happen
        (``**kwargs`` or ``*args`` may carry one)."""
        if not self.family.timeout_errors or _may_set_timeout(self.node, self.family.timeout_position):
            return self.family.errors
        return tuple(error for error in self.family.errors if error not in self.family.timeout_errors)


def _may_set_timeout(node: cst.Call, position: int | None) -> bool:
    positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
    if position is not None and len(positional) > position:
        return True
    return any(arg.star or (arg.keyword is not None and arg.keyword.value == "timeout") for arg in node.args)


def network_call(resolver: Resolver, knowledge: NetworkKnowledge, module: cst.Module,
                 node: cst.Call) -> NetworkCall | None:
    """The network call ``node`` makes, or None when it is unknown (unresolved means silent)."""
    resolved = resolver.resolve(node.func)
    if resolved is None:
        return None
    instance = resolved.instance
    family = knowledge.family(resolved.name, instance.type if instance is not None else None)
    if family is None:
        return None
    return _network_call(node, family, resolved.name, instance, module)


def _network_call(node: cst.Call, family: NetworkFamily, api: str, instance: Instance | None,
                  module: cst.Module) -> NetworkCall:
    method = _http_method(node, family, api)
    return NetworkCall(node, family, api, instance, method, _label(node, family, api, method, module))


def parameter_network_call(knowledge: NetworkKnowledge, module: cst.Module, node: cst.Call,
                           client_type: str) -> NetworkCall | None:
    """``session.get(url)`` where ``session`` is a parameter known to hold a ``client_type``
    (from its annotation, or from every same-module call passing one)."""
    func = node.func
    if not isinstance(func, cst.Attribute):
        return None
    api = f"{client_type}.{func.attr.value}"
    family = knowledge.family(api, client_type)
    return _network_call(node, family, api, None, module) if family is not None else None


def annotated_clients(resolver: Resolver, catalog: "Catalog", node: cst.FunctionDef) -> dict[str, str]:
    """Parameters annotated with a catalogued client type: ``session: aiohttp.ClientSession``."""
    types = {client.type for client in catalog.clients.values() if client.type != "*"}
    found = {}
    params = node.params
    for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
        if param.annotation is None:
            continue
        resolved = resolver.resolve(param.annotation.annotation)
        if resolved is None:
            continue
        client = catalog.client(resolved.name)
        if client is not None and client.type != "*":
            found[param.name.value] = client.type
        elif resolved.name in types:
            found[param.name.value] = resolved.name
    return found


def parameter_receiver(func: cst.BaseExpression, params: Iterable[str], resolver: Resolver) -> str | None:
    """The parameter a method is called on (``session`` in ``session.get()``), if unrebound."""
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        name = func.value.value
        if name in params and resolver.current.names.get(name, "\0") is None:
            return name
    return None


def raises_on_status(call: NetworkCall) -> bool:
    """A call (or the client that made it) configured to raise on an error status."""
    sources = [call.node] + ([call.instance.call] if call.instance is not None else [])
    for source in sources:
        for arg in source.args:
            if arg.keyword is not None and arg.keyword.value in call.family.raise_options:
                if not (isinstance(arg.value, cst.Name) and arg.value.value in ("False", "None")):
                    return True
    return False


def _http_method(node: cst.Call, family: NetworkFamily, api: str) -> str | None:
    if family.method == "name":
        last = api.rsplit(".", 1)[-1]
        return last.upper() if last in HTTP_VERBS else None
    if family.method == "argument":
        value = keyword_or_position(node, "method", 0)
        if isinstance(value, cst.SimpleString):
            text = value.evaluated_value
            return text.upper() if isinstance(text, str) else None
    return None


def keyword_or_position(node: cst.Call, keyword: str | None, position: int | None) -> cst.BaseExpression | None:
    index = 0
    for arg in node.args:
        if arg.star:
            return None if keyword is None else _by_keyword(node, keyword)
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
            continue
        if index == position:
            return arg.value
        index += 1
    return None


def _by_keyword(node: cst.Call, keyword: str) -> cst.BaseExpression | None:
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None


def _label(node: cst.Call, family: NetworkFamily, api: str, method: str | None, module: cst.Module) -> str:
    """``POST /charges`` for an HTTP call with a readable URL, else the call as written."""
    if family.method != "none":
        url = keyword_or_position(node, "url", 1 if family.method == "argument" else 0)
        if family.method == "url":
            method = None
        path = _url_text(url, module) if url is not None else None
        if path and path.strip("/{}") and not (path.startswith("{") and path.endswith("}") and path.count("{") == 1):
            return f"{method} {path}" if method else f"the request to {path}"
        parts = dotted_name(url) if url is not None else None
        if method and parts:
            return f"{method} `{_short('.'.join(parts), 40)}`"
    return f"`{_short(module.code_for_node(node.func))}()`"


def _url_parts(node: cst.BaseExpression, module: cst.Module) -> list[tuple[str, bool]] | None:
    """A URL expression as (text, is_placeholder) parts; None when it is no string at all."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return [(value, False)] if isinstance(value, str) else None
    if isinstance(node, cst.FormattedString):
        return [(part.value, False) if isinstance(part, cst.FormattedStringText)
                else ("{" + _short(module.code_for_node(part.expression), 30) + "}", True)
                for part in node.parts]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left = _url_parts(node.left, module)
        right = _url_parts(node.right, module)
        if left is None and right is None:
            return None
        placeholder = lambda side: [("{" + _short(module.code_for_node(side), 30) + "}", True)]  # noqa: E731
        return (left if left is not None else placeholder(node.left)) + (
            right if right is not None else placeholder(node.right))
    return None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _url_text(node: cst.BaseExpression, module: cst.Module) -> str | None:
    parts = _url_parts(node, module)
    if parts is None:
        return None
    # A leading {BASE_URL} is the host: drop it.
    if parts and parts[0][1]:
        parts = parts[1:]
    text = "".join(part for part, _ in parts)
    if not text:
        return None
    if "://" in text:
        text = text.split("://", 1)[1]
        host, _, rest = text.partition("/")
        text = "/" + rest if rest else host
    return _short(text.split("?", 1)[0], 60) or None


# --------------------------------------------------------------------------- except clauses
def caught_names(handler: Handler, resolver: Resolver) -> tuple[str, ...] | None:
    """The classes an except clause catches; None for a bare ``except:``. A name alint
    cannot resolve is CATCH_ALL (it may be a tuple of the right classes), except a class
    defined in this module, which cannot be a base of a library's error."""
    if handler.catches is None:
        return None
    names = []
    for name in handler.catches:
        if name.startswith("?"):
            spelled = name[1:]
            binding = resolver.lookup(spelled) if spelled.isidentifier() else None
            names.append("?local" if isinstance(binding, LocalClass) else CATCH_ALL)
        else:
            names.append(name)
    return tuple(names)


def reraises(handler: cst.ExceptHandler) -> bool:
    """The clause re-raises what it caught at its top level (``raise`` / ``raise exc``)."""
    bound = handler.name.name.value if handler.name is not None and isinstance(handler.name.name, cst.Name) else None
    for statement in handler.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Raise):
                    exc = small.exc
                    if exc is None or (bound is not None and isinstance(exc, cst.Name) and exc.value == bound):
                        return True
    return False


@dataclass(frozen=True)
class Clause:
    """An except clause as the flow analysis sees it."""

    node: cst.ExceptHandler
    catches: tuple[str, ...] | None  # None: bare except
    transparent: bool  # re-raises what it caught

    def catches_class(self, knowledge: NetworkKnowledge, raised: str) -> bool:
        if self.catches is None:
            return True
        return any(name == CATCH_ALL or knowledge.catches(name, raised) for name in self.catches)

    def is_broad(self, knowledge: NetworkKnowledge, family: NetworkFamily) -> bool:
        """Bare, ``Exception``/``BaseException``, or the library's root error (or a base of it).
        A class alint cannot resolve (``except KeyboardInterrupt``, a local alias) is assumed
        to catch the error (so AL201 stays quiet) but is not known to be broad (so AL204
        stays quiet too: unresolved means silent)."""
        if self.catches is None:
            return True
        known = Clause(self.node, tuple(name for name in self.catches if name != CATCH_ALL), self.transparent)
        if known.catches and all(known.catches_class(knowledge, error) for error in family.errors):
            return True
        for name in self.catches:
            canonical = knowledge.canonical(name)
            if canonical in ("Exception", "BaseException"):
                return True
            if any(canonical in knowledge.ancestors(root) for root in family.root):
                return True
        return False

    def spelled(self, module: cst.Module) -> str:
        if self.node.type is None:
            return "except:"
        return f"except {_short(module.code_for_node(self.node.type), 50)}"


def first_catching(clauses: Sequence[Clause], knowledge: NetworkKnowledge, raised: str) -> Clause | None:
    """The innermost clause that catches ``raised`` (transparent clauses pass it on)."""
    for clause in clauses:
        if clause.catches_class(knowledge, raised):
            if clause.transparent:
                continue
            return clause
    return None


# --------------------------------------------------------------------------- the module flow
@dataclass
class Loop:
    """A ``for`` loop over many items in the current function."""

    node: Union[cst.For, cst.CompFor]
    function: object
    names: set[str]
    tries_depth: int
    description: str


@dataclass
class Site:
    """A call that can let a network error out: a network call, or a call of a same-module
    function (resolved after the walk)."""

    node: cst.Call
    statement: cst.CSTNode | None
    function: str
    clauses: tuple[Clause, ...]  # innermost first, this function's only
    loop: Loop | None
    network: NetworkCall | None = None
    callee: str | None = None
    # Inside an ``await`` (or an ``async with`` item): a coroutine fails here, not later.
    awaited: bool = False
    # ``session.get(url)`` on an unannotated parameter: (parameter, call), typed after the walk.
    parameter: str | None = None
    # For calls of same-module functions: per argument (position or keyword), the client
    # type it carries, or ("param", qualname, name) for a parameter of the caller.
    arguments: dict[object, object] = field(default_factory=dict)


@dataclass
class FunctionInfo:
    qualname: str
    node: cst.FunctionDef
    name: str
    class_name: str | None
    class_bases: tuple[str, ...]
    decorators: tuple[str, ...]
    first_parameter: str | None
    nested: bool
    # Positional parameters (``self`` left out) and those annotated with a client type.
    params: tuple[str, ...] = ()
    annotated: dict[str, str] = field(default_factory=dict)


@dataclass
class SpawnedTarget:
    spawner: Spawner
    target: str


@dataclass
class Origin:
    """Where a network error comes from, and the classes it can be."""

    site: Site
    errors: tuple[str, ...]


Escape = tuple[int, str]  # (origin index, exception class)


class NetworkFlow(Check):
    """Collects network call sites, same-module calls, entry points and loops during the walk.

    Subclasses decide in ``leave_Module``. Nothing here reports.
    """

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self.knowledge: NetworkKnowledge = self.catalog.network
        self.module = self.state.module
        self.imports: set[str] = set()
        self.functions: dict[str, FunctionInfo] = {}
        self.sites: list[Site] = []
        self.spawned: list[SpawnedTarget] = []
        self.handler_registrations: list[tuple[str, tuple[str, ...]]] = []  # (shape, classes)
        self.loops: list[Loop] = []
        self._main_guard: list[cst.If] = []
        self._awaits = 0
        # The try statement of each except clause seen around a call.
        self.try_of: dict[int, cst.Try] = {}
        # Open `with contextlib.suppress(...)` blocks: (node, function frame, clause).
        self._suppress: list[tuple[cst.With, object, Clause]] = []
        # Objects of this module's classes: (function node id or 0, name) or
        # (class qualname, attribute) -> class name.
        self._instances: dict[tuple[object, str], str] = {}
        self._with_items: set[int] = set()

    # ------------------------------------------------------------------ imports
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            parts = dotted_name(alias.name)
            if parts:
                self.imports.add(".".join(parts))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        parts = dotted_name(node.module)
        if not parts:
            return
        module = ".".join(parts)
        self.imports.add(module)
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = dotted_name(alias.name)
                if name:
                    self.imports.add(f"{module}.{'.'.join(name)}")

    def imports_any(self, modules: Iterable[str]) -> bool:
        modules = tuple(modules)
        if not modules:
            return True
        return any(imported == module or imported.startswith(module + ".")
                   for imported in self.imports for module in modules)

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
            if isinstance(call, cst.Call) and call.args:
                shape = self._call_shape(call.func)
                classes = self._classes(call.args[0].value)
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

    # ------------------------------------------------------------------ __main__ guard
    def visit_If(self, node: cst.If) -> None:
        if self.ctx.function is None and not self.ctx.classes and _is_main_guard(node.test):
            self._main_guard.append(node)

    def leave_If(self, node: cst.If) -> None:
        if self._main_guard and self._main_guard[-1] is node:
            self._main_guard.pop()

    def current_function(self) -> str:
        if self.ctx.function is not None:
            return self.ctx.function.qualname
        return MAIN_GUARD if self._main_guard else MODULE

    # ------------------------------------------------------------------ loops
    def visit_For(self, node: cst.For) -> None:
        if _is_counting(node.iter):
            return
        self.loops.append(Loop(node, self.ctx.function, set(_target_names(node.target)), len(self.ctx.tries),
                               f"the loop over `{_short(self.module.code_for_node(node.iter), 40)}`"))

    def leave_For(self, node: cst.For) -> None:
        if self.loops and self.loops[-1].node is node:
            self.loops.pop()

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
                    loop.names.update(_target_names(target))

    def _loops_here(self) -> list[Loop]:
        return [loop for loop in self.loops if loop.function is self.ctx.function]

    def _item_loop(self, call: cst.Call) -> Loop | None:
        used = set()
        for arg in call.args:
            used |= names_in(arg.value)
        for loop in reversed(self._loops_here()):
            if loop.names & used:
                return loop
        return None

    # ------------------------------------------------------------------ calls
    def visit_Await(self, node: cst.Await) -> None:
        self._awaits += 1

    def leave_Await(self, node: cst.Await) -> None:
        self._awaits -= 1

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
        clauses = self._clauses()
        awaited = self._awaits > 0 or id(node) in self._with_items
        net = network_call(self.resolver, self.knowledge, self.module, node)
        info = self.functions.get(self.ctx.function.qualname) if self.ctx.function is not None else None
        parameter = parameter_receiver(node.func, info.params + tuple(info.annotated), self.resolver) \
            if info is not None and info.node is self.ctx.function.node else None  # type: ignore[union-attr]
        if net is None and parameter is not None and info is not None:
            if parameter in info.annotated:
                net = parameter_network_call(self.knowledge, self.module, node, info.annotated[parameter])
            elif isinstance(node.func, cst.Attribute):
                # Typed after the walk, if every caller passes the same client.
                self.sites.append(Site(node, self.ctx.statement, self.current_function(), clauses,
                                       self._item_loop(node), awaited=awaited, parameter=parameter))
        if net is not None:
            # `tasks.append(client.get(url))` makes a coroutine: it fails where it is awaited.
            if awaited or not net.family.awaitable:
                self.sites.append(Site(node, self.ctx.statement, self.current_function(), clauses,
                                       self._item_loop(node), network=net, awaited=awaited))
            return
        callee = self.local_callee(node.func)
        if callee is not None:
            self.sites.append(Site(node, self.ctx.statement, self.current_function(), clauses,
                                   self._item_loop(node), callee=callee, awaited=awaited,
                                   arguments=self._argument_types(node, info)))
        self._spawn(node)
        self._registration_call(node)

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

    def _clauses(self) -> tuple[Clause, ...]:
        """The except clauses around the current node, innermost first, then the
        ``with contextlib.suppress(...)`` blocks of this function (which also catch)."""
        for frame in self.ctx.tries:
            for handler in frame.handlers:
                self.try_of[id(handler.node)] = frame.node  # type: ignore[assignment]
        clauses = [Clause(handler.node, caught_names(handler, self.resolver), reraises(handler.node))
                   for handler in self.ctx.active_handlers()]
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
            target = keyword_or_position(node, spawner.keyword, spawner.position)
            if target is None and spawner.keyword is not None:
                target = _by_keyword(node, spawner.keyword)
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
    def resolve_callees(self) -> None:
        """Calls of ``helper`` recorded by name: keep those that name a function of this module."""
        for site in self.sites:
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
            net = parameter_network_call(self.knowledge, self.module, site.node, client_type)
            if net is not None and (site.awaited or not net.family.awaitable):
                site.network = net

    def origins(self) -> list[Origin]:
        return [Origin(site, site.network.errors) for site in self.sites if site.network is not None]

    def reaching_errors(self) -> tuple[list[Origin], list[tuple[Site, set[Escape]]]]:
        """After the walk: the network origins, and for every call site the (origin index,
        class) pairs that can leave it, directly or through same-module calls. No origins,
        no sites: nothing in the module can raise a network error."""
        self.resolve_callees()
        origins = self.origins()
        if not origins:
            return origins, []
        index_of = {id(origin.site): index for index, origin in enumerate(origins)}
        escapes = self.escapes(origins)
        return origins, [(site, self.site_errors(site, index_of, escapes)) for site in self.sites]

    def escapes(self, origins: list[Origin]) -> dict[str, set[Escape]]:
        """Per function: the (origin, class) pairs that leave it, to a fixpoint."""
        index_of = {id(origin.site): index for index, origin in enumerate(origins)}
        result: dict[str, set[Escape]] = {}
        changed = True
        while changed:
            changed = False
            for site in self.sites:
                out = result.setdefault(site.function, set())
                for escape in self.site_errors(site, index_of, result):
                    if escape not in out and self.uncaught(site.clauses, escape[1]):
                        out.add(escape)
                        changed = True
        return result

    def site_errors(self, site: Site, index_of: dict[int, int], escapes: dict[str, set[Escape]]) -> set[Escape]:
        if site.network is not None:
            origin = index_of[id(site)]
            return {(origin, error) for error in site.network.errors}
        if site.callee is not None:
            return set(escapes.get(site.callee, ()))
        return set()

    def uncaught(self, clauses: Sequence[Clause], raised: str) -> bool:
        return first_catching(clauses, self.knowledge, raised) is None

    def entry_point(self, info: FunctionInfo) -> EntryPoint | None:
        for entry in self.knowledge.entry_points:
            if info.name in entry.names and not info.nested and not info.class_name:
                return entry
            if not self.imports_any(entry.imports) or not entry.imports:
                continue
            if any(shape_matches(pattern, decorator) for pattern in entry.decorators
                   for decorator in info.decorators):
                return entry
            if (entry.first_parameter and not info.class_name and not info.nested
                    and info.first_parameter == entry.first_parameter):
                return entry
            if (info.class_name and info.name in entry.methods
                    and any(base.rsplit(".", 1)[-1].endswith(suffix) for base in info.class_bases
                            for suffix in entry.base_classes)):
                return entry
        return None

    def registered_handlers(self, entry: EntryPoint) -> list[str]:
        """Exception classes a framework error handler in this module handles for ``entry``."""
        classes: list[str] = []
        for registration in self.knowledge.error_handlers:
            if entry.label not in registration.covers or not self.imports_any(registration.imports):
                continue
            for shape, caught in self.handler_registrations:
                if any(shape_matches(pattern, shape) for pattern in registration.decorators + registration.calls):
                    classes.extend(caught)
        return classes


def shape_matches(pattern: str, name: str) -> bool:
    """``*.route`` matches ``app.route`` and ``self.bp.route``; other patterns match exactly."""
    if pattern.startswith("*."):
        return "." in name and name.rsplit(".", 1)[1] == pattern[2:]
    return name == pattern


def names_in(node: cst.CSTNode) -> set[str]:
    finder = _Names()
    node.visit(finder)
    return finder.names


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        # `item.id` mentions item; the attribute name `id` is not a variable.
        node.value.visit(self)
        return False


def _target_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


def _is_counting(iterable: cst.BaseExpression) -> bool:
    """``range(3)`` or ``itertools.count()``: attempts or pages, not a batch of items."""
    if isinstance(iterable, cst.Call):
        parts = dotted_name(iterable.func)
        return bool(parts) and parts[-1] in ("range", "count")
    return False


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = [test.left, target.comparator]
    names = [side.value for side in sides if isinstance(side, cst.Name)]
    strings = [side.evaluated_value for side in sides if isinstance(side, cst.SimpleString)]
    return names == ["__name__"] and strings == ["__main__"]
