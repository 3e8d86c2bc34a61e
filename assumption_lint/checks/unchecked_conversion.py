"""AL107 unchecked-conversion: ``int(request.args["page"])`` where a bad value escapes.

The ``ValueProvenance`` fact records every format-assuming call (``int``, ``float``,
``uuid.UUID``, ``fromisoformat``, ``json.loads``...) on a tracked value, with whether a
``try`` or a registered error handler covers it. This check reports those whose argument
comes from a web request or from local input (the command line, stdin, the environment)
with nothing ending the *format* assumption. Response bodies are AL203's.

Severity follows what the failure costs: a warning for request data (the view answers
500); for local input a note (the command stops with a traceback that names the value),
a warning inside a loop (one bad item stops the whole batch), and nothing at module level
(a configuration read that fails at startup, clearly). Values read from the deployment's
configuration (option ``configuration``: the environment) are not reported at all: a wrong
one fails the same way the first time it is read, which is how a misconfiguration shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ..facts.provenance import ValueProvenance
from ..facts.provenance_values import Origin
from .base import Check, call_words

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_KINDS = ("request", "local-input")
# What each conversion assumes the text is, and a value that breaks it.
_EXPECTS = {"int": ("a whole number", "'abc'"), "float": ("a number", "'abc'"), "complex": ("a number", "'abc'"),
            "Decimal": ("a number", "'abc'"), "Fraction": ("a number", "'abc'"), "UUID": ("a UUID", "'abc'"),
            "fromisoformat": ("an ISO date", "'tomorrow'"), "strptime": ("a date in that format", "'tomorrow'"),
            "ip_address": ("an IP address", "'localhost'"), "ip_network": ("a network", "'localhost'"),
            "loads": ("JSON", "an empty body"), "load": ("JSON", "an empty body")}


@dataclass
class _Site:
    node: cst.Call
    statement: cst.CSTNode | None
    function: str
    in_loop: bool


class UncheckedConversion(Check):
    rules = ("AL107",)
    needs = (ValueProvenance,)
    project_reads = frozenset(_KINDS)
    triggers = ("flask", "django", "fastapi", "starlette", "quart", "rest_framework", "argparse", "click",
                "typer")

    @classmethod
    def required_words(cls, catalog) -> frozenset[str]:  # type: ignore[no-untyped-def]
        # It reports only at a conversion's call (facts/provenance.py: a `conversion` validator).
        return frozenset(word for validator in catalog.sources.validators if validator.form == "conversion"
                         for word in call_words(validator.names, validator.imports))

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        self.sites: list[_Site] = []

    def visit_Call(self, node: cst.Call) -> None:
        # The fact has seen this call already; whether an error handler covers it is
        # known only after the walk, so the decision waits for leave_Module.
        if self.prov.conversion(node) is None:
            return
        function = self.ctx.function.qualname if self.ctx.function else "<module>"
        self.sites.append(_Site(node, self.ctx.statement, function,
                                any(isinstance(loop, cst.For) for loop in self.ctx.loops_in_function())))

    def leave_Module(self, node: cst.Module) -> None:
        configuration = frozenset(self.option("AL107", "configuration") or ())
        for site in self.sites:
            conversion = self.prov.conversion(site.node)
            if conversion is None or conversion.handled_by is not None:
                continue
            unvalidated = conversion.argument.unvalidated("format", kinds=_KINDS)
            if not unvalidated:
                continue
            unvalidated = tuple(origin for origin in unvalidated if origin.api not in configuration)
            if not unvalidated:
                continue
            origin = unvalidated[0]
            severity = self._severity(origin, site)
            if severity is None:
                continue
            self._report(site, origin, conversion.api, conversion.raises[0], conversion.framework, severity)

    @staticmethod
    def _severity(origin: Origin, site: _Site) -> str | None:
        if origin.kind == "request":
            return "warning"
        if site.function == "<module>":
            return None  # a configuration read at import: it fails at startup, and says so
        return "warning" if site.in_loop else "note"

    def _report(self, site: _Site, origin: Origin, api: str, error: str, framework: str | None,
                severity: str) -> None:
        short = api.rsplit(".", 1)[-1]
        expects, example = _EXPECTS.get(short, ("in the right format", "a malformed value"))
        argument = site.node.args[0].value if site.node.args else site.node
        if origin.kind == "request":
            outcome = f"the {framework or 'view'} answers 500"
            remedy = f"catch {error} (answer 400) or let the framework parse it"
        else:
            outcome = "one bad item stops the whole loop" if site.in_loop else "the program stops with a traceback"
            remedy = f"catch {error} and say which value is wrong, or parse it where it is read (argparse type=)"
        self.report("AL107", site.node, origin.notes(), statement=site.statement, function=site.function,
                    severity=severity, value=_shortened(self.state.module.code_for_node(argument)),
                    source=origin.label, expects=expects, api=f"{api}()", error=error.rsplit(".", 1)[-1],
                    example=example, outcome=outcome, remedy=remedy)


def _shortened(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
