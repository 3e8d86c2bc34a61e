"""``alint --version`` and option parsing import only click: the catalog, the configuration,
the runner, the engine and the reporters load when a command needs them (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("libcst", "sarif_om", "pathspec", "assumption_lint.catalog", "assumption_lint.config",
         "assumption_lint.runner", "assumption_lint.engine", "assumption_lint.checks",
         "assumption_lint.reporters.text", "assumption_lint.reporters.sarif", "assumption_lint.cache")


def _loaded_after(code: str) -> set[str]:
    script = (f"import sys\n{code}\nimport json\n"
              f"print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_command_line_loads_none_of_the_heavy_modules() -> None:
    loaded = _loaded_after("import assumption_lint.cli")
    assert "click" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_version_prints_without_loading_them() -> None:
    code = ("import assumption_lint.cli as c\nsys.argv = ['alint', '--version']\n"
            "try:\n    c.main()\nexcept SystemExit:\n    pass\n")
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_a_report_format_loads_its_reporter_on_first_render() -> None:
    code = ("from assumption_lint.reporters import FORMATS\n"
            "assert 'assumption_lint.reporters.sarif' not in sys.modules\n"
            "from assumption_lint.runner import Report\nfrom assumption_lint.catalog import shipped_catalog\n"
            "from assumption_lint.reporters import RenderOptions\n"
            "FORMATS['sarif'](Report(), shipped_catalog(), RenderOptions())\n")
    assert "assumption_lint.reporters.sarif" in _loaded_after(code)
