"""Value provenance: where each value comes from, and what has validated it.

Computed in the one traversal, node by node (``visit_*``/``leave_*`` with libcst's names),
before the checks see each node: bindings are known in source order, guards narrow the
blocks they protect, a function's summary is ready when the walk leaves it. Checks ask any
expression for its ``Origins`` while the walk is at or inside its statement (``origins``);
whole-module results (``conversions``, ``summaries``) are complete in ``leave_Module``.
The lattice is in ``provenance_values.py``, expressions in ``provenance_eval.py``,
framework parameters in ``provenance_params.py``; the knowledge in ``rules/sources.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Union

import libcst as cst

from ..catalog import Catalog
from ..catalog.sources import ImportedModules, imported, name_matches
from .arguments import literal_string
from .base import Fact
from .project_calls import ProjectCalls
from .provenance_eval import ClassInfo, Expressions, FunctionSummary, Value, _passed, access_key
from .provenance_params import argparse_argument, bind_parameters, framework_for
from .provenance_tables import SourceTables, tables_for
from .provenance_values import ITEM, PARAMETER, Origins, join, source
from .syntax import children, nodes_in

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_EXITS = (cst.Return, cst.Raise, cst.Continue, cst.Break)
# Calls that end the request or the program: a guard followed by one of these exits.
_EXIT_CALLS = frozenset({"abort", "flask.abort", "sys.exit", "exit", "quit", "os._exit", "typer.Exit",
                         "click.Abort", "django.http.Http404", "fastapi.HTTPException"})
_NONE_TESTS = (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)
_Tests = list[tuple[tuple[str, ...], frozenset[str]]]
_NOTHING: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


@dataclass(frozen=True)
class Conversion:
    """A call that assumes its argument's format (``int(page)``) on a tracked value."""

    node: cst.Call
    api: str
    argument: Origins  # with "format" ended when the failure is handled
    raises: tuple[str, ...]
    # "try", "error handler" (a registered framework handler) or None.
    handled_by: str | None
    framework: str | None
    function: str


@dataclass
class _Block:
    # Guards that hold in this block: (key, assumptions ended, the key's root binding then).
    narrowings: list[tuple[str, ...]] = field(default_factory=list)
    conditional: int = 0


@dataclass
class _Scope:
    kind: str  # module | function | class
    names: dict[str, Value] = field(default_factory=dict)
    cls: ClassInfo | None = None
    summary: FunctionSummary | None = None
    returns: list[Origins] = field(default_factory=list)
    framework: str | None = None
    try_floor: int = 0
    # Per return that can be true: what it shows of each parameter (FunctionSummary.guards).
    guard_returns: list[dict[str, frozenset[str]]] = field(default_factory=list)


@dataclass
class _Try:
    node: Union[cst.Try, cst.TryStar]
    caught: list[str | None]  # qualified names; None for a bare except or one alint cannot resolve
    in_body: bool = True


class ValueProvenance(Expressions, Fact):
    needs = (ProjectCalls,)

    """The provenance fact for one module. Checks declare ``needs = (ValueProvenance,)`` and
    read it with ``self.fact(ValueProvenance)``."""

    def __init__(self, state: "FileState") -> None:
        Fact.__init__(self, state)
        Expressions.__init__(self)
        # The targets of the comprehensions the walk is inside (see _enter_comprehension).
        self._walk_overlays: list[dict[str, Value]] = []
        catalog = state.settings.catalog
        text = state.text
        self.network_knowledge = catalog.network
        self.tables: SourceTables = tables_for(catalog)
        # False: nothing in the file can be a source, so the walk is not analysed for flow.
        # A file the project's summaries are read for may call a function that returns one.
        facts = getattr(state, "facts", None)  # none when the fact runs on its own (standalone)
        self.project_calls: ProjectCalls | None = facts.get(ProjectCalls) if facts else None
        self.active = (text is None or self.tables.relevant(text)
                       or (self.project_calls is not None and self.project_calls.settled))
        self.exhausted = False
        self.imports: set[str] = ImportedModules()
        self._syntax_cache: dict[str, frozenset[str]] = {}
        self.argparse_dests: dict[str, frozenset[str]] = {}
        self.summaries: dict[str, FunctionSummary] = {}
        self.conversions: list[Conversion] = []
        self._conversions: dict[int, Conversion] = {}
        self._registered: dict[str, set[str]] = {}  # exception class -> frameworks it is handled for
        self._scopes: list[_Scope] = [_Scope("module")]
        self._blocks: list[_Block] = [_Block()]
        self._narrow: dict[tuple[str, ...], list[tuple[frozenset[str], bool, object]]] = {}
        self._ifs: list[cst.If] = []
        self._resolved: dict[str, tuple[str, ...]] = {}  # real -> path, for real = realpath(path)
        # Names and attributes inside a conditional expression's branch or the right operand
        # of `and`/`or`: what the test proves there (`int(x) if x.isdigit() else None`).
        self._guarded: dict[int, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
        self._tries: list[_Try] = []
        self._functions: list[cst.FunctionDef] = []
        # Bodies that run whenever the code around them does (class and with bodies).
        self._plain_blocks: set[int] = set()
        # `parsed = urlparse(url)`: the name, the key of what was parsed, what a check of one
        # of its parts ends, and the value bound (a later binding of the name replaces it).
        self._parsed: dict[str, tuple[tuple[tuple[str, ...], ...], frozenset[str], tuple[str, ...], Value]] = {}

    # ================================================================== query API
    def origins(self, node: cst.BaseExpression, comprehensions: bool = False) -> Origins:
        """Where ``node``'s value comes from (empty: unknown). Ask while the walk is at or
        inside the node's statement. ``comprehensions``: inside a comprehension, its
        targets hold the items it iterates (else they are unknown there)."""
        if not self.active:
            return Origins()
        if not (comprehensions and self._walk_overlays):
            return self.evaluate(node).origins
        depth = len(self._overlay)
        self._overlay.extend(self._walk_overlays)
        self._memo.clear()
        try:
            return self.evaluate(node).origins
        finally:
            del self._overlay[depth:]
            self._memo.clear()

    def conversion(self, call: cst.Call) -> Conversion | None:
        """The format-assuming call ``call`` on a tracked value, with its handling; registered
        error handlers are all known once the walk has left the module."""
        found = self._conversions.get(id(call))
        if found is None or found.handled_by is not None or not found.framework:
            return found
        for raised in found.raises[:1]:
            for caught, frameworks in self._registered.items():
                if found.framework in frameworks and self._catches(caught, raised):
                    return Conversion(found.node, found.api, found.argument.validating(self.syntax_ends(
                        "handled-conversion")), found.raises, "error handler", found.framework, found.function)
        return found

    def project_function(self, node: cst.Call):
        return self.project_calls.project_function(node) if self.project_calls is not None else None

    def shown(self, path: str) -> str:
        project = self.state.project
        return project.shown(path) if project is not None else path

    def summary(self, qualname: str) -> FunctionSummary | None:
        return self.summaries.get(qualname)

    def arguments_of(self, call: cst.Call) -> dict[str, cst.BaseExpression] | None:
        """For a call of a function of this module (summarised already): the argument given
        for each of its parameters, by name. None for any other call. (Another project
        file's function is left out: its summary is at hand only on runs where a check
        reads what it returns, so an answer from it would depend on the rules selected.)"""
        if not self.active:
            return None
        callee = self.evaluate(call.func).function
        if callee is None:
            return None
        skip_self = callee.method and isinstance(call.func, cst.Attribute)
        return _passed(call, callee.parameters[1:] if skip_self else callee.parameters)

    def function_here(self) -> FunctionSummary | None:
        """The summary of the function the walk is in (None at module level)."""
        scope = self._function_scope()
        return scope.summary if scope is not None else None

    def framework_here(self) -> str | None:
        """The framework whose entry point the walk is in ("Flask view"), else None."""
        scope = self._function_scope()
        return scope.framework if scope is not None else None

    def handled_by_framework(self, raised: str, framework: str | None) -> bool:
        """Whether a registered error handler (``@app.errorhandler(KeyError)``, ``500``)
        answers ``raised`` in ``framework``'s entry points; complete once the walk has
        left the module."""
        return framework is not None and any(
            framework in frameworks and self._catches(caught, raised)
            for caught, frameworks in self._registered.items())

    # ================================================================== state for Expressions
    def lookup(self, name: str) -> Value | None:
        innermost = True
        for scope in reversed(self._scopes):
            if scope.kind == "class" and not innermost:
                continue
            found = scope.names.get(name)
            if found is not None:
                return found
            innermost = False
        return None

    def narrowing(self, key: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
        """What guards in force here end for ``key``: (for the value, for what is read from it)."""
        entries = self._narrow.get(key)
        if not entries:
            return _NOTHING
        root = self.lookup(key[0])
        ends: frozenset[str] = frozenset()
        deep: frozenset[str] = frozenset()
        for assumptions, is_deep, bound in entries:
            if bound is root:
                ends |= assumptions
                if is_deep:
                    deep |= assumptions
        return ends, deep

    def guarded_at(self, node: cst.CSTNode, key: tuple[str, ...]) -> frozenset[str]:
        ends: frozenset[str] = frozenset()
        for guarded, assumptions in self._guarded.get(id(node), ()):
            if guarded == key:
                ends |= assumptions
        return ends

    def _guard_within(self, tests: _Tests, where: cst.BaseExpression) -> None:
        """The names and attributes of ``where`` hold what ``tests`` prove."""
        tests = [(key, ends) for key, ends in tests if ends]
        if not tests:
            return
        keys = {key for key, _ in tests}
        for node in nodes_in(where, (cst.Name, cst.Attribute)):
            key = access_key(node)  # type: ignore[arg-type]
            if key in keys:
                self._guarded.setdefault(id(node), []).extend(test for test in tests if test[0] == key)
        self._memo.clear()

    def visit_IfExp(self, node: cst.IfExp) -> None:
        if self.active and _short_chain(node.test, cst.BooleanOperation, "left"):
            positive, negative = self._conditions(node.test)
            self._guard_within(positive, node.body)
            if _short_chain(node.orelse, cst.IfExp, "orelse"):  # `a if p else b if q else ...`: each link once
                self._guard_within(negative, node.orelse)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        # Only where the right operand calls something (a conversion), and only after a short
        # left operand: a generated 3000-term `or` chain would cost its length squared.
        if self.active and _short_chain(node.left, cst.BooleanOperation, "left") and nodes_in(node.right, (cst.Call,)):
            positive, negative = self._conditions(node.left)
            self._guard_within(positive if isinstance(node.operator, cst.And) else negative, node.right)

    def optional_parameter(self, name: str) -> bool:
        """``name`` is still the value of the enclosing function's parameter of that name, and
        its default passes nothing (``tools=None``)."""
        scope = self._scopes[-1]
        if scope.kind != "function" or scope.summary is None or name not in scope.summary.optional:
            return False
        value = scope.names.get(name)
        return value is not None and bool(value.origins) and all(
            origin.kind == PARAMETER and origin.parameter == name for origin in value.origins)

    def syntax_ends(self, name: str) -> frozenset[str]:
        found = self._syntax_cache.get(name)
        if found is None:
            found = self._syntax_cache[name] = self.catalog.sources.syntax(name)
        return found

    # ================================================================== bindings
    def _bind(self, name: str, value: Value) -> None:
        scope = self._scopes[-1]
        if self._blocks[-1].conditional and name in scope.names:
            old = scope.names[name]
            same = value.name == old.name
            value = Value(join(old.origins, value.origins), value.name if same else None,
                          traits=value.traits | old.traits if same else frozenset())
        scope.names[name] = value

    def _bind_target(self, target: cst.BaseExpression, value: Value, statement: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, Value(value.origins.step(target, f"assigned to {target.value}"),
                                           value.name, value.function, value.cls, value.instance, value.namespace,
                                           value.traits))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in [element.value for element in target.elements]:
                self._bind_target(element, Value(value.origins.child(ITEM)), statement)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, Value(value.origins.child()), statement)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            owner = self.lookup(target.value.value)
            if owner is not None and owner.instance is not None:
                attr = target.attr.value
                old = owner.instance.attributes.get(attr)
                new = Value(value.origins.step(target, f"stored in self.{attr}"), value.name, value.function,
                            value.cls, value.instance, value.namespace, value.traits)
                same = new.name == old.name if old is not None else True
                owner.instance.attributes[attr] = new if old is None else Value(
                    join(old.origins, new.origins), new.name if same else None,
                    traits=new.traits | old.traits if same else frozenset())

    def _assign(self, targets: list[cst.BaseExpression], value_node: cst.BaseExpression, statement: cst.CSTNode) -> None:
        if isinstance(value_node, cst.Tuple) and all(
                isinstance(target, cst.Tuple) and len(target.elements) == len(value_node.elements)
                and not any(isinstance(e, cst.StarredElement) for e in target.elements) for target in targets):
            # `a, b = x, y`: element by element.
            for target in targets:
                for element, part in zip(target.elements, value_node.elements):  # type: ignore[attr-defined]
                    self._bind_target(element.value, self.evaluate(part.value), statement)
            return
        value = self.evaluate(value_node)
        for target in targets:
            self._bind_target(target, value, statement)
            if isinstance(target, cst.Name):
                self._parsed.pop(target.value, None)
                parsed = self._parser(value_node)
                bound = self.lookup(target.value)
                if parsed is not None and bound is not None:
                    self._parsed[target.value] = (*parsed, bound)

    # ================================================================== statements
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._memo.clear()

    def leave_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        # The rest of the block runs only if the line's conversions succeeded: `int(pid)` a
        # second time cannot fail where the first did not.
        if not self.active or not self._conversions:
            return
        proven: _Tests = []
        for call in _unconditional_calls(node):
            if id(call) in self._conversions:
                argument = self._argument(call, 0, None)  # type: ignore[arg-type]
                key = access_key(argument) if argument is not None else None
                if key is not None:
                    proven.append((key, frozenset({"format"})))
        if proven:
            self._narrow_here(proven)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = _dotted(alias.name)
            if full is None:
                continue
            self.imports.add(full)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._scopes[-1].names[alias.asname.name.value] = Value(name=full)
            else:
                root = full.split(".", 1)[0]
                self._scopes[-1].names[root] = Value(name=root)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _dotted(node.module) if node.module is not None else None
        if node.relative or module is None:
            return
        self.imports.add(module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = _dotted(alias.name)
            if name is None:
                continue
            local = alias.asname.name.value if alias.asname is not None and isinstance(
                alias.asname.name, cst.Name) else name
            self.imports.add(f"{module}.{name}")
            self._scopes[-1].names[local] = Value(name=f"{module}.{name}")

    def leave_Assign(self, node: cst.Assign) -> None:
        if self.active:
            self._assign([target.target for target in node.targets], node.value, node)
            self._note_resolved_path(node)

    def _note_resolved_path(self, node: cst.Assign) -> None:
        """``real = os.path.realpath(path)``: a containment check of ``real`` checks ``path``
        too (the code resolves, checks the resolved path, then opens the one it was given)."""
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._resolved.pop(target.target.value, None)
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        value = node.value
        if isinstance(value, cst.Call) and value.args and self.evaluate(value.func).name in _RESOLVING:
            key = access_key(value.args[0].value)
            if key is not None:
                self._resolved[node.targets[0].target.value] = key

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.active and node.value is not None:
            self._assign([node.target], node.value, node)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        if self.active and isinstance(node.target, cst.Name):
            old = self.evaluate(node.target)
            self._bind_target(node.target, Value(join(old.origins, self.evaluate(node.value).origins)), node)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self.active:
            self._bind_target(node.target, self.evaluate(node.value), node)

    def visit_For(self, node: cst.For) -> None:
        self._memo.clear()
        if self.active:
            items = self.evaluate(node.iter).origins.child(ITEM).step(node.iter, "iterated over")
            self._bind_target(node.target, Value(items), node)

    # While the walk is inside a comprehension, what its targets hold (the items it iterates),
    # for ``origins(node, comprehensions=True)``: AL406 asks about ``i["updated_at"]`` in
    # ``[i for i in items if ...]``. Other questions keep answering unknown there: the
    # comprehension's ``if`` is not read as a guard.
    def _enter_comprehension(self, node: cst.BaseExpression) -> None:
        if not self.active:
            return
        overlay: dict[str, Value] = {}
        clause = node.for_in  # type: ignore[attr-defined]
        depth = len(self._overlay)
        self._overlay.extend(self._walk_overlays)
        self._overlay.append(overlay)
        self._memo.clear()
        try:
            while clause is not None:
                items = self.evaluate(clause.iter).origins.child(ITEM).step(clause.iter, "iterated over")
                self._bind_overlay(clause.target, Value(items), overlay)
                clause = clause.inner_for_in
        finally:
            del self._overlay[depth:]
            self._memo.clear()
        self._walk_overlays.append(overlay)

    def _leave_comprehension(self, node: cst.BaseExpression) -> None:
        if self.active:
            self._walk_overlays.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comprehension

    def visit_With(self, node: cst.With) -> None:
        self._memo.clear()
        self._plain_blocks.add(id(node.body))
        if self.active:
            for item in node.items:
                if item.asname is not None:
                    self._bind_target(item.asname.name, self.evaluate(item.item), node)

    def leave_Return(self, node: cst.Return) -> None:
        scope = self._function_scope()
        if self.active and scope is not None and node.value is not None:
            scope.returns.append(self.evaluate(node.value).origins)
        if self.active and scope is not None and scope.summary is not None and not _falsy(node.value):
            # What holds of each parameter where this return's value is true.
            tests = self._conditions(node.value)[0] if node.value is not None else []
            shown: dict[str, frozenset[str]] = {}
            for parameter in scope.summary.parameters:
                ends = self.narrowing((parameter,))[0]
                for key, found in tests:
                    if key == (parameter,):
                        ends = ends | found
                shown[parameter] = ends
            scope.guard_returns.append(shown)

    def leave_Expr(self, node: cst.Expr) -> None:
        """``jsonschema.validate(data, schema)`` as a statement: ``data`` is valid from here on."""
        call = node.value
        if not (self.active and isinstance(call, cst.Call)):
            return
        func = call.func
        attribute = func.attr.value if isinstance(func, cst.Attribute) else None
        validator = self.tables.validator(self.evaluate(func).name, attribute, self.imports, ("assertion",))
        if validator is not None and validator.argument is not None:
            argument = self._argument(call, validator.argument, validator.keyword)
            key = access_key(argument) if argument is not None else None
            if key is not None:
                self._narrow_here([(key, validator.ends)], deep=validator.deep)

    # ------------------------------------------------------------------ blocks and guards
    def _enter_block(self, block: cst.CSTNode) -> None:
        self._memo.clear()
        parent = self._blocks[-1]
        owner = self._owner_of(block)
        conditional = 0 if owner == "function" else parent.conditional + (owner == "conditional")
        frame = _Block(conditional=conditional)
        self._blocks.append(frame)
        if self._ifs and self.active:
            test = self._ifs[-1]
            positive, negative = self._conditions(test.test)
            if block is test.body:
                self._narrow_here(positive)
            elif isinstance(test.orelse, cst.Else) and block is test.orelse.body:
                self._narrow_here(negative)

    def _owner_of(self, block: cst.CSTNode) -> str:
        if self._functions and block is self._functions[-1].body:
            return "function"
        return "plain" if id(block) in self._plain_blocks else "conditional"

    def _leave_block(self) -> None:
        frame = self._blocks.pop()
        for key in frame.narrowings:
            entries = self._narrow.get(key)
            if entries:
                entries.pop()
        self._memo.clear()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter_block(node)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._leave_block()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._enter_block(node)

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._leave_block()

    def _narrow_here(self, tests: _Tests, deep: bool = False) -> None:
        frame = self._blocks[-1]
        for key, ends in tests:
            if not ends:
                continue
            frame.narrowings.append(key)
            self._narrow.setdefault(key, []).append((ends, deep, self.lookup(key[0])))
        self._memo.clear()

    def visit_If(self, node: cst.If) -> None:
        self._memo.clear()
        self._ifs.append(node)

    def leave_If(self, node: cst.If) -> None:
        self._ifs.pop()
        if self.active and node.orelse is None and self._exits(node.body):
            # `if not valid(x): return`: x is valid in the rest of the block.
            self._narrow_here(self._conditions(node.test)[1])
        elif self.active and node.orelse is None:
            # `if period not in {"7", "30"}: period = "30"`: either way, what the test proves; so for
            # a fallback the code built itself (`if not url_has_allowed_host_and_scheme(t, ...): t = url_for("home")`).
            negative = self._conditions(node.test)[1]
            self._narrow_here([(key, ends) for key, ends in negative
                               if len(key) == 1 and (_resets_to_literal(node.body, key[0])
                                                     or self._resets_to_own(node.body, key[0]))])

    def _resets_to_own(self, body: cst.BaseSuite, name: str) -> bool:
        """The block's own statements assign ``name`` a value with no origin from outside (a
        call of the code's own, ``url_for("index")``), and nothing else assigns it there."""
        if name not in _assigned_names(body):
            return False
        for statement in body.body:
            small = statement.body if isinstance(statement, cst.SimpleStatementLine) else []
            for item in small:
                if isinstance(item, cst.Assign) and any(
                        isinstance(target.target, cst.Name) and target.target.value == name for target in item.targets):
                    origins = self.evaluate(item.value).origins
                    if any(origin.kind != "local" for origin in origins):
                        return False
        return True

    def leave_Assert(self, node: cst.Assert) -> None:
        if self.active:
            self._narrow_here(self._conditions(node.test)[0])

    def _exits(self, body: cst.BaseSuite) -> bool:
        statements = body.body
        if not statements:
            return False
        last = statements[-1]
        small = last.body if isinstance(last, cst.SimpleStatementLine) else [last] if isinstance(
            body, cst.SimpleStatementSuite) else None
        if small is None:
            return False
        final = small[-1]
        if isinstance(final, _EXITS):
            return True
        if isinstance(final, cst.Expr) and isinstance(final.value, cst.Call):
            name = self.evaluate(final.value.func).name
            return name in _EXIT_CALLS
        return False

    def conditions(self, test: cst.BaseExpression) -> tuple[_Tests, _Tests]:
        return self._conditions(test)

    def _conditions(self, test: cst.BaseExpression) -> tuple[_Tests, _Tests]:
        """What holds where ``test`` is true, and where it is false: (key, assumptions ended)."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            positive, negative = self._conditions(test.expression)
            return negative, positive
        if isinstance(test, cst.BooleanOperation):
            left, right = self._conditions(test.left), self._conditions(test.right)
            if isinstance(test.operator, cst.And):
                return left[0] + right[0], []
            return [], left[1] + right[1]
        if isinstance(test, cst.NamedExpr):
            return self._conditions(test.value)
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            return self._comparison(test.left, test.comparisons[0])
        if isinstance(test, cst.Call):
            measured = self._measured(test)
            if measured is not None:  # `if len(rows):`
                tests = [(measured, self.syntax_ends("length-check"))]
                return tests, tests
            tests = self._guard_call(test)
            # What a check proves about a resolved path's containment, it proves about the path.
            tests += [(self._resolved[key[0]], ends & {"containment"}) for key, ends in tests
                      if len(key) == 1 and key[0] in self._resolved and "containment" in ends]
            return tests, []
        key = access_key(test)
        part = self._part_check(test)
        if part:
            # `if urlparse(url).netloc: abort(400)`: where the part is empty, the URL is relative.
            return ([(key, self.syntax_ends("truth-test"))] if key is not None else []), part
        if key is not None:
            return [(key, self.syntax_ends("truth-test"))], []
        return [], []

    def _parser(self, node: cst.BaseExpression
                ) -> tuple[tuple[tuple[str, ...], ...], frozenset[str], tuple[str, ...]] | None:
        """``urlparse(url)`` (a guard validator with ``parts``): the keys of what it parses, what a
        check of a part ends, and the parts."""
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        attribute = func.attr.value if isinstance(func, cst.Attribute) else None
        for validator in self.tables.all_validators(self.evaluate(func).name, attribute, self.imports, ("guard",)):
            if not validator.parts or validator.argument is None:
                continue
            checked = self._argument(node, validator.argument, validator.keyword)
            # `urlparse(urljoin(request.host_url, target))` parses what the join was given.
            items = [arg.value for arg in checked.args] if isinstance(checked, cst.Call) and \
                self.evaluate(checked.func).name in self.tables.passthrough else [checked] if checked is not None else []
            keys = tuple(key for item in items if (key := access_key(item)) is not None)
            if keys:
                return keys, validator.ends, validator.parts
        return None

    def _part_check(self, node: cst.BaseExpression) -> _Tests:
        """A check of ``urlparse(url).hostname`` (or of ``parsed.hostname`` with ``parsed =
        urlparse(url)``) checks ``url``: the tests it makes for the parsed value."""
        if not isinstance(node, cst.Attribute):
            return []
        owner = node.value
        if isinstance(owner, cst.Name):
            recorded = self._parsed.get(owner.value)
            if recorded is None or self.lookup(owner.value) is not recorded[3]:
                return []
            keys, ends, parts = recorded[:3]
        else:
            parsed = self._parser(owner)
            if parsed is None:
                return []
            keys, ends, parts = parsed
        return [(key, ends) for key in keys] if node.attr.value in parts else []

    def _measured(self, node: cst.BaseExpression) -> tuple[str, ...] | None:
        """``len(x)``: the key of ``x``."""
        if (isinstance(node, cst.Call) and len(node.args) == 1 and not node.args[0].star
                and node.args[0].keyword is None and self.evaluate(node.func).name == "len"):
            return access_key(node.args[0].value)
        return None

    def _comparison(self, left: cst.BaseExpression, target: cst.ComparisonTarget) -> tuple[_Tests, _Tests]:
        operator, right = target.operator, target.comparator
        if isinstance(operator, (cst.In, cst.NotIn, cst.Equal, cst.NotEqual)):
            # `urlparse(url).hostname in ALLOWED_HOSTS`, `parsed.netloc == request.host`: a host check.
            part = self._part_check(left) + (self._part_check(right) if isinstance(
                operator, (cst.Equal, cst.NotEqual)) else [])
            if part:
                return (part, []) if isinstance(operator, (cst.In, cst.Equal)) else ([], part)
        for side in (left, right):
            measured = self._measured(side)
            if measured is not None:
                # `len(rows) > 0`, `if len(parts) != 2: raise`: either way the code looked.
                tests = [(measured, self.syntax_ends("length-check"))]
                return tests, tests
        if isinstance(operator, (cst.In, cst.NotIn)):
            tests: _Tests = []
            if self._is_allowlist(right) and access_key(left) is not None:
                tests.append((access_key(left), self.syntax_ends("allowlist")))  # type: ignore[arg-type]
            elif access_key(right) is not None:
                tests.append((access_key(right), self.syntax_ends("key-membership")))  # type: ignore[arg-type]
            return (tests, []) if isinstance(operator, cst.In) else ([], tests)
        if isinstance(operator, (cst.Equal, cst.NotEqual)) and isinstance(left, cst.Call):
            # `os.path.commonpath([base, path]) == base`: a guard call compared with a value.
            tests = self._guard_call(left)
            return (tests, []) if isinstance(operator, cst.Equal) else ([], tests)
        if isinstance(operator, _NONE_TESTS):
            key = access_key(left)
            if key is None:
                return [], []
            if isinstance(right, cst.Name) and right.value == "None":
                tests = [(key, self.syntax_ends("none-check"))]
                return (tests, []) if isinstance(operator, (cst.IsNot, cst.NotEqual)) else ([], tests)
            if isinstance(right, cst.SimpleString) and isinstance(operator, (cst.Equal, cst.NotEqual)):
                tests = [(key, self.syntax_ends("allowlist"))]
                return (tests, []) if isinstance(operator, cst.Equal) else ([], tests)
        return [], []

    def _is_allowlist(self, node: cst.BaseExpression) -> bool:
        """A literal collection of literals, or a name bound to one."""
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return bool(node.elements) and all(
                isinstance(element.value, (cst.SimpleString, cst.Integer)) for element in node.elements)
        if isinstance(node, cst.Name):
            value = self.lookup(node.value)
            return value is not None and value.origins.kinds == {"local"} and self._constant(node.value)
        return False

    def _constant(self, name: str) -> bool:
        return name.isupper() or name.startswith("_") and name[1:].isupper()

    def _guard_call(self, call: cst.Call) -> _Tests:
        func = call.func
        attribute = func.attr.value if isinstance(func, cst.Attribute) else None
        tests: _Tests = []
        summary = self.evaluate(func).function
        if summary is not None and summary.guards:
            # `if is_safe_url(target):`, a same-module check: what its true result shows.
            parameters = summary.parameters[1:] if summary.method and attribute is not None else summary.parameters
            for parameter, value in _passed(call, parameters).items():
                key = access_key(value)
                if key is not None and parameter in summary.guards:
                    tests.append((key, summary.guards[parameter]))
        for validator in self.tables.all_validators(self.evaluate(func).name, attribute, self.imports, ("guard",)):
            if validator.argument is None or validator.parts or not _compares_with(call, validator.literals):
                continue  # a parser (`urlparse`) checks nothing itself: a check of its parts does
            if validator.argument == -1:
                checked = func.value if isinstance(func, cst.Attribute) else None
                # `str(x).isdigit()`, `os.path.realpath(x).startswith(base)` check x; so does
                # `x.strip().upper().startswith("SELECT")` for a guard listing those methods.
                while True:
                    if (isinstance(checked, cst.Call) and len(checked.args) == 1
                            and self.evaluate(checked.func).name in self.tables.passthrough):
                        checked = checked.args[0].value
                    elif (isinstance(checked, cst.Call) and not checked.args and isinstance(checked.func, cst.Attribute)
                          and checked.func.attr.value in validator.through):
                        checked = checked.func.value
                    else:
                        break
            else:
                checked = self._argument(call, validator.argument, validator.keyword)
            # A guard given a list checks each item (`os.path.commonpath([base, path])`).
            items = [element.value for element in checked.elements] if isinstance(checked, (cst.List, cst.Tuple)) \
                else [checked] if checked is not None else []
            keys = [key for item in items if (key := access_key(item)) is not None]
            tests.extend((key, validator.ends) for key in keys)
        return tests

    # ------------------------------------------------------------------ try
    def visit_Try(self, node: cst.Try) -> None:
        self._memo.clear()
        caught: list[str | None] = []
        for handler in node.handlers:
            if handler.type is None:
                caught.append(None)
                continue
            types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
            for element in types:
                value = element.value if isinstance(element, cst.Element) else element
                caught.append(self.evaluate(value).name)
        self._tries.append(_Try(node, caught))

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def leave_Try(self, node: cst.Try) -> None:
        self._tries.pop()

    leave_TryStar = leave_Try  # type: ignore[assignment]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self._tries:
            self._tries[-1].in_body = False

    visit_ExceptStarHandler = visit_ExceptHandler  # type: ignore[assignment]

    def visit_Finally(self, node: cst.Finally) -> None:
        if self._tries and self._tries[-1].node.finalbody is node:
            self._tries[-1].in_body = False

    def visit_Else(self, node: cst.Else) -> None:
        if self._tries and self._tries[-1].node.orelse is node:
            self._tries[-1].in_body = False

    def _caught_here(self, raised: str) -> bool:
        floor = self._scopes_floor()
        for frame in reversed(self._tries[floor:]):
            if frame.in_body and any(caught is None or self._catches(caught, raised) for caught in frame.caught):
                return True
        return False

    def _catches(self, caught: str, raised: str) -> bool:
        return self.network_knowledge.catches(caught, raised)

    def _scopes_floor(self) -> int:
        scope = self._function_scope()
        return scope.try_floor if scope is not None else 0

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        func = node.func
        attribute = func.attr.value if isinstance(func, cst.Attribute) else None
        last = attribute if attribute is not None else func.value if isinstance(func, cst.Name) else None
        if last not in self.tables.call_words:
            return  # nothing this call can be is recorded here: no need to evaluate it
        name = self.evaluate(func).name
        if attribute == "add_argument" and imported(self.imports, ("argparse",)):
            found = argparse_argument(self, node)
            if found is not None:
                dest, ends = found
                old = self.argparse_dests.get(dest)
                self.argparse_dests[dest] = ends if old is None else old & ends
            return
        for registration in self.network_knowledge.error_handlers:
            if any(name_matches(pattern, name, attribute) for pattern in registration.calls) and node.args:
                if imported(self.imports, registration.imports):
                    self._register(node.args[0].value, registration.covers)
        validator = self.tables.validator(name, attribute, self.imports, ("conversion",))
        if validator is None:
            return
        argument = self._argument(node, 0, None)
        if argument is None:
            return
        origins = self.evaluate(argument).origins
        if not origins.unvalidated("format"):
            return
        handled = "try" if self._caught_here(validator.raises[0]) else None
        if handled:
            origins = origins.validating(self.syntax_ends("handled-conversion"))
        scope = self._function_scope()
        conversion = Conversion(node, name or attribute or "?", origins, validator.raises, handled,
                                scope.framework if scope is not None else None,
                                scope.summary.qualname if scope is not None and scope.summary else "<module>")
        self._conversions[id(node)] = conversion
        self.conversions.append(conversion)

    def _register(self, exception: cst.BaseExpression, covers: tuple[str, ...]) -> None:
        if isinstance(exception, cst.Integer):
            name = "Exception" if exception.value == "500" else None
        else:
            name = self.evaluate(exception).name
        if name is not None:
            self._registered.setdefault(name, set()).update(covers)

    # ------------------------------------------------------------------ functions and classes
    def _function_scope(self) -> _Scope | None:
        for scope in reversed(self._scopes):
            if scope.kind == "function":
                return scope
        return None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._memo.clear()
        self._resolved.clear()  # names are the function's own
        outer = self._scopes[-1]
        in_class = outer.kind == "class"
        decorators = [(self.evaluate(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator), d)
                      for d in node.decorators]
        for value, decorator in decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call) and target.args:
                attribute = target.func.attr.value if isinstance(target.func, cst.Attribute) else None
                for registration in self.network_knowledge.error_handlers:
                    if imported(self.imports, registration.imports) and any(
                            name_matches(pattern, value.name, attribute) for pattern in registration.decorators):
                        self._register(target.args[0].value, registration.covers)
        qualname = ".".join([scope.summary.name for scope in self._scopes if scope.summary is not None]
                            + ([outer.cls.name] if outer.cls is not None else []) + [node.name.value])
        params = node.params
        ordered = [param.name.value for param in list(params.posonly_params) + list(params.params)
                   + list(params.kwonly_params)]
        summary = FunctionSummary(node.name.value, qualname, tuple(ordered), method=in_class,
                                  optional=_optional_parameters(params))
        outer.names[node.name.value] = Value(function=summary)
        if outer.cls is not None:
            outer.cls.methods[node.name.value] = summary
        self.summaries[qualname] = summary
        entry = framework_for(self, node, decorators, in_class) if self.active else None
        scope = _Scope("function", summary=summary, framework=entry.framework if entry else None,
                       try_floor=len(self._tries))
        bound = bind_parameters(self, node, entry, decorators, in_class) if entry is not None else {}
        annotated = self._annotated_objects(node) if self.active else {}
        for index, name in enumerate(ordered):
            if name in bound:
                scope.names[name] = bound[name]
            elif name in annotated:
                scope.names[name] = annotated[name]
            elif index == 0 and in_class and outer.cls is not None:
                scope.names[name] = Value(instance=outer.cls)
            else:
                scope.names[name] = Value(source(PARAMETER, node.name, f"parameter {name}", self.order(node.name),
                                                 parameter=name))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.names[star.name.value] = Value()
        self._scopes.append(scope)
        self._functions.append(node)

    def _annotated_objects(self, node: cst.FunctionDef) -> dict[str, Value]:
        """Parameters annotated with a type the catalog names (``request: web.Request``)."""
        found = {}
        params = node.params
        for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            if param.annotation is not None:
                name = self.evaluate(param.annotation.annotation).name
                if name is not None and name in self.tables.instances:
                    found[param.name.value] = Value(name=name)
        return found

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.pop()
        scope = self._scopes.pop()
        if scope.summary is not None:
            scope.summary.returns = join(*scope.returns)
            if scope.guard_returns:
                for parameter in scope.summary.parameters:
                    ends = frozenset.intersection(*(shown.get(parameter, frozenset()) for shown in scope.guard_returns))
                    if ends:
                        scope.summary.guards[parameter] = ends

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._memo.clear()
        self._plain_blocks.add(id(node.body))
        info = ClassInfo(node.name.value, self._class_validator(node) if self.active else None)
        self._scopes[-1].names[node.name.value] = Value(cls=info)
        self._scopes.append(_Scope("class", cls=info))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.pop()

    def _class_validator(self, node: cst.ClassDef):
        bases = [self.evaluate(base.value) for base in node.bases]
        decorators = [self.evaluate(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator).name
                      for d in node.decorators]
        for base in bases:
            if base.cls is not None and base.cls.validator is not None:
                return base.cls.validator
        names = {base.name for base in bases if base.name} | {name for name in decorators if name}
        for validator in self.tables.class_validators:
            if names & (set(validator.bases) | set(validator.decorators)):
                return validator
        return None


def _compares_with(call: cst.Call, literals: tuple[str, ...]) -> bool:
    """A guard that names ``literals`` counts only when the call's first argument is one of
    them, or a tuple of them (case-insensitive): `sql.startswith(("SELECT", "WITH"))`."""
    if not literals:
        return True
    if not call.args:
        return False
    value = call.args[0].value
    items = [element.value for element in value.elements] if isinstance(value, (cst.Tuple, cst.List)) else [value]
    allowed = {literal.casefold() for literal in literals}
    texts = [literal_string(item) for item in items]
    return bool(texts) and all(text is not None and text.strip().casefold() in allowed for text in texts)


def _falsy(node: cst.BaseExpression | None) -> bool:
    """``return``, ``return False``, ``return None``: a return no guard's true result comes from."""
    return node is None or isinstance(node, cst.Name) and node.value in ("False", "None")


def _assigned_names(body: cst.BaseSuite) -> frozenset[str]:
    """Names a block's own statements bind with a plain assignment (``x = ...``)."""
    names: set[str] = set()
    for statement in body.body:
        small = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement] \
            if isinstance(body, cst.SimpleStatementSuite) else []
        for item in small:
            if isinstance(item, cst.Assign):
                names.update(target.target.value for target in item.targets if isinstance(target.target, cst.Name))
    return frozenset(names)


def _optional_parameters(params: cst.Parameters) -> frozenset[str]:
    """Parameters whose default passes nothing: ``None``, ``False``, an empty literal."""
    optional = set()
    for param in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
        default = param.default
        if (isinstance(default, cst.Name) and default.value in ("None", "False")
                or isinstance(default, (cst.List, cst.Tuple, cst.Dict)) and not default.elements):
            optional.add(param.name.value)
    return frozenset(optional)


def _dotted(node: cst.BaseExpression | None) -> str | None:
    key = access_key(node) if node is not None else None
    return ".".join(key) if key is not None else None


class _Driver(cst.CSTVisitor):
    """Walks a module and feeds every node to the fact, the way the engine's walk does."""

    def __init__(self, fact: ValueProvenance) -> None:
        super().__init__()
        self.fact = fact
        self.visits = {name[6:]: getattr(fact, name) for name in dir(fact) if name.startswith("visit_")}
        self.leaves = {name[6:]: getattr(fact, name) for name in dir(fact) if name.startswith("leave_")}

    def on_visit(self, node: cst.CSTNode) -> bool:
        method = self.visits.get(type(node).__name__)
        if method is not None:
            method(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        method = self.leaves.get(type(original_node).__name__)
        if method is not None:
            method(original_node)

    # libcst's per-attribute hooks look methods up by name on every field: not needed.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


def standalone(catalog: Catalog, text: str | None = None) -> ValueProvenance:
    """The fact outside the engine (tests, measurements): only the catalog and the text."""
    state = SimpleNamespace(settings=SimpleNamespace(catalog=catalog), text=text,
                            context=SimpleNamespace(resolver=None))
    return ValueProvenance(state)  # type: ignore[arg-type]


def analyse(module: cst.Module, catalog: Catalog, text: str | None = None,
            on_node=None) -> ValueProvenance:
    """The fact for ``module``, walked on its own (tests, measurements). ``on_node(fact,
    node)`` is called at each node after the fact has seen it, as a check would be."""
    fact = standalone(catalog, text)
    if not fact.active:
        return fact
    driver = _Driver(fact)
    if on_node is not None:
        visit = driver.on_visit

        def on_visit(node: cst.CSTNode) -> bool:
            visit(node)
            on_node(fact, node)
            return True

        driver.on_visit = on_visit  # type: ignore[method-assign]
    module.visit(driver)
    return fact


_LITERAL_VALUES = (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)


def _resets_to_literal(body: cst.BaseSuite, name: str) -> bool:
    """Every assignment to ``name`` in ``body`` assigns a literal, and there is one."""
    assigned = False
    for node in nodes_in(body.body, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For, cst.With)):
        targets = [target.target for target in node.targets] if isinstance(node, cst.Assign) else \
            [node.target] if isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For)) else \
            [item.asname.name for item in node.items if item.asname] if isinstance(node, cst.With) else []
        if not any(isinstance(target, cst.Name) and target.value == name for target in targets):
            continue
        value = getattr(node, "value", None)
        if not isinstance(node, (cst.Assign, cst.AnnAssign)) or not isinstance(value, _LITERAL_VALUES):
            return False
        assigned = True
    return assigned


def _short_chain(node: cst.BaseExpression, kind: type, link: str, links: int = 8) -> bool:
    """``node`` nests at most ``links`` nodes of ``kind`` through their ``link`` field (the
    left operand of ``and``/``or``, the ``else`` branch of a conditional expression)."""
    while isinstance(node, kind):
        links -= 1
        if links < 0:
            return False
        node = getattr(node, link)
    return True


_CONDITIONAL = (cst.Lambda, cst.GeneratorExp, cst.ListComp, cst.SetComp, cst.DictComp)


def _unconditional_calls(statement: cst.CSTNode) -> list[cst.Call]:
    """The calls ``statement`` makes whenever it runs to its end: not those in a branch of a
    conditional expression, the right operand of ``and``/``or``, a lambda or a comprehension."""
    found: list[cst.Call] = []
    pending: list[cst.CSTNode] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, _CONDITIONAL):
            continue
        if isinstance(node, cst.Call):
            found.append(node)
        if isinstance(node, cst.IfExp):
            pending.append(node.test)
        elif isinstance(node, cst.BooleanOperation):
            pending.append(node.left)
        else:
            pending.extend(children(node))
    return found


_RESOLVING = frozenset({"os.path.realpath", "os.path.abspath", "os.path.normpath"})
