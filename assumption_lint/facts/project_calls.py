"""Calls of other project files' functions, as this file spells them.

The module's import bindings (module level only: the ones other files can follow as
re-exports too), objects of project classes wherever they come from (made here,
``client = WeatherClient()``, in a function or at module level; a parameter annotated with
the class, FastAPI's ``Depends`` included; stored on ``self`` in a method; an object another
module made and this one imported), and, for a call, the ``Target`` it names: the file of
the module a name was imported from and the attribute path in it
(``WeatherClient().current()`` names ``WeatherClient.current`` too). Which function that is
(following re-exports) and what it does is the project's answer (``project/summaries.py``),
read through ``project_function`` once a run has settled the summaries.

Without a project (``--isolated``, a snippet) nothing resolves and every answer is None.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from ..project.summaries import Imported, ProjectContext, Settled, Target, imported_target
from ..resolve import LocalClass, dotted_name
from .base import Fact

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

# A dotted callee longer than this is not looked up (`a.b.c.d.e.f.g()`).
_MAX_PARTS = 8


def _module_text(node: cst.BaseExpression | None) -> str:
    parts = dotted_name(node) if node is not None else None
    return ".".join(parts) if parts else ""


def _is_none(node: cst.BaseExpression) -> bool:
    """``self.client = None``: a placeholder until a method sets it, not an object."""
    return isinstance(node, cst.Name) and node.value == "None"


class ProjectCalls(Fact):
    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.project: ProjectContext | None = getattr(state, "project", None)
        self.importer = Path(state.source) if state.source is not None and self.project is not None else None
        self.imports: dict[str, Imported] = {}
        # (function node id, or 0 at module level; name) -> the class the object was made from.
        self._objects: dict[tuple[int, str], Target] = {}
        # (class qualname, attribute) -> the class of the object a method stored on self.
        self._attributes: dict[tuple[str, str], Target] = {}
        # Module-level objects of this module's own classes (name -> class name), for its summary.
        self.own_objects: dict[str, str] = {}
        self._targets: dict[int, Target | None] = {}
        hook = getattr(state.context.resolver, "project", None) if self.active else None
        if hook is not None:
            hook.objects = self.object_class  # clients stored on a project object (resolver)

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

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Parameters annotated with a project class hold its objects (``svc: Service``,
        ``svc: Service = Depends(get_service)``, ``Optional[Service]``, ``Annotated[Service, ...]``)."""
        frame = self.ctx.function
        if not self.active or frame is None or frame.node is not node:
            return
        params = [*node.params.posonly_params, *node.params.params, *node.params.kwonly_params]
        for param in params:
            made = self._annotated_class(param.annotation.annotation) if param.annotation is not None else None
            if made is not None:
                self._objects[(id(node), param.name.value)] = made

    def _annotated_class(self, annotation: cst.BaseExpression) -> Target | None:
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            left, right = annotation.left, annotation.right
            if isinstance(right, cst.Name) and right.value == "None":
                return self._annotated_class(left)
            if isinstance(left, cst.Name) and left.value == "None":
                return self._annotated_class(right)
            return None
        if isinstance(annotation, cst.Subscript):
            wrapper = dotted_name(annotation.value)
            if wrapper and wrapper[-1] in ("Optional", "Annotated") and annotation.slice:
                first = annotation.slice[0].slice
                return self._annotated_class(first.value) if isinstance(first, cst.Index) else None
            return None
        if isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString)):
            return None
        return self._value_target(annotation)

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self.active:
            return
        scope = id(self.ctx.function.node) if self.ctx.function is not None else 0
        made = self._made(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                key = (scope, target.target.value)
                if made is not None:
                    self._objects[key] = made
                else:
                    self._objects.pop(key, None)
                if scope == 0:
                    self._own_object(target.target.value, node.value)
            elif isinstance(target.target, cst.Attribute) and not _is_none(node.value):
                self._stored_on_self(target.target, made)

    def _made(self, value: cst.BaseExpression) -> Target | None:
        """The project class of the object an assigned value is: a call of the class, or a
        name or attribute already holding one (``self.service = service``)."""
        if isinstance(value, cst.Call):
            return self.target(value.func)
        if isinstance(value, (cst.Name, cst.Attribute)):
            return self.object_class(value)
        return None

    def _own_object(self, name: str, value: cst.BaseExpression) -> None:
        """``service = Service()`` at module level, ``Service`` a class of this module:
        other files importing ``service`` call its methods."""
        self.own_objects.pop(name, None)
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
            if isinstance(self.resolver.lookup(value.func.value), LocalClass):
                self.own_objects[name] = value.func.value

    def _stored_on_self(self, target: cst.Attribute, made: Target | None) -> None:
        owner = self._self_class(target.value)
        if owner is None:
            return
        key = (owner, target.attr.value)
        # Two different objects stored under one name: which is live is unknown.
        if made is None or self._attributes.get(key, made) != made:
            self._attributes[key] = Target("", "")
        else:
            self._attributes[key] = made

    def _self_class(self, node: cst.BaseExpression) -> str | None:
        """The class whose method is being walked when ``node`` is its first parameter."""
        frame = self.ctx.function
        if frame is None or frame.class_name is None or not isinstance(node, cst.Name):
            return None
        if "staticmethod" in frame.decorators or "classmethod" in frame.decorators:
            return None
        params = [*frame.node.params.posonly_params, *frame.node.params.params]
        return frame.class_name if params and params[0].name.value == node.value else None

    # ------------------------------------------------------------------ lookups
    def call_target(self, node: cst.Call) -> Target | None:
        """The project name a call names, or None (a local name, a library, unknown)."""
        key = id(node)
        if key not in self._targets:
            self._targets[key] = self.target(node.func) if self.active else None
        return self._targets[key]

    def target(self, func: cst.BaseExpression) -> Target | None:
        """The project name a callee names: a function, a class, or a method of an object
        of a project class (``client.current``, ``self.client.current``, ``Client().current``)."""
        if not self.active:
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            made = self.target(func.value.func)
            return Target(made.path, f"{made.name}.{func.attr.value}") if made is not None else None
        parts = dotted_name(func)
        if not parts or len(parts) > _MAX_PARTS:
            return None
        if self._object_root(parts) is not None and len(parts) == 1:
            return None  # calling an object is not a method call alint follows
        return self._value_target(func)

    def object_class(self, node: cst.BaseExpression) -> Target | None:
        """What an expression holding an object of a project class names: the class
        (``Target(file, "JiraRepo")``) or, for an imported module-level object, the object
        in its module (``Target(file, "service")``); None when it holds nothing alint knows."""
        if not self.active:
            return None
        parts = dotted_name(node)
        if not parts or len(parts) > _MAX_PARTS:
            return None
        found = self._value_target(node)
        if found is None or not found.name:
            return None
        if self._object_root(parts) is None and len(parts) != 1:
            return None  # a module's attribute (`services.service`) stays a name, not an object
        return found

    def _value_target(self, node: cst.BaseExpression) -> Target | None:
        parts = dotted_name(node)
        if not parts or len(parts) > _MAX_PARTS:
            return None
        rooted = self._object_root(parts)
        if rooted is not None:
            made, used = rooted
            if not made.name:
                return None
            return Target(made.path, ".".join([made.name, *parts[used:]]))
        root, rest = parts[0], list(parts[1:])
        if self._shadowed(root):
            return None
        imported = self.imports.get(root)
        if imported is None or self.resolver.scopes[0].names.get(root, "\0") == "\0":
            return None
        assert self.project is not None and self.importer is not None
        return imported_target(self.project.index, self.importer, imported, rest)

    def _object_root(self, parts: list[str]) -> tuple[Target, int] | None:
        """The object of a project class a dotted name starts with, and how many of its
        parts name that object (``client``: 1, ``self.client``: 2)."""
        if len(parts) >= 2:
            owner = self._self_class(cst.Name(parts[0]))
            if owner is not None and (owner, parts[1]) in self._attributes:
                return self._attributes[(owner, parts[1])], 2
        if self._shadowed(parts[0]):
            return None
        made = self._object(parts[0])
        return (made, 1) if made is not None else None

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

    def module_objects(self, path: str) -> dict[str, Target]:
        """Module-level objects of project classes, for the summary (``path``: this file)."""
        found = {name: made for (scope, name), made in self._objects.items() if scope == 0 and made.name}
        found.update((name, Target(path, cls)) for name, cls in self.own_objects.items())
        return dict(sorted(found.items()))

    def project_function(self, node: cst.Call) -> Settled | None:
        """What a call of another project file's function means here, once settled."""
        target = self.call_target(node)
        if target is None or self.project is None or self.project.project is None:
            return None
        return self.project.project.settled(target)
