"""AL403 page-arithmetic: page counts and offsets that lose a page.

Reported at the expression:

- a page count by floor division (``total // per_page``, ``int(total / per_page)``,
  ``math.floor(...)``) bound to a page-count name (``total_pages``, ``num_pages``), passed
  as one, returned by a function named for one, or counted over by ``range``: the last,
  partial page is dropped. ``total // per_page + 1`` (at worst one empty page), a
  ceiling (``-(-a // b)``, ``(a + b - 1) // b``) and a remainder handled in the same
  function (``%``, ``divmod``) are quiet. Unsafe fix: ``math.ceil(total / per_page)``.
- ``range(1, total_pages)`` whose number is passed as a 1-based page: the last page is
  never fetched (``range(1, total_pages + 1)``), unless the code also asks for page 0.
- an offset from a 1-based page (a parameter defaulting to 1, a ``request.args.get("page",
  1)``, a counter starting at 1) without subtracting one: ``page * per_page`` skips the
  first page.
"""

from __future__ import annotations

import re

import libcst as cst

from ..facts.arguments import literal_string
from ..facts.syntax import nodes_in
from ..fixes import UNSAFE, AddImport, Fix, Replace, imports_module
from ..resolve import dotted_name
from .base import Check


def _parts(node: cst.CSTNode) -> tuple[str, ...]:
    return tuple(dotted_name(node) or ())  # type: ignore[arg-type]

_PAGE_COUNT = re.compile(r"(?i)pages|page_?count|pagecount|last_?page|max_?page")
_SIZE = re.compile(r"(?i)per_?page|page_?size|pagesize|page_?len|limit|batch|chunk|size|per_")
_COUNTISH = re.compile(r"(?i)total|count|len\(|num|length|hits|results|size|n_")
_PAGE_VAR = re.compile(r"(?i)^(current_?)?page(_?(num|number|no|index|idx))?$|^pg$|^p$")
_OFFSET = re.compile(r"(?i)offset|skip|start|begin|^from_?$|first")


class PageArithmetic(Check):
    rules = ("AL403",)
    # Page arithmetic needs no library: a file is read when it names a page size or count
    # (none of these words is in the standard library), besides the catalog's modules.
    triggers = ("per_page", "perPage", "page_size", "pageSize", "PAGE_SIZE", "PER_PAGE", "total_pages",
                "totalPages", "num_pages", "page_count", "pages_total", "last_page")

    @classmethod
    def relevant_text(cls, catalog: object) -> frozenset[str]:
        return frozenset(cls.triggers)  # a page size is often a query key: `"per_page": 50`

    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        super().__init__(state)
        self._seen: set[int] = set()

    # ------------------------------------------------------------------ page counts
    def visit_Assign(self, node: cst.Assign) -> None:
        if not isinstance(node.value, (cst.BinaryOperation, cst.Call)):
            return
        if any(_PAGE_COUNT.search(_text(self, target.target)) for target in node.targets):
            self._count(node.value)
        if any(_OFFSET.search(_text(self, target.target)) for target in node.targets):
            self._offset(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and _PAGE_COUNT.search(_text(self, node.target)):
            self._count(node.value)
        if node.value is not None and _OFFSET.search(_text(self, node.target)):
            self._offset(node.value)

    def _keyed(self, key: str | None, value: cst.BaseExpression) -> None:
        """A page count or an offset passed or stored under a name: ``total_pages=...``,
        ``{"offset": ...}``."""
        if key is None or not isinstance(value, (cst.BinaryOperation, cst.Call)):
            return
        if _PAGE_COUNT.search(key):
            self._count(value)
        if _OFFSET.search(key):
            self._offset(value)

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self._keyed(literal_string(element.key), element.value)

    def visit_Return(self, node: cst.Return) -> None:
        frame = self.ctx.function
        if node.value is not None and frame is not None and _PAGE_COUNT.search(frame.node.name.value):
            self._count(node.value)

    def visit_Slice(self, node: cst.Slice) -> None:
        if isinstance(node.lower, cst.BinaryOperation):
            self._offset(node.lower)

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            if arg.keyword is not None:
                self._keyed(arg.keyword.value, arg.value)
        if not (isinstance(node.func, cst.Name) and node.func.value == "range"):
            return
        args = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if len(args) in (1, 2):
            self._count(args[-1], counted=True)
        if len(args) == 2:
            self._one_to_pages(node, args)

    def _count(self, value: cst.BaseExpression, counted: bool = False) -> None:
        if isinstance(value, cst.Call) and _parts(value.func) in (("max",), ("min",)):
            for arg in value.args:
                self._count(arg.value, counted)
            return
        floor = _floor_division(value)
        if floor is None or id(value) in self._seen:
            return
        numerator, denominator = floor
        num, den = _code(self, numerator), _code(self, denominator)
        if "page" in num.lower() and "per" not in num.lower():
            return  # pages // 2: halves of a count of pages, not items
        if isinstance(numerator, (cst.Integer, cst.Float)) or _small_integer(denominator):
            return
        if isinstance(numerator, (cst.BinaryOperation, cst.UnaryOperation)):
            return  # (total + per_page - 1) // per_page, -(-total // per_page): a ceiling
        if counted and not (_SIZE.search(den) and _COUNTISH.search(num)):
            return
        if self._remainder_handled(num, den):
            return
        self._seen.add(id(value))
        expression = _code(self, value)
        self.report("AL403", value, expression=expression,
                    problem="floor division drops the last, partial page (250 items at 100 per page are 3 pages, not 2)",
                    fix=self._ceil_fix(value, num, den))

    def _remainder_handled(self, num: str, den: str) -> bool:
        scope = self.ctx.function.node.body if self.ctx.function else self.state.module
        for node in nodes_in(scope, (cst.BinaryOperation, cst.Call)):
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
                if _code(self, node.right) == den:
                    return True
            if isinstance(node, cst.Call) and _parts(node.func) in (("divmod",), ("math", "ceil"), ("ceil",)):
                if den in _code(self, node):
                    return True
        return False

    def _ceil_fix(self, value: cst.BaseExpression, num: str, den: str) -> Fix:
        module = self.state.module
        name, edits = "math.ceil", []
        if not imports_module(module, "math"):
            alias = _math_alias(module)
            if alias is not None:
                name = alias
            else:
                edits.append(AddImport(module, "math"))
        replacement = cst.parse_expression(f"{name}({num} / {den})")
        if value.lpar:
            replacement = replacement.with_changes(lpar=value.lpar, rpar=value.rpar)
        return Fix(f"use {name}({num} / {den})", (Replace(value, replacement), *edits), UNSAFE,
                   advice=f"use {name}({num} / {den})")

    # ------------------------------------------------------------------ range(1, pages)
    def _one_to_pages(self, call: cst.Call, args: list[cst.BaseExpression]) -> None:
        start, stop = args
        if not (isinstance(start, cst.Integer) and start.value == "1"):
            return
        if isinstance(stop, (cst.BinaryOperation, cst.Integer)) or not _PAGE_COUNT.search(_code(self, stop)):
            return
        loop = next((loop for loop in self.ctx.loops_in_function()[-1:]
                     if isinstance(loop, cst.For) and loop.iter is call), None)
        if loop is None or not isinstance(loop.target, cst.Name):
            return
        page = loop.target.value
        if not _passed_as_page(loop.body, page):
            return
        scope = self.ctx.function.node.body if self.ctx.function else self.state.module
        if _asks_page_zero(scope):
            return  # 0-based pages: page 0 was fetched first
        pages = _code(self, stop)
        self.report("AL403", call, expression=f"range(1, {pages})",
                    problem=f"pages are numbered from 1 here, so the last page ({pages}) is never fetched",
                    fix=f"use range(1, {pages} + 1)")

    # ------------------------------------------------------------------ offsets
    def _offset(self, value: cst.BaseExpression) -> None:
        if not (isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply)):
            return
        if id(value) in self._seen:
            return
        for page, size in ((value.left, value.right), (value.right, value.left)):
            if not isinstance(page, cst.Name) or not _PAGE_VAR.search(page.value) or not _SIZE.search(_code(self, size)):
                continue
            why = self._one_based(page.value)
            if why is None:
                continue
            self._seen.add(id(value))
            self.report("AL403", value, expression=_code(self, value),
                        problem=f"`{page.value}` counts from 1 ({why}), so the offset skips the whole first page",
                        fix=f"use ({page.value} - 1) * {_code(self, size)}")
            return

    def _one_based(self, name: str) -> str | None:
        frame = self.ctx.function
        scope = frame.node if frame else self.state.module
        code = self.state.module.code_for_node(scope)
        if re.search(rf"\b{re.escape(name)}\s*-\s*1\b|\b{re.escape(name)}\s*-=\s*1\b", code):
            return None  # adjusted somewhere
        if frame is not None:
            for param in list(frame.node.params.params) + list(frame.node.params.kwonly_params):
                if param.name.value == name and param.default is not None:
                    return "its default is 1" if _is_one(param.default) else None
        why = None
        for node in nodes_in(scope.body if isinstance(scope, cst.FunctionDef) else scope, (cst.Assign, cst.For)):
            if isinstance(node, cst.For):
                if isinstance(node.target, cst.Name) and node.target.value == name:
                    first = node.iter.args[0].value if isinstance(node.iter, cst.Call) and len(node.iter.args) >= 2 else None
                    if first is None or not _is_one(first):
                        return None
                    why = "it runs from range(1, ...)"
                continue
            assert isinstance(node, cst.Assign)
            if not any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
                continue
            value = node.value
            default = _get_default(value)
            if default is not None:
                if not _is_one(default):
                    return None
                why = why or "the request's page defaults to 1"
            elif _is_one(value):
                why = why or "it starts at 1"
            elif isinstance(value, cst.Integer):
                return None
        return why


# ---------------------------------------------------------------------- helpers
def _text(check: Check, node: cst.CSTNode) -> str:
    parts = _parts(node)  # type: ignore[arg-type]
    if parts:
        return parts[-1]
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return literal_string(node.slice[0].slice.value) or ""
    return ""


def _code(check: Check, node: cst.CSTNode) -> str:
    return check.state.module.code_for_node(node).strip()


def _floor_division(value: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """``a // b``, ``int(a / b)``, ``math.floor(a / b)`` -> (a, b)."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.FloorDivide):
        return value.left, value.right
    if isinstance(value, cst.Call) and _parts(value.func) in (("int",), ("math", "floor"), ("floor",)):
        if len(value.args) == 1:
            inner = value.args[0].value
            if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Divide) and not inner.lpar:
                return inner.left, inner.right
            if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Divide):
                return inner.left, inner.right
    return None


def _small_integer(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Integer) and int(node.evaluated_value) <= 1


def _is_one(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Integer):
        return node.value == "1"
    if isinstance(node, cst.SimpleString):
        return literal_string(node) == "1"
    if isinstance(node, cst.Call):
        # Query(1, ge=1), Query(default=1), int(request.args.get("page", 1))
        for arg in node.args:
            if (arg.keyword is None or arg.keyword.value == "default") and _is_one(arg.value):
                return True
            if arg.keyword is not None and arg.keyword.value == "ge" and _is_one(arg.value):
                return True
        return False
    return False


def _get_default(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """The default of ``request.args.get("page", 1)`` (also inside ``int(...)``)."""
    for call in nodes_in(value, (cst.Call,)):
        assert isinstance(call, cst.Call)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "get" and len(call.args) >= 2:
            key = literal_string(call.args[0].value)
            if key is not None and "page" in key.lower() and "size" not in key.lower() and "per" not in key.lower():
                return call.args[1].value
    return None


def _passed_as_page(body: cst.BaseSuite, name: str) -> bool:
    for node in nodes_in(body, (cst.Arg, cst.DictElement, cst.FormattedString)):
        if isinstance(node, cst.Arg) and node.keyword is not None and "page" in node.keyword.value.lower():
            if isinstance(node.value, cst.Name) and node.value.value == name:
                return True
        if isinstance(node, cst.DictElement):
            key = literal_string(node.key)
            if key is not None and "page" in key.lower() and isinstance(node.value, cst.Name) and node.value.value == name:
                return True
        if isinstance(node, cst.FormattedString):
            parts = list(node.parts)
            for before, part in zip(parts, parts[1:]):
                if (isinstance(before, cst.FormattedStringText) and before.value.rstrip().endswith(("page=", "/page/"))
                        and isinstance(part, cst.FormattedStringExpression)
                        and isinstance(part.expression, cst.Name) and part.expression.value == name):
                    return True
    return False


def _asks_page_zero(scope: cst.CSTNode) -> bool:
    for node in nodes_in(scope, (cst.Arg, cst.DictElement)):
        if isinstance(node, cst.Arg) and node.keyword is not None and "page" in node.keyword.value.lower():
            if isinstance(node.value, cst.Integer) and node.value.value == "0":
                return True
        if isinstance(node, cst.DictElement):
            key = literal_string(node.key)
            if key is not None and "page" in key.lower() and isinstance(node.value, cst.Integer) and node.value.value == "0":
                return True
    return False


def _math_alias(module: cst.Module) -> str | None:
    """``ceil`` when the module has ``from math import ceil``; ``m.ceil`` for ``import math as m``."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and _parts(small.module) == ("math",) and not isinstance(
                    small.names, cst.ImportStar):
                for alias in small.names:
                    if alias.name.value == "ceil":  # type: ignore[union-attr]
                        return alias.asname.name.value if alias.asname else "ceil"  # type: ignore[union-attr]
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if _parts(alias.name) == ("math",) and alias.asname is not None:
                        return f"{alias.asname.name.value}.ceil"  # type: ignore[union-attr]
    return None
