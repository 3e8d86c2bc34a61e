"""AL503 model-output-executed: a model's text at each sink kind, what keeps it quiet
(read-only connections, a SELECT-only check, allowlists, enums, quoting, a fixed host),
precedence with AL101-AL103, wrappers in other files and SARIF codeFlows."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness import findings, line_rules, lines

HEAD = """\
import ast, os, shlex, sqlite3, subprocess
import psycopg2, requests
from enum import Enum
from flask import Flask, redirect, request
from sqlalchemy import create_engine, text
from openai import OpenAI
client = OpenAI(timeout=30)
app = Flask(__name__)

def ask(q):
    resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": q}])
    return resp.choices[0].message.content

def run(q):
    reply = ask(q)
"""
OFFSET = HEAD.count("\n")


def _found(body: str, *rules: str) -> list[tuple[int, str]]:
    code = HEAD + "".join(f"    {line}\n" for line in body.strip("\n").splitlines())
    return [(finding.line - OFFSET, finding.message) for finding in findings(code, *(rules or ("AL503",)))]


def _lines(body: str) -> list[int]:
    return [line for line, _ in _found(body)]


def test_every_sink_kind_is_reported_with_its_own_words() -> None:
    found = _found("""
sqlite3.connect("app.db").execute(reply)
subprocess.run(reply, shell=True, timeout=5)
subprocess.run(shlex.split(reply), timeout=5)
subprocess.run(["bash", "-c", reply], timeout=5)
eval(reply)
open(reply, "w")
requests.get(reply, timeout=5)
return redirect(reply)
""")
    assert [line for line, _ in found] == [1, 2, 3, 4, 5, 6, 7, 8]
    words = ["is a harmless query to run (execute())", "is a safe shell command to run",
             "names a safe program to run", "is safe to run as `bash` code", "is safe to run as Python code (eval())",
             "names a file inside the folder the code means (open())", "is a URL the code means to call",
             "is a safe place to send the user"]
    for (_, message), expected in zip(found, words):
        assert message.startswith("assumes `reply` from the model's reply " + expected), message
        assert "prompt injection" in message or "option" in message


def test_the_path_from_the_sdk_call_is_the_related_locations() -> None:
    code = HEAD + "    sqlite3.connect('app.db').execute(reply)\n"
    [finding] = findings(code, "AL503")
    notes = [related.message for related in finding.related]
    assert notes[0] == "from the model's reply"
    assert "returned by ask()" in notes and notes[-1] == "assigned to reply"


def test_read_only_connections_are_quiet() -> None:
    assert _lines("""
sqlite3.connect("file:app.db?mode=ro", uri=True).execute(reply)
with sqlite3.connect(f"file:{q}?mode=ro", uri=True) as conn:
    conn.cursor().execute(reply)
rw = sqlite3.connect("file:app.db?mode=ro")
rw.execute(reply)
db = sqlite3.connect("app.db")
db.execute("PRAGMA query_only = ON")
db.execute(reply)
other = sqlite3.connect("app.db")
other.execute("PRAGMA query_only = OFF")
other.execute(reply)
""") == [5, 11]  # without uri=True "mode=ro" is part of a file name; query_only OFF writes


def test_postgres_and_sqlalchemy_read_only_sessions_are_quiet() -> None:
    assert _lines("""
pg = psycopg2.connect("dbname=x", connect_timeout=5)
pg.set_session(readonly=True)
pg.cursor().execute(reply)
pg2 = psycopg2.connect("dbname=x", connect_timeout=5)
pg2.readonly = True
with pg2.cursor() as cur:
    cur.execute(reply)
pg3 = psycopg2.connect("dbname=x", connect_timeout=5, options="-c default_transaction_read_only=on")
pg3.cursor().execute(reply)
pg4 = psycopg2.connect("dbname=x", connect_timeout=5)
pg4.cursor().execute(reply)
engine = create_engine("postgresql://x")
with engine.connect().execution_options(postgresql_readonly=True) as conn:
    conn.execute(text(reply))
ro = create_engine("postgresql://x", execution_options={"postgresql_readonly": True})
with ro.connect() as conn2:
    conn2.execute(text(reply))
with engine.connect() as conn3:
    conn3.execute(text(reply))
""") == [11, 19]


def test_a_read_only_connection_kept_on_self_or_returned_by_a_helper() -> None:
    code = HEAD.replace("def run(q):\n    reply = ask(q)\n", "") + """
def readonly_db():
    return sqlite3.connect("file:app.db?mode=ro", uri=True)

class Store:
    def __init__(self):
        self.db = sqlite3.connect("file:app.db?mode=ro", uri=True)
        self.rw = sqlite3.connect("app.db")

    def query(self, q):
        self.db.execute(ask(q))
        readonly_db().execute(ask(q))
        self.rw.execute(ask(q))
"""
    expected = code.splitlines().index("        self.rw.execute(ask(q))") + 1
    assert lines(code, "AL503") == [expected]


def test_a_select_only_check_ends_it_for_sql_only() -> None:
    assert _lines("""
if not reply.strip().upper().startswith("SELECT"):
    raise ValueError("only SELECT")
sqlite3.connect("app.db").execute(reply)
os.system(reply)
""") == [4]
    assert _lines("""
if reply.lower().startswith(("select", "with")):
    sqlite3.connect("app.db").execute(reply)
if reply.startswith("DELETE"):
    sqlite3.connect("app.db").execute(reply)
""") == [4]


def test_allowlists_enums_quoting_basename_and_fixed_hosts_are_quiet() -> None:
    code = HEAD.replace("def run(q):", "class Color(Enum):\n    RED = 'red'\n\nBASE = 'https://api.example.com'\n"
                        "ALLOWED = ('git', 'ls')\n\ndef run(q):")
    body = """
    if reply in ALLOWED:
        subprocess.run([reply, "--version"], timeout=5)
    subprocess.run(f"wc -l {shlex.quote(reply)}", shell=True, timeout=5)
    subprocess.run(" ".join(shlex.quote(part) for part in reply.split()), shell=True, timeout=5)
    color = Color(reply)
    open(f"{color.value}.txt", "w")
    open(os.path.join("notes", os.path.basename(reply)), "w")
    requests.get(f"{BASE}/v1/{reply}", timeout=5)
    requests.get("https://api.example.com/search?q=" + reply, timeout=5)
    ast.literal_eval(reply)
    requests.get(f"https://{reply}/v1", timeout=5)
"""
    found = lines(code + body, "AL503")
    assert len(found) == 1 and (code + body).splitlines()[found[0] - 1].strip().startswith('requests.get(f"https://{')


def test_request_data_in_the_same_sink_is_the_injection_rules_finding() -> None:
    body = """
sql = f"{reply} LIMIT {request.args.get('limit', '10')}"
sqlite3.connect("app.db").execute(sql)
os.system(reply + " " + request.args.get("flag", ""))
"""
    assert [(line, rule) for line, rule in sorted(line_rules(
        HEAD + "".join(f"    {line}\n" for line in body.strip().splitlines()), "AL101", "AL102", "AL503"))] == [
        (OFFSET + 2, "AL101"), (OFFSET + 3, "AL102")]
    # With only AL503 enabled it still stands back: the injection rules speak for the sink.
    assert _lines(body) == []


def test_text_that_is_not_the_models_is_not_reported() -> None:
    code = """\
import os, sqlite3, subprocess
def run(sql, cmd):
    sqlite3.connect("app.db").execute(sql)
    subprocess.run(cmd, shell=True, timeout=5)
    os.system(os.environ.get("CMD", "ls"))
"""
    assert lines(code, "AL503") == []


def test_anthropic_tool_input_and_ollama_and_langchain_replies() -> None:
    code = """\
import subprocess, sqlite3
import anthropic, ollama
from langchain_openai import ChatOpenAI
claude = anthropic.Anthropic(timeout=60)
local = ollama.Client(timeout=60)
chat = ChatOpenAI(model="m", timeout=30)

def agent(task, tools):
    resp = claude.messages.create(model="c", max_tokens=100, tools=tools, messages=[])
    for block in resp.content:
        if block.type == "tool_use":
            subprocess.run(block.input["command"], shell=True, timeout=5)

def local_sql(q):
    resp = local.chat(model="llama3", messages=[{"role": "user", "content": q}])
    sqlite3.connect("app.db").execute(resp["message"]["content"])

def chain_code(q):
    exec(chat.invoke(q).content)
"""
    assert lines(code, "AL503") == [12, 16, 19]


def test_a_wrapper_in_another_file_and_sarif_code_flows(tmp_path: Path) -> None:
    import jsonschema

    from assumption_lint.cli import cli
    from harness import cli_runner

    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text('"""The app."""\n')
    (package / "llm.py").write_text("""\
from openai import OpenAI

client = OpenAI(timeout=30)


def write_sql(question):
    resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": question}])
    return resp.choices[0].message.content
""")
    (package / "views.py").write_text("""\
import sqlite3

from .llm import write_sql


def answer(question):
    sql = write_sql(question)
    return sqlite3.connect("shop.db").execute(sql).fetchall()


def answer_read_only(question):
    sql = write_sql(question)
    return sqlite3.connect("file:shop.db?mode=ro", uri=True).execute(sql).fetchall()
""")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    schema = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
    out = tmp_path / "out.sarif"
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = cli_runner().invoke(cli, ["--select", "AL503", "--preview", "--format", "sarif", "--exit-zero",
                                           "-o", str(out), "app"])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    jsonschema.validate(document, schema)
    [item] = document["runs"][0]["results"]
    assert item["ruleId"] == "AL503"
    assert item["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    steps = item["codeFlows"][0]["threadFlows"][0]["locations"]
    files = [step["location"]["physicalLocation"]["artifactLocation"]["uri"] for step in steps]
    assert files[0].endswith("app/llm.py") and files[-1].endswith("app/views.py")
    assert steps[0]["location"]["message"]["text"] == "from the model's reply"
