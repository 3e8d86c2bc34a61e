"""Calls of other project files' functions, as this file spells them.

The module's import bindings (module level only: the ones other files can follow as
re-exports too), objects made from imported project classes (``client = WeatherClient()``
in a function or at module level), and, for a call, the ``Target`` it names: the file of
the module a name was imported from and the attribute path in it. Which function that is
(following re-exports) and what it does is the project's answer (``project/summaries.py``),
read through ``project_function`` once a run has settled the summaries.

Without a project (``--isolated``, a snippet) nothing resolves and every answer is None.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from ..project.summaries import Imported, ProjectContext, Settled, Target, imported_target
from ..resolve import dotted_name
from .base import Fact

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

# A dotted callee longer than this is not looked up (`a.b.c.d.e.f.g()`).
_MAX_PARTS = 8


def _module_text(node: cst.BaseExpression | None) -> str:
    parts = dotted_name(node) if node is not None else None
    return ".".join(parts) if parts else ""


class ProjectCalls(Fact):
    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.project: ProjectContext | None = getattr(state, "project", None)
        self.importer = Path(state.source) if state.source is not None and self.project is not None else None
        self.imports: dict[str, Imported] = {}
        # (function node id, or 0 at module level; name) -> the class the object was made from.
        self._objects: dict[tuple[int, str], Target] = {}
        self._targets: dict[int, Target | None] = {}

    @property
    def active(self) -> bool:
        return self.project is not None and self.importer is not None

    @property
    def settled(self) -> bool:
        """The project's summaries are settled: calls of its functions mean something."""
        return self.active and self.project is not None and self.project.project is not None

    # ------------------------------------------------------------------ bindings
    def visit_Import(self, node: cst.Import) -> None:
        if self.ctx.function is not None or self.ctx.classes:
            return
        for alias in node.names:
            module = _module_text(alias.name)
            if not module:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imports[alias.asname.name.value] = Imported(module)
            else:
                root = module.split(".", 1)[0]
                self.imports[root] = Imported(root)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if self.ctx.function is not None or self.ctx.classes or isinstance(node.names, cst.ImportStar):
            return
        module = _module_text(node.module)
        level = len(node.relative)
        for alias in node.names:
            name = _module_text(alias.name)
            if not name:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.imports[local] = Imported(module, name, level)

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self.active:
            return
        scope = id(self.ctx.function.node) if self.ctx.function is not None else 0
        made = self.target(node.value.func) if isinstance(node.value, cst.Call) else None
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                key = (scope, target.target.value)
                if made is not None:
                    self._objects[key] = made
                else:
                    self._objects.pop(key, None)

    # ------------------------------------------------------------------ lookups
    def call_target(self, node: cst.Call) -> Target | None:
        """The project name a call names, or None (a local name, a library, unknown)."""
        key = id(node)
        if key not in self._targets:
            self._targets[key] = self.target(node.func) if self.active else None
        return self._targets[key]

    def target(self, func: cst.BaseExpression) -> Target | None:
        if not self.active:
            return None
        parts = dotted_name(func)
        if not parts or len(parts) > _MAX_PARTS or self._shadowed(parts[0]):
            return None
        root, rest = parts[0], list(parts[1:])
        made = self._object(root)
        if made is not None:
            return Target(made.path, ".".join([made.name, *rest])) if rest else None
        imported = self.imports.get(root)
        if imported is None or self.resolver.scopes[0].names.get(root, "\0") == "\0":
            return None
        assert self.project is not None and self.importer is not None
        return imported_target(self.project.index, self.importer, imported, rest)

    def _object(self, name: str) -> Target | None:
        if self.ctx.function is not None:
            made = self._objects.get((id(self.ctx.function.node), name))
            if made is not None:
                return made
            if any(name in scope.names for scope in self.resolver.scopes[1:]):
                return None
        return self._objects.get((0, name))

    def _shadowed(self, name: str) -> bool:
        """A parameter or local variable of the same name hides the import."""
        if self.ctx.function is not None and (id(self.ctx.function.node), name) in self._objects:
            return False
        return any(name in scope.names for scope in self.resolver.scopes[1:])

    def project_function(self, node: cst.Call) -> Settled | None:
        """What a call of another project file's function means here, once settled."""
        target = self.call_target(node)
        if target is None or self.project is None or self.project.project is None:
            return None
        return self.project.project.settled(target)
