"""docs/usage.md quotes real output of alint: it must still be what alint prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.cli import cli
from harness import ROOT


def test_docs_example_output_is_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/usage.md quotes real output of the network rules: it must still be what alint prints."""
    import re

    doc = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    example = doc[doc.index("```python\n# shop.py"):]
    code = re.search(r"```python\n# shop.py\n(.*?)```", example, re.S).group(1)  # type: ignore[union-attr]
    console = re.search(r"```console\n\$ alint (.*?)\n(.*?)```", example, re.S)
    assert console is not None
    (tmp_path / "shop.py").write_text(code, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", *console.group(1).split()])
    printed = [line for line in result.stdout.splitlines() if line.startswith("shop.py")]
    assert printed == console.group(2).strip().splitlines()
