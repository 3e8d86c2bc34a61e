"""The docs are generated from the catalog, the page sources and the fixtures, and must match them:
the README rule table, docs/apis.md and one page per rule under docs/rules/."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from assumption_lint import docs
from assumption_lint.catalog import Catalog, load_text, shipped_catalog
from assumption_lint.config import KEYS
from harness import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOCS = ROOT / "docs"
_LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(?:#[^)]*)?\)")
_TOML_BLOCK = re.compile(r"```toml\n(?P<body>.*?)```", re.DOTALL)


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def test_generated_docs_are_current() -> None:
    assert docs.stale_files(ROOT) == [], "run `python -m assumption_lint.docs --write`"


def test_check_mode_fails_on_stale_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(f"# x\n{docs.RULE_TABLE[0]}\n| old |\n{docs.RULE_TABLE[1]}\n", encoding="utf-8")
    assert docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert docs.main(["--write", "--root", str(tmp_path)]) == 0
    assert docs.main(["--check", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8").startswith("# x\n")
    page = tmp_path / "docs" / "rules" / "AL301.md"
    page.write_text(page.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    assert docs.stale_files(tmp_path) == ["docs/rules/AL301.md"]
    docs.main(["--write", "--root", str(tmp_path)])
    (tmp_path / "docs" / "rules" / "AL999.md").write_text("a rule that is gone\n", encoding="utf-8")
    assert docs.stale_files(tmp_path) == ["docs/rules/AL999.md"]
    docs.main(["--write", "--root", str(tmp_path)])
    assert not (tmp_path / "docs" / "rules" / "AL999.md").exists()


def test_write_needs_the_markers(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="rule-table"):
        docs.main(["--write", "--root", str(tmp_path)])


def test_readme_is_a_front_door() -> None:
    size = len((ROOT / "README.md").read_bytes())
    assert size <= 15 * 1024, f"README.md is {size} bytes; move detail into docs/"


def test_readme_rule_table_lists_every_rule_with_its_facts() -> None:
    table = docs.readme_section((ROOT / "README.md").read_text(encoding="utf-8"))
    catalog = shipped_catalog()
    for rule in catalog.rules.values():
        row = next(line for line in table.splitlines() if line.startswith(f"| {rule.id} ") or f"[{rule.id}]" in line)
        assert f"`{rule.slug}`" in row and f"| {rule.severity} |" in row and rule.summary in row


def test_every_docs_page_is_linked_and_every_link_resolves() -> None:
    """Documented means linked from the README, directly or from the rule index."""
    linked: set[Path] = set()
    for source in [ROOT / "README.md", DOCS / "rules" / "README.md"]:
        for match in _LINK.finditer(source.read_text(encoding="utf-8")):
            if "://" not in match["target"]:
                linked.add((source.parent / match["target"]).resolve())
    missing = [str(page.relative_to(ROOT)) for page in _pages() if page.resolve() not in linked]
    assert not missing, f"pages not linked from README.md or docs/rules/README.md: {missing}"
    for page in [ROOT / "README.md", *_pages()]:
        for match in _LINK.finditer(page.read_text(encoding="utf-8")):
            target = match["target"]
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)}: broken link {target}"


def _documented_settings() -> list[tuple[str, str, str]]:
    """(page, table, key) for every [tool.alint...] setting shown in a TOML block or in prose."""
    found = []
    for page in [ROOT / "README.md", *_pages()]:
        text = page.read_text(encoding="utf-8")
        name = str(page.relative_to(ROOT))
        for block in _TOML_BLOCK.finditer(text):
            data = tomllib.loads(block["body"])
            alint = data.get("tool", {}).get("alint", {})
            for key, value in alint.items():
                if key == "rules":
                    found += [(name, f"rules.{rule}", option) for rule, table in value.items() for option in table]
                else:
                    found.append((name, "", key))
        for rule, option in re.findall(r"\[tool\.alint\.rules\.(AL\d{3})\]`?\s+`?([a-z][\w-]*)\s*=", text):
            found.append((name, f"rules.{rule}", option))
    return found


def test_documented_options_are_real_config_keys() -> None:
    catalog = shipped_catalog()
    settings = _documented_settings()
    assert any(table == "rules.AL201" and key == "strict" for _, table, key in settings)
    for page, table, key in settings:
        if not table:
            assert key in KEYS, f"{page}: [tool.alint] key '{key}' is not a config key"
        else:
            rule = catalog.rules[table.split(".")[1]]
            assert key == "severity" or key in rule.options, f"{page}: [tool.alint.{table}] '{key}' is not an option"


def test_every_rule_but_the_engines_has_a_page_with_a_tested_example() -> None:
    catalog = shipped_catalog()
    regions = docs.all_regions()
    for rule_id, rule in catalog.rules.items():
        if docs.is_engine_rule(rule_id):
            assert not (DOCS / "rules" / f"{rule_id}.md").exists()
            continue
        page = (DOCS / "rules" / f"{rule_id}.md").read_text(encoding="utf-8")
        headings = re.findall(r"^## (.+)$", page, re.MULTILINE)
        assert headings == list(docs.HEADINGS), rule_id
        example = docs.example(rule, regions)
        assert example is not None, f"{rule_id}: mark a `# docs: bad` and a `# docs: good` region in a fixture"
        # The bad region is reported by alint, the good one is quiet: the page quotes tested code.
        assert docs.reported(example.bad, rule_id), f"{rule_id}: nothing reported in {example.bad.path.name}"
        assert not docs.reported(example.good, rule_id), f"{rule_id}: the good example is reported"


def test_measured_figures_are_those_of_the_precision_docs() -> None:
    catalog = shipped_catalog()
    for rule in docs.page_rules(catalog):
        figure = docs.measured(docs.page_source(rule.id))
        family_page = {"AL1": "input.md", "AL2": "network.md", "AL3": "timeouts.md", "AL4": "boundary.md",
                       "AL5": "models.md"}
        triage = DOCS / "precision" / family_page[rule.id[:3]]
        text = triage.read_text(encoding="utf-8")
        for percent in re.findall(r"\d+%", figure):
            assert percent in text, f"{rule.id}: {percent} is not in {triage.name}"


def test_regions_pick_their_rules_from_labels_or_the_marker(tmp_path: Path) -> None:
    fixture = tmp_path / "sample.py"
    fixture.write_text(
        "# docs: bad\n"
        "requests.get(url)  # expect: AL301, AL201\n"
        "# docs: end\n"
        "    # docs: good AL302\n"
        "    requests.get(url, timeout=5)  # ok: AL301\n"
        "    # docs: end\n", encoding="utf-8")
    bad, good = docs.fixture_regions(fixture)
    assert bad.rules() == {"AL301", "AL201"} and bad.first == 2 and bad.last == 2
    assert good.rules() == {"AL302"}
    assert docs.shown_code(bad, "AL301") == "requests.get(url)  # <- AL301"
    assert docs.shown_code(good, "AL302") == "requests.get(url, timeout=5)"


def test_an_unclosed_region_is_an_error(tmp_path: Path) -> None:
    fixture = tmp_path / "open.py"
    fixture.write_text("# docs: bad\nx = 1\n", encoding="utf-8")
    with pytest.raises(docs.RegionError, match="no `# docs: end`"):
        docs.fixture_regions(fixture)


def test_a_page_source_may_not_invent_headings(tmp_path: Path) -> None:
    shutil.copy(docs.SOURCES / "AL301.md", tmp_path / "AL301.md")
    assert docs.page_source("AL301", tmp_path)
    (tmp_path / "AL301.md").write_text("## Example\nmine\n", encoding="utf-8")
    with pytest.raises(docs.PageSourceError, match="Example"):
        docs.page_source("AL301", tmp_path)
    (tmp_path / "AL301.md").write_text("## How to fix\nx\n", encoding="utf-8")
    with pytest.raises(docs.PageSourceError, match="regression test"):
        docs.page_source("AL301", tmp_path)


def test_table_follows_the_catalog() -> None:
    """Adding an API is a data change, and the table shows it with its facts."""
    catalog = Catalog(rules=dict(shipped_catalog().rules))
    load_text(catalog, """
[[api]]
names = ["acme.fetch", "acme.push"]
library = "acme"
kind = "http"
[api.timeout]
keyword = "deadline"
position = 3
default = "forever"
default-text = "acme waits forever"
phase = "read phase"
disabled-values = ["None", "0"]
""", "acme.toml")
    table = docs.api_table(catalog)
    row = next(line for line in table.splitlines() if line.startswith("| acme |"))
    assert "`acme.{fetch, push}`" in row
    assert "`deadline` (position 3)" in row
    assert "acme waits forever" in row
    assert "`None`, `0`" in row
    assert "**2 calls in 1 libraries**" in table


def test_coverage_counts_distinguish_bounded_defaults() -> None:
    counts = docs.coverage(shipped_catalog())
    assert "requests.get" in counts.flagged_when_missing
    assert "httpx.get" in counts.apis and "httpx.get" not in counts.flagged_when_missing
    # A client method is flagged only through clients whose own default is unbounded.
    assert "urllib3.PoolManager.request" in counts.flagged_when_missing
    assert "httpx.Client.get" not in counts.flagged_when_missing


def test_readme_example_output_is_what_alint_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from assumption_lint.cli import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    console = re.search(r"```console\n\$ alint (?P<args>.*?)\n(?P<out>.*?)```", readme, re.DOTALL)
    assert console is not None
    monkeypatch.chdir(ROOT)
    printed = CliRunner().invoke(cli, ["check", *console["args"].split()]).stdout.splitlines()
    quoted = [line for line in console["out"].splitlines() if line != "..." and not line.startswith("Found ")]
    assert quoted and all(line in printed for line in quoted), "README.md's example output is stale"


# ---------------------------------------------------------------------------- alint rules / --explain
def _alint(*args: str):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from assumption_lint.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_alint_rules_with_an_id_prints_the_page() -> None:
    result = _alint("rules", "al301")
    assert result.exit_code == 0, result.output
    page = (DOCS / "rules" / "AL301.md").read_text(encoding="utf-8")
    assert result.stdout.startswith("# AL301 missing-timeout") and page.endswith(result.stdout)
    data = __import__("json").loads(_alint("rules", "AL301", "--format", "json").stdout)
    assert data["id"] == "AL301" and "## The regression test to write" in data["page"]


def test_alint_rules_with_a_prefix_lists_the_rules_it_matches() -> None:
    result = _alint("rules", "AL30")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["AL301", "AL302", "AL303", "AL304", "AL305"]


def test_alint_rules_of_an_engine_rule_prints_its_help_and_an_unknown_id_is_a_usage_error() -> None:
    engine = _alint("rules", "AL001")
    assert engine.exit_code == 0 and "could not read, decode or parse" in engine.stdout
    unknown = _alint("rules", "AL9")
    assert unknown.exit_code == 2 and "'AL9' matches no rule" in unknown.stderr


def test_explain_puts_the_regression_test_under_each_finding(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from assumption_lint.pages import regression_advice

    (tmp_path / "client.py").write_text('import requests\n\n\ndef f():\n    return requests.get("https://x")\n',
                                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    plain = _alint("check", "client.py")
    explained = _alint("check", "--explain", "client.py")
    assert plain.exit_code == explained.exit_code == 1
    assert "test:" not in plain.stdout
    lines = explained.stdout.splitlines()
    at = next(index for index, line in enumerate(lines) if line.startswith("      test: "))
    assert lines[at - 3].startswith("client.py:5:12: AL301")  # headline, source line, caret, advice
    advice = regression_advice("AL301")
    assert advice and " ".join(line.strip() for line in lines[at:at + 12]).startswith(f"test: {advice[:60]}")
