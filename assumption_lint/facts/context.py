"""The context every fact and check reads: where the one traversal is now.

No check re-implements "am I inside a try that catches ConnectionError?" or "which
function am I in?": the engine's context keeper (engine/context.py) pushes and pops these
frames, analyses only read them. They live here, below the facts, because facts and checks
read them at run time while the engine sits above the checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Union

import libcst as cst

from ..catalog.sources import ImportedModules, imported
from ..resolve import Resolver, dotted_name
from .syntax import literal_value

Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]


@dataclass(frozen=True)
class Unresolved:
    """An exception class in an except clause that alint cannot resolve to a qualified name.

    ``spelled`` is its source text (``<expression>`` for anything but a dotted name).
    ``local_class`` is true for a class defined in this module: it cannot be a base of a
    library's error, so it is known *not* to catch one. Any other unresolved class may be
    a tuple of the right classes, so the network analysis assumes it catches everything
    (unresolved means silent)."""

    spelled: str
    local_class: bool = False


CaughtClass = Union[str, Unresolved]


@dataclass(frozen=True)
class Handler:
    """One except clause: the exception classes it catches, as qualified names.

    ``catches`` is None for a bare ``except:``; a class alint cannot resolve is an
    ``Unresolved``.
    """

    node: cst.ExceptHandler
    catches: tuple[CaughtClass, ...] | None


@dataclass
class TryFrame:
    node: Union[cst.Try, cst.TryStar]
    handlers: tuple[Handler, ...]
    # True while walking the protected body; False in handlers, else and finally.
    in_body: bool = True


@dataclass
class FunctionFrame:
    node: cst.FunctionDef
    qualname: str
    class_name: str | None
    decorators: tuple[str, ...]
    is_async: bool
    # What each `return` hands back, resolved while the function's scope was open.
    return_bindings: list[object] = field(default_factory=list)


@dataclass
class Context:
    """Where the traversal is now. Read-only for checks."""

    resolver: Resolver
    functions: list[FunctionFrame] = field(default_factory=list)
    classes: list[cst.ClassDef] = field(default_factory=list)
    tries: list[TryFrame] = field(default_factory=list)
    loops: list[Union[cst.For, cst.While]] = field(default_factory=list)
    withs: list[cst.With] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    # How many ``await`` expressions enclose the current node.
    awaits: int = 0
    # The module-level ``if __name__ == "__main__":`` blocks around the current node.
    main_guards: list[cst.If] = field(default_factory=list)
    # Every module this file imports, and every ``module.name`` it imports from one, so far.
    imports: set[str] = field(default_factory=ImportedModules)
    # Frames of the innermost function only: a try outside a nested def does not protect it.
    _try_floor: list[int] = field(default_factory=list)
    _loop_floor: list[int] = field(default_factory=list)

    @property
    def function(self) -> FunctionFrame | None:
        return self.functions[-1] if self.functions else None

    @property
    def statement(self) -> Statement | None:
        return self.statements[-1] if self.statements else None

    def active_handlers(self) -> Iterator[Handler]:
        """Except clauses that would catch an error raised here, innermost first."""
        floor = self._try_floor[-1] if self._try_floor else 0
        for frame in reversed(self.tries[floor:]):
            if frame.in_body:
                yield from frame.handlers

    def imports_any(self, modules: Iterable[str]) -> bool:
        """The file imports one of ``modules`` (or something inside one); true for none."""
        modules = tuple(modules)
        if not modules:
            return True
        return imported(self.imports, modules)

    def loops_in_function(self) -> list[Union[cst.For, cst.While]]:
        floor = self._loop_floor[-1] if self._loop_floor else 0
        return self.loops[floor:]

    def enter_function(self, frame: FunctionFrame) -> None:
        self.functions.append(frame)
        self._try_floor.append(len(self.tries))
        self._loop_floor.append(len(self.loops))

    def leave_function(self) -> FunctionFrame:
        self._try_floor.pop()
        self._loop_floor.pop()
        return self.functions.pop()


def imported_names(node: Union[cst.Import, cst.ImportFrom]) -> Iterator[str]:
    """The modules an import statement names, and ``module.name`` for each name it takes
    from one; relative imports name this project's own modules and are left out."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            parts = dotted_name(alias.name)
            if parts:
                yield ".".join(parts)
        return
    if node.relative or node.module is None:
        return
    parts = dotted_name(node.module)
    if not parts:
        return
    module = ".".join(parts)
    yield module
    if not isinstance(node.names, cst.ImportStar):
        for alias in node.names:
            name = dotted_name(alias.name)
            if name:
                yield f"{module}.{'.'.join(name)}"


def is_main_guard(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = [test.left, target.comparator]
    names = [side.value for side in sides if isinstance(side, cst.Name)]
    strings = [literal_value(side) for side in sides if isinstance(side, cst.SimpleString)]
    return names == ["__name__"] and strings == ["__main__"]
