"""AL404 unchecked-first-element: the first item of a value from outside that may have none;
quiet on local data, after a check, a default or a try, on COUNT(*) rows and unknown SQL,
and where AL502 speaks for a model reply."""

from __future__ import annotations

from tests.harness import findings

REQUESTS = "import requests\n"
SQLITE = "import sqlite3\n"
OPENAI = "from openai import OpenAI\nclient = OpenAI(timeout=30)\n"


def _lines(code: str, *rules: str) -> list[int]:
    return [finding.line for finding in findings(code, *(rules or ("AL404",)))]


def test_the_message_names_the_value_the_source_and_the_error() -> None:
    (finding,) = findings(REQUESTS + """
def latest(url):
    resp = requests.get(url, timeout=5)
    releases = resp.json()
    return releases[0]["tag_name"]
""", "AL404")
    assert finding.line == 6
    assert finding.message.startswith("assumes `releases` from the response is never an empty list")
    assert "`[0]` then raises IndexError" in finding.message
    notes = [note.message for note in finding.related]
    assert notes[0] == "from the response" and "assigned to releases" in notes


def test_guards_defaults_and_handlers_keep_it_quiet() -> None:
    assert _lines(REQUESTS + """
def a(url):
    items = requests.get(url, timeout=5).json()["items"]
    if not items:
        return None
    return items[0]
def b(url):
    items = requests.get(url, timeout=5).json()["items"]
    return items[0] if items else None
def c(url):
    items = requests.get(url, timeout=5).json()["items"]
    if len(items) > 0:
        return items[0]
def d(url):
    try:
        return requests.get(url, timeout=5).json()["items"][0]
    except (IndexError, KeyError):
        return None
def e(url):
    return next(iter(requests.get(url, timeout=5).json()["items"]), None)
def f(url):
    data = requests.get(url, timeout=5).json()
    if not data["items"]:
        return None
    return data["items"][0]
def g():
    names = ["a", "b"]
    return names[0]
""") == []


def test_one_finding_per_value_and_function() -> None:
    assert _lines(REQUESTS + """
def f(url):
    items = requests.get(url, timeout=5).json()["items"]
    first = items[0]
    last = items[-1]
    return first, last
""") == [5]


def test_rows_of_a_query_and_a_row_that_may_be_none() -> None:
    assert _lines(SQLITE + """
def a(conn, uid):
    cur = conn.cursor()
    cur.execute("SELECT name FROM users WHERE id = ?", (uid,))
    return cur.fetchone()[0]
def b(conn, uid):
    rows = conn.execute("SELECT name FROM users WHERE id = ?", (uid,)).fetchall()
    return rows[0]
def c(conn):
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM users")
    return cur.fetchone()[0]
def d(conn, sql):
    return conn.execute(sql).fetchone()[0]
def e(conn, uid):
    row = conn.execute("SELECT name FROM users WHERE id = ?", (uid,)).fetchone()
    if row is None:
        return None
    return row[0]
def f(conn, path):
    conn.execute("INSERT INTO files (path) VALUES (?) ON CONFLICT (path) DO NOTHING", (path,))
    return conn.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()[0]
""") == [6, 9]


def test_orm_first_and_all() -> None:
    assert _lines("""
from sqlalchemy.orm import Session
def a(session: Session, model, uid):
    user = session.query(model).filter(model.id == uid).first()
    return user.email
def b(session: Session, model, uid):
    user = session.query(model).filter(model.id == uid).first()
    if not user:
        return None
    return user.email
def c(session: Session, model):
    return session.query(model).all()[0]
""") == [5, 12]


def test_split_of_text_from_outside() -> None:
    assert _lines("""
from flask import Flask, request
app = Flask(__name__)
@app.route("/a")
def a():
    scheme, token = request.headers["Authorization"].split(" ")
    return token
@app.route("/b")
def b():
    return request.headers.get("Accept-Language", "en").split(",")[0]
@app.route("/c")
def c():
    auth = request.headers.get("Authorization", "")
    if not auth.lower().startswith("bearer "):
        return "no", 401
    return auth.split(" ")[1]
@app.route("/d")
def d():
    parts = request.headers.get("X-Range", "").split("-")
    return parts[1] if len(parts) > 1 else ""
@app.route("/e")
def e():
    return request.headers.get("X-Range", "").split()[1]
""") == [6]


def test_a_chat_completions_choices_are_never_empty_but_a_streamed_chunks_may_be() -> None:
    assert _lines(REQUESTS + OPENAI + """
def a(url, body):
    return requests.post(url, json=body, timeout=30).json()["choices"][0]["message"]["content"]
def b(q):
    resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": q}])
    return resp.choices[0].message.content
def c(q):
    for chunk in client.chat.completions.create(model="m", messages=[], stream=True):
        print(chunk.choices[0].delta.content)
""") == [12]


def test_it_yields_to_AL502_on_a_reply_whose_text_may_be_missing() -> None:
    code = OPENAI + """
TOOLS = [{"type": "function", "function": {"name": "f"}}]
def a(q):
    resp = client.chat.completions.create(model="m", messages=[], tools=TOOLS)
    return resp.choices[0].message.content.split(":")[1]
def b(q):
    resp = client.chat.completions.create(model="m", messages=[])
    return resp.choices[0].message.content.split(":")[1]
"""
    assert [(f.line, f.rule) for f in findings(code, "AL404", "AL502")] == [(7, "AL502"), (10, "AL404")]


def test_next_of_a_filtered_generator_without_a_default() -> None:
    assert _lines(REQUESTS + """
def a(url):
    return next(t["id"] for t in requests.get(url, timeout=5).json() if t["name"] == "Done")
def b(url):
    return next((t["id"] for t in requests.get(url, timeout=5).json() if t["name"] == "Done"), None)
""") == [4]


def test_quiet_where_every_same_module_caller_catches_the_error() -> None:
    assert _lines(REQUESTS + """
def first(url):
    return requests.get(url, timeout=5).json()["items"][0]
def caller(url):
    try:
        return first(url)
    except (KeyError, IndexError):
        return None
def second(url):
    return requests.get(url, timeout=5).json()["items"][0]
def careless(url):
    return second(url)
""") == [11]


def test_quiet_in_test_files() -> None:
    code = SQLITE + """
def test_reads_back(conn):
    assert conn.execute("SELECT name FROM users WHERE id = 1").fetchone()[0] == "a"
"""
    assert [f.line for f in findings(code, "AL404", path="app/db.py")] == [4]
    assert findings(code, "AL404", path="tests/test_db.py") == []
    assert findings(code, "AL404", path="pkg/tests/helpers.py") == []
