"""Import directions between the checks and the facts they read, read from the source with ast.

A check holds only its decisions: it imports the check base, shared facts (the context
stacks included), the resolver and the catalog, never another check (whose private classes would
then be an API). Facts sit below the checks and never import them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assumption_lint"

CHECKS_MAY_IMPORT = ("checks.base", "facts", "resolve", "catalog")
# project.summaries: the plain data of module summaries, which facts build and read.
FACTS_MAY_IMPORT = ("facts", "resolve", "catalog", "project.summaries")
# Imported only for type annotations (`if TYPE_CHECKING:`): the FileState a constructor takes.
TYPES_ONLY = ("engine",)
# None: the package facts AL301 reads come through its Settings (settings.package).
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def _imports(path: Path, module: str | None = None) -> list[tuple[str, bool]]:
    """(imported module relative to the package, only under TYPE_CHECKING) for each import
    of the file, read as the package's module ``module`` (by default, where it lies)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = (module or _module_name(path)).split(".")[:-1]
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            type_only.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:  # `from . import x`
                found.extend((f"{target}.{alias.name}".strip("."), id(node) in type_only) for alias in node.names)
            else:
                found.append((target, id(node) in type_only))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assumption_lint"):
            found.append((node.module.removeprefix("assumption_lint").strip("."), id(node) in type_only))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("assumption_lint"):
                    found.append((alias.name.removeprefix("assumption_lint").strip("."), id(node) in type_only))
    return found


def _within(target: str, allowed: tuple[str, ...]) -> bool:
    return any(target == layer or target.startswith(layer + ".") for layer in allowed)


CHECK_MODULES = sorted(path for path in (PACKAGE / "checks").glob("*.py") if path.name != "__init__.py")
FACT_MODULES = sorted((PACKAGE / "facts").glob("*.py"))


def test_the_layout_is_what_the_tests_read() -> None:
    assert {path.name for path in CHECK_MODULES} >= {"base.py", "unhandled_network_error.py"}
    assert {path.name for path in FACT_MODULES} >= {"base.py", "network_flow.py", "network.py"}
    # checks/ holds the base and one module per check, no helper modules.
    from assumption_lint.checks import ALL_CHECKS
    modules = {check.__module__.rsplit(".", 1)[-1] for check in ALL_CHECKS}
    assert {path.stem for path in CHECK_MODULES} == modules | {"base"}


@pytest.mark.parametrize("path", CHECK_MODULES, ids=lambda path: path.name)
def test_a_check_imports_no_other_check(path: Path) -> None:
    name = _module_name(path)
    wrong = []
    for target, type_only in _imports(path):
        if _within(target, CHECKS_MAY_IMPORT) or (type_only and _within(target, TYPES_ONLY)):
            continue
        if (name, target) in KNOWN_EXCEPTIONS:
            continue
        wrong.append(target)
    assert not wrong, f"{name} imports {wrong}; checks import only {CHECKS_MAY_IMPORT}"


@pytest.mark.parametrize("path", FACT_MODULES, ids=lambda path: path.name)
def test_facts_never_import_checks_or_the_engine(path: Path) -> None:
    wrong = [target for target, type_only in _imports(path)
             if not (_within(target, FACTS_MAY_IMPORT) or (type_only and _within(target, TYPES_ONLY)))]
    assert not wrong, f"{_module_name(path)} imports {wrong}; facts import only {FACTS_MAY_IMPORT}"


def test_the_reader_sees_a_check_importing_a_check(tmp_path: Path) -> None:
    """The tests above can fail: a check importing a sibling check is reported."""
    sample = tmp_path / "sample.py"
    sample.write_text("from .unhandled_network_error import UnhandledNetworkError\n"
                      "from ..facts.network_flow import NetworkFlow\n", encoding="utf-8")
    imports = _imports(sample, "checks.sample")
    assert imports == [("checks.unhandled_network_error", False), ("facts.network_flow", False)]
    assert [target for target, _ in imports if not _within(target, CHECKS_MAY_IMPORT)] == [
        "checks.unhandled_network_error"]
