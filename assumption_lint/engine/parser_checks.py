"""Which of libcst's node checks a parse may skip.

libcst checks every node it builds (``CSTNode.__post_init__`` calls ``_validate``), and its
parser builds the nodes through the same constructors as any other caller: for a parsed
file that was about a fifth of the parse, most of it re-checking what the parser already
guarantees. While alint parses (``skipped_checks``), ``__post_init__`` does nothing on the
node classes whose check the parser's own output always passes:

- classes that keep ``CSTNode``'s ``_validate``, which does nothing;
- classes whose only check is that their parentheses pair up (``_BaseParenthesizedNode``):
  the grammar makes them in pairs;
- ``SimpleWhitespace``, ``Comment`` and ``Newline``, which check their text against the
  regular expressions that libcst's native whitespace parser uses to cut that text
  (``native/libcst/src/tokenizer/whitespace_parser.rs``: ``SIMPLE_WHITESPACE_RE``,
  ``COMMENT_RE``, ``NEWLINE_RE``), so the check cannot fail on it.

``Name`` keeps a check that its value is an identifier (its own check, without the
parentheses'), since the tokenizer's idea of an identifier is not Python's by construction.
Every other class keeps its check: those are the ones that reject code the grammar accepts
(``b"a" "b"``). Outside ``skipped_checks`` (fixes, tests) every node is checked as before.
``tests/engine/test_parser_checks.py`` parses real code both ways and compares the trees,
so a libcst release that changes any of this fails there.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

# Every node class with the __post_init__ it is given on the first parse: one that skips
# the check while parsing, one that keeps only the identifier check then, or (for a class
# that keeps its check) CSTNode's own, set on the class itself so that it does not inherit
# a base class's skipping one.
_SKIPPED: list[tuple[type, Any]] | None = None


# How many parses are under way in this thread of control (the checks are skipped while > 0).
# The classes get their __post_init__ once, on the first parse, and it reads this: setting
# and deleting ~400 class attributes around every parse invalidates the interpreter's type
# caches each time, which cost 1% of a LARGE run.
_parsing = 0


def _no_check(self: Any) -> None:
    if not _parsing:
        self._validate()


def _identifier_check(self: Any) -> None:
    if not _parsing:
        self._validate()
    elif not self.value.isidentifier():
        from libcst import CSTValidationError

        raise CSTValidationError(f"Name {self.value!r} is not a valid identifier.")


def _skipped() -> list[tuple[type, Any]]:
    global _SKIPPED
    if _SKIPPED is None:
        try:
            from libcst._nodes.base import CSTNode
            from libcst._nodes.expression import Name, _BaseParenthesizedNode
            from libcst._nodes.whitespace import Comment, Newline, SimpleWhitespace
        except ImportError:  # another libcst layout: check everything
            _SKIPPED = []
            return _SKIPPED
        trusted = (CSTNode, _BaseParenthesizedNode, SimpleWhitespace, Comment, Newline)
        skipped: list[tuple[type, Any]] = []
        pending = list(CSTNode.__subclasses__())
        seen: set[type] = set()
        while pending:
            node_class = pending.pop()
            if node_class in seen:
                continue
            seen.add(node_class)
            pending.extend(node_class.__subclasses__())
            if "__post_init__" in vars(node_class):  # a class of its own making: leave it
                continue
            owner = next(klass for klass in node_class.__mro__ if "_validate" in vars(klass))
            if issubclass(node_class, Name) and owner is Name:
                skipped.append((node_class, _identifier_check))
            elif owner in trusted:
                skipped.append((node_class, _no_check))
            else:  # its check stays, also when a base class of it skips its own
                skipped.append((node_class, CSTNode.__post_init__))
        for node_class, replacement in skipped:  # outside a parse, each checks as before
            node_class.__post_init__ = replacement  # type: ignore[attr-defined]
        _SKIPPED = skipped
    return _SKIPPED


@contextmanager
def skipped_checks() -> Iterator[None]:
    """Within: the node classes above skip the checks the parser's output always passes.
    Outside, every node is checked as libcst checks it."""
    global _parsing
    _skipped()
    _parsing += 1
    try:
        yield
    finally:
        _parsing -= 1
