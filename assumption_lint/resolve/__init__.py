"""Name resolution in alint's own pass: imports, aliases and client objects.

libcst's QualifiedNameProvider and ScopeProvider cost a whole-tree pass each and do not
follow objects (``s = requests.Session(); s.get()`` stays ``s.get``). The engine instead
feeds this resolver as it walks the tree once, so bindings are known in source order.
Anything it cannot resolve stays unresolved, and checks stay silent on it.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Sequence

import libcst as cst

from ..catalog import Catalog, ClientEntry
from ..project.summaries import ClientMade, ImporterClients
from . import clients
from .bindings import Binding, Factory, Instance, LocalClass, LocalFunction, Resolved, Scope, dotted_name

if TYPE_CHECKING:  # pragma: no cover
    from ..deep.infer import DeepFile

__all__ = ["deep_triggers", "Binding", "Factory", "Instance", "LocalClass", "LocalFunction", "Resolved", "Resolver", "Scope",
           "dotted_name"]

# A constructor call longer than this, as written in another file, is not read again.
MAX_CONSTRUCTOR_TEXT = 2000


def _argument(call: cst.Call, keyword: str, position: int | None) -> cst.BaseExpression | bool | None:
    """The argument passed as ``keyword`` or at ``position``; None if absent, False if a
    ``*args`` before it hides where it is."""
    positional = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
        elif arg.star:
            if arg.star == "*" and position is not None and positional <= position:
                return False
        else:
            if positional == position:
                return arg.value
            positional += 1
    return None


def _is_resource(resolved: Resolved) -> bool:
    """Is ``resolved`` (``openai.OpenAI.chat``) one of its object's ``resources`` or a
    prefix of one (``chat.completions``)?"""
    instance = resolved.instance
    if instance is None or not instance.client.resources or not resolved.name.startswith(instance.type + "."):
        return False
    path = resolved.name[len(instance.type) + 1:]
    return any(resource == path or resource.startswith(path + ".") for resource in instance.client.resources)


def _module_name(node: cst.BaseExpression | None) -> str | None:
    if node is None:
        return None
    parts = dotted_name(node)
    return ".".join(parts) if parts else None


class Resolver:
    """Tracks bindings per scope while the engine walks the module once."""

    def __init__(self, catalog: Catalog, project: ImporterClients | None = None,
                 deep: "DeepFile | None" = None) -> None:
        self.catalog = catalog
        # Other project files' client objects, factories and classes (a settled project).
        self.project = project
        # --deep: astroid, asked only where this resolver's answer is "unknown" (deep/).
        self.deep = deep
        self._module_roots: set[str] | None = None
        self._module_clients: dict[tuple[str, str], Binding] = {}
        self.scopes: list[Scope] = [Scope("module")]
        # For each open class scope: the name of the method's first parameter (self).
        self._self_names: list[str | None] = []

    # ------------------------------------------------------------------ scopes
    def push(self, kind: str, name: str = "") -> None:
        self.scopes.append(Scope(kind, name=name))

    def pop(self) -> Scope:
        return self.scopes.pop()

    @property
    def current(self) -> Scope:
        return self.scopes[-1]

    def enclosing_class_scope(self) -> Scope | None:
        """The class whose method body is being walked (function directly inside a class)."""
        if len(self.scopes) >= 3 and self.scopes[-1].kind == "function" and self.scopes[-2].kind == "class":
            return self.scopes[-2]
        return None

    def bind(self, name: str, value: Binding) -> None:
        self.current.names[name] = value

    def lookup(self, name: str) -> Binding:
        innermost = True
        for scope in reversed(self.scopes):
            # Class bodies do not enclose the functions defined in them.
            if scope.kind == "class" and not innermost:
                continue
            if name in scope.names:
                return scope.names[name]
            innermost = False
        return name if name in _BUILTINS else None

    # ------------------------------------------------------------------ imports
    def bind_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _module_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name.value, full)
            else:
                root = full.split(".", 1)[0]
                self.bind(root, root)

    def bind_import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = _module_name(node.module)
        relative = bool(node.relative)
        for alias in node.names:
            name = _module_name(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            made = self.project.imported(module or "", name, len(node.relative)) if self.project else None
            if made is not None:
                self.bind(local, self._project_binding(local, made))
            elif relative or module is None:
                # A relative import names this project's own module: not catalogued, unless
                # it is generated code a catalog pattern describes (`from . import svc_pb2_grpc`).
                self.bind(local, self._generated_module(f"{module}.{name}" if module else name))
            else:
                self.bind(local, f"{module}.{name}")

    def bind_parameter(self, function: str | None, name: str) -> None:
        """A parameter is unknown, unless every caller in the project passes the module-level
        ``function`` the same client for it (the caller index, project/callers.py)."""
        made = self.project.parameter(function, name) if self.project is not None and function else None
        self.bind(name, self._project_binding(name, made) if made is not None else None)

    def _project_binding(self, name: str, made: ClientMade) -> Binding:
        """Another project file's client object, factory or client class, as a binding here:
        its constructor call is read again from its text (for its timeout and options)."""
        client = self.catalog.client(made.constructor)
        if client is None:
            return None
        if made.kind == "class":
            return Factory(name, client=client, timeout_injected=made.timeout_injected, place=made.place)
        try:
            call = cst.parse_expression(made.code) if len(made.code) <= MAX_CONSTRUCTOR_TEXT else None
        except cst.ParserSyntaxError:
            call = None
        if not isinstance(call, cst.Call):
            return None
        instance = Instance(client, call, made.timeout_injected, constructor=made.constructor, place=made.place,
                            origin=made.place)
        return instance if made.kind == "object" else Factory(name, returns=instance)

    def _module_client(self, node: cst.Attribute) -> Instance | None:
        """``http.session`` where ``http`` names a project module: its client object."""
        assert self.project is not None
        base = self.resolve(node.value) if isinstance(node.value, (cst.Name, cst.Attribute)) else None
        if base is None or base.instance is not None:
            return None
        key = (base.name, node.attr.value)
        if key not in self._module_clients:
            made = self.project.attribute(*key)
            self._module_clients[key] = self._project_binding(node.attr.value, made) if made is not None else None
        found = self._module_clients[key]
        return found if isinstance(found, Instance) else None

    def _member_client(self, node: cst.Attribute) -> Instance | None:
        """``repo.jira`` where ``repo`` is an object of another file's class that stores a
        client on self as ``jira``: that client, built as its constructor call there says."""
        assert self.project is not None
        made = self.project.member(node.value, node.attr.value)
        found = self._project_binding(node.attr.value, made) if made is not None and made.kind == "object" else None
        return found if isinstance(found, Instance) else None

    def _generated_module(self, name: str) -> str | None:
        """``name`` when a constructor pattern's module part (``*_pb2_grpc``) or the whole
        pattern matches it; None otherwise."""
        for pattern in self.catalog.clients:
            module = pattern.rpartition(".")[0]
            if "*" in module and (fnmatch.fnmatchcase(name, module) or fnmatch.fnmatchcase(name, pattern)):
                return name
        return None

    # ------------------------------------------------------------------ expressions
    def resolve(self, node: cst.BaseExpression) -> Resolved | None:
        """The qualified name an expression refers to, following aliases and objects."""
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            if isinstance(binding, str):
                return Resolved(binding)
            return None
        if isinstance(node, cst.Attribute):
            base = node.value
            attr = node.attr.value
            self_attr = self._self_attribute(base)
            if self_attr is not None:
                if isinstance(self_attr, Instance):
                    return Resolved(f"{self_attr.type}.{attr}", self_attr)
                return None
            instance = self.instance_of(base)
            if instance is not None:
                return Resolved(f"{instance.type}.{attr}", instance)
            inner = self.resolve(base)
            if self.deep is not None and (inner is None or inner.instance is None):
                found = self._deep(base, inner.name if inner is not None else None, attr)
                if found is not None:
                    return Resolved(f"{found.type}.{attr}", found)
                if inner is None and attr in client_members(self.catalog):
                    module = self._deep_module(base)
                    if module is not None:
                        return Resolved(f"{module}.{attr}")
            if inner is not None and inner.instance is None:
                return Resolved(f"{inner.name}.{attr}")
            if inner is not None and _is_resource(inner):
                # `client.chat.completions.create`: a method of a part of the object.
                return Resolved(f"{inner.name}.{attr}", inner.instance)
            return None
        return None

    def _self_attribute(self, node: cst.BaseExpression) -> Binding | None:
        """``self.session`` inside a method: the object bound to that attribute, if any."""
        if not (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)):
            return None
        cls = self._class_of_self(node.value.value)
        if cls is None:
            return None
        return cls.attributes.get(node.attr.value)

    def _class_of_self(self, name: str) -> Scope | None:
        for index in range(len(self.scopes) - 1, 0, -1):
            scope = self.scopes[index]
            if scope.kind == "function" and self.scopes[index - 1].kind == "class":
                if scope.names.get("\0self") == name:
                    return self.scopes[index - 1]
                return None
        return None

    def instance_of(self, node: cst.BaseExpression) -> Instance | None:
        """The client object an expression evaluates to, if alint can tell."""
        if isinstance(node, cst.Name):
            binding = self.lookup(node.value)
            return binding if isinstance(binding, Instance) else None
        if isinstance(node, cst.Attribute):
            binding = self._self_attribute(node)
            if isinstance(binding, Instance):
                return binding
            if self.project is None or binding is not None:
                return None
            return self._module_client(node) or self._member_client(node)
        if isinstance(node, cst.Call):
            return self.instance_from_call(node)
        return None

    def instance_from_call(self, call: cst.Call) -> Instance | None:
        """``requests.Session()``, ``make_session()`` or ``TimeoutSession()`` as an object."""
        func = call.func
        if isinstance(func, cst.Name):
            binding = self.lookup(func.value)
            if isinstance(binding, LocalFunction):
                return binding.returns
            if isinstance(binding, Factory):
                if binding.returns is not None:
                    return binding.returns
                if binding.client is None:
                    return None
                return Instance(binding.client, call, binding.timeout_injected, origin=binding.place)
            if isinstance(binding, LocalClass):
                if binding.client is None:
                    return None
                return Instance(binding.client, call, binding.timeout_injected)
        resolved = self.resolve(func)
        if resolved is None:
            return None
        client = self.catalog.client(resolved.name)
        if client is None or not self._requirement_met(client, call):
            return None
        return Instance(client, call, constructor=resolved.name)

    # ------------------------------------------------------------------ --deep
    def _deep_module(self, node: cst.BaseExpression) -> str | None:
        """The catalogued module astroid says ``node`` holds (``_require_requests()``, a helper
        that imports and returns ``requests``), when this resolver knows nothing of it."""
        assert self.deep is not None
        called = isinstance(node, cst.Call)
        parts = dotted_name(node.func if isinstance(node, cst.Call) else node)
        if parts is None or (not called and self.lookup(parts[0]) is not None):
            return None
        scope = ".".join(item.name for item in self.scopes[1:] if item.name)
        module = self.deep.module(scope, ".".join(parts), called)
        if module is None:
            return None
        if self._module_roots is None:
            self._module_roots = self.catalog.module_roots()
        return module if module.partition(".")[0] in self._module_roots else None

    def _deep(self, node: cst.BaseExpression, name: str | None, attr: str) -> Instance | None:
        """The client object astroid says ``node`` holds, asked only when this resolver knows
        no object there (``name``: the qualified name it resolved ``node`` to, if any) and
        ``attr`` is a method or part of some catalogued client (``get``, ``chat``)."""
        assert self.deep is not None
        if attr not in client_members(self.catalog):
            return None
        if name is not None:
            if self._module_roots is None:
                self._module_roots = self.catalog.module_roots()
            # A catalogued library's own names: the catalog speaks for them.
            if name.partition(".")[0] in self._module_roots or self.catalog.client(name) is not None:
                return None
        called = isinstance(node, cst.Call)
        if called:  # `make_client().get(...)`, `super().get(...)`: what calling it returns
            node = node.func  # type: ignore[attr-defined]
        parts = dotted_name(node)
        if parts is None:
            return None
        scope = ".".join(item.name for item in self.scopes[1:] if item.name)
        made = self.deep.instance(scope, ".".join(parts), called)
        if made is None:
            return None
        from ..deep.infer import constructor_call

        place = made.place
        return Instance(made.client, constructor_call(made), made.injected, constructor=made.constructor,
                        place=place, origin=place if made.project else None)

    def _requirement_met(self, client: ClientEntry, call: cst.Call) -> bool:
        """A client that ``requires`` an argument of a known type (a gRPC stub needs a
        channel alint resolved) is only recognised when that argument resolves to one;
        one that ``excludes`` values (a socket's AF_UNIX family) is not when it names one."""
        for keyword, position, names in client.excludes:
            found = _argument(call, keyword, position)
            if found is False:
                return False  # *args: the family may be anything
            if found is not None:
                # A variable may hold an excluded value (getaddrinfo loops): unresolved means silent.
                resolved = self.resolve(found)
                if resolved is None or resolved.name in names:
                    return False
        if client.requires is None:
            return True
        keyword, position, types = client.requires
        found = _argument(call, keyword, position)
        if not isinstance(found, cst.BaseExpression):
            return False
        instance = self.instance_of(found)
        return instance is not None and instance.type in types

    def binding_for_value(self, value: cst.BaseExpression) -> Binding:
        """What a name assigned ``value`` is bound to: an object, an alias, or unknown."""
        if isinstance(value, cst.Await) and isinstance(value.expression, cst.Call):
            # `ws = await websockets.connect(url)`: a catalogued factory that is a coroutine.
            value = value.expression
        if isinstance(value, cst.Call):
            return self.instance_from_call(value)
        if isinstance(value, (cst.Name, cst.Attribute)):
            instance = self.instance_of(value)
            if instance is not None:
                return instance
            resolved = self.resolve(value)
            return resolved.name if resolved is not None else None
        return None

    # ------------------------------------------------------------------ assignments
    def bind_target(self, target: cst.BaseExpression, value: Binding) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, value)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            cls = self._class_of_self(target.value.value)
            if cls is not None:
                attr = target.attr.value
                # Two different assignments to one attribute: alint cannot tell which is live.
                if attr in cls.attributes and cls.attributes[attr] != value:
                    cls.attributes[attr] = None
                else:
                    cls.attributes[attr] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            parts = self._unpacked(value, target.elements)
            for element, part in zip(target.elements, parts):
                self.bind_target(element.value, part)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, None)

    def _unpacked(self, value: Binding, elements: Sequence[cst.BaseElement]) -> list[Binding]:
        """``reader, writer = await asyncio.open_connection(...)``: one object per element when
        the catalog says what the call's result unpacks to; unknown otherwise."""
        unknown: list[Binding] = [None] * len(elements)
        if not isinstance(value, Instance) or len(value.client.unpacks) != len(elements):
            return unknown
        if any(isinstance(element, cst.StarredElement) for element in elements):
            return unknown
        parts: list[Binding] = []
        for type_name in value.client.unpacks:
            client = self.catalog.client(type_name)
            parts.append(Instance(client, value.call) if client is not None else None)
        return parts

    # ------------------------------------------------------------------ walk hooks
    # What the engine's context keeper calls as it walks: plain binding, plus what the
    # catalog's client objects add (clients.py).
    def bind_class(self, node: cst.ClassDef) -> LocalClass:
        """Bind a class definition's name to what alint knows of the class."""
        local = clients.local_class(self, node)
        self.bind(node.name.value, local)
        return local

    def bind_assignment(self, target: cst.BaseExpression, value_node: cst.BaseExpression,
                        value: Binding) -> None:
        # `self.session = None` is a placeholder, not a rebinding alint should trust.
        if isinstance(target, cst.Attribute) and isinstance(value_node, cst.Name) and value_node.value == "None":
            return
        if clients.replaces_hook(self, target, value_node):
            return
        self.bind_target(target, value)

    def after_call(self, node: cst.Call) -> None:
        """A call that changes what an object it is made on does (clients.py)."""
        clients.after_call(self, node)

    def set_self_name(self, name: str | None) -> None:
        """Record the first parameter's name of a method being entered."""
        if name is not None:
            self.current.names["\0self"] = name


_BUILTINS = frozenset({"open", "input", "eval", "exec", "print", "len", "int", "float", "str",
                       "Exception", "BaseException", "OSError", "IOError", "EnvironmentError",
                       "TimeoutError", "ConnectionError", "ValueError", "KeyError", "IndexError",
                       "TypeError", "RuntimeError", "ConnectionRefusedError",
                       "ConnectionResetError", "ConnectionAbortedError", "BrokenPipeError",
                       "__import__", "compile", "getattr"})


_MEMBERS: dict[int, frozenset[str]] = {}


def client_members(catalog: Catalog) -> frozenset[str]:
    """The first member name after a client type in the catalog's API names and resources
    (``get``, ``chat``, ``invoke``): --deep asks only about objects used through one of them."""
    key = id(catalog)
    if key not in _MEMBERS:
        types = {entry.type for entry in catalog.clients.values() if entry.type != "*"}
        members = {name[len(kind) + 1:].split(".")[0] for name in catalog.apis for kind in types
                   if name.startswith(kind + ".")}
        members.update(resource.split(".")[0] for entry in catalog.clients.values() for resource in entry.resources)
        members.discard("*")
        _MEMBERS[key] = frozenset(members)
    return _MEMBERS[key]


# The pre-check words of a --deep run (engine.is_relevant): the same member names.
deep_triggers = client_members
