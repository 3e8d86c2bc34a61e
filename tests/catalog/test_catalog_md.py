"""docs/catalog.md against the table registry: every key of every table kind is documented,
no documented key is unknown, and the worked example really works as a project catalog."""

from __future__ import annotations

import json
import re
from pathlib import Path


from assumption_lint.catalog import TABLES
from assumption_lint.cli import cli
from harness import ROOT, cli_runner

DOC = ROOT / "docs" / "catalog.md"
# `[[api]]`, `[api.timeout]`, `[rule.<ID>]`, `[rule.<ID>.options.<name>]` in a heading.
_MARKER = re.compile(r"`(\[\[?[A-Za-z<>.-]+\]\]?)`")
_KEY = re.compile(r"`([a-z][a-z0-9-]*)`")


def _registry_markers() -> dict[str, set[str]]:
    markers = {}
    for kind in TABLES.values():
        markers[kind.heading] = set(kind.keys)
        for sub, keys in kind.subtables.items():
            prefix = f"{kind.name}.<ID>" if kind.by_id else kind.name
            markers[f"[{prefix}.{sub}]"] = set(keys)
    return markers


def _documented() -> dict[str, set[str]]:
    """Marker -> keys in the first column of the key tables under headings naming it."""
    documented: dict[str, set[str]] = {}
    current: list[str] = []
    in_key_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            current = [marker.replace("[[api.timeout]]", "[api.timeout]") for marker in _MARKER.findall(line)]
            in_key_table = False
            continue
        if line.startswith("| Key"):
            in_key_table = True
            continue
        if not line.startswith("|"):
            in_key_table = False
            continue
        if in_key_table and not line.startswith("|---"):
            first_cell = line.split("|")[1]
            for marker in current:
                documented.setdefault(marker, set()).update(_KEY.findall(first_cell))
    return documented


def test_every_registered_key_is_documented_under_its_table() -> None:
    documented = _documented()
    for marker, keys in _registry_markers().items():
        missing = keys - documented.get(marker, set())
        assert not missing, f"docs/catalog.md does not document {marker} keys {sorted(missing)}"


def test_no_documented_key_is_unknown_to_the_registry() -> None:
    registry = _registry_markers()
    for marker, keys in _documented().items():
        assert marker in registry, f"docs/catalog.md documents {marker}, which is no table kind"
        unknown = keys - registry[marker]
        assert not unknown, f"docs/catalog.md documents {marker} keys {sorted(unknown)} that do not exist"


def _example(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    block = text.split(f"<!-- example: {name} -->", 1)[1].split("<!-- end example -->", 1)[0]
    return block.strip().removeprefix("```toml").removesuffix("```")


SNIPPET = '''import niquests


def main(urls):
    for url in urls:
        niquests.get(url)


if __name__ == "__main__":
    main(["https://example.com/health", "https://example.org/health"])
'''


def _run(tmp_path: Path) -> set[tuple[int, str]]:
    runner = cli_runner()
    # --preview: AL201, which the example also shows, is a preview rule on applications.
    result = runner.invoke(cli, ["check", "--preview", "--format", "json", "--exit-zero", str(tmp_path / "app.py")],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    return {(item["line"], item["rule"]) for item in json.loads(result.stdout)["findings"]}


def test_the_worked_example_adds_an_http_library_as_a_project_catalog(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SNIPPET, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.alint]\n", encoding="utf-8")
    assert _run(tmp_path) == set()  # niquests is unknown to the shipped catalog
    (tmp_path / "niquests.toml").write_text(_example("niquests"), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.alint]\nextend-catalog = ["niquests.toml"]\n', encoding="utf-8")
    assert _run(tmp_path) == {(6, "AL201"), (6, "AL301")}


def test_the_worked_example_is_one_api_block_plus_its_family() -> None:
    import tomllib
    data = tomllib.loads(_example("niquests"))
    assert set(data) == {"exception", "network", "api"}
    assert len(data["api"]) == 1 and len(data["network"]) == 1
    assert data["api"][0]["family"] == data["network"][0]["name"]
