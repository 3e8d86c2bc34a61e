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
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

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
# Words, one per line: a name called (``input()``), or names joined by dots, each part one
# name or alternatives (``boto3|botocore.scan``).
_WORDS = re.compile(r"(?:(?:\w+\(\)|\w+(?:\|\w+)*(?:\.\w+(?:\|\w+)*)*)(?:\n|\Z))*")


@lru_cache(maxsize=None)
def _blanker(string: str) -> Any:
    """What replaces a comment (a space) and a string literal (``string``)."""

    def blank(match: re.Match[str]) -> str:
        prefix = match.group("prefix")
        if prefix is not None and "f" in prefix.lower():
            return match.group()  # an f-string's fields are code: keep it all
        text = match.group()
        # Keep the line breaks, so that what follows stays on its own line.
        return (" " if text.startswith("#") else string) + "\n" * text.count("\n")

    return blank


def code_only(text: str, string: str = " ") -> str:
    """``text`` with comments blanked out and each (non-f) string literal replaced by
    ``string``. Never raises: on any failure the text comes back whole, which can only make
    the pre-check let more through."""
    try:
        return _LITERAL.sub(_blanker(string), text)
    except Exception:  # pragma: no cover - a regex over a str has no known failure
        return text


class Scan:
    """One file's text as the pre-check reads it: blanked once, then asked for each check."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.code = code_only(text)
        self.names = frozenset(_NAME.findall(self.code))
        self._called: dict[str, bool] = {}
        self._everywhere: frozenset[str] | None = None

    def calls_any(self, words: frozenset[str]) -> bool:
        """Does the code call (or assign to another name) one of ``words``?"""
        return any(self._calls(word) for word in sorted(words & self.names))

    def _calls(self, word: str) -> bool:
        found = self._called.get(word)
        if found is None:  # the first use decides: a search, not a scan of the whole text
            found = self._called[word] = _call_pattern(word).search(self.code) is not None
        return found

    def everywhere(self) -> frozenset[str]:
        """The names of the whole text, strings and comments included."""
        if self._everywhere is None:
            self._everywhere = frozenset(_NAME.findall(self.text))
        return self._everywhere


@lru_cache(maxsize=1024)
def _call_pattern(word: str) -> re.Pattern[str]:
    name = re.escape(word)
    return re.compile(rf"(?<![\w.]){name}\s*\(|=[ \t]*{name}[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Relevance:
    """What makes a file relevant to a set of checks. The words checks declare are:

    - a name (``flask``, ``environ``): it occurs in the code;
    - a dotted name (``os.environ``): each of its parts occurs in the code (``import os`` and
      ``environ``, in any order: the resolver sees ``os.environ`` only then);
    - a dotted name whose parts list alternatives (``boto3|botocore.list_objects|scan``): one
      of each part's alternatives occurs in the code (thousands of pairs in one word);
    - a name followed by ``()`` (``input()``): it is called, or assigned to another name
      (``ask = input``), where a plain occurrence (a parameter called ``input``) is not enough;
    - names of ``Check.relevant_text``: they occur anywhere in the text, strings included.

    ``required`` (``Check.required_words``): one of these too, where the check reports only
    at such a call (a taint check at its sinks); ``admits`` asks for both.
    """

    code: frozenset[str]
    together: tuple[frozenset[str], ...] = ()
    called: frozenset[str] = frozenset()
    text: frozenset[str] = frozenset()
    required: "Relevance | None" = None
    alternatives: tuple[tuple[frozenset[str], ...], ...] = ()

    def __post_init__(self) -> None:
        # Each conjunction under its longest part (the rarest, as a rule): a file is tested
        # only against the conjunctions one of whose parts it names.
        keyed: dict[str, list[frozenset[str]]] = {}
        for parts in self.together:
            key = _KEYS.get(parts)
            if key is None:
                key = _KEYS[parts] = max(parts, key=len)  # any part would do: all must be named
            keyed.setdefault(key, []).append(parts)
        object.__setattr__(self, "_keyed", keyed)
        object.__setattr__(self, "_keys", frozenset(keyed))

    def __bool__(self) -> bool:
        return bool(self.code or self.together or self.called or self.text or self.alternatives)

    def matches(self, text: str) -> bool:
        return self.matched_by(Scan(text))

    def matched_by(self, scan: Scan) -> bool:
        names = scan.names
        if not self.code.isdisjoint(names):
            return True
        keyed: dict[str, list[frozenset[str]]] = self._keyed  # type: ignore[attr-defined]
        if any(parts <= names for key in self._keys & names for parts in keyed[key]):  # type: ignore[attr-defined]
            return True
        if any(all(not names.isdisjoint(part) for part in parts) for parts in self.alternatives):
            return True
        if self.called and scan.calls_any(self.called):
            return True
        return bool(self.text) and not self.text.isdisjoint(scan.everywhere())

    def admits(self, scan: Scan) -> bool:
        """Could the check find something here: its words, and one of its required words?"""
        return self.matched_by(scan) and (self.required is None or self.required.matched_by(scan))


# What each word was read as, once per process: checks share most of their words.
_READ: dict[str, tuple[str, Any]] = {}
_KEYS: dict[frozenset[str], str] = {}


def _read_words(words: list[str]) -> None:
    if not _WORDS.fullmatch("\n".join(words)):  # one match for thousands of words
        bad = next(word for word in words if not _WORDS.fullmatch(word))
        raise ValueError(f"not a pre-check word: {bad!r}")
    for word in words:
        if word.endswith("()"):
            _READ[word] = ("called", word[:-2])
        elif "|" in word:
            _READ[word] = ("alternatives", tuple(frozenset(part.split("|")) for part in word.split(".")))
        elif "." in word:
            _READ[word] = ("together", frozenset(word.split(".")))
        else:
            _READ[word] = ("code", word)


def _compile(words: Iterable[str], text: Iterable[str] = (), required: "Relevance | None" = None) -> Relevance:
    code: set[str] = set()
    together: dict[frozenset[str], None] = {}  # in the words' order: the same tuple every time
    called: set[str] = set()
    alternatives: list[tuple[frozenset[str], ...]] = []
    ordered = sorted(words)
    new = [word for word in ordered if word not in _READ]
    if new:
        _read_words(new)
    for word in ordered:
        kind, value = _READ[word]
        if kind == "together":
            together[value] = None
        elif kind == "code":
            code.add(value)
        elif kind == "called":
            called.add(value)
        else:
            alternatives.append(value)
    # A conjunction that contains a plain word is implied by it.
    kept = tuple(parts for parts in together if parts.isdisjoint(code))
    return Relevance(frozenset(code), kept, frozenset(called),
                     frozenset(word for word in text if _NAME.fullmatch(word)), required, tuple(alternatives))


_KNOWN: dict[tuple[int, tuple[type, ...], bool, bool], tuple["Catalog", Relevance]] = {}


def relevance(catalog: "Catalog", checks: Iterable[type["Check"]], deep: bool = False,
              summary: bool = False) -> Relevance:
    """What makes a file worth parsing for any of ``checks`` (once per catalog and set of
    checks). ``deep``: a --deep run also parses files that use a catalogued member (``.get(``)
    without naming a library (resolve.deep_triggers). ``summary``: the file is read for its
    module summary, which may tell a caller about any catalogued module's object and any
    source of outside values it returns. (A union: a check's ``required_words`` are left out,
    so it may say yes where ``pick`` picks no check.)"""
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
        for model_words in check.threat_model_words(catalog).values():  # a union: under any threat model
            words.update(model_words)
        text.update(check.relevant_text(catalog))
    if summary:
        from ..checks.base import source_words

        words.update(catalog.module_roots())
        origins = {entry.origin for entry in (*catalog.sources.sources, *catalog.sources.parameters)}
        words.update(source_words(catalog, origins))
    if deep:
        from ..resolve import deep_triggers

        words.update(deep_triggers(catalog))
    return _compile(words, text)


# --------------------------------------------------------------------------- check by check
# A check is named by its registry entry (module, class: checks.REGISTRY) or, in tests that
# run checks of their own, by its class. A file is analysed only by the checks whose words
# its code names: by the contract of ``Check.relevant_words`` the others could find nothing
# in it, so they are neither imported nor run.
Entry = Any


def pick(text: str, catalog: "Catalog", entries: Iterable[Entry], deep: bool = False,
         threat_models: frozenset[str] | None = None) -> list[Entry]:
    """The checks (of ``entries``) whose words the file's code names; with ``deep``, every
    one when the code names a member a --deep run asks astroid about. ``threat_models``:
    the run's (``Check.threat_model_words``); None asks the words of every model."""
    entries = list(entries)
    if not entries:
        return []
    scan = Scan(text)
    if deep and relevance(catalog, (), deep=True).matched_by(scan):
        return entries
    return [entry for entry in entries if _entry_relevance(catalog, entry, threat_models).admits(scan)]


def prepare(catalog: "Catalog", entries: Iterable[Entry], threat_models: frozenset[str] | None = None) -> None:
    """Compile the words of these checks now (before the runner forks its workers): with
    the run's threat models for ``pick``, and with every model's for ``summary_matches``."""
    for entry in entries:
        _entry_relevance(catalog, entry, threat_models)
        _entry_relevance(catalog, entry)
    _summary_relevance(catalog)


def summary_matches(text: str, catalog: "Catalog", entries: Iterable[Entry], deep: bool = False) -> bool:
    """Could the module summary of this file tell a caller anything (``relevance`` with
    ``summary``), decided from the checks' entries without importing them when the words
    are stored."""
    scan = Scan(text)
    if _summary_relevance(catalog).matched_by(scan) or (deep and relevance(catalog, (), deep=True).matched_by(scan)):
        return True
    # A check's required words are not asked: what a summary tells callers (the values its
    # functions return) is not at the calls a check reports on. Nor are the threat models:
    # a caller's check may count what this file's functions return under any of them.
    return any(_entry_relevance(catalog, entry).matched_by(scan) for entry in entries)


_ENTRIES: dict[tuple[int, Entry, frozenset[str] | None], tuple["Catalog", Relevance]] = {}


def _entry_relevance(catalog: "Catalog", entry: Entry, threat_models: frozenset[str] | None = None) -> Relevance:
    """The check's words, with those of the threat models named (of every one for None)."""
    key = (id(catalog), entry, threat_models)
    known = _ENTRIES.get(key)
    if known is None or known[0] is not catalog:
        words, text, required, by_model = _words_of(catalog, entry)
        chosen = words.union(*(found for model, found in by_model.items()
                               if threat_models is None or model in threat_models))
        known = _ENTRIES[key] = (catalog, _compiled(chosen, text, required))
    return known[1]


_COMPILED: dict[tuple[frozenset[str], frozenset[str], frozenset[str]], Relevance] = {}


def _compiled(words: frozenset[str], text: frozenset[str], required: frozenset[str]) -> Relevance:
    """``_compile``, once per set of words: most checks share theirs."""
    key = (words, text, required)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _compile(words, text, _compile(required) if required else None)
    return found


_SUMMARY: dict[int, tuple["Catalog", Relevance]] = {}


def _summary_relevance(catalog: "Catalog") -> Relevance:
    known = _SUMMARY.get(id(catalog))
    if known is None or known[0] is not catalog:
        stored = _stored(catalog)
        known = _SUMMARY[id(catalog)] = (catalog, _compile(stored["summary"] if stored is not None
                                                           else _summary_words(catalog)))
    return known[1]


def _summary_words(catalog: "Catalog") -> frozenset[str]:
    """What a module summary may tell about besides the checks' words: every catalogued
    module and every source of outside values."""
    from ..checks.base import source_words

    origins = {entry.origin for entry in (*catalog.sources.sources, *catalog.sources.parameters)}
    return frozenset(catalog.module_roots()) | source_words(catalog, origins)


Words = tuple[frozenset[str], frozenset[str], frozenset[str], dict[str, frozenset[str]]]


def _words_of(catalog: "Catalog", entry: Entry) -> Words:
    """A check's relevant words, relevant text, required words and words by threat model."""
    if not isinstance(entry, tuple):  # a check class
        return _asked(entry, catalog)
    stored = _stored(catalog)
    found = stored["checks"].get(".".join(entry)) if stored is not None else None
    if found is None:
        from ..checks import load

        return _asked(load(*entry), catalog)
    return (frozenset(found[0]), frozenset(found[1]), frozenset(found[2]),
            {model: frozenset(words) for model, words in found[3].items()})


def _asked(check: type["Check"], catalog: "Catalog") -> Words:
    return (frozenset(check.relevant_words(catalog)), frozenset(check.relevant_text(catalog)),
            frozenset(check.required_words(catalog)),
            {model: frozenset(words) for model, words in check.threat_model_words(catalog).items()})


# --------------------------------------------------------------------------- stored words
# Asking the checks for their words means importing them, and libcst with them. So the
# words of every registered check for the shipped catalog are kept (plain data) beside the
# compiled catalog (catalog/__init__.py), under a key made of that catalog's key and a stamp
# of alint's code (each module's size and mtime: a check's words are code too). They hold for
# the shipped catalog and for what a project's declared versions make of it (``specialise``
# changes only the defaults of calls); a catalog extended with a project's own files asks the
# checks. None of it is used when the compiled catalog is off (ALINT_NO_CACHE=1).
_STORED: dict[str, Any] = {}
WORDS_SCHEMA = 3


def _stored(catalog: "Catalog") -> dict[str, Any] | None:
    if not _from_shipped(catalog):
        return None
    from .. import catalog as catalogs

    path = catalogs.compiled_companion_path("precheck")
    if path is None:
        return None
    found = _STORED.get(str(path))
    if found is None:
        found = catalogs.read_companion(path)
        if not isinstance(found, dict) or found.get("schema") != WORDS_SCHEMA:
            found = _all_words(catalogs.shipped_catalog())
            catalogs.write_companion(path, found)
        _STORED[str(path)] = found
    return found


def _all_words(catalog: "Catalog") -> dict[str, Any]:
    from ..checks import REGISTRY, load

    checks, reads = {}, {}
    for module, name, _ in REGISTRY:
        check = load(module, name)
        words, text, required, by_model = _asked(check, catalog)
        checks[f"{module}.{name}"] = [sorted(words), sorted(text), sorted(required),
                                      {model: sorted(found) for model, found in sorted(by_model.items())}]
        reads[f"{module}.{name}"] = sorted(check.project_reads)
    return {"schema": WORDS_SCHEMA, "checks": checks, "reads": reads, "summary": sorted(_summary_words(catalog))}


def project_reads(catalog: "Catalog", entries: Iterable[Entry]) -> frozenset[str]:
    """What these checks read from other project files' summaries (``Check.project_reads``),
    from the stored words when they hold, else from the checks (imported now)."""
    stored = _stored(catalog)
    found: set[str] = set()
    for entry in entries:
        kept = stored["reads"].get(".".join(entry)) if stored is not None and isinstance(entry, tuple) else None
        if kept is None:
            from ..checks import loaded

            kept = (entry if isinstance(entry, type) else loaded([entry])[0]).project_reads
        found.update(kept)
    return frozenset(found)


_SHIPPED_LIKE: dict[int, tuple["Catalog", bool]] = {}


def _from_shipped(catalog: "Catalog") -> bool:
    """Is ``catalog`` the shipped one, or made from it by ``specialise`` (the same objects
    in every field but ``apis``, which holds the same names)?"""
    from .. import catalog as catalogs

    shipped = catalogs._SHIPPED
    if shipped is None:
        return False
    if catalog is shipped:
        return True
    known = _SHIPPED_LIKE.get(id(catalog))
    if known is None or known[0] is not catalog:
        same = all(getattr(catalog, name) is getattr(shipped, name)
                   for name in type(catalog).__dataclass_fields__ if name != "apis") \
            and catalog.apis.keys() == shipped.apis.keys()
        known = _SHIPPED_LIKE[id(catalog)] = (catalog, same)
    return known[1]
