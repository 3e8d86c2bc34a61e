"""AL108 unchecked-shape: request bodies, Werkzeug's 400-on-missing-key, nested response JSON, yields."""

from __future__ import annotations

import textwrap

from assumption_lint.catalog import shipped_catalog
from assumption_lint.engine import Settings, analyze_text


def _lines(code: str, rules=("AL108",), rule="AL108") -> list[int]:
    settings = Settings(shipped_catalog(), frozenset(rules))
    result = analyze_text(textwrap.dedent(code), "example.py", settings)
    assert not result.errors, result.errors
    return sorted(finding.line for finding in result.findings if finding.rule == rule)


HEAD = "import requests\nfrom flask import Flask, request\napp = Flask(__name__)\n"


def test_request_json_key_is_reported_werkzeug_multidicts_are_not() -> None:
    code = HEAD + """
@app.route("/a", methods=["POST"])
def a():
    body = request.get_json()
    name = request.args["name"]
    return body["email"] + name + request.headers["X-Id"]
"""
    assert _lines(code) == [9]


def test_membership_get_and_except_key_error_end_the_assumption() -> None:
    code = HEAD + """
@app.route("/a", methods=["POST"])
def a():
    body = request.get_json()
    if "email" not in body:
        return "missing", 400
    try:
        other = body["other"]
    except KeyError:
        other = None
    return body["email"] + body.get("x", "") + str(other)
"""
    assert _lines(code) == []


def test_one_finding_per_chain_and_top_level_response_keys_are_quiet() -> None:
    code = HEAD + """
def f():
    resp = requests.get("https://api.example.com/x", timeout=5)
    resp.raise_for_status()
    body = resp.json()
    token = body["access_token"]
    return body["data"]["items"]["first"], token
"""
    assert _lines(code) == [10]


def test_yields_to_unchecked_status_on_the_same_response() -> None:
    code = HEAD + """
def f():
    resp = requests.get("https://api.example.com/x", timeout=5)
    return resp.json()["data"]["items"]
"""
    assert _lines(code, rules=("AL108", "AL202")) == []
    assert _lines(code, rules=("AL108", "AL202"), rule="AL202") == [6]
    # Yielding does not depend on the other rule being enabled.
    assert _lines(code) == []
