"""AL405 empty-aggregate: max()/min() without default, statistics means and division by
len() over values from outside that may be none; quiet after a check, with a default, on
local data, in a try; stdev needs a length check."""

from __future__ import annotations

from tests.harness import findings

HEAD = "import statistics\nimport requests\n"


def _lines(code: str) -> list[int]:
    return [finding.line for finding in findings(code, "AL405")]


def test_the_message_names_the_values_and_the_error() -> None:
    (finding,) = findings(HEAD + """
def high(url):
    prices = [t["price"] for t in requests.get(url, timeout=5).json()["trades"]]
    return max(prices)
""", "AL405")
    assert finding.line == 6
    assert finding.message.startswith("assumes `prices` from the response is never empty")
    assert "`max()` then raises ValueError" in finding.message and "default=" in finding.message


def test_each_aggregate() -> None:
    assert _lines(HEAD + """
def a(url):
    return statistics.mean(requests.get(url, timeout=5).json()["scores"])
def b(url):
    xs = [t["ms"] for t in requests.get(url, timeout=5).json()["items"]]
    return sum(xs) / len(xs)
def c(url):
    closed = [t for t in requests.get(url, timeout=5).json()["tickets"] if t["closed"]]
    return min(t["hours"] for t in closed)
def d(url):
    return min(q["ask"] for q in requests.get(url, timeout=5).json()["quotes"])
""") == [5, 8, 11, 13]


def test_checks_defaults_local_data_and_handlers() -> None:
    assert _lines(HEAD + """
def a(url):
    xs = [t["ms"] for t in requests.get(url, timeout=5).json()["items"]]
    if not xs:
        return None
    return sum(xs) / len(xs)
def b(url):
    xs = [t["ms"] for t in requests.get(url, timeout=5).json()["items"]]
    return max(xs, default=0)
def c(url):
    xs = [t["ms"] for t in requests.get(url, timeout=5).json()["items"]]
    return statistics.mean(xs) if xs else None
def d():
    return max([1, 2, 3]), max(1, 2)
def e(url):
    try:
        return statistics.median(requests.get(url, timeout=5).json()["scores"])
    except statistics.StatisticsError:
        return None
def f(url):
    data = requests.get(url, timeout=5).json()
    if not data["items"]:
        return 0
    xs = [t["ms"] for t in data["items"]]
    return max(xs)
""") == []


def test_stdev_needs_two_values() -> None:
    assert _lines(HEAD + """
def a(url):
    xs = [t["ms"] for t in requests.get(url, timeout=5).json()["items"]]
    if not xs:
        return 0.0
    return statistics.stdev(xs)
def b(url):
    xs = [t["ms"] for t in requests.get(url, timeout=5).json()["items"]]
    if len(xs) < 2:
        return 0.0
    return statistics.stdev(xs)
""") == [8]


def test_rows_of_a_query() -> None:
    assert _lines("""
import sqlite3
def a(conn):
    rows = conn.execute("SELECT total FROM orders WHERE day = ?", ("x",)).fetchall()
    return max(r[0] for r in rows)
def b(conn):
    rows = conn.execute("SELECT total FROM orders WHERE day = ?", ("x",)).fetchall()
    if not rows:
        return 0
    return max(r[0] for r in rows)
""") == [5]
