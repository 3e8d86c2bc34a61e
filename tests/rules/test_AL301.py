"""AL301/AL302 beyond the fixtures: catalog coverage, schema validation, version positions,
connection strings, global setters and client objects, checked through the engine."""

from __future__ import annotations

import pytest

from assumption_lint import docs
from assumption_lint.catalog import Catalog, CatalogError, load_text, shipped_catalog
from harness import ROOT, findings, line_rules, read_labels


TIMEOUT_RULES = ("AL301", "AL302")


# ---------------------------------------------------------------------------- coverage
def test_catalog_covers_at_least_40_flaggable_apis_in_15_libraries() -> None:
    catalog = shipped_catalog()
    counts = docs.coverage(catalog)
    flagged_libraries = {entry.library for entry in docs.timeout_entries(catalog)
                         if set(entry.names) & set(counts.flagged_when_missing)}
    assert len(counts.flagged_when_missing) >= 40, counts.flagged_when_missing
    assert len(flagged_libraries) >= 15, sorted(flagged_libraries)


@pytest.mark.parametrize("name", ["httpx.get", "aiohttp.ClientSession", "urllib3.request", "redis.Redis",
                                  "psycopg.connect", "boto3.client", "websockets.connect"])
def test_libraries_with_bounded_defaults_are_not_flagged_when_the_timeout_is_missing(name: str) -> None:
    catalog = shipped_catalog()
    entry = catalog.api(name)
    if entry is not None:
        specs = entry.timeouts or (entry.timeout,)
        assert all(spec.default in ("bounded", "client") for spec in specs)
    else:
        client = catalog.client(name)
        assert client is not None and client.timeout is not None and client.timeout.default == "bounded"


# ---------------------------------------------------------------------------- schema
_ENTRY = """
[[api]]
names = ["acme.fetch"]
library = "acme"
kind = "http"
[api.timeout]
default = "forever"
default-text = "forever"
"""


@pytest.mark.parametrize("extra, message", [
    ('keyword = "t"\ndisabled-values = ["never"]', "disabled-values"),
    ('keyword = "t"\ndefault-values = ["nil"]', "default-values"),
    ("position = 2", "needs a 'keyword'"),
    ('keyword = "t"\nstring-argument = { name = "dsn" }', "string-argument: unknown key 'name'"),
    ('keyword = "t"\nunknown-thing = 1', "unknown key 'unknown-thing'"),
])
def test_bad_timeout_keys_name_file_and_key(extra: str, message: str) -> None:
    with pytest.raises(CatalogError, match="acme.toml") as error:
        load_text(Catalog(), _ENTRY + extra + "\n", "acme.toml")
    assert message in str(error.value)


def test_client_requires_is_validated() -> None:
    text = '[[client]]\nconstructors = ["x.Y"]\ntype = "x.Y"\nlibrary = "x"\nrequires = { keyword = "c", kinds = ["z"] }\n'
    with pytest.raises(CatalogError, match=r"x.toml: client\[0\].requires: unknown key 'kinds'"):
        load_text(Catalog(), text, "x.toml")


def test_several_timeouts_per_call_are_one_finding_naming_every_phase() -> None:
    found = findings("""
        import mysql.connector
        mysql.connector.connect(host="db")
    """, *TIMEOUT_RULES)
    assert [(f.line, f.rule) for f in found] == [(3, "AL301")]
    assert "connect and read phases can block forever" in found[0].message


def test_an_api_added_as_data_is_checked() -> None:
    catalog = Catalog(rules=dict(shipped_catalog().rules))
    load_text(catalog, _ENTRY.replace("[api.timeout]", '[api.timeout]\nkeyword = "deadline"'), "acme.toml")
    source = """
        import acme
        acme.fetch("x")
        acme.fetch("x", deadline=5)
        acme.fetch("x", deadline=None)
    """
    assert line_rules(source, *TIMEOUT_RULES, catalog=catalog) == {(3, "AL301"), (5, "AL302")}


# ---------------------------------------------------------------------------- positions
@pytest.mark.parametrize("target, expected", [((3, 11), {(4, "AL301")}), ((3, 12), set())])
def test_timeout_position_follows_the_target_version(target: tuple[int, int], expected: set) -> None:
    # HTTPSConnection(host, port, key_file, cert_file, timeout) before 3.12; (host, port, timeout) after.
    source = """
        import http.client
        http.client.HTTPSConnection("h", 443, 10, None, 20) if False else None
        http.client.HTTPSConnection("h", 443, 10)
    """
    assert line_rules(source, *TIMEOUT_RULES, target_version=target) == expected


def test_position_table_reads_newest_rule_first() -> None:
    spec = shipped_catalog().api("http.client.HTTPSConnection").timeout
    assert spec is not None
    assert [spec.position_for(v) for v in [(3, 10), (3, 11), (3, 12), (3, 13)]] == [4, 4, 2, 2]


# ---------------------------------------------------------------------------- connection strings
@pytest.mark.parametrize("call, expected", [
    ('psycopg2.connect("dbname=app")', {(3, "AL301")}),
    ('psycopg2.connect("dbname=app connect_timeout=5")', set()),
    ('psycopg2.connect("postgresql://u@h/app?sslmode=require&connect_timeout=5")', set()),
    ('psycopg2.connect("dbname=app connect_timeout=0")', {(3, "AL302")}),
    ('psycopg2.connect(dsn="dbname=app")', {(3, "AL301")}),
    ('psycopg2.connect(DSN)', set()),
    ('psycopg2.connect(f"dbname={name}")', {(3, "AL301")}),
    ('psycopg2.connect(f"dbname={name} connect_timeout={seconds}")', set()),
    ('psycopg2.connect("dbname=app", connect_timeout=3)', set()),
    ('pymongo.MongoClient("mongodb://h/?sockettimeoutms=100")', set()),
    ('pymongo.MongoClient(host="mongodb://h/")', {(3, "AL301")}),
    ('pymongo.MongoClient()', {(3, "AL301")}),
])
def test_timeouts_inside_dsn_and_uri_strings(call: str, expected: set) -> None:
    source = f"""
        import psycopg2, pymongo
        {call}
    """
    assert line_rules(source, *TIMEOUT_RULES) == expected


def test_a_dsn_message_says_where_the_timeout_was_disabled() -> None:
    [finding] = findings('import psycopg2\npsycopg2.connect("host=h connect_timeout=0")\n', *TIMEOUT_RULES)
    assert "connect_timeout=0 in the connection string" in finding.message


# ---------------------------------------------------------------------------- globals
def test_websocket_client_has_its_own_global_default() -> None:
    source = """
        import websocket
        websocket.setdefaulttimeout(10)
        websocket.create_connection("ws://x")
    """
    assert line_rules(source, *TIMEOUT_RULES) == set()
    assert line_rules(source.replace("websocket.setdefaulttimeout(10)", "websocket.setdefaulttimeout(None)"), *TIMEOUT_RULES) == {(4, "AL301")}


def test_setdefaulttimeout_inside_a_function_does_not_count() -> None:
    source = """
        import socket, smtplib
        def configure():
            socket.setdefaulttimeout(10)
        smtplib.SMTP("mail")
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(5, "AL301")}


# ---------------------------------------------------------------------------- client objects
def test_client_level_finding_points_at_the_constructor() -> None:
    [finding] = findings("""
        import httpx
        client = httpx.Client(timeout=None)
        client.get("u")
    """, *TIMEOUT_RULES)
    assert (finding.line, finding.rule) == (4, "AL302")
    assert "timeout=None on the httpx.Client object" in finding.message
    assert [related.line for related in finding.related] == [3]


def test_an_unbounded_pool_is_reported_once_per_object() -> None:
    source = """
        import urllib3
        a = urllib3.PoolManager()
        b = urllib3.PoolManager()
        a.request("GET", "u")
        a.request("GET", "v")
        b.urlopen("GET", "w")
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(5, "AL301"), (7, "AL301")}


def test_socket_timeout_setter_only_covers_later_calls() -> None:
    source = """
        import socket
        s = socket.socket()
        s.connect(("h", 1))
        s.settimeout(5)
        s.recv(1)
        t = socket.socket()
        t.setblocking(False)
        t.connect(("h", 1))
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(4, "AL301")}


def test_grpc_stub_needs_a_known_channel() -> None:
    source = """
        import grpc
        import svc_pb2_grpc
        def known(req):
            stub = svc_pb2_grpc.ThingStub(grpc.insecure_channel("t"))
            return stub.Get(req)
        def unknown(channel, req):
            return svc_pb2_grpc.ThingStub(channel).Get(req)
        def not_a_stub_module(req):
            import svc_pb2
            return svc_pb2.ThingStub(grpc.insecure_channel("t")).Get(req)
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(6, "AL301")}


def test_aiohttp_session_timeout_none_keeps_the_default_but_request_none_disables() -> None:
    source = """
        import aiohttp
        async def main():
            async with aiohttp.ClientSession(timeout=None) as s:
                await s.get("u")
                await s.get("u", timeout=None)
                await s.get("u", timeout=aiohttp.ClientTimeout(total=None, connect=5))
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(6, "AL302")}


def test_kubernetes_api_classes_match_by_pattern_but_not_the_api_client() -> None:
    source = """
        from kubernetes import client
        api_client = client.ApiClient()
        api_client.call_api("/x", "GET")
        client.CustomObjectsApi(api_client).list_cluster_custom_object("g", "v", "p")
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(5, "AL301")}


# ---------------------------------------------------------------------------- SARIF
def test_sarif_results_for_the_timeout_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AL301/AL302 of a fixture reaches SARIF, the client-level ones with the
    constructor as a related location."""
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from assumption_lint.cli import cli

    monkeypatch.chdir(ROOT)
    fixture = Path("fixtures/timeouts/client_patterns.py")
    result = CliRunner().invoke(cli, ["check", "--select", "AL301,AL302", "--format", "sarif", str(fixture)],
                                catch_exceptions=False)
    assert result.exit_code == 1
    run = json.loads(result.stdout)["runs"][0]
    found = {(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"]) for r in run["results"]}
    labels = read_labels(fixture)
    assert found == {(line, rule) for line, rule in labels.expect if rule in ("AL301", "AL302")}
    lines = fixture.read_text(encoding="utf-8").splitlines()
    deals = next(r for r in run["results"] if "self.http.get" in lines[
        r["locations"][0]["physicalLocation"]["region"]["startLine"] - 1])
    [related] = deals["relatedLocations"]
    constructor_line = related["physicalLocation"]["region"]["startLine"]
    assert "httpx.Client(base_url=API, timeout=None)" in lines[constructor_line - 1]
    assert related["message"]["text"] == "the timeout is disabled here"


@pytest.mark.parametrize("value, phase", [
    ("httpx.Timeout(None)", "connect, read, write and pool phases"),
    ("httpx.Timeout(10.0, read=None)", "read phase"),
    ("httpx.Timeout(None, connect=5.0)", "read, write and pool phases"),
    ("httpx.Timeout(connect=None, read=5, write=5, pool=5)", "connect phase"),
    ("httpx.Timeout(10.0, connect=5.0)", None),
    ("httpx.Timeout(**settings)", None),
])
def test_httpx_timeout_objects_name_the_open_phases(value: str, phase: str | None) -> None:
    found = findings(f"import httpx\nhttpx.get('u', timeout={value})\n", *TIMEOUT_RULES)
    if phase is None:
        assert found == []
    else:
        [finding] = found
        assert finding.rule == "AL302" and f"so the {phase} can block forever" in finding.message


def test_generated_grpc_modules_resolve_through_relative_imports() -> None:
    source = """
        import grpc
        from . import svc_pb2_grpc
        from .gen.svc_pb2_grpc import ThingStub
        from .client import helpers
        channel = grpc.insecure_channel("t")
        svc_pb2_grpc.ThingStub(channel).Get(1)
        ThingStub(channel).Get(1)
        helpers.ThingStub(channel).Get(1)
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(7, "AL301"), (8, "AL301")}
