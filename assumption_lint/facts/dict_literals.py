"""What ``**options`` passes when ``options`` is a dict literal nobody changes.

Generated code collects request options once (``opts = {"headers": H, "verify": True}``) and
spreads them into every call (``requests.get(url, **opts)``). Without this, a ``**`` argument
hides every keyword and the timeout checks stay quiet. A literal written in place
(``**{"timeout": None}``) says what it passes; a name is read through only when, in
the scope that binds it (the enclosing function, else the module), it is assigned exactly
once, to a dict literal whose keys are all plain strings, and is never changed or handed to
anything that could change it (a subscript assignment, ``update``/``setdefault``/``pop``,
``|=``, ``del``, being passed as a plain argument or stored elsewhere). Anything else stays
hidden, as before.
"""

from __future__ import annotations

import libcst as cst

from .arguments import HIDDEN, Hidden, literal_string
from .base import Fact
from .syntax import visit_tree

# Scopes larger than this many statements are not scanned (the spread stays hidden).
MAX_SCOPE_NODES = 20000
_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"})


class DictLiterals(Fact):
    """Per scope (a function node, or the module), the names bound to unchanged dict literals."""

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self._scopes: dict[int, dict[str, cst.Dict]] = {}

    def keyword(self, call: cst.Call, keywords: tuple[str, ...]) -> cst.BaseExpression | Hidden | None:
        """For a call whose keyword may hide in ``**`` arguments: the value the dict
        literals pass for one of ``keywords``, None when none of them passes it, HIDDEN
        when a ``**`` argument (or a ``*args``) is not an unchanged dict literal."""
        found: cst.BaseExpression | None = None
        for arg in call.args:
            if arg.star == "*":
                return HIDDEN
            if arg.star != "**":
                continue
            literal = self.spread(arg.value)
            if literal is None:
                return HIDDEN
            for element in literal.elements:
                assert isinstance(element, cst.DictElement)
                if literal_string(element.key) in keywords:
                    found = element.value
        return found

    def spread(self, value: cst.BaseExpression) -> cst.Dict | None:
        """The dict literal a ``**`` argument spreads: written in place (``**{"timeout": None}``)
        or a name bound to an unchanged one; None when alint cannot tell what it holds."""
        if isinstance(value, cst.Dict):
            return value if _plain(value) else None
        return self._literal(value.value) if isinstance(value, cst.Name) else None

    def _literal(self, name: str) -> cst.Dict | None:
        frame = self.ctx.function
        if frame is not None:
            local = self._scan(frame.node)
            if name in local:
                return local[name]
            if _binds(frame.node, name):
                return None  # bound there to something else
        return self._scan(self.state.module).get(name)

    def _scan(self, scope: cst.CSTNode) -> dict[str, cst.Dict]:
        key = id(scope)
        if key not in self._scopes:
            finder = _Literals()
            body = scope.body if isinstance(scope, cst.FunctionDef) else scope
            try:
                visit_tree(body, finder)
            except _TooBig:
                finder.found, finder.spoiled = {}, set()
            self._scopes[key] = {name: value for name, value in finder.found.items()
                                 if name not in finder.spoiled and value is not None}
        return self._scopes[key]


def _plain(value: cst.Dict) -> bool:
    """Every key a plain string, no ``**`` inside: the literal says all it passes."""
    return all(isinstance(element, cst.DictElement) and literal_string(element.key) is not None
               for element in value.elements)


class _TooBig(Exception):
    pass


def _binds(function: cst.FunctionDef, name: str) -> bool:
    params = function.params
    every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    every += [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
    return any(param.name.value == name for param in every)


class _Literals(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, cst.Dict | None] = {}
        self.spoiled: set[str] = set()
        self.nodes = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes += 1
        if self.nodes > MAX_SCOPE_NODES:
            raise _TooBig
        return super().on_visit(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Name):
            self.spoiled.add(node.value.value)  # stored under another name, changed through it
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._bound(target.target.value, node.value)
            elif isinstance(target.target, cst.Subscript) and isinstance(target.target.value, cst.Name):
                self.spoiled.add(target.target.value.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._bound(node.target.value, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target.value if isinstance(node.target, cst.Subscript) else node.target
        if isinstance(target, cst.Name):
            self.spoiled.add(target.value)

    def visit_Del(self, node: cst.Del) -> None:
        target = node.target.value if isinstance(node.target, cst.Subscript) else node.target
        if isinstance(target, cst.Name):
            self.spoiled.add(target.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _MUTATORS:
            self.spoiled.add(func.value.value)
        for arg in node.args:
            if arg.star != "**" and isinstance(arg.value, cst.Name):
                self.spoiled.add(arg.value.value)  # handed to a function that may change it

    def visit_Return(self, node: cst.Return) -> None:
        if isinstance(node.value, cst.Name):
            self.spoiled.add(node.value.value)

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.target, cst.Name):
            self.spoiled.add(node.target.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self.spoiled.add(node.asname.name.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.spoiled.update(name.name.value for name in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.spoiled.update(name.name.value for name in node.names)

    def _bound(self, name: str, value: cst.BaseExpression) -> None:
        if name in self.found:
            self.spoiled.add(name)  # assigned twice: alint cannot tell which one is live
            return
        plain = isinstance(value, cst.Dict) and _plain(value)
        self.found[name] = value if plain else None  # type: ignore[assignment]
        if not plain:
            self.spoiled.add(name)
