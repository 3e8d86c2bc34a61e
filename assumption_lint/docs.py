"""Documentation generated from the catalog, so the README cannot drift from the data.

``python -m assumption_lint.docs`` prints the table of calls AL301/AL302 know;
``--write`` puts it into README.md between the ``api-table`` markers, and ``--check``
exits with status 1 when the README's copy is stale (the test suite runs the same check).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .catalog import ApiEntry, Catalog, ClientEntry, TimeoutSpec, shipped_catalog

START = "<!-- api-table:start -->"
END = "<!-- api-table:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"

_VALUE_TEXT = {"None": "`None`", "inf": "`float(\"inf\")`", "0": "`0`"}


@dataclass(frozen=True)
class Coverage:
    """What the timeout catalog covers, counted the way the README states it."""

    apis: tuple[str, ...]  # qualified names (a pattern such as `*_pb2_grpc.*Stub.*` counts once)
    libraries: tuple[str, ...]
    flagged_when_missing: tuple[str, ...]  # names whose default is unbounded (AL301 can fire)
    clients: tuple[str, ...]


def timeout_entries(catalog: Catalog) -> list[ApiEntry]:
    """Each catalog entry with a timeout, once, in catalog order."""
    seen: set[int] = set()
    entries = []
    for entry in catalog.apis.values():
        if id(entry) in seen or not _specs(entry):
            continue
        seen.add(id(entry))
        entries.append(entry)
    return entries


def timeout_clients(catalog: Catalog) -> list[ClientEntry]:
    seen: set[int] = set()
    clients = []
    for client in catalog.clients.values():
        if id(client) in seen or client.timeout is None:
            continue
        seen.add(id(client))
        clients.append(client)
    return clients


def coverage(catalog: Catalog) -> Coverage:
    entries = timeout_entries(catalog)
    names = tuple(name for entry in entries for name in entry.names)
    flagged = tuple(name for entry in entries for name in entry.names
                    if any(_can_be_missing(spec, name, catalog) for spec in _specs(entry)))
    return Coverage(apis=names, libraries=tuple(sorted({entry.library for entry in entries}, key=str.lower)),
                    flagged_when_missing=flagged,
                    clients=tuple(name for client in timeout_clients(catalog) for name in client.constructors))


def _specs(entry: ApiEntry) -> tuple[TimeoutSpec, ...]:
    return entry.timeouts or ((entry.timeout,) if entry.timeout else ())


def _can_be_missing(spec: TimeoutSpec, name: str, catalog: Catalog) -> bool:
    """Can AL301 fire on ``name`` (a call to it without a timeout can block forever)?"""
    if spec.default in ("forever", "global"):
        return True
    if spec.default == "client":
        # A method is flagged when the client type it belongs to has an unbounded default.
        owner = name.rpartition(".")[0]
        return any(client.type == owner and client.timeout is not None
                   and client.timeout.default in ("forever", "global")
                   for client in catalog.clients.values())
    return False


# ---------------------------------------------------------------------------- rendering
def _names(names: Iterable[str]) -> str:
    """``requests.get, requests.post`` -> ``requests.{get, post}``: one group per prefix."""
    groups: dict[str, list[str]] = {}
    for name in names:
        prefix, _, last = name.rpartition(".")
        groups.setdefault(prefix, []).append(last)
    parts = []
    for prefix, lasts in groups.items():
        if len(lasts) == 1:
            parts.append(f"`{prefix + '.' if prefix else ''}{lasts[0]}`")
        else:
            parts.append(f"`{prefix}.{{{', '.join(lasts)}}}`")
    return "<br>".join(parts)


def _position(spec: TimeoutSpec) -> str:
    places = []
    if spec.position is not None:
        places.append(f"position {spec.position}")
    for (major, minor), pos in sorted(spec.positions_from):
        places.append(f"{'keyword-only' if pos is None else f'position {pos}'} from {major}.{minor}")
    return f" ({'; '.join(places)})" if places else ""


def _argument(spec: TimeoutSpec) -> str:
    if not spec.keywords:
        return "none: the object's own timeout"
    text = " or ".join(f"`{keyword}`" for keyword in spec.keywords) + _position(spec)
    if spec.string_keyword or spec.string_position is not None:
        text += ", or in the connection string"
    if spec.default == "client":
        text += ", else the object's"
    return text


def _without(spec: TimeoutSpec) -> str:
    if spec.default == "client":
        return "the object's timeout (see client objects)"
    text = spec.default_text
    if spec.default == "global":
        text += f"; bounded once `{spec.global_setter}()` is called at module level or anywhere in the same package"
    return text


def _changes(catalog: Catalog, entry: ApiEntry, spec: TimeoutSpec) -> list:  # type: ignore[type-arg]
    """Defaults that differ in older releases (``[[default-change]]`` in versions.toml)."""
    return [change for change in getattr(catalog, "default_changes", ())
            if spec.keyword in change.keywords and set(change.apis) & set(entry.names)]


def _older_releases(catalog: Catalog, entry: ApiEntry, spec: TimeoutSpec) -> str:
    return "".join(dict.fromkeys(f"; {change.default_text}" for change in _changes(catalog, entry, spec)))


def _al301_versioned(catalog: Catalog, entry: ApiEntry, spec: TimeoutSpec) -> str:
    text = _al301(spec)
    if spec.connects_with is not None and spec.default in ("forever", "global"):
        text += f", when given `{spec.connects_with[0]}` (it connects then)"
    for change in _changes(catalog, entry, spec):
        if spec.default == "bounded" and change.default in ("forever", "global"):
            below = ".".join(str(part) for part in change.below)
            return f"only when the project declares {change.package} < {below}"
    return text


def _al301(spec: TimeoutSpec) -> str:
    return {"forever": "yes", "global": "yes, unless a global default is set",
            "bounded": "no: bounded by default", "client": "when the object has no timeout"}[spec.default]


def _al302(spec: TimeoutSpec) -> str:
    if not spec.keywords:
        return "never"
    values = [_VALUE_TEXT[value] for value in spec.disabled_values]
    values += [f"`{name}(...)` with `None` for {'a phase' if spec.object_phases else 'every argument'}"
               for name in spec.timeout_objects]
    if spec.tuple_phases and "None" in spec.disabled_values:
        values.append(f"`None` in a ({', '.join(spec.tuple_phases)}) pair")
    return ", ".join(values) if values else "never"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def api_table(catalog: Catalog | None = None) -> str:
    """The README section: counts, then one row per call and timeout, then client objects."""
    catalog = catalog or shipped_catalog()
    counts = coverage(catalog)
    lines = [
        f"alint knows the timeouts of **{len(counts.apis)} calls in {len(counts.libraries)} libraries** "
        f"(aliases counted; {len(counts.flagged_when_missing)} of them can block forever when no timeout "
        "is given, the others are bounded by default and only flagged when the timeout is disabled), "
        f"and {len(counts.clients)} client constructors whose timeout covers their methods. "
        "Generated from `rules/*.toml` by `python -m assumption_lint.docs --write`.",
        "",
        "| Library | Call | Timeout argument | Without one | AL301 | AL302 when |",
        "|---|---|---|---|---|---|",
    ]
    entries = sorted(timeout_entries(catalog), key=lambda entry: entry.library.lower())
    for entry in entries:
        specs = _specs(entry)
        for spec in specs:
            phase = f": {spec.phase}" if len(specs) > 1 else ""
            lines.append("| " + " | ".join(_cell(text) for text in (
                entry.library, _names(entry.names), _argument(spec) + phase,
                _without(spec) + _older_releases(catalog, entry, spec),
                _al301_versioned(catalog, entry, spec), _al302(spec))) + " |")
    clients = sorted(timeout_clients(catalog), key=lambda client: client.library.lower())
    if clients:
        lines += ["", "Client objects: their methods use the object's timeout unless the call passes one.", "",
                  "| Library | Constructor | Timeout argument | Without one | AL302 when |", "|---|---|---|---|---|"]
        for client in clients:
            spec = client.timeout
            assert spec is not None
            argument = _argument(spec)
            if client.timeout_setters:
                setters = ", ".join(f"`{name}()`" for name in client.timeout_setters)
                argument = setters if not spec.keywords else f"{argument}, or {setters}"
            lines.append("| " + " | ".join(_cell(text) for text in (
                client.library, _names(client.constructors), argument, _without(spec), _al302(spec))) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- README
def replace_section(text: str, table: str) -> str:
    """``text`` with everything between the markers replaced by ``table``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {START} ... {END} markers")
    return text[: start + len(START)] + "\n" + table + text[end:]


def readme_section(text: str) -> str:
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {START} ... {END} markers")
    return text[start + len(START): end].strip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assumption_lint.docs", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="update README.md between the api-table markers")
    group.add_argument("--check", action="store_true", help="exit 1 when README.md's table is stale")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    table = api_table()
    if not (args.write or args.check):
        sys.stdout.write(table)
        return 0
    text = args.readme.read_text(encoding="utf-8")
    if args.check:
        if readme_section(text) != table:
            print(f"{args.readme}: the API table is stale; run python -m assumption_lint.docs --write",
                  file=sys.stderr)
            return 1
        return 0
    updated = replace_section(text, table)
    if updated != text:
        args.readme.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
