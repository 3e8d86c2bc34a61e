"""Reachability: which functions of a script module some root of the module reaches.

A finding in a function nothing runs is not worth a warning. Application code (a *script
module*: one with a module-level ``__main__`` block, run as a program)
is read as a whole: its roots are the entry points (``rules/entry_points.toml``), every decorated function (routes, bot
and task handlers register themselves with a decorator), dunder methods, names listed in
``__all__``, and every name module-level code mentions (module-level calls, the ``__main__``
block, callbacks handed to a framework, class bodies). A root reaches every name it
mentions, by a plain name or an attribute (``self.fetch``, ``client.fetch``), so the answer
over-approximates: a function is "unreached" only when no reached code mentions its name.

Other modules keep every finding, since another module may import what this one does not
call (a Flask app's helpers, a library's API): libraries, modules with entry points but no
``__main__`` block, package ``__init__`` modules and test modules. Reachability across
modules (a helper only a dev script imports) waits for project-wide analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import libcst as cst

from .base import Fact
from .context import is_main_guard
from .network_sites import MODULE
from .syntax import literal_value

# Files whose functions are run by a tool that finds them by name.
_RUN_BY_NAME = ("test_", "conftest")


@dataclass
class _Function:
    name: str
    root: bool
    mentions: set[str] = field(default_factory=set)


class Reachability(Fact):
    """Collects, per function, the names it mentions; after the walk, the functions some
    root reaches. ``drops`` is the finding pipeline's question (engine/findings.py). It
    needs no other fact, so the timeout checks keep it when the network flow crashes."""

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self.functions: dict[str, _Function] = {}
        self.module_mentions: set[str] = set()
        self.exported: set[str] = set()
        self._def_names: set[int] = set()
        self._reached: set[str] | None = None
        self.script = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.ctx.function
        if frame is None or frame.node is not node:
            return
        self._def_names.add(id(node.name))
        name = node.name.value
        root = bool(node.decorators) or (name.startswith("__") and name.endswith("__")) or self._entry(node, frame)
        self.functions.setdefault(frame.qualname, _Function(name, root))

    def _entry(self, node: cst.FunctionDef, frame: object) -> bool:
        """A catalogued entry point by name (``main``), first parameter (a Django view's
        ``request``) or method of a framework class (``run`` of a thread, ``get`` of a view)."""
        params = list(node.params.posonly_params) + list(node.params.params)
        first = params[0].name.value if params else None
        in_class = getattr(frame, "class_name", None) is not None
        for entry in self.catalog.network.entry_points:
            if node.name.value in entry.names or (in_class and node.name.value in entry.methods):
                return True
            if entry.first_parameter and first == entry.first_parameter:
                return True
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) in self._def_names:
            return
        frame = self.ctx.function
        if frame is None:
            self.module_mentions.add(node.value)
            return
        info = self.functions.get(frame.qualname)
        if info is not None:
            info.mentions.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        # `__all__ = ["fetch"]`, `getattr(self, "fetch")`, `handlers = {"cmd": "fetch"}`.
        value = literal_value(node)  # None for a literal CPython rejects: not a name
        if isinstance(value, str) and value.isidentifier():
            self.exported.add(value)

    def leave_Module(self, node: cst.Module) -> None:
        path = self.state.path.replace("\\", "/").rsplit("/", 1)[-1]
        library = path == "__init__.py" or path.startswith(_RUN_BY_NAME) or path.endswith("_test.py")
        main_guard = any(isinstance(statement, cst.If) and is_main_guard(statement.test) for statement in node.body)
        self.script = not library and main_guard

    def reached(self) -> set[str]:
        """The qualnames of the functions some root reaches."""
        if self._reached is None:
            names = set(self.module_mentions) | self.exported
            reached: set[str] = set()
            changed = True
            while changed:
                changed = False
                for qualname, info in self.functions.items():
                    if qualname in reached or not (info.root or info.name in names):
                        continue
                    reached.add(qualname)
                    names |= info.mentions
                    changed = True
            self._reached = reached
        return self._reached

    def unreached(self, function: str) -> bool:
        """A function of a script module that no root reaches (module-level code always runs)."""
        if not self.script or function == MODULE or function not in self.functions:
            return False
        return function not in self.reached()

    def drops(self, function: str) -> bool:
        return self.unreached(function)

