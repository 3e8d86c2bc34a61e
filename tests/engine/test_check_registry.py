"""The check registry (checks/__init__.py) names every check without importing it, and a
run imports only the checks of the rules it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assumption_lint import checks

CHECKS_DIR = Path(checks.__file__).parent


def test_the_registry_says_what_each_class_says() -> None:
    for module, name, rules in checks.REGISTRY:
        check = checks.load(module, name)
        assert check.__name__ == name and check.__module__ == f"assumption_lint.checks.{module}"
        assert tuple(check.rules) == rules


def test_every_check_module_is_registered_once() -> None:
    on_disk = {path.stem for path in CHECKS_DIR.glob("*.py")} - {"__init__", "base"}
    registered = [module for module, _, _ in checks.REGISTRY]
    assert sorted(registered) == sorted(on_disk)
    rules = [rule for _, _, reported in checks.REGISTRY for rule in reported]
    assert len(rules) == len(set(rules))


def test_all_checks_and_the_class_names_still_work() -> None:
    assert [check.__name__ for check in checks.ALL_CHECKS] == [name for _, name, _ in checks.REGISTRY]
    assert checks.MissingTimeout is checks.load("missing_timeout", "MissingTimeout")
    assert checks.Check.__name__ == "Check"


def test_a_run_imports_only_the_enabled_checks(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text("import requests\n\nrequests.get('https://example.com')\n")
    code = ("import sys, json\nfrom assumption_lint import cli\nsys.argv = ['alint', '--no-cache', '--select', "
            f"'AL301', '--format', 'json', {str(target)!r}]\ntry:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(json.dumps(sorted(m for m in sys.modules if m.startswith('assumption_lint.checks.'))))\n")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    loaded = json.loads(ran.stderr.strip().splitlines()[-1])
    assert "AL301" in ran.stdout
    assert loaded == ["assumption_lint.checks.base", "assumption_lint.checks.missing_timeout"]
