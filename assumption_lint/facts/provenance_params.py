"""Framework parameters: what a route's, a view's or a command's parameters hold, from the
decorators, the route string and the annotations (``[[parameters]]`` in rules/sources.toml),
and what argparse's ``add_argument`` and click's options validate."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

import libcst as cst

from ..catalog.sources import FrameworkParameters, imported
from .syntax import literal_value
from .provenance_eval import Value, access_key
from .provenance_tables import decorator_matches
from .provenance_values import EMPTY, Origins, source

if TYPE_CHECKING:
    from .provenance import ValueProvenance

_ROUTE_VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_UNTRUSTED = frozenset({"str", "bytes", "dict", "object", "typing.Any", "typing.Dict", "typing.Mapping",
                        "typing.AnyStr", "builtins.str"})
_OPTIONAL = frozenset({"typing.Optional", "Optional"})
_UNION = frozenset({"typing.Union", "Union"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated", "Annotated"})
_COLLECTIONS = frozenset({"list", "set", "frozenset", "tuple", "typing.List", "typing.Set", "typing.Tuple",
                          "typing.Sequence", "typing.Iterable", "typing.FrozenSet", "collections.abc.Sequence"})
_LITERAL = frozenset({"typing.Literal", "typing_extensions.Literal", "Literal"})
_DEPENDENCIES = ("Depends", "Security", "BackgroundTasks")
_FLAG_ACTIONS = frozenset({"store_true", "store_false", "count", "store_const", "version", "help"})


def _parameters(node: cst.FunctionDef) -> list[cst.Param]:
    params = node.params
    return list(params.posonly_params) + list(params.params) + list(params.kwonly_params)


def framework_for(fact: "ValueProvenance", node: cst.FunctionDef,
                  decorators: list[tuple[Value, cst.Decorator]], in_class: bool) -> FrameworkParameters | None:
    """The [[parameters]] entry that describes this function's parameters, if any."""
    params = _parameters(node)
    for entry in fact.tables.parameters:
        if not imported(fact.imports, entry.imports):
            continue
        for value, decorator in decorators:
            target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            attribute = target.attr.value if isinstance(target, cst.Attribute) else None
            if entry.decorators and decorator_matches(entry, value.name, attribute):
                return entry
        if entry.first_parameter is not None and params:
            first = params[1] if in_class and len(params) > 1 else params[0]
            if first.name.value == entry.first_parameter:
                return entry
    return None


def bind_parameters(fact: "ValueProvenance", node: cst.FunctionDef, entry: FrameworkParameters,
                    decorators: list[tuple[Value, cst.Decorator]], in_class: bool) -> dict[str, Value]:
    """Parameter name -> what it holds when the framework calls the function."""
    params = _parameters(node)
    if in_class and params:
        params = params[1:]
    bound: dict[str, Value] = {}

    def origin(param: cst.Param, ends: Iterable[str] = (), deep: bool = False) -> Value:
        ends = frozenset(ends)
        return Value(source(entry.origin, param, f"{entry.label} ({param.name.value})", fact.order(param),
                            ends if not deep else (), ends if deep else ()))

    if entry.binds == "route":
        variables = _route_variables(decorators)
        for param in params:
            converter = variables.get(param.name.value)
            if converter is not None:
                bound[param.name.value] = origin(param, entry.converters.get(converter, ()))
    elif entry.binds == "after-first":
        for index, param in enumerate(params):
            if index == 0:
                bound[param.name.value] = Value(name=entry.instance)
            else:
                bound[param.name.value] = origin(param, entry.assumed)
    elif entry.binds == "annotated":
        for param in params:
            if _is_dependency(fact, param.default):
                continue
            verdict = annotation(fact, param.annotation.annotation if param.annotation else None)
            if verdict is None:
                continue
            if isinstance(verdict, str):
                bound[param.name.value] = Value(name=verdict)
            else:
                ends, deep = verdict
                bound[param.name.value] = origin(param, ends, deep)
    elif entry.binds == "click":
        options = _click_options(fact, decorators)
        for param in params:
            ends = options.get(param.name.value)
            if ends is not None:
                bound[param.name.value] = origin(param, ends)
    else:
        for param in params:
            bound[param.name.value] = origin(param)
    return bound


def _route_variables(decorators: list[tuple[Value, cst.Decorator]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for _, decorator in decorators:
        call = decorator.decorator
        if not isinstance(call, cst.Call) or not call.args:
            continue
        rule = call.args[0].value
        if isinstance(rule, cst.SimpleString):
            for converter, name in _ROUTE_VARIABLE.findall(str(literal_value(rule) or "")):
                found[name] = converter or "string"
    return found


def _is_dependency(fact: "ValueProvenance", default: cst.BaseExpression | None) -> bool:
    if not isinstance(default, cst.Call):
        return False
    name = fact.evaluate(default.func).name or ""
    return name.rsplit(".", 1)[-1] in _DEPENDENCIES


def annotation(fact: "ValueProvenance", node: cst.BaseExpression | None
               ) -> tuple[frozenset[str], bool] | str | None:
    """What a typed parameter's annotation validates: (ends, deep); an object type it stands
    for (``fastapi.Request``); None when alint cannot tell (unknown stays unknown)."""
    if node is None:
        return frozenset(), False
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        sides = [node.left, node.right]
        return _union(fact, sides)
    if isinstance(node, cst.Subscript):
        base = fact.evaluate(node.value).name or ""
        inner = [element.slice.value for element in node.slice if isinstance(element.slice, cst.Index)]
        if not inner:
            return None
        if base in _ANNOTATED:
            return annotation(fact, inner[0])
        if base in _OPTIONAL:
            return _without_none(annotation(fact, inner[0]))
        if base in _UNION:
            return _union(fact, inner)
        if base in _LITERAL:
            validator = fact.tables.validator("typing.Literal", None, fact.imports, ("annotation",))
            return (validator.ends, False) if validator is not None else None
        if base in _COLLECTIONS:
            verdict = annotation(fact, inner[0])
            return (verdict[0], True) if isinstance(verdict, tuple) else None
        return (frozenset(), False) if base in ("dict", "typing.Dict") else None
    if isinstance(node, cst.Name) and node.value == "None":
        return None
    value = fact.evaluate(node)
    if value.cls is not None:
        return (value.cls.validator.ends, value.cls.validator.deep) if value.cls.validator else None
    name = value.name
    if name is None:
        return None
    if name in _UNTRUSTED or name.rsplit(".", 1)[-1] in ("Any", "str"):
        return frozenset(), False
    validator = fact.tables.validator(name, None, fact.imports, ("annotation",))
    if validator is not None:
        return validator.ends, validator.deep
    if name in fact.tables.instances:
        return name
    return None


def _without_none(verdict: tuple[frozenset[str], bool] | str | None) -> tuple[frozenset[str], bool] | str | None:
    if isinstance(verdict, tuple):
        return verdict[0] - {"none-or-empty"}, verdict[1]
    return verdict


def _union(fact: "ValueProvenance", sides: list[cst.BaseExpression]) -> tuple[frozenset[str], bool] | None:
    optional = any(isinstance(side, cst.Name) and side.value == "None" for side in sides)
    verdicts = [annotation(fact, side) for side in sides if not (isinstance(side, cst.Name) and side.value == "None")]
    if not verdicts or any(not isinstance(verdict, tuple) for verdict in verdicts):
        return None
    ends = frozenset.intersection(*(verdict[0] for verdict in verdicts))  # type: ignore[index]
    deep = all(verdict[1] for verdict in verdicts)  # type: ignore[index]
    return (ends - {"none-or-empty"} if optional else ends), deep


# --------------------------------------------------------------------------- click and argparse
def _click_options(fact: "ValueProvenance", decorators: list[tuple[Value, cst.Decorator]]) -> dict[str, frozenset[str]]:
    options: dict[str, frozenset[str]] = {}
    for _, decorator in decorators:
        call = decorator.decorator
        if not isinstance(call, cst.Call):
            continue
        name = fact.evaluate(call.func).name or ""
        if name.rsplit(".", 1)[-1] not in ("option", "argument"):
            continue
        declared = [text for arg in call.args if arg.keyword is None and isinstance(arg.value, cst.SimpleString)
                    and isinstance(text := literal_value(arg.value), str)]
        parameter = _parameter_name([text for text in declared if isinstance(text, str)])
        if parameter is not None:
            options[parameter] = _option_ends(fact, call, "click-type")
    return options


def _parameter_name(declared: list[str]) -> str | None:
    plain = [text for text in declared if text.isidentifier()]
    if plain:
        return plain[0]
    longs = [text for text in declared if text.startswith("--")]
    shorts = [text for text in declared if text.startswith("-") and not text.startswith("--")]
    chosen = longs[0][2:] if longs else shorts[0][1:] if shorts else None
    if chosen is not None and "/" in chosen:
        chosen = chosen.split("/")[0]
    return chosen.replace("-", "_") if chosen else None


def _option_ends(fact: "ValueProvenance", call: cst.Call, typed: str) -> frozenset[str]:
    """What an option's declaration validates: a type other than str, choices, a flag, or
    (click) a default that is not a string, from which click infers the type."""
    ends: set[str] = set()
    for arg in call.args:
        if arg.keyword is None:
            continue
        key, value = arg.keyword.value, arg.value
        if key == "type":
            if isinstance(value, cst.Call) and (fact.evaluate(value.func).name or "").endswith("Choice"):
                ends |= fact.syntax_ends("allowlist")
            elif (name := fact.evaluate(value).name or "") not in ("str", "click.STRING"):
                ends |= fact.syntax_ends(typed)
                # type=int is int(): what the conversion ends (a number holds no quote or path).
                conversion = fact.tables.validator(name, None, fact.imports, ("conversion",))
                if conversion is not None:
                    ends |= conversion.ends
        elif key == "choices":
            ends |= fact.syntax_ends("allowlist")
        elif key in ("is_flag", "count") or (key == "action" and isinstance(value, cst.SimpleString)
                                             and literal_value(value) in _FLAG_ACTIONS):
            ends |= fact.syntax_ends(typed)
        elif key == "default" and typed == "click-type" and isinstance(value, (cst.Integer, cst.Float)):
            ends |= fact.syntax_ends(typed)
    return frozenset(ends)


def argparse_argument(fact: "ValueProvenance", call: cst.Call) -> tuple[str, frozenset[str]] | None:
    """``parser.add_argument("--page", type=int)``: the attribute it sets and what it validates."""
    declared = [text for arg in call.args if arg.keyword is None and isinstance(arg.value, cst.SimpleString)
                and isinstance(text := literal_value(arg.value), str)]
    dest = None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "dest" and isinstance(arg.value, cst.SimpleString):
            dest = literal_value(arg.value)
    if dest is None:
        dest = _parameter_name([text for text in declared if isinstance(text, str)])
    if not isinstance(dest, str):
        return None
    return dest, _option_ends(fact, call, "argparse-type")


def guard_key(node: cst.BaseExpression) -> tuple[str, ...] | None:
    return access_key(node)


__all__ = ["EMPTY", "Origins", "annotation", "argparse_argument", "bind_parameters", "framework_for", "guard_key"]
