"""The taint fact (facts/taint.py): hits per sink kind and shape, what the threat models
count, parameters that reach sinks recorded on the function summary, archives, and bounds
on huge input (through the engine, in a subprocess: libcst's parser can overflow)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.checks.base import Check
from assumption_lint.engine import analyze_text
from assumption_lint.facts.provenance import ValueProvenance
from assumption_lint.facts.taint import TaintedSinks, hostile_kinds
from assumption_lint.settings import Settings

HOLDER: dict[str, TaintedSinks] = {}


class _Probe(Check):
    """Keeps the file's TaintedSinks for the test to read."""

    rules = ("AL101",)
    needs = (TaintedSinks, ValueProvenance)
    triggers = ("flask", "sqlite3")

    def leave_Module(self, node: object) -> None:
        HOLDER["fact"] = self.fact(TaintedSinks)
        HOLDER["prov"] = self.fact(ValueProvenance)  # type: ignore[assignment]


def _fact(code: str, monkeypatch) -> TaintedSinks:  # type: ignore[no-untyped-def]
    from assumption_lint import engine
    monkeypatch.setattr(engine, "ALL_CHECKS", (_Probe,))
    result = analyze_text(textwrap.dedent(code), "app.py", Settings(shipped_catalog(), frozenset({"AL101"})))
    assert not result.errors, result.errors
    return HOLDER["fact"]


def test_hits_record_kind_shape_and_every_unvalidated_origin(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fact = _fact("""
        import os, sqlite3, subprocess, sys
        from flask import Flask, request
        app = Flask(__name__)

        @app.route("/x")
        def view():
            q = request.args["q"] + sys.argv[1]
            sqlite3.connect("a.db").execute(f"SELECT '{q}'")
            subprocess.run(["sh", "-c", q], timeout=5)
            open(q)
    """, monkeypatch)
    assert [(hit.kind, hit.shape) for hit in fact.hits] == [("sql", "text"), ("command", "interpreter"),
                                                           ("path", "path")]
    assert [{origin.kind for origin in hit.origins} for hit in fact.hits] == [{"request", "local-input"}] * 3
    assert fact.hits[1].program == "sh"


def test_a_parameter_reaching_a_sink_fills_the_function_summary(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fact = _fact("""
        import os, sqlite3
        from flask import request

        def run(conn, sql, path):
            conn.execute(sql)
            os.remove(path)
            return conn

        def wrapper(conn, statement):
            return run(conn, statement, "/tmp/x")
    """, monkeypatch)
    prov = HOLDER["prov"]
    assert prov.summary("run").sinks == {"sql": frozenset({"sql"}), "path": frozenset({"path"})}
    assert prov.summary("wrapper").sinks == {"statement": frozenset({"sql"})}
    assert fact.hits == []  # nothing from outside was passed yet


def test_threat_models_decide_which_origins_count() -> None:
    assert hostile_kinds("text", {"remote"}) == ("request", "local-input")
    assert hostile_kinds("path", {"remote"}) == ("request",)
    assert hostile_kinds("program", {"remote", "local"}) == ("request", "local-input")
    assert hostile_kinds("path", {"remote", "responses"}) == ("request", "response")
    assert hostile_kinds("option", set()) == ()


DRIVER = """
import json, sys, time
from assumption_lint.catalog import shipped_catalog
from assumption_lint.engine import analyze_text
from assumption_lint.settings import Settings
source = sys.stdin.read()
start = time.process_time()
result = analyze_text(source, "big.py", Settings(shipped_catalog(), frozenset({"AL101", "AL102", "AL103"})))
print(json.dumps({"seconds": time.process_time() - start, "errors": [e.check for e in result.errors],
                  "rules": sorted({f.rule for f in result.findings})}))
"""
HEADER = "import os, sys, sqlite3, subprocess\nfrom flask import request\nconn = sqlite3.connect('a.db')\n"
CASES = {
    # (past 1000 levels the engine's depth guard gives AL003 before any fact runs)
    "900-term + chain into execute": (
        "conn.execute(" + " + ".join(["'a'"] * 450 + ["request.args['q']"] + ["'a'"] * 449) + ")\n", ["AL101"]),
    "600-deep str() into os.system": ("os.system(" + "str(" * 600 + "sys.argv[1]" + ")" * 600 + ")\n", []),
    "10000 appends to one command list": (
        "def main():\n    cmd = ['tar']\n" + "    cmd.append(sys.argv[1])\n" * 10_000
        + "    subprocess.run(cmd, timeout=5)\n", []),
    "2000 helpers calling each other": (
        "def h0(p):\n    os.system(p)\n" + "".join(f"def h{i}(p):\n    h{i - 1}(p)\n" for i in range(1, 2000))
        + "h1999(request.args['q'])\n", ["AL102"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_fact_is_bounded_on_huge_input(name: str) -> None:
    source, rules = CASES[name]
    process = subprocess.run([sys.executable, "-c", DRIVER], input=HEADER + source, capture_output=True, text=True,
                             timeout=120)
    assert process.returncode == 0, process.stderr[-2000:]
    result = json.loads(process.stdout)
    assert result["errors"] == [] and result["rules"] == rules, result
    assert result["seconds"] < 30, result


def test_reportable_counts_the_origins_a_rule_names(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """AL503 names its own origin kind (model output); AL101-AL103 count what the threat
    models make hostile, and never a model's reply."""
    fact = _fact("""
        import sqlite3
        from flask import Flask, request
        from openai import OpenAI
        app = Flask(__name__)
        client = OpenAI(timeout=30)

        @app.route("/x")
        def view():
            reply = client.chat.completions.create(model="m", messages=[]).choices[0].message.content
            conn = sqlite3.connect("a.db")
            conn.execute(reply)
            conn.execute(reply + request.args["q"])
    """, monkeypatch)
    assert [hit.call.func.attr.value for hit, _ in fact.reportable("sql", ("remote",))] == ["execute"]
    found = fact.reportable("sql", kinds=("model-output",))
    assert [origin.kind for _, origin in found] == ["model-output", "model-output"]
    assert fact.reportable("path", kinds=("model-output",)) == []


def test_read_only_connections_mark_sql_hits(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fact = _fact("""
        import sqlite3, sys
        ro = sqlite3.connect("file:a.db?mode=ro", uri=True)

        def run():
            q = sys.argv[1]
            ro.execute(q)
            rw = sqlite3.connect("a.db")
            rw.execute(q)
            rw.execute("PRAGMA query_only=1")
            rw.cursor().execute(q)
    """, monkeypatch)
    assert [hit.read_only for hit in fact.hits] == [True, False, True]


def test_urls_and_redirects_with_a_fixed_start_are_segments_or_not_hits(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fact = _fact("""
        import requests
        from flask import Flask, redirect, request
        app = Flask(__name__)
        API = "https://api.example.com"

        @app.route("/x")
        def view():
            q = request.args["q"]
            requests.get(f"https://api.example.com/search?q={q}", timeout=5)
            requests.get(API + "/items/" + q, timeout=5)
            url = f"{API}/v2/{q}"
            requests.get(url, timeout=5)
            requests.get(f"https://{q}/x", timeout=5)
            requests.get(API + q, timeout=5)
            redirect(f"/items/{q}")
            return redirect(f"//{q}")
    """, monkeypatch)
    # After a fixed host a URL's value is a path segment (AL105's note); in the query string,
    # or after a redirect's own path, nothing.
    assert [(hit.kind, hit.shape) for hit in fact.hits] == [
        ("url", "segment"), ("url", "segment"), ("url", "path"), ("url", "path"), ("redirect", "path")]
