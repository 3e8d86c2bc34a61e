"""AL101 tainted-sql: what counts as building SQL text, what makes it safe, helpers within
the module, threat models, and the path as SARIF codeFlows."""

from __future__ import annotations

import json
from pathlib import Path

from assumption_lint.cli import cli
from harness import cli_runner, findings, lines

VIEW = """\
import sqlite3
from flask import Flask, request
app = Flask(__name__)
db = sqlite3.connect("app.db")

@app.route("/search")
def search():
    q = request.args.get("q", "")
    return str(db.execute(f"SELECT * FROM items WHERE name = '{q}'").fetchall())
"""


def test_a_query_parameter_in_an_f_string_is_reported_at_the_call_with_its_path() -> None:
    [finding] = findings(VIEW, "AL101")
    assert (finding.line, finding.severity) == (9, "error")
    assert finding.message.startswith("assumes `q` from the query string is safe to paste into SQL text (execute())")
    assert "query parameter" in finding.message
    assert [note.message for note in finding.related] == [
        "from the query string", "read with .get()", "assigned to q", "formatted into a string"]
    assert [note.line for note in finding.related] == [8, 8, 8, 9]


def test_every_way_of_building_text_counts_and_parameters_never_do() -> None:
    code = VIEW + """
@app.route("/more")
def more():
    q = request.args["q"]
    db.execute("SELECT * FROM items WHERE name = '%s'" % q)
    db.execute("SELECT * FROM items WHERE name = '" + q + "'")
    db.execute("SELECT * FROM items WHERE name = '{}'".format(q))
    db.execute(" OR ".join(f"tag = '{tag}'" for tag in request.args.getlist("tag")))
    db.execute("SELECT * FROM items WHERE name = ?", (q,))
    db.execute("SELECT * FROM items WHERE name = :q", {"q": q})
    db.executemany("INSERT INTO log VALUES (?)", [(q,)])
"""
    assert lines(code, "AL101") == [9, 14, 15, 16, 17]


def test_numbers_fixed_lists_and_full_matches_make_it_safe_isinstance_does_not() -> None:
    code = VIEW + """
import re
COLUMNS = ("name", "price")
@app.route("/safe/<int:item_id>")
def safe(item_id):
    limit = request.args.get("limit", 10, type=int)
    column = request.args["column"]
    if column not in COLUMNS:
        return "no", 400
    code = request.args["code"]
    if not re.fullmatch(r"[A-Z0-9]+", code):
        return "no", 400
    db.execute(f"SELECT {column} FROM items WHERE id = {item_id} AND code = '{code}' LIMIT {limit}")
    db.execute(f"SELECT * FROM items LIMIT {int(request.args['n'])}")
    name = request.args["name"]
    if isinstance(name, str):
        db.execute(f"SELECT * FROM items WHERE name = '{name}'")
"""
    assert lines(code, "AL101") == [9, 26]


def test_a_helper_in_the_module_is_reported_at_its_sink_with_the_call_as_a_step() -> None:
    code = """\
import sqlite3
from fastapi import FastAPI
app = FastAPI()

def count_rows(conn, table):
    return conn.execute("SELECT COUNT(*) FROM " + table).fetchone()[0]

def count_for(conn, table):
    return count_rows(conn, table)

@app.get("/count")
def count(table: str):
    return {"n": count_for(sqlite3.connect("app.db"), table)}
"""
    [finding] = findings(code, "AL101")
    assert finding.line == 6
    notes = [note.message for note in finding.related]
    assert notes[0] == "from the request (table)"
    assert "passed to count_for() as table" in notes and "passed to count_rows() as table" in notes
    # Called with a literal only: quiet.
    assert lines(code.replace("table)}", "'users')}"), "AL101") == []


def test_sqlalchemy_text_django_raw_and_asyncpg_are_sinks() -> None:
    code = """\
import asyncpg
from sqlalchemy import text
from fastapi import FastAPI
app = FastAPI()

@app.get("/a")
async def a(name: str, conn=None):
    text(f"SELECT * FROM t WHERE name = '{name}'")
    await conn.fetch(f"SELECT * FROM t WHERE name = '{name}'")
    await conn.fetch("SELECT * FROM t WHERE name = $1", name)
"""
    assert lines(code, "AL101") == [8, 9]
    django = """\
from django.http import JsonResponse
from .models import Item

def view(request):
    Item.objects.raw("SELECT * FROM item WHERE name = '%s'" % request.GET.get("q"))
    Item.objects.raw("SELECT * FROM item WHERE name = %s", [request.GET.get("q")])
    return JsonResponse({})
"""
    assert lines(django, "AL101") == [5]


def test_local_input_counts_whatever_the_threat_models_and_responses_only_when_asked() -> None:
    code = """\
import sqlite3, sys, requests
conn = sqlite3.connect("app.db")

def main():
    conn.execute(f"SELECT * FROM users WHERE name = '{sys.argv[1]}'")
    row = requests.get("https://api.example.com/me", timeout=5).json()
    conn.execute(f"SELECT * FROM users WHERE name = '{row['name']}'")
"""
    assert lines(code, "AL101") == [5]
    assert lines(code, "AL101", threat_models=frozenset()) == [5]
    assert lines(code, "AL101", threat_models=frozenset({"remote", "responses"})) == [5, 7]


def test_database_rows_and_literals_are_not_sources() -> None:
    code = """\
import sqlite3
from flask import Flask
app = Flask(__name__)

@app.route("/tables")
def tables():
    conn = sqlite3.connect("app.db")
    for (name,) in conn.execute("SELECT name FROM sqlite_master").fetchall():
        conn.execute(f"PRAGMA table_info({name})")
    for column, ddl in [("a", "TEXT"), ("b", "INTEGER")]:
        conn.execute(f"ALTER TABLE t ADD COLUMN {column} {ddl}")
    return "ok"
"""
    assert lines(code, "AL101") == []


def test_sarif_carries_the_path_as_a_code_flow_valid_against_the_schema(tmp_path: Path) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
    source = tmp_path / "views.py"
    source.write_text(VIEW)
    out = tmp_path / "out.sarif"
    result = cli_runner().invoke(cli, ["--preview", "--select", "AL101", "--format", "sarif", "--exit-zero", "-o", str(out),
                                       str(source)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    jsonschema.validate(document, schema)
    [item] = document["runs"][0]["results"]
    steps = item["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["location"]["physicalLocation"]["region"]["startLine"] for step in steps] == [8, 8, 8, 9, 9]
    assert steps[0]["location"]["message"]["text"] == "from the query string"
    rule = next(rule for rule in document["runs"][0]["tool"]["driver"]["rules"] if rule["id"] == "AL101")
    assert rule["properties"]["security-severity"] == "8.8"
    assert "external/cwe/cwe-89" in rule["properties"]["tags"]
