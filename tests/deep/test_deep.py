"""--deep: astroid asked about what the resolver leaves unresolved (docs/deep.md).

astroid is in the test extra, so these tests run everywhere the suite runs: --deep is a
shipped option and its guarantees (nothing analysed is ever imported) must not be skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assumption_lint import deep as deep_package
from assumption_lint.cli import cli
from assumption_lint.deep import infer
from harness import cli_runner

BASE = """\
import requests


class BaseClient:
    def __init__(self):
        self.session = requests.Session()
"""

CHILD = """\
from base import BaseClient


class Weather(BaseClient):
    def current(self, city):
        return self.session.get("https://api.example.com/w", params={"q": city}).json()
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def alint(cwd: Path, *args: str):  # type: ignore[no-untyped-def]
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return cli_runner().invoke(cli, ["check", "--format", "json", *args], catch_exceptions=False)
    finally:
        os.chdir(old)


def found(result) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    return [(item["path"], item["line"], item["rule"]) for item in json.loads(result.stdout)["findings"]]


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    write(root, {"pyproject.toml": "[project]\nname = 'p'\n", **files})
    return root


# ---------------------------------------------------------------------------- what it resolves
def test_an_attribute_a_base_class_in_another_file_sets(tmp_path: Path) -> None:
    root = project(tmp_path, {"base.py": BASE, "app.py": CHILD})
    assert found(alint(root, "--no-cache", "app.py")) == []
    result = alint(root, "--no-cache", "--deep", "app.py")
    assert found(result) == [("app.py", 6, "AL301")]
    finding = json.loads(result.stdout)["findings"][0]
    # The object's constructor is named as where it comes from, in the other file.
    assert any(item["path"].endswith("base.py") and item["line"] == 6 for item in finding["related"])


def test_deep_is_also_a_configuration_key(tmp_path: Path) -> None:
    root = project(tmp_path, {"base.py": BASE, "app.py": CHILD})
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n[tool.alint]\ndeep = true\n", encoding="utf-8")
    assert found(alint(root, "--no-cache", "app.py")) == [("app.py", 6, "AL301")]
    (root / "pyproject.toml").write_text("[tool.alint]\ndeep = 'yes'\n", encoding="utf-8")
    result = alint(root, "--no-cache", "app.py")
    assert result.exit_code == 2 and "deep" in result.stderr


def test_a_factory_of_an_installed_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package on sys.path (installed where alint runs) whose factory returns a client."""
    site = tmp_path / "site"
    write(site, {"vendorlib/__init__.py": "from .http import make_session\n",
                 "vendorlib/http.py": "import requests\n\n\ndef make_session():\n    return requests.Session()\n"})
    monkeypatch.syspath_prepend(str(site))
    root = project(tmp_path, {"app.py": "from vendorlib import make_session\n\n\ndef fetch(url):\n"
                                        "    session = make_session()\n    return session.get(url)\n"})
    assert found(alint(root, "--no-cache", "app.py")) == []
    assert found(alint(root, "--no-cache", "--deep", "app.py")) == [("app.py", 6, "AL301")]


def test_what_stays_silent(tmp_path: Path) -> None:
    """A Session subclass (through super() or self): its class may set a timeout, so the
    timeout rule stays silent; an attribute assigned two different kinds of object, and a
    parameter, are unknown."""
    root = project(tmp_path, {"app.py": """\
import requests


class Api(requests.Session):
    def fetch(self, url):
        return super().get(url)

    def fetch2(self, url):
        return self.get(url)


class Mixed:
    def __init__(self, flag):
        self.client = requests.Session() if flag else object()

    def go(self, url):
        return self.client.get(url)


def through(session, url):
    return session.get(url)
"""})
    assert found(alint(root, "--no-cache", "--deep", "--select", "AL301", "app.py")) == []


def test_an_answer_the_resolver_has_is_never_replaced(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": "import requests\n\n\ndef fetch(url):\n"
                                        "    s = requests.Session()\n    return s.get(url, timeout=5)\n"})
    assert found(alint(root, "--no-cache", "--deep", "app.py")) == []


# ---------------------------------------------------------------------------- nothing runs
def test_nothing_analysed_is_ever_imported(tmp_path: Path) -> None:
    """Every module here writes a marker when imported: the analysed file, a sibling, a base
    class's module, and a project package named like a standard library package (which
    astroid's lookup of a missing submodule, ``importlib.util.find_spec``, would import from
    the current folder when it is on sys.path, as with ``python -c``). None may run."""
    markers = tmp_path / "markers"
    markers.mkdir()

    def marks(name: str) -> str:
        return f"open({str(markers / name)!r}, 'w').write('ran')\n"

    root = project(tmp_path, {
        "wsgiref/__init__.py": marks("wsgiref"),
        "wsgiref/marker_sub.py": marks("marker_sub") + "import requests\nsession = requests.Session()\n",
        "base.py": marks("base") + BASE,
        "helper.py": marks("helper") + "import requests\n\n\ndef make():\n    return requests.Session()\n",
        "app.py": marks("app") + """\
import wsgiref.missing_sub
import wsgiref.marker_sub

import helper
from base import BaseClient


class Weather(BaseClient):
    def current(self, city):
        return self.session.get("https://api.example.com/w", params={"q": city}).json()

    def other(self, url):
        return wsgiref.missing_sub.session.get(url), wsgiref.marker_sub.session.get(url)

    def third(self, url):
        return helper.make().get(url)
""",
    })
    # The current folder first on sys.path (`python -c`), the worst case.
    command = [sys.executable, "-c", "from assumption_lint.cli import main; main()", "check", "--deep",
               "--no-cache", "--format", "json", "--exit-zero", "app.py", "base.py", "helper.py", "wsgiref"]
    completed = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False, timeout=300)
    assert completed.returncode == 0, completed.stderr
    rules = sorted((item["path"], item["rule"]) for item in json.loads(completed.stdout)["findings"])
    assert ("app.py", "AL301") in rules  # deep answered (helper.make() and self.session)
    assert sorted(os.listdir(markers)) == []


def test_the_guard_refuses_imports_outside_the_standard_library() -> None:
    from assumption_lint.deep.guard import Refused, no_imports

    sys.modules.pop("this_is_not_installed_anywhere", None)
    with no_imports():
        with pytest.raises(ImportError):
            __import__("this_is_not_installed_anywhere")
        import json as again  # already loaded: untouched
        assert again is json
    with pytest.raises(ModuleNotFoundError):
        __import__("this_is_not_installed_anywhere")  # outside: the ordinary error
    assert issubclass(Refused, ImportError)


def test_extension_modules_are_never_loaded() -> None:
    manager = infer._manager()
    assert manager.always_load_extensions is False
    assert not manager.extension_package_whitelist


# ---------------------------------------------------------------------------- without astroid
def test_without_astroid_deep_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def missing(name: str, *args: object):  # type: ignore[no-untyped-def]
        if name == "astroid" or name.startswith("astroid."):
            return None
        return real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", missing)
    assert deep_package.available() is False
    root = project(tmp_path, {"app.py": "import requests\n"})
    result = alint(root, "--no-cache", "--deep", "app.py")
    assert result.exit_code == 2
    assert "pip install 'assumption-lint[deep]'" in result.stderr
    # Without --deep nothing asks for astroid.
    assert alint(root, "--no-cache", "app.py").exit_code == 0


# ---------------------------------------------------------------------------- bounds, failures
def test_astroid_crashing_is_one_AL002_and_the_checks_go_on(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self, key):  # type: ignore[no-untyped-def]
        raise RuntimeError("astroid broke")

    monkeypatch.setattr(infer.DeepFile, "_answer", boom)
    root = project(tmp_path, {"base.py": BASE, "app.py": CHILD + "\n\nimport requests\n\n\ndef plain(url):\n"
                                                                  "    return requests.get(url)\n"})
    result = alint(root, "--no-cache", "--deep", "app.py")
    rules = found(result)
    assert ("app.py", 1, "AL002") in rules and ("app.py", 13, "AL301") in rules
    al002 = next(item for item in json.loads(result.stdout)["findings"] if item["rule"] == "AL002")
    assert "DeepInference" in al002["message"] and "astroid broke" in al002["message"]


def test_a_file_too_large_for_astroid_is_resolved_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deep_package, "MAX_DEEP_BYTES", 10)
    root = project(tmp_path, {"base.py": BASE, "app.py": CHILD})
    assert found(alint(root, "--no-cache", "--deep", "app.py")) == []


def test_the_time_limit_stops_the_questions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(infer, "DEEP_SECONDS", 0.0)
    root = project(tmp_path, {"base.py": BASE, "app.py": CHILD})
    assert found(alint(root, "--no-cache", "--deep", "app.py")) == []


# ---------------------------------------------------------------------------- the cache
def test_a_deep_run_never_replays_a_plain_answer(tmp_path: Path) -> None:
    root = project(tmp_path, {"base.py": BASE, "app.py": CHILD})
    assert found(alint(root, "app.py")) == []  # written to the cache
    assert found(alint(root, "--deep", "app.py")) == [("app.py", 6, "AL301")]
    assert found(alint(root, "app.py")) == []  # and back
    assert found(alint(root, "--deep", "app.py")) == [("app.py", 6, "AL301")]


def test_a_deep_entry_is_not_reused_once_another_project_file_changed(tmp_path: Path) -> None:
    """The answer came from base.py: editing it (app.py unchanged) must not replay the entry."""
    root = project(tmp_path, {"base.py": BASE, "app.py": CHILD})
    assert found(alint(root, "--deep", "app.py")) == [("app.py", 6, "AL301")]
    (root / "base.py").write_text(BASE.replace("requests.Session()", "requests.Session()\n"
                                               "        self.session.mount('https://', TimeoutAdapter())"),
                                  encoding="utf-8")
    assert found(alint(root, "--deep", "app.py")) == []


def test_an_attribute_of_another_files_object_and_a_helper_returning_a_module(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "api.py": BASE.replace("BaseClient", "Api"),
        "app.py": "from api import Api\n\n\ndef main(urls):\n    api = Api()\n    for url in urls:\n"
                  "        print(api.session.get(url).status_code)\n",
        "lazy.py": "def _require_requests():\n    import requests\n\n    return requests\n\n\n"
                   "def fetch(url):\n    return _require_requests().get(url)\n",
    })
    # The client another file's object keeps on self is followed without --deep too (its
    # summary names it); the helper returning a module needs astroid.
    assert found(alint(root, "--no-cache", "--select", "AL301", "app.py", "lazy.py")) == [("app.py", 7, "AL301")]
    assert found(alint(root, "--no-cache", "--deep", "--select", "AL301", "app.py", "lazy.py")) == [
        ("app.py", 7, "AL301"), ("lazy.py", 8, "AL301")]
