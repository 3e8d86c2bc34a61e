"""The catalog's sources and validators (``rules/sources.toml``) as lookup tables, built once
per catalog, and the cheap text pre-check that keeps flow analysis off unrelated files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..catalog import Catalog
from ..catalog.sources import FrameworkParameters, Source, Validator, imported, name_matches


_NAME = re.compile(r"\w+")


@dataclass
class SourceTables:
    reads: dict[str, Source] = field(default_factory=dict)
    calls: dict[str, Source] = field(default_factory=dict)
    # `*.attr` entries by attribute name: they count only where their modules are imported.
    glob_reads: dict[str, list[Source]] = field(default_factory=dict)
    glob_calls: dict[str, list[Source]] = field(default_factory=dict)
    network: Source | None = None
    # Qualified names that stand for objects whose attributes the catalog names
    # (`openai.OpenAI`, `fastapi.Request`): a call of one, or a parameter annotated with one.
    instances: set[str] = field(default_factory=set)
    validators: dict[str, list[Validator]] = field(default_factory=dict)  # by name
    glob_validators: dict[str, list[Validator]] = field(default_factory=dict)  # `*.attr`
    class_validators: list[Validator] = field(default_factory=list)
    parameters: list[FrameworkParameters] = field(default_factory=list)
    passthrough: frozenset[str] = frozenset()
    # (module root, word) pairs: a file can hold a source only if it mentions both.
    trigger_pairs: list[tuple[str, str]] = field(default_factory=list)
    trigger_words: frozenset[str] = frozenset()
    # Last name parts of the calls the fact records at the call (conversions, argparse's
    # add_argument, error-handler registrations): other calls are not evaluated there.
    call_words: frozenset[str] = frozenset()
    # Request options a source's origin records (`Origin.request`), from the model replies
    # (rules/models.toml `non-text`): call -> option -> the literal values that pass none.
    request_keywords: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    # The same for options given to an SDK object's constructor (a LangChain chat model),
    # which every request of that object passes: object type -> option -> plain values.
    constructor_keywords: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    # Methods returning the object bound to an option: object type -> method -> option.
    binders: dict[str, dict[str, str]] = field(default_factory=dict)
    # Methods whose result is a new value read from the object (rules/empties.toml [[view]]).
    views: dict[str, list] = field(default_factory=dict)

    def read(self, qualified: str | None, attribute: str, imports: Iterable[str]) -> Source | None:
        if qualified is not None:
            found = self.reads.get(qualified)
            if found is not None:
                return found
        return _first_imported(self.glob_reads.get(attribute, ()), imports)

    def call(self, qualified: str | None, attribute: str | None, imports: Iterable[str]) -> Source | None:
        if qualified is not None:
            found = self.calls.get(qualified)
            if found is not None:
                return found
        if attribute is None:
            return None
        return _first_imported(self.glob_calls.get(attribute, ()), imports)

    def validator(self, qualified: str | None, attribute: str | None, imports: Iterable[str],
                  forms: tuple[str, ...]) -> Validator | None:
        for validator in self.all_validators(qualified, attribute, imports, forms):
            return validator
        return None

    def all_validators(self, qualified: str | None, attribute: str | None, imports: Iterable[str],
                       forms: tuple[str, ...]) -> Iterator[Validator]:
        """Every validator of ``forms`` the call may be, the qualified ones first."""
        for validator in self.validators.get(qualified, ()) if qualified is not None else ():
            if validator.form in forms:
                yield validator
        for validator in self.glob_validators.get(attribute, ()) if attribute is not None else ():
            if validator.form in forms and (not validator.imports or imported(imports, validator.imports)):
                yield validator

    def relevant(self, text: str) -> bool:
        """Whether ``text`` may hold a source: a word scan, it never needs the file to parse."""
        if not self.trigger_words:
            return False
        # The text's names, not a regex of every word: compiling that took longer than a file.
        found = self.trigger_words.intersection(_NAME.findall(text))
        return any(root in found and word in found for root, word in self.trigger_pairs)


def _first_imported(entries: Iterable[Source], imports: Iterable[str]) -> Source | None:
    for entry in entries:
        if imported(imports, entry.imports):
            return entry
    return None


_CACHE: dict[int, tuple[Catalog, SourceTables]] = {}


def tables_for(catalog: Catalog) -> SourceTables:
    cached = _CACHE.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    tables = _build(catalog)
    _CACHE[id(catalog)] = (catalog, tables)
    return tables


def _build(catalog: Catalog) -> SourceTables:
    knowledge = catalog.sources
    tables = SourceTables(parameters=list(knowledge.parameters), passthrough=frozenset(knowledge.passthrough))
    pairs: set[tuple[str, str]] = set()
    for entry in knowledge.sources:
        for names, exact, glob in ((entry.reads, tables.reads, tables.glob_reads),
                                   (entry.calls, tables.calls, tables.glob_calls)):
            for name in names:
                if name.startswith("*."):
                    glob.setdefault(name[2:], []).append(entry)
                    pairs.update((module.split(".")[0], name[2:]) for module in entry.imports)
                    continue
                exact.setdefault(name, entry)
                parts = name.split(".")
                pairs.add((parts[0], parts[-1]) if len(parts) > 1 else (parts[0], parts[0]))
                for end in range(1, len(parts)):
                    tables.instances.add(".".join(parts[:end]))
        if entry.network and tables.network is None:
            tables.network = entry
            for call in catalog.network.calls:
                root = call.split(".")[0]
                pairs.add((root, root))
    for params in knowledge.parameters:
        pairs.update((module.split(".")[0], module.split(".")[0]) for module in params.imports)
        if params.instance:
            tables.instances.add(params.instance)
    for validator in knowledge.validators:
        if validator.form == "class":
            tables.class_validators.append(validator)
            continue
        for name in validator.names:
            if name.startswith("*."):
                tables.glob_validators.setdefault(name[2:], []).append(validator)
            else:
                tables.validators.setdefault(name, []).append(validator)
    tables.instances.update(client.type for client in catalog.clients.values() if client.type != "*")
    _request_options(catalog, tables)
    for view in catalog.empties.views:
        for method in view.methods:
            tables.views.setdefault(method, []).append(view)
    words = {"add_argument"}
    for validator in knowledge.validators:
        if validator.form == "conversion":
            words.update(name.rsplit(".", 1)[-1] for name in validator.names)
    for registration in catalog.network.error_handlers:
        words.update(name.rsplit(".", 1)[-1] for name in registration.calls)
    tables.call_words = frozenset(words)
    tables.trigger_pairs = sorted(pairs)
    tables.trigger_words = frozenset(word for pair in pairs for word in pair)
    return tables


def _request_options(catalog: Catalog, tables: SourceTables) -> None:
    types = {client.type for client in catalog.clients.values()}
    for reply in catalog.models.replies:
        options = {keyword: frozenset(reply.plain_values.get(keyword, ())) for keyword in reply.non_text}
        if not options:
            continue
        for call in reply.calls:
            tables.request_keywords.setdefault(call, {}).update(options)
            owner = call.rpartition(".")[0]
            if owner in types:
                tables.constructor_keywords.setdefault(owner, {}).update(options)
                tables.binders.setdefault(owner, {}).update(reply.binders)


def decorator_matches(params: FrameworkParameters, qualified: str | None, attribute: str | None) -> bool:
    return any(name_matches(pattern, qualified, attribute) for pattern in params.decorators)
