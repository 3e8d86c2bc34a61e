"""Project configuration: ``[tool.alint]`` in pyproject.toml, or one file named by ``--config``.

Each analyzed file is governed by the nearest pyproject.toml above it that has a
``[tool.alint]`` table (so a monorepo's subprojects can differ); without one, by the nearest
pyproject.toml at all (only its ``requires-python`` matters then). Every value is validated
when its file is read: a bad one is a ``ConfigError`` naming the file and the key, which the
CLI turns into one line and exit status 2. Nothing here guesses: an unknown key is an error,
not a silently ignored typo.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import pathspec

from .catalog import SEVERITIES, Catalog, CatalogError, extended_catalog, toml_problem
from .discovery import Excludes
from .project import PackageFacts, ProjectVersions
from .severity import FAIL_ON
from .settings import (THREAT_MODELS, SelectionError, Settings, enabled_rules, parse_codes, preview_warnings,
                       validate_codes)

DEFAULT_TARGET = (3, 10)
KEYS = ("select", "extend-select", "ignore", "exclude", "per-file-ignores", "extend-catalog",
        "target-version", "respect-gitignore", "rules", "preview", "show-notes", "project", "fail-on", "baseline",
        "max-file-bytes", "max-tokens", "file-timeout", "fix", "threat-models", "cache-dir", "deep")
# Keys that govern the whole run, not one file: read from the configuration of the current
# folder (or --config), see ``Configurations.run_config``.


class ConfigError(Exception):
    """A configuration file or value alint cannot use; the message names the file and key."""


# ----------------------------------------------------------------------------- versions
_VERSION = re.compile(r"^(?:py)?(?P<major>\d)(?:\.?(?P<minor>\d{1,2}))$")


def parse_version(text: str) -> tuple[int, int] | None:
    """``"3.12"`` or ``"py312"`` -> (3, 12); None for anything else (only Python 3 exists here)."""
    match = _VERSION.match(text.strip().lower())
    if match is None or match["major"] != "3":
        return None
    return (3, int(match["minor"]))


_SPECIFIER = re.compile(r"^\s*(?P<op>>=|~=|===|==|>)\s*(?P<major>\d+)(?:\.(?P<minor>\d+|\*))?")


def requires_python_floor(text: str) -> tuple[int, int] | None:
    """The lowest Python 3 minor version a PEP 440 ``requires-python`` admits, if it says.

    ``">=3.9,<4"`` -> (3, 9); ``"~=3.11"`` -> (3, 11); ``"==3.12.*"`` -> (3, 12). Upper bounds
    and exclusions say nothing about the floor; every clause must hold, so the floor is the
    highest lower bound.
    """
    floors = []
    for clause in text.split(","):
        match = _SPECIFIER.match(clause)
        if match is None or match["major"] != "3":
            continue
        minor = match["minor"]
        floors.append((3, int(minor) if minor and minor != "*" else 0))
    return max(floors) if floors else None


# ----------------------------------------------------------------------------- the values
@dataclass(frozen=True)
class RuleConfig:
    """``[tool.alint.rules.AL301]``: a severity override and the rule's own options."""

    severity: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PerFileIgnore:
    pattern: str
    spec: pathspec.PathSpec = field(compare=False)
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    """One configuration as read from one file (``source``), validated."""

    source: Path | None = None  # None: no file; built-in defaults
    root: Path | None = None  # the folder patterns and extend-catalog paths are relative to
    has_table: bool = False  # the file has [tool.alint] (a bare pyproject.toml does not)
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_spec: pathspec.PathSpec | None = field(default=None, compare=False)
    per_file_ignores: tuple[PerFileIgnore, ...] = ()
    extend_catalog: tuple[Path, ...] = ()
    target_version: tuple[int, int] | None = None
    requires_python: tuple[int, int] | None = None
    respect_gitignore: bool = True
    rules: Mapping[str, RuleConfig] = field(default_factory=dict, compare=False)
    # Run preview rules too (rules not yet at their precision target, see selection.py).
    preview: bool = False
    # Show the notes of rules that hide them by default (``notes = false`` in rules.toml).
    show_notes: bool = False
    # Read the file's project (its imports' module summaries); false: each file alone.
    project: bool = True
    # Run-level keys: the lowest severity that fails the run, and the baseline file.
    fail_on: str | None = None
    baseline: Path | None = None
    # Run-level too: where the content cache lives (None: .alint_cache in the project root).
    cache_dir: Path | None = None
    # The per-file budget (docs/safety.md); None: the default.
    max_file_bytes: int | None = None
    max_tokens: int | None = None
    file_timeout: float | None = None
    # [tool.alint.fix]: what --fix writes (``timeout``: seconds); None: the default.
    fix_timeout: float | None = None
    # Origins the injection rules treat as hostile (None: the default, remote).
    threat_models: frozenset[str] | None = None
    # --deep: astroid for the names the resolver leaves unresolved (docs/deep.md).
    deep: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.source), str(self.root))

    def relative(self, path: Path) -> str | None:
        """``path`` relative to this config's folder, with forward slashes; None if outside."""
        if self.root is None:
            return None
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None


DEFAULT_CONFIG = Config()


@dataclass(frozen=True)
class Overrides:
    """Values given on the command line: they win over every config file."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    target_version: tuple[int, int] | None = None
    preview: bool | None = None  # --preview; None: as the configuration says
    show_notes: bool | None = None  # --show-notes; None: as the configuration says
    isolated: bool = False  # --isolated: no cross-file analysis, whatever the configuration says
    report_unused_suppressions: bool = False  # --report-unused-suppressions (AL005)
    deep: bool | None = None  # --deep; None: as the configuration says


# ----------------------------------------------------------------------------- reading
def shown(path: Path) -> str:
    """A file as named in error messages: relative to the current folder when inside it."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(os.path.abspath(path)).as_posix()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{shown(path)}: cannot read the configuration: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown(path)}: not UTF-8 text: {exc.reason}") from exc
    data, problem = toml_problem(text)
    if data is None:
        raise ConfigError(f"{shown(path)}: {problem}")
    return data


class _Reader:
    """Validates one table, naming ``file: [table] key 'k'`` in every message."""

    def __init__(self, path: Path, table_name: str, catalog: Catalog) -> None:
        self.path = path
        self.table_name = table_name
        self.catalog = catalog

    def fail(self, key: str, problem: str, table: str | None = None) -> ConfigError:
        table = self.table_name if table is None else table
        where = f"{shown(self.path)}: {table} key '{key}'" if table else f"{shown(self.path)}: key '{key}'"
        return ConfigError(f"{where}: {problem}")

    def sub(self, name: str) -> str:
        """The name of a nested table: ``[tool.alint.rules]`` (or ``[rules]`` at top level)."""
        return f"[{self.table_name[1:-1]}.{name}]" if self.table_name else f"[{name}]"

    def unknown(self, keys: Any, known: tuple[str, ...], table: str | None = None, note: str = "") -> None:
        for key in keys:
            if key not in known:
                import difflib  # only for a key no table has

                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else note
                raise self.fail(key, f"unknown key{hint}", table)

    def strings(self, data: Mapping[str, Any], key: str, table: str | None = None) -> tuple[str, ...]:
        value = data[key]
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise self.fail(key, f"must be a list of strings, not {value!r}", table)
        return tuple(value)

    def codes(self, data: Mapping[str, Any], key: str, table: str | None = None) -> tuple[str, ...]:
        codes = parse_codes(self.strings(data, key, table))
        try:
            validate_codes(codes, self.catalog)
        except SelectionError as exc:
            raise self.fail(key, str(exc), table) from exc
        return codes

    def patterns(self, values: tuple[str, ...], key: str, table: str | None = None) -> pathspec.PathSpec:
        try:
            return pathspec.GitIgnoreSpec.from_lines(values)
        except (ValueError, TypeError) as exc:  # pathspec rejects a malformed pattern this way
            raise self.fail(key, f"bad pattern: {exc}", table) from exc


def parse_table(table: Mapping[str, Any], path: Path, table_name: str, catalog: Catalog,
                requires_python: tuple[int, int] | None = None) -> Config:
    """Validate one ``[tool.alint]`` table (or a whole standalone config file)."""
    reader = _Reader(path, table_name, catalog)
    reader.unknown(table, KEYS)
    root = Path(os.path.abspath(path)).parent
    values: dict[str, Any] = {}
    for key, attribute in (("select", "select"), ("ignore", "ignore"), ("extend-select", "extend_select")):
        if key in table:
            values[attribute] = reader.codes(table, key)
    if "exclude" in table:
        values["exclude"] = reader.strings(table, "exclude")
        values["exclude_spec"] = reader.patterns(values["exclude"], "exclude")
    if "per-file-ignores" in table:
        values["per_file_ignores"] = _per_file_ignores(reader, table["per-file-ignores"])
    if "extend-catalog" in table:
        values["extend_catalog"] = _extend_catalog(reader, reader.strings(table, "extend-catalog"), root)
    if "target-version" in table:
        raw = table["target-version"]
        version = parse_version(raw) if isinstance(raw, str) else None
        if version is None:
            raise reader.fail("target-version", f"{raw!r} is not a Python 3 version like \"3.12\"")
        values["target_version"] = version
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise reader.fail("respect-gitignore", f"must be true or false, not {table['respect-gitignore']!r}")
        values["respect_gitignore"] = table["respect-gitignore"]
    if "rules" in table:
        values["rules"] = _rule_tables(reader, table["rules"])
    if "preview" in table:
        if not isinstance(table["preview"], bool):
            raise reader.fail("preview", f"must be true or false, not {table['preview']!r}")
        values["preview"] = table["preview"]
    if "show-notes" in table:
        if not isinstance(table["show-notes"], bool):
            raise reader.fail("show-notes", f"must be true or false, not {table['show-notes']!r}")
        values["show_notes"] = table["show-notes"]
    if "deep" in table:
        if not isinstance(table["deep"], bool):
            raise reader.fail("deep", f"must be true or false, not {table['deep']!r}")
        values["deep"] = table["deep"]
    if "project" in table:
        if not isinstance(table["project"], bool):
            raise reader.fail("project", f"must be true or false, not {table['project']!r}")
        values["project"] = table["project"]
    if "fail-on" in table:
        if table["fail-on"] not in FAIL_ON:
            raise reader.fail("fail-on", f"must be one of {', '.join(FAIL_ON)}, not {table['fail-on']!r}")
        values["fail_on"] = table["fail-on"]
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"].strip():
            raise reader.fail("baseline", f"must be a file path, not {table['baseline']!r}")
        values["baseline"] = root / table["baseline"]
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str) or not table["cache-dir"].strip():
            raise reader.fail("cache-dir", f"must be a folder path, not {table['cache-dir']!r}")
        values["cache_dir"] = root / os.path.expanduser(table["cache-dir"])
    for key, kinds in (("max-file-bytes", (int,)), ("max-tokens", (int,)), ("file-timeout", (int, float))):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, kinds) or value < 0:
                raise reader.fail(key, f"must be a number of at least 0, not {value!r}")
            values[key.replace("-", "_")] = value
    if "fix" in table:
        values["fix_timeout"] = _fix_table(reader, table["fix"])
    if "threat-models" in table:
        values["threat_models"] = _threat_models(reader, table["threat-models"])
    return Config(source=path, root=root, has_table=True, requires_python=requires_python, **values)


def _fix_table(reader: _Reader, table: Any) -> float | None:
    """``[tool.alint.fix]``: ``timeout``, the seconds --fix passes where a timeout is missing."""
    name = reader.sub("fix")
    if not isinstance(table, dict):
        raise reader.fail("fix", f"must be a table, not {table!r}")
    reader.unknown(table, ("timeout",), name)
    value = table.get("timeout")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 86_400:
        raise reader.fail("timeout", f"must be a number of seconds above 0 (at most 86400), not {value!r}", name)
    return value


def _threat_models(reader: _Reader, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise reader.fail("threat-models", f"must be a list of strings, not {value!r}")
    for item in value:
        if item not in THREAT_MODELS:
            raise reader.fail("threat-models", f"{item!r} is not one of {', '.join(THREAT_MODELS)}")
    return frozenset(value)


def _per_file_ignores(reader: _Reader, table: Any) -> tuple[PerFileIgnore, ...]:
    name = reader.sub("per-file-ignores")
    if not isinstance(table, dict):
        raise reader.fail("per-file-ignores", f"must be a table of glob = [rule ids], not {table!r}")
    entries = []
    for pattern, _ in table.items():
        codes = reader.codes(table, pattern, name)
        entries.append(PerFileIgnore(pattern, reader.patterns((pattern,), pattern, name), codes))
    return tuple(entries)


def _extend_catalog(reader: _Reader, names: tuple[str, ...], root: Path) -> tuple[Path, ...]:
    paths = []
    for name in names:
        path = Path(name) if Path(name).is_absolute() else root / name
        if not path.is_file():
            raise reader.fail("extend-catalog", f"catalog file {shown(path)} does not exist"
                              if not path.exists() else f"{shown(path)} is not a file")
        paths.append(path)
    return tuple(paths)


def _rule_tables(reader: _Reader, tables: Any) -> dict[str, RuleConfig]:
    parent = reader.sub("rules")
    if not isinstance(tables, dict):
        raise reader.fail("rules", f"must be a table of rule tables, not {tables!r}")
    rules = {}
    for rule_id, table in tables.items():
        meta = reader.catalog.rules.get(rule_id)
        if meta is None:
            raise reader.fail(rule_id, "no such rule (see `alint rules`)", parent)
        name = f"{parent[:-1]}.{rule_id}]"
        if not isinstance(table, dict):
            raise reader.fail(rule_id, f"must be a table, not {table!r}", parent)
        known = ("severity", *meta.options)
        note = f" ({rule_id} has no options)" if not meta.options else f" (known: {', '.join(known)})"
        reader.unknown(table, known, name, note)
        severity = table.get("severity")
        if severity is not None and severity not in SEVERITIES:
            raise reader.fail("severity", f"must be one of {', '.join(SEVERITIES)}, not {severity!r}", name)
        options = {}
        for key, value in table.items():
            if key == "severity":
                continue
            problem = meta.options[key].problem(value)
            if problem:
                raise reader.fail(key, problem, name)
            options[key] = value
        rules[rule_id] = RuleConfig(severity, options)
    return rules


def _requires_python(data: Mapping[str, Any]) -> tuple[int, int] | None:
    project = data.get("project")
    text = project.get("requires-python") if isinstance(project, dict) else None
    return requires_python_floor(text) if isinstance(text, str) else None


def load_pyproject(path: Path, catalog: Catalog) -> Config:
    """A pyproject.toml: its ``[tool.alint]`` (``has_table``) or, without one, just its folder
    and ``requires-python``."""
    data = _read_toml(path)
    tool = data.get("tool")
    requires = _requires_python(data)
    if isinstance(tool, dict) and "alint" in tool:
        table = tool["alint"]
        if not isinstance(table, dict):
            raise ConfigError(f"{shown(path)}: [tool] key 'alint' must be a table")
        return parse_table(table, path, "[tool.alint]", catalog, requires)
    return Config(source=path, root=Path(os.path.abspath(path)).parent, requires_python=requires)


def load_config_file(path: Path, catalog: Catalog) -> Config:
    """``--config FILE``: a pyproject.toml (its ``[tool.alint]``) or a standalone TOML file whose
    top level holds the same keys (e.g. ``alint.toml``)."""
    data = _read_toml(path)
    tool = data.get("tool")
    if isinstance(tool, dict) and "alint" in tool or path.name == "pyproject.toml":
        config = load_pyproject(path, catalog)
        if not config.has_table:
            raise ConfigError(f"{shown(path)}: no [tool.alint] table")
        return config
    return parse_table(data, path, "", catalog)


# ----------------------------------------------------------------------------- per file
class Configurations:
    """Which configuration governs each path, and the Settings (per-file ignores included)
    and excludes that follow from it. Lookups are cached per folder, Settings and catalogs per
    configuration: a run over thousands of files reads each pyproject.toml once."""

    def __init__(self, catalog: Catalog, overrides: Overrides | None = None,
                 config_file: Path | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.catalog = catalog
        # Deprecation warnings of project catalogs (extend-catalog), once per catalog: given
        # to ``warn`` in the main process (worker processes stay quiet), and kept here.
        self.warn = warn
        self.warnings: list[str] = []
        self.overrides = overrides or Overrides()
        self.fixed = load_config_file(config_file, catalog) if config_file is not None else None
        self._folders: dict[Path, tuple[Config | None, Config | None]] = {}
        self._settings: dict[tuple[str, str], Settings] = {}
        self._by_path: dict[Path, Settings] = {}
        self._catalogs: dict[tuple[Path, ...], Catalog] = {}
        self._ignoring: dict[tuple[int, tuple[str, ...]], tuple[Settings, Settings]] = {}
        # Declared package versions per project folder (version-aware timeout defaults).
        self._versions = ProjectVersions()
        self._warned: set[str] = set()
        # exclude and .gitignore matching (discovery.py), by each path's configuration
        excludes = Excludes(self.config_for)
        self.excluded = excludes.excluded
        self.force_excluded = excludes.force_excluded
        # Package facts read sibling modules: only those this run's excludes would read.
        self.package_facts = PackageFacts(self.excluded)

    # ------------------------------------------------------------------ lookup
    def config_for(self, path: Path) -> Config:
        """The configuration of the folder that holds ``path``."""
        if self.fixed is not None:
            return self.fixed
        table, nearest = self._lookup(_absolute(path).parent)
        return table or nearest or DEFAULT_CONFIG

    def run_config(self) -> Config:
        """The configuration of the current folder (or --config): it holds the keys that
        govern the whole run (``fail-on``, ``baseline``), not one file."""
        return self.config_for(Path.cwd() / "pyproject.toml")

    def _lookup(self, folder: Path) -> tuple[Config | None, Config | None]:
        """(nearest config with a [tool.alint] table, nearest pyproject.toml) at or above ``folder``."""
        cached = self._folders.get(folder)
        if cached is not None:
            return cached
        candidate = folder / "pyproject.toml"
        own = load_pyproject(candidate, self.catalog) if candidate.is_file() else None
        if own is not None and own.has_table:
            result: tuple[Config | None, Config | None] = (own, own)
        else:
            above = self._lookup(folder.parent) if folder.parent != folder else (None, None)
            result = (above[0], own or above[1])
        self._folders[folder] = result
        return result

    # ------------------------------------------------------------------ settings
    def settings_for(self, path: Path) -> Settings:
        # A run asks for each file's settings several times (runner, cache keys, workers).
        found = self._by_path.get(path)
        if found is None:
            config = self.config_for(path)
            settings = self._settings.get(config.key)
            if settings is None:
                settings = self._settings[config.key] = self._build(config)
            found = self._by_path[path] = self._ignoring_here(self._versions.settings_for(settings, path), config,
                                                              path)
        return found

    def _ignoring_here(self, settings: Settings, config: Config, path: Path) -> Settings:
        """``settings`` with the rules ``per-file-ignores`` drop for ``path`` (one object per
        distinct set, so files alike share their Settings)."""
        if not config.per_file_ignores:
            return settings
        relative = config.relative(_absolute(path))
        if relative is None:
            return settings
        codes = tuple(code for entry in config.per_file_ignores if entry.spec.match_file(relative)
                      for code in entry.codes)
        if not codes:
            return settings
        key = (id(settings), codes)
        cached = self._ignoring.get(key)
        if cached is None or cached[0] is not settings:
            cached = self._ignoring[key] = (settings, replace(settings, ignored_here=codes))
        return cached[1]

    def prepare(self, path: Path) -> None:
        """Load the catalog and build the settings of ``path``'s configuration in this
        process (the CLI's, before workers start), so that their warnings print once."""
        config = self.config_for(path)
        if config.key not in self._settings:
            self._settings[config.key] = self._build(config)

    def _build(self, config: Config) -> Settings:
        catalog = self._catalog(config)
        cli = self.overrides
        if cli.select is not None:  # --select replaces the config's select and extend-select
            select, extend = cli.select, cli.extend_select
        else:
            select, extend = config.select, config.extend_select + cli.extend_select
        preview = cli.preview if cli.preview is not None else config.preview
        self._tell(preview_warnings(catalog, (select or ()) + extend, preview))
        ignore = cli.ignore if cli.ignore is not None else config.ignore
        options: dict[str, dict[str, Any]] = {}
        for rule_id, meta in catalog.rules.items():
            if meta.options:
                options[rule_id] = {name: option.default for name, option in meta.options.items()}
        for rule_id, rule in config.rules.items():
            options.setdefault(rule_id, {}).update(rule.options)
        return Settings(
            catalog,
            enabled_rules(catalog, select, ignore, extend, preview),
            rule_options=options,
            severities={rule_id: rule.severity for rule_id, rule in config.rules.items() if rule.severity},
            target_version=cli.target_version or config.target_version or config.requires_python or DEFAULT_TARGET,
            show_notes=cli.show_notes if cli.show_notes is not None else config.show_notes,
            project=config.project and not cli.isolated,
            report_unused_suppressions=cli.report_unused_suppressions,
            package=self.package_facts,
            deep=_deep_stamp(cli.deep if cli.deep is not None else config.deep, config.root),
            **{name: value for name in ("max_file_bytes", "max_tokens", "file_timeout", "fix_timeout",
                                        "threat_models")
               if (value := getattr(config, name)) is not None},
        )

    def _catalog(self, config: Config) -> Catalog:
        if not config.extend_catalog:
            return self.catalog
        key = config.extend_catalog
        catalog = self._catalogs.get(key)
        if catalog is None:
            try:
                catalog = self._catalogs[key] = extended_catalog(key)
            except CatalogError as exc:
                raise ConfigError(f"{shown(config.source or Path('.'))}: [tool.alint] key 'extend-catalog': "
                                  f"{exc}") from exc
            self._tell(catalog.warnings)
        return catalog

    def _tell(self, messages: list[str]) -> None:
        """Each warning once per run: kept in ``warnings``, and given to ``warn`` in the main
        process only (a worker building the same settings stays quiet)."""
        for message in messages:
            if message in self._warned:
                continue
            self._warned.add(message)
            self.warnings.append(message)
            if self.warn is not None and multiprocessing.parent_process() is None:
                self.warn(message)

    def catalog_for(self, path: Path) -> Catalog:
        """The catalog that applies to ``path`` (the shipped one plus its config's extend-catalog)."""
        return self._catalog(self.config_for(path))


def _absolute(path: Path) -> Path:
    # abspath, not resolve(): patterns apply to the path as the user's tree spells it.
    return Path(os.path.abspath(path))


def _deep_stamp(deep: bool, root: Path | None) -> str:
    """``Settings.deep``: "" when off, else what deep answers depend on besides the file (the
    installed packages, the project's Python files: deep/__init__.py), so the content cache
    never replays a plain answer or a stale one. astroid missing is a configuration error
    that says how to install it."""
    if not deep:
        return ""
    from .deep import INSTALL_HINT, available, environment_stamp, project_stamp, warm_up

    if not available():
        raise ConfigError(INSTALL_HINT)
    if "" not in _DEEP_STAMP:
        warm_up()
    from .project.modules import project_root_of

    environment = _DEEP_STAMP.setdefault("", environment_stamp())  # once per process
    return f"{environment}:{project_stamp(root if root is not None else project_root_of(Path.cwd()))}"


_DEEP_STAMP: dict[str, str] = {}
