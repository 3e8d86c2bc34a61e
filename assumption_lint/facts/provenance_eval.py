"""Expressions to values: what an expression evaluates to, given the bindings in scope.

``Expressions`` is the evaluating half of ``ValueProvenance`` (``provenance.py`` keeps the
bindings, scopes and guards up to date as the walk goes). Bounded: a budget of evaluated
nodes per file, a depth limit (deeper means unknown), and left-nested operator chains
(`a + b + c + ...`) are walked in a loop, not by recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import libcst as cst

from ..catalog.sources import Validator
from .provenance_values import EMPTY, FOR, FOR_IF, ITEM, PARAMETER, Origins, join, local, source

if TYPE_CHECKING:
    from ..catalog import Catalog, NetworkKnowledge
    from ..project.summaries import Settled
    from .provenance_tables import SourceTables

MAX_DEPTH = 120
BUDGET_PER_FILE = 400_000
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)
_CONTAINERS = (cst.List, cst.Tuple, cst.Set)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
# A path's last part without its folder: pathlib's `.suffix`, `.stem` (and `.name` of a path).
_PATH_PARTS = frozenset({"suffix", "suffixes", "stem"})
_PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "pathlib.PosixPath",
                         "pathlib.PureWindowsPath", "pathlib.WindowsPath"})
# Methods whose result is an item of the object they are called on.
_ITEM_METHODS = frozenset({"get", "pop", "getlist", "setdefault", "popitem", "items", "values", "keys",
                           "getone", "getall"})
# Of those, the ones whose result is the item their first argument names.
_KEYED_METHODS = frozenset({"get", "pop", "getlist", "setdefault", "getone", "getall"})
# Values that pass no request option: `tools=None`, `tools=[]`, the SDKs' "not given" sentinels.
# What a comprehension of every item knows of its size from the collection's.
_SIZE = frozenset({"emptiness", "length"})
_NOT_GIVEN = frozenset({"None", "False", "NOT_GIVEN", "NotGiven", "omit", "Omit"})


@dataclass
class FunctionSummary:
    """A function, as its callers see it: what it returns in terms of its parameters."""

    name: str
    qualname: str
    parameters: tuple[str, ...]
    # Concrete origins, plus PARAMETER origins standing for the caller's arguments.
    returns: Origins = EMPTY
    # Which parameters reach which sink kinds ("sql", "command", "path"...): filled by the
    # sink catalog's users (Injection I); {} until then.
    sinks: dict[str, frozenset[str]] = field(default_factory=dict)
    method: bool = False
    # Parameters whose default passes nothing (`tools=None`): a request option set from one
    # is recorded as "<option>?<parameter>" and settled at each call by what the caller passes.
    optional: frozenset[str] = frozenset()
    # What a true result shows of a parameter: the assumptions every return that can be true
    # ends for it (`def is_safe_url(target): return not urlparse(target).netloc`), so a call
    # of the function in an `if` test is a guard of the argument passed.
    guards: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass
class ClassInfo:
    name: str
    validator: Validator | None = None
    # self.<attr> values assigned in its methods, joined.
    attributes: dict[str, "Value"] = field(default_factory=dict)
    methods: dict[str, FunctionSummary] = field(default_factory=dict)


@dataclass(frozen=True)
class Value:
    origins: Origins = EMPTY
    # The qualified name the value stands for: a module, an API, an object's type.
    name: str | None = None
    function: FunctionSummary | None = None
    cls: ClassInfo | None = None
    # An instance of a local class (`self` in its methods).
    instance: ClassInfo | None = None
    # An argparse namespace: its attributes are validated as their add_argument() says.
    namespace: bool = False
    # For an SDK object (a LangChain chat model): the request options it was built or bound
    # with (`thinking`, `tools` after `bind_tools()`), which every request it makes passes.
    traits: frozenset[str] = frozenset()


UNKNOWN = Value()


def access_key(node: cst.BaseExpression) -> tuple[str, ...] | None:
    """``x`` or ``a.b.c`` as a key for guards; None for anything else."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return tuple(reversed(parts))
    return None


class Expressions:
    """Evaluation over the state ``ValueProvenance`` maintains."""

    tables: "SourceTables"
    imports: set[str]
    argparse_dests: dict[str, frozenset[str]]
    exhausted: bool

    def __init__(self) -> None:
        self._memo: dict[int, Value] = {}
        self._orders: dict[int, int] = {}
        self._budget = BUDGET_PER_FILE
        self._depth = 0
        self._overlay: list[dict[str, Value]] = []

    # Provided by ValueProvenance.
    def lookup(self, name: str) -> Value | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def narrowing(self, key: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:  # pragma: no cover
        raise NotImplementedError

    def guarded_at(self, node: cst.CSTNode, key: tuple[str, ...]) -> frozenset[str]:  # pragma: no cover
        raise NotImplementedError

    def order(self, node: cst.CSTNode) -> int:
        found = self._orders.get(id(node))
        if found is None:
            found = self._orders[id(node)] = len(self._orders)
        return found

    # ------------------------------------------------------------------ entry
    def evaluate(self, node: cst.BaseExpression) -> Value:
        found = self._memo.get(id(node))
        if found is not None:
            return found
        if self.exhausted or self._depth > MAX_DEPTH:
            return UNKNOWN
        self._budget -= 1
        if self._budget <= 0:
            self.exhausted = True
            return UNKNOWN
        self._depth += 1
        try:
            value = self._evaluate(node)
        finally:
            self._depth -= 1
        self._memo[id(node)] = value
        return value

    def origins_of(self, node: cst.BaseExpression) -> Origins:
        return self.evaluate(node).origins

    def _evaluate(self, node: cst.BaseExpression) -> Value:
        kind = type(node)
        if kind is cst.Name:
            return self._name(node)  # type: ignore[arg-type]
        if kind is cst.Attribute:
            return self._attribute(node)  # type: ignore[arg-type]
        if kind is cst.Call:
            return self._call(node)  # type: ignore[arg-type]
        if kind in _LITERALS:
            return Value(local(node, self.order(node)))
        if kind is cst.Subscript:
            read = _subscript_read(node)  # type: ignore[arg-type]
            origins = self.origins_of(node.value).child(read)  # type: ignore[attr-defined]
            if origins and _last_path_segment(node):  # type: ignore[arg-type]
                origins = origins.validating(self._syntax("path-part"))
            return Value(origins.step(node, "an item read"))
        if kind is cst.BinaryOperation or kind is cst.BooleanOperation:
            return Value(self._chain(node))
        if kind is cst.FormattedString:
            parts = [self.origins_of(part.expression) for part in node.parts  # type: ignore[attr-defined]
                     if isinstance(part, cst.FormattedStringExpression)]
            return Value(join(local(node, self.order(node)), *parts).derived().step(node, "formatted into a string"))
        if kind is cst.ConcatenatedString:
            return Value(join(self.origins_of(node.left), self.origins_of(node.right)).derived())  # type: ignore[attr-defined]
        if kind in _CONTAINERS:
            return Value(self._container(node, [element.value for element in node.elements]))  # type: ignore[attr-defined]
        if kind is cst.Dict:
            values: list[cst.BaseExpression] = []
            for element in node.elements:  # type: ignore[attr-defined]
                if isinstance(element, cst.DictElement):
                    values.extend((element.key, element.value))
                else:
                    values.append(element.value)
            return Value(self._container(node, values))
        if kind in _COMPREHENSIONS:
            return Value(self._comprehension(node))
        if kind is cst.Await:
            return self.evaluate(node.expression)  # type: ignore[attr-defined]
        if kind is cst.NamedExpr:
            return self.evaluate(node.value)  # type: ignore[attr-defined]
        if kind is cst.IfExp:
            return Value(self._if_expression(node))  # type: ignore[arg-type]
        if kind is cst.UnaryOperation:
            if isinstance(node.operator, cst.Not):  # type: ignore[attr-defined]
                return Value(local(node, self.order(node)))
            return Value(self.origins_of(node.expression).derived())  # type: ignore[attr-defined]
        if kind is cst.Comparison:
            return Value(local(node, self.order(node)))
        if kind is cst.StarredElement:
            return self.evaluate(node.value)  # type: ignore[attr-defined]
        return UNKNOWN

    # ------------------------------------------------------------------ names
    def _name(self, node: cst.Name) -> Value:
        name = node.value
        for overlay in reversed(self._overlay):
            if name in overlay:
                return overlay[name]
        if name in ("True", "False", "None"):
            return Value(local(node, self.order(node)))
        value = self.lookup(name)
        if value is None:
            return Value(name=name)  # a builtin, or a name bound where alint does not look
        return self._narrowed((name,), value, node)

    def _attribute(self, node: cst.Attribute) -> Value:
        attr = node.attr.value
        base = self.evaluate(node.value)
        if base.instance is not None:
            stored = base.instance.attributes.get(attr)
            if stored is not None:
                return self._narrowed(access_key(node), stored, node)
            method = base.instance.methods.get(attr)
            return Value(function=method) if method is not None else UNKNOWN
        qualified = f"{base.name}.{attr}" if base.name is not None else None
        origins = base.origins.child(attr) if base.origins else EMPTY
        if origins and (attr in _PATH_PARTS or attr == "name" and self._is_path(node.value)):
            origins = origins.validating(self._syntax("path-part"))
        if base.namespace and origins:
            origins = origins.validating(self.argparse_dests.get(attr, ()))
        found = self.tables.read(qualified, attr, self.imports)
        if found is not None:
            origins = join(source(found.origin, node, found.label, self.order(node), found.validates,
                                  api=qualified or attr), origins)
        return self._narrowed(access_key(node), Value(origins, qualified), node)

    def _is_path(self, node: cst.BaseExpression) -> bool:
        """``Path(x)``, ``base / x``: an expression that builds a pathlib path."""
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
            return True
        return isinstance(node, cst.Call) and self.evaluate(node.func).name in _PATH_TYPES

    def _narrowed(self, key: tuple[str, ...] | None, value: Value, node: cst.CSTNode | None = None) -> Value:
        """``value`` with what the guards in force end for ``key`` (at ``node``: the tests of
        the conditional expressions and ``and``/``or`` operands around it too)."""
        if value.origins and key is not None:
            ends, deep = self.narrowing(key)
            if node is not None:
                ends = ends | self.guarded_at(node, key)
            if ends:
                origins = value.origins.validating(ends - deep)
                if deep:
                    origins = origins.validating(deep, deep=True)
                return Value(origins, value.name, value.function, value.cls, value.instance, value.namespace,
                             value.traits)
        return value

    def _if_expression(self, node: cst.IfExp) -> Origins:
        """``x if x in ALLOWED else "a"``: each side holds what the test proves for it."""
        body, orelse = self.origins_of(node.body), self.origins_of(node.orelse)
        if body or orelse:
            positive, negative = self.conditions(node.test)
            body = _proven(body, access_key(node.body), positive)
            orelse = _proven(orelse, access_key(node.orelse), negative)
        return join(body, orelse)

    def conditions(self, test: cst.BaseExpression) -> tuple[list, list]:  # pragma: no cover - overridden
        raise NotImplementedError

    # ------------------------------------------------------------------ operators and containers
    def _chain(self, node: cst.BaseExpression) -> Origins:
        """``a + b + c`` nests to the left: walk the spine in a loop, not by recursion."""
        parts: list[Origins] = []
        literal_default = False
        while isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)) and id(node) not in self._memo:
            right = node.right
            if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
                literal_default = literal_default or isinstance(right, _LITERALS + _CONTAINERS + (cst.Dict,))
            parts.append(self.origins_of(right))
            self._budget -= 1
            node = node.left
        parts.append(self.origins_of(node))
        joined = join(*parts).derived()
        if literal_default:
            joined = joined.validating(self._syntax("or-default"))
        return joined

    def _container(self, node: cst.CSTNode, elements: Sequence[cst.BaseExpression]) -> Origins:
        """A container the code built: its shape is known here; its items keep their own."""
        items = join(*(self.origins_of(element) for element in elements))
        if not items:
            return local(node, self.order(node))
        return items.map(_built)

    def _comprehension(self, node: cst.BaseExpression) -> Origins:
        # A check may have asked for a name inside before (without the overlay): not valid here.
        self._memo.clear()
        overlay: dict[str, Value] = {}
        self._overlay.append(overlay)
        iterated = EMPTY
        filtered = False
        try:
            clause = node.for_in  # type: ignore[attr-defined]
            while clause is not None:
                collection = self.origins_of(clause.iter)
                if clause is node.for_in:  # type: ignore[attr-defined]
                    iterated = collection
                filtered = filtered or bool(clause.ifs) or clause is not node.for_in  # type: ignore[attr-defined]
                items = collection.child(ITEM).step(clause.iter, "iterated over")
                self._bind_overlay(clause.target, Value(items), overlay)
                clause = clause.inner_for_in
            if isinstance(node, cst.DictComp):
                result = join(self.origins_of(node.key), self.origins_of(node.value))
            else:
                result = self.origins_of(node.elt)  # type: ignore[attr-defined]
        finally:
            self._overlay.pop()
            # Names inside were evaluated with the overlay: not valid outside it.
            self._memo.clear()
        result = _built_all(result).derived()
        if iterated and result and not isinstance(node, cst.DictComp):
            result = _collected(result, iterated, FOR_IF if filtered else FOR)
        return result

    def _bind_overlay(self, target: cst.BaseExpression, value: Value, overlay: dict[str, Value]) -> None:
        if isinstance(target, cst.Name):
            overlay[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_overlay(element.value, Value(value.origins.child(ITEM)), overlay)

    # ------------------------------------------------------------------ calls
    def _call(self, node: cst.Call) -> Value:
        func = node.func
        callee = self.evaluate(func)
        attribute = func.attr.value if isinstance(func, cst.Attribute) else None
        qualified = callee.name
        found = self.tables.call(qualified, attribute, self.imports)
        if found is not None:
            origins = source(found.origin, node, found.label, self.order(node), found.validates,
                             api=qualified or attribute or "", request=self._request(qualified, node))
            namespace = qualified is not None and qualified.rsplit(".", 1)[-1] in ("parse_args",)
            return Value(origins, namespace=namespace)
        if qualified is not None and self.tables.network is not None:
            response = self._network_response(qualified)
            if response:
                network = self.tables.network
                return Value(source(network.origin, node, network.label, self.order(node), api=qualified),
                             name=response)
        validator = self.tables.validator(qualified, attribute, self.imports, ("conversion", "sanitizer", "assertion"))
        if validator is not None:
            position = validator.argument if validator.argument is not None and validator.argument >= 0 else 0
            argument = self._argument(node, position, validator.keyword)
            if argument is None:
                return UNKNOWN
            origins = self.origins_of(argument)
            verb = "converted" if validator.form == "conversion" else "validated"
            return Value(origins.validating(validator.ends, deep=validator.deep).derived()
                         .step(node, f"{verb} by {_spelled(func)}()"))
        if qualified is not None and qualified in self.tables.passthrough:
            return Value(self._arguments(node).derived().step(node, f"passed through {_spelled(func)}()"))
        if callee.function is not None:
            return Value(self._through(callee.function, node, skip_self=callee.function.method
                                       and isinstance(func, cst.Attribute)))
        if callee.cls is not None:
            return self._construct(callee.cls, node)
        external = self.project_function(node)
        if external is not None and external.returns:
            return Value(self._returned_by(external, node))
        if isinstance(func, cst.Attribute):
            receiver = self.evaluate(func.value)
            if receiver.origins:
                return Value(self._method(receiver.origins, func.attr.value, node))
            binder = self.tables.binders.get(receiver.name or "", {}).get(func.attr.value)
            if binder is not None:
                # `llm.bind_tools(tools)`: the same model, and each request it makes passes tools.
                return Value(name=receiver.name, traits=receiver.traits | {binder})
        if qualified is not None:
            client = self.catalog.client(qualified)
            if client is not None and client.type != "*":
                options = self.tables.constructor_keywords.get(client.type)
                return Value(name=client.type, traits=self._asked(node, options) if options else frozenset())
            if qualified in self.tables.instances:
                return Value(name=qualified)
        return UNKNOWN

    def _request(self, qualified: str | None, node: cst.Call) -> frozenset[str]:
        """The catalogued request options ``node`` passes, with those of the object it is a
        method of (a chat model built with ``thinking=`` or bound to tools)."""
        options = self.tables.request_keywords.get(qualified) if qualified is not None else None
        func = node.func
        receiver = self.evaluate(func.value).traits if isinstance(func, cst.Attribute) else frozenset()
        if not options:
            return receiver
        return receiver | self._asked(node, options)

    def _asked(self, node: cst.Call, options: Mapping[str, frozenset[str]]) -> frozenset[str]:
        """Which of ``options`` (keyword -> the literal values that leave the reply plain text)
        the call passes; "**" when it unpacks a mapping alint cannot see into."""
        asked: set[str] = set()
        for arg in node.args:
            if arg.star == "**":
                if not isinstance(arg.value, cst.Dict):
                    asked.add("**")
                    continue
                for element in arg.value.elements:
                    if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                        asked.add("**")
                        continue
                    key = _literal_text(element.key)
                    if key in options:
                        asked.update(self._option(key, element.value, options[key]))
            elif arg.keyword is not None and arg.keyword.value in options:
                asked.update(self._option(arg.keyword.value, arg.value, options[arg.keyword.value]))
        return frozenset(asked)

    def _option(self, key: str, value: cst.BaseExpression, plain: frozenset[str]) -> tuple[str, ...]:
        """``key`` when ``value`` passes something; "key?p" when it is the enclosing function's
        parameter ``p`` whose default passes nothing (each call settles it); nothing else."""
        if _passes_nothing(value, plain):
            return ()
        if isinstance(value, cst.Name) and self.optional_parameter(value.value):
            return (f"{key}?{value.value}",)
        return (key,)

    def optional_parameter(self, name: str) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def _settled(self, origins: Origins, passed: Mapping[str, cst.BaseExpression]) -> Origins:
        """A summary's request options that hang on a parameter, settled by what this call passes."""
        def settle(origin):  # type: ignore[no-untyped-def]
            if not any("?" in entry for entry in origin.request):
                return origin
            request: set[str] = set()
            for entry in origin.request:
                option, _, parameter = entry.partition("?")
                if not parameter:
                    request.add(entry)
                elif parameter in passed:
                    plain = self.tables.request_keywords.get(origin.api, {}).get(option, frozenset())
                    request.update(self._option(option, passed[parameter], plain))
            return origin.requesting(frozenset(request))
        return origins.map(settle) if origins else origins

    def _network_response(self, qualified: str) -> str | None:
        network = self.network_knowledge
        owner, _, _ = qualified.rpartition(".")
        family = network.family(qualified, owner or None)
        return family.response if family is not None else None

    def _method(self, receiver: Origins, method: str, node: cst.Call) -> Origins:
        views = self.tables.views.get(method)
        if views:
            viewed = self._viewed(receiver, views, node)
            if viewed is not None:
                return viewed
        if method == "join":
            # `sep.join(items)`: the items make the text. Items built right there (a list or a
            # comprehension) keep what validated each of them: `" ".join(shlex.quote(a) for a in args)`.
            built = len(node.args) == 1 and not node.args[0].star and isinstance(
                node.args[0].value, _CONTAINERS + _COMPREHENSIONS[:3])
            items = self._arguments(node) if built else self._arguments(node).child()
            return join(receiver, items).derived().step(node, "joined")
        if method == "format" or method == "format_map":
            return join(receiver, self._arguments(node)).derived().step(node, "formatted")
        if method in _ITEM_METHODS:
            read = None
            if method in _KEYED_METHODS and node.args:
                key = node.args[0].value
                read = _literal_text(key) if isinstance(key, cst.SimpleString) else ITEM
            result = receiver.child(read)
            if method in ("get", "pop", "setdefault") and len(node.args) >= 2 and node.args[1].keyword is None:
                default = self.origins_of(node.args[1].value)
                result = join(result.validating(self._syntax("get-with-default")), default)
            if method == "get":
                result = self._typed_get(result, node)
            return result.step(node, f"read with .{method}()")
        return receiver.derived()

    def _viewed(self, receiver: Origins, views, node: cst.Call) -> Origins | None:
        """``resp.json()``, ``query.first()``, ``text.split(",")``: a new value read from the
        receiver, its access restarting at the view's read (rules/empties.toml)."""
        kinds = {kind: view for view in views for kind in view.kinds}
        if not any(origin.kind in kinds for origin in receiver):
            return None
        separated = _separator_given(node)

        def view(origin):  # type: ignore[no-untyped-def]
            found = kinds.get(origin.kind)
            if found is None:
                return origin.derived()
            read = found.separator_read if separated and found.separator_read else found.read
            return origin.viewed(read)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else "?"
        return receiver.map(view).step(node, f"the result of .{method}()")

    def _typed_get(self, result: Origins, node: cst.Call) -> Origins:
        """Werkzeug's ``args.get("page", 1, type=int)``: the value is converted, and a value
        that does not convert gives the default instead."""
        converter = self._argument(node, 2, "type")
        if converter is None:
            return result
        validator = self.tables.validator(self.evaluate(converter).name, None, self.imports, ("conversion",))
        return result.validating(validator.ends) if validator is not None else result

    def _argument(self, node: cst.Call, position: int, keyword: str | None) -> cst.BaseExpression | None:
        positional = 0
        for arg in node.args:
            if arg.keyword is not None:
                if keyword is not None and arg.keyword.value == keyword:
                    return arg.value
            elif arg.star:
                return None
            elif positional == position:
                return arg.value
            else:
                positional += 1
        return None

    def _arguments(self, node: cst.Call) -> Origins:
        return join(*(self.origins_of(arg.value) for arg in node.args))

    def _through(self, summary: FunctionSummary, node: cst.Call, skip_self: bool) -> Origins:
        """A same-module function's result at this call: its parameters replaced by the arguments."""
        returns = summary.returns
        if not returns:
            return EMPTY
        passed = _passed(node, summary.parameters[1:] if skip_self else summary.parameters)
        parts = [self._settled(returns.without_parameters(), passed).step(node, f"returned by {summary.name}()")]
        for origin in returns:
            if origin.kind == PARAMETER and origin.parameter in passed:
                argument = self.origins_of(passed[origin.parameter])
                reads = origin.access  # what the function read from its parameter
                parts.append(argument.validating(origin.validated).map(lambda found: found.extended(reads))
                             .step(node, f"through {summary.name}()"))
        return join(*parts)

    def _returned_by(self, external: "Settled", node: cst.Call) -> Origins:
        """Another project file's function's result at this call: what its summary says it
        returns, the source named with the file it is in; a parameter it passes through
        becomes the argument given for it."""
        name = f"{_spelled(node.func)}()"
        passed = _passed(node, external.parameters)
        parts = []
        for returned in external.returns:
            if returned.kind == PARAMETER:
                if returned.parameter in passed:
                    argument = self.origins_of(passed[returned.parameter])
                    parts.append(argument.validating(returned.validated).step(node, f"through {name}"))
                continue
            # The path starts in the other file (a related location there), then comes here.
            parts.append(source(returned.kind, returned.place,  # type: ignore[arg-type]
                                returned.label, self.order(node),
                                returned.validated - returned.deep, returned.deep, api=returned.api)
                         .step(node, f"returned by {name}"))
        return join(*parts)

    def project_function(self, node: cst.Call) -> "Settled | None":  # pragma: no cover - overridden
        raise NotImplementedError

    def shown(self, path: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _construct(self, cls: ClassInfo, node: cst.Call) -> Value:
        if cls.validator is None:
            return Value(instance=cls)
        built = self._arguments(node).validating(cls.validator.ends, deep=cls.validator.deep).derived()
        return Value(built.step(node, f"validated by {cls.name}"), instance=cls)

    def _syntax(self, name: str) -> frozenset[str]:
        return self.syntax_ends(name)

    def syntax_ends(self, name: str) -> frozenset[str]:  # pragma: no cover - overridden
        raise NotImplementedError

    network_knowledge: "NetworkKnowledge"
    catalog: "Catalog"


def _proven(origins: Origins, key: tuple[str, ...] | None, tests: list) -> Origins:
    """``origins`` of the expression ``key`` with what ``tests`` (a branch's guards) end for it."""
    if not origins or key is None:
        return origins
    for tested, ends in tests:
        if tested == key:
            origins = origins.validating(ends)
    return origins


def _collected(result: Origins, iterated: Origins, marker: str) -> Origins:
    """A list, set or generator of the items of ``iterated``: each origin the items keep
    tells which collection they were taken from (its access, then ``for``/``for-if``), so
    an aggregate of it knows whether it may be empty (rules/empties.toml)."""
    def mark(origin):  # type: ignore[no-untyped-def]
        of = iterated.of(origin.kind)
        if of is None or of.access is None or origin.kind == PARAMETER:
            return origin
        sized = of.validated & _SIZE if marker == FOR else frozenset()
        return origin.iterated(of.access + (marker,), sized) if len(of.access) < 8 else origin
    return result.map(mark)


def _built(origin):
    """An item of a container the code built: the container's shape is settled."""
    return origin.validating({"shape"})


def _built_all(origins: Origins) -> Origins:
    return origins.map(_built) if origins else origins


def _literal_text(node: cst.SimpleString) -> str:
    value = node.evaluated_value
    return value if isinstance(value, str) else ITEM


def _last_path_segment(node: cst.Subscript) -> bool:
    """``url.rsplit("/", 1)[-1]``, ``path.split("/")[-1]``: the text after the last slash,
    which holds no separator (like a path's ``.name``)."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    index = node.slice[0].slice.value
    if not (isinstance(index, cst.UnaryOperation) and isinstance(index.operator, cst.Minus)
            and isinstance(index.expression, cst.Integer) and index.expression.value == "1"):
        return False
    call = node.value
    return (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in ("split", "rsplit") and bool(call.args)
            and isinstance(call.args[0].value, cst.SimpleString) and _literal_text(call.args[0].value) == "/")


def _subscript_read(node: cst.Subscript) -> str:
    """How an access names ``x["key"]`` (the key) and ``x[0]``, ``x[i]``, ``x[1:]`` (ITEM)."""
    if len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            return _literal_text(index.value)
    return ITEM


def _separator_given(node: cst.Call) -> bool:
    """``text.split(",")`` or ``split(sep=",")``: a separator other than None is passed."""
    for index, arg in enumerate(node.args):
        if arg.keyword is not None and arg.keyword.value != "sep" or arg.star:
            continue
        if arg.keyword is None and index > 0:
            break
        return not (isinstance(arg.value, cst.Name) and arg.value.value == "None")
    return False


def _passes_nothing(value: cst.BaseExpression, plain: frozenset[str]) -> bool:
    """``tools=None``, ``tools=[]``, ``tools=NOT_GIVEN``; or a literal that keeps the reply plain
    text (``thinking={"type": "disabled"}``, ``output_version="v0"``: ``plain`` names them)."""
    if isinstance(value, cst.Call):
        value = value.func  # NotGiven()
    if isinstance(value, (cst.Name, cst.Attribute)):
        return (value.value if isinstance(value, cst.Name) else value.attr.value) in _NOT_GIVEN
    if isinstance(value, (cst.List, cst.Tuple, cst.Set, cst.Dict)) and not value.elements:
        return True
    if isinstance(value, cst.SimpleString):
        return _literal_text(value) in plain
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
                    and _literal_text(element.key) == "type" and isinstance(element.value, cst.SimpleString)):
                return _literal_text(element.value) in plain
    return False


def _passed(node: cst.Call, parameters: Sequence[str]) -> dict[str, cst.BaseExpression]:
    """The argument given for each parameter at a call (``*args`` and ``**kwargs`` skipped)."""
    passed: dict[str, cst.BaseExpression] = {}
    positional = 0
    for arg in node.args:
        if arg.star:
            continue
        if arg.keyword is not None:
            passed[arg.keyword.value] = arg.value
        elif positional < len(parameters):
            passed[parameters[positional]] = arg.value
            positional += 1
    return passed


def _spelled(node: cst.BaseExpression) -> str:
    key = access_key(node)
    return ".".join(key) if key is not None else "the call"


Callback = Callable[[cst.CSTNode], None]
