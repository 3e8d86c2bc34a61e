"""AL201 unhandled-network-error: a network call whose errors escape where they hurt.

Where it hurts: a web handler (the user gets an HTTP 500), a CLI entry point or the
``__main__`` block (a traceback), a thread or task target (the error is lost), or a loop
over many items (one failure skips every remaining item). The error may get there
directly or through same-module functions that let it out. Library-style code, whose
caller decides, stays quiet unless the rule's ``strict`` option is set.

The flow is decided after the walk (``leave_Module``): every function's escaping
(origin, class) pairs are computed to a fixpoint over same-module calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .network_facts import MAIN_GUARD, MODULE, NetworkFlow, Origin, Site


@dataclass(frozen=True)
class _Context:
    """A place where an escaping error hurts."""

    function: str
    where: str
    effect: str
    # Exception classes a framework error handler registered in the module handles here.
    handled: tuple[str, ...] = ()


class UnhandledNetworkError(NetworkFlow):
    rules = ("AL201",)

    def leave_Module(self, node: cst.Module) -> None:
        origins, reaching = self.reaching_errors()
        if not origins:
            return
        contexts = self._contexts()
        strict = bool(self.option("AL201", "strict"))
        # origin index -> (priority, context, escaping classes): entry points first, then
        # loops, then (strict) library roots; in source order within a priority.
        chosen: dict[int, tuple[int, _Context, list[str]]] = {}
        for site, errors in reaching:
            uncaught = [escape for escape in sorted(errors) if self.uncaught(site.clauses, escape[1])]
            if not uncaught:
                continue
            for priority, context in enumerate(self._site_contexts(site, contexts, strict)):
                if context is None:
                    continue
                for origin, error in uncaught:
                    if any(self.knowledge.catches(name, error) for name in context.handled):
                        continue
                    current = chosen.get(origin)
                    if current is None or current[0] > priority:
                        chosen[origin] = current = (priority, context, [])
                    if current[1] == context and error not in current[2]:
                        current[2].append(error)
        for origin_index, (_, context, errors) in sorted(chosen.items()):
            if errors:
                self._report(origins[origin_index], context, errors)

    def _site_contexts(self, site: Site, contexts: dict[str, _Context], strict: bool) -> list[_Context | None]:
        """Where an error leaving ``site`` hurts, by priority."""
        loop = None
        if site.loop is not None:
            loop = _Context(site.function, f"{site.loop.description} in `{self._display(site.function)}`",
                            ", stopping it: one failed item skips all the remaining ones")
        root = None
        if strict and self._is_root(site.function):
            root = _Context(site.function, self._strict_where(site.function), " to its callers")
        return [contexts.get(site.function), loop, root]

    # ------------------------------------------------------------------ contexts
    def _contexts(self) -> dict[str, _Context]:
        contexts: dict[str, _Context] = {
            MAIN_GUARD: _Context(MAIN_GUARD, 'the `if __name__ == "__main__"` block',
                                 ", ending the program with a traceback")}
        for info in self.functions.values():
            entry = self.entry_point(info)
            if entry is not None:
                handled = tuple(self.registered_handlers(entry)) if entry.web else ()
                contexts[info.qualname] = _Context(info.qualname, f"the {entry.label} `{info.name}`",
                                                   entry.effect, handled)
        for spawned in self.spawned:
            if spawned.target in self.functions and self.imports_any(spawned.spawner.imports):
                contexts.setdefault(spawned.target, _Context(
                    spawned.target, f"the {spawned.spawner.label} `{self._display(spawned.target)}`",
                    spawned.spawner.effect))
        return contexts

    def _is_root(self, function: str) -> bool:
        """No same-module code calls it: whoever calls it is outside this module."""
        if function == MODULE:
            return True
        return not any(site.callee == function for site in self.sites)

    def _strict_where(self, function: str) -> str:
        return "module-level code" if function == MODULE else f"`{self._display(function)}`"

    @staticmethod
    def _display(qualname: str) -> str:
        return qualname

    # ------------------------------------------------------------------ message
    def _report(self, origin: Origin, context: _Context, errors: list[str]) -> None:
        site: Site = origin.site
        net = site.network
        assert net is not None
        family = net.family
        if set(errors) >= set(family.errors):
            what, escapes = family.summary, "escapes"
        elif set(errors) >= set(net.errors):  # no timeout set: no timeout error to name
            what, escapes = family.untimed_summary, "escapes"
        else:
            what, escapes = " and ".join(errors), "escapes" if len(errors) == 1 else "escape"
        where = context.where
        if site.function != context.function:
            where = f"`{self._display(site.function)}` into {where}" if site.function not in (MODULE, MAIN_GUARD) else where
        self.report("AL201", site.node, statement=site.statement, function=site.function,
                    call=net.label, what=what, escapes=escapes, where=where, effect=context.effect, fix=family.fix)
