"""AL301 missing-timeout and AL302 timeout-disabled.

Which calls can block, where their timeout goes and what the default means all come from
the catalog (``rules/*.toml``); this module only reads a call's arguments against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..catalog import TimeoutSpec
from ..resolve import Instance, dotted_name
from .base import Check


@dataclass(frozen=True)
class _Unknown:
    """An argument list that may carry the timeout alint cannot see (``*args``, ``**kw``)."""


UNKNOWN = _Unknown()


def timeout_argument(call: cst.Call, keyword: str, position: int | None) -> cst.BaseExpression | _Unknown | None:
    """The expression passed as the timeout, UNKNOWN if it may be hidden, None if absent."""
    positional = 0
    hidden = False
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
            continue
        if arg.star == "**":
            hidden = True
        elif arg.star == "*":
            # Everything from here on may land anywhere, the timeout's position included.
            if position is not None and positional <= position:
                hidden = True
        else:
            if position is not None and positional == position:
                return arg.value
            positional += 1
    return UNKNOWN if hidden else None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_infinite(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call) and dotted_name(node.func) == ["float"] and len(node.args) == 1:
        value = node.args[0].value
        return isinstance(value, cst.SimpleString) and value.evaluated_value.strip().lower() in {"inf", "infinity", "+inf"}
    return dotted_name(node) == ["math", "inf"]


def unbounded_phases(value: cst.BaseExpression, spec: TimeoutSpec) -> str | None:
    """Which phase a timeout value leaves unbounded, or None when it is bounded or unknown."""
    if _is_none(value) or _is_infinite(value):
        return spec.phase
    if isinstance(value, cst.Tuple) and spec.tuple_phases and len(value.elements) == len(spec.tuple_phases):
        open_phases = [phase for phase, element in zip(spec.tuple_phases, value.elements)
                       if _is_none(element.value) or _is_infinite(element.value)]
        if open_phases:
            return " and ".join(open_phases) + " phase" if len(open_phases) < len(spec.tuple_phases) else spec.phase
    return None


class MissingTimeout(Check):
    rules = ("AL301", "AL302")

    def visit_Call(self, node: cst.Call) -> None:
        resolved = self.resolver.resolve(node.func)
        if resolved is None:
            return
        api = self.catalog.api(resolved.name)
        if api is None or api.timeout is None:
            return
        spec = api.timeout
        value = timeout_argument(node, spec.keyword, spec.position_for(self.state.settings.target_version))
        if isinstance(value, _Unknown):
            return
        if value is None:
            if not self._bounded_elsewhere(spec, resolved.instance):
                self.report("AL301", node, api=resolved.name, default=spec.default_text,
                            phase=spec.phase, fix=spec.fix or f"pass {spec.keyword}=...")
            return
        phase = unbounded_phases(value, spec)
        if phase is not None:
            self.report("AL302", node, api=resolved.name, phase=phase,
                        value=f"{spec.keyword}={self.state.module.code_for_node(value)}")

    def _bounded_elsewhere(self, spec: TimeoutSpec, instance: Instance | None) -> bool:
        """A missing timeout is fine when the default is bounded, a global one is set, or
        the client object carries one."""
        if spec.default == "bounded":
            return True
        if spec.default == "global" and self.state.global_socket_timeout_set():
            return True
        if instance is None:
            return False
        if instance.timeout_injected:
            return True
        client = instance.client
        if client.timeout_keyword is None:
            return False
        given = timeout_argument(instance.call, client.timeout_keyword, client.timeout_position)
        return given is not None and (isinstance(given, _Unknown) or unbounded_phases(given, spec) is None)



