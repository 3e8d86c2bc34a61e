"""Sinks (``rules/sinks.toml``): the calls where a value from outside hurts, for the taint
fact (``facts/taint.py``) and the rules built on it (AL101-AL103 today; the code, URL and
redirect kinds are there for the rules that follow).

Each sink kind is read with one assumption of the value-provenance lattice: text pasted
into SQL, a shell command or code assumes ``injection`` (it adds no syntax there), a path,
URL or redirect target assumes ``containment`` (it stays in its folder, on its host). A
``[[sanitizer]]`` ends its kind's assumption: it is registered with the provenance
validators, so the fact applies it wherever the value flows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from .schema import CatalogError, _expect, _parse_version, _str_list
from .sources import Validator

if TYPE_CHECKING:
    from . import Catalog

# Sink kind -> the assumption a value reaching it makes.
SINK_KINDS: Mapping[str, str] = {
    "sql": "injection", "command": "injection", "code": "injection",
    "path": "containment", "url": "containment", "redirect": "containment",
}
# How a command sink reads its value: shell text, an argv list (shell text with shell=True),
# or the program to run.
COMMAND_FORMS = ("shell", "argv", "program")

_SINK_KEYS = ("kind", "names", "imports", "argument", "keyword", "form", "shell-keyword", "label", "shape",
              "safe-keyword", "safe-argument", "safe-values")
# How a code sink reads its value: as code text (eval, exec), as a template's text (Jinja2,
# render_template_string), as a serialized object (pickle, an unsafe YAML loader), or as the
# name of a module to import.
CODE_SHAPES = ("text", "template", "object", "module")
_SANITIZER_KEYS = ("kind", "names", "imports", "argument", "keyword")
_INTERPRETER_KEYS = ("programs", "flags")
_ARCHIVE_KEYS = ("openers", "methods", "keyword", "safe-from", "label", "probes")
_READ_ONLY_KEYS = ("form", "names", "imports", "argument", "keyword", "contains", "requires", "true-keys",
                   "patterns")
# How a [[read-only]] entry makes a connection read-only: opened so (`connect`), a method
# given True (`method`), a statement run on it (`statement`), an attribute set to True
# (`attribute`); `carry`: methods whose result is on the same connection (`cursor()`).
READ_ONLY_FORMS = ("connect", "method", "statement", "attribute", "carry")


@dataclass(frozen=True)
class Sink:
    """A call whose ``argument`` (or ``keyword``) must be safe for ``kind``."""

    kind: str
    names: tuple[str, ...]
    imports: tuple[str, ...]
    # The position of the value (-1: the object the method is called on).
    argument: int
    keyword: str | None
    # Command sinks only: shell, argv or program.
    form: str | None
    # argv sinks: the keyword that makes the value shell text (``shell=True``).
    shell_keyword: str | None
    # How messages name the sink ("sqlite3's execute()"); empty: the call as written.
    label: str
    source: str
    # Code sinks: text, template, object or module (CODE_SHAPES); default text.
    shape: str | None = None
    # The argument that makes the call safe when it names one of ``safe_values`` (a YAML
    # loader: `Loader=yaml.SafeLoader`); missing, or another of the sink's own module, it is a sink.
    safe_keyword: str | None = None
    safe_argument: int | None = None
    safe_values: tuple[str, ...] = ()

    @property
    def assumption(self) -> str:
        return SINK_KINDS[self.kind]


@dataclass(frozen=True)
class Interpreter:
    """Programs that run their argument after one of ``flags`` as code (``sh -c``)."""

    programs: tuple[str, ...]
    flags: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class UnsafeExtract:
    """Archive extraction that trusts member names unless ``keyword`` (a filter) is passed,
    on Python versions before ``safe_from`` (None: on every version)."""

    openers: tuple[str, ...]
    methods: tuple[str, ...]
    keyword: str
    safe_from: tuple[int, int] | None
    label: str
    source: str
    # Attributes whose test (`hasattr(tarfile, "data_filter")`) shows the code passes the
    # filter wherever the running Python has one: the fallback branch is a choice, not a slip.
    probes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadOnly:
    """A database connection that cannot write, for SQL a model wrote (AL503): how it is
    opened, set or derived (``READ_ONLY_FORMS``)."""

    form: str
    names: tuple[str, ...]  # connect: qualified calls; method, statement, carry: methods; attribute: attributes
    imports: tuple[str, ...]
    # connect: the text that must hold each of ``contains``; method: the value that must be True.
    argument: int | None
    keyword: str | None
    contains: tuple[str, ...]
    requires: tuple[str, ...]  # connect: keywords that must be passed True (`uri=True`)
    true_keys: tuple[str, ...]  # connect: keys of a dict literal passed as ``keyword`` that must be True
    patterns: tuple["re.Pattern[str]", ...]  # statement: the SQL text run (case-insensitive)
    source: str


@dataclass
class SinkKnowledge:
    sinks: list[Sink] = field(default_factory=list)
    interpreters: list[Interpreter] = field(default_factory=list)
    archives: list[UnsafeExtract] = field(default_factory=list)
    read_only: list[ReadOnly] = field(default_factory=list)

    def copy(self) -> "SinkKnowledge":
        return SinkKnowledge(list(self.sinks), list(self.interpreters), list(self.archives), list(self.read_only))

    def interpreter_flags(self, program: str) -> tuple[str, ...]:
        """The flags after which ``program`` (a bare name or a path) runs its argument as code."""
        name = program.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
        if name.endswith(".exe"):
            name = name[:-4]
        for entry in self.interpreters:
            for known in entry.programs:
                if name == known or name.startswith(known) and name[len(known):].replace(".", "").isdigit():
                    return entry.flags  # python3, python3.12, bash5
        return ()


def _kind(table: Mapping[str, Any], where: str) -> str:
    return _expect(table, "kind", str, where, choices=tuple(SINK_KINDS))


def _needs_imports(names: tuple[str, ...], imports: tuple[str, ...], where: str) -> None:
    if any(name.startswith("*.") for name in names) and not imports:
        raise CatalogError(f"{where}: key 'imports': a `*.name` entry needs the modules it belongs to")


def parse_sink(where: str, table: Mapping[str, Any], source: str, catalog: "Catalog") -> None:
    kind = _kind(table, where)
    names = _str_list(table, "names", where)
    imports = _str_list(table, "imports", where, default=[])
    _needs_imports(names, imports, where)
    form = _expect(table, "form", str, where, default=None, choices=COMMAND_FORMS)
    if kind == "command" and form is None:
        raise CatalogError(f"{where}: missing key 'form' (a command sink is shell, argv or program)")
    if kind != "command" and form is not None:
        raise CatalogError(f"{where}: key 'form' is for command sinks only")
    shell_keyword = _expect(table, "shell-keyword", str, where, default=None)
    if shell_keyword is not None and form != "argv":
        raise CatalogError(f"{where}: key 'shell-keyword' is for argv command sinks only")
    argument = _expect(table, "argument", int, where, default=0)
    if argument < -1:
        raise CatalogError(f"{where}: key 'argument' must be a position (0, 1, ...) or -1 for the object")
    shape = _expect(table, "shape", str, where, default=None, choices=CODE_SHAPES)
    if shape is not None and kind != "code":
        raise CatalogError(f"{where}: key 'shape' is for code sinks only")
    safe_keyword = _expect(table, "safe-keyword", str, where, default=None)
    safe_argument = _expect(table, "safe-argument", int, where, default=None)
    safe_values = _str_list(table, "safe-values", where, default=[])
    if (safe_keyword is not None or safe_argument is not None) != bool(safe_values):
        raise CatalogError(f"{where}: keys 'safe-keyword'/'safe-argument' and 'safe-values' go together")
    catalog.sinks.sinks.append(Sink(kind, names, imports, argument, _expect(table, "keyword", str, where, default=None),
                                    form, shell_keyword, _expect(table, "label", str, where, default=""), source,
                                    shape, safe_keyword, safe_argument, safe_values))


def parse_sanitizer(where: str, table: Mapping[str, Any], source: str, catalog: "Catalog") -> None:
    """A call whose result is safe for one sink kind: a provenance sanitizer ending that
    kind's assumption."""
    kind = _kind(table, where)
    names = _str_list(table, "names", where)
    imports = _str_list(table, "imports", where, default=[])
    _needs_imports(names, imports, where)
    catalog.sources.validators.append(Validator(
        form="sanitizer", names=names, bases=(), decorators=(), ends=frozenset({SINK_KINDS[kind]}), deep=False,
        argument=_expect(table, "argument", int, where, default=0), keyword=_expect(table, "keyword", str, where,
                                                                                      default=None),
        raises=(), imports=imports, source=source))


def parse_interpreter(where: str, table: Mapping[str, Any], source: str, catalog: "Catalog") -> None:
    catalog.sinks.interpreters.append(Interpreter(_str_list(table, "programs", where),
                                                  _str_list(table, "flags", where), source))


def parse_archive(where: str, table: Mapping[str, Any], source: str, catalog: "Catalog") -> None:
    safe_from = _expect(table, "safe-from", str, where, default=None)
    catalog.sinks.archives.append(UnsafeExtract(
        _str_list(table, "openers", where), _str_list(table, "methods", where), _expect(table, "keyword", str, where),
        _parse_version(safe_from, f"{where}: key 'safe-from'") if safe_from is not None else None,
        _expect(table, "label", str, where), source, _str_list(table, "probes", where, default=[])))


def parse_read_only(where: str, table: Mapping[str, Any], source: str, catalog: "Catalog") -> None:
    form = _expect(table, "form", str, where, choices=READ_ONLY_FORMS)
    names = _str_list(table, "names", where)
    imports = _str_list(table, "imports", where, default=[])
    if form != "connect" and not imports:
        raise CatalogError(f"{where}: key 'imports': a {form} entry names methods or attributes, and needs the "
                           "modules they belong to")
    patterns = []
    for text in _str_list(table, "patterns", where, default=[]):
        try:
            patterns.append(re.compile(text, re.IGNORECASE))
        except re.error as exc:
            raise CatalogError(f"{where}: key 'patterns': {text!r} is not a regular expression: {exc}") from None
    if form == "statement" and not patterns:
        raise CatalogError(f"{where}: missing key 'patterns' (the statements that make the connection read-only)")
    argument = _expect(table, "argument", int, where, default=None)
    keyword = _expect(table, "keyword", str, where, default=None)
    if form == "method" and argument is None and keyword is None:
        raise CatalogError(f"{where}: a method entry needs 'argument' or 'keyword' (the value passed as True)")
    catalog.sinks.read_only.append(ReadOnly(
        form, names, imports, argument, keyword, _str_list(table, "contains", where, default=[]),
        _str_list(table, "requires", where, default=[]), _str_list(table, "true-keys", where, default=[]),
        tuple(patterns), source))
