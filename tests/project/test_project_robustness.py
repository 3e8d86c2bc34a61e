"""Project-wide analysis on hostile project shapes: import cycles, a module importing itself,
a chain of 500 modules, a package of 2,000 files. Each run finishes with a report, no
internal error (AL002) and no traceback, and what the bound allows is still found."""

from __future__ import annotations

import json
import os
from pathlib import Path

from assumption_lint.cli import cli
from harness import cli_runner

PYPROJECT = "[project]\nname = \"tree\"\nversion = \"0\"\nrequires-python = \">=3.10\"\n"


def write(root: Path, files: dict[str, str]) -> Path:
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def alint_json(root: Path, *args: str) -> dict:
    """The real CLI in-process, run from ``root`` on ``.`` with AL201 (and the engine's
    AL001-AL003); asserts it ends with a report (no traceback, no internal error) and
    returns the parsed report."""
    old = Path.cwd()
    os.chdir(root)
    try:
        result = cli_runner().invoke(cli, ["--format", "json", "--preview", "--select", "AL201", *args, "."], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), f"exit {result.exit_code}\nstdout: {result.stdout[:2000]}\nstderr: {result.stderr[:2000]}"
    assert "Traceback" not in result.stderr, result.stderr[:2000]
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"][:5]
    assert not [item for item in report["findings"] if item["rule"] in ("AL002", "AL003")], \
        [item for item in report["findings"] if item["rule"] in ("AL002", "AL003")][:5]
    return report


def found(report: dict) -> set[tuple[str, int, str]]:
    return {(item["path"], item["line"], item["rule"]) for item in report["findings"]}


def line_of(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if marker in line)


# ----------------------------------------------------------------------------- cycles
VIEWS = '''import requests
from flask import Flask

import b

app = Flask(__name__)


def fetch_a(url, depth):
    if depth:
        return b.fetch_b(url, depth - 1)
    return requests.get(url, timeout=5).text


@app.get("/")
def index():
    return b.fetch_b("https://example.com", 3)  # the view
'''
OTHER = '''import requests

import a


def fetch_b(url, depth):
    if depth:
        return a.fetch_a(url, depth - 1)
    return requests.get(url, timeout=5).text
'''


def test_an_import_cycle_settles_and_the_view_is_reported(tmp_path: Path) -> None:
    # a imports b imports a, each calling the other's function that makes the request.
    report = alint_json(write(tmp_path, {"a.py": VIEWS, "b.py": OTHER}))
    assert found(report) == {("a.py", line_of(VIEWS, "# the view"), "AL201")}


def test_a_three_module_cycle_through_a_package(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "from .views import app\n",
        "app/views.py": "from flask import Flask\n\nfrom . import one\n\napp = Flask(__name__)\n\n\n"
                        "@app.get('/')\ndef index():\n    return one.first('https://example.com', 5)  # the view\n",
        "app/one.py": "from . import two\n\n\ndef first(url, depth):\n    return two.second(url, depth)\n",
        "app/two.py": "from app import three\n\n\ndef second(url, depth):\n    return three.third(url, depth)\n",
        "app/three.py": "import requests\n\nfrom app import one\n\n\ndef third(url, depth):\n"
                        "    if depth:\n        return one.first(url, depth - 1)\n"
                        "    return requests.get(url, timeout=5).text\n",
    }
    report = alint_json(write(tmp_path, files))
    assert found(report) == {("app/views.py", line_of(files["app/views.py"], "# the view"), "AL201")}


SELFISH = '''import requests

import selfish
from selfish import fetch as again


def fetch(url):
    return requests.get(url, timeout=5).text


def main():
    print(selfish.fetch("https://example.com"), again("https://example.com"))
'''


def test_a_module_that_imports_itself(tmp_path: Path) -> None:
    report = alint_json(write(tmp_path, {"selfish.py": SELFISH}))
    # Where the error is reported (the request, or main's call) is the analysis' choice; it
    # is reported in this file, once per place, and nowhere else.
    assert {path for path, _, _ in found(report)} <= {"selfish.py"}
    places = {(item["path"], item["line"], item["column"], item["rule"]) for item in report["findings"]}
    assert len(places) == len(report["findings"])


def test_a_package_init_that_imports_itself_and_star_imports(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "from pkg import *\nfrom . import api\nfrom .api import *\nimport pkg.api\n",
        "pkg/api.py": "import requests\n\nfrom pkg import *\nfrom . import api\n\n\n"
                      "def fetch(url):\n    return requests.get(url, timeout=5).text\n",
        "cli.py": "import pkg\n\n\ndef main():\n    pkg.fetch('https://example.com')  # the call\n",
    }
    report = alint_json(write(tmp_path, files))
    assert {path for path, _, _ in found(report)} <= {"cli.py", "pkg/api.py"}


# ----------------------------------------------------------------------------- long chains
def chain(length: int) -> dict[str, str]:
    """m0.main() -> m1.f -> ... -> m{length-1}.f, which makes the request; main calls it per
    URL of a loop (a one-shot command failing outside a loop is an honest traceback)."""
    files = {}
    for index in range(length - 1):
        files[f"m{index}.py"] = f"import m{index + 1}\n\n\ndef f(url):\n    return m{index + 1}.f(url)\n"
    files[f"m{length - 1}.py"] = "import requests\n\n\ndef f(url):\n    return requests.get(url, timeout=5)\n"
    files["m0.py"] += "\n\ndef main(urls):\n    for url in urls:\n        m1.f(url)  # the call\n"
    return files


def test_a_chain_of_five_modules_reports_at_the_entry_point(tmp_path: Path) -> None:
    files = chain(5)
    report = alint_json(write(tmp_path, files))
    assert found(report) == {("m0.py", line_of(files["m0.py"], "# the call"), "AL201")}


def test_a_chain_of_500_modules_finishes(tmp_path: Path) -> None:
    # Past the analysis' bound the finding may be given up; the run must not fail or report
    # anything else.
    files = chain(500)
    report = alint_json(write(tmp_path, files))
    assert report["summary"]["files"] == 500
    assert found(report) == {("m0.py", line_of(files["m0.py"], "# the call"), "AL201")}


# ----------------------------------------------------------------------------- size
def big_package(count: int) -> dict[str, str]:
    """``count`` modules; module i imports modules i // 2 and i - 1 (through the package's
    re-exports for half of them), the last one's function reaches a request in module 0
    through a dozen modules, and a Flask view outside the package calls it."""
    files = {"pkg/__init__.py": "".join(f"from .mod{index} import f{index}\n" for index in range(count))}
    files["pkg/mod0.py"] = "import requests\n\n\ndef f0(url):\n    return requests.get(url, timeout=5).text\n"
    for index in range(1, count):
        half = index // 2
        if index % 2:
            head = f"from pkg import f{half}\nfrom . import mod{index - 1}\n"
            body = f"    if url:\n        return f{half}(url)\n    return mod{index - 1}.f{index - 1}(url)\n"
        else:
            head = f"from .mod{half} import f{half}\n"
            body = f"    return f{half}(url)\n"
        files[f"pkg/mod{index}.py"] = f"{head}\n\ndef f{index}(url):\n{body}"
    files["views.py"] = (f"from flask import Flask\n\nimport pkg\n\napp = Flask(__name__)\n\n\n"
                         f"@app.get('/')\ndef index():\n    return pkg.f{count - 1}('https://example.com')  # the view\n")
    return files


def test_a_package_of_2000_files_finishes_and_reports_the_view(tmp_path: Path) -> None:
    files = big_package(2000)
    report = alint_json(write(tmp_path, files))
    assert report["summary"]["files"] == len(files)
    assert found(report) == {("views.py", line_of(files["views.py"], "# the view"), "AL201")}


# ----------------------------------------------------------------------------- clients
def _timeouts(root: Path, *args: str) -> set[tuple[str, int, str]]:
    old = Path.cwd()
    os.chdir(root)
    try:
        result = cli_runner().invoke(cli, ["--format", "json", "--select", "AL301,AL302", *args, "."],
                                     catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr, result.stderr[:2000]
    report = json.loads(result.stdout)
    assert report["errors"] == []
    return found(report)


def test_a_client_re_exported_along_a_chain_and_a_cycle_resolves_or_stays_silent(tmp_path: Path) -> None:
    """A client re-exported through three packages resolves; two modules re-exporting a
    name from each other (a cycle that never reaches a definition) are silent."""
    write(tmp_path, {
        "core/http.py": "import requests\n\nsession = requests.Session()\n",
        "core/__init__.py": "from .http import session\n",
        "api/__init__.py": "from core import session\n",
        "loop_a.py": "from loop_b import session\n",
        "loop_b.py": "from loop_a import session\n",
        "views.py": ("from api import session\nimport loop_a\n\n\ndef a(url):\n    return session.get(url)  # chain\n\n\n"
                     "def b(url):\n    return loop_a.session.get(url)\n"),
    })
    views = (tmp_path / "views.py").read_text(encoding="utf-8")
    assert _timeouts(tmp_path) == {("views.py", line_of(views, "# chain"), "AL301")}
    assert _timeouts(tmp_path, "--isolated") == set()


def test_a_constructor_too_long_to_read_again_is_silent_where_it_is_used(tmp_path: Path) -> None:
    headers = ", ".join(f"'h{index}': 'v{index}'" for index in range(400))
    write(tmp_path, {
        "net.py": f"import requests\n\nclient = requests.Session(**{{{headers}}})\n",
        "views.py": "from net import client\n\n\ndef a(url):\n    return client.get(url)\n",
    })
    assert _timeouts(tmp_path) == set()
