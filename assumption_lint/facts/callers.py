"""Same-module callers: every use of a function's name in the module, with the except
clauses around it.

A finding inside a function (a parse that may raise, a first row that may be missing) does
not escape when every caller in the module catches what it raises: a retry loop around
``call_llm()``, ``fut.result()`` in a try. Checks and facts ask ``all_catch`` after the walk,
with their own test of what an except clause catches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import libcst as cst

from .base import Fact
from .context import Handler
from .syntax import callee_name

MODULE = "<module>"


@dataclass(frozen=True)
class Reference:
    """One use of a function's name: a call, or the function handed on as a callable
    (``executor.submit(f)``), with the calling function and the except clauses around it."""

    function: str
    handlers: tuple[Handler, ...]
    called: bool


class SameModuleCallers(Fact):
    def __init__(self, state: object) -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self.references: dict[str, list[Reference]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        handlers = tuple(self.ctx.active_handlers())
        caller = self.ctx.function.qualname if self.ctx.function else MODULE
        name = callee_name(node.func)
        if name is not None:
            self.references.setdefault(name, []).append(Reference(caller, handlers, True))
        for arg in node.args:  # a function handed on: whoever calls it is out of sight
            passed = callee_name(arg.value)
            if passed is not None:
                self.references.setdefault(passed, []).append(Reference(caller, handlers, False))

    def all_catch(self, function: str, catches: Callable[[tuple[Handler, ...]], bool], *,
                  handed_on: bool) -> bool:
        """Every same-module use of ``function`` (a qualname) is inside except clauses that
        ``catches`` accepts, directly or further up its callers; ``handed_on`` is what a use
        as a callable counts as. False for module-level code and for a function nothing in
        the module uses (complete once the walk has left the module)."""
        return self._all_catch(function, catches, handed_on, set())

    def _all_catch(self, function: str, catches: Callable[[tuple[Handler, ...]], bool], handed_on: bool,
                   seen: set[str]) -> bool:
        if function == MODULE or function in seen:
            return False
        seen.add(function)
        references = self.references.get(function.rsplit(".", 1)[-1], [])
        if not references:
            return False
        return all(handed_on if not reference.called
                   else catches(reference.handlers) or self._all_catch(reference.function, catches, handed_on, seen)
                   for reference in references)
