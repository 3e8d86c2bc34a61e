"""Value provenance for the injection rules (AL101-AL103): what makes text safe to paste into
SQL or a shell command (the ``injection`` assumption), what keeps a path in its folder
(``containment``), and the sources and shapes those rules need."""

from __future__ import annotations

from facts.test_provenance import FLASK, NUMBER, kinds, validated


def test_text_building_keeps_the_origin_through_every_form() -> None:
    assert kinds(FLASK + """
@app.get("/x")
def view():
    q = request.args["q"]
    probe(f"SELECT * FROM t WHERE name = '{q}'")
    probe("SELECT * FROM t WHERE name = '%s'" % q)
    probe("SELECT * FROM t WHERE name = '%s'" % (q,))
    probe("SELECT * FROM t WHERE name = '" + q + "'")
    probe("SELECT * FROM t WHERE name = '{}'".format(q))
    probe(" AND ".join([f"{k} = 1" for k in request.args]))
    probe(" ".join(["ls", q]))
""") == [{"local", "request"}] * 5 + [{"request", "local"}] * 2


def test_only_conversions_allowlists_and_full_matches_end_injection() -> None:
    source = FLASK + """
import re
ALLOWED = ("name", "date")
@app.get("/x")
def view():
    q = request.args["q"]
    probe(int(q))
    if q in ALLOWED:
        probe(q)
    if re.fullmatch(r"[a-z]+", q):
        probe(q)
    if re.match(r"[a-z]+", q):
        probe(q)
    if isinstance(q, str):
        probe(q)
    if q.isalnum():
        probe(q)
"""
    results = validated(source, "request")
    assert ["injection" in ends for ends in results] == [True, True, True, False, False, True]


def test_werkzeug_get_with_a_type_converts_and_falls_back_to_the_default() -> None:
    assert validated(FLASK + """
@app.get("/x")
def view():
    probe(request.args.get("page", type=int))
    probe(request.args.get("page", 1, int))
    probe(request.args.get("name", type=str))
    probe(request.args.get("page", 1))
""", "request") == [NUMBER - {"none-or-empty"}, {"shape"} | NUMBER - {"none-or-empty"}, set(), {"shape"}]


def test_a_conditional_expression_keeps_what_its_test_proves() -> None:
    assert validated(FLASK + """
SORTS = ("name", "date")
@app.get("/x")
def view():
    sort = request.args["sort"]
    probe(sort if sort in SORTS else "name")
    probe("name" if sort not in SORTS else sort)
    probe(sort if sort else "name")
    probe(sort if request.args.get("raw") else "name")
""", "request") == [{"format", "none-or-empty", "containment", "injection"}] * 2 + [
        {"none-or-empty", "emptiness"}, set()]


def test_containment_checks_by_common_path_and_prefix() -> None:
    assert validated(FLASK + """
import os
from flask import abort
BASE = "/srv/files"
@app.get("/x")
def view():
    path = os.path.realpath(os.path.join(BASE, request.args["name"]))
    probe(path)
    if os.path.commonpath([BASE, path]) != BASE:
        abort(403)
    probe(path)
    other = request.args["other"]
    if not os.path.realpath(other).startswith(BASE + os.sep):
        abort(403)
    probe(other)
""", "request") == [set(), {"containment"}, {"containment"}]


def test_argparse_type_int_ends_what_int_ends_and_type_path_does_not() -> None:
    assert validated("""
import argparse
from pathlib import Path
parser = argparse.ArgumentParser()
parser.add_argument("--limit", type=int)
parser.add_argument("--out", type=Path)
args = parser.parse_args()
probe(args.limit); probe(args.out)
""", "local-input") == [NUMBER, {"format", "none-or-empty"}]


def test_request_paths_and_uploaded_file_names_are_request_data() -> None:
    assert kinds("""
from aiohttp import web
from fastapi import FastAPI, UploadFile
app = FastAPI()
async def handler(request: web.Request) -> web.Response:
    probe(request.path)
    probe(request.rel_url)
@app.post("/upload")
async def upload(file: UploadFile):
    probe(file.filename)
""") == [{"request"}] * 3
    assert kinds(FLASK + """
@app.get("/<path:rest>")
def view(rest):
    probe(request.path)
""") == [{"request"}]


def test_a_sink_sanitizer_from_the_catalog_ends_its_kinds_assumption() -> None:
    results = validated(FLASK + """
import shlex
from psycopg2 import sql
@app.get("/x")
def view():
    q = request.args["q"]
    probe(shlex.quote(q))
    probe(sql.Identifier(q))
    probe(q)
""", "request")
    assert ["injection" in ends for ends in results] == [True, True, False]


def test_a_paths_last_part_holds_no_separator() -> None:
    assert validated(FLASK + """
from pathlib import Path
@app.get("/x")
def view():
    name = request.args["name"]
    probe(Path(name).name)
    probe(Path(name).suffix)
    probe((Path("/srv") / name).stem)
    probe(request.files["f"].name)
""", "request") == [{"containment"}] * 3 + [set()]


def test_aiohttp_route_variables_are_always_there() -> None:
    assert validated("""
from aiohttp import web
async def handler(request: web.Request) -> web.Response:
    probe(request.match_info)
    probe(request.query)
""", "request") == [{"shape"}, set()]


def test_a_select_only_check_ends_read_only_and_nothing_else() -> None:
    """`sql.strip().upper().startswith("SELECT")` (the guard of rules/sources.toml with
    `literals` and `through`) ends `read-only` for AL503; injection stays open for AL101."""
    found = validated(FLASK + """
@app.get("/x")
def view():
    q = request.args["q"]
    if not q.strip().upper().startswith("SELECT"):
        return "no"
    probe(q)
    r = request.args["r"]
    if r.lower().startswith(("select", "with")):
        probe(r)
    if r.startswith(("select", "delete")):
        probe(r)
    if r.startswith("/srv/"):
        probe(r)
""", "request")
    assert [("read-only" in ended, "injection" in ended) for ended in found] == [
        (True, False), (True, False), (False, False), (False, False)]
    assert "containment" in found[3]


def test_join_of_items_built_in_place_keeps_their_validation() -> None:
    found = validated(FLASK + """
import shlex
@app.get("/x")
def view():
    parts = request.args["q"].split()
    probe(" ".join(shlex.quote(part) for part in parts))
    probe(" ".join([shlex.quote(part) for part in parts]))
    quoted = [shlex.quote(part) for part in parts]
    probe(" ".join(parts))
""", "request")
    assert ["injection" in ended for ended in found] == [True, True, False]
