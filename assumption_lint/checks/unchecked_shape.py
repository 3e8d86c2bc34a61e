"""AL108 unchecked-shape: ``request.json["email"]`` where a missing key is a 500.

Asks the ``ValueProvenance`` fact where the subscripted value comes from and whether
anything ended its *shape* assumption (``.get`` with a default, ``"key" in data``, a
schema, a model, an ``isinstance`` guard). Reported:

- request JSON and bodies (Flask ``request.json``/``get_json()``, Django ``request.GET``
  and ``POST``, DRF ``request.data``, FastAPI ``dict`` bodies): a missing key is a
  ``KeyError`` and the view answers 500. Werkzeug's ``request.args``/``form``/``headers``
  are not: their missing key is a 400 (the catalog marks those sources shape-validated).
- response JSON read *below* its top level (``resp.json()["data"]["items"]``): the
  envelope's own keys (``ok``, ``result``, ``access_token``) are what a status check
  settles for a documented API, the nested objects are what another service leaves out
  or answers ``null`` (GraphQL's ``repository: null``).

A ``try`` catching ``KeyError`` (or a registered framework handler) ends the assumption.
Where AL202 (status unchecked) or AL207 (GraphQL errors unchecked) speak for the same
response, this rule yields to them: the finding covers the response's path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ..facts.provenance import ValueProvenance
from ..facts.provenance_values import Origin
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_RAISED = ("KeyError", "TypeError")
# Steps that read a value out of another: a response value with one of them is nested.
# Items of a list the code iterates over are not: entries of a listing carry their fields.
_ITEM_STEPS = ("an item read", "read with .")


@dataclass
class _Site:
    node: cst.Subscript
    origin: Origin
    statement: cst.CSTNode | None
    function: str
    framework: str | None


class UncheckedShape(Check):
    rules = ("AL108",)
    needs = (ValueProvenance,)
    project_reads = frozenset({"request", "response"})
    triggers = ("flask", "django", "fastapi", "starlette", "quart", "rest_framework")

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        self.targets: set[int] = set()
        self.sites: list[_Site] = []
        self.reads_errors: set[str] = set()

    # ------------------------------------------------------------------ stores are not reads
    def visit_Assign(self, node: cst.Assign) -> None:
        self.targets.update(id(target.target) for target in node.targets)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.targets.add(id(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.targets.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self.targets.add(id(node.target))

    # ------------------------------------------------------------------ reads
    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self.targets or self._caught_here():
            return
        origin = self._assumed(node)
        if origin is None:
            return
        # One finding per chain: the first read that assumes, not every level after it.
        if any(self._assumed(inner) is not None for inner in _inner_subscripts(node.value)):
            return
        function = self.ctx.function.qualname if self.ctx.function else "<module>"
        self.sites.append(_Site(node, origin, self.ctx.statement, function, self.prov.framework_here()))

    def _assumed(self, node: cst.Subscript) -> Origin | None:
        """The origin whose shape ``node`` assumes, or None."""
        if not _is_key_read(node):
            return None
        origins = self.prov.origins(node.value)
        for origin in origins.unvalidated("shape", kinds=("request",)):
            return origin
        for origin in origins.unvalidated("shape", kinds=("response",)):
            if "none-or-empty" not in origin.validated and _nested(origin) and _decoded(node.value):
                return origin
        return None

    def _caught_here(self) -> bool:
        for handler in self.ctx.active_handlers():
            if handler.catches is None:
                return True
            for caught in handler.catches:
                if not isinstance(caught, str):
                    return True  # unresolved: may be the right class (silent, as elsewhere)
                if any(self.catalog.network.catches(caught, raised) for raised in _RAISED):
                    return True
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        # A GraphQL client that reads the "errors" key knows when data is incomplete.
        if node.value[1:-1] == "errors" and self.ctx.function is not None:
            self.reads_errors.add(self.ctx.function.qualname)

    def leave_Module(self, node: cst.Module) -> None:
        for site in self.sites:
            if self.prov.handled_by_framework("KeyError", site.framework):
                continue
            if site.origin.kind == "response" and site.function in self.reads_errors:
                continue
            self._report(site)

    def _report(self, site: _Site) -> None:
        origin = site.origin
        key = site.node.slice[0].slice
        key_text = self.state.module.code_for_node(key.value) if isinstance(key, cst.Index) else "?"
        value = self.state.module.code_for_node(site.node.value)
        if origin.kind == "request":
            outcome = f"a request without it raises KeyError and the {site.framework or 'view'} answers 500"
            fix = f"read it with .get({key_text}) and answer 400 when it is missing, or validate the body"
        else:
            outcome = "an answer without it, or with null there, raises KeyError or TypeError"
            fix = f"read it with .get({key_text}) and handle its absence"
        covers = [site.node, *_inner_subscripts(site.node.value), *(step.node for step in origin.path)]
        self.report("AL108", site.node, origin.notes(), statement=site.statement, function=site.function,
                    covers=covers, value=_shortened(value), source=origin.label, key=key_text,
                    outcome=outcome, fix=fix)


def _is_key_read(node: cst.Subscript) -> bool:
    """``x["key"]`` or ``x[name]``: one index, not a slice (a slice never raises KeyError),
    nor a number: ``items[0]`` of a list that may be empty is AL404's (IndexError)."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    value = node.slice[0].slice.value
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value = value.expression
    return not isinstance(value, cst.Integer)


def _nested(origin: Origin) -> bool:
    steps = [step.note for step in origin.path[1:]]
    return not any(note == "iterated over" for note in steps) and any(note.startswith(_ITEM_STEPS) for note in steps)


def _decoded(node: cst.BaseExpression) -> bool:
    """Read from decoded JSON: the calls on the way are ``.json()`` or ``.get()``, not
    text methods (``resp.text.split("<title>")[1]`` is text, not shape)."""
    while True:
        if isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Await):
            node = node.expression
        elif isinstance(node, cst.Call):
            func = node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in ("json", "get")):
                return False
            node = func.value
        elif isinstance(node, cst.Attribute):
            node = node.value
        else:
            return True


def _inner_subscripts(node: cst.BaseExpression) -> list[cst.Subscript]:
    """The subscripts ``node`` is read through: ``a["x"]["y"]`` for ``a["x"]["y"]``, then ``a["x"]``."""
    found: list[cst.Subscript] = []
    while True:
        if isinstance(node, cst.Subscript):
            found.append(node)
            node = node.value
        elif isinstance(node, cst.Attribute):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Await):
            node = node.expression
        else:
            return found


def _shortened(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
