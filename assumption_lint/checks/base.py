"""The base every check builds on: rule ids, options and ``report``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Sequence

import libcst as cst

from ..catalog.sources import MODEL_ORIGINS
from ..facts.base import Analysis
from ..fixes import Fix

if TYPE_CHECKING:  # pragma: no cover
    from ..catalog import Catalog


@dataclass(frozen=True)
class RawFinding:
    """A finding before positions are known: positions are computed only for files with findings."""

    rule: str
    node: cst.CSTNode
    fields: dict[str, Any]
    check: str
    statement: cst.CSTNode | None
    function: str
    related: tuple[tuple[cst.CSTNode, str], ...] = ()
    # Other nodes this finding speaks for (AL205's retrying except clauses): a rule that
    # yields to this one stays quiet on them too.
    covers: tuple[cst.CSTNode, ...] = ()
    # This finding's severity when it differs from the rule's default (AL303: a local
    # command is a note); a severity set in the user's configuration still wins.
    severity: str | None = None
    # The rewrite the check offers (fixes.py): applied by --fix, shown by the reporters.
    fix: Fix | None = None


class Check(Analysis):
    """One check: visit_*/leave_* methods over libcst nodes, reporting catalogued rules.

    Rule metadata (message, severity, help) lives in ``rules/rules.toml``; a check only
    decides where a rule applies and fills the message's placeholders. Shared analyses it
    reads are declared in ``needs`` and read with ``self.fact(Kind)`` (see ``facts/base.py``).
    """

    rules: ClassVar[tuple[str, ...]] = ()
    # Names whose presence in a file's code makes it worth parsing for this check, beyond
    # the catalogued modules it reads (see ``relevant_words``).
    triggers: ClassVar[tuple[str, ...]] = ()
    # What it reads from other project files' module summaries: "escapes" (the network
    # errors that escape a called project function) and the origin kinds of the values
    # they return ("request", "model-output"...). The run analyses a file again with its
    # project only when a check enabled for it reads something the project has to tell.
    project_reads: ClassVar[frozenset[str]] = frozenset()
    # The sink kinds of rules/sinks.toml it reports at, and only there (a taint rule): a file
    # that calls none of them is not parsed for it (``required_words``).
    sink_kinds: ClassVar[tuple[str, ...]] = ()
    # For a check that counts each origin only under its threat model (facts/taint.py
    # ``hostile_kinds``: a path from the command line is hostile only with "local"): each
    # model's triggers, which come with its origin (``catalog.sources.MODEL_ORIGINS``). Their words,
    # and those of the origins' sources, then make a file relevant only when the run's
    # ``threat-models`` name the model (``threat_model_words``).
    model_triggers: ClassVar[dict[str, tuple[str, ...]]] = {}

    @classmethod
    def relevant_words(cls, catalog: "Catalog") -> frozenset[str]:
        """The names (modules, attributes, builtins) of which a file's code must name one for
        this check to find anything in it: the text pre-check (engine/precheck.py, which also
        says what ``os.environ`` and ``input()`` mean as words) parses a file only when an
        enabled check's word is in its code, comments and strings aside.
        Every word must be necessary, not merely likely: a file without any of them is never
        parsed for this check. By default: the words of the catalogued calls that can reach
        the network (network_words), the check's ``triggers``, and the sources of the origins it
        reads (``project_reads``: a value "from the command line" needs ``argv``...).
        Checks of another domain (waits, clocks) narrow it. A check with ``model_triggers``
        has only its ``triggers`` and the sources of origins no threat model decides here:
        the rest are ``threat_model_words``."""
        if cls.model_triggers:
            return frozenset(cls.triggers) | source_words(catalog, cls.project_reads - set(MODEL_ORIGINS.values()))
        return network_words(catalog) | frozenset(cls.triggers) | source_words(catalog, cls.project_reads)

    @classmethod
    def threat_model_words(cls, catalog: "Catalog") -> dict[str, frozenset[str]]:
        """Words (``relevant_words``' forms) that make a file relevant for this check only when
        the run's threat models name the key: the sources of that model's origin, if the
        check reads it, and its ``model_triggers``. None for a check that counts every origin
        whatever the threat models."""
        if not cls.model_triggers:
            return {}
        return {model: source_words(catalog, {origin}) | frozenset(cls.model_triggers.get(model, ()))
                for model, origin in MODEL_ORIGINS.items() if origin in cls.project_reads}

    @classmethod
    def required_words(cls, catalog: "Catalog") -> frozenset[str]:
        """Names of which the code must name one as well as one of ``relevant_words`` (the
        same word forms), for a check that reports only at such a call. By default the
        sinks of its ``sink_kinds`` (``sink_words``); none: nothing more is required."""
        return sink_words(catalog, cls.sink_kinds) if cls.sink_kinds else frozenset()

    @classmethod
    def relevant_text(cls, catalog: "Catalog") -> frozenset[str]:
        """Names that make a file relevant even inside a string literal (a query parameter
        written as ``"per_page"``): empty unless a check reads string keys."""
        return frozenset()

    def enabled(self, rule: str) -> bool:
        return rule in self.state.settings.enabled

    def option(self, rule: str, key: str, default: Any = None) -> Any:
        """The project's value of a rule option, else the default rules.toml declares for it
        (``default`` is a compatibility parameter, used only for an undeclared option)."""
        options = self.state.settings.rule_options.get(rule, {})
        if key in options:
            return options[key]
        meta = self.state.settings.catalog.rules.get(rule)
        declared = meta.options.get(key) if meta is not None else None
        return declared.default if declared is not None else default

    def report(self, rule: str, node: cst.CSTNode,
               related: Sequence[tuple[cst.CSTNode, str]] = (), *,
               statement: cst.CSTNode | None = None, function: str | None = None,
               covers: Sequence[cst.CSTNode] = (), severity: str | None = None, **fields: Any) -> None:
        """Record a finding at ``node``. A check that reports after the traversal has moved
        on (e.g. from ``leave_Module``) passes the ``statement`` that holds the node (for
        suppression comments) and the ``function`` qualname (for fingerprints).

        Findings of rules that are not enabled are recorded too when an enabled rule yields
        to them; the engine's finding pipeline de-duplicates first and drops disabled rules after.

        ``fix`` fills the message's ``{fix}`` placeholder; given as a ``Fix`` (fixes.py) it
        is also the rewrite ``--fix`` applies, and its ``advice`` is the message's text."""
        if not self.state.records(rule):  # the finding pipeline's gate (engine/findings.py)
            return
        offered = fields.get("fix")
        if isinstance(offered, Fix):
            fields["fix"] = offered.advice
        else:
            offered = None
        if function is None:
            function = self.ctx.function.qualname if self.ctx.function else "<module>"
        if statement is None:
            statement = self.ctx.statement
        self.state.raw.append(RawFinding(rule, node, fields, type(self).__name__,
                                         statement, function, tuple(related), tuple(covers),
                                         severity=_checked_severity(severity), fix=offered))


# --------------------------------------------------------------------------- relevance
# The frameworks whose request data the injection rules read, and the command-line parsers
# whose values are local input (``model_triggers``).
REQUEST_FRAMEWORKS = ("flask", "django", "fastapi", "starlette", "quart", "rest_framework", "aiohttp")
COMMAND_LINE_PARSERS = ("argparse", "click", "typer")
# Helpers for ``relevant_words``: each derives the names from the catalog, so a new entry
# needs no new word. A name's module (its first part) must be imported for the resolver to
# resolve it, so its root is a necessary word; `*_pb2_grpc`-style roots name no module.
_WORDS: dict[tuple[str, int], tuple[Any, frozenset[str]]] = {}


def _cached(kind: str, catalog: "Catalog", compute: Any) -> frozenset[str]:
    known = _WORDS.get((kind, id(catalog)))
    if known is None or known[0] is not catalog:
        known = _WORDS[(kind, id(catalog))] = (catalog, frozenset(compute()))
    return known[1]


def roots(names: Iterable[str]) -> set[str]:
    """The top-level modules of dotted names (patterns' roots left out)."""
    found = {name.split(".", 1)[0] for name in names}
    return {root for root in found if root and "*" not in root}


def _kinds_by_type(catalog: "Catalog") -> dict[str, set[str]]:
    """For each class that catalogued APIs are methods of, the kinds of those APIs."""
    kinds: dict[str, set[str]] = {}
    for name, api in catalog.apis.items():
        kinds.setdefault(name.rpartition(".")[0], set()).add(api.kind)
    return kinds


def _client_types(client: Any) -> tuple[str, ...]:
    return (client.type, *client.unpacks)


def kind_words(catalog: "Catalog", kinds: Iterable[str]) -> frozenset[str]:
    """The words (``name_words``) of the APIs of these kinds (``[api]`` ``kind``), and, for a
    method of an object that a constructor of another module makes, that constructor's words
    and the method's name (``concurrent.submit.result`` for a future that
    ``concurrent.futures.Executor.submit`` makes)."""
    wanted = frozenset(kinds)

    def compute() -> set[str]:
        found = name_words(name for name, api in catalog.apis.items() if api.kind in wanted)
        methods: dict[str, set[str]] = {}
        for name, api in catalog.apis.items():
            if api.kind in wanted:
                owner, _, method = name.rpartition(".")
                methods.setdefault(owner, set()).add(method)
        for name, client in catalog.clients.items():
            for kind in _client_types(client):
                found |= name_words(f"{name}.{method}" for method in methods.get(name if kind == "*" else kind, ()))
        return found
    return _cached("kinds:" + ",".join(sorted(wanted)), catalog, compute)


def name_words(names: Iterable[str]) -> set[str]:
    """The pre-check words of catalogued dotted names (engine/precheck.py: every part of a
    word in the code): a module alone (``socket``), a module and the name read from it
    (``requests.get``), or for a longer name the module and its last two names
    (``requests.Session.post``, ``http.client.HTTPConnection``); a pattern keeps the module
    and the literal name after it (``stripe.create`` for ``stripe.*.create``) or before it
    (``botocore.client.BaseClient`` for ``botocore.client.BaseClient.*``).
    The resolver (resolve/) qualifies a name only through an import and the attributes
    written after it, and a method only on an object of its class: ``import requests`` then
    ``requests.get``; ``from requests import Session`` then ``Session().post``; an object
    annotated with its class, or made by a catalogued constructor or call, whose own words
    the code names (``requests.session()``, ``requests.get(url).json()``). Modules in between
    need not be written (``from requests import Session`` for ``requests.sessions.Session``).
    (A client another project file made is resolved only with the settled project, when a
    file is analysed again without the pre-check.)"""
    found: set[str] = set()
    for name in names:
        parts = name.split(".")
        if not parts[0] or "*" in parts[0]:
            continue
        literal: list[str] = []
        for part in parts:
            if not part or "*" in part:
                break
            literal.append(part)
        if len(literal) < len(parts) and parts[-1] and "*" not in parts[-1]:
            kept = [literal[0], parts[-1]]
        else:
            kept = [literal[0], *literal[1:][-2:]]
        found.add(".".join(dict.fromkeys(kept)))
    return found


def network_words(catalog: "Catalog") -> frozenset[str]:
    """The words (``name_words``) of the catalogued names that reach the network: every API
    but the waits (subprocess, queues, events, executors: ``WAIT_KINDS``), which talk to no
    other machine, and the constructors of objects that have such an API."""
    from ..catalog import WAIT_KINDS

    def compute() -> set[str]:
        by_type = _kinds_by_type(catalog)
        waits = frozenset(WAIT_KINDS)
        found = name_words(name for name, api in catalog.apis.items() if api.kind not in waits)
        # A constructor counts when its objects have an API that is not a wait, or a timeout
        # of their own (a socket's): one whose objects only wait, or have nothing catalogued
        # (an executor, whose ``submit`` makes the futures that wait), reaches no network.
        # Its objects' type counts too: an annotation names it (``client: BaseClient``).
        made_by: dict[str, list[str]] = {}
        for name, client in catalog.clients.items():
            for kind in _client_types(client):
                made_by.setdefault(kind, []).append(name)
        for name, client in catalog.clients.items():
            types = [name if kind == "*" else kind for kind in _client_types(client)]
            if client.timeout is not None or set().union(*(by_type.get(kind, set()) for kind in types)) - waits:
                found |= name_words((name, *types))
                # A generated class (``*_pb2_grpc.*Stub``) names no module; it counts only
                # when built on an object it requires, so that object's constructor does.
                if client.requires:
                    found |= name_words(made for kind in client.requires[2] for made in made_by.get(kind, ()))
        found |= name_words(catalog.network.call_names())
        modules = catalog.module_roots()
        return {word for word in found if word.partition(".")[0] in modules}
    return _cached("network", catalog, compute)


def network_modules(catalog: "Catalog") -> frozenset[str]:
    """The modules of ``network_words`` and of the page checks' words: for a check that reads
    syntax alone (a loop passing ``page=``), not resolved calls, the file must import one."""
    return _cached("network modules", catalog,
                   lambda: {module for word in network_words(catalog) | pagination_words(catalog)
                            for module in word.partition(".")[0].split("|")})


def pagination_words(catalog: "Catalog") -> frozenset[str]:
    """What the page checks (AL401, AL402) recognise besides network calls
    (``rules/pagination.toml``): SDK list calls by resolved name (their ``name_words``); list
    methods in files importing a library (its module); an operation whose token repeats
    (``boto3.get_log_events``); an operation botocore pages
    in a file importing boto3, botocore or aioboto3 (one word of alternatives,
    ``boto3|botocore|aioboto3.list_objects_v2|...``: AL401 reports it on a client the module
    makes with ``client(...)`` or a resource class)."""
    def compute() -> set[str]:
        knowledge = catalog.pagination
        found = name_words(name for call in knowledge.calls for name in call.calls)
        found |= roots(name for call in knowledge.calls for name in call.imports)
        found |= {f"{entry.library}.{operation}" for entry in knowledge.repeating for operation in entry.operations}
        if knowledge.boto_data:  # an operation botocore pages, called in a file importing boto
            operations = sorted({operation for service in knowledge.boto_services().values() for operation in service})
            found.add("boto3|botocore|aioboto3." + "|".join(operations))
        return found
    return _cached("pagination", catalog, compute)


def call_words(names: Iterable[str], imports: Iterable[str] = ()) -> set[str]:
    """The words of calls of catalogued names: a qualified name's ``name_words``; a builtin
    called (``open()``); a method of any object (``*.execute``) with a module the call needs
    imported (``sqlite3.execute``), or the method alone where none is needed."""
    modules = roots(imports)
    found: set[str] = set()
    for name in names:
        if name.startswith("*."):
            method = name[2:]
            if "*" in method or "." in method:
                found |= modules
            else:
                found |= {f"{module}.{method}" for module in modules} if modules else {method}
        elif "." not in name:
            found.add(f"{name}()")
        else:
            found |= name_words((name,))
    return found


def sink_words(catalog: "Catalog", kinds: Iterable[str]) -> frozenset[str]:
    """The words (``call_words``) of the sinks of these kinds (``rules/sinks.toml``), one of
    which a file must call for a taint check to report in it (facts/taint.py: a hit is at a
    sink of the module itself); for paths, also an archive's extracting method with its
    opener's module (``tarfile.extractall``)."""
    wanted = frozenset(kinds)

    def compute() -> set[str]:
        found: set[str] = set()
        for sink in catalog.sinks.sinks:
            if sink.kind in wanted:
                found |= call_words(sink.names, sink.imports)
        if "path" in wanted:
            for archive in catalog.sinks.archives:
                found |= {f"{module}.{method}" for module in roots(archive.openers) for method in archive.methods}
        return found
    return _cached("sinks:" + ",".join(sorted(wanted)), catalog, compute)


def source_words(catalog: "Catalog", origins: Iterable[str]) -> frozenset[str]:
    """Names a file must use for a catalogued source of values of these ``origins`` to be in
    it (``rules/sources.toml``, word forms in engine/precheck.py): a third-party source's
    module, which the file must import; for a standard-library module, which files import
    for many other reasons (``os``, ``sys``), the module together with the attribute read
    from it (``os.environ``: both names in the code); a builtin's call (``input()``); the
    modules of framework parameters.
    A source of network responses (``network = true``) needs a network call: network_words."""
    wanted = frozenset(origins)

    def compute() -> set[str]:
        stdlib = getattr(sys, "stdlib_module_names", frozenset())
        words: set[str] = set()
        for entry in catalog.sources.sources:
            if entry.origin not in wanted:
                continue
            for name in (*entry.reads, *entry.calls):
                parts = name.split(".")
                if "*" in parts[0]:
                    continue  # `*.fetchone`: its entry's imports say which modules
                if len(parts) == 1:
                    words.add(f"{name}()" if name in entry.calls else name)  # a builtin: `input()`
                else:
                    words.add(f"{parts[0]}.{parts[1]}" if parts[0] in stdlib else parts[0])
            words |= roots(entry.imports)
            if entry.network:
                words |= network_words(catalog)
        for params in catalog.sources.parameters:
            if params.origin in wanted:
                words |= roots(params.imports)
        return words
    return _cached("sources:" + ",".join(sorted(wanted)), catalog, compute)


def _checked_severity(severity: str | None) -> str | None:
    if severity is not None and severity not in ("error", "warning", "note"):
        raise ValueError(f"unknown severity {severity!r}")
    return severity
