"""What the resolver binds names to: qualified names, client objects, local functions and classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import libcst as cst

from ..catalog import ClientEntry
from ..project.summaries import Place


@dataclass(frozen=True)
class Instance:
    """An object built by a catalogued constructor, with the arguments it was built with."""

    client: ClientEntry
    call: cst.Call
    # True when the object's class or a mounted adapter sets a timeout on every request.
    timeout_injected: bool = False
    # The constructor's qualified name, for clients whose catalog type is "*" (generated
    # classes matched by a pattern: their methods are named after the real class).
    constructor: str = ""
    # Where the object was built when that is another project file (``call`` is then a
    # copy of its constructor call, read again here, with no position in this file).
    place: Place | None = None
    # The other project file's place the object comes from: its constructor there, or the
    # client class it was made from (a related location for findings about it).
    origin: Place | None = None

    @property
    def type(self) -> str:
        return self.constructor if self.client.type == "*" and self.constructor else self.client.type


@dataclass(frozen=True)
class LocalFunction:
    """A same-module function; ``returns`` is set when it returns a client object."""

    name: str
    node: cst.FunctionDef
    returns: Instance | None = None


@dataclass(frozen=True)
class Factory:
    """Another project file's function that returns a client object (``returns``), or its
    class extending a catalogued client's class (``client``, calls of it build one)."""

    name: str
    returns: Instance | None = None
    client: ClientEntry | None = None
    timeout_injected: bool = False
    place: Place | None = None  # where the class is defined


@dataclass(frozen=True)
class LocalClass:
    name: str
    node: cst.ClassDef
    # The client type this class extends, and whether it injects a timeout.
    client: ClientEntry | None = None
    timeout_injected: bool = False


Binding = Union[str, Instance, LocalFunction, LocalClass, Factory, None]
"""A qualified name (``"requests.get"``), an object, a local function or class, or None
(bound to something alint does not model, which shadows any outer binding)."""


@dataclass(frozen=True)
class Resolved:
    """What an expression refers to: a qualified name, and the object it is a method of."""

    name: str
    instance: Instance | None = None


@dataclass
class Scope:
    kind: str  # "module" | "function" | "class"
    names: dict[str, Binding] = field(default_factory=dict)
    # self.<attr> bindings of a class, filled from its methods' assignments.
    attributes: dict[str, Binding] = field(default_factory=dict)
    # The class's or function's name ("" for the module): --deep asks by qualified scope.
    name: str = ""


def dotted_name(node: cst.BaseExpression) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None for anything that is not a plain dotted name."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        parts.reverse()
        return parts
    return None
