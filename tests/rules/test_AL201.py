"""AL201 unhandled-network-error, AL202 unchecked-status, AL204 swallowed-network-error:
the catalog facts they stand on, their messages and locations, options, and SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.catalog import Catalog, CatalogError, load_text, shipped_catalog
from assumption_lint.cli import cli
from harness import ROOT, findings, lines

NETWORK_RULES = ("AL201", "AL202", "AL204")


# --------------------------------------------------------------------------- catalog facts
@pytest.mark.parametrize("caught, raised, expected", [
    ("OSError", "requests.ConnectTimeout", True),       # requests.RequestException is an OSError
    ("requests.exceptions.Timeout", "requests.ConnectTimeout", True),  # alias, and both bases
    ("requests.ConnectionError", "requests.ReadTimeout", False),
    ("ConnectionError", "requests.ConnectionError", False),  # the builtin is not a base
    ("OSError", "httpx.ConnectError", False),            # httpx errors are not OSError
    ("httpx.RequestError", "httpx.ReadTimeout", True),
    ("httpx.RequestError", "httpx.HTTPStatusError", False),
    ("aiohttp.ClientError", "TimeoutError", False),      # a total timeout is not a ClientError
    ("asyncio.TimeoutError", "aiohttp.ServerTimeoutError", True),
    ("botocore.exceptions.BotoCoreError", "botocore.exceptions.ClientError", False),
    ("OSError", "botocore.exceptions.ReadTimeoutError", True),
    ("OSError", "urllib3.exceptions.MaxRetryError", False),
    ("OSError", "urllib.error.HTTPError", True),
    ("Exception", "asyncio.CancelledError", False),
])
def test_exception_hierarchy(caught: str, raised: str, expected: bool) -> None:
    assert shipped_catalog().network.catches(caught, raised) is expected


def test_network_calls_resolve_by_name_and_by_client_wildcard() -> None:
    knowledge = shipped_catalog().network
    assert knowledge.family("requests.Session.post").library == "requests"
    assert knowledge.family("botocore.client.BaseClient.upload_file", "botocore.client.BaseClient").library == "boto3"
    # Local helpers of a client make no request.
    assert knowledge.family("botocore.client.BaseClient.generate_presigned_url", "botocore.client.BaseClient") is None
    assert knowledge.family("urllib.request.urlopen").response is None  # raises on an error status


def test_every_network_family_names_known_exceptions_and_responses() -> None:
    knowledge = shipped_catalog().network
    for family in set(knowledge.calls.values()):
        for name in family.errors + family.root:
            assert knowledge.known(name), (family.library, name)
        assert family.response is None or family.response in knowledge.responses


@pytest.mark.parametrize("text, message", [
    ('[[exception]]\nname = "a.B"\nbases = ["a.Missing"]\n', "base 'a.Missing' of a.B is not defined before it"),
    ('[[exception]]\nname = "a.B"\nparents = []\n', "unknown key 'parents'"),
    ('[[network]]\nlibrary = "x"\ncalls = ["x.get"]\nerrors = ["x.Error"]\nroot = ["x.Error"]\nfix = "f"\n',
     "exception 'x.Error' is not defined"),
    ('[[exception]]\nname = "Exception"\n[[network]]\nlibrary = "x"\ncalls = ["x.get"]\nerrors = ["Exception"]\n'
     'root = ["Exception"]\nresponse = "nope"\nfix = "f"\n', "response kind 'nope' is not defined"),
    ('[[network]]\nlibrary = "x"\ncalls = ["x.get"]\nerrors = []\nroot = []\nmethod = "verb"\nfix = "f"\n',
     "key 'method' must be one of"),
    ('[[spawner]]\nlabel = "t"\neffect = "e"\ncalls = ["x.run"]\n', "give 'keyword' or 'position'"),
    ('[[entry-point]]\nlabel = "x"\neffect = "e"\nweb = "yes"\n', "key 'web' has a bad value"),
    ('[[exception]]\nname = "Exception"\n[[network]]\nlibrary = "x"\ncalls = ["x.get"]\nerrors = ["Exception"]\n'
     'root = ["Exception"]\ntimeout-errors = ["TimeoutError"]\nfix = "f"\n',
     "key 'timeout-errors' names 'TimeoutError', which is not in 'errors'"),
])
def test_catalog_errors_name_the_file_and_key(text: str, message: str) -> None:
    with pytest.raises(CatalogError) as raised:
        load_text(Catalog(), text, "custom.toml")
    assert message in str(raised.value)
    assert "custom.toml" in str(raised.value)


def test_network_module_roots_make_files_relevant() -> None:
    # A file that only imports aiohttp must be parsed even without a timeout entry for it.
    assert {"requests", "httpx", "aiohttp", "urllib", "urllib3", "botocore"} <= shipped_catalog().module_roots()


# --------------------------------------------------------------------------- AL201
FLASK_VIEW = """
    import requests
    from flask import Flask

    app = Flask(__name__)

    @app.route("/checkout", methods=["POST"])
    def checkout():
        try:
            resp = requests.post("https://pay.example.com/v1/charges", json={}, timeout=10)
        except {caught}:
            return "unavailable", 503
        resp.raise_for_status()
        return "ok"
"""


@pytest.mark.parametrize("caught, escaping", [
    ("requests.RequestException", None),
    ("OSError", None),
    ("Exception", None),
    ("(requests.ConnectionError, requests.Timeout)", None),
    ("requests.Timeout", "requests.ConnectionError escapes"),
    ("requests.ConnectionError", "requests.Timeout escapes"),
    ("requests.HTTPError", "a connection error or timeout escapes"),
    ("ConnectionError", "a connection error or timeout escapes"),
])
def test_al201_names_what_escapes_a_narrow_catch(caught: str, escaping: str | None) -> None:
    found = findings(FLASK_VIEW.replace("{caught}", caught), "AL201")
    if escaping is None:
        assert found == []
        return
    assert [finding.line for finding in found] == [10]
    message = found[0].message
    assert message.startswith("assumes POST /v1/charges always succeeds: " + escaping)
    assert "the Flask view `checkout` as HTTP 500" in message
    assert "catch requests.RequestException" in message


@pytest.mark.parametrize("timeout, caught, escaping", [
    # Without a timeout requests waits forever: requests.Timeout cannot escape.
    ("", "requests.ConnectionError", None),
    ("", "requests.HTTPError", "a connection error escapes"),
    ("", "requests.Timeout", "a connection error escapes"),
    (", **options", "requests.ConnectionError", "requests.Timeout escapes"),
    (", timeout=None", "requests.ConnectionError", "requests.Timeout escapes"),
])
def test_al201_no_timeout_means_no_timeout_error(timeout: str, caught: str, escaping: str | None) -> None:
    code = FLASK_VIEW.replace("{caught}", caught).replace(", timeout=10", timeout)
    if timeout == ", **options":
        code = code.replace("import requests", "import requests\n    options = {}")
    found = findings(code, "AL201")
    assert [finding.message.split(": ", 1)[1].split(" the Flask")[0] for finding in found] == (
        [escaping] if escaping else [])


def test_al201_route_shape_needs_the_framework_import() -> None:
    code = FLASK_VIEW.replace("from flask import Flask", "from myweb import Flask").replace(
        "except {caught}:\n            return \"unavailable\", 503", "finally:\n            pass")
    assert lines(code, "AL201") == []
    assert lines(code.replace("from myweb import Flask", "from flask import Flask"), "AL201") == [10]


def test_al201_follows_helpers_and_local_objects_to_the_entry_point() -> None:
    code = """
        import requests

        class Client:
            def __init__(self):
                self.session = requests.Session()

            def _request(self, path):
                return self.session.get("https://api.example.com" + path, timeout=5)

            def item(self, key):
                return self._request(f"/items/{key}")

        def main():
            client = Client()
            client.item("a")
    """
    found = findings(code, "AL201")
    assert [finding.line for finding in found] == [9]
    assert "escapes `Client._request` into the CLI entry point `main`" in found[0].message


def test_al201_library_code_is_quiet_unless_strict() -> None:
    code = """
        import requests

        def geocode(address):
            return requests.get("https://geo.example.com/v1/geocode", params={"q": address}, timeout=5)
    """
    assert lines(code, "AL201") == []
    assert lines(code, "AL201", options={"AL201": {"strict": True}}) == [5]


def test_al201_strict_reaches_the_check_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.alint.rules.AL201]\nstrict = true\n")
    (tmp_path / "geo.py").write_text(
        "import requests\n\n\ndef geocode(q):\n    return requests.get('https://geo.example.com', params=q, timeout=5)\n")
    result = CliRunner().invoke(cli, ["check", "--select", "AL201", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1, result.output
    reported = json.loads(result.stdout)
    rules = [finding["rule"] for finding in reported["findings"]]
    assert rules == ["AL201"]


def test_al201_unawaited_coroutine_fails_where_it_is_awaited() -> None:
    code = """
        import asyncio
        import httpx

        async def price(client, symbol):
            return await client.get(f"/prices/{symbol}")

        async def prices(symbols):
            async with httpx.AsyncClient() as client:
                pending = [client.get(f"/prices/{symbol}") for symbol in symbols]
                for symbol in symbols:
                    pending.append(price(client, symbol))
                return await asyncio.gather(*pending, return_exceptions=True)
    """
    assert lines(code, "AL201") == []


def test_al201_fastapi_exception_handler_covers_routes() -> None:
    code = """
        import httpx
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/quote")
        async def quote():
            async with httpx.AsyncClient() as client:
                resp = await client.get("https://quotes.example.com/today")
            resp.raise_for_status()
            return {"quote": resp.text}
    """
    assert lines(code, "AL201") == [10]
    handled = code + """
        @app.exception_handler(httpx.HTTPError)
        async def upstream(request, exc):
            return None
    """
    assert lines(handled, "AL201") == []


# --------------------------------------------------------------------------- AL202
def test_al202_reports_at_the_call_with_the_body_use_as_related_location() -> None:
    code = """
        import requests

        def fetch(url):
            resp = requests.get(url, timeout=5)
            data = resp.json()
            return data
    """
    [finding] = findings(code, "AL202")
    assert (finding.line, finding.column) == (5, 12)
    assert [(related.line, related.message) for related in finding.related] == [(6, "the body is used here")]
    assert "the body (resp.json()) is read without checking the status" in finding.message


@pytest.mark.parametrize("check", [
    "resp.raise_for_status()",
    "if resp.status_code != 200:\n        return None",
    "if not resp.ok:\n        return None",
    "if not resp:\n        return None",
    "validate(resp)",
])
def test_al202_status_checks(check: str) -> None:
    code = f"""
import requests

def fetch(url):
    resp = requests.get(url, timeout=5)
    {check}
    return resp.json()
"""
    assert lines(code, "AL202") == []


def test_al202_discarded_state_changing_requests_only() -> None:
    code = """
        import requests

        def send(url, payload):
            requests.post(url, json=payload, timeout=5)
            requests.get(url, timeout=5)
            requests.request("DELETE", url, timeout=5)
            requests.request("GET", url, timeout=5)
    """
    assert lines(code, "AL202") == [5, 7]


def test_al202_aiohttp_session_that_raises_for_status() -> None:
    code = """
        import aiohttp

        async def page(url):
            async with aiohttp.ClientSession({flag}) as session:
                async with session.get(url) as resp:
                    return await resp.text()
    """
    assert lines(code.replace("{flag}", ""), "AL202") == [6]
    assert lines(code.replace("{flag}", "raise_for_status=True"), "AL202") == []


def test_al202_urlopen_is_exempt() -> None:
    code = """
        import urllib.request

        def page(url):
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.read()
    """
    assert lines(code, "AL202") == []


# --------------------------------------------------------------------------- AL204
@pytest.mark.parametrize("body, flagged", [
    ("pass", True),
    ("return None", True),
    ("return []", True),
    ("return {'rate': 1.0}", True),
    ("log.warning('rates unavailable')", False),
    ("raise", False),
    ("return {'error': str(exc)}", False),
    ("return False", False),
    ("errors.append(exc)", False),
])
def test_al204_silent_bodies(body: str, flagged: bool) -> None:
    code = f"""
import logging
import requests

log = logging.getLogger(__name__)
errors = []

def rate():
    try:
        return requests.get("https://rates.example.com", timeout=5).json()["rate"]
    except Exception as exc:
        {body}
"""
    found = findings(code, "AL204")
    assert [(finding.line, finding.column) for finding in found] == ([(11, 5)] if flagged else [])
    if flagged:
        assert found[0].message.startswith("assumes GET rates.example.com cannot fail: `except Exception`")


def test_al204_narrow_catch_is_a_decision_not_a_swallow() -> None:
    code = """
        import requests

        def rate():
            try:
                return requests.get("https://rates.example.com/eur", timeout=5).json()
            except requests.Timeout:
                return None
    """
    assert lines(code, "AL204") == []


def test_al204_through_a_same_module_helper() -> None:
    code = """
        import requests

        def _fetch(path):
            resp = requests.get("https://api.example.com" + path, timeout=5)
            resp.raise_for_status()
            return resp.json()

        def profile(user):
            try:
                return _fetch(f"/users/{user}")
            except Exception:
                return None

        def local_only(text):
            try:
                return int(text)
            except Exception:
                return None
    """
    found = findings(code, "AL204")
    assert [finding.line for finding in found] == [12]
    assert "(through `_fetch()`)" in found[0].message


@pytest.mark.parametrize("header, region", [
    ("except Exception as exc:", (11, 5, 11, 29)),
    ("except:", (11, 5, 11, 12)),
    ("except (ValueError,\n            Exception):", (11, 5, 11, 24)),
])
def test_al204_region_is_the_except_header(header: str, region: tuple[int, int, int, int]) -> None:
    code = f"""
import logging
import requests

log = logging.getLogger(__name__)

def rate():
    try:
        data = requests.get("https://rates.example.com", timeout=5).json()
        log.info("fetched")
    {header}
        data = None
        pass
    return data
"""
    found = findings(code, "AL204")
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [region]


# --------------------------------------------------------------------------- SARIF
def test_sarif_carries_help_for_the_network_rules() -> None:
    path = ROOT / "fixtures" / "network" / "payments_flask.py"
    result = CliRunner().invoke(cli, ["check", "--format", "sarif", "--select", "AL201,AL202,AL204", str(path)])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    for rule in NETWORK_RULES:
        assert rule in rules
        assert "**What it finds.**" in rules[rule]["help"]["markdown"]
        assert rules[rule]["shortDescription"]["text"]
    results = {(result["ruleId"], result["locations"][0]["physicalLocation"]["region"]["startLine"])
               for result in run["results"]}
    assert ("AL201", 17) in results and ("AL202", 71) in results and ("AL204", 119) in results
    al202 = next(result for result in run["results"] if result["ruleId"] == "AL202")
    assert al202["relatedLocations"][0]["message"]["text"] == "the body is used here"


def test_al202_body_read_where_a_decode_error_is_handled_is_deliberate() -> None:
    code = """
        import json
        import requests

        def login(user):
            resp = requests.post("https://example.com/api/login", data={"user": user}, timeout=5)
            try:
                body = resp.json()
            except {caught}:
                raise RuntimeError("login failed")
            return body["token"]
    """
    assert lines(code.replace("{caught}", "json.JSONDecodeError"), "AL202") == []
    assert lines(code.replace("{caught}", "ValueError"), "AL202") == []
    assert lines(code.replace("{caught}", "KeyError"), "AL202") == [6]


def test_al202_a_status_check_after_reading_the_body_still_counts() -> None:
    code = """
        import requests

        def owners(url):
            resp = requests.get(url, timeout=5)
            owners = resp.json()
            {after}
            return owners
    """
    assert lines(code.replace("{after}", "if resp.status_code != 200:\n                raise RuntimeError(owners)"),
                 "AL202") == []
    assert lines(code.replace("{after}", "print(len(owners))"), "AL202") == [5]


def test_al202_responses_bound_in_exclusive_branches() -> None:
    code = """
        import requests

        def call(method, url, params):
            if method == "GET":
                response = requests.get(url, timeout=5)
            elif method == "PUT":
                response = requests.put(url, params, timeout=5)
            else:
                response = requests.delete(url, timeout=5)
            response.raise_for_status()
            return response.json()
    """
    assert lines(code, "AL202") == []


def test_al204_a_fallback_that_names_the_failure_is_not_made_up() -> None:
    code = """
        import requests

        def player_state(url):
            try:
                return requests.get(url, timeout=5).json()
            except requests.RequestException:
                return {"player_state": "{value}"}
    """
    assert lines(code.replace("{value}", "offline"), "AL204") == []
    assert lines(code.replace("{value}", "playing"), "AL204") == [7]


@pytest.mark.parametrize("check, flagged", [
    ('if "error" in resp.json():\n        return None', False),
    ('if "error" in data:\n        return None', False),
    ('if not data["ok"]:\n        return None', False),
    ('if data.get("errors"):\n        return None', False),
    ('if "items" in data:\n        return data["items"]', True),
])
def test_al202_a_failure_reported_in_the_body_is_checked_there(check: str, flagged: bool) -> None:
    code = f"""
import requests

def rates(url):
    resp = requests.get(url, timeout=5)
    data = resp.json()
    {check}
    return data
"""
    assert lines(code, "AL202") == ([5] if flagged else [])


def test_al201_parameters_typed_by_annotation_or_by_every_caller() -> None:
    code = """
        import aiohttp
        from flask import Flask

        app = Flask(__name__)

        async def fetch(session, url):
            return await session.get(url)

        async def fetch_annotated(session: aiohttp.ClientSession, url):
            return await session.get(url)

        async def crawl(urls, other):
            async with aiohttp.ClientSession() as session:
                for url in urls:
                    await fetch(session, url)
                    await fetch_annotated(other, url)
                    await maybe(session, url)
                    await maybe(other, url)

        async def maybe(session, url):
            return await session.get(url)
    """
    # `maybe` gets a session from one caller and an unknown object from another: quiet.
    assert lines(code, "AL201") == [8, 11]


def test_contextlib_suppress_handles_what_it_names() -> None:
    code = """
        import contextlib
        import requests

        def main():
            with contextlib.suppress({caught}):
                requests.post("https://hooks.example.com/ping", timeout=5).raise_for_status()
    """
    assert lines(code.replace("{caught}", "requests.RequestException"), "AL201") == []
    assert lines(code.replace("{caught}", "requests.Timeout"), "AL201") == [7]
    assert lines(code.replace("{caught}", "Exception"), "AL204") == []


def test_al202_a_parameter_typed_by_its_callers() -> None:
    code = """
        import aiohttp

        async def fetch(session, url):
            async with session.get(url) as resp:
                return await resp.text()

        async def notify(session, url):
            await session.post(url, json={"done": True})

        async def main(urls, other):
            async with aiohttp.ClientSession() as session:
                for url in urls:
                    await fetch(session, url)
                await notify(session, urls[0])
                await notify({caller}, urls[0])
    """
    assert lines(code.replace("{caller}", "session"), "AL202") == [5, 9]
    # One caller passes something alint does not know: `notify` stays quiet.
    assert lines(code.replace("{caller}", "other"), "AL202") == [5]


def test_docs_example_output_is_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/usage.md quotes real output of the network rules: it must still be what alint prints."""
    import re

    doc = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    example = doc[doc.index("```python\n# shop.py"):]
    code = re.search(r"```python\n# shop.py\n(.*?)```", example, re.S).group(1)  # type: ignore[union-attr]
    console = re.search(r"```console\n\$ alint (.*?)\n(.*?)```", example, re.S)
    assert console is not None
    (tmp_path / "shop.py").write_text(code, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", *console.group(1).split()])
    printed = [line for line in result.stdout.splitlines() if line.startswith("shop.py")]
    assert printed == console.group(2).strip().splitlines()


def test_al204_trying_candidates_until_one_works_is_not_a_swallow() -> None:
    code = """
        import requests

        def upload_extension(base):
            for ext in ["php", "asp", "jsp"]:
                try:
                    resp = requests.get(f"{base}/upload.{ext}", timeout=5)
                except Exception:
                    pass
                else:
                    {after}
            return None
    """
    assert lines(code.replace("{after}", "break"), "AL204") == []
    assert lines(code.replace("{after}", "print(resp.status_code)"), "AL204") == [8]


def test_al202_one_finding_per_body_read_of_a_response_bound_in_branches() -> None:
    code = """
        import requests

        def command(method, url):
            if method == "GET":
                response = requests.get(url, timeout=5)
            elif method == "PUT":
                response = requests.put(url, timeout=5)
            else:
                response = requests.delete(url, timeout=5)
            return response.json()

        def two_reads(flag, url):
            if flag:
                response = requests.get(url, timeout=5)
            else:
                response = requests.post(url, timeout=5)
            print(response.text)
            return response.json()
    """
    found = findings(code, "AL202")
    assert [finding.line for finding in found] == [6, 15]
    assert [related.line for related in found[0].related] == [11, 8, 10]
    # Several reads of the same responses: still one finding, at the first read.
    assert [related.line for related in found[1].related] == [18, 17]
