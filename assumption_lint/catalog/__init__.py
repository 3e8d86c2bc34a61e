"""Load and validate the declarative catalog under ``rules/``.

The catalog holds every fact alint knows: rule metadata (``rules.toml``) and, per domain,
which calls talk to the network, their timeout parameter and default, the client objects
that carry a timeout, and the exceptions they raise. Code reads it; it never hard-codes it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .. import user_cache

# Domain modules never import this one at run time (only for type hints), so no cycle.
from .names import NameTable
from .network import link_families
from .network import (EntryPoint, ErrorHandlerRegistration, ExceptionClass, NetworkFamily,
                      NetworkKnowledge, ResponseKind, Spawner)
from .retries import JsonDecode, RetryPolicy
from .rules import CONFIDENCES, OPTION_TYPES, PRECISIONS, SEVERITIES, RuleMeta, RuleOption, _check_yields
from .schema import DEFAULTS, CatalogError, copy_fields
from .models import ModelKnowledge, ModelParser, ModelReply
from .sources import SourceKnowledge
from .sinks import SinkKnowledge
from .empties import EmptyKnowledge
from .datetimes import DatetimeKnowledge
from .pagination import PaginationKnowledge
from .timeouts import TIMEOUT_VALUES, ApiEntry, ClientEntry, TimeoutSpec
from .versions import DeclaredVersion, DefaultChange, normalize_package, parse_release, specialise
from .tables import TABLES, TableKind, finish, load_tables
from .waits import COMMAND_ROLES, WAIT_KINDS, CommandEntry, DeadlineEntry, WaitKnowledge, WaitSpec, WorkerEntry

# Every public name of the former single-module catalog stays importable from here.
__all__ = [
    "COMMAND_ROLES", "CONFIDENCES", "DEFAULTS", "OPTION_TYPES", "PRECISIONS", "SEVERITIES", "TIMEOUT_VALUES",
    "TABLES", "WAIT_KINDS", "ApiEntry", "Catalog", "CatalogError", "ClientEntry", "CommandEntry", "DeadlineEntry",
    "DeclaredVersion", "DefaultChange", "EntryPoint", "ErrorHandlerRegistration", "ExceptionClass", "JsonDecode",
    "NetworkFamily", "NetworkKnowledge", "ResponseKind", "RetryPolicy", "RuleMeta", "RuleOption", "SourceKnowledge",
    "Spawner",
    "TableKind", "TimeoutSpec", "WaitKnowledge", "WaitSpec", "WorkerEntry", "extended_catalog", "load_text",
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
    # Paginated APIs for AL401 (pagination.toml and the generated botocore table).
    pagination: PaginationKnowledge = field(default_factory=PaginationKnowledge)
    # Parsers of model text and when a reply has no text (models.toml, AL501/AL502).
    models: ModelKnowledge = field(default_factory=ModelKnowledge)
    # Where a value from outside hurts: SQL, commands, paths... (sinks.toml, AL101-AL103).
    sinks: SinkKnowledge = field(default_factory=SinkKnowledge)
    # Values from outside that may be empty or None (empties.toml, AL404/AL405).
    empties: EmptyKnowledge = field(default_factory=EmptyKnowledge)
    # Clocks, time parsers and UTC parameters: datetime values and their awareness (datetimes.toml, AL406).
    datetimes: DatetimeKnowledge = field(default_factory=DatetimeKnowledge)
    files: list[str] = field(default_factory=list)
    # Deprecated keys met while loading, one line each naming the file (the CLI prints them).
    warnings: list[str] = field(default_factory=list)

    def copy(self) -> "Catalog":
        """A copy that can be extended without changing this catalog (every field, generically)."""
        return copy_fields(self)

    def for_versions(self, versions: Mapping[str, "DeclaredVersion"]) -> "Catalog":
        """This catalog specialised for a project's declared package versions (see specialise())."""
        return specialise(self, versions)

    def __post_init__(self) -> None:
        # Every name lookup goes through the one matcher (names.py), whoever built the dicts.
        if not isinstance(self.apis, NameTable):
            self.apis = NameTable(self.apis)
        if not isinstance(self.clients, NameTable):
            self.clients = NameTable(self.clients)

    def api(self, qualified_name: str) -> ApiEntry | None:
        """The call listed under exactly this name (patterns are find_api's business)."""
        return self.apis.exact(qualified_name)

    def find_api(self, qualified_name: str, nested: bool = False) -> ApiEntry | None:
        """The call's entry: its exact name first, then a pattern (``*_pb2_grpc.*Stub.*``);
        see ``NameTable.match`` for ``nested``."""
        return self.apis.match(qualified_name, nested)

    def client(self, qualified_name: str) -> ClientEntry | None:
        # Constructors may be glob patterns (generated classes: `*_pb2_grpc.*Stub`).
        return self.clients.match(qualified_name)

    def json_decoder(self, response_kind: str) -> "JsonDecode | None":
        return self.json_decoders.get(response_kind)

    def retry_policy(self, qualified_name: str) -> RetryPolicy | None:
        return self.retry_policies.get(qualified_name)

    def module_roots(self) -> set[str]:
        """Top-level module names the catalog knows: the cheap pre-check looks for them."""
        names = list(self.apis) + list(self.clients) + list(self.network.call_names())
        # A pattern's root (`*_pb2_grpc`) names no module: the file imports grpc anyway.
        roots = {name.split(".", 1)[0] for name in names if "*" not in name.split(".", 1)[0]}
        return roots | self.pagination.module_roots()

    def libraries(self) -> list[str]:
        return sorted({api.library for api in self.apis.values()})


# Deeper than any real catalog or pyproject.toml; deeper documents exhaust the recursion
# of the TOML reader or of the validation that walks them.
MAX_TOML_DEPTH = 32


def toml_problem(text: str) -> tuple[dict[str, Any] | None, str]:
    """A TOML document, or None and what is wrong with it (invalid, or nested too deeply)."""
    # Imported here: a run whose catalog comes compiled (or from the cache) reads no TOML.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, f"not valid TOML: {exc}"
    except (RecursionError, MemoryError):
        return None, f"nests deeper than the {MAX_TOML_DEPTH} levels alint reads"
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_TOML_DEPTH:
            return None, f"nests deeper than the {MAX_TOML_DEPTH} levels alint reads"
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return data, ""


def _read_toml(text: str, source: str) -> dict[str, Any]:
    data, problem = toml_problem(text)
    if data is None:
        raise CatalogError(f"{source}: {problem}")
    return data


def _read_catalog_text(path: Path | Any, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{source}: cannot read catalog file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{source}: not UTF-8 text: {exc.reason} at byte {exc.start}") from exc


def load_text(catalog: Catalog, text: str, source: str) -> None:
    """Add one catalog file's content to ``catalog``."""
    load_tables(_read_toml(text, source), source, catalog)
    catalog.files.append(source)
    # A file loaded on its own (tests, tools) is usable at once, even into a partial catalog
    # that lacks the families its calls name; whole folders link strictly once, at the end.
    link_families(catalog, strict=False)


def shipped_rules_dir() -> Path | Any:
    """The catalog folder: inside the wheel, else the repository's ``rules/`` (source, editable)."""
    inside = Path(__file__).resolve().parent.parent / "rules"  # an installed package's own folder
    if inside.is_dir():
        return inside
    if not Path(__file__).is_file():  # a package that is not plain files (a zip)
        from importlib import resources  # (for plain files it would name ``inside`` again)

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
        source = f"rules/{item.name}"
        load_tables(_read_toml(_read_catalog_text(item, source), source), source, catalog)
        catalog.files.append(source)
    if not catalog.rules:
        raise CatalogError("rules/rules.toml defines no rules")
    finish(catalog)
    return catalog


def shipped_catalog() -> Catalog:
    """The catalog that ships with alint, loaded and validated once per process: from its
    compiled form when this alint compiled these catalog files before, else parsed (and
    then compiled for the next run)."""
    global _SHIPPED
    if _SHIPPED is None:
        compiled = compiled_catalog_path()
        _SHIPPED = _read_compiled(compiled) if compiled is not None else None
        if _SHIPPED is None:
            _SHIPPED = _load_shipped()
            if compiled is not None:
                _write_compiled(compiled, _SHIPPED)
    return _SHIPPED


# --------------------------------------------------------------------------- compiled form
# Parsing and validating the TOML files is most of a one-file run's catalog cost (about
# 40 ms); unpickling the result takes 3. The compiled catalog is kept, like Python's own
# .pyc files, in the user's cache folder (never in the analysed tree), under a key made of
# the catalog files' bytes, the code of this package (which defines what is pickled) and
# the Python version; any other key is a miss, and a file that cannot be read or unpickled
# is parsed again. ALINT_NO_CACHE=1 turns it off (the tests do). Unpickling runs code, so
# a file another user could have written (not owned by this user, or group- or
# world-writable) is never read: it is parsed again and replaced.
_COMPILED_PREFIX = "catalog-"


def compiled_catalog_path() -> Path | None:
    """Where this alint keeps the compiled form of the shipped catalog; None when it is off
    or the catalog folder cannot be read."""
    if not user_cache.enabled():
        return None
    key = _compiled_key()
    return user_cache.folder() / f"{_COMPILED_PREFIX}{key}.pickle" if key else None


_KEY: list[str | None] = []


def _compiled_key() -> str | None:
    """The compiled catalog's key (worked out once per process: it reads every catalog file)."""
    if not _KEY:
        _KEY.append(_key_now())
    return _KEY[0]


def _key_now() -> str | None:
    import hashlib

    from .. import __version__

    digest = hashlib.sha256(f"{__version__}\0{sys.version}\0{sys.platform}\n".encode())
    try:
        code = Path(__file__).resolve().parent
        for item in sorted(code.glob("*.py")):
            info = item.stat()
            digest.update(f"{item.name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        rules = shipped_rules_dir()
        for item in sorted(rules.iterdir(), key=lambda entry: entry.name):
            if item.name.endswith((".toml", ".json")):
                digest.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    except (OSError, UnicodeError):
        return None
    return digest.hexdigest()[:32]


def _read_compiled(path: Path) -> Catalog | None:
    import pickle

    try:
        with open(path, "rb") as stream:
            if not user_cache.written_by_this_user(os.fstat(stream.fileno())):
                return None
            data = stream.read()
    except OSError:
        return None
    try:
        catalog = pickle.loads(data)
    except Exception:  # a damaged or foreign file: parse the catalog again
        return None
    return catalog if isinstance(catalog, Catalog) and catalog.rules else None


def _write_compiled(path: Path, catalog: Catalog) -> None:
    """Keep ``catalog`` at ``path`` (atomically), and drop old forms of other keys. Best
    effort: a folder that cannot be written only means parsing again next time."""
    import pickle
    import time

    from ..atomic import write_atomic

    try:
        data = pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(path, data, private=True)
        # Other keys' forms (another alint, an edited catalog) go once a week old:
        # several installations may share the folder.
        week_ago = time.time() - 7 * 24 * 3600
        for stale in path.parent.glob(f"{_COMPILED_PREFIX}*.pickle"):
            if stale != path and stale.stat().st_mtime < week_ago:
                stale.unlink(missing_ok=True)
    except Exception:  # pickling, a full disk, a read-only home: parse again next time
        return


def compiled_companion_path(kind: str) -> Path | None:
    """Where something worked out from the shipped catalog by alint's code (the checks'
    pre-check words: engine/precheck.py) is kept, as JSON, beside the compiled catalog,
    under the catalog's key and a stamp of every module of alint; None when that is off."""
    import hashlib

    compiled = compiled_catalog_path()
    if compiled is None:
        return None
    key = hashlib.sha256(f"{compiled.name}\0{_code_stamp()}".encode()).hexdigest()[:32]
    return compiled.with_name(f"{kind}-{key}.json")


_STAMP: list[str] = []


def _code_stamp() -> str:
    """Each module of alint's size and mtime (as cache.code_version stamps them: the cache
    sits above the catalog), once per process."""
    if not _STAMP:
        import hashlib

        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        stamp = hashlib.sha256()
        for folder, dirs, files in os.walk(package):
            dirs[:] = sorted(name for name in dirs if name != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    stamp.update(f"{os.path.join(folder, name)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        _STAMP.append(stamp.hexdigest())
    return _STAMP[0]


def read_companion(path: Path) -> Any:
    """What ``write_companion`` kept at ``path``, or None (missing, damaged, or a file
    another user could have written: the same rule as the compiled catalog's)."""
    import json

    try:
        with open(path, "rb") as stream:
            if not user_cache.written_by_this_user(os.fstat(stream.fileno())):
                return None
            return json.loads(stream.read())
    except (OSError, ValueError):
        return None


def write_companion(path: Path, value: Any) -> None:
    """Keep ``value`` (plain data) at ``path`` atomically, and drop the same kind's files
    of other keys once a week old. Best effort, like the compiled catalog."""
    import json
    import time

    from ..atomic import write_atomic

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(path, json.dumps(value, separators=(",", ":")).encode(), private=True)
        week_ago = time.time() - 7 * 24 * 3600
        kind = path.name.split("-", 1)[0]
        for stale in path.parent.glob(f"{kind}-*.json"):
            if stale != path and stale.stat().st_mtime < week_ago:
                stale.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        return


def extended_catalog(extra_files: Iterable[Path]) -> Catalog:
    """The shipped catalog plus a project's own files (``extend-catalog``)."""
    catalog = shipped_catalog().copy()
    for path in extra_files:
        text = _read_catalog_text(Path(path), str(path))
        load_tables(_read_toml(text, str(path)), str(path), catalog, project=True)
        catalog.files.append(str(path))
    finish(catalog)
    return catalog
