"""The package's layers and its engine's ignorance of rules, read from the source with ast.

docs/architecture.md draws the same diagram: each top-level module or folder is one layer,
and a module imports at run time only from its own folder and the layers below its own.
An import under ``if TYPE_CHECKING:`` is an annotation, not a dependency; the few that
point upward are listed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "assumption_lint"

# Top to bottom. A layer may import the layers after it, never those before it or beside it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("merge", "progress", "shard"),  # alint merge; the progress bar; --shard (docs/sharding.md)
    ("docs", "reporters"),
    ("runner", "baseline", "changes", "fix_files", "warm"),  # one run; new findings; --fix; the run record
    ("incremental",),  # a run where only a few files changed
    ("cache",),  # the content cache: keys, entries, the index
    ("config", "engine"),  # side by side: the configuration builds Settings, the engine reads them
    ("checks",),
    ("facts",),
    ("resolve",),
    ("deep",),  # --deep: astroid asked about what the resolver leaves unresolved (docs/deep.md)
    ("settings",),
    ("project", "pages"),
    ("discovery",),  # below project: the package scan reads only what discovery would
    ("catalog", "findings", ""),  # "": the package's __init__ (its version)
    # what a fix is, and the transform | the severities (the CLI's choices) | the compile cache
    # of the methods dataclasses generate
    ("fixes", "severity", "dataclass_cache"),
    # writing a file whole or not at all (the cache, the run record) | the per-user cache folder
    ("atomic", "user_cache"),
)
# Annotations that name a type from a layer above: the file state the engine hands every
# analysis, the report the runner hands the reporters, and the module summary a file's
# result carries.
TYPES_FROM_ABOVE = {("checks", "engine"), ("facts", "engine"), ("reporters", "runner"), ("findings", "project")}



def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def _imports(path: Path, module: str) -> list[tuple[str, bool]]:
    """(imported module of the package, imported only under TYPE_CHECKING) for each import
    of the file, read as the package's module ``module``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    type_only = {id(inner) for node in ast.walk(tree)
                 if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                 for statement in node.body for inner in ast.walk(statement)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            if node.module is None:  # `from . import x`: x is a module, or a name of the package
                for alias in node.names:
                    inner = PACKAGE.joinpath(*base.split("."), alias.name) if base else PACKAGE / alias.name
                    is_module = inner.is_dir() or inner.with_suffix(".py").is_file()
                    found.append((f"{base}.{alias.name}".strip(".") if is_module else base, id(node) in type_only))
            else:
                found.append((base, id(node) in type_only))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
            found.extend((name.removeprefix("assumption_lint").strip("."), id(node) in type_only)
                         for name in names if name.split(".")[0] == "assumption_lint")
    return found


RANK = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}
MODULES = sorted(PACKAGE.rglob("*.py"))


def _layer(module: str) -> str:
    return module.split(".", 1)[0] if module not in ("", "__init__") else ""


def _violations(path: Path, module: str | None = None) -> list[str]:
    name = module if module is not None else _module_name(path)
    own = _layer(name)
    wrong = []
    for target, type_only in _imports(path, name):
        other = _layer(target)
        if other == own:
            continue  # within one folder
        if type_only and (own, other) in TYPES_FROM_ABOVE:
            continue
        if other not in RANK or RANK[other] <= RANK[own]:
            wrong.append(target)
    return wrong


def test_every_module_has_a_layer() -> None:
    unplaced = sorted({_layer(_module_name(path)) for path in MODULES} - set(RANK))
    assert not unplaced, f"add {unplaced} to LAYERS here and to the diagram in docs/architecture.md"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.relative_to(PACKAGE).as_posix())
def test_imports_point_down_the_layers(path: Path) -> None:
    wrong = _violations(path)
    assert not wrong, f"{_module_name(path)} imports {wrong}, which are not below its layer (see LAYERS)"


def test_the_layer_test_sees_an_upward_import(tmp_path: Path) -> None:
    """It can fail: config importing the engine (the circle this layout removed) is caught,
    and so is the engine's type-only import of a layer above it."""
    sample = tmp_path / "sample.py"
    sample.write_text("from .engine import analyze_text\nfrom .settings import Settings\n"
                      "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .runner import Report\n",
                      encoding="utf-8")
    assert _violations(sample, "config") == ["engine", "runner"]
    inside = tmp_path / "inside.py"
    inside.write_text("from . import walk\nfrom ..checks import ALL_CHECKS\nfrom typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from ..runner import Report\n", encoding="utf-8")
    assert _violations(inside, "engine.inside") == ["runner"]


# --------------------------------------------------------------------------- no rule domain
ENGINE_MODULES = sorted((PACKAGE / "engine").glob("*.py"))
# Words of the rule families and the libraries they know. The engine's own rules
# (AL001-AL005: unreadable, crashed, too complex, unknown and unused suppressions) are the
# only rule ids it may name (AL000
# stands for any id in examples).
DOMAIN = re.compile(  # a word in a name too: `_mentions_timeout` names a timeout
    r"(?<![a-z])(timeouts?|requests?|httpx|aiohttp|urllib\w*|adapters?|sessions?|sockets?|https?|clients?|retry|retries"
    r"|json|network\w*|responses?|urls?|mount\w*|subprocess|grpc|redis|graphql|sql\w*|pagination|status"
    r"|AL(?!00[0-5])[0-9]{3})(?![a-z0-9])",
    re.IGNORECASE)


def _domain_words(text: str) -> list[str]:
    return sorted({match.group() for match in DOMAIN.finditer(text)})


def test_the_engine_is_where_the_test_reads() -> None:
    assert {path.name for path in ENGINE_MODULES} >= {"__init__.py", "source.py", "walk.py", "context.py",
                                                      "findings.py"}


@pytest.mark.parametrize("path", ENGINE_MODULES, ids=lambda path: path.name)
def test_the_engine_names_no_rule_domain(path: Path) -> None:
    words = _domain_words(path.read_text(encoding="utf-8"))
    assert not words, f"engine/{path.name} names {words}: that knowledge belongs to a check, a fact, the resolver or the catalog"


def test_the_domain_test_sees_a_domain_word() -> None:
    """It can fail: the walker hook this layout moved to resolve/clients.py is caught."""
    assert _domain_words("def _replaces_timeout_hook(self, target):  # session.request = partial(...)") == [
        "request", "session", "timeout"]
    assert _domain_words("if rule == 'AL301' or rule == 'AL002':") == ["AL301"]
    assert _domain_words("LeftCurlyBrace, amount, walker.visits") == []
