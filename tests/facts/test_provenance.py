"""Value provenance: every flow construct, origin kind and validator, driven directly
(facts/provenance.py walked on its own, the way the engine's walk feeds it)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from assumption_lint import engine
from assumption_lint.catalog import shipped_catalog
from assumption_lint.checks.base import Check
from assumption_lint.engine import analyze_text
from assumption_lint.settings import Settings
from assumption_lint.catalog.network import NetworkFamily
from assumption_lint.facts.provenance import ValueProvenance, analyse, standalone
from assumption_lint.facts.provenance_values import MAX_PATH_STEPS, Origins

# What a number (an int-typed parameter, a converted or digit-checked value) ends.
NUMBER = {"format", "none-or-empty", "injection", "containment"}


def probes(source: str, catalog=None) -> list[Origins]:
    """The origins of the argument of each ``probe(...)`` call, asked when the walk is there."""
    source = textwrap.dedent(source)
    found: list[Origins] = []

    def on_node(fact: ValueProvenance, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "probe":
            found.append(fact.origins(node.args[0].value))

    analyse(cst.parse_module(source), catalog or shipped_catalog(), source, on_node)
    return found


def kinds(source: str) -> list[set[str]]:
    return [set(origins.kinds) for origins in probes(source)]


def validated(source: str, kind: str) -> list[set[str] | None]:
    """Per probe: what is validated for the ``kind`` origin (None: no such origin)."""
    result = []
    for origins in probes(source):
        origin = origins.of(kind)
        result.append(set(origin.validated) if origin is not None else None)
    return result


FLASK = "from flask import Flask, request\napp = Flask(__name__)\n"


# ----------------------------------------------------------------------------- origins
def test_flask_request_sources() -> None:
    assert kinds(FLASK + """
@app.post("/x")
def view():
    probe(request.args["q"])
    probe(request.form.get("name"))
    probe(request.get_json())
    probe(request.json)
    probe(request.headers["X-Token"])
""") == [{"request"}] * 5


def test_werkzeug_multidicts_end_shape_but_the_json_body_does_not() -> None:
    # request.args["x"] is a 400 when missing (BadRequestKeyError); request.json["x"] a KeyError.
    source = FLASK + """
def view():
    probe(request.args)
    probe(request.get_json())
"""
    assert validated(source, "request") == [{"shape"}, set()]


def test_django_request_and_url_kwargs() -> None:
    source = """
from django.http import JsonResponse
def detail(request, pk):
    probe(request.GET["q"])
    probe(pk)
    probe(request.body)
"""
    assert kinds(source) == [{"request"}] * 3
    # URL converters live in urls.py: a kwarg is request data whose format Django checked.
    assert validated(source, "request")[1] == {"format", "none-or-empty", "containment"}


def test_fastapi_parameters_by_annotation() -> None:
    source = """
from typing import Any, Optional
from fastapi import FastAPI, Request, Depends
from pydantic import BaseModel
app = FastAPI()
class Item(BaseModel):
    name: str
@app.get("/items/{item_id}")
async def read(item_id: int, q: str, raw, blob: dict, extra: Any, item: Item, maybe: Optional[int] = None,
               db=Depends(get_db), request: Request = None):
    probe(item_id); probe(q); probe(raw); probe(blob); probe(extra); probe(item); probe(maybe); probe(db)
    probe(request.query_params["page"])
    probe(await request.json())
"""
    # A model's str field is checked text, still free to hold a quote: no injection, no containment.
    assert validated(source, "request") == [
        NUMBER, set(), set(), set(), set(), {"shape", "format", "none-or-empty"},
        {"format", "injection", "containment"}, None, set(), set()]


def test_aiohttp_request() -> None:
    assert kinds("""
from aiohttp import web
async def handler(request: web.Request):
    probe(request.match_info["id"])
    probe(await request.json())
""") == [{"request"}, {"request"}]


def test_local_input_sources() -> None:
    assert kinds("""
import os, sys
probe(sys.argv[1])
probe(input("name? "))
probe(os.environ["HOME"])
probe(os.getenv("TOKEN"))
probe(os.environ.get("TOKEN"))
for line in sys.stdin:
    probe(line)
""") == [{"local-input"}] * 6


def test_argparse_values_validated_by_type_and_choices() -> None:
    source = """
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int)
parser.add_argument("--mode", choices=["a", "b"])
parser.add_argument("--verbose", action="store_true")
parser.add_argument("path")
args = parser.parse_args()
probe(args.count); probe(args.mode); probe(args.verbose); probe(args.path)
"""
    assert validated(source, "local-input") == [
        NUMBER, {"format", "none-or-empty", "containment", "injection"}, {"format", "none-or-empty"}, set()]


def test_click_and_typer_parameters() -> None:
    click_source = """
import click
@click.command()
@click.option("--count", type=int)
@click.option("--retries", default=3)
@click.option("--color", type=click.Choice(["red", "blue"]))
@click.option("--name")
@click.argument("target")
def main(count, retries, color, name, target):
    probe(count); probe(retries); probe(color); probe(name); probe(target)
"""
    assert validated(click_source, "local-input") == [
        NUMBER, {"format", "none-or-empty"}, {"format", "none-or-empty", "containment", "injection"}, set(), set()]
    typer_source = """
import typer
app = typer.Typer()
@app.command()
def main(name: str, count: int = 1):
    probe(name); probe(count)
"""
    assert validated(typer_source, "local-input") == [set(), NUMBER]


def test_responses_of_catalogued_network_calls() -> None:
    assert kinds("""
import requests, httpx
from urllib.request import urlopen
resp = requests.get("https://api.example.com/items", timeout=5)
probe(resp.json()["items"])
session = requests.Session()
probe(session.post("https://x", timeout=5).text)
async def fetch():
    async with httpx.AsyncClient() as client:
        r = await client.get("https://x")
        probe(r.headers["etag"])
probe(urlopen("https://x").read())
""") == [{"response"}] * 4


@pytest.mark.parametrize("call", [
    "openai.OpenAI().chat.completions.create(model='m', messages=[]).choices[0].message.content",
    "anthropic.Anthropic().messages.create(model='m', max_tokens=10, messages=[]).content[0].text",
    "ollama.chat(model='m', messages=[])['message']['content']",
    "ChatOpenAI(model='m').invoke('hi').content",
    "litellm.completion(model='m', messages=[]).choices[0].message.content",
])
def test_model_replies_are_model_output(call: str) -> None:
    source = f"""
import openai, anthropic, ollama, litellm
from langchain_openai import ChatOpenAI
probe({call})
"""
    assert kinds(source) == [{"model-output"}]


def test_a_model_reply_is_never_also_a_response_even_when_the_network_catalog_knows_the_call() -> None:
    catalog = shipped_catalog()
    base = next(family for family in catalog.network.calls.values() if family.response is not None)
    network = catalog.network.copy()
    network.calls["openai.OpenAI.chat.completions.create"] = NetworkFamily(
        "openai", ("openai.OpenAI.chat.completions.create",), (), base.errors, base.root, base.response,
        "none", (), "fix", "test")
    from dataclasses import replace
    extended = replace(catalog, network=network)
    (origins,) = probes("import openai\nprobe(openai.OpenAI().chat.completions.create(model='m', messages=[]))\n",
                        extended)
    assert origins.kinds == {"model-output"}


def test_database_rows() -> None:
    assert kinds("""
import sqlite3
conn = sqlite3.connect("app.db")
cur = conn.cursor()
cur.execute("select name from users")
probe(cur.fetchone())
for row in cur.fetchall():
    probe(row[0])
""") == [{"db-row"}, {"db-row"}]
    assert kinds("""
from django.db import models
def view(request):
    user = User.objects.filter(name="x").first()
    probe(user)
""") == [{"db-row"}]


def test_literals_are_local_and_unknown_stays_unknown() -> None:
    (parameter, literal, built, unknown) = probes("""
import sys
ARGS = sys.argv
def helper(x):
    probe(x)
probe("text")
probe([1, 2])
probe(compute())
""")
    assert literal.kinds == {"local"} and built.kinds == {"local"}
    assert not unknown and unknown.kinds == frozenset()
    assert parameter.kinds == frozenset()  # a parameter is no origin of its own


def test_a_file_with_no_source_is_not_analysed() -> None:
    source = "import collections\nx = collections.Counter()\nprobe(x)\n"
    fact = standalone(shipped_catalog(), source)
    assert not fact.active
    assert probes(source) == []  # not even walked


# ----------------------------------------------------------------------------- flow
def test_assignment_chains_unpacking_and_walrus() -> None:
    assert kinds(FLASK + """
def view():
    a = request.args["a"]
    b = a
    probe(b)
    c, d = request.args["c"], "literal"
    probe(c); probe(d)
    e, f = request.get_json()
    probe(f)
    first, *rest = request.args.getlist("x")
    probe(rest)
    if (g := request.args.get("g")) is not None:
        probe(g)
    h = "x"
    h += request.args["h"]
    probe(h)
""") == [{"request"}, {"request"}, {"local"}, {"request"}, {"request"}, {"request"}, {"local", "request"}]


def test_string_building() -> None:
    assert kinds(FLASK + """
def view():
    name = request.args["name"]
    probe(f"hello {name}")
    probe("select %s" % name)
    probe("select {}".format(name))
    probe("a" + name + "b")
    probe(", ".join([name, "x"]))
    probe(", ".join(name for _ in range(3)))
    probe(name.strip().lower())
    probe(str(name))
""") == [{"local", "request"}] * 4 + [{"request", "local"}] * 2 + [{"request"}] * 2


def test_containers_comprehensions_attributes_and_subscripts() -> None:
    assert kinds(FLASK + """
def view():
    data = request.get_json()
    probe({"user": data["user"]})
    probe([item["id"] for item in data["items"]])
    probe({key: value for key, value in data.items()})
    probe(data["user"]["name"])
    probe(data.user.name)
    probe(data.get("x", {}).get("y"))
""") == [{"request", "local"}] + [{"request"}] * 4 + [{"request", "local"}]


def test_for_loops_and_with_blocks() -> None:
    assert kinds("""
import requests, sys
for arg in sys.argv[1:]:
    probe(arg)
for index, arg in enumerate(sys.argv):
    probe(arg)
with requests.get("https://x", stream=True, timeout=5) as resp:
    for line in resp.iter_lines():
        probe(line)
""") == [{"local-input"}, {"local-input"}, {"response"}]


def test_self_attributes_within_a_class() -> None:
    assert kinds("""
import openai, sys
class Bot:
    def __init__(self):
        self.client = openai.OpenAI()
        self.name = sys.argv[1]
    def ask(self, question):
        reply = self.client.chat.completions.create(model="m", messages=[question])
        probe(reply)
        probe(self.name)
""") == [{"model-output"}, {"local-input"}]


def test_function_summaries_follow_parameters_to_the_return() -> None:
    source = FLASK + """
def clean(value, other):
    return value.strip()
def constant(value):
    return "fixed"
def page_of(value):
    if not value.isdigit():
        raise ValueError(value)
    return value
def view():
    probe(clean(request.args["q"], "x"))
    probe(clean(other=1, value=request.args["q"]))
    probe(constant(request.args["q"]))
    probe(page_of(request.args["p"]))
"""
    results = probes(source)
    assert [set(origins.kinds) for origins in results] == [{"request"}, {"request"}, {"local"}, {"request"}]
    # what the function validated on its parameter holds for the caller's argument
    assert "format" in results[3].of("request").validated
    assert "format" not in results[0].of("request").validated
    fact = analyse(cst.parse_module(source), shipped_catalog(), source)
    summary = fact.summary("clean")
    assert summary is not None and summary.parameters == ("value", "other") and summary.sinks == {}
    assert [origin.parameter for origin in summary.returns] == ["value"]


def test_methods_called_on_self_use_their_summary() -> None:
    assert kinds(FLASK + """
class View:
    def normalise(self, text):
        return text.lower()
    def get(self):
        probe(self.normalise(request.args["q"]))
""") == [{"request"}]


def test_an_assignment_in_a_branch_joins_with_the_value_before() -> None:
    source = FLASK + """
def view():
    page = request.args.get("page")
    if not page:
        page = "1"
    probe(page)
    size = request.args.get("size")
    size = "10"
    probe(size)
"""
    assert kinds(source) == [{"request", "local"}, {"local"}]


# ----------------------------------------------------------------------------- validators
def test_get_with_a_default_ends_shape_not_format() -> None:
    (with_default, without) = validated(FLASK + """
def view():
    probe(request.get_json().get("page", 1))
    probe(request.get_json().get("page"))
""", "request")
    assert "shape" in with_default and "format" not in with_default
    assert "shape" not in without


def test_membership_ends_shape_in_the_block_and_after_an_early_exit() -> None:
    assert validated(FLASK + """
def view():
    data = request.get_json()
    if "user" in data:
        probe(data)
    probe(data)
    if "name" not in data:
        return "missing", 400
    probe(data)
""", "request") == [{"shape"}, set(), {"shape"}]


def test_conversions_end_format_and_record_whether_they_are_handled() -> None:
    source = FLASK + """
import json
def view():
    page = int(request.args.get("page", 1))
    probe(page)
    try:
        size = int(request.args["size"])
    except ValueError:
        size = 10
    try:
        body = json.loads(request.data)
    except json.JSONDecodeError:
        body = {}
    try:
        other = float(request.args["x"])
    except KeyError:
        other = 0.0
"""
    assert validated(source, "request") == [{"shape", "format", "injection", "containment"}]
    fact = analyse(cst.parse_module(source), shipped_catalog(), source)
    conversions = [(c.api, c.handled_by, bool(c.argument.unvalidated("format"))) for c in fact.conversions]
    assert conversions == [("int", None, True), ("int", "try", False), ("json.loads", "try", False),
                           ("float", None, True)]


@pytest.mark.parametrize("registration", [
    "@app.errorhandler(ValueError)\ndef bad(error):\n    return 'bad', 400\n",
    "def bad(error):\n    return 'bad', 400\napp.register_error_handler(ValueError, bad)\n",
    "@app.errorhandler(500)\ndef bad(error):\n    return 'bad', 500\n",
])
def test_registered_error_handlers_count_as_handling(registration: str) -> None:
    # The handler is registered after the view: known once the walk has left the module.
    source = FLASK + "@app.get('/')\ndef view():\n    return str(int(request.args['page']))\n" + registration
    fact = analyse(cst.parse_module(source), shipped_catalog(), source)
    (conversion,) = [c for c in fact.conversions]
    handled = fact.conversion(conversion.node)
    assert handled.handled_by == "error handler" and not handled.argument.unvalidated("format")
    plain = FLASK + "@app.get('/')\ndef view():\n    return str(int(request.args['page']))\n"
    fact = analyse(cst.parse_module(plain), shipped_catalog(), plain)
    assert fact.conversion(fact.conversions[0].node).handled_by is None


def test_fastapi_exception_handler_counts_as_handling() -> None:
    source = """
from fastapi import FastAPI, Request
app = FastAPI()
@app.exception_handler(ValueError)
async def bad(request, exc):
    return None
@app.get("/")
async def view(page: str):
    return int(page)
"""
    fact = analyse(cst.parse_module(source), shipped_catalog(), source)
    assert fact.conversion(fact.conversions[0].node).handled_by == "error handler"


def test_guards_end_what_they_check() -> None:
    source = FLASK + """
import re
ALLOWED = ("asc", "desc")
PATTERN = re.compile(r"[a-z]+")
def view():
    value = request.args["v"]
    if isinstance(value, str):
        probe(value)
    if re.fullmatch(r"\\d+", value):
        probe(value)
    if PATTERN.fullmatch(value):
        probe(value)
    if value.isdigit():
        probe(value)
    if value in ("a", "b"):
        probe(value)
    if value in ALLOWED:
        probe(value)
    if value == "yes":
        probe(value)
    if value:
        probe(value)
    if value is not None:
        probe(value)
    probe(value)
"""
    results = validated(source, "request")
    # an item read from request.args: its own shape is not the dict's
    # isinstance proves a type, not safe text; fullmatch and isdigit do.
    assert results == [{"format", "none-or-empty"}] + [{"format", "none-or-empty", "injection"}] * 2 \
        + [NUMBER] + [{"format", "none-or-empty", "containment", "injection"}] * 3 \
        + [{"none-or-empty", "emptiness"}, {"none-or-empty"}] + [set()]


def test_negated_guards_hold_after_an_exit_and_in_the_else_branch() -> None:
    assert validated(FLASK + """
from flask import abort
def view():
    page = request.args["page"]
    if not page.isdigit():
        abort(400)
    probe(page)
    other = request.args["other"]
    if other is None:
        pass
    else:
        probe(other)
    assert isinstance(other, str)
    probe(other)
""", "request") == [NUMBER, {"none-or-empty"}, {"format", "none-or-empty"}]


def test_containment_sanitizers_and_guards() -> None:
    assert validated(FLASK + """
import os
from pathlib import Path
from werkzeug.utils import secure_filename
BASE = Path("/srv/files")
def view():
    name = request.args["name"]
    probe(secure_filename(name))
    probe(os.path.basename(name))
    target = (BASE / name).resolve()
    probe(os.path.join(BASE, name))
    if not target.is_relative_to(BASE):
        abort(403)
    probe(target)
""", "request") == [{"containment"}, {"containment"}, set(), {"containment"}]


def test_model_and_schema_validation() -> None:
    source = FLASK + """
import attr, jsonschema
from dataclasses import dataclass
from pydantic import BaseModel
from marshmallow import Schema
class Payload(BaseModel):
    name: str
@dataclass
class Point:
    x: int
@attr.define
class Box:
    size: int
def view():
    body = request.get_json()
    probe(Payload(**body))
    probe(Payload.model_validate(body).name)
    probe(Point(**body))
    probe(Box(**body))
    probe(UserSchema().load(body))
    jsonschema.validate(body, SCHEMA)
    probe(body["name"])
"""
    full = {"shape", "format", "none-or-empty"}
    assert validated(source, "request") == [full, full, {"shape"}, {"shape"}, full, full]


def test_or_default_ends_none() -> None:
    assert validated(FLASK + """
def view():
    probe(request.get_json().get("name") or "anonymous")
""", "request") == [{"none-or-empty"}]


# ----------------------------------------------------------------------------- paths
def test_the_path_starts_at_the_first_source_in_source_order() -> None:
    source = FLASK + """
def view():
    a = request.args["a"]
    b = request.form["b"]
    probe(b + a)
    probe(a + b)
"""
    module = cst.parse_module(source)
    found: list[Origins] = []
    analyse(module, shipped_catalog(), source, lambda fact, node: found.append(fact.origins(node.args[0].value))
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "probe"
            else None)
    first, second = (origins.of("request") for origins in found)
    assert first.path == second.path  # the same path, whichever operand comes first
    positions = cst.metadata.MetadataWrapper(module, unsafe_skip_copy=True).resolve(cst.metadata.PositionProvider)
    assert positions[first.source.node].start.line == 5  # request.args["a"], the first in the file
    assert first.source.note == "the query string"
    assert [step.note for step in first.path[1:]] == ["an item read", "assigned to a"]


def test_paths_are_bounded() -> None:
    source = "import sys\nx0 = sys.argv[1]\n" + "".join(f"x{i + 1} = x{i}\n" for i in range(200)) + "probe(x200)\n"
    (origins,) = probes(source)
    assert len(origins.of("local-input").path) <= MAX_PATH_STEPS + 1


# ----------------------------------------------------------------------------- in the engine
class _ReadsProvenance(Check):
    """Asks the fact about each probe() argument, the way AL107 or AL501 will."""

    rules = ("AL301",)
    needs = (ValueProvenance,)
    # The engine's pre-check knows the network catalog's modules; a check on provenance
    # names the framework modules it cares about.
    triggers = ("flask",)
    seen: list[frozenset[str]] = []

    def visit_Call(self, node) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            type(self).seen.append(self.fact(ValueProvenance).origins(node.args[0].value).kinds)


def test_the_engine_computes_the_fact_for_a_check_that_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_CHECKS", (*engine.ALL_CHECKS, _ReadsProvenance))
    _ReadsProvenance.seen = []
    source = FLASK + "@app.get('/<name>')\ndef view(name):\n    probe(name)\n    probe(request.args['q'] + 'x')\n"
    result = analyze_text(source, "app.py", Settings(shipped_catalog(), frozenset({"AL002", "AL301"})))
    assert not result.errors
    assert _ReadsProvenance.seen == [{"request"}, {"request", "local"}]


def test_a_crashing_provenance_fact_is_al002_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(self, node) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ValueProvenance, "leave_Assign", crash)
    monkeypatch.setattr(engine, "ALL_CHECKS", (*engine.ALL_CHECKS, _ReadsProvenance))
    source = FLASK + "import requests\nx = request.args['q']\nrequests.get(x)\n"
    result = analyze_text(source, "app.py", Settings(shipped_catalog(), frozenset({"AL002", "AL301"})))
    rules = sorted(finding.rule for finding in result.findings)
    assert rules == ["AL002", "AL301"]  # the timeout check that does not need the fact goes on
    (al002,) = [finding for finding in result.findings if finding.rule == "AL002"]
    assert "ValueProvenance" in al002.message and "_ReadsProvenance" in al002.message


def test_a_comprehension_target_holds_its_items_while_the_walk_is_inside_it_when_asked() -> None:
    source = textwrap.dedent('''
        import requests
        def recent(url):
            resp = requests.get(url, timeout=5)
            items = resp.json()["items"]
            fresh = [i for i in items if probe(i["updated_at"])]
            pairs = {k: probe(v) for k, v in resp.json().items() if k}
            nested = [probe(c) for i in items for c in i["children"]]
            probe(i)
    ''')
    asked: list[tuple[set[str], set[str]]] = []

    def on_node(fact: ValueProvenance, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "probe":
            argument = node.args[0].value
            asked.append((set(fact.origins(argument, comprehensions=True).kinds), set(fact.origins(argument).kinds)))

    analyse(cst.parse_module(source), shipped_catalog(), source, on_node)
    # Other questions still answer unknown inside a comprehension.
    assert asked == [({"response"}, set()), ({"response"}, set()), ({"response"}, set()), (set(), set())]
