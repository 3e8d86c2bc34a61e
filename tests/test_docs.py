"""The README's table of covered APIs is generated from the catalog and must match it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assumption_lint import docs
from assumption_lint.catalog import Catalog, load_text, shipped_catalog

ROOT = Path(__file__).resolve().parent.parent


def test_readme_api_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.readme_section(readme) == docs.api_table(), (
        "README.md's API table is stale: run `python -m assumption_lint.docs --write`")


def test_check_mode_fails_on_a_stale_readme(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(f"# x\n{docs.START}\n| old | table |\n{docs.END}\n", encoding="utf-8")
    assert docs.main(["--check", "--readme", str(stale)]) == 1
    assert docs.main(["--write", "--readme", str(stale)]) == 0
    assert docs.main(["--check", "--readme", str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("# x\n") and text.endswith(f"{docs.END}\n")


def test_write_needs_the_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="api-table"):
        docs.main(["--write", "--readme", str(readme)])


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
