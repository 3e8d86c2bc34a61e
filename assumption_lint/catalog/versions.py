"""Timeout defaults that changed across a library's releases (``rules/versions.toml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from .names import NameTable
from .schema import CatalogError, DEFAULTS, _expect, _str_list

if TYPE_CHECKING:
    from . import Catalog
    from .timeouts import ApiEntry, TimeoutSpec


@dataclass(frozen=True)
class DefaultChange:
    """``[[default-change]]``: releases of ``package`` below ``below`` had another default for
    the ``keywords`` timeouts of ``apis`` than the current release their entries describe
    (redis-py before 8.0: no socket timeout). Applied by ``Catalog.for_versions``."""

    package: str
    below: tuple[int, ...]
    apis: tuple[str, ...]
    keywords: tuple[str, ...]
    default: str
    default_text: str
    fix: str
    source: str


_DEFAULT_CHANGE_KEYS = {"package", "below", "apis", "keywords", "default", "default-text", "fix"}


def normalize_package(name: str) -> str:
    """A distribution name as PEP 503 compares them: ``Redis_Py`` -> ``redis-py``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_release(text: str) -> tuple[int, ...] | None:
    """The numeric release of a version string: ``"8.0.0rc1"`` -> (8, 0, 0); None if none."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", text)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def parse_default_change(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    below = parse_release(_expect(table, "below", str, where))
    if below is None:
        raise CatalogError(f"{where}: key 'below' must be a release like \"8.0\"")
    catalog.default_changes.append(DefaultChange(
        package=normalize_package(_expect(table, "package", str, where)),
        below=below,
        apis=_str_list(table, "apis", where),
        keywords=_str_list(table, "keywords", where),
        default=_expect(table, "default", str, where, choices=DEFAULTS),
        default_text=_expect(table, "default-text", str, where),
        fix=_expect(table, "fix", str, where, default=""),
        source=source,
    ))


def _check_default_changes(catalog: Catalog) -> None:
    """Every default change must name a catalogued API and one of its timeout keywords."""
    for change in catalog.default_changes:
        for name in change.apis:
            entry = catalog.apis.get(name)
            if entry is None:
                raise CatalogError(f"{change.source}: default-change for {change.package}: key 'apis' names "
                                   f"unknown API {name!r}")
            for keyword in change.keywords:
                if not any(spec.keyword == keyword for spec in _specs(entry)):
                    raise CatalogError(f"{change.source}: default-change for {change.package}: {name} has no "
                                       f"timeout keyword {keyword!r}")


def _specs(entry: ApiEntry) -> tuple[TimeoutSpec, ...]:
    return entry.timeouts or ((entry.timeout,) if entry.timeout is not None else ())


class DeclaredVersion(Protocol):
    """What the analyzed project declares about one package (see ``versions.py``)."""

    origin: str

    def all_below(self, release: tuple[int, ...]) -> bool: ...


def specialise(catalog: Catalog, versions: Mapping[str, DeclaredVersion]) -> Catalog:
    """``catalog`` as it applies to a project that declares ``versions``: a timeout default
    that changed applies with its old value when every release the project allows is older
    than the change. Packages the project does not declare keep the current default."""
    changes = []
    for change in catalog.default_changes:
        declared = versions.get(change.package)
        if declared is not None and declared.all_below(change.below):
            changes.append((change, declared))
    if not changes:
        return catalog
    apis = NameTable(catalog.apis)
    # Names that share one entry share its replacement; a second change of the same entry
    # (another timeout keyword) applies on top of the first.
    memo: dict[tuple[int, int], tuple[ApiEntry, ApiEntry]] = {}
    for change, declared in changes:
        for name in change.apis:
            entry = apis.get(name)
            if entry is None:
                continue
            key = (id(entry), id(change))
            if key not in memo:
                memo[key] = (entry, _changed(entry, change, declared))
            apis[name] = memo[key][1]
    return replace(catalog, apis=apis)


def _changed(entry: ApiEntry, change: DefaultChange, declared: DeclaredVersion) -> ApiEntry:
    def old(spec: TimeoutSpec) -> TimeoutSpec:
        if spec.keyword not in change.keywords:
            return spec
        # Where the version was read goes with the fix: AL301 joins several phases' fixes,
        # and identical texts once.
        return replace(spec, default=change.default, default_text=change.default_text,
                       fix=f"{declared.origin}, so {change.fix or spec.fix or f'pass {spec.keyword}=...'}")
    timeouts = tuple(old(spec) for spec in entry.timeouts)
    timeout = old(entry.timeout) if entry.timeout is not None else None
    if timeouts and entry.timeout is not None and entry.timeout.keyword == timeouts[0].keyword:
        timeout = timeouts[0]
    return replace(entry, timeout=timeout, timeouts=timeouts)
