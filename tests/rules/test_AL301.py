"""AL301 missing timeouts beyond the fixtures: several phases per call, version positions,
connection strings, global setters and client objects, checked through the engine."""

from __future__ import annotations

import pytest

from harness import findings, line_rules


TIMEOUT_RULES = ("AL301", "AL302")


def test_several_timeouts_per_call_are_one_finding_naming_every_phase() -> None:
    found = findings("""
        import mysql.connector
        mysql.connector.connect(host="db")
    """, *TIMEOUT_RULES)
    assert [(f.line, f.rule) for f in found] == [(3, "AL301")]
    assert "connect and read phases can block forever" in found[0].message


@pytest.mark.parametrize("target, expected", [((3, 11), {(4, "AL301")}), ((3, 12), set())])
def test_timeout_position_follows_the_target_version(target: tuple[int, int], expected: set) -> None:
    # HTTPSConnection(host, port, key_file, cert_file, timeout) before 3.12; (host, port, timeout) after.
    source = """
        import http.client
        http.client.HTTPSConnection("h", 443, 10, None, 20) if False else None
        http.client.HTTPSConnection("h", 443, 10)
    """
    assert line_rules(source, *TIMEOUT_RULES, target_version=target) == expected


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


def test_kubernetes_api_classes_match_by_pattern_but_not_the_api_client() -> None:
    source = """
        from kubernetes import client
        api_client = client.ApiClient()
        api_client.call_api("/x", "GET")
        client.CustomObjectsApi(api_client).list_cluster_custom_object("g", "v", "p")
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(5, "AL301")}


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


def test_a_spread_dict_literal_passes_its_keys_and_nothing_else() -> None:
    code = (
        "import requests\n"
        "OPTS = {'verify': True}\n"
        "TIMED = {'timeout': 5}\n"
        "def a(u):\n    return requests.get(u, **OPTS)\n"
        "def b(u):\n    return requests.get(u, **TIMED)\n"
        "def c(u):\n    o = {'verify': True}\n    o.update(extra())\n    return requests.get(u, **o)\n"
        "def d(u):\n    o = {'verify': True}\n    o = {'timeout': 3}\n    return requests.get(u, **o)\n"
        "def e(u):\n    return requests.get(u, *ARGS, **OPTS)\n"
    )
    assert line_rules(code, "AL301") == {(5, "AL301")}


def test_a_huge_scope_is_not_scanned_for_spread_dicts() -> None:
    from assumption_lint.facts import dict_literals
    filler = "".join(f"x{i} = [{i}, {i} + 1]\n" for i in range(dict_literals.MAX_SCOPE_NODES // 8))
    code = "import requests\nOPTS = {'verify': True}\n" + filler + "def a(u):\n    return requests.get(u, **OPTS)\n"
    assert line_rules(code, "AL301") == set()  # past the bound the spread stays hidden: quiet
