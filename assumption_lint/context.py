"""Context stacks the engine maintains during its one traversal, for every check to read.

No check re-implements "am I inside a try that catches ConnectionError?" or "which
function am I in?": the engine pushes and pops these frames, checks only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union

import libcst as cst

from .resolve import Resolver

Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]


@dataclass(frozen=True)
class Handler:
    """One except clause: the exception classes it catches, as qualified names.

    ``catches`` is None for a bare ``except:``; an unresolvable class (a local exception
    or an expression) is kept as its source spelling prefixed with ``?``.
    """

    node: cst.ExceptHandler
    catches: tuple[str, ...] | None


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
