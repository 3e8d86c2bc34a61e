"""Module-level objects a same-module factory makes from this module's classes.

``storage: Storage = _build_default_storage()``, where the factory returns ``S3Storage()``
or ``LocalStorage()`` by configuration: a file importing ``storage`` calls a method of one
of those classes, and which one is decided at run time. The module summary then names
``storage.save_stream`` as a function that calls each class's ``save_stream``, so what
escapes the S3 one escapes the object (facts/summaries.py). An annotated assignment of a
class's object (``storage: Storage = S3Storage()``) is the one-class case; a plain
``service = Service()`` is already an object of the summary (``ProjectCalls``).
"""

from __future__ import annotations

import libcst as cst

from ..resolve import LocalClass, LocalFunction
from .base import Fact


class FactoryObjects(Fact):
    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        # Module-level function name -> the classes of this module its returns make.
        self._returns: dict[str, set[str]] = {}
        # Module-level name -> the classes its object may be of, sorted.
        self.alternatives: dict[str, tuple[str, ...]] = {}

    def visit_Return(self, node: cst.Return) -> None:
        frame = self.ctx.function
        if frame is None or frame.class_name is not None or len(self.ctx.functions) != 1:
            return
        made = self._local_class(node.value)
        if made is not None:
            self._returns.setdefault(frame.node.name.value, set()).add(made)

    def leave_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._bind(node.targets[0].target, node.value, annotated=False)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value, annotated=True)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, annotated: bool) -> None:
        if self.ctx.function is not None or self.ctx.classes or not isinstance(target, cst.Name):
            return
        self.alternatives.pop(target.value, None)
        if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name):
            return
        binding = self.resolver.lookup(value.func.value)
        if isinstance(binding, LocalFunction) and self._returns.get(value.func.value):
            self.alternatives[target.value] = tuple(sorted(self._returns[value.func.value]))
        elif annotated and isinstance(binding, LocalClass):
            self.alternatives[target.value] = (value.func.value,)

    def _local_class(self, value: cst.BaseExpression | None) -> str | None:
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
            if isinstance(self.resolver.lookup(value.func.value), LocalClass):
                return value.func.value
        return None
