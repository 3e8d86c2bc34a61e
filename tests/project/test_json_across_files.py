"""AL203 across files: a project helper hands back the raw response (facts/network_returns.py)
and a caller in another file decodes its body where a decode error escapes. The fixture
project json_relay shows the shapes; these pin the message and the decision, which is the
same-file one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project.test_project_robustness import alint_json, write

API = '''import requests


def fetch(url):
    return requests.get(url, timeout=5)
'''


def view(body: str) -> str:
    return f'''import requests
from flask import Flask

from api import fetch

app = Flask(__name__)


@app.route("/a")
def a():
    try:
        resp = fetch("https://example.com/a")
    except requests.ConnectionError:
        return {{}}, 502
{body}
'''


def al203(tmp_path: Path, body: str, *args: str) -> list[dict]:
    write(tmp_path, {"api.py": API, "views.py": view(body)})
    report = alint_json(tmp_path, "--select", "AL203", "--show-notes", *args)
    return [item for item in report["findings"] if item["rule"] == "AL203"]


def test_a_body_decoded_after_a_status_check_is_reported_at_the_caller(tmp_path: Path) -> None:
    [finding] = al203(tmp_path, "    resp.raise_for_status()\n    return resp.json()")
    assert finding["path"] == "views.py" and finding["line"] == 16  # the .json() in the view
    assert "`fetch()` (it returns the response of GET `url` in api.py)" in finding["message"]
    [related] = finding["related"]
    assert related["path"] == "api.py" and related["line"] == 5
    assert al203(tmp_path, "    resp.raise_for_status()\n    return resp.json()", "--isolated") == []


@pytest.mark.parametrize("body", [
    # The status is not checked: AL202 speaks for the body (AL203 yields to it).
    "    return resp.json()",
    # The decode error is caught.
    "    resp.raise_for_status()\n    try:\n        return resp.json()\n    except ValueError:\n        return {}, 502",
    "    resp.raise_for_status()\n    try:\n        return resp.json()\n    except requests.JSONDecodeError:\n        return {}, 502",
])
def test_the_same_decision_as_in_one_file(tmp_path: Path, body: str) -> None:
    assert al203(tmp_path, body) == []


def test_a_helper_that_checks_the_status_itself_is_not_followed(tmp_path: Path) -> None:
    checked = API.replace("    return requests.get(url, timeout=5)\n",
                          "    resp = requests.get(url, timeout=5)\n    resp.raise_for_status()\n    return resp\n")
    write(tmp_path, {"api.py": checked, "views.py": view("    return resp.json()")})
    report = alint_json(tmp_path, "--select", "AL203", "--show-notes")
    assert [item for item in report["findings"] if item["rule"] == "AL203"] == []  # a known miss (json_relay)
