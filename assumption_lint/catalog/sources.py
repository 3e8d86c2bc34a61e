"""Where values come from and what validates them (``rules/sources.toml``), for the value
provenance fact (``facts/provenance.py``)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .schema import CatalogError, _expect, _str_list

# The lattice's kinds, in the order origins are listed; "local" is what the code built.
ORIGINS = ("request", "local-input", "response", "model-output", "db-row", "local")
# The ``threat-models`` setting's values, each with the origin it makes hostile at the
# injection rules' sinks (facts/taint.py hostile_kinds).
MODEL_ORIGINS = {"remote": "request", "local": "local-input", "responses": "response"}
# "injection": text pasted into SQL, a shell command or code adds no syntax there (a number, a
# value from a fixed list, a quoted shell word).
# "emptiness": a collection holds at least one item (`if rows:`, `len(rows) > 0`); "length":
# the code compared its length (`len(parts) == 2`), which `if parts:` does not settle.
# "read-only": SQL text only reads (a check that its first keyword is SELECT), for SQL a
# model wrote whole (AL503).
ASSUMPTIONS = ("shape", "format", "none-or-empty", "containment", "injection", "emptiness", "length", "read-only")
VALIDATOR_FORMS = ("conversion", "sanitizer", "guard", "assertion", "class", "annotation", "syntax")
PARAMETER_BINDS = ("all", "route", "after-first", "annotated", "click")
# Python constructs the fact recognises itself; the catalog says what each ends.
SYNTAX_VALIDATORS = ("get-with-default", "key-membership", "allowlist", "none-check", "or-default",
                     "handled-conversion", "argparse-type", "click-type", "path-part", "truth-test",
                     "length-check")

_SOURCE_KEYS = {"origin", "label", "reads", "calls", "network", "imports", "validates"}
_PARAMETER_KEYS = {"framework", "imports", "decorators", "first-parameter", "instance", "binds", "origin",
                   "label", "assumed", "converters"}
_VALIDATOR_KEYS = {"form", "names", "bases", "decorators", "ends", "deep", "argument", "keyword", "raises",
                   "imports", "literals", "through", "parts"}
_PASSTHROUGH_KEYS = {"names"}


@dataclass(frozen=True)
class Source:
    """Reads and calls whose value has ``origin``."""

    origin: str
    label: str
    reads: tuple[str, ...]
    calls: tuple[str, ...]
    # Every catalogued network call returning a [[response]] kind is this origin.
    network: bool
    imports: tuple[str, ...]
    # Assumptions the source itself ends (werkzeug's MultiDict answers a missing key with 400).
    validates: frozenset[str]
    source: str


@dataclass(frozen=True)
class FrameworkParameters:
    """Functions whose parameters come from outside: a web route, a CLI command."""

    framework: str
    imports: tuple[str, ...]
    decorators: tuple[str, ...]
    first_parameter: str | None
    instance: str | None
    binds: str
    origin: str
    label: str
    assumed: frozenset[str]
    # binds = "route": what each route converter (`<int:id>`) ends.
    converters: Mapping[str, frozenset[str]]
    source: str


@dataclass(frozen=True)
class Validator:
    """Something that ends assumptions about a value (see ``rules/sources.toml``)."""

    form: str
    names: tuple[str, ...]
    bases: tuple[str, ...]
    decorators: tuple[str, ...]
    ends: frozenset[str]
    deep: bool
    argument: int | None
    keyword: str | None
    raises: tuple[str, ...]
    imports: tuple[str, ...]
    source: str
    # Guards: the call counts only when what it compares with is one of these literals
    # (case-insensitive; a tuple of them: each item), `sql.startswith("SELECT")`.
    literals: tuple[str, ...] = ()
    # Method guards: methods of no argument that keep what is checked (`.strip().upper()`).
    through: tuple[str, ...] = ()
    # Guards that parse their argument (`urlparse(url)`): a check of one of these parts of the
    # result (`.hostname in ALLOWED`, `.netloc == request.host`, an empty `.netloc`) checks it.
    parts: tuple[str, ...] = ()


@dataclass
class SourceKnowledge:
    sources: list[Source] = field(default_factory=list)
    parameters: list[FrameworkParameters] = field(default_factory=list)
    validators: list[Validator] = field(default_factory=list)
    passthrough: set[str] = field(default_factory=set)

    def copy(self) -> "SourceKnowledge":
        return SourceKnowledge(list(self.sources), list(self.parameters), list(self.validators),
                               set(self.passthrough))

    def syntax(self, name: str) -> frozenset[str]:
        """What the Python construct ``name`` (one of SYNTAX_VALIDATORS) ends."""
        for validator in self.validators:
            if validator.form == "syntax" and name in validator.names:
                return validator.ends
        return frozenset()

    def module_roots(self) -> set[str]:
        """Modules a file must mention for any source to be there (the cheap pre-check)."""
        roots: set[str] = set()
        for entry in self.sources:
            for name in entry.reads + entry.calls:
                root = name.split(".", 1)[0]
                if root != "*":
                    roots.add(root)
            roots.update(module.split(".", 1)[0] for module in entry.imports)
        for params in self.parameters:
            roots.update(module.split(".", 1)[0] for module in params.imports)
        return roots


class ImportedModules(set):  # type: ignore[type-arg]
    """What a file imports (``a.b.c``), with every prefix of it (``a``, ``a.b``, ``a.b.c``)
    kept beside: "imports ``want`` or something inside it" is then one set lookup, which
    analyses ask for on every call."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        super().__init__()
        self.prefixes: set[str] = set()
        self.update(names)

    def add(self, name: str) -> None:
        super().add(name)
        parts = name.split(".")
        self.prefixes.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))

    def update(self, *groups: Iterable[str]) -> None:  # type: ignore[override]
        for group in groups:
            for name in group:
                self.add(name)


def imported(modules: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether one of ``modules`` (what a file imports) is one of ``wanted`` or inside one."""
    prefixes = getattr(modules, "prefixes", None)
    if prefixes is not None:
        return any(want in prefixes for want in wanted)
    wanted = tuple(wanted)
    if not wanted:
        return False
    if any(want in modules for want in wanted):  # the common case, without a scan
        return True
    return any(module.startswith(want + ".") for module in modules for want in wanted)


def name_matches(pattern: str, qualified: str | None, attribute: str | None) -> bool:
    """``*.attr`` matches any object's ``attr``; other patterns match qualified names."""
    if pattern.startswith("*.") and "*" not in pattern[2:]:
        return attribute is not None and pattern[2:] == attribute
    if qualified is None:
        return False
    return qualified == pattern or ("*" in pattern and fnmatch.fnmatchcase(qualified, pattern))


def _ends(table: Mapping[str, Any], key: str, where: str, default: Any = ...) -> frozenset[str]:
    values = _str_list(table, key, where, default=default)
    for value in values:
        if value not in ASSUMPTIONS:
            raise CatalogError(f"{where}: key '{key}': {value!r} is not one of {', '.join(ASSUMPTIONS)}")
    return frozenset(values)


def _converters(table: Mapping[str, Any], where: str) -> dict[str, frozenset[str]]:
    converters = _expect(table, "converters", dict, where, default={})
    return {name: _ends(converters, name, f"{where}: converters") for name in converters}


def parse_source(where: str, table: Mapping[str, Any], source: str, knowledge: SourceKnowledge) -> None:
    """One ``[[source]]`` table (its keys already checked)."""
    entry = Source(
        origin=_expect(table, "origin", str, where, choices=ORIGINS[:-1]),
        label=_expect(table, "label", str, where),
        reads=_str_list(table, "reads", where, default=[]),
        calls=_str_list(table, "calls", where, default=[]),
        network=_expect(table, "network", bool, where, default=False),
        imports=_str_list(table, "imports", where, default=[]),
        validates=_ends(table, "validates", where, default=[]),
        source=source,
    )
    if not (entry.reads or entry.calls or entry.network):
        raise CatalogError(f"{where}: key 'reads': a source needs reads, calls or network = true")
    if any(name.startswith("*.") for name in entry.reads + entry.calls) and not entry.imports:
        raise CatalogError(f"{where}: key 'imports': a `*.name` source needs the modules it belongs to")
    knowledge.sources.append(entry)


def parse_parameters(where: str, table: Mapping[str, Any], source: str, knowledge: SourceKnowledge) -> None:
    """One ``[[parameters]]`` table."""
    params = FrameworkParameters(
        framework=_expect(table, "framework", str, where),
        imports=_str_list(table, "imports", where),
        decorators=_str_list(table, "decorators", where, default=[]),
        first_parameter=_expect(table, "first-parameter", str, where, default=None),
        instance=_expect(table, "instance", str, where, default=None),
        binds=_expect(table, "binds", str, where, choices=PARAMETER_BINDS),
        origin=_expect(table, "origin", str, where, choices=ORIGINS[:-1]),
        label=_expect(table, "label", str, where),
        assumed=_ends(table, "assumed", where, default=[]),
        converters=_converters(table, where),
        source=source,
    )
    if not params.decorators and params.first_parameter is None:
        raise CatalogError(f"{where}: key 'decorators': needs decorators or a first-parameter")
    knowledge.parameters.append(params)


def parse_validator(where: str, table: Mapping[str, Any], source: str, knowledge: SourceKnowledge) -> None:
    """One ``[[validator]]`` table."""
    validator = Validator(
        form=_expect(table, "form", str, where, choices=VALIDATOR_FORMS),
        names=_str_list(table, "names", where, default=[]),
        bases=_str_list(table, "bases", where, default=[]),
        decorators=_str_list(table, "decorators", where, default=[]),
        ends=_ends(table, "ends", where),
        deep=_expect(table, "deep", bool, where, default=False),
        argument=_expect(table, "argument", int, where, default=None),
        keyword=_expect(table, "keyword", str, where, default=None),
        raises=_str_list(table, "raises", where, default=[]),
        imports=_str_list(table, "imports", where, default=[]),
        source=source,
        literals=_str_list(table, "literals", where, default=[]),
        through=_str_list(table, "through", where, default=[]),
        parts=_str_list(table, "parts", where, default=[]),
    )
    _check_validator(validator, where)
    knowledge.validators.append(validator)


def parse_passthrough(where: str, table: Mapping[str, Any], source: str, knowledge: SourceKnowledge) -> None:
    """One ``[[passthrough]]`` table."""
    knowledge.passthrough.update(_str_list(table, "names", where))


def _check_validator(validator: Validator, where: str) -> None:
    if validator.form == "class":
        if not (validator.bases or validator.decorators):
            raise CatalogError(f"{where}: key 'bases': a class validator needs bases or decorators")
        return
    if not validator.names:
        raise CatalogError(f"{where}: missing key 'names'")
    if validator.form == "syntax":
        unknown = [name for name in validator.names if name not in SYNTAX_VALIDATORS]
        if unknown:
            raise CatalogError(f"{where}: key 'names': {unknown[0]!r} is not one of {', '.join(SYNTAX_VALIDATORS)}")
    if validator.form in ("guard", "assertion") and validator.argument is None:
        raise CatalogError(f"{where}: missing key 'argument'")
    if validator.form == "conversion" and not validator.raises:
        raise CatalogError(f"{where}: missing key 'raises'")
    if any(name.startswith("*.") for name in validator.names) and not validator.imports and validator.argument != -1:
        raise CatalogError(f"{where}: key 'imports': a `*.name` validator needs the modules it belongs to")
