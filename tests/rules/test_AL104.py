"""AL104 tainted-code: code text, templates, serialized objects and module names from a
request; safe YAML loaders; which origins count under each threat model; AL503 standing back."""

from __future__ import annotations

from harness import findings, line_rules, lines

FLASK = """\
import importlib, marshal, pickle
import yaml
from flask import Flask, abort, render_template_string, request
from jinja2 import Environment, Template
app = Flask(__name__)
ALLOWED = ("csv", "xlsx")

@app.route("/f", methods=["POST"])
def f():
    value = request.args.get("value", "")
"""


def _shapes(body: str, **kwargs) -> list[tuple[int, str]]:
    code = FLASK + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return [(finding.line - 10, finding.message) for finding in findings(code, "AL104", **kwargs)]


def test_every_code_sink_and_its_shape() -> None:
    found = _shapes("""
eval(value)
exec("x = " + value)
compile(value, "<s>", "eval")
Template(value)
Environment().from_string(f"<p>{value}</p>")
render_template_string(value)
pickle.loads(request.get_data())
marshal.loads(request.data)
yaml.load(request.data)
importlib.import_module(f"plugins.{value}")
""")
    assert [line for line, _ in found] == list(range(1, 11))
    assert "is safe to run as Python code (eval())" in found[0][1]
    assert "is safe to compile as a template" in found[3][1]
    assert "is safe to deserialize (pickle.loads())" in found[6][1]
    assert "yaml.load() without a safe loader" in found[8][1]
    assert "names a module that is safe to import" in found[9][1]


def test_safe_loaders_literals_and_allowlists_are_quiet() -> None:
    assert _shapes("""
yaml.safe_load(request.data)
yaml.load(request.data, Loader=yaml.SafeLoader)
yaml.load(request.data, yaml.CSafeLoader)
yaml.load(request.data, Loader=CustomLoader)
render_template_string("<p>{{ v }}</p>", v=value)
Template("Hello {{ name }}").render(name=value)
eval("1 + 2")
if value not in ALLOWED:
    abort(400)
importlib.import_module(f"exporters.{value}")
""") == []


def test_an_unsafe_loader_is_a_sink() -> None:
    assert [line for line, _ in _shapes("""
yaml.load(request.data, Loader=yaml.Loader)
yaml.load(request.data, Loader=yaml.UnsafeLoader)
yaml.unsafe_load(request.data)
""")] == [1, 2, 3]


def test_local_input_counts_in_code_text_always_in_templates_and_pickles_only_with_local() -> None:
    code = """\
import argparse, pickle, sys
from jinja2 import Template
def main():
    args = argparse.ArgumentParser().parse_args()
    eval(args.expr)
    exec(sys.stdin.read())
    pickle.load(open(args.cache, "rb"))
    Template(args.template)
"""
    assert lines(code, "AL104") == [5, 6]
    assert lines(code, "AL104", threat_models=frozenset({"remote", "local"})) == [5, 6, 8]


def test_model_output_and_request_data_in_one_eval_is_one_finding() -> None:
    code = """\
from flask import Flask, request
from openai import OpenAI
app = Flask(__name__)
client = OpenAI()

@app.route("/ask")
def ask():
    q = request.args.get("q", "")
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": q}])
    return str(eval(reply.choices[0].message.content + q))
"""
    assert {rule for _, rule in line_rules(code, "AL104", "AL503")} == {"AL104"}


def test_a_helper_that_evaluates_its_parameter_is_reported_at_the_sink() -> None:
    code = """\
from flask import Flask, request
app = Flask(__name__)

def calculate(expression):
    return eval(expression)

@app.route("/calc")
def calc():
    return str(calculate(request.args["expr"]))
"""
    [finding] = findings(code, "AL104")
    assert finding.line == 5
    assert [note.message for note in finding.related][-1] == "passed to calculate() as expression"
