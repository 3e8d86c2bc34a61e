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

from .network_facts import MAIN_GUARD, MODULE, Escape, FunctionInfo, NetworkFlow, Origin, Site


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
        self.resolve_callees()
        origins = self.origins()
        if not origins:
            return
        index_of = {id(origin.site): index for index, origin in enumerate(origins)}
        escapes = self.escapes(origins)
        contexts = self._contexts()
        strict = bool(self.option("AL201", "strict", False))
        # origin index -> (context, escaping classes), first found wins
        chosen: dict[int, tuple[_Context, list[str]]] = {}

        def hurt(context: _Context, escape: Escape) -> None:
            origin, error = escape
            if any(self.knowledge.catches(name, error) for name in context.handled):
                return
            current = chosen.setdefault(origin, (context, []))
            if current[0] == context and error not in current[1]:
                current[1].append(error)

        for site in self.sites:
            errors = self.site_errors(site, index_of, escapes)
            uncaught = [escape for escape in sorted(errors) if self.uncaught(site.clauses, escape[1])]
            if not uncaught:
                continue
            context = contexts.get(site.function)
            if context is None and strict and self._is_root(site.function):
                context = _Context(site.function, self._strict_where(site.function), "to its callers")
            if context is None and site.loop is not None:
                context = _Context(site.function, f"{site.loop.description} in `{self._display(site.function)}`",
                                   "and stops it: one failed item skips all the remaining ones")
            if context is None:
                continue
            for escape in uncaught:
                hurt(context, escape)
        for origin_index, (context, errors) in sorted(chosen.items()):
            if errors:
                self._report(origins[origin_index], context, errors)

    # ------------------------------------------------------------------ contexts
    def _contexts(self) -> dict[str, _Context]:
        contexts: dict[str, _Context] = {
            MAIN_GUARD: _Context(MAIN_GUARD, 'the `if __name__ == "__main__"` block',
                                 "and ends the program with a traceback")}
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
            what = "a connection error or timeout"
        else:
            what = " and ".join(errors)
        where = context.where
        if site.function != context.function:
            where = f"`{self._display(site.function)}` into {where}" if site.function not in (MODULE, MAIN_GUARD) else where
        self.report("AL201", site.node, statement=site.statement, function=site.function,
                    call=net.label, what=what, where=where, effect=context.effect, fix=family.fix)


def function_info(flow: NetworkFlow, qualname: str) -> FunctionInfo | None:
    return flow.functions.get(qualname)
