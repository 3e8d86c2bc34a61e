"""AL301 missing-timeout and AL302 timeout-disabled.

Which calls can block, where their timeout goes and what the default means all come from
the catalog (``rules/*.toml``); this module only reads a call's arguments against it.

A call may take several timeouts, one per phase (PyMySQL's ``read_timeout``, ldap3's
``receive_timeout``...). Each is judged on its own; the call gets at most one AL301 (the
phases left to an unbounded default) and one AL302 (the phases explicitly disabled).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

import libcst as cst

from ..catalog import TimeoutSpec
from ..fixes import SAFE, UNSAFE, Fix, SetArgument
from ..facts.arguments import HIDDEN, Hidden, argument, is_none
from ..facts.dict_literals import DictLiterals
from ..facts.syntax import literal_value, module_level_calls
from ..resolve import Instance, Resolved, dotted_name
from ..facts.reachability import Reachability
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState


def _is_infinite(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call) and dotted_name(node.func) == ["float"] and len(node.args) == 1:
        value = node.args[0].value
        return isinstance(value, cst.SimpleString) and str(literal_value(value) or "").strip().lower() in {"inf", "infinity", "+inf"}
    return dotted_name(node) == ["math", "inf"]


def _is_zero(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) and float(node.value.replace("_", "")) == 0


_VALUE_TESTS = {"None": is_none, "inf": _is_infinite, "0": _is_zero}


def _matches(node: cst.BaseExpression, values: tuple[str, ...]) -> bool:
    return any(_VALUE_TESTS[value](node) for value in values)


def unbounded_phases(value: cst.BaseExpression, spec: TimeoutSpec,
                     open_in_object: Callable[[cst.Call], str | None] | None = None) -> str | None:
    """Which phase a timeout value leaves unbounded, or None when it is bounded or unknown.
    ``open_in_object`` says the same for a timeout object (``httpx.Timeout(...)``)."""
    if _matches(value, spec.disabled_values):
        return spec.phase
    if isinstance(value, cst.Call) and open_in_object is not None:
        return open_in_object(value)
    if isinstance(value, cst.Tuple) and spec.tuple_phases and len(value.elements) == len(spec.tuple_phases):
        open_phases = [phase for phase, element in zip(spec.tuple_phases, value.elements)
                       if _matches(element.value, spec.disabled_values)]
        if open_phases:
            return " and ".join(open_phases) + " phase" if len(open_phases) < len(spec.tuple_phases) else spec.phase
    return None


def _literal_text(node: cst.BaseExpression) -> str | None:
    """The text of a string literal; an f-string's literal parts (its holes stay empty)."""
    if isinstance(node, cst.SimpleString):
        return str(literal_value(node) or "")
    if isinstance(node, cst.ConcatenatedString):
        left, right = _literal_text(node.left), _literal_text(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.FormattedString):
        return "".join(part.value if isinstance(part, cst.FormattedStringText) else " "
                       for part in node.parts)
    return None


@dataclass(frozen=True)
class _Verdict:
    """How one timeout of one call stands."""

    kind: str  # "bounded" | "unknown" | "missing" | "disabled"
    spec: TimeoutSpec
    phase: str = ""
    value: str = ""
    related: cst.CSTNode | None = None
    # Set when the verdict comes from a client object's own timeout (report once per object).
    client_call: cst.Call | None = None
    # The call that lacks the timeout (the client's constructor when the object's timeout
    # is missing): where a fix adds it.
    lacking: cst.Call | None = None


class MissingTimeout(Check):
    rules = ("AL301", "AL302")
    # Client objects, factories and client classes imported from other project files.
    project_reads = frozenset({"clients"})
    needs = (Reachability, DictLiterals)  # Reachability: no findings in code nothing runs

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        # Client objects already reported: one finding per object whose own timeout is unset.
        self._reported_clients: set[int] = set()
        self._setters: dict[str, bool] = {}
        # Client constructors that disable the object's timeout, reported at the constructor
        # when no call in this file uses the object (it is used elsewhere, or returned).
        self._disabled_clients: dict[int, tuple[cst.Call, str, _Verdict, cst.CSTNode | None, str]] = {}
        self._used_clients: set[int] = set()
        # Constructors given `**options`: the timeout the dict literal passes (None: none,
        # HIDDEN: unknown), read at the constructor, where the literal's scope is.
        self._spread: dict[int, cst.BaseExpression | Hidden | None] = {}

    def visit_Call(self, node: cst.Call) -> None:
        resolved = self.resolver.resolve(node.func)
        if resolved is not None and resolved.instance is None:
            self._note_constructor(node, resolved.name)
        elif resolved is not None and resolved.instance is not None:
            self._used_clients.add(id(resolved.instance.call))  # judged at its calls here
        nested = False
        if resolved is None and isinstance(node.func, cst.Attribute):
            # `stub.GetStock.with_call(req)`: a method of an object's method.
            inner = self.resolver.resolve(node.func.value)
            if inner is None or inner.instance is None:
                return
            resolved, nested = Resolved(f"{inner.name}.{node.func.attr.value}", inner.instance), True
        if resolved is None:
            return
        api = self.catalog.find_api(resolved.name, nested)
        if api is None or not (api.timeouts or api.timeout):
            return
        verdicts = [self._judge(node, spec, resolved.instance) for spec in (api.timeouts or (api.timeout,))]
        self._report_missing(node, resolved.name, [v for v in verdicts if v.kind == "missing"], resolved.instance)
        self._report_disabled(node, resolved.name, [v for v in verdicts if v.kind == "disabled"], resolved.instance)

    def _note_constructor(self, node: cst.Call, name: str) -> None:
        client = self.catalog.client(name)
        if client is None or client.timeout is None:
            return
        value = self._argument(node, client.timeout)
        if isinstance(value, Hidden) and client.timeout.keywords:
            # `httpx.Client(**OPTS)` with OPTS an unchanged dict literal: what it passes,
            # kept for the object's calls (judged where the object is used, in another scope).
            value = self.fact(DictLiterals).keyword(node, client.timeout.keywords)
            self._spread[id(node)] = value
        if value is None or isinstance(value, Hidden):
            return
        verdict = self._judge_value(value, client.timeout, node)
        if verdict.kind == "disabled":
            function = self.ctx.function.qualname if self.ctx.function else "<module>"
            self._disabled_clients[id(node)] = (node, name, verdict, self.ctx.statement, function)

    def leave_Module(self, node: cst.Module) -> None:
        for key, (call, name, verdict, statement, function) in self._disabled_clients.items():
            if key in self._used_clients:
                continue
            self.report("AL302", call, statement=statement, function=function,
                        api=f"every call on this {name} object", phase=verdict.phase, value=verdict.value,
                        fix=verdict.spec.fix or f"pass a finite {verdict.spec.keyword or 'timeout'}")

    # ------------------------------------------------------------------ reporting
    def _report_missing(self, node: cst.Call, api: str, verdicts: list[_Verdict],
                        instance: Instance | None = None) -> None:
        verdicts = [v for v in verdicts if v.client_call is None or id(v.client_call) not in self._reported_clients]
        if not verdicts:
            return
        self._reported_clients.update(id(v.client_call) for v in verdicts if v.client_call is not None)
        # A constructor reported here (ftplib.FTP(host)) is not reported again at the first
        # call that relies on the object's timeout.
        self._reported_clients.add(id(node))
        related = [(v.related, "the object is created here without a timeout") for v in verdicts
                   if v.related is not None and v.related is not node]
        if instance is not None and instance.origin is not None and not related:
            related = [(instance.origin, f"the {instance.type} object comes from here")]  # type: ignore[list-item]
        advice = _join(v.spec.fix or f"pass {v.spec.keyword}=..." for v in verdicts)
        self.report("AL301", node, related,
                    api=api, default=_join(v.spec.default_text for v in verdicts),
                    phase=_join_phases(v.spec.phase for v in verdicts),
                    fix=self._fix(verdicts, advice) or advice)

    def _fix(self, verdicts: list[_Verdict], advice: str) -> Fix | None:
        """Add each missing timeout with the catalog's value for it (``fix-value``), when
        every one has a value and a call to go on; unsafe when any bound can also cut off a
        slow success (``fix-unsafe``)."""
        seconds = self.state.settings.fix_timeout
        edits: list[SetArgument] = []
        added, notes, unsafe = [], [], False
        for verdict in verdicts:
            value = verdict.spec.fix_argument(seconds)
            if value is None or verdict.lacking is None:
                return None
            if any(edit.node is verdict.lacking and edit.keyword == verdict.spec.keyword for edit in edits):
                continue
            position = verdict.spec.position_for(self.state.settings.target_version)
            edits.append(SetArgument(verdict.lacking, verdict.spec.keyword, value, position))
            added.append(f"{verdict.spec.keyword}={value}")
            notes.extend(note for note in (verdict.spec.fix_note, verdict.spec.fix_unsafe) if note)
            unsafe = unsafe or bool(verdict.spec.fix_unsafe)
        where = " to the constructor" if verdicts[0].client_call is not None else ""
        description = "; ".join([f"pass {' and '.join(added)}{where}", *dict.fromkeys(notes)])
        return Fix(description, tuple(edits), UNSAFE if unsafe else SAFE, advice=advice)

    def _report_disabled(self, node: cst.Call, api: str, verdicts: list[_Verdict],
                         instance: Instance | None = None) -> None:
        if not verdicts:
            return
        related = [(v.related, "the timeout is disabled here") for v in verdicts
                   if v.related is not None and v.related is not node]
        if instance is not None and instance.origin is not None and not related:
            related = [(instance.origin, f"the {instance.type} object comes from here")]  # type: ignore[list-item]
        self.report("AL302", node, related, api=api, phase=_join_phases(v.phase for v in verdicts),
                    value=_join((v.value for v in verdicts), ", "),
                    fix=_join(v.spec.fix or f"pass a finite {v.spec.keyword or 'timeout'}" for v in verdicts))

    # ------------------------------------------------------------------ judging
    def _judge(self, call: cst.Call, spec: TimeoutSpec, instance: Instance | None) -> _Verdict:
        if spec.connects_with is not None and not self._connects(call, spec.connects_with):
            return _Verdict("unknown", spec)
        value = self._argument(call, spec)
        if isinstance(value, Hidden) and spec.keywords:
            # `requests.get(url, **opts)` with `opts` an unchanged dict literal: what it passes.
            value = self.fact(DictLiterals).keyword(call, spec.keywords)
        if isinstance(value, Hidden):
            return _Verdict("unknown", spec)
        if value is not None:
            return self._judge_value(value, spec, call)
        in_string = self._judge_string(call, spec)
        if in_string is not None:
            return in_string
        return self._judge_default(spec, instance, call)

    @staticmethod
    def _connects(call: cst.Call, where: tuple[str, int | None]) -> bool:
        """Does the call get the argument that makes it connect (a non-empty host)?"""
        value = argument(call, where[0], where[1])
        if value is None:
            return False
        return not (isinstance(value, cst.SimpleString) and literal_value(value) in ("", b""))

    def _argument(self, call: cst.Call, spec: TimeoutSpec) -> cst.BaseExpression | Hidden | None:
        if not spec.keywords:
            # No timeout parameter at all: only **kwargs could hide something relevant.
            return HIDDEN if any(arg.star == "**" for arg in call.args) else None
        value = argument(call, spec.keywords, spec.position_for(self.state.settings.target_version))
        if isinstance(value, cst.BaseExpression) and _matches(value, spec.default_values):
            return None  # e.g. imaplib's timeout=None: the (unbounded) global default
        return value

    def _judge_value(self, value: cst.BaseExpression, spec: TimeoutSpec, where: cst.CSTNode,
                     owner: str = "") -> _Verdict:
        phase = unbounded_phases(value, spec, lambda call: self._disabled_object(call, spec))
        if phase is None:
            return _Verdict("bounded", spec)
        keyword = spec.keyword or "timeout"
        text = f"{keyword}={self.state.module.code_for_node(value)}" + (f" on {owner}" if owner else "")
        return _Verdict("disabled", spec, phase, text, related=where)

    def _disabled_object(self, call: cst.Call, spec: TimeoutSpec) -> str | None:
        """The phases a timeout object leaves open: all of them when every argument is None
        (``httpx.Timeout(None)``, ``aiohttp.ClientTimeout(total=None)``); with
        ``object-phases``, those set to None or left to a None first argument
        (``httpx.Timeout(10, read=None)``: the read phase)."""
        if not spec.timeout_objects:
            return None
        resolved = self.resolver.resolve(call.func)
        if resolved is None or resolved.name not in spec.timeout_objects:
            return None
        if any(arg.star for arg in call.args):
            return None
        if all(is_none(arg.value) for arg in call.args):
            return spec.phase
        if not spec.object_phases:
            return None
        given = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        positional = [arg.value for arg in call.args if arg.keyword is None]
        default = positional[0] if positional else None
        open_phases = []
        for phase in spec.object_phases:
            value = given.get(phase, default)
            if value is not None and is_none(value):
                open_phases.append(phase)
        return _join_phases(f"{phase} phase" for phase in open_phases) or None

    def _judge_string(self, call: cst.Call, spec: TimeoutSpec) -> _Verdict | None:
        """A DSN or URI argument (``"dbname=app connect_timeout=5"``, ``"mongodb://h/?socketTimeoutMS=5000"``)."""
        if spec.string_keyword is None and spec.string_position is None:
            return None
        given = argument(call, spec.string_keyword or "", spec.string_position)
        if given is None:
            return None
        if isinstance(given, Hidden):
            return _Verdict("unknown", spec)
        text = _literal_text(given)
        if text is None:
            return _Verdict("unknown", spec)  # a variable: it may well hold the timeout
        for keyword in spec.keywords:
            match = re.search(rf"(?:^|[\s?&;]){re.escape(keyword)}\s*=\s*([^\s&;]*)", text, re.IGNORECASE)
            if match:
                if "0" in spec.disabled_values and re.fullmatch(r"0+(\.0*)?", match.group(1)):
                    return _Verdict("disabled", spec, spec.phase, f"{keyword}={match.group(1)} in the connection string")
                return _Verdict("bounded", spec)
        return None

    def _judge_default(self, spec: TimeoutSpec, instance: Instance | None, call: cst.Call) -> _Verdict:
        if instance is not None and spec.default != "client":
            # A Session subclass or mounted adapter that injects a timeout covers the call.
            if instance.timeout_injected:
                return _Verdict("bounded", spec)
            if instance.client.timeout is None and instance.client.timeout_keyword is not None:
                return self._legacy_client(instance, spec)
        if spec.default == "bounded":
            return _Verdict("bounded", spec)
        if spec.default == "global":
            if self._global_set(spec.global_setter):
                return _Verdict("bounded", spec)
            return _Verdict("missing", spec, lacking=call)
        if spec.default == "client":
            return self._judge_client(instance, spec)
        return _Verdict("missing", spec, lacking=call)

    def _judge_client(self, instance: Instance | None, method_spec: TimeoutSpec) -> _Verdict:
        """A method that uses its object's timeout: judge the constructor's arguments."""
        if instance is None or instance.timeout_injected:
            return _Verdict("unknown", method_spec)
        client = instance.client
        spec = client.timeout
        if spec is None:
            return self._legacy_client(instance, method_spec)
        value = self._argument(instance.call, spec)
        if isinstance(value, Hidden):
            value = self._spread.get(id(instance.call), HIDDEN)
        if isinstance(value, Hidden):
            return _Verdict("unknown", spec)
        # An object built in another project file: a timeout its constructor is given is
        # judged there (AL302 at that constructor); a missing one is named there (the related
        # place) and fixed there.
        foreign = instance.place is not None
        where = instance.place if foreign else instance.call
        if value is not None:
            if foreign:
                return _Verdict("unknown", spec)
            verdict = self._judge_value(value, spec, instance.call, owner=f"the {instance.type} object")
            return _Verdict(verdict.kind, verdict.spec, verdict.phase, verdict.value, where)  # type: ignore[arg-type]
        verdict = self._judge_default(spec, None, instance.call)
        if verdict.kind == "missing":
            return _Verdict("missing", spec, related=where, client_call=instance.call,  # type: ignore[arg-type]
                            lacking=None if foreign else verdict.lacking)
        return verdict

    def _legacy_client(self, instance: Instance, spec: TimeoutSpec) -> _Verdict:
        """Clients that only name their constructor's timeout keyword (``timeout-keyword``)."""
        client = instance.client
        if client.timeout_keyword is None:
            return _Verdict("unknown", spec)
        given = argument(instance.call, client.timeout_keyword, client.timeout_position)
        if given is None:
            return _Verdict("missing", spec)
        if isinstance(given, Hidden) or unbounded_phases(given, spec) is None:
            return _Verdict("bounded", spec)
        return _Verdict("unknown", spec)

    def _global_set(self, setter: str) -> bool:
        if setter not in self._setters:
            # Set in this module, or in another module of its package (a CLI's main()).
            self._setters[setter] = (self._module_sets(setter)
                                     or self.state.settings.package.sets_global(self.state.source or self.state.path, setter))
        return self._setters[setter]

    def _module_sets(self, setter: str) -> bool:
        """Module-level code calls ``setter`` with an argument other than None."""
        return any(
            (resolved := self.resolver.resolve(call.func)) is not None and resolved.name == setter
            and bool(call.args) and not is_none(call.args[0].value)
            for call in module_level_calls(self.state.module))


def _join(texts: Iterable[str], separator: str = "; ") -> str:
    unique: list[str] = []
    for text in texts:
        if text and text not in unique:
            unique.append(text)
    return separator.join(unique)


def _join_phases(phases: Iterable[str]) -> str:
    """``["connect phase", "read phase"]`` -> ``"connect and read phases"``."""
    unique: list[str] = []
    for phase in phases:
        if phase and phase not in unique:
            unique.append(phase)
    if len(unique) > 1 and all(phase.endswith(" phase") for phase in unique):
        names = [phase[: -len(" phase")] for phase in unique]
        return ", ".join(names[:-1]) + " and " + names[-1] + " phases"
    return " and ".join(unique)

