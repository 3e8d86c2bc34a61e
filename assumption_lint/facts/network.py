"""Which calls go to another machine: the one network-call lookup, and how a call is named
in messages.

A call is resolved once per file (``NetworkCalls``, a fact) and then read by every check:
its catalogued network family (``rules/responses.toml``: what it raises, its response kind,
its HTTP method) and its ``[[api]]`` entry when that entry is of a remote kind
(``rules/http.toml`` and friends). A parameter annotated with a client type
(``session: httpx.Client``, ``Optional[...]`` and ``X | None`` included) is read by
``annotated_client_type``, the one annotation reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import libcst as cst

from ..catalog import ApiEntry, Catalog, NetworkFamily, NetworkKnowledge
from ..resolve import Instance, Resolved, Resolver, dotted_name
from .arguments import argument, given
from .base import Fact
from .syntax import literal_value, short

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Catalog kinds of calls that talk to another machine. Other kinds (subprocess, local
# waits on queues and events) can hang but do not fail the way a request does; a kind
# not listed here is not trusted to be remote (unresolved means silent).
REMOTE_KINDS = frozenset({"http", "socket", "mail", "database", "rpc", "websocket", "ftp", "ssh",
                          "directory"})


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


@dataclass(frozen=True)
class CallTarget:
    """What a call resolves to, and what the catalog knows about it."""

    resolved: Resolved
    network: NetworkCall | None  # a catalogued network family
    api: ApiEntry | None  # an [[api]] entry of a remote kind


def _may_set_timeout(node: cst.Call, position: int | None) -> bool:
    # Any star argument may carry a timeout, even one the catalog gives no position.
    return argument(node, "timeout", position) is not None or any(arg.star for arg in node.args)


def lookup_call(resolver: Resolver, catalog: Catalog, module: cst.Module, node: cst.Call) -> CallTarget | None:
    """What ``node`` calls, or None when alint cannot resolve it (unresolved means silent).

    The one place a call is resolved against the catalog; the ``NetworkCalls`` fact keeps
    its answer, so each call of a file is looked up once whatever reads it."""
    resolved = resolver.resolve(node.func)
    if resolved is None:
        return None
    instance = resolved.instance
    family = catalog.network.family(resolved.name, instance.type if instance is not None else None)
    network = _network_call(node, family, resolved.name, instance, module) if family is not None else None
    return CallTarget(resolved, network, _remote_api(catalog, resolved.name))


def _remote_api(catalog: Catalog, name: str) -> ApiEntry | None:
    api = catalog.api(name)
    return api if api is not None and api.kind in REMOTE_KINDS else None


def _network_call(node: cst.Call, family: NetworkFamily, api: str, instance: Instance | None,
                  module: cst.Module) -> NetworkCall:
    method = _http_method(node, family, api)
    return NetworkCall(node, family, api, instance, method, _label(node, family, api, method, module))


def typed_network_call(knowledge: NetworkKnowledge, module: cst.Module, node: cst.Call,
                       client_type: str) -> NetworkCall | None:
    """``session.get(url)`` where ``session`` is a parameter known to hold a ``client_type``
    (from its annotation, or from every same-module call passing one)."""
    func = node.func
    if not isinstance(func, cst.Attribute):
        return None
    api = f"{client_type}.{func.attr.value}"
    family = knowledge.family(api, client_type)
    return _network_call(node, family, api, None, module) if family is not None else None


class NetworkCalls(Fact):
    """Every call of the file looked up once (``lookup_call``), for every check that asks.

    A call is looked up when something first asks about it, which is always while the
    traversal is at the call or at the statement that holds it, so the resolver sees the
    same bindings whoever asks first."""

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self.module = self.state.module
        self._targets: dict[int, CallTarget | None] = {}
        self._annotated: dict[int, tuple[Resolved, ApiEntry] | None] = {}
        self._attribute_clients: dict[tuple[str, str], str | None] = {}

    # ------------------------------------------------------------ clients stored on self
    # ``self.session = session`` (a parameter annotated ``aiohttp.ClientSession``), or an
    # annotation ``session: aiohttp.ClientSession`` in the class body or on ``self.session``:
    # the attribute holds that client in every method of the class. By (class, attribute);
    # None when two assignments disagree.
    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        target = node.target
        classes = self.ctx.classes
        if self.ctx.function is None and classes and isinstance(target, cst.Name):
            self._type_attribute(classes[-1].name.value, target.value,
                                 annotation_client_type(self.resolver, self.catalog, node.annotation.annotation))
        elif self._self_attribute(target) is not None:
            self._type_attribute(self.ctx.function.class_name, target.attr.value,  # type: ignore[union-attr]
                                 annotation_client_type(self.resolver, self.catalog, node.annotation.annotation))

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.value, cst.Name):
            return
        target = node.targets[0].target
        frame = self.ctx.function
        if self._self_attribute(target) is None or frame is None:
            return
        client_type = annotated_client_type(self.resolver, self.catalog, frame.node, node.value.value)
        if client_type is not None:
            self._type_attribute(frame.class_name, target.attr.value, client_type)  # type: ignore[union-attr, arg-type]

    def _self_attribute(self, target: cst.BaseExpression) -> cst.Attribute | None:
        frame = self.ctx.function
        if (frame is None or frame.class_name is None or not isinstance(target, cst.Attribute)
                or not isinstance(target.value, cst.Name)):
            return None
        params = list(frame.node.params.posonly_params) + list(frame.node.params.params)
        return target if params and params[0].name.value == target.value.value else None

    def _type_attribute(self, class_name: str | None, attr: str, client_type: str | None) -> None:
        if class_name is None or client_type is None:
            return
        key = (class_name, attr)
        if key in self._attribute_clients and self._attribute_clients[key] != client_type:
            self._attribute_clients[key] = None
        else:
            self._attribute_clients[key] = client_type

    def attribute_client(self, func: cst.BaseExpression) -> str | None:
        """``self.session.get``: the client type ``self.session`` holds (see above), or None."""
        if not isinstance(func, cst.Attribute):
            return None
        receiver = self._self_attribute(func.value)
        if receiver is None:
            return None
        return self._attribute_clients.get((self.ctx.function.class_name, receiver.attr.value))  # type: ignore[union-attr]

    def target(self, node: cst.Call) -> CallTarget | None:
        key = id(node)
        if key in self._targets:
            return self._targets[key]
        found = self._targets[key] = lookup_call(self.resolver, self.catalog, self.module, node)
        return found

    def network_call(self, node: cst.Call) -> NetworkCall | None:
        """The network call ``node`` makes, by its catalogued family, or None."""
        target = self.target(node)
        return target.network if target is not None else None

    def remote_api(self, node: cst.Call, function: cst.FunctionDef | None = None) -> tuple[Resolved, ApiEntry] | None:
        """The ``[[api]]`` entry of a call to another machine, or None. With ``function``, a
        method of a parameter annotated with a catalogued client type resolves too."""
        target = self.target(node)
        if target is not None:
            return (target.resolved, target.api) if target.api is not None else None
        func = node.func
        held = self.attribute_client(func)
        if held is not None and isinstance(func, cst.Attribute):
            name = f"{held}.{func.attr.value}"
            api = _remote_api(self.catalog, name)
            return (Resolved(name), api) if api is not None else None
        if function is None or not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
            return None
        key = id(node)
        if key not in self._annotated:
            client_type = annotated_client_type(self.resolver, self.catalog, function, func.value.value)
            name = f"{client_type}.{func.attr.value}" if client_type is not None else None
            api = _remote_api(self.catalog, name) if name is not None else None
            self._annotated[key] = (Resolved(name), api) if name is not None and api is not None else None
        return self._annotated[key]


# --------------------------------------------------------------------------- client parameters
def _parameters(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    return list(params.posonly_params) + list(params.params) + list(params.kwonly_params)


def annotated_client_type(resolver: Resolver, catalog: Catalog, function: cst.FunctionDef, name: str) -> str | None:
    """The client type parameter ``name`` of ``function`` is annotated with (``X``,
    ``X | None``, ``Optional[X]``), or None."""
    for param in _parameters(function):
        if param.name.value == name:
            return _annotation_client_type(resolver, catalog, param)
    return None


def annotated_clients(resolver: Resolver, catalog: Catalog, function: cst.FunctionDef) -> dict[str, str]:
    """Parameters annotated with a catalogued client type: ``session: aiohttp.ClientSession``."""
    found = {}
    for param in _parameters(function):
        client_type = _annotation_client_type(resolver, catalog, param)
        if client_type is not None:
            found[param.name.value] = client_type
    return found


def _annotation_client_type(resolver: Resolver, catalog: Catalog, param: cst.Param) -> str | None:
    if param.annotation is None:
        return None
    return annotation_client_type(resolver, catalog, param.annotation.annotation)


def annotation_client_type(resolver: Resolver, catalog: Catalog, annotation: cst.BaseExpression) -> str | None:
    """The catalogued client type an annotation names (``X``, ``X | None``, ``Optional[X]``)."""
    for candidate in _annotation_types(annotation):
        resolved = resolver.resolve(candidate)
        if resolved is None:
            continue
        client = catalog.client(resolved.name)
        if client is not None and client.type != "*":
            return client.type
        # A client type that is not itself a constructor (a class the catalog's clients return).
        if any(entry.type == resolved.name for entry in catalog.clients.values()):
            return resolved.name
    return None


def _annotation_types(annotation: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        return _annotation_types(annotation.left) + _annotation_types(annotation.right)
    if isinstance(annotation, cst.Subscript) and dotted_name(annotation.value) in (["Optional"], ["typing", "Optional"]):
        return [element.slice.value for element in annotation.slice if isinstance(element.slice, cst.Index)]
    return [annotation]


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


# --------------------------------------------------------------------------- labels
def _http_method(node: cst.Call, family: NetworkFamily, api: str) -> str | None:
    if family.method == "name":
        last = api.rsplit(".", 1)[-1]
        return last.upper() if last in HTTP_VERBS else None
    if family.method == "argument":
        value = given(node, "method", 0)
        if isinstance(value, cst.SimpleString):
            text = literal_value(value)
            return text.upper() if isinstance(text, str) else None
    return None


def _label(node: cst.Call, family: NetworkFamily, api: str, method: str | None, module: cst.Module) -> str:
    """``POST /charges`` for an HTTP call with a readable URL, else the call as written."""
    if family.method != "none":
        url = given(node, "url", 1 if family.method == "argument" else 0)
        if family.method == "url":
            method = None
        path = _url_text(url, module) if url is not None else None
        if path and path.strip("/{}") and not (path.startswith("{") and path.endswith("}") and path.count("{") == 1):
            return f"{method} {path}" if method else f"the request to {path}"
        parts = dotted_name(url) if url is not None else None
        if method and parts:
            return f"{method} `{short('.'.join(parts), 40)}`"
    return f"`{short(module.code_for_node(node.func))}()`"


def _url_parts(node: cst.BaseExpression, module: cst.Module) -> list[tuple[str, bool]] | None:
    """A URL expression as (text, is_placeholder) parts; None when it is no string at all."""
    if isinstance(node, cst.SimpleString):
        value = literal_value(node)
        return [(value, False)] if isinstance(value, str) else None
    if isinstance(node, cst.FormattedString):
        return [(part.value, False) if isinstance(part, cst.FormattedStringText)
                else ("{" + short(module.code_for_node(part.expression), 30) + "}", True)
                for part in node.parts]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left = _url_parts(node.left, module)
        right = _url_parts(node.right, module)
        if left is None and right is None:
            return None
        placeholder = lambda side: [("{" + short(module.code_for_node(side), 30) + "}", True)]  # noqa: E731
        return (left if left is not None else placeholder(node.left)) + (
            right if right is not None else placeholder(node.right))
    return None


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
    return short(text.split("?", 1)[0], 60) or None
