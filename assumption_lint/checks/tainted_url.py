"""AL105 tainted-url: request data as the whole URL, the scheme or the host of an outgoing
request (server-side request forgery), or, as a note, pasted into its path.

The ``TaintedSinks`` fact finds the URL sinks of ``rules/sinks.toml`` (``requests``,
``httpx``, ``aiohttp``, ``urllib``, their sessions and clients) and tells where a value from
outside lands in the URL (``_location``): the whole URL, its scheme or its host (shape
``path``: the finding is a warning), or after a start the code chose, a fixed
``https://host/``, a module constant or a base URL from settings, a path relative to a
client's ``base_url`` (``segment``: a note, since ``../`` or ``?`` changes which endpoint is
called). After a ``?`` or ``#`` it changes no endpoint and is not reported.

What ends it: a check of the parsed host (``urlparse(url).hostname in ALLOWED_HOSTS``,
``parsed.netloc == ...``: ``parts`` of a guard validator in ``rules/sources.toml``), a
``startswith`` check of the URL, ``urllib.parse.quote()`` (a ``[[sanitizer]]``), a number,
a value from a fixed list, a full-match check. Request data counts with the ``remote``
threat model (the default); another service's answer only with ``responses``, so following
an API's ``next`` link is quiet by default; local input only with ``local``.
"""

from __future__ import annotations

from ..facts.taint import TaintedSinks, subject
from .base import COMMAND_LINE_PARSERS, REQUEST_FRAMEWORKS, Check

# shape -> (what the code assumes, what goes wrong, the fix)
_SHAPES = {
    "path": ("is a URL the server means to call",
             "whoever sets it makes the server call any address: an internal service, the cloud metadata endpoint "
             "(169.254.169.254), localhost, with the server's network access and credentials",
             "build the URL from a fixed base, or check urlparse(url).hostname against an allowlist (and the "
             "scheme is https) before the call"),
    "segment": ("stays one segment of the URL's path",
                "`../`, `?` or `#` in it changes which endpoint of the service is called",
                "quote it with urllib.parse.quote(value, safe=\"\"), or check its format (re.fullmatch, a fixed "
                "list, int())"),
}


class TaintedUrl(Check):
    rules = ("AL105",)
    needs = (TaintedSinks,)
    # Values other project files' functions return from these origins (value provenance).
    project_reads = frozenset({"request", "local-input", "response"})
    model_triggers = {"remote": REQUEST_FRAMEWORKS, "local": COMMAND_LINE_PARSERS}
    sink_kinds = ("url",)  # it reports only at a sink of the module

    def leave_Module(self, node: object) -> None:
        taint = self.fact(TaintedSinks)
        for hit, origin in taint.reportable("url", self.state.settings.threat_models):
            if origin is None or hit.shape not in _SHAPES:
                continue
            assumption, consequence, fix = _SHAPES[hit.shape]
            self.report("AL105", hit.call, hit.path(origin), statement=hit.statement, function=hit.function,
                        severity="note" if hit.shape == "segment" else None,
                        value=subject(self.state.module.code_for_node(hit.culprit), origin),
                        assumption=assumption, sink=hit.label, consequence=consequence, fix=fix)
