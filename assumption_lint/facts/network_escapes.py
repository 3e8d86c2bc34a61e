"""The network flow's questions after the walk: which network errors escape each function
(through same-module calls, past the except clauses around each call), and where an
escaping error hurts (entry points, the ``__main__`` block, spawned thread and task targets)."""

from __future__ import annotations

from typing import Iterable, Sequence

import libcst as cst

from ..catalog import EntryPoint, NetworkKnowledge
from .fixpoint import propagate
from .handlers import Clause, first_catching
from .network_sites import MAIN_GUARD, Escape, FunctionInfo, Origin, Place, Site, SpawnedTarget
from .syntax import shape_matches


class EscapeQueries:
    """Mixed into NetworkFlow: read what its walk collected."""

    knowledge: NetworkKnowledge
    module: cst.Module
    functions: dict[str, FunctionInfo]
    sites: list[Site]
    spawned: list[SpawnedTarget]
    handler_registrations: list[tuple[str, tuple[str, ...]]]
    _reaching: tuple[list[Origin], list[tuple[Site, set[Escape]]]] | None

    def imports_any(self, modules: Iterable[str]) -> bool:
        raise NotImplementedError

    def origins(self) -> list[Origin]:
        return [Origin(site, site.raises) for site in self.sites if site.raises]

    def reaching_errors(self) -> tuple[list[Origin], list[tuple[Site, set[Escape]]]]:
        """After the walk: the network origins, and for every call site the (origin index,
        class) pairs that can leave it, directly or through same-module calls. No origins,
        no sites: nothing in the module can raise a network error. Computed once, for
        every check that asks."""
        if self._reaching is None:
            origins = self.origins()
            if not origins:
                self._reaching = (origins, [])
            else:
                index_of = {id(origin.site): index for index, origin in enumerate(origins)}
                escapes = self.escapes(origins)
                self._reaching = (origins, [(site, self.site_errors(site, index_of, escapes)) for site in self.sites])
        return self._reaching

    def escapes(self, origins: list[Origin]) -> dict[str, set[Escape]]:
        """Per function: the (origin, class) pairs that leave it, through same-module calls
        not inside a clause that catches the class."""
        index_of = {id(origin.site): index for index, origin in enumerate(origins)}
        start: dict[str, set[Escape]] = {}
        for site in self.sites:
            if site.raises:
                start.setdefault(site.function, set()).update(
                    escape for escape in self.site_errors(site, index_of, {})
                    if self.uncaught(site.clauses, escape[1]))
        calls = [(site.function, site.callee, site) for site in self.sites
                 if not site.raises and site.callee is not None]
        return propagate(start, calls, lambda site, escape: self.uncaught(site.clauses, escape[1]))

    def site_errors(self, site: Site, index_of: dict[int, int], escapes: dict[str, set[Escape]]) -> set[Escape]:
        if site.raises:
            origin = index_of[id(site)]
            return {(origin, error) for error in site.raises}
        if site.callee is not None:
            return set(escapes.get(site.callee, ()))
        return set()

    def uncaught(self, clauses: Sequence[Clause], raised: str) -> bool:
        return first_catching(clauses, self.knowledge, raised) is None

    def entry_point(self, info: FunctionInfo) -> EntryPoint | None:
        for entry in self.knowledge.entry_points:
            if info.name in entry.names and not info.nested and not info.class_name:
                return entry
            if not self.imports_any(entry.imports) or not entry.imports:
                continue
            if any(shape_matches(pattern, decorator) for pattern in entry.decorators
                   for decorator in info.decorators):
                return entry
            if (entry.first_parameter and not info.class_name and not info.nested
                    and info.first_parameter == entry.first_parameter):
                return entry
            if (info.class_name and info.name in entry.methods
                    and any(base.rsplit(".", 1)[-1].endswith(suffix) for base in info.class_bases
                            for suffix in entry.base_classes)):
                return entry
        return None

    def harmful_places(self) -> dict[str, Place]:
        """By function qualname: where an error escaping that function hurts (AL201, AL203)."""
        places: dict[str, Place] = {
            MAIN_GUARD: Place(MAIN_GUARD, 'the `if __name__ == "__main__"` block', ", ending the program with a traceback",
                              one_shot=True)}
        for info in self.functions.values():
            entry = self.entry_point(info)
            if entry is not None:
                handled = tuple(self.registered_handlers(entry)) if entry.web else ()
                places[info.qualname] = Place(info.qualname, f"the {entry.label} `{info.name}`", entry.effect, handled,
                                              entry.one_shot)
        for spawned in self.spawned:
            if spawned.target in self.functions and self.imports_any(spawned.spawner.imports):
                places.setdefault(spawned.target, Place(
                    spawned.target, f"the {spawned.spawner.label} `{spawned.target}`", spawned.spawner.effect,
                    one_shot=spawned.spawner.one_shot))
        return places

    def registered_handlers(self, entry: EntryPoint) -> list[str]:
        """Exception classes a framework error handler in this module handles for ``entry``."""
        classes: list[str] = []
        for registration in self.knowledge.error_handlers:
            if entry.label not in registration.covers or not self.imports_any(registration.imports):
                continue
            for shape, caught in self.handler_registrations:
                if any(shape_matches(pattern, shape) for pattern in registration.decorators + registration.calls):
                    classes.extend(caught)
        return classes
