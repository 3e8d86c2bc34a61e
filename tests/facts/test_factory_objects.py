"""Module-level objects made by a factory of the module's classes (facts/factory_objects.py):
a file importing the object reaches the methods of every class the factory can make."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from assumption_lint.cli import cli
from harness import cli_runner

STORE = '''
    import os

    import requests


    class Remote:
        def fetch(self, key):
            return requests.get(f"https://files.example.com/{key}", timeout=10).content


    class Local:
        def fetch(self, key):
            return open(key, "rb").read()


    def make_store():
        if os.environ.get("REMOTE"):
            return Remote()
        return Local()


    def make_name():
        return "local"


    store = make_store()
    local_only: Local = Local()
    remote_only: Remote = Remote()
    name = make_name()
    {extra}
'''

VIEWS = '''
    from flask import Flask

    from store import local_only, remote_only, store

    app = Flask(__name__)


    @app.route("/a/<key>")
    def view_a(key):
        return store.fetch(key)


    @app.route("/b/<key>")
    def view_b(key):
        return local_only.fetch(key)


    @app.route("/c/<key>")
    def view_c(key):
        return remote_only.fetch(key)
'''


def lines(tmp_path: Path, extra: str = "") -> list[int]:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "store.py").write_text(textwrap.dedent(STORE).replace("{extra}", extra))
    (tmp_path / "views.py").write_text(textwrap.dedent(VIEWS))
    result = cli_runner().invoke(cli, ["check", "--preview", "--select", "AL201", "--format", "json", "--no-cache",
                                       str(tmp_path)])
    return [item["line"] for item in json.loads(result.output)["findings"] if item["path"].endswith("views.py")]


def test_an_object_a_factory_makes_reaches_every_class_it_can_be(tmp_path: Path) -> None:
    # store is a Remote or a Local: Remote.fetch lets requests' errors out; local_only is
    # only ever a Local; remote_only, annotated, a Remote.
    assert lines(tmp_path) == [11, 21]


def test_an_object_bound_again_is_no_longer_known(tmp_path: Path) -> None:
    assert lines(tmp_path, extra="store = None") == [21]
