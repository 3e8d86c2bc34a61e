"""AL106 open-redirect: redirect targets whose start comes from a request, and what keeps
them on this site."""

from __future__ import annotations

from harness import findings

FLASK = """\
from urllib.parse import urlparse
from django.utils.http import url_has_allowed_host_and_scheme
from flask import Flask, abort, redirect, request, url_for
app = Flask(__name__)
SITE = "https://www.example.com"
PARTNERS = ("shop.example.com",)

@app.route("/f")
def f():
    target = request.args.get("next", "/")
"""


def _lines(body: str, **kwargs) -> list[int]:
    code = FLASK + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return [finding.line - 10 for finding in findings(code, "AL106", **kwargs)]


def test_a_target_whose_start_the_request_decides() -> None:
    assert _lines("""
redirect(target)
redirect("/" + target)
redirect(f"https://{target}/welcome")
redirect(request.referrer)
redirect(target + "?from=login")
""") == [1, 2, 3, 4, 5]


def test_targets_the_code_starts_stay_on_this_site() -> None:
    assert _lines("""
redirect(f"/items/{target}")
redirect(f"{SITE}/{target}")
redirect(url_for("item", slug=target))
redirect(f"items/{target}")
redirect(f"?page={target}")
""") == []


def test_same_host_and_relative_checks() -> None:
    assert _lines("""
if urlparse(target).netloc:
    abort(400)
redirect(target)
""") == []
    assert _lines("""
if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.host}):
    target = "/"
redirect(target)
""") == []
    assert _lines("""
if not target.startswith("/") or target.startswith("//"):
    target = url_for("index")
redirect(target)
""") == []
    assert _lines("""
host = request.args.get("host", "")
if host not in PARTNERS:
    abort(400)
redirect(f"https://{host}/welcome")
""") == []


def test_a_fallback_assigned_only_on_the_good_branch_still_reports() -> None:
    assert _lines("""
if urlparse(target).netloc == "":
    target = "/"
redirect(target)
""") == [3]


def test_the_message_names_the_value_and_the_fix() -> None:
    [finding] = findings(FLASK + "    return redirect(target)\n", "AL106")
    assert finding.message.startswith("assumes `target` from the query string is a safe place to send the user "
                                      "(redirect()): a link to this site with `?next=https://evil.example`")
    assert "url_has_allowed_host_and_scheme()" in finding.message
