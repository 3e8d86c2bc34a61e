"""What an except clause catches: the one matcher every analysis asks.

The engine records each clause's classes as qualified names, or as an ``Unresolved`` when
it cannot name them (``context.py``). Here a clause is matched against a raised class from
the catalog's exception hierarchy (``rules/exceptions.toml``). The policy for unresolved
classes lives in one place, ``may_catch``: a class defined in this module cannot catch a
library's error; any other unresolved class is assumed to catch it (it may be a tuple of
the right classes), so the rules built on it stay quiet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import libcst as cst

from ..catalog import NetworkFamily, NetworkKnowledge
from .context import CaughtClass, Handler, Unresolved
from .syntax import short

__all__ = ["CaughtClass", "Clause", "Unresolved", "first_catching", "may_catch", "reraises", "spelled"]


def may_catch(knowledge: NetworkKnowledge, caught: CaughtClass, raised: str) -> bool:
    """``except <caught>`` catches ``raised``, or alint cannot rule it out."""
    if isinstance(caught, Unresolved):
        return not caught.local_class
    return knowledge.catches(caught, raised)


def spelled(caught: CaughtClass) -> str:
    """The class as a qualified name, or as written when alint cannot resolve it (a builtin
    the resolver does not know may still be a class the catalog knows)."""
    return caught.spelled if isinstance(caught, Unresolved) else caught


def reraises(handler: cst.ExceptHandler) -> bool:
    """The clause re-raises what it caught at its top level (``raise`` / ``raise exc``)."""
    bound = handler.name.name.value if handler.name is not None and isinstance(handler.name.name, cst.Name) else None
    for statement in handler.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Raise):
                    exc = small.exc
                    if exc is None or (bound is not None and isinstance(exc, cst.Name) and exc.value == bound):
                        return True
    return False


@dataclass(frozen=True)
class Clause:
    """Something that catches around a call: an except clause, or a ``with
    contextlib.suppress(...)`` block (``node`` is then the ``with``)."""

    node: cst.CSTNode
    catches: tuple[CaughtClass, ...] | None  # None: bare except
    transparent: bool  # re-raises what it caught

    @classmethod
    def of(cls, handler: Handler) -> "Clause":
        return cls(handler.node, handler.catches, reraises(handler.node))

    def catches_class(self, knowledge: NetworkKnowledge, raised: str) -> bool:
        if self.catches is None:
            return True
        return any(may_catch(knowledge, name, raised) for name in self.catches)

    def is_broad(self, knowledge: NetworkKnowledge, family: NetworkFamily) -> bool:
        """Bare, ``Exception``/``BaseException``, or the library's root error (or a base of it).
        A class alint cannot resolve (``except KeyboardInterrupt``, a local alias) is assumed
        to catch the error (so AL201 stays quiet) but is not known to be broad (so AL204
        stays quiet too: unresolved means silent)."""
        return self.is_broad_over(knowledge, family.errors, family.root)

    def is_broad_over(self, knowledge: NetworkKnowledge, errors: Sequence[str], roots: Sequence[str] = ()) -> bool:
        """``is_broad`` for a family known by its error classes (and roots, when known):
        the errors of another project file's calls arrive as classes only."""
        if self.catches is None:
            return True
        named = tuple(name for name in self.catches if isinstance(name, str))
        if named and all(any(knowledge.catches(name, error) for name in named) for error in errors):
            return True
        for name in named:
            canonical = knowledge.canonical(name)
            if canonical in ("Exception", "BaseException"):
                return True
            if any(canonical in knowledge.ancestors(root) for root in roots):
                return True
        return False

    def spelled(self, module: cst.Module) -> str:
        handler_type = getattr(self.node, "type", None)
        if handler_type is None:
            return "except:"
        return f"except {short(module.code_for_node(handler_type), 50)}"


def first_catching(clauses: Sequence[Clause], knowledge: NetworkKnowledge, raised: str) -> Clause | None:
    """The innermost clause that catches ``raised`` (transparent clauses pass it on)."""
    for clause in clauses:
        if clause.catches_class(knowledge, raised):
            if clause.transparent:
                continue
            return clause
    return None
