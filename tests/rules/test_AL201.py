"""AL201 unhandled-network-error beyond the fixtures: what escapes a narrow catch, entry points
and helpers, library code and the strict option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.cli import cli
from harness import findings, lines


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

        def main(keys):
            client = Client()
            for key in keys:
                client.item(key)
    """
    found = findings(code, "AL201")
    assert [finding.line for finding in found] == [9]
    assert "escapes `Client._request` into the loop over `keys` in `main`" in found[0].message


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
    result = CliRunner().invoke(cli, ["check", "--preview", "--select", "AL201", "--format", "json", str(tmp_path)])
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
            for hook in HOOKS:
                with contextlib.suppress({caught}):
                    requests.post(hook, timeout=5).raise_for_status()
    """
    assert lines(code.replace("{caught}", "requests.RequestException"), "AL201") == []
    assert lines(code.replace("{caught}", "requests.Timeout"), "AL201") == [8]
    assert lines(code.replace("{caught}", "Exception"), "AL204") == []


def test_a_one_shot_command_that_fails_outside_a_loop_is_quiet_unless_strict() -> None:
    """A traceback and a non-zero exit is an honest end for a command run once; one failed
    item cutting a batch short is not."""
    code = """
        import sys
        import requests

        def main():
            print(requests.get(sys.argv[1], timeout=5).text)

        def sync_all(urls):
            for url in urls:
                requests.post(url, timeout=5)

        if __name__ == "__main__":
            main()
            requests.get("https://api.example.com/ping", timeout=5)
            sync_all(sys.argv[2:])
    """
    assert lines(code, "AL201") == [10]
    assert lines(code, "AL201", options={"AL201": {"strict": True}}) == [6, 10, 14]


NARROW_LIBRARY_RETRY = """
    import time

    import httpx

    def fetch(client: httpx.Client, url):
        for attempt in range(3):
            try:
                return client.get(url).json()
            except (httpx.ConnectError, httpx.ReadTimeout):
                time.sleep(attempt)
            {more}
        return None
"""


def test_al201_names_a_narrow_retry_in_library_code_and_what_it_lets_out() -> None:
    found = findings(NARROW_LIBRARY_RETRY.replace("{more}", ""), "AL201")
    assert [finding.line for finding in found] == [9]
    assert found[0].message.startswith(
        "assumes GET `url` always succeeds: httpx.ReadError and httpx.TimeoutException escape the retry in `fetch` "
        "at its first attempt (`except (httpx.ConnectError, httpx.ReadTimeout)` retries nothing else), out to its "
        "callers")


def test_al201_a_retry_that_re_raises_the_rest_by_name_lets_them_out_on_purpose() -> None:
    more = "except httpx.RequestError:\n                raise"
    assert findings(NARROW_LIBRARY_RETRY.replace("{more}", more), "AL201") == []
