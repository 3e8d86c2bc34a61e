"""The text pre-check: could any enabled check find something in this file?

It runs before the parse, on every file, so it is a few regular-expression passes over the
text. It looks only at the file's code: comments and string literals are blanked first, so
a library's name in a docstring or a comment does not send a file to libcst. Each check
says which names make a file relevant to it (``Check.relevant_words``); the pre-check asks
only the enabled ones. f-strings are kept whole: their replacement fields are code.

It never decides from a parse (DESIGN.md: the running Python's parser may reject newer
syntax that libcst accepts), and any text, however broken, gets an answer: an unclosed
string blanks to the end of its line (or of the file, for a triple-quoted one), which is
what the tokenizer would make of it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from ..catalog import Catalog
    from ..checks.base import Check

# A comment, or a string literal with its prefix. Alternatives are tried left to right at
# each position, so a `#` inside a string is part of the string and a quote inside a
# comment part of the comment. Triple quotes come before single ones. The lookahead lets
# the engine pass over most characters at once, and the bodies are unrolled loops (a run
# of plain characters, then an escape or a lone quote): about half the cost of the plain form.
_LITERAL = re.compile(r"""(?=[#'"rRbBuUfF])(?:
    \#[^\r\n]*
  | (?P<prefix>(?<![\w.])[rRbBuUfF]{1,2})?
    (?: '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)
      | \"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:\"\"\"|\Z)
      | '[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*(?:'|(?=[\r\n])|\Z)
      | "[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*(?:"|(?=[\r\n])|\Z)
    ))""", re.VERBOSE | re.DOTALL)
_NAME = re.compile(r"\w+")


def _blank(match: re.Match[str]) -> str:
    prefix = match.group("prefix")
    if prefix is not None and "f" in prefix.lower():
        return match.group()  # an f-string's fields are code: keep it all
    text = match.group()
    # Keep the line breaks, so that what follows stays on its own line.
    return " " + "\n" * text.count("\n")


def code_only(text: str) -> str:
    """``text`` with comments and (non-f) string literals blanked out. Never raises: on any
    failure the text comes back whole, which can only make the pre-check let more through."""
    try:
        return _LITERAL.sub(_blank, text)
    except Exception:  # pragma: no cover - a regex over a str has no known failure
        return text


@dataclass(frozen=True)
class Relevance:
    """What makes a file relevant to a set of checks. The words checks declare are:

    - a name (``flask``, ``environ``): it occurs in the code;
    - a dotted name (``os.environ``): each of its parts occurs in the code (``import os`` and
      ``environ``, in any order: the resolver sees ``os.environ`` only then);
    - a name followed by ``()`` (``input()``): it is called, or assigned to another name
      (``ask = input``), where a plain occurrence (a parameter called ``input``) is not enough;
    - names of ``Check.relevant_text``: they occur anywhere in the text, strings included.
    """

    code: frozenset[str]
    together: tuple[frozenset[str], ...] = ()
    called: frozenset[str] = frozenset()
    text: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.code or self.together or self.called or self.text)

    @cached_property
    def _calls(self) -> re.Pattern[str] | None:
        if not self.called:
            return None
        alternatives = "|".join(sorted(map(re.escape, self.called)))
        return re.compile(rf"(?<![\w.])(?:{alternatives})\s*\(|=[ \t]*(?:{alternatives})[ \t]*$", re.MULTILINE)

    def matches(self, text: str) -> bool:
        code = code_only(text)
        names = frozenset(_NAME.findall(code))
        if not self.code.isdisjoint(names) or any(parts <= names for parts in self.together):
            return True
        if self._calls is not None and self._calls.search(code) is not None:
            return True
        return bool(self.text) and not self.text.isdisjoint(_NAME.findall(text))


def _compile(words: Iterable[str]) -> Relevance:
    code: set[str] = set()
    together: set[frozenset[str]] = set()
    called: set[str] = set()
    for word in words:
        if word.endswith("()") and _NAME.fullmatch(word[:-2]):
            called.add(word[:-2])
        elif _NAME.fullmatch(word):
            code.add(word)
        elif all(_NAME.fullmatch(part) for part in word.split(".")):
            together.add(frozenset(word.split(".")))
        else:
            raise ValueError(f"not a pre-check word: {word!r}")
    # A conjunction that contains a plain word is implied by it.
    kept = tuple(sorted((parts for parts in together if parts.isdisjoint(code)), key=sorted))
    return Relevance(frozenset(code), kept, frozenset(called))


_KNOWN: dict[tuple[int, tuple[type, ...], bool, bool], tuple["Catalog", Relevance]] = {}


def relevance(catalog: "Catalog", checks: Iterable[type["Check"]], deep: bool = False,
              summary: bool = False) -> Relevance:
    """What makes a file worth parsing for any of ``checks`` (once per catalog and set of
    checks). ``deep``: a --deep run also parses files that use a catalogued member (``.get(``)
    without naming a library (resolve.deep_triggers). ``summary``: the file is read for its
    module summary, which may tell a caller about any catalogued module's object and any
    source of outside values it returns."""
    kinds = tuple(checks)
    key = (id(catalog), kinds, deep, summary)
    known = _KNOWN.get(key)
    if known is None or known[0] is not catalog:  # the id of a catalog since freed
        known = _KNOWN[key] = (catalog, _relevance(catalog, kinds, deep, summary))
    return known[1]


def _relevance(catalog: "Catalog", checks: tuple[type["Check"], ...], deep: bool, summary: bool) -> Relevance:
    words: set[str] = set()
    text: set[str] = set()
    for check in checks:
        words.update(check.relevant_words(catalog))
        text.update(check.relevant_text(catalog))
    if summary:
        from ..checks.base import source_words

        words.update(catalog.module_roots())
        origins = {entry.origin for entry in (*catalog.sources.sources, *catalog.sources.parameters)}
        words.update(source_words(catalog, origins))
    if deep:
        from ..resolve import deep_triggers

        words.update(deep_triggers(catalog))
    compiled = _compile(words)
    return Relevance(compiled.code, compiled.together, compiled.called,
                     frozenset(word for word in text if _NAME.fullmatch(word)))
