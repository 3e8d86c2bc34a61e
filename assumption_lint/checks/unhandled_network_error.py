"""AL201 unhandled-network-error: a network call whose errors escape where they hurt.

Where it hurts: a web handler (the user gets an HTTP 500), a CLI entry point or the
``__main__`` block (a traceback), a thread or task target (the error is lost), or a loop
over many items (one failure skips every remaining item). The error may get there
directly or through same-module functions that let it out. Library-style code, whose
caller decides, stays quiet unless the rule's ``strict`` option is set.

The flow is the ``NetworkFlow`` fact; this check decides in ``leave_Module``, where the
escaping (origin, class) pairs of every function are known.
"""

from __future__ import annotations

import libcst as cst

from ..facts.network_flow import MAIN_GUARD, MODULE, NetworkFlow, Origin, Place, Site, failing_elsewhere, retries
from ..facts.handlers import spelled
from ..facts.reachability import Reachability
from .base import Check


class UnhandledNetworkError(Check):
    rules = ("AL201",)
    needs = (NetworkFlow, Reachability)  # Reachability: no findings in code nothing runs
    project_reads = frozenset({"escapes", "clients"})

    def leave_Module(self, node: cst.Module) -> None:
        flow = self.fact(NetworkFlow)
        origins, reaching = flow.reaching_errors()
        if not origins:
            return
        places = flow.harmful_places()
        strict = bool(self.option("AL201", "strict"))
        # origin index -> (priority, place, escaping classes): entry points first, then
        # loops, then (strict) library roots; in source order within a priority.
        chosen: dict[int, tuple[int, Place, list[str]]] = {}
        for site, errors in reaching:
            uncaught = [escape for escape in sorted(errors) if flow.uncaught(site.clauses, escape[1])]
            if not uncaught:
                continue
            for priority, place in enumerate(self._site_places(flow, site, places, strict)):
                if place is None:
                    continue
                paging = priority == 1 and site.loop is None
                for origin, error in uncaught:
                    if any(flow.knowledge.catches(name, error) for name in place.handled):
                        continue
                    if not place.where and (not self._narrow_retry(origins[origin].site, [error])
                                            or self._named(site, error)):
                        continue
                    if paging and not self._narrow_retry(origins[origin].site, [error]):
                        # A paging loop that fails as a whole is all-or-nothing, an honest
                        # failure; it is cut short for nothing when a retry meant for the
                        # error lets it out at the first attempt.
                        continue
                    current = chosen.get(origin)
                    if current is None or current[0] > priority:
                        chosen[origin] = current = (priority, place, [])
                    if current[1] == place and error not in current[2]:
                        current[2].append(error)
        for origin_index, (_, place, errors) in sorted(chosen.items()):
            if errors:
                self._report(origins[origin_index], place, errors)

    def _site_places(self, flow: NetworkFlow, site: Site, places: dict[str, Place],
                     strict: bool) -> list[Place | None]:
        """Where an error leaving ``site`` hurts, by priority."""
        loop = None
        chosen_loop = site.loop or site.paging  # a paging loop counts for defeated retries only
        if chosen_loop is not None:
            owner = {MAIN_GUARD: 'the `if __name__ == "__main__"` block', MODULE: "module-level code"}.get(
                site.function, f"`{site.function}`")
            loop = Place(site.function, f"{chosen_loop.description} in {owner}", chosen_loop.effect)
        root = None
        if strict and _is_root(flow, site.function):
            where = "module-level code" if site.function == MODULE else f"`{site.function}`"
            root = Place(site.function, where, " to its callers")
        entry = places.get(site.function)
        if entry is not None and entry.one_shot and not strict:
            entry = None  # a traceback ending a one-shot command is honest: only a cut-short loop hurts there
        # A retry whose clause is narrower than the call's errors: meant to handle them, it
        # lets the others out at the first attempt, whoever the callers are.
        retry = Place(site.function, "", _TO_CALLERS) if site.retrying else None
        return [entry, loop, root, retry]

    def _report(self, origin: Origin, place: Place, errors: list[str]) -> None:
        site: Site = origin.site
        net = site.network
        related: list[tuple[object, str]] = []
        if net is not None:
            call, summaries, fix = net.label, (net.family.errors, net.errors, net.family.summary,
                                               net.family.untimed_summary), net.family.fix
            if net.instance is not None and net.instance.origin is not None:  # a client of another file
                related.append((net.instance.origin, f"the {net.instance.type} object comes from here"))
        else:  # a function of another project file lets the error out
            assert site.external is not None
            first = next(item for item, error in site.external.escapes if error in errors)
            call, failing = failing_elsewhere(site.node.func, site.external, self._shown, errors)
            summaries = (first.family_errors, first.errors, first.summary, first.untimed_summary)
            fix = first.fix
            related.extend(failing)
        family_errors, call_errors, summary, untimed_summary = summaries
        if set(errors) >= set(family_errors):
            what, escapes = summary, "escapes"
        elif set(errors) >= set(call_errors):  # no timeout set: no timeout error to name
            what, escapes = untimed_summary, "escapes"
        else:
            what, escapes = " and ".join(errors), "escapes" if len(errors) == 1 else "escape"
        where = place.where
        narrow = self._narrow_retry(site, errors)
        if narrow:
            owner = f" in `{site.function}`" if site.function not in (MODULE, MAIN_GUARD) else ""
            retry = f"the retry{owner} at its first attempt (`except {narrow}` retries nothing else)"
            if not where:
                where = retry
            else:
                where = f"{retry} into {where}" if site.function != place.function else f"{retry} and {where}"
        elif site.function != place.function:
            where = f"`{site.function}` into {where}" if site.function not in (MODULE, MAIN_GUARD) else where
        self.report("AL201", site.node, related, statement=site.statement, function=site.function,
                    call=call, what=what, escapes=escapes, where=where, effect=place.effect, fix=fix)

    def _narrow_retry(self, site: Site, errors: list[str]) -> str:
        """In a retry loop, the handling clause that retries some of the call's errors but
        not ``errors`` (``except requests.Timeout`` around a GET): its classes as written,
        or "" when the call is not retried that way."""
        if not site.retrying:
            return ""
        knowledge = self.catalog.network
        for clause in site.clauses:
            if not clause.catches or not retries(clause):
                continue
            # Classes the catalog knows (requests.Timeout, httpx.HTTPStatusError) that let
            # ``errors`` through: the retry handles those only.
            names = [spelled(name) for name in clause.catches]
            if all(knowledge.known(name) for name in names) and not any(
                    clause.catches_class(knowledge, error) for error in errors):
                return names[0] if len(names) == 1 else f"({', '.join(names)})"
        return ""

    def _named(self, site: Site, error: str) -> bool:
        """A clause around the call names the error's class and re-raises it (``except
        httpx.RequestError: raise``): letting it out is what the author chose."""
        return any(clause.transparent and clause.catches is not None and clause.catches_class(self.catalog.network, error)
                   for clause in site.clauses)

    def _shown(self, path: str) -> str:
        project = self.state.project
        return project.shown(path) if project is not None else path


_TO_CALLERS = ", out to its callers"


def _is_root(flow: NetworkFlow, function: str) -> bool:
    """No same-module code calls it: whoever calls it is outside this module."""
    if function == MODULE:
        return True
    return not any(site.callee == function for site in flow.sites)
