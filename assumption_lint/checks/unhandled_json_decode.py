"""AL203 unhandled-json-decode: ``resp.json()`` where a body that is not JSON escapes.

A 200 with an HTML error page from a proxy, an empty 204, a login redirect: the decode
error escapes. It is reported in the same places as AL201 (a web handler, a CLI entry
point or the ``__main__`` block, a thread or task target, a loop over many items),
directly or through same-module functions that let it out, and reads the entry points,
loops and call sites AL201 reads (the ``NetworkFlow`` fact). What each client's decoding raises, and which
classes catch it, comes from ``rules/json_decode.toml`` and ``rules/exceptions.toml``.
Where the status is not checked at all, AL202 speaks for the same response (the rule
yields to it; see ``yields-to`` in ``rules/rules.toml``): the finding covers both the
decoded ``resp.json`` and the request that returned the response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ..catalog import JsonDecode
from ..facts.fixpoint import propagate
from ..facts.handlers import Clause, may_catch
from ..facts.network import NetworkCall, NetworkCalls
from ..facts.network_flow import Loop, NetworkFlow, Place
from ..facts.network_returns import ReturnedResponse, ReturnedResponses
from ..facts.syntax import unawait
from ..facts.reachability import Reachability
from ..resolve import dotted_name
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState


@dataclass(frozen=True)
class _Request:
    """Where a response comes from: a request made here, or a call of another project
    file's function that returns a raw response (``elsewhere``: the request there)."""

    label: str
    kind: str | None  # the catalog's response kind
    node: cst.CSTNode  # the call here: the request, or the helper's call
    elsewhere: ReturnedResponse | None = None

    @staticmethod
    def made(call: NetworkCall) -> "_Request":
        return _Request(call.label, call.family.response, call.node)


@dataclass
class _JsonSite:
    node: cst.Call
    statement: cst.CSTNode | None
    function: str
    clauses: tuple[Clause, ...]
    loop: Loop | None
    request: _Request
    decoder: JsonDecode


class UnhandledJsonDecode(Check):
    rules = ("AL203",)
    # Client objects, factories and client classes imported from other project files; the
    # raw responses other files' functions return.
    project_reads = frozenset({"clients", "responses"})
    # Reachability: no findings in code nothing runs.
    needs = (NetworkFlow, NetworkCalls, ReturnedResponses, Reachability)

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.flow = self.fact(NetworkFlow)
        self.calls = self.fact(NetworkCalls)
        self.knowledge = self.catalog.network
        self.json_sites: list[_JsonSite] = []
        # Per function (and the module): response name -> (request, its item loop).
        self._responses: list[dict[str, tuple[_Request, Loop | None]]] = [{}]

    # ------------------------------------------------------------------ responses
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._responses.append({})

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._responses.pop()

    def leave_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._bind(target.target.value, node.value if len(node.targets) == 1 else None)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self._bind(item.asname.name.value, item.item)

    def _bind(self, name: str, value: cst.BaseExpression | None) -> None:
        frame = self._responses[-1]
        frame.pop(name, None)
        call = unawait(value) if value is not None else None
        if isinstance(call, cst.Call):
            request = self._request(call)
            if request is not None:
                frame[name] = (request, self.flow.item_loop(call))

    def _request(self, call: cst.Call) -> _Request | None:
        """The response a call returns: a request's, or the raw response another project
        file's function hands back (``return requests.get(url)``: network_returns)."""
        request = self.calls.network_call(call)
        if request is not None:
            return _Request.made(request)
        returned = self.fact(ReturnedResponses).response_from(call)
        if returned is None:
            return None
        return _Request(returned.label, returned.kind, call, returned)

    # ------------------------------------------------------------------ .json()
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or node.args:
            return
        receiver = unawait(func.value)
        found: tuple[_Request, Loop | None] | None = None
        if isinstance(receiver, cst.Call):
            request = self._request(receiver)
            found = (request, self.flow.item_loop(receiver)) if request is not None else None
        elif isinstance(receiver, cst.Name):
            found = self._responses[-1].get(receiver.value)
        if found is None:
            return
        request, loop = found
        kind = request.kind
        decoder = self.catalog.json_decoder(kind) if kind is not None else None
        if decoder is None or func.attr.value not in decoder.methods:
            return
        self.json_sites.append(_JsonSite(node, self.ctx.statement, self.flow.current_function(),
                                         self.flow.clauses_here(), loop, request, decoder))

    # ------------------------------------------------------------------ after the walk
    def leave_Module(self, node: cst.Module) -> None:
        if not self.json_sites:
            return
        places = self.flow.harmful_places()
        escaping = self._escaping()
        for index, site in enumerate(self.json_sites):
            if self._handled(site.clauses, site.decoder):
                continue
            placed = self._place(places.get(site.function), site.loop, site.function)
            if placed is None:
                placed = self._through_callers(index, site, places, escaping)
            if placed is not None:
                self._report_json(site, *placed)

    @staticmethod
    def _place(place: Place | None, loop: Loop | None, function: str) -> tuple[str, tuple[str, ...]] | None:
        if place is not None:
            return place.where, place.handled
        if loop is not None:
            return f"{loop.description} in `{function}`", ()
        return None

    def _escaping(self) -> dict[str, set[int]]:
        """Per function: the JSON sites whose decode error leaves it, over same-module calls."""
        start: dict[str, set[int]] = {}
        for index, site in enumerate(self.json_sites):
            if not self._handled(site.clauses, site.decoder):
                start.setdefault(site.function, set()).add(index)
        calls = [(site.function, site.callee, site) for site in self.flow.sites if site.callee is not None]
        return propagate(start, calls,
                         lambda site, index: not self._handled(site.clauses, self.json_sites[index].decoder))

    def _through_callers(self, index: int, site: _JsonSite, places: dict[str, Place],
                         escaping: dict[str, set[int]]) -> tuple[str, tuple[str, ...]] | None:
        for call_site in self.flow.sites:
            if call_site.callee is None or index not in escaping.get(call_site.callee, ()):
                continue
            if self._handled(call_site.clauses, site.decoder):
                continue
            placed = self._place(places.get(call_site.function), call_site.loop, call_site.function)
            if placed is not None:
                where, handled = placed
                return f"`{site.function}` into {where}", handled
        return None

    def _handled(self, clauses: tuple[Clause, ...], decoder: JsonDecode) -> bool:
        for clause in clauses:
            if clause.transparent:
                continue
            if clause.catches is None:
                return True
            for name in clause.catches:
                if may_catch(self.knowledge, name, decoder.raises):
                    return True
                if isinstance(name, str) and name in decoder.also_caught_by:
                    return True
        return False

    def _report_json(self, site: _JsonSite, where: str, framework_handled: tuple[str, ...]) -> None:
        if any(self.knowledge.catches(name, site.decoder.raises) for name in framework_handled):
            return
        raised = site.decoder.raises
        catch = "ValueError" if self.knowledge.catches("ValueError", raised) else raised
        api, related = site.request.label, []
        elsewhere = site.request.elsewhere
        if elsewhere is not None:  # `fetch()` of another file returned the response as it came
            parts = dotted_name(site.request.node.func) if isinstance(site.request.node, cst.Call) else None
            project = self.state.project
            shown = project.shown(elsewhere.place.path) if project is not None else elsewhere.place.path
            api = f"`{'.'.join(parts) if parts else 'the call'}()` (it returns the response of {api} in {shown})"
            related = [(elsewhere.place, f"{elsewhere.label} is made here and its response returned as it came")]
        self.report("AL203", site.node, related, statement=site.statement,  # type: ignore[arg-type]
                    function=site.function, covers=(site.node.func, site.request.node), api=api,
                    where=where, error=raised, catch=catch)
