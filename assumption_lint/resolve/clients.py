"""Resolver layer 2: what the catalog's client objects add to plain name binding.

A class that extends a catalogued client keeps its type, and injects a timeout when it
overrides a timeout hook method (``request``) with code that mentions a timeout; replacing
the hook on an object (``session.request = partial(session.request, timeout=30)``),
mounting an adapter that injects one (``session.mount(prefix, TimeoutAdapter())``) or
calling a catalogued timeout setter (``sock.settimeout(5)``) does the same for that object.
The engine calls these through the resolver's walk hooks (``bind_class``,
``bind_assignment``, ``after_call``), never by name.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst

from .bindings import Factory, Instance, LocalClass

if TYPE_CHECKING:  # pragma: no cover
    from . import Resolver


def local_class(resolver: "Resolver", node: cst.ClassDef) -> LocalClass:
    """A class extending a catalogued client keeps its type; overriding a timeout
    hook method (e.g. ``request``) that mentions ``timeout`` injects one."""
    for base in node.bases:
        client = None
        inherited = False
        binding = resolver.lookup(base.value.value) if isinstance(base.value, cst.Name) else None
        if isinstance(binding, (LocalClass, Factory)) and binding.client is not None:
            client, inherited = binding.client, binding.timeout_injected
        else:
            resolved = resolver.resolve(base.value)
            if resolved is not None:
                client = resolver.catalog.client(resolved.name)
        if client is not None:
            injected = inherited or any(
                isinstance(item, cst.FunctionDef) and item.name.value in client.timeout_hooks
                and mentions_timeout(item)
                for item in node.body.body)
            return LocalClass(node.name.value, node, client, injected)
    return LocalClass(node.name.value, node)


def replaces_hook(resolver: "Resolver", target: cst.BaseExpression, value_node: cst.BaseExpression) -> bool:
    """``session.request = partial(session.request, timeout=30)``: a timeout hook replaced
    by a callable that mentions a timeout injects one, like a subclass overriding it."""
    if not isinstance(target, cst.Attribute):
        return False
    owner = resolver.instance_of(target.value)
    if owner is None or target.attr.value not in owner.client.timeout_hooks or not mentions_timeout(value_node):
        return False
    resolver.bind_target(target.value, replace(owner, timeout_injected=True))
    return True


def after_call(resolver: "Resolver", node: cst.Call) -> None:
    """``session.mount(prefix, TimeoutAdapter())``: the session now injects a timeout;
    ``sock.settimeout(5)`` (a catalogued timeout setter) sets one from here on."""
    func = node.func
    if isinstance(func, cst.Attribute) and node.args:
        owner = resolver.instance_of(func.value)
        if owner is not None and func.attr.value in owner.client.timeout_setters:
            resolver.bind_target(func.value, replace(owner, timeout_injected=True))
            return
    if not (isinstance(func, cst.Attribute) and len(node.args) >= 2):
        return
    instance = resolver.instance_of(func.value)
    if instance is None or instance.timeout_injected or func.attr.value != instance.client.mount_method:
        return
    adapter = resolver.instance_of(node.args[1].value)
    if adapter is not None and adapter.timeout_injected:
        resolver.bind_target(func.value, Instance(instance.client, instance.call, True))


def mentions_timeout(node: cst.CSTNode) -> bool:
    finder = _TimeoutMention()
    node.visit(finder)
    return finder.found


class _TimeoutMention(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or "timeout" in node.value.lower()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.found = self.found or "timeout" in node.value.lower()
