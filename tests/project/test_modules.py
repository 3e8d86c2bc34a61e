"""Import resolution inside a project: which file an import names, from the layout alone."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.config import Configurations
from assumption_lint.project import modules
from assumption_lint.project.modules import PROJECT_MARKERS, ModuleIndex, project_root_of


def tree(root: Path, files: dict[str, str] | list[str]) -> Path:
    """Write the files (a list: empty files) under ``root``; returns the real root."""
    items = files.items() if isinstance(files, dict) else ((name, "") for name in files)
    for name, text in items:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Path(os.path.realpath(root))


def rel(root: Path, found: Path | None) -> str | None:
    return None if found is None else found.relative_to(root).as_posix()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tree(tmp_path / "proj", [
        "pyproject.toml", "app.py",
        "services/__init__.py", "services/weather.py", "services/geo/__init__.py", "services/geo/lookup.py",
        "services/geo/deep/__init__.py", "services/geo/deep/leaf.py",
    ])


# ----------------------------------------------------------------------------- absolute imports
def test_absolute_imports_name_modules_and_packages(project: Path) -> None:
    index = ModuleIndex(project)
    app = project / "app.py"
    assert rel(project, index.resolve_module(app, "services.weather")) == "services/weather.py"
    assert rel(project, index.resolve_module(app, "services")) == "services/__init__.py"
    assert rel(project, index.resolve_module(app, "services.geo.lookup")) == "services/geo/lookup.py"
    assert rel(project, index.resolve_module(app, "services.geo")) == "services/geo/__init__.py"
    # found from a file deep inside the package too (the root is on the search path)
    leaf = project / "services/geo/deep/leaf.py"
    assert rel(project, index.resolve_module(leaf, "services.weather")) == "services/weather.py"


def test_names_outside_the_project_stay_unresolved(project: Path) -> None:
    index = ModuleIndex(project)
    app = project / "app.py"
    for module in ("requests", "os.path", "json", "services.missing", "services.weather.inner",
                   "services..weather", "", "1abc", "services.geo.deep.leaf.x"):
        assert index.resolve_module(app, module) is None, module


def test_a_package_wins_over_a_module_of_the_same_name(tmp_path: Path) -> None:
    # CPython's FileFinder looks for a/__init__.py before a.py in the same folder.
    root = tree(tmp_path, ["pyproject.toml", "a.py", "a/__init__.py", "a/b.py", "main.py"])
    index = ModuleIndex(root)
    assert rel(root, index.resolve_module(root / "main.py", "a")) == "a/__init__.py"
    assert rel(root, index.resolve_module(root / "main.py", "a.b")) == "a/b.py"


def test_a_module_has_no_submodules(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "a.py", "b/c.py", "main.py"])
    index = ModuleIndex(root)
    assert index.resolve_module(root / "main.py", "a.c") is None
    assert index.resolve_from(root / "main.py", "a", "c") == (root / "a.py", "c")


# ----------------------------------------------------------------------------- relative imports
def test_relative_imports_climb_one_folder_per_dot(project: Path) -> None:
    index = ModuleIndex(project)
    lookup = project / "services/geo/lookup.py"
    leaf = project / "services/geo/deep/leaf.py"
    assert rel(project, index.resolve_module(lookup, "deep.leaf", 1)) == "services/geo/deep/leaf.py"
    assert rel(project, index.resolve_module(lookup, "", 1)) == "services/geo/__init__.py"
    assert rel(project, index.resolve_module(lookup, "weather", 2)) == "services/weather.py"
    assert rel(project, index.resolve_module(leaf, "lookup", 2)) == "services/geo/lookup.py"
    assert rel(project, index.resolve_module(leaf, "services.weather", 4)) == "services/weather.py"
    # a package's __init__ is in its own folder: level 1 is that package
    init = project / "services/__init__.py"
    assert rel(project, index.resolve_module(init, "weather", 1)) == "services/weather.py"
    assert index.resolve_module(lookup, "missing", 1) is None


def test_relative_imports_beyond_the_root_are_unresolved(project: Path) -> None:
    (project.parent / "outside.py").write_text("", encoding="utf-8")
    index = ModuleIndex(project)
    lookup = project / "services/geo/lookup.py"
    assert rel(project, index.resolve_module(lookup, "app", 3)) == "app.py"  # the root itself is fine
    assert index.resolve_module(lookup, "outside", 4) is None
    assert index.resolve_module(project / "app.py", "outside", 2) is None
    assert index.resolve_from(project / "app.py", "", "outside", 2) is None
    assert index.resolve_module(lookup, "app", 10_000) is None
    assert index.resolve_module(lookup, "app", -1) is None


def test_from_dot_import_names_a_submodule_or_an_attribute(project: Path) -> None:
    index = ModuleIndex(project)
    weather = project / "services/weather.py"
    init = project / "services/__init__.py"
    assert index.resolve_from(weather, "", "geo", 1) == (project / "services/geo/__init__.py", None)
    assert index.resolve_from(init, "", "weather", 1) == (weather, None)
    assert index.resolve_from(weather, "", "get_forecast", 1) == (init, "get_forecast")
    # from ..services import weather, from a subpackage
    lookup = project / "services/geo/lookup.py"
    assert index.resolve_from(lookup, "", "weather", 2) == (weather, None)
    assert index.resolve_from(lookup, "deep", "leaf", 1) == (project / "services/geo/deep/leaf.py", None)


# ----------------------------------------------------------------------------- from x import y
def test_from_package_import_submodule_or_function(project: Path) -> None:
    index = ModuleIndex(project)
    app = project / "app.py"
    assert index.resolve_from(app, "services", "weather") == (project / "services/weather.py", None)
    assert index.resolve_from(app, "services", "get_forecast") == (project / "services/__init__.py", "get_forecast")
    assert index.resolve_from(app, "services.weather", "get_forecast") == (
        project / "services/weather.py", "get_forecast")
    assert index.resolve_from(app, "services.geo", "lookup") == (project / "services/geo/lookup.py", None)
    assert index.resolve_from(app, "services", "*") == (project / "services/__init__.py", "*")
    assert index.resolve_from(app, "requests", "get") is None
    assert index.resolve_from(app, "", "weather") is None  # `from import x` is no import


# ----------------------------------------------------------------------------- the search path
def test_flat_app_imports_its_sibling_script_first(tmp_path: Path) -> None:
    # No packaging at all: `python app.py` puts app.py's folder first on sys.path.
    root = tree(tmp_path, ["app.py", "weather.py"])
    index = ModuleIndex(project_root_of(root / "app.py"))
    assert index.resolve_from(root / "app.py", "weather", "get_forecast") == (root / "weather.py", "get_forecast")
    assert index.resolve_module(root / "app.py", "weather") == root / "weather.py"


def test_the_importers_folder_comes_before_the_root(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "config.py", "tools/run.py", "tools/config.py", "tools/helpers.py",
                           "other.py"])
    index = ModuleIndex(root)
    run = root / "tools/run.py"
    assert index.search_path(run) == (root / "tools", root)
    assert index.search_path(root / "other.py") == (root,)  # no duplicate
    assert rel(root, index.resolve_module(run, "config")) == "tools/config.py"
    assert rel(root, index.resolve_module(run, "helpers")) == "tools/helpers.py"
    assert rel(root, index.resolve_module(root / "other.py", "config")) == "config.py"
    assert index.resolve_module(root / "other.py", "helpers") is None


def test_src_layout(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "src/shop/__init__.py", "src/shop/cart.py", "tests/test_cart.py"])
    index = ModuleIndex(root)
    test = root / "tests/test_cart.py"
    assert index.search_path(test) == (root / "tests", root, root / "src")
    assert rel(root, index.resolve_module(test, "shop.cart")) == "src/shop/cart.py"
    assert index.module_name(root / "src/shop/cart.py") == "shop.cart"
    assert index.module_name(root / "src/shop/__init__.py") == "shop"
    assert index.module_name(root / "tests/test_cart.py") == "tests.test_cart"


def test_a_src_package_is_not_a_src_layout(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "src/__init__.py", "src/cart.py", "main.py"])
    index = ModuleIndex(root)
    assert index.search_path(root / "main.py") == (root,)
    assert index.resolve_module(root / "main.py", "cart") is None
    assert rel(root, index.resolve_module(root / "main.py", "src.cart")) == "src/cart.py"
    assert index.module_name(root / "src/cart.py") == "src.cart"


def test_extra_roots_inside_the_project_only(tmp_path: Path) -> None:
    root = tree(tmp_path / "proj", [".git/HEAD", "backend/api.py", "backend/models.py", "scripts/load.py"])
    outside = tree(tmp_path / "elsewhere", ["models.py"])
    index = ModuleIndex(root, extra_roots=[root / "backend", outside, root / "backend", root / "missing"])
    load = root / "scripts/load.py"
    assert index.search_path(load) == (root / "scripts", root, root / "backend")
    assert rel(root, index.resolve_module(load, "models")) == "backend/models.py"
    assert index.resolve_module(load, "backend.api") == root / "backend/api.py"


def test_a_module_importing_itself(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "app.py", "pkg/__init__.py", "pkg/mod.py"])
    index = ModuleIndex(root)
    assert index.resolve_module(root / "app.py", "app") == root / "app.py"
    assert index.resolve_module(root / "pkg/mod.py", "pkg.mod") == root / "pkg/mod.py"
    assert index.resolve_from(root / "pkg/mod.py", "", "mod", 1) == (root / "pkg/mod.py", None)


# ----------------------------------------------------------------------------- namespace packages
def test_namespace_packages_have_no_file_but_their_submodules_resolve(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "main.py", "ns/inner/mod.py", "ns/tool.py"])
    index = ModuleIndex(root)
    main = root / "main.py"
    assert index.resolve_module(main, "ns") is None
    assert index.resolve_module(main, "ns.inner") is None
    assert rel(root, index.resolve_module(main, "ns.inner.mod")) == "ns/inner/mod.py"
    assert index.resolve_from(main, "ns", "tool") == (root / "ns/tool.py", None)
    assert index.resolve_from(main, "ns", "function") is None  # no file to hold it
    assert index.resolve_from(root / "ns/tool.py", "inner", "mod", 1) == (root / "ns/inner/mod.py", None)


def test_namespace_portions_span_the_search_path_and_yield_to_a_regular_package(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "ns/a.py", "src/ns/b.py",
                           "tools/run.py", "tools/pkg/data.txt", "pkg/__init__.py", "pkg/real.py"])
    index = ModuleIndex(root)
    run = root / "tools/run.py"
    # ns is a namespace package in root and in src: both portions are searched
    assert rel(root, index.resolve_module(run, "ns.a")) == "ns/a.py"
    assert rel(root, index.resolve_module(run, "ns.b")) == "src/ns/b.py"
    # tools/pkg (no __init__.py) comes first, but the regular package in the root wins
    assert rel(root, index.resolve_module(run, "pkg")) == "pkg/__init__.py"
    assert rel(root, index.resolve_module(run, "pkg.real")) == "pkg/real.py"


# ----------------------------------------------------------------------------- what is never resolved
def _configured(root: Path) -> ModuleIndex:
    return ModuleIndex(root, excluded=Configurations(shipped_catalog()).excluded)


def test_files_and_folders_excluded_by_config_are_never_resolved(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "pyproject.toml": '[tool.alint]\nexclude = ["generated/", "legacy_*.py"]\n',
        "app.py": "", "legacy_api.py": "", "generated/__init__.py": "", "generated/models.py": "",
        "pkg/__init__.py": "", "pkg/legacy_client.py": "", "pkg/client.py": "",
    })
    index = _configured(root)
    app = root / "app.py"
    assert index.resolve_module(app, "legacy_api") is None
    assert index.resolve_module(app, "generated") is None
    assert index.resolve_module(app, "generated.models") is None
    assert index.resolve_from(app, "generated", "models") is None
    assert index.resolve_from(app, "pkg", "legacy_client") is None  # an excluded submodule is not an attribute
    assert index.resolve_from(app, "pkg", "client") == (root / "pkg/client.py", None)
    # the same tree without the run's excludes
    plain = ModuleIndex(root)
    assert plain.resolve_module(app, "generated.models") == root / "generated/models.py"
    assert plain.resolve_module(app, "legacy_api") == root / "legacy_api.py"


def test_gitignored_files_and_folders_are_never_resolved(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "pyproject.toml": "[tool.alint]\n", ".gitignore": "out/\nsecrets.py\n", "pkg/.gitignore": "local.py\n",
        "app.py": "", "secrets.py": "", "out/gen.py": "", "pkg/__init__.py": "", "pkg/local.py": "",
        "pkg/shared.py": "",
    })
    (root / ".git").mkdir()
    index = _configured(root)
    app = root / "app.py"
    assert index.resolve_module(app, "secrets") is None
    assert index.resolve_module(app, "out.gen") is None
    assert index.resolve_module(app, "pkg.local") is None
    assert index.resolve_module(app, "pkg.shared") == root / "pkg/shared.py"
    (root / "pyproject.toml").write_text("[tool.alint]\nrespect-gitignore = false\n", encoding="utf-8")
    assert _configured(root).resolve_module(app, "out.gen") == root / "out/gen.py"


def test_default_excluded_folders_are_never_resolved(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "app.py", ".venv/lib/requests/__init__.py", "build/lib/app2.py",
                           "mylib.egg-info/top.py", "site-packages/dep.py", "pkg/__pycache__/x.py", "pkg/__init__.py"])
    index = ModuleIndex(root, extra_roots=[root / "build/lib", root / ".venv/lib", root / "mylib.egg-info",
                                           root / "site-packages"])
    app = root / "app.py"
    assert index.resolve_module(app, "requests") is None
    assert index.resolve_module(app, "app2") is None
    assert index.resolve_module(app, "build.lib.app2") is None
    assert index.resolve_module(app, "top") is None
    assert index.resolve_module(app, "dep") is None
    assert index.resolve_module(app, "pkg.__pycache__.x") is None
    assert index.resolve_module(app, "pkg") == root / "pkg/__init__.py"


def test_a_project_inside_a_folder_named_like_an_excluded_one(tmp_path: Path) -> None:
    root = tree(tmp_path / "build" / "proj", ["pyproject.toml", "app.py", "util.py"])
    index = ModuleIndex(root)
    assert index.resolve_module(root / "app.py", "util") == root / "util.py"


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_symlinks_resolve_to_real_paths_inside_the_project_only(tmp_path: Path) -> None:
    root = tree(tmp_path / "proj", ["pyproject.toml", "app.py", "real/impl.py", "real/__init__.py"])
    outside = tree(tmp_path / "other", ["secret.py", "pkg/__init__.py", "pkg/mod.py", "notes.txt"])
    (root / "leak.py").symlink_to(outside / "secret.py")
    (root / "linkedpkg").symlink_to(outside / "pkg")
    (root / "alias.py").symlink_to(root / "real/impl.py")
    (root / "aliaspkg").symlink_to(root / "real")
    (root / "text.py").symlink_to(outside / "notes.txt")
    (root / "dangling.py").symlink_to(root / "nothing.py")
    (root / "loop.py").symlink_to(root / "loop.py")
    index = ModuleIndex(root)
    app = root / "app.py"
    assert index.resolve_module(app, "leak") is None
    assert index.resolve_module(app, "linkedpkg") is None
    assert index.resolve_module(app, "linkedpkg.mod") is None
    assert index.resolve_from(app, "linkedpkg", "mod") is None
    assert index.resolve_module(app, "text") is None
    assert index.resolve_module(app, "dangling") is None
    assert index.resolve_module(app, "loop") is None
    assert index.resolve_module(app, "alias") == root / "real/impl.py"
    assert index.resolve_module(app, "aliaspkg.impl") == root / "real/impl.py"
    assert index.resolve_from(app, "aliaspkg", "impl") == (root / "real/impl.py", None)
    # an importer reached through a link searches its real folder
    (root / "run.py").symlink_to(root / "real/impl.py")
    assert index.search_path(root / "run.py") == (root / "real", root)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_only_regular_files_resolve(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "app.py"])
    os.mkfifo(root / "pipe.py")
    (root / "folder.py").mkdir()
    index = ModuleIndex(root)
    assert index.resolve_module(root / "app.py", "pipe") is None
    assert index.resolve_module(root / "app.py", "folder") is None


# ----------------------------------------------------------------------------- module names
def test_module_names(project: Path, tmp_path: Path) -> None:
    index = ModuleIndex(project)
    assert index.module_name(project / "services/weather.py") == "services.weather"
    assert index.module_name(project / "services/__init__.py") == "services"
    assert index.module_name(project / "app.py") == "app"
    assert index.module_name(project / "services/geo/deep/leaf.py") == "services.geo.deep.leaf"
    tree(project, ["my-app/x.py", "class.py", "__init__.py", "notes.txt"])
    assert index.module_name(project / "my-app/x.py") is None
    assert index.module_name(project / "class.py") is None
    assert index.module_name(project / "__init__.py") is None
    assert index.module_name(project / "notes.txt") is None
    assert index.module_name(project / "missing.py") is None
    assert index.module_name(tree(tmp_path / "elsewhere", ["x.py"]) / "x.py") is None


# ----------------------------------------------------------------------------- project roots
@pytest.mark.parametrize("marker", PROJECT_MARKERS)
def test_project_root_is_the_nearest_marker(tmp_path: Path, marker: str) -> None:
    top = tmp_path / "top"
    tree(top, ["app/pkg/mod.py"])
    if marker == ".git":
        (top / ".git").mkdir()
    else:
        (top / marker).write_text("", encoding="utf-8")
    real_top = Path(os.path.realpath(top))
    assert project_root_of(top / "app/pkg/mod.py") == real_top
    assert project_root_of(top / "app/pkg") == real_top
    assert project_root_of(top) == real_top


def test_project_root_nearest_wins_and_git_may_be_a_file(tmp_path: Path) -> None:
    root = tree(tmp_path / "mono", ["pyproject.toml", "libs/one/setup.cfg", "libs/one/one/mod.py",
                                    "libs/two/.git", "libs/two/two.py"])
    assert project_root_of(root / "libs/one/one/mod.py") == root / "libs/one"
    assert project_root_of(root / "libs/two/two.py") == root / "libs/two"  # a worktree's .git file
    # a folder named like a marker file is no marker
    (root / "libs/three/setup.py").mkdir(parents=True)
    tree(root, ["libs/three/x.py"])
    assert project_root_of(root / "libs/three/x.py") == root


def test_project_root_without_a_marker_is_the_files_folder(tmp_path: Path) -> None:
    # tmp_path may lie under a folder with a marker on some machines: look from a fresh tree
    # only if nothing above it is marked.
    base = tree(tmp_path / "loose", ["deep/er/script.py"])
    above = [folder for folder in (base, *base.parents)
             if any((folder / marker).exists() for marker in PROJECT_MARKERS)]
    if above:
        pytest.skip(f"{above[0]} holds a project marker")
    assert project_root_of(base / "deep/er/script.py") == base / "deep/er"
    assert project_root_of(base / "deep") == base / "deep"


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_project_root_is_a_real_folder(tmp_path: Path) -> None:
    real = tree(tmp_path / "real", ["pyproject.toml", "pkg/mod.py"])
    (tmp_path / "link").symlink_to(real)
    assert project_root_of(tmp_path / "link" / "pkg" / "mod.py") == real


# ----------------------------------------------------------------------------- bounds
def _count_file_system_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    for name in ("stat", "lstat"):
        original = getattr(os, name)

        def counted(*args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            calls[0] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(modules.os, name, counted)
    return calls


def test_a_package_of_2000_files_resolves_with_cached_stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"mod{number}" for number in range(2000)]
    root = tree(tmp_path, ["pyproject.toml", "app.py", "big/__init__.py"] + [f"big/{name}.py" for name in names])
    index = ModuleIndex(root)
    app = root / "app.py"
    calls = _count_file_system_calls(monkeypatch)
    assert all(index.resolve_module(app, f"big.{name}") == root / "big" / f"{name}.py" for name in names)
    first = calls[0]
    # per module: its folder and file as a package (missing), its .py file; plus the shared
    # steps through the root and big/ (a few, once)
    assert first <= 3 * len(names) + 20
    assert all(index.resolve_from(app, "big", name) == (root / "big" / f"{name}.py", None) for name in names)
    assert calls[0] == first  # answered from the cache


def test_a_500_deep_package_chain_resolves_without_recursion(tmp_path: Path) -> None:
    depth = 500
    root = tree(tmp_path, ["pyproject.toml", "app.py"])
    folder = root
    for _ in range(depth):
        folder = folder / "p"
        folder.mkdir()
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (folder / "leaf.py").write_text("", encoding="utf-8")
    asked: list[Path] = []

    def excluded(path: Path, is_dir: bool) -> bool:
        asked.append(path)
        return False

    index = ModuleIndex(root, excluded=excluded)
    dotted = ".".join(["p"] * depth)
    assert index.resolve_module(root / "app.py", dotted + ".leaf") == folder / "leaf.py"
    assert index.resolve_module(root / "app.py", dotted) == folder / "__init__.py"
    assert index.module_name(folder / "leaf.py") == dotted + ".leaf"
    assert index.resolve_module(folder / "leaf.py", "", depth) == root / "p" / "__init__.py"
    assert index.resolve_from(folder / "leaf.py", "", "leaf", 1) == (folder / "leaf.py", None)
    assert len(asked) <= depth + 3  # each folder (and file) asked once


def test_a_package_imported_by_its_own_name_from_an_unmarked_source_root(tmp_path: Path) -> None:
    # `backend/` is where the code runs from but carries no marker: `import app.services`
    # inside backend/app names the package the importer is in.
    root = tree(tmp_path, [".git/HEAD", "backend/app/__init__.py", "backend/app/services/__init__.py",
                           "backend/app/services/storage.py", "backend/app/api/routes/docs.py", "tools/app.py"])
    index = ModuleIndex(root)
    docs = root / "backend/app/api/routes/docs.py"
    assert rel(root, index.resolve_module(docs, "app.services.storage")) == "backend/app/services/storage.py"
    assert index.resolve_from(docs, "app.services.storage", "storage") == (
        root / "backend/app/services/storage.py", "storage")
    # Only a package the importer is inside: elsewhere the name stays unresolved.
    assert index.resolve_module(root / "tools/app.py", "app.services") is None
    assert index.resolve_module(docs, "services.storage") is None


def test_an_import_the_search_path_resolves_does_not_change(tmp_path: Path) -> None:
    root = tree(tmp_path, ["pyproject.toml", "app/__init__.py", "app/models.py",
                           "web/app/__init__.py", "web/app/models.py", "web/app/views.py"])
    index = ModuleIndex(root)
    assert rel(root, index.resolve_module(root / "web/app/views.py", "app.models")) == "app/models.py"


def test_a_package_imports_a_module_beside_it(tmp_path: Path) -> None:
    # main.py runs from the app's folder, so handlers/cmds.py (handlers a package) can
    # `import llm_client` although nothing marks that folder as a root.
    root = tree(tmp_path, [".git/HEAD", "apps/bot/main.py", "apps/bot/llm_client.py", "apps/bot/handlers/__init__.py",
                           "apps/bot/handlers/cmds.py", "apps/bot/scripts/once.py", "apps/llm_client.py"])
    index = ModuleIndex(root)
    cmds = root / "apps/bot/handlers/cmds.py"
    assert rel(root, index.resolve_module(cmds, "llm_client")) == "apps/bot/llm_client.py"
    # A folder that is no package gives no such base: scripts/ runs from where it is.
    assert index.resolve_module(root / "apps/bot/scripts/once.py", "llm_client") is None
