"""The emptiness side of value provenance: views restart an access, a comprehension tells
which collection it was built from, truth and length tests end emptiness; and the SQL
reading of the emptiness fact (facts/empties.py)."""

from __future__ import annotations

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.catalog.empties import EmptyResult, _access_matches
from assumption_lint.facts.empties import may_return_nothing
from tests.facts.test_provenance import FLASK, probes

REQUESTS = "import requests\n"
SQLITE = "import sqlite3\nconn = sqlite3.connect('x.db')\n"


def _accesses(source: str, kind: str) -> list[tuple[str, ...] | None]:
    found = []
    for origins in probes(source):
        origin = origins.of(kind)
        found.append(origin.access if origin is not None else "absent")
    return found


def test_views_restart_the_access_where_a_new_value_is_read() -> None:
    assert _accesses(REQUESTS + """
def f():
    resp = requests.get("https://x", timeout=5)
    data = resp.json()
    probe(data)
    probe(data["items"])
    probe(resp.json()["items"][0]["tags"])
    probe(resp.headers["Link"].split(","))
    probe(resp.text.split())
""", "response") == [("json()",), ("json()", "items"), ("json()", "items", "[]", "tags"), ("split(sep)",),
                     ("split()",)]


def test_database_views_first_all_and_queries() -> None:
    assert _accesses("""
from sqlalchemy.orm import Session
def f(session: Session, model):
    probe(session.query(model).filter(model.id == 1).first())
    probe(session.query(model).all())
    probe(session.query(model).order_by(model.id))
    probe(session.execute("SELECT 1").fetchall())
""", "db-row") == [("first()",), ("all()",), ("query()",), ()]


def test_a_comprehension_names_the_collection_its_items_come_from() -> None:
    assert _accesses(REQUESTS + """
def f():
    data = requests.get("https://x", timeout=5).json()
    probe([t["price"] for t in data["trades"]])
    probe([t["price"] for t in data["trades"] if t["open"]])
    probe({t["id"]: t for t in data["trades"]})
""", "response") == [("json()", "trades", "for"), ("json()", "trades", "for-if"), None]


def test_truth_and_length_tests_end_emptiness() -> None:
    results = []
    for origins in probes(REQUESTS + """
def f():
    items = requests.get("https://x", timeout=5).json()
    probe(items)
    if items:
        probe(items)
    if len(items) > 1:
        probe(items)
    if items is not None:
        probe(items)
    if not items:
        return None
    probe(items)
"""):
        origin = origins.of("response")
        results.append({"emptiness", "length"} & set(origin.validated))
    assert results == [set(), {"emptiness"}, {"emptiness", "length"}, set(), {"emptiness"}]


def test_a_comprehension_of_every_item_knows_what_its_collection_knew() -> None:
    found = []
    for origins in probes(REQUESTS + """
def f():
    rows = requests.get("https://x", timeout=5).json()
    if not rows:
        return
    probe([r["v"] for r in rows])
    probe([r["v"] for r in rows if r["v"]])
"""):
        found.append("emptiness" in origins.of("response").validated)
    assert found == [True, False]


def test_a_guard_on_a_flask_body_list() -> None:
    assert _accesses(FLASK + """
@app.post("/x")
def view():
    probe(request.get_json())
    probe(request.files.getlist("f"))
""", "request") == [(), ("getlist()",)]


@pytest.mark.parametrize("sql, nothing", [
    ("SELECT email FROM users WHERE id = ?", True),
    ("  select * from t limit 1", True),
    ("SELECT COUNT(*) FROM users", False),
    ("SELECT count(*) AS n, max(id) FROM users WHERE x = 1", False),
    ("SELECT COALESCE(SUM(total), 0) FROM orders", False),
    ("SELECT status, COUNT(*) FROM orders GROUP BY status", True),
    ("SELECT AVG(n) FROM (SELECT day, COUNT(*) AS n FROM t GROUP BY day) d", False),
    ("SELECT 1", False),
    ("SELECT last_insert_rowid()", False),
    ("INSERT INTO t (a) VALUES (?) RETURNING id", False),
    ("UPDATE t SET a = 1 WHERE id = ? RETURNING id", True),
    ("PRAGMA user_version", False),
    ("WITH x AS (SELECT 1) SELECT * FROM x", True),
])
def test_which_queries_may_return_no_row(sql: str, nothing: bool) -> None:
    assert may_return_nothing(sql) is nothing


def test_access_patterns() -> None:
    assert _access_matches(("json()", "**"), ("json()",))
    assert _access_matches(("json()", "**"), ("json()", "a", "[]", "b"))
    assert not _access_matches(("json()", "**"), ("text",))
    assert _access_matches(("[]", "choices"), ("[]", "choices"))
    assert not _access_matches(("*",), ())
    assert _access_matches((), ())


def test_the_shipped_catalog_has_the_tables() -> None:
    catalog = shipped_catalog()
    assert {view.read for view in catalog.empties.views} >= {"json()", "all()", "first()", "split()"}
    entry = next(entry for entry in catalog.empties.results if entry.access == ("json()", "choices"))
    assert entry.missing == "never"
    assert isinstance(entry, EmptyResult)
