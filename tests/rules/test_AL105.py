"""AL105 tainted-url: where in an outgoing URL request data lands (the whole URL, the scheme
or host, a path segment, the query), what checks the host, and following an API's own links."""

from __future__ import annotations

from harness import findings

FLASK = """\
import httpx, requests
from urllib.parse import quote, urlparse, urlsplit
from flask import Flask, abort, request
app = Flask(__name__)
BASE = "https://api.example.com/v1"
ALLOWED_HOSTS = {"docs.example.com"}
client = httpx.Client(base_url=BASE)

@app.route("/f")
def f():
    value = request.args.get("value", "")
"""


def _shapes(body: str, **kwargs) -> list[tuple[int, str]]:
    code = FLASK + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return [(finding.line - 11, finding.severity) for finding in findings(code, "AL105", **kwargs)]


def test_the_whole_url_its_scheme_and_its_host_are_errors() -> None:
    assert _shapes("""
requests.get(value, timeout=5)
requests.get(f"https://{value}/status", timeout=5)
requests.post("http://" + value + ":8080/hook", timeout=5)
httpx.request("GET", f"{value}://internal/x")
requests.get("https://api.example.com" + value, timeout=5)
url = f"https://{value}.example.com/"
requests.get(url, timeout=5)
""") == [(1, "error"), (2, "error"), (3, "error"), (4, "error"), (5, "error"), (7, "error")]


def test_a_path_segment_after_a_start_the_code_chose_is_a_note() -> None:
    assert _shapes("""
requests.get(f"https://api.example.com/users/{value}", timeout=5)
requests.get(f"{BASE}/users/{value}", timeout=5)
requests.get("{}/users/{}".format(BASE, value), timeout=5)
client.get(f"/users/{value}")
url = f"{BASE}/users/{value}/repos"
requests.get(url, timeout=5)
""") == [(1, "note"), (2, "note"), (3, "note"), (4, "note"), (6, "note")]


def test_the_query_string_quote_and_format_checks_are_quiet() -> None:
    assert _shapes("""
requests.get(f"{BASE}/search?q={value}", timeout=5)
requests.get(f"{BASE}/search", params={"q": value}, timeout=5)
requests.get(f"{BASE}/users/{quote(value, safe='')}", timeout=5)
requests.get(f"{BASE}/users/{int(value)}", timeout=5)
if not value.isalnum():
    abort(400)
requests.get(f"{BASE}/users/{value}", timeout=5)
""") == []


def test_a_check_of_the_parsed_host_ends_it() -> None:
    assert _shapes("""
if urlparse(value).hostname not in ALLOWED_HOSTS:
    abort(400)
requests.get(value, timeout=5)
""") == []
    assert _shapes("""
parts = urlsplit(value)
if parts.scheme != "https" or parts.netloc != "docs.example.com":
    abort(400)
requests.get(value, timeout=5)
""") == []
    assert _shapes("""
parsed = urlparse(value)
if parsed.scheme != "https":
    abort(400)
requests.get(value, timeout=5)
""") == [(4, "error")]


def test_following_an_apis_next_link_counts_only_with_the_responses_threat_model() -> None:
    code = """\
import requests

def first_two_pages():
    response = requests.get("https://api.example.com/items", timeout=5)
    page = response.json()
    following = requests.get(page["next"], timeout=5)
    return page["results"] + following.json()["results"]
"""
    assert [finding.line for finding in findings(code, "AL105")] == []
    assert [finding.line for finding in findings(code, "AL105", threat_models=frozenset({"remote", "responses"}))] \
        == [6]


def test_the_message_names_the_value_and_the_consequence() -> None:
    code = FLASK + "    return requests.get(value, timeout=5).text\n"
    [finding] = findings(code, "AL105")
    assert finding.message.startswith(
        "assumes `value` from the query string is a URL the server means to call (requests.get()): whoever sets it "
        "makes the server call any address")
    assert [note.message for note in finding.related] == ["from the query string", "read with .get()",
                                                          "assigned to value"]
