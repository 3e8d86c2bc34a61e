"""AL106 open-redirect: request data as the target of a redirect.

The ``TaintedSinks`` fact finds the redirect sinks of ``rules/sinks.toml`` (Flask, Quart and
Werkzeug ``redirect``, Django ``redirect``/``HttpResponseRedirect``, FastAPI and Starlette
``RedirectResponse``, aiohttp's ``HTTPFound``) and reports a target whose start a value from
outside decides: the whole target (`?next=https://evil.example`), its scheme or host, or a
lone leading `/` (`"/" + next` is `//evil.example`). A target after a start the code chose
(`f"/items/{slug}"`, `f"{settings.SITE_URL}/{path}"`, a relative path) stays on this site.

What ends it: ``url_has_allowed_host_and_scheme()`` (Django), a check of the parsed host
(``urlparse(target).netloc`` empty, or its host in an allowlist), a ``startswith`` check, a
value from a fixed list. Request data counts with the ``remote`` threat model (the default).
"""

from __future__ import annotations

from ..facts.taint import TaintedSinks, subject
from .base import REQUEST_FRAMEWORKS, Check


class OpenRedirect(Check):
    rules = ("AL106",)
    needs = (TaintedSinks,)
    # Values other project files' functions return from these origins (value provenance).
    project_reads = frozenset({"request", "local-input", "response"})
    model_triggers = {"remote": REQUEST_FRAMEWORKS}
    sink_kinds = ("redirect",)  # it reports only at a sink of the module

    def leave_Module(self, node: object) -> None:
        taint = self.fact(TaintedSinks)
        for hit, origin in taint.reportable("redirect", self.state.settings.threat_models):
            if origin is None or hit.shape != "path":
                continue
            self.report("AL106", hit.call, hit.path(origin), statement=hit.statement, function=hit.function,
                        value=subject(self.state.module.code_for_node(hit.culprit), origin), sink=hit.label)
