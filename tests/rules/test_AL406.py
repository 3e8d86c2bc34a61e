"""AL406 naive-datetime: naive local or naive UTC time meeting time from elsewhere."""

from __future__ import annotations

from harness import findings, lines

API = '''
from datetime import datetime, timedelta, timezone
import requests


def recent(url):
    resp = requests.get(url, timeout=5)
    resp.raise_for_status()
    cutoff = datetime.now() - timedelta(days=7)
    return [i for i in resp.json()["items"] if datetime.fromisoformat(i["updated_at"]) > cutoff]


def recent_aware(url):
    resp = requests.get(url, timeout=5)
    resp.raise_for_status()
    cutoff = datetime.now(timezone.utc) - timedelta(days=7)
    return [i for i in resp.json()["items"] if datetime.fromisoformat(i["updated_at"]) > cutoff]
'''


def test_local_now_against_a_parsed_response_time_is_reported_at_the_clock_call() -> None:
    [finding] = findings(API, "AL406")
    assert finding.line == 9
    assert finding.message.startswith("assumes the server runs in UTC: `datetime.now()` is the server's local time")
    assert "compared with a time parsed from a response" in finding.message
    assert "datetime.now(timezone.utc)" in finding.message
    assert [note.message for note in finding.related][:1] == ["where it meets the other time"]


def test_purely_local_use_is_quiet() -> None:
    assert lines('''
import time
from datetime import date, datetime, timedelta

def work():
    start = datetime.now()
    time.sleep(1)
    print(f"took {datetime.now() - start} at {datetime.now():%H:%M}")
    name = f"report-{date.today():%Y%m%d}.csv"
    now = datetime.now()
    backup = now.replace(hour=2, minute=0) <= now < now.replace(hour=4, minute=0)
    return name, backup, datetime.now().timestamp()
''', "AL406") == []


def test_literal_z_and_utc_parameters_report_local_time_but_not_naive_utc() -> None:
    code = '''
from datetime import datetime, timedelta

def stamps(repo):
    a = datetime.now().isoformat() + "Z"
    b = datetime.now().strftime("%Y-%m-%dT%H:%M:%S+00:00")
    c = f"{datetime.now().isoformat()}Z"
    repo.get_commits(since=datetime.now() - timedelta(days=1))
    query = {"updated_after": datetime.today().isoformat()}
    ok1 = datetime.utcnow().isoformat() + "Z"
    ok2 = datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    ok3 = datetime.now().strftime("%Y-%m-%dT%H:%M:%S%z")
    return a, b, c, query, ok1, ok2, ok3
'''
    assert lines(code, "AL406") == [5, 6, 7, 8, 9]


def test_a_local_time_labelled_utc_is_reported() -> None:
    [finding] = findings('''
from datetime import datetime, timezone
stamp = datetime.now().replace(tzinfo=timezone.utc)
ok = datetime.utcnow().replace(tzinfo=timezone.utc)
''', "AL406")
    assert finding.line == 3 and "labels it UTC without converting it" in finding.message


def test_stripped_zone_and_aware_values() -> None:
    code = '''
from datetime import datetime, timezone
import requests

def age(url):
    resp = requests.get(url, timeout=5)
    resp.raise_for_status()
    seen = datetime.fromisoformat(resp.json()["seen"]).replace(tzinfo=None)
    local = datetime.now() - seen
    utc = datetime.utcnow() - seen
    mixed = datetime.now() < datetime.now(timezone.utc)
    return local, utc, mixed
'''
    assert lines(code, "AL406") == [9, 11]


def test_naive_utc_against_aware_time_and_timestamp() -> None:
    code = '''
from datetime import datetime, timezone
import requests

def checks(url):
    epoch = datetime.utcnow().timestamp()
    resp = requests.get(url, timeout=5)
    resp.raise_for_status()
    updated = datetime.fromisoformat(resp.json()["updated"].replace("Z", "+00:00"))
    stale = datetime.utcnow() - updated
    naive = datetime.strptime(resp.json()["updated"], "%Y-%m-%dT%H:%M:%SZ")
    fine = datetime.utcnow() - naive
    return epoch, stale, fine
'''
    assert lines(code, "AL406") == [6, 10]
    [first, _] = findings(code, "AL406")
    assert "deprecated" not in first.message
    [first, _] = findings(code, "AL406", target_version=(3, 12))
    assert "(`utcnow()` is deprecated since Python 3.12)" in first.message


def test_database_rows_count_as_utc_only_where_the_module_writes_utc() -> None:
    local_module = '''
import sqlite3
from datetime import datetime

db = sqlite3.connect("x.db")

def expired(key):
    row = db.execute("SELECT expires FROM t WHERE k = ?", (key,)).fetchone()
    return datetime.fromisoformat(row[0]) < datetime.now()
'''
    assert lines(local_module, "AL406") == []
    utc_module = local_module + '''
def store(key):
    db.execute("INSERT INTO t VALUES (?, ?)", (key, datetime.utcnow().isoformat()))
'''
    assert lines(utc_module, "AL406") == [9]


def test_request_data_and_one_finding_per_clock_call() -> None:
    code = '''
from datetime import datetime
from flask import Flask, request

app = Flask(__name__)

@app.post("/book")
def book():
    when = datetime.fromisoformat(request.form["when"])
    now = datetime.now()
    if when < now or when - now > (when - when):
        return "no", 400
    return "ok"
'''
    [finding] = findings(code, "AL406")
    assert finding.line == 10 and "request data" in finding.message


def test_long_chains_do_not_recurse_without_bound() -> None:
    chain = " + ".join(["delta"] * 2000)
    code = f"from datetime import datetime, timedelta\ndelta = timedelta(1)\nx = datetime.now() + {chain}\n"
    assert lines(code, "AL406") == []


def test_a_local_time_written_with_a_zone_name_is_reported_with_that_zone() -> None:
    code = '''
from datetime import date, datetime

def labels():
    a = datetime.now().strftime("%A, %d %B %Y at %H:%M HKT")
    b = f"{date.today()}T00:00:00Z"
    c = f"{datetime.now()} UTC"
    d = datetime.now().strftime("%Y-%m-%d %H:%M %Z")
    e = f"{datetime.now():%H:%M} Tuesday"
    return a, b, c, d, e
'''
    found = findings(code, "AL406")
    assert [finding.line for finding in found] == [5, 6, 7]
    assert found[0].message.startswith("assumes the server runs in HKT:")
    assert "literal `Z` as if it were UTC" in found[1].message


def test_the_unsafe_fix_uses_the_modules_own_utc_and_only_where_aware_utc_is_right() -> None:
    code = '''
import datetime as dt

def since(repo):
    repo.get_commits(since=dt.datetime.now())
    stamp = dt.datetime.now().isoformat() + "Z"
    return dt.datetime.utcnow().timestamp(), stamp, dt.timezone.utc
'''
    found = findings(code, "AL406")
    assert [finding.line for finding in found] == [5, 6, 7]
    fixes = [finding.fix for finding in found]
    assert fixes[0] is not None and fixes[0].applicability == "unsafe"
    assert "dt.datetime.now(tz=dt.timezone.utc)" in fixes[0].description
    assert fixes[1] is None  # aware isoformat() already ends in +00:00
    assert fixes[2] is not None
    without_utc = code.replace(", dt.timezone.utc", "")
    assert all(finding.fix is None for finding in findings(without_utc, "AL406"))


def test_a_same_module_function_parameter_named_for_a_utc_bound() -> None:
    code = '''
import requests
from datetime import datetime, timedelta

def fetch_commits(project, sinceISO8601=None, sincere=None):
    resp = requests.get(f"https://gitlab.example.com/api/v4/projects/{project}/repository/commits",
                        params={"since": sinceISO8601}, timeout=10)
    resp.raise_for_status()
    return resp.json()

def last_week(project):
    return fetch_commits(project, (datetime.now() - timedelta(days=7)).isoformat())

def honest(project):
    return fetch_commits(project, None, datetime.now())
'''
    [finding] = findings(code, "AL406")
    assert finding.line == 12
    assert "passed to `fetch_commits()` as `sinceISO8601`" in finding.message


def test_min_and_max_compare_too() -> None:
    code = '''
from datetime import datetime
import requests

def watermark(url, last):
    resp = requests.get(url, timeout=5)
    resp.raise_for_status()
    newest = max(datetime.fromisoformat(row["updated"]) for row in resp.json())
    return min(newest, datetime.now()), max(last, datetime.now())
'''
    [finding] = findings(code, "AL406")
    assert finding.line == 9 and "compared by min() with a time parsed from a response" in finding.message


def test_a_name_given_different_times_in_branches_is_unknown() -> None:
    # The shape of email.utils.formatdate: aware in one branch, naive UTC in the other.
    code = '''
import datetime

def formatdate(timeval, localtime=False, usegmt=False):
    if localtime or usegmt:
        dt = datetime.datetime.fromtimestamp(timeval, datetime.timezone.utc)
    else:
        dt = datetime.datetime.utcfromtimestamp(timeval)
    if localtime:
        dt = dt.astimezone()
    return dt

def same_kind(days):
    since = datetime.datetime.now()
    if days:
        since = datetime.datetime.now() - datetime.timedelta(days=days)
    return since.isoformat() + "Z"
'''
    assert lines(code, "AL406") == [16]


def test_rows_written_by_the_database_clock_are_the_databases_time() -> None:
    code = '''
from datetime import datetime
import psycopg2

conn = psycopg2.connect("dbname=app")

def touch(key):
    with conn.cursor() as cur:
        cur.execute("UPDATE tokens SET refreshed_at = NOW() WHERE key = %s", (key,))

def expired(key):
    with conn.cursor() as cur:
        cur.execute("SELECT expires_at FROM tokens WHERE key = %s", (key,))
        row = cur.fetchone()
    return row[0] < datetime.now()
'''
    [finding] = findings(code, "AL406")
    assert finding.line == 15
    assert finding.message.startswith("assumes the server runs in the database's zone:")
    assert "which the database's clock wrote (`NOW()` in this module's SQL)" in finding.message
