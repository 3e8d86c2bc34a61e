"""The fixes AL301 and AL202 offer: which parameter, which value, safe or unsafe, and where
there is none. Each is checked by applying it (fix_files.fixed_code, what --fix runs)."""

from __future__ import annotations

import textwrap

import pytest

from assumption_lint.fix_files import fixed_code
from assumption_lint.fixes import SAFE, UNSAFE
from harness import findings, settings


def _fixed(code: str, *rules: str, **changes: object) -> str:
    fixed, _ = fixed_code(textwrap.dedent(code), "snippet.py", settings(*rules, **changes))
    return fixed


def _fix_of(code: str, rule: str, **changes: object):  # type: ignore[no-untyped-def]
    (found,) = [finding for finding in findings(code, rule, **changes) if finding.rule == rule]
    return found.fix


# --------------------------------------------------------------------------- AL301: the parameter from the catalog
@pytest.mark.parametrize("call, fixed", [
    ("requests.get(url)", "requests.get(url, timeout=10)"),
    ("urllib.request.urlopen(url)", "urllib.request.urlopen(url, timeout=10)"),
    ('psycopg2.connect("dbname=app")', 'psycopg2.connect("dbname=app", connect_timeout=10)'),
    ('pymongo.MongoClient("mongodb://db/")', 'pymongo.MongoClient("mongodb://db/", socketTimeoutMS=10000)'),
    ('smtplib.SMTP("mail.internal", 587)', 'smtplib.SMTP("mail.internal", 587, timeout=10)'),
])
def test_al301_passes_the_librarys_own_timeout_parameter(call: str, fixed: str) -> None:
    code = f"import requests, urllib.request, psycopg2, pymongo, smtplib\nresult = {call}\n"
    assert _fixed(code, "AL301") == code.replace(call, fixed)


def test_al301_fixes_a_client_object_at_its_constructor() -> None:
    code = """\
        import urllib3
        http = urllib3.PoolManager()
        def fetch(url):
            return http.request("GET", url)
        """
    fix = _fix_of(code, "AL301")
    assert fix.description == "pass timeout=10 to the constructor" and fix.applicability == SAFE
    assert _fixed(code, "AL301") == textwrap.dedent(code).replace("PoolManager()", "PoolManager(timeout=10)")


def test_the_psycopg2_fix_says_that_queries_need_statement_timeout() -> None:
    fix = _fix_of('import psycopg2\npsycopg2.connect("dbname=app")\n', "AL301")
    assert fix.applicability == SAFE
    assert fix.description.startswith("pass connect_timeout=10; connect_timeout bounds connecting only")
    assert "statement_timeout" in fix.description


@pytest.mark.parametrize("seconds, call, fixed", [
    (30, "requests.get(url)", "requests.get(url, timeout=30)"),
    (2.5, "requests.get(url)", "requests.get(url, timeout=2.5)"),
    (2.5, 'psycopg2.connect("dbname=app")', 'psycopg2.connect("dbname=app", connect_timeout=3)'),  # libpq: whole seconds
    (2.5, 'pymongo.MongoClient("mongodb://db/")', 'pymongo.MongoClient("mongodb://db/", socketTimeoutMS=2500)'),
])
def test_the_value_comes_from_fix_timeout_in_the_units_the_parameter_takes(seconds: float, call: str,
                                                                           fixed: str) -> None:
    code = f"import requests, psycopg2, pymongo\nresult = {call}\n"
    assert _fixed(code, "AL301", fix_timeout=seconds) == code.replace(call, fixed)


@pytest.mark.parametrize("code", [
    # a socket has no timeout parameter: only sock.settimeout() bounds it
    "import socket\nsock = socket.socket()\nsock.connect(('h', 1))\n",
    # xmlrpc takes a transport object, not a number
    "import xmlrpc.client\nproxy = xmlrpc.client.ServerProxy(url)\n",
    # a model call legitimately takes minutes: no default fits
    "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o')\nllm.invoke('hi')\n",
])
def test_al301_offers_no_fix_where_the_api_has_no_plain_timeout_parameter(code: str) -> None:
    found = [finding for finding in findings(code, "AL301") if finding.rule == "AL301"]
    assert found and all(finding.fix is None for finding in found)
    assert _fixed(code, "AL301") == textwrap.dedent(code)


@pytest.mark.parametrize("code, why", [
    ("import grpc\nfrom . import a_pb2_grpc\nstub = a_pb2_grpc.AStub(grpc.insecure_channel('h'))\nstub.Get(r)\n",
     "deadline for the whole call"),
    ("import pymysql\npymysql.connect(host='db')\n", "a query slower than the timeout fails"),
    ("import websocket\nws = websocket.create_connection(url)\n", "every later recv()"),
])
def test_a_timeout_that_can_cut_off_a_slow_success_is_an_unsafe_fix(code: str, why: str) -> None:
    fix = _fix_of(code, "AL301")
    assert fix.applicability == UNSAFE and why in fix.description


def test_safe_fixes_alone_leave_an_unsafe_one_as_it_is() -> None:
    code = "import requests, pymysql\nrequests.get(url)\npymysql.connect(host='db')\n"
    safe, fixed = fixed_code(code, "snippet.py", settings("AL301"), applicabilities=frozenset({SAFE}))
    assert safe == "import requests, pymysql\nrequests.get(url, timeout=10)\npymysql.connect(host='db')\n"
    assert [finding.line for finding in fixed] == [2]


# --------------------------------------------------------------------------- AL202: raise_for_status where the flow allows
def test_al202_checks_the_status_right_after_the_response_is_bound() -> None:
    code = """\
        import requests
        def fetch(url):
            resp = requests.get(url, timeout=5)  # the data
            # parse it
            return resp.json()
        """
    fix = _fix_of(code, "AL202")
    assert fix.applicability == UNSAFE and fix.description == "call resp.raise_for_status() after the request"
    assert _fixed(code, "AL202") == textwrap.dedent("""\
        import requests
        def fetch(url):
            resp = requests.get(url, timeout=5)  # the data
            resp.raise_for_status()
            # parse it
            return resp.json()
        """)


def test_al202_checks_at_the_top_of_a_with_block_and_on_a_discarded_request() -> None:
    code = """\
        import aiohttp, requests
        async def fetch(session: aiohttp.ClientSession, url):
            async with session.get(url) as resp:
                return await resp.text()
        def notify(url):
            requests.post(url, json={}, timeout=5)
        """
    assert _fixed(code, "AL202") == textwrap.dedent("""\
        import aiohttp, requests
        async def fetch(session: aiohttp.ClientSession, url):
            async with session.get(url) as resp:
                resp.raise_for_status()
                return await resp.text()
        def notify(url):
            requests.post(url, json={}, timeout=5).raise_for_status()
        """)


def test_a_response_bound_in_several_branches_is_checked_after_each() -> None:
    code = """\
        import requests
        def call(method, url):
            if method == "GET":
                r = requests.get(url, timeout=5)
            else:
                r = requests.put(url, timeout=5)
            return r.json()
        """
    assert _fixed(code, "AL202") == textwrap.dedent("""\
        import requests
        def call(method, url):
            if method == "GET":
                r = requests.get(url, timeout=5)
                r.raise_for_status()
            else:
                r = requests.put(url, timeout=5)
                r.raise_for_status()
            return r.json()
        """)


@pytest.mark.parametrize("code", [
    # no name to check
    "import requests\ndef f(u):\n    return requests.get(u, timeout=5).json()\n",
    # the body is read on the assignment's own line
    "import requests\ndef f(u):\n    r = requests.get(u, timeout=5); return r.json()\n",
    # one of the branches binds it on its header's line: every binding or none
    "import requests\ndef f(u, m):\n    if m: r = requests.get(u, timeout=5)\n    else:\n        r = requests.put(u, timeout=5)\n"
    "    return r.json()\n",
    # awaited and discarded: no expression to call the check on
    "import httpx\nasync def f(client: httpx.AsyncClient, u):\n    await client.post(u)\n",
    # urllib3 responses have no raise_for_status()
    "import urllib3\nhttp = urllib3.PoolManager(timeout=5)\ndef f(u):\n    r = http.request('GET', u)\n    return r.json()\n",
])
def test_al202_offers_no_fix_where_the_flow_does_not_allow_one(code: str) -> None:
    found = [finding for finding in findings(code, "AL202") if finding.rule == "AL202"]
    assert found and all(finding.fix is None for finding in found)
