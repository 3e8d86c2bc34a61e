"""The caller index: a parameter that every caller in the project passes the same catalogued
client is that client.

``def fetch(session, url): return session.get(url)`` tells nothing about ``session`` on its
own; when every call of ``fetch`` found in the project passes a ``requests.Session`` (made
in place, a module-level object of the caller's file or of a third one, a factory's result,
or a parameter of the caller that is itself such a client), ``session.get`` is that
client's call, with its constructor's timeout and options. The summaries hold the call
sites (``CallerFacts``); this module answers, over all of them, which parameters of a
file's module-level functions are typed so.

A parameter stays unknown, silently, when any call passes something else or nothing for it
(a default), when a call spreads ``*args``/``**kwargs``, when the function is used other
than by calling it (a callback, stored, listed in ``__all__``, its module imported with
``*``), when it has no call site or more than ``MAX_CALL_SITES``, when the clients passed
are of different kinds, and when the run does not look for the callers: only a run that
names a folder holding the file (``alint src/``) reads every file that may call it; callers
outside the folders a run names are not seen (``covers``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .summaries import CallSite, ClientMade, Node, PassedClient, Target

if TYPE_CHECKING:  # pragma: no cover
    from .summaries import Project

# Call sites considered per function: beyond this the parameter stays unknown.
MAX_CALL_SITES = 32
# Parameters passed on from caller to callee followed at most this deep.
MAX_PASSED_ON = 8

MODULE = "<module>"

Typed = tuple[tuple[str, str, ClientMade], ...]  # (function, parameter, the client), sorted


class CallerIndex:
    """Over a project's summaries: the call sites of each function and what they pass."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self._sites: dict[Node, list[tuple[str, CallSite]]] = {}
        self._handed: set[Node] = set()
        self._starred: set[str] = set()
        self._types: dict[tuple[Node, str], ClientMade | None] = {}
        self._covered: dict[str, bool] = {}
        self._build()

    def _build(self) -> None:
        summaries = self.project.summaries
        for path in sorted(summaries):
            facts = summaries[path].callers
            for site in facts.sites:
                node = self._node(path, site.callee)
                if node is not None:
                    self._sites.setdefault(node, []).append((path, site))
            for target in sorted(facts.handed_on, key=lambda item: (item.path, item.name)):
                node = self._node(path, target)
                if node is not None:
                    self._handed.add(node)
            for name in sorted(facts.exported):
                node = self._node(path, Target("", name))
                if node is not None:
                    self._handed.add(node)
            self._starred.update(facts.star_imports)

    def _node(self, path: str, target: Target) -> Node | None:
        return self.project.resolve(target if target.path else Target(path, target.name))

    # ------------------------------------------------------------------ answers
    def typed(self, path: str) -> Typed:
        """The parameters of ``path``'s module-level functions that the caller index types."""
        summary = self.project.summaries.get(path)
        if summary is None or not summary.callers.receivers or not self.covers(path):
            return ()
        found = []
        for qualname, parameters in summary.callers.receivers:
            for parameter in parameters:
                made = self._type((path, qualname), parameter, ())
                if made is not None:
                    found.append((qualname, parameter, made))
        return tuple(sorted(found, key=lambda item: (item[0], item[1])))

    def candidates(self) -> set[str]:
        """Files with a module-level function calling a method of a parameter: the callers
        of their functions are worth reading (``unseen``)."""
        return {path for path, summary in self.project.summaries.items()
                if summary.callers.receivers and self.covers(path)}

    def covers(self, path: str) -> bool:
        """Does the run look for the callers of the file's functions: is the file inside a
        folder the run names (``alint src/``: every file of ``src`` is read)? A run of single
        files (pre-commit's) sees only some callers, and types nothing."""
        if path not in self._covered:
            folders = tuple(getattr(self.project.index_for, "extra_roots", ()) or ())
            self._covered[path] = any(folder in Path(path).parents for folder in folders)
        return self._covered[path]

    # ------------------------------------------------------------------ one parameter
    def _type(self, node: Node, parameter: str, stack: tuple[tuple[Node, str], ...]) -> ClientMade | None:
        key = (node, parameter)
        if key in self._types:
            return self._types[key]
        if key in stack or len(stack) >= MAX_PASSED_ON:
            return None  # a cycle of parameters passed on, or too deep: unknown
        made = self._meet(node, parameter, (*stack, key))
        self._types[key] = made
        return made

    def _meet(self, node: Node, parameter: str, stack: tuple[tuple[Node, str], ...]) -> ClientMade | None:
        path, qualname = node
        summary = self.project.summaries.get(path)
        function = summary.functions.get(qualname) if summary is not None else None
        if function is None or "." in qualname or parameter not in function.parameters:
            return None
        if node in self._handed or path in self._starred or not self.covers(path):
            return None
        sites = self._sites.get(node, [])
        if not sites or len(sites) > MAX_CALL_SITES:
            return None
        position = function.parameters.index(parameter)
        found: list[ClientMade] = []
        for caller_path, site in sites:
            passed = _passed(site, position, parameter)
            made = self._client(caller_path, site, passed, stack) if passed is not None else None
            if made is None:
                return None
            found.append(made)
        return _same_kind(found)

    def _client(self, path: str, site: CallSite, passed: PassedClient,
                stack: tuple[tuple[Node, str], ...]) -> ClientMade | None:
        if passed.made is not None:
            return passed.made
        if passed.name is not None:
            made = self.project.client(passed.name)
            wanted = "factory" if passed.called else "object"
            return made if made is not None and made.kind == wanted else None
        if passed.parameter and site.caller != MODULE and "." not in site.caller:
            return self._type((path, site.caller), passed.parameter, stack)
        return None


def _passed(site: CallSite, position: int, parameter: str) -> PassedClient | None:
    """The client a call passes for the parameter at ``position``; None when it passes
    something else, nothing (the default), or may pass anything (``*args``, ``**kwargs``)."""
    if site.spread:
        return None
    slot: int | str
    if position < site.positional:
        slot = position
    elif parameter in site.keywords:
        slot = parameter
    else:
        return None
    return next((client for client in site.clients if client.slot == slot), None)


def _same_kind(found: list[ClientMade]) -> ClientMade | None:
    """One client for every call: the same constructor (and timeout injection) everywhere.
    Built the same way everywhere, it is that constructor call; otherwise its options are
    unknown (an object of that kind, its timeout not read)."""
    first = min(found, key=lambda made: (made.place.path, made.place.line, made.place.column, made.code))
    if any(made.constructor != first.constructor or made.timeout_injected != first.timeout_injected
           for made in found):
        return None
    if any(made.code != first.code for made in found):
        return ClientMade(first.constructor, f"{first.constructor}(**options)", first.place, "object",
                          first.timeout_injected)
    return ClientMade(first.constructor, first.code, first.place, "object", first.timeout_injected)


def unseen_callers(project: "Project", names: dict[str, list[Target]]) -> list[str]:
    """Files the run has no summary of (the pre-check skipped them; another shard reports
    them) whose imports (``names``, from a text scan; ``from m import *`` is all of ``m``)
    reach a file the caller index types parameters in: read for their summaries, so that
    their calls count."""
    index = CallerIndex(project)
    wanted = index.candidates()
    if not wanted:
        return []
    found = []
    for path in sorted(names):
        if path in project.summaries:
            continue
        for target in names[path]:
            node = project.resolve(target) if target.name else None
            if target.path in wanted or (node is not None and node[0] in wanted) or (
                    not target.name and Path(target.path).name == "__init__.py"):
                found.append(path)
                break
    return found
