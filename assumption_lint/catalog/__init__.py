"""Load and validate the declarative catalog under ``rules/``.

The catalog holds every fact alint knows: rule metadata (``rules.toml``) and, per domain,
which calls talk to the network, their timeout parameter and default, the client objects
that carry a timeout, and the exceptions they raise. Code reads it; it never hard-codes it.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# Domain modules never import this one at run time (only for type hints), so no cycle.
from .network import (_NETWORK_FILE_KEYS, EntryPoint, ErrorHandlerRegistration, ExceptionClass, NetworkFamily,
                      NetworkKnowledge, ResponseKind, Spawner)
from .retries import JsonDecode, RetryPolicy, _check_json_decoders
from .rules import CONFIDENCES, OPTION_TYPES, PRECISIONS, SEVERITIES, RuleMeta, RuleOption, _check_yields, _parse_rule
from .schema import DEFAULTS, CatalogError, _check_keys, _expect
from .sources import SOURCES_FILE_KEYS, SourceKnowledge, _parse_sources
from .timeouts import TIMEOUT_VALUES, ApiEntry, ClientEntry, TimeoutSpec, _parse_domain
from .versions import (DeclaredVersion, DefaultChange, _check_default_changes, normalize_package, parse_release,
                       specialise)
from .waits import COMMAND_ROLES, WAIT_KINDS, CommandEntry, DeadlineEntry, WaitKnowledge, WaitSpec, WorkerEntry

# Every public name of the former single-module catalog stays importable from here.
__all__ = [
    "COMMAND_ROLES", "CONFIDENCES", "DEFAULTS", "OPTION_TYPES", "PRECISIONS", "SEVERITIES", "TIMEOUT_VALUES",
    "WAIT_KINDS", "ApiEntry", "Catalog", "CatalogError", "ClientEntry", "CommandEntry", "DeadlineEntry",
    "DeclaredVersion", "DefaultChange", "EntryPoint", "ErrorHandlerRegistration", "ExceptionClass", "JsonDecode",
    "NetworkFamily", "NetworkKnowledge", "ResponseKind", "RetryPolicy", "RuleMeta", "RuleOption", "SourceKnowledge",
    "Spawner",
    "TimeoutSpec", "WaitKnowledge", "WaitSpec", "WorkerEntry", "extended_catalog", "load_text",
    "normalize_package", "parse_release", "shipped_catalog", "shipped_rules_dir", "specialise",
]


@dataclass
class Catalog:
    rules: dict[str, RuleMeta] = field(default_factory=dict)
    apis: dict[str, ApiEntry] = field(default_factory=dict)
    clients: dict[str, ClientEntry] = field(default_factory=dict)
    retry_policies: dict[str, RetryPolicy] = field(default_factory=dict)
    # Calls that pause before the next attempt (``time.sleep``, ``asyncio.sleep``).
    sleeps: set[str] = field(default_factory=set)
    # What decoding a response body as JSON raises, per [[response]] kind (AL203).
    json_decoders: dict[str, "JsonDecode"] = field(default_factory=dict)
    # Network failure knowledge for AL2xx: exception classes, error families of network
    # calls, response objects, entry points (rules/exceptions.toml, responses.toml,
    # entry_points.toml). Defined in network.py.
    network: "NetworkKnowledge" = field(default_factory=lambda: NetworkKnowledge())
    # Programs, deadlines and worker entry points for AL303-AL305 (subprocess.toml, concurrency.toml).
    waits: "WaitKnowledge" = field(default_factory=lambda: WaitKnowledge())
    # Timeout defaults that changed across a library's releases (versions.toml).
    default_changes: list["DefaultChange"] = field(default_factory=list)
    # Where values come from and what validates them (sources.toml), for value provenance.
    sources: SourceKnowledge = field(default_factory=SourceKnowledge)
    files: list[str] = field(default_factory=list)

    def for_versions(self, versions: Mapping[str, "DeclaredVersion"]) -> "Catalog":
        """This catalog specialised for a project's declared package versions (see specialise())."""
        return specialise(self, versions)

    def api(self, qualified_name: str) -> ApiEntry | None:
        return self.apis.get(qualified_name)

    def client(self, qualified_name: str) -> ClientEntry | None:
        found = self.clients.get(qualified_name)
        if found is None:
            # Constructors may be glob patterns (generated classes: `*_pb2_grpc.*Stub`).
            for pattern, entry in self.clients.items():
                if "*" in pattern and fnmatch.fnmatchcase(qualified_name, pattern):
                    return entry
        return found

    def json_decoder(self, response_kind: str) -> "JsonDecode | None":
        return self.json_decoders.get(response_kind)

    def retry_policy(self, qualified_name: str) -> RetryPolicy | None:
        return self.retry_policies.get(qualified_name)

    def module_roots(self) -> set[str]:
        """Top-level module names the catalog knows: the cheap pre-check looks for them."""
        names = list(self.apis) + list(self.clients) + list(self.network.call_names())
        # A pattern's root (`*_pb2_grpc`) names no module: the file imports grpc anyway.
        return {name.split(".", 1)[0] for name in names if "*" not in name.split(".", 1)[0]}

    def libraries(self) -> list[str]:
        return sorted({api.library for api in self.apis.values()})


_FILE_KEYS = {"api", "client", "rule", "meta", "retry-policy", "sleep", "json-decode"} | _NETWORK_FILE_KEYS
# AL303-AL305: programs, deadlines, worker entry points (subprocess.toml, concurrency.toml).
_FILE_KEYS |= {"command", "deadline", "worker-entry", "default-change"}
_FILE_KEYS |= SOURCES_FILE_KEYS


def _read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from exc


def load_text(catalog: Catalog, text: str, source: str) -> None:
    """Add one catalog file's content to ``catalog``."""
    data = _read_toml(text, source)
    _check_keys(data, _FILE_KEYS, source)
    rules = _expect(data, "rule", dict, source, default={})
    for rule_id, table in rules.items():
        if rule_id in catalog.rules:
            raise CatalogError(f"{source}: rule {rule_id} is defined twice")
        catalog.rules[rule_id] = _parse_rule(rule_id, table, source)
    _parse_domain(data, source, catalog)
    _parse_sources(data, source, catalog.sources)
    catalog.files.append(source)


def shipped_rules_dir() -> Path | Any:
    """The catalog folder: inside the wheel, else the repository's ``rules/`` (source, editable)."""
    packaged = resources.files("assumption_lint").joinpath("rules")
    if packaged.is_dir():
        return packaged
    # This file is assumption_lint/catalog/__init__.py: the repository root is three levels up.
    return Path(__file__).resolve().parent.parent.parent / "rules"


_SHIPPED: Catalog | None = None


def _load_shipped() -> Catalog:
    folder = shipped_rules_dir()
    if not folder.is_dir():
        raise CatalogError(f"the rule catalog folder is missing ({folder})")
    catalog = Catalog()
    entries = sorted((item for item in folder.iterdir() if item.name.endswith(".toml")), key=lambda item: item.name)
    for item in entries:
        load_text(catalog, item.read_text(encoding="utf-8"), f"rules/{item.name}")
    if not catalog.rules:
        raise CatalogError("rules/rules.toml defines no rules")
    _check_yields(catalog)
    _check_json_decoders(catalog)
    _check_default_changes(catalog)
    return catalog


def shipped_catalog() -> Catalog:
    """The catalog that ships with alint, loaded and validated once per process."""
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = _load_shipped()
    return _SHIPPED


def extended_catalog(extra_files: Iterable[Path]) -> Catalog:
    """The shipped catalog plus a project's own files (``extend-catalog``)."""
    base = shipped_catalog()
    catalog = Catalog(rules=dict(base.rules), apis=dict(base.apis), clients=dict(base.clients),
                      retry_policies=dict(base.retry_policies), sleeps=set(base.sleeps),
                      json_decoders=dict(base.json_decoders),
                      network=base.network.copy(), waits=base.waits.copy(),
                      default_changes=list(base.default_changes), sources=base.sources.copy(),
                      files=list(base.files))
    for path in extra_files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogError(f"{path}: cannot read catalog file: {exc.strerror or exc}") from exc
        data = _read_toml(text, str(path))
        if "rule" in data:
            raise CatalogError(f"{path}: key 'rule': a project catalog may add APIs and clients, not rules")
        _check_keys(data, _FILE_KEYS, str(path))
        _parse_domain(data, str(path), catalog)
        _parse_sources(data, str(path), catalog.sources)
        catalog.files.append(str(path))
    _check_default_changes(catalog)
    return catalog
