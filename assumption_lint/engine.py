"""The analysis pipeline for one file.

read bytes (size cap) -> decode -> cheap relevance pre-check -> depth guard -> parse once
with libcst -> one traversal in which the engine keeps its context stacks and resolver up
to date and dispatches every node to every enabled check -> positions, only when the file
has findings. Any failure becomes a finding for that file, never a traceback.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import io
import re
import sys
import tokenize
import traceback
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, Union

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from .catalog import Catalog
from .checks import ALL_CHECKS
from .checks.base import Check, RawFinding
from .context import Context, FunctionFrame, Handler, TryFrame, Unresolved, imported_names, is_main_guard
from .facts.base import Analysis, Fact, fact_order, needs_transitively
from .facts.syntax import module_level_calls
from .findings import FileResult, Finding, InternalError, Related
from .resolve import Instance, LocalClass, LocalFunction, Resolver, dotted_name
from .suppress import is_suppressed

MAX_FILE_BYTES = 5_000_000
# The traversal recurses a few frames per nesting level; CPython's default of 1000 is far
# too low for real code with long operator chains.
RECURSION_LIMIT = 20_000


@dataclass(frozen=True)
class Settings:
    """Everything that decides what is checked in one file."""

    catalog: Catalog
    enabled: frozenset[str]
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    severities: Mapping[str, str] = field(default_factory=dict)
    target_version: tuple[int, int] = (3, 10)
    max_file_bytes: int = MAX_FILE_BYTES
    # Package versions the analyzed project declares (versions.py), by normalized name. The
    # catalog above is already specialised for them (Catalog.for_versions).
    package_versions: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class FileState:
    """One file under analysis: what checks read besides the context stacks."""

    path: str
    text: str
    module: cst.Module
    settings: Settings
    context: Context
    raw: list[RawFinding] = field(default_factory=list)
    # The one instance of each shared analysis the enabled checks need (facts/base.py).
    facts: dict[type, Fact] = field(default_factory=dict)
    _global_timeout: bool | None = None

    @property
    def yielded_to(self) -> frozenset[str]:
        """Rules some enabled rule yields to: recorded even when disabled, for de-duplication."""
        return yielded_rules(self.settings)

    def global_socket_timeout_set(self) -> bool:
        """True when module-level code calls ``socket.setdefaulttimeout(<not None>)``."""
        if self._global_timeout is None:
            self._global_timeout = any(_sets_default_timeout(call, self.context.resolver)
                                       for call in module_level_calls(self.module))
        return self._global_timeout


def _sets_default_timeout(call: cst.Call, resolver: Resolver) -> bool:
    resolved = resolver.resolve(call.func)
    if resolved is None or resolved.name != "socket.setdefaulttimeout" or not call.args:
        return False
    value = call.args[0].value
    return not (isinstance(value, cst.Name) and value.value == "None")


# --------------------------------------------------------------------------- decode/guard
class Unreadable(Exception):
    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


def decode_source(data: bytes) -> str:
    """Bytes to text with the PEP 263 encoding (UTF-8 by default, BOM honoured)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise Unreadable(f"bad encoding declaration: {exc.msg}", exc.lineno or 1) from exc
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        # columns count code points: decode what precedes the bad byte on its line
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode(encoding, "replace")) + 1
        raise Unreadable(f"cannot decode as {encoding}: byte 0x{data[exc.start]:02x} at line {line}",
                         line, column) from exc
    except LookupError as exc:
        raise Unreadable(f"unknown encoding {encoding!r}") from exc


_BRACKETS = re.compile(r"[()\[\]{}]")
# libcst's native parser crashes (stack overflow, not an exception) or takes seconds per
# statement past a couple of thousand levels of expression nesting: measured with an 8 MB
# stack, a 3000-deep subscript chain, a 4000-deep lambda chain and an 8000-term `and`
# chain crash it, and a 2000-deep subscript chain takes 13 s. Real code stays far below.
MAX_EXPRESSION_DEPTH = 1000
# A statement level costs libcst about a quarter of an expression level: an `elif` chain
# (each `elif` an If nested in the previous one's orelse) of 8000 parses, of 12000 crashes.
# Other statements cannot nest past CPython's 100 indentation levels.
STATEMENT_WEIGHT = 4  # statement levels per expression level


def _may_nest_deeply(text: str) -> bool:
    """A cheap text scan: could any expression here nest MAX_EXPRESSION_DEPTH deep?

    An expression that deep needs more than 100 nested brackets, or an operator chain of
    at least two characters per level: on one long line, inside one long bracketed span,
    or across many backslash continuations; statements that deep need an `elif` chain.
    """
    depth = max_depth = 0
    start = longest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "([{":
            if depth == 0:
                start = match.start()
            depth += 1
            max_depth = max(max_depth, depth)
        elif depth:
            depth -= 1
            if depth == 0:
                longest = max(longest, match.start() - start)
    if depth:  # an unclosed bracket: the span runs to the end of the text
        longest = max(longest, len(text) - start)
    reach = 2 * MAX_EXPRESSION_DEPTH
    return (max_depth > 100 or longest > reach or text.count("\\\n") > MAX_EXPRESSION_DEPTH // 5
            or text.count("elif") > reach or any(len(line) > reach for line in text.splitlines()))


def _libcst_depth(tree: ast.AST) -> int:
    """How deep libcst's tree for this code would be, in expression levels: CPython's
    tree, except that libcst nests `a and b and c` one level per operator where CPython
    keeps one flat BoolOp, and that a statement level weighs 1/STATEMENT_WEIGHT."""
    deepest = 0
    pending: list[tuple[ast.AST, int]] = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, ast.stmt):
            depth += 1
        elif isinstance(node, ast.BoolOp):
            depth += STATEMENT_WEIGHT * (len(node.values) - 1)
        else:
            depth += STATEMENT_WEIGHT
        if depth > deepest:
            deepest = depth
        pending.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest // STATEMENT_WEIGHT


def syntax_error_position(text: str, exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """Line, 1-based column and message of a syntax error.

    libcst's native parser leaves ``raw_column`` at 0 and names, in its message, the token
    after the one that failed. CPython's parser points at the failing token with a
    clearer message: use it when it fails within the two lines before libcst's (else it
    stopped at something else, e.g. syntax newer than the running Python).
    """
    line, column = exc.raw_line, exc.raw_column + 1
    where = re.search(r"error at (\d+):(\d+)", exc.message)
    if where is not None:
        line, column = int(where.group(1)), int(where.group(2)) + 1
    message = re.sub(r"^(parser error: )?(error at \d+:\d+: )?", "", " ".join(exc.message.split())) or "invalid syntax"
    null = text.find("\0")
    if null >= 0 and "'\\0'" in message:  # CPython rejects null bytes before parsing
        line = text.count("\n", 0, null) + 1
        return line, null - (text.rfind("\n", 0, null) + 1) + 1, "the file contains a null byte"
    try:
        compile(text, "<alint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as cpython:
        if cpython.lineno is not None and line - 2 <= cpython.lineno <= line:
            return cpython.lineno, max(cpython.offset or 1, 1), cpython.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    return line, column, message


def _cpython_parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def too_deep(text: str) -> str | None:
    """A reason when the text nests too deeply for libcst's native parser to survive.

    A cheap scan decides whether to ask CPython's own parser, which fails cleanly, for
    the tree's shape; code CPython cannot parse is left to libcst (it may be newer syntax).
    """
    if not _may_nest_deeply(text):
        return None
    if sys.getrecursionlimit() < RECURSION_LIMIT:  # CPython's tree conversion recurses per level
        sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        tree = ast.parse(text)
    except (RecursionError, MemoryError):
        return "expressions nest deeper than the parser can follow"
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg) or "too complex" in str(exc.msg):
            return f"expressions nest too deeply ({exc.msg})"
        return None
    except ValueError:
        return None
    depth = _libcst_depth(tree)
    if depth > MAX_EXPRESSION_DEPTH:
        return f"code nests {depth} levels deep, over the {MAX_EXPRESSION_DEPTH} alint follows"
    return None


# --------------------------------------------------------------------------- pre-check
_TRIGGER_CACHE: dict[frozenset[str], re.Pattern[str]] = {}


def relevance_pattern(words: Iterable[str]) -> re.Pattern[str]:
    key = frozenset(words)
    pattern = _TRIGGER_CACHE.get(key)
    if pattern is None:
        alternatives = "|".join(sorted((re.escape(word) for word in key), key=len, reverse=True))
        pattern = re.compile(rf"\b(?:{alternatives})\b")
        _TRIGGER_CACHE[key] = pattern
    return pattern


def yielded_rules(settings: Settings) -> frozenset[str]:
    rules = settings.catalog.rules
    return frozenset(other for rule in settings.enabled if rule in rules for other in rules[rule].yields_to)


def enabled_checks(settings: Settings) -> list[type[Check]]:
    # A check also runs for a disabled rule that an enabled one yields to: its findings
    # decide where the enabled rule stands back.
    wanted = settings.enabled | yielded_rules(settings)
    return [check for check in ALL_CHECKS if any(rule in wanted for rule in check.rules)]


_FACT_ORDER: dict[tuple[type[Check], ...], list[type[Fact]]] = {}


def needed_facts(checks: Iterable[type[Check]]) -> list[type[Fact]]:
    """The facts these checks need, dependencies first (computed once per set of checks)."""
    key = tuple(checks)
    order = _FACT_ORDER.get(key)
    if order is None:
        order = _FACT_ORDER[key] = fact_order(key)
    return order


def deduplicated(raw: list[RawFinding], settings: Settings) -> list[RawFinding]:
    """Drop a finding where a rule it yields to speaks for the same place, then drop the
    findings of rules that are not enabled. A finding speaks for its node, the nodes it
    covers and its related locations; the yielding finding is recognised by its node or
    the nodes it covers (AL203 at ``resp.json()`` covers ``resp.json``, the body use AL202
    names). Runs before suppressions and selection, on every raw finding, so the outcome
    does not depend on what is selected."""
    rules = settings.catalog.rules
    spoken_for: dict[str, set[int]] = {}
    for finding in raw:
        nodes = spoken_for.setdefault(finding.rule, set())
        nodes.add(id(finding.node))
        nodes.update(id(node) for node in finding.covers)
        nodes.update(id(node) for node, _ in finding.related)
    kept = []
    for finding in raw:
        meta = rules.get(finding.rule)
        yields = meta.yields_to if meta is not None else ()
        own = [id(finding.node)] + [id(node) for node in finding.covers]
        if any(node in spoken_for.get(other, ()) for other in yields for node in own):
            continue
        if finding.rule in settings.enabled:
            kept.append(finding)
    return kept


def is_relevant(text: str, settings: Settings, checks: list[type[Check]]) -> bool:
    """Could this file matter? A text search: it never needs the file to parse."""
    words = set(settings.catalog.module_roots())
    for check in checks:
        words.update(check.triggers)
    return bool(words) and relevance_pattern(words).search(text) is not None


# --------------------------------------------------------------------------- traversal
_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
_STATEMENT_TYPES: dict[type, bool] = {}


def _is_statement(kind: type) -> bool:
    known = _STATEMENT_TYPES.get(kind)
    if known is None:
        known = _STATEMENT_TYPES[kind] = issubclass(kind, _STATEMENTS)
    return known


class _Walker(cst.CSTVisitor):
    """One traversal: keep the context up to date, then hand each node to every fact and
    then to every check. ``analyses`` lists facts first, in dependency order, so at each node
    (``leave_Module`` included) a check reads facts that are already up to date."""

    def __init__(self, state: FileState, analyses: list[Analysis],
                 on_crash: Callable[[type[Analysis], BaseException], None]) -> None:
        self.state = state
        self.ctx = state.context
        self.resolver = state.context.resolver
        self.analyses = analyses
        self.on_crash = on_crash
        self._build_tables()

    def _build_tables(self) -> None:
        self.visits: dict[str, list[tuple[Analysis, Callable[[Any], Any]]]] = {}
        self.leaves: dict[str, list[tuple[Analysis, Callable[[Any], Any]]]] = {}
        for analysis in self.analyses:
            for attr in dir(type(analysis)):
                if attr.startswith("visit_"):
                    self.visits.setdefault(attr[6:], []).append((analysis, getattr(analysis, attr)))
                elif attr.startswith("leave_"):
                    self.leaves.setdefault(attr[6:], []).append((analysis, getattr(analysis, attr)))

    def _dispatch(self, table: dict[str, list[tuple[Analysis, Callable[[Any], Any]]]], node: cst.CSTNode) -> None:
        for analysis, method in table.get(type(node).__name__, ()):
            # `table` predates any rebuild below: skip an analysis that crashed on this node
            # (calling it again crashed the engine), and never re-run the ones before it.
            if analysis not in self.analyses:
                continue
            try:
                method(node)
            except RecursionError:
                raise
            except Exception as exc:  # a crashing check or fact must not stop the others
                self.on_crash(type(analysis), exc)
                self.analyses = without_crashed(self.analyses, analysis)
                self._build_tables()
        return None

    # on_visit/on_leave run for every node: they look the node's type up in dicts instead
    # of calling isinstance on an ABC (BaseCompoundStatement) and _dispatch for nothing.
    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        enter = _ENTER.get(kind)
        if enter is not None:
            enter(self, node)
        if _is_statement(kind):
            self.ctx.statements.append(node)  # type: ignore[arg-type]
        if kind.__name__ in self.visits:
            self._dispatch(self.visits, node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        kind = type(original_node)
        if kind.__name__ in self.leaves:
            self._dispatch(self.leaves, original_node)
        if _is_statement(kind):
            self.ctx.statements.pop()
        leave = _LEAVE.get(kind)
        if leave is not None:
            leave(self, original_node)

    # libcst's per-attribute hooks look methods up by name on every field: not needed.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None

    # ---------------------------------------------------------------- context hooks
    def enter_import(self, node: cst.Import) -> None:
        self.resolver.bind_import(node)
        self.ctx.imports.update(imported_names(node))

    def enter_import_from(self, node: cst.ImportFrom) -> None:
        self.resolver.bind_import_from(node)
        self.ctx.imports.update(imported_names(node))

    def enter_await(self, node: cst.Await) -> None:
        self.ctx.awaits += 1

    def leave_await(self, node: cst.Await) -> None:
        self.ctx.awaits -= 1

    def enter_if(self, node: cst.If) -> None:
        if self.ctx.function is None and not self.ctx.classes and is_main_guard(node.test):
            self.ctx.main_guards.append(node)

    def leave_if(self, node: cst.If) -> None:
        if self.ctx.main_guards and self.ctx.main_guards[-1] is node:
            self.ctx.main_guards.pop()

    def enter_class(self, node: cst.ClassDef) -> None:
        local = self._local_class(node)
        self.resolver.bind(node.name.value, local)
        self.ctx.classes.append(node)
        self.resolver.push("class")

    def leave_class(self, node: cst.ClassDef) -> None:
        self.resolver.pop()
        self.ctx.classes.pop()

    def _local_class(self, node: cst.ClassDef) -> LocalClass:
        """A class extending a catalogued client keeps its type; overriding a timeout
        hook method (e.g. ``request``) that mentions ``timeout`` injects one."""
        for base in node.bases:
            client = None
            inherited = False
            binding = self.resolver.lookup(base.value.value) if isinstance(base.value, cst.Name) else None
            if isinstance(binding, LocalClass) and binding.client is not None:
                client, inherited = binding.client, binding.timeout_injected
            else:
                resolved = self.resolver.resolve(base.value)
                if resolved is not None:
                    client = self.state.settings.catalog.client(resolved.name)
            if client is not None:
                injected = inherited or any(
                    isinstance(item, cst.FunctionDef) and item.name.value in client.timeout_hooks
                    and _mentions_timeout(item)
                    for item in node.body.body)
                return LocalClass(node.name.value, node, client, injected)
        return LocalClass(node.name.value, node)

    def enter_function(self, node: cst.FunctionDef) -> None:
        self.resolver.bind(node.name.value, LocalFunction(node.name.value, node))
        in_class = self.resolver.current.kind == "class"
        outer = [frame.node.name.value for frame in self.ctx.functions]
        class_name = self.ctx.classes[-1].name.value if in_class and self.ctx.classes else None
        qualname = ".".join(outer + ([class_name] if class_name else []) + [node.name.value])
        decorators = []
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            resolved = self.resolver.resolve(target)
            parts = dotted_name(target)
            decorators.append(resolved.name if resolved else ".".join(parts) if parts else "?")
        frame = FunctionFrame(node, qualname, class_name, tuple(decorators), node.asynchronous is not None)
        self.ctx.enter_function(frame)
        self.resolver.push("function")
        params = node.params
        ordered = list(params.posonly_params) + list(params.params)
        for param in ordered + list(params.kwonly_params):
            self.resolver.bind(param.name.value, None)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.resolver.bind(star.name.value, None)
        if in_class and ordered and "staticmethod" not in decorators:
            self.resolver.set_self_name(ordered[0].name.value)

    def leave_function(self, node: cst.FunctionDef) -> None:
        self.resolver.pop()
        frame = self.ctx.leave_function()
        returned = [value for value in frame.return_bindings]
        if returned and all(isinstance(value, Instance) for value in returned):
            first = returned[0]
            if all(value.type == first.type for value in returned):  # type: ignore[union-attr]
                self.resolver.bind(node.name.value, LocalFunction(node.name.value, node, first))  # type: ignore[arg-type]

    def enter_return(self, node: cst.Return) -> None:
        frame = self.ctx.function
        if frame is not None:
            frame.return_bindings.append(
                self.resolver.binding_for_value(node.value) if node.value is not None else None)

    def enter_lambda(self, node: cst.Lambda) -> None:
        self.resolver.push("function")
        for param in list(node.params.params) + list(node.params.kwonly_params) + list(node.params.posonly_params):
            self.resolver.bind(param.name.value, None)

    def leave_lambda(self, node: cst.Lambda) -> None:
        self.resolver.pop()

    def enter_try(self, node: Union[cst.Try, cst.TryStar]) -> None:
        handlers = tuple(Handler(handler, self._caught(handler.type)) for handler in node.handlers)
        self.ctx.tries.append(TryFrame(node, handlers))

    def _caught(self, expression: cst.BaseExpression | None) -> tuple[str | Unresolved, ...] | None:
        if expression is None:
            return None
        elements = expression.elements if isinstance(expression, cst.Tuple) else [expression]
        names: list[str | Unresolved] = []
        for element in elements:
            value = element.value if isinstance(element, cst.Element) else element
            resolved = self.resolver.resolve(value)
            if resolved is not None:
                names.append(resolved.name)
            else:
                parts = dotted_name(value)
                spelled = ".".join(parts) if parts else "<expression>"
                binding = self.resolver.lookup(spelled) if spelled.isidentifier() else None
                names.append(Unresolved(spelled, isinstance(binding, LocalClass)))
        return tuple(names)

    def leave_try(self, node: cst.CSTNode) -> None:
        self.ctx.tries.pop()

    def enter_handler_part(self, node: cst.CSTNode) -> None:
        """An except clause, or the else/finally of the innermost try: out of its body."""
        if self.ctx.tries:
            frame = self.ctx.tries[-1]
            if node is frame.node.orelse or node is frame.node.finalbody or isinstance(
                    node, (cst.ExceptHandler, cst.ExceptStarHandler)):
                frame.in_body = False

    def enter_loop(self, node: Union[cst.For, cst.While]) -> None:
        if isinstance(node, cst.For):
            self.resolver.bind_target(node.target, None)
        self.ctx.loops.append(node)

    def leave_loop(self, node: cst.CSTNode) -> None:
        self.ctx.loops.pop()

    def enter_with(self, node: cst.With) -> None:
        self.ctx.withs.append(node)
        for item in node.items:
            if item.asname is not None:
                self.resolver.bind_target(item.asname.name, self.resolver.instance_of(item.item))

    def leave_with(self, node: cst.With) -> None:
        self.ctx.withs.pop()

    def leave_assign(self, node: cst.Assign) -> None:
        value = self._assigned(node.value)
        for target in node.targets:
            self._bind_assignment(target.target, node.value, value)

    def leave_ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_assignment(node.target, node.value, self._assigned(node.value))

    def _assigned(self, value: cst.BaseExpression) -> Any:
        return self.resolver.binding_for_value(value)

    def _bind_assignment(self, target: cst.BaseExpression, value_node: cst.BaseExpression, value: Any) -> None:
        # `self.session = None` is a placeholder, not a rebinding alint should trust.
        if isinstance(target, cst.Attribute) and isinstance(value_node, cst.Name) and value_node.value == "None":
            return
        if self._replaces_timeout_hook(target, value_node):
            return
        self.resolver.bind_target(target, value)

    def _replaces_timeout_hook(self, target: cst.BaseExpression, value_node: cst.BaseExpression) -> bool:
        """``session.request = partial(session.request, timeout=30)``: a timeout hook replaced
        by a callable that mentions a timeout injects one, like a subclass overriding it."""
        if not isinstance(target, cst.Attribute):
            return False
        owner = self.resolver.instance_of(target.value)
        if owner is None or target.attr.value not in owner.client.timeout_hooks or not _mentions_timeout(value_node):
            return False
        self.resolver.bind_target(target.value, replace(owner, timeout_injected=True))
        return True

    def leave_aug_assign(self, node: cst.AugAssign) -> None:
        self.resolver.bind_target(node.target, None)

    def leave_named_expr(self, node: cst.NamedExpr) -> None:
        self.resolver.bind_target(node.target, self._assigned(node.value))

    def leave_call(self, node: cst.Call) -> None:
        """``session.mount(prefix, TimeoutAdapter())``: the session now injects a timeout;
        ``sock.settimeout(5)`` (a catalogued timeout setter) sets one from here on."""
        func = node.func
        if isinstance(func, cst.Attribute) and node.args:
            owner = self.resolver.instance_of(func.value)
            if owner is not None and func.attr.value in owner.client.timeout_setters:
                self.resolver.bind_target(func.value, replace(owner, timeout_injected=True))
                return
        if not (isinstance(func, cst.Attribute) and len(node.args) >= 2):
            return
        instance = self.resolver.instance_of(func.value)
        if instance is None or instance.timeout_injected or func.attr.value != instance.client.mount_method:
            return
        adapter = self.resolver.instance_of(node.args[1].value)
        if adapter is not None and adapter.timeout_injected:
            self.resolver.bind_target(func.value, Instance(instance.client, instance.call, True))


def _mentions_timeout(node: cst.CSTNode) -> bool:
    finder = _TimeoutMention()
    node.visit(finder)
    return finder.found


class _TimeoutMention(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or "timeout" in node.value.lower()

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.found = self.found or "timeout" in node.value.lower()


_ENTER: dict[type, Callable[[_Walker, Any], None]] = {
    cst.Import: _Walker.enter_import,
    cst.Await: _Walker.enter_await,
    cst.If: _Walker.enter_if,
    cst.ImportFrom: _Walker.enter_import_from,
    cst.ClassDef: _Walker.enter_class,
    cst.FunctionDef: _Walker.enter_function,
    cst.Return: _Walker.enter_return,
    cst.Lambda: _Walker.enter_lambda,
    cst.Try: _Walker.enter_try,
    cst.TryStar: _Walker.enter_try,
    cst.ExceptHandler: _Walker.enter_handler_part,
    cst.ExceptStarHandler: _Walker.enter_handler_part,
    cst.Else: _Walker.enter_handler_part,
    cst.Finally: _Walker.enter_handler_part,
    cst.For: _Walker.enter_loop,
    cst.While: _Walker.enter_loop,
    cst.With: _Walker.enter_with,
}
_LEAVE: dict[type, Callable[[_Walker, Any], None]] = {
    cst.Await: _Walker.leave_await,
    cst.If: _Walker.leave_if,
    cst.ClassDef: _Walker.leave_class,
    cst.FunctionDef: _Walker.leave_function,
    cst.Lambda: _Walker.leave_lambda,
    cst.Try: _Walker.leave_try,
    cst.TryStar: _Walker.leave_try,
    cst.For: _Walker.leave_loop,
    cst.While: _Walker.leave_loop,
    cst.With: _Walker.leave_with,
    cst.Assign: _Walker.leave_assign,
    cst.AnnAssign: _Walker.leave_ann_assign,
    cst.AugAssign: _Walker.leave_aug_assign,
    cst.NamedExpr: _Walker.leave_named_expr,
    cst.Call: _Walker.leave_call,
}


# libcst's own ``visit`` rebuilds and re-validates every node it passes, whatever the
# visitor: most of a traversal's cost. ``walk`` hands the walker the same nodes in the same
# order without rebuilding anything. The order is libcst's: the fields its
# ``_visit_and_replace_children`` visits, recorded once per node class. Whitespace and
# punctuation nodes (which hold only more whitespace) are skipped when nothing listens.
_FIELD_ORDER: dict[type, tuple[str, ...]] = {}
_TOKEN_BASES = (cst.BaseParenthesizableWhitespace, cst.BaseUnaryOp, cst.BaseBooleanOp, cst.BaseBinaryOp,
                cst.BaseCompOp, cst.BaseAugOp)
_TOKEN_TYPES = frozenset(
    kind for kind in vars(cst).values()
    if isinstance(kind, type) and issubclass(kind, _TOKEN_BASES) and not getattr(kind, "__abstractmethods__", None)
) | {cst.Newline, cst.Comment, cst.TrailingWhitespace, cst.EmptyLine, cst.Semicolon, cst.Colon, cst.Comma,
     cst.Dot, cst.ImportStar, cst.AssignEqual, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
     cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Asynchronous}


class _FieldRecorder(cst.CSTVisitor):
    def __init__(self, parent: cst.CSTNode) -> None:
        self.parent = parent
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.parent:
            self.fields.append(attribute)


def _child_fields(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    order = _FIELD_ORDER.get(kind)
    if order is None:
        recorder = _FieldRecorder(node)
        node._visit_and_replace_children(recorder)
        names = list(dict.fromkeys(recorder.fields))
        # A field libcst visits only when it is set (an f-string's format_spec) comes
        # after the recorded ones, as in libcst; non-node values are ignored when walking.
        names += [item.name for item in dataclasses.fields(kind) if item.name not in names]
        order = _FIELD_ORDER[kind] = tuple(names)
    return order


def walk(walker: _Walker, module: cst.Module) -> None:
    """``module.visit(walker)``, without rebuilding the tree."""
    listened = set(walker.visits) | set(walker.leaves)
    skip = frozenset(kind for kind in _TOKEN_TYPES
                     if kind.__name__ not in listened and kind not in _ENTER and kind not in _LEAVE)
    node_type = cst.CSTNode

    def visit(node: cst.CSTNode) -> None:
        walker.on_visit(node)
        for name in _child_fields(node):
            value = getattr(node, name)
            if isinstance(value, node_type):
                if type(value) not in skip:
                    visit(value)
            elif isinstance(value, (tuple, list)):
                for child in value:
                    if isinstance(child, node_type) and type(child) not in skip:
                        visit(child)
        walker.on_leave(node)

    visit(module)


def without_crashed(analyses: list[Analysis], crashed: Analysis) -> list[Analysis]:
    """The analyses that go on after ``crashed`` failed: a fact's failure also stops every
    analysis that needs it, directly or through another fact (its input is gone)."""
    if not isinstance(crashed, Fact):
        return [analysis for analysis in analyses if analysis is not crashed]
    lost = type(crashed)
    return [analysis for analysis in analyses
            if analysis is not crashed and lost not in needs_transitively(type(analysis))]


# --------------------------------------------------------------------------- findings
def _rule_finding(settings: Settings, path: str, rule: str, message: str, line: int, column: int,
                  end_line: int, end_column: int, related: tuple[Related, ...] = (),
                  severity: str | None = None) -> Finding:
    """``severity`` is the check's choice for this finding; the user's configuration wins over it."""
    meta = settings.catalog.rules[rule]
    return Finding(path=path, rule=rule, name=meta.slug,
                   severity=settings.severities.get(rule, severity or meta.severity), confidence=meta.confidence,
                   message=message, line=line, column=column, end_line=end_line, end_column=end_column,
                   related=related)


def _fingerprint(rule: str, path: str, text: str, function: str, occurrence: int) -> str:
    normalized = " ".join(text.split())
    digest = hashlib.sha256(f"{rule}\0{path}\0{function}\0{normalized}\0{occurrence}".encode()).hexdigest()
    return digest[:20]


def _positioned(state: FileState, lines: list[str]) -> list[Finding]:
    """Positions are a whole-tree pass: only files with findings pay for it."""
    wrapper = MetadataWrapper(state.module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    findings = []
    occurrences: dict[tuple[str, str, str], int] = {}
    for raw in sorted(state.raw, key=lambda raw: (positions[raw.node].start.line, positions[raw.node].start.column)):
        span = _reported_span(positions, raw.node, lines)
        statement_line = positions[raw.statement].start.line if raw.statement in positions else span.start.line
        if is_suppressed(raw.rule, lines, span.start.line, statement_line):
            continue
        meta = state.settings.catalog.rules[raw.rule]
        related = tuple(
            Related(positions[node].start.line, positions[node].start.column + 1,
                    positions[node].end.line, positions[node].end.column + 1, text)
            for node, text in raw.related if node in positions)
        text = state.module.code_for_node(raw.node)
        key = (raw.rule, raw.function, " ".join(text.split()))
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1
        finding = _rule_finding(state.settings, state.path, raw.rule, meta.render(**raw.fields),
                                span.start.line, span.start.column + 1, span.end.line, span.end.column + 1,
                                related, severity=raw.severity)
        findings.append(_with_fingerprint(finding, _fingerprint(raw.rule, state.path, text, raw.function, occurrence)))
    return findings


def _reported_span(positions: Any, node: cst.CSTNode, lines: list[str]) -> CodeRange:
    """The region a finding shows: the node's span, except that an except clause is shown
    by its one-line header (``except ...:``), not its whole body (noisy in editors and SARIF)."""
    span = positions[node]
    if not isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)):
        return span
    last = node.name or node.type
    start = span.start
    if last is not None and positions[last].end.line == start.line:
        end_column = positions[last].end.column + len(node.whitespace_before_colon.value) + 1  # the colon
    elif last is None:
        keyword = 7 if isinstance(node, cst.ExceptStarHandler) else 6  # `except*` / `except`
        end_column = start.column + keyword + len(node.whitespace_before_colon.value) + 1
    else:  # a header over several lines: its first line
        end_column = len(lines[start.line - 1].rstrip()) if start.line <= len(lines) else start.column
    return CodeRange(start, CodePosition(start.line, max(end_column, start.column)))


def _with_fingerprint(finding: Finding, fingerprint: str) -> Finding:
    return replace(finding, fingerprint=fingerprint)


def file_level(settings: Settings, path: str, rule: str, line: int = 1, column: int = 1, **fields: Any) -> list[Finding]:
    if rule not in settings.enabled:
        return []
    meta = settings.catalog.rules[rule]
    finding = _rule_finding(settings, path, rule, meta.render(**fields), line, column, line, column)
    return [_with_fingerprint(finding, _fingerprint(rule, path, meta.render(**fields), "<file>", 0))]


def _start(state: FileState, kinds: list[type[Analysis]],
           on_crash: Callable[[type[Analysis], BaseException], None]) -> list[Analysis]:
    """One instance of each fact (dependencies first) and each check. One that fails to start
    is reported like one that fails later, and what needs a fact that did not start is left out."""
    started: list[Analysis] = []
    for kind in kinds:
        if any(needed not in state.facts for needed in kind.needs):
            continue  # a fact it reads did not start
        try:
            analysis = kind(state)
        except RecursionError:
            raise
        except Exception as exc:
            on_crash(kind, exc)
            continue
        if isinstance(analysis, Fact):
            state.facts[kind] = analysis
        started.append(analysis)
    return started


# --------------------------------------------------------------------------- entry points
def analyze_bytes(data: bytes, path: str, settings: Settings, *, keep_tracebacks: bool = False) -> FileResult:
    result = FileResult(path)
    if len(data) > settings.max_file_bytes:
        result.findings = file_level(settings, path, "AL003",
                                      reason=f"the file is {len(data) / 1e6:.1f} MB, over the "
                                             f"{settings.max_file_bytes / 1e6:.0f} MB limit")
        return result
    try:
        text = decode_source(data)
    except Unreadable as exc:
        result.findings = file_level(settings, path, "AL001", exc.line, exc.column, reason=exc.reason)
        return result
    return analyze_text(text, path, settings, keep_tracebacks=keep_tracebacks)


def analyze_text(text: str, path: str, settings: Settings, *, keep_tracebacks: bool = False) -> FileResult:
    result = FileResult(path)
    check_classes = enabled_checks(settings)
    if not text.strip() or not check_classes or not is_relevant(text, settings, check_classes):
        return result
    reason = too_deep(text)
    if reason is not None:
        result.findings = file_level(settings, path, "AL003", reason=reason)
        return result
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        if _may_nest_deeply(text) and _cpython_parses(text):
            # Valid code past what libcst's parser handles (e.g. thousands of implicitly
            # concatenated strings): too complex for alint, not a syntax error.
            result.findings = file_level(settings, path, "AL003", reason="the parser cannot follow this valid code")
            return result
        line, column, message = syntax_error_position(text, exc)
        result.findings = file_level(settings, path, "AL001", line, column, reason=f"syntax error: {message}")
        return result
    except RecursionError:
        result.findings = file_level(settings, path, "AL003", reason="expressions nest deeper than the parser can follow")
        return result
    result.analyzed = True
    state = FileState(path, text, module, settings, Context(Resolver(settings.catalog)))

    skipped: set[str] = set()  # checks that needed a fact that crashed: none of their findings stand

    def on_crash(kind: type[Analysis], exc: BaseException) -> None:
        name = kind.__name__
        detail = f"{type(exc).__name__}: {exc}"
        result.errors.append(InternalError(path, name, detail, traceback.format_exc() if keep_tracebacks else ""))
        label = name
        if issubclass(kind, Fact):
            lost = sorted(check.__name__ for check in check_classes if kind in needs_transitively(check))
            skipped.update(lost)
            label = f"{name} (a shared fact; skipped for this file: {', '.join(lost) or 'no check'})"
        result.findings.extend(file_level(settings, path, "AL002", check=label, error=detail))

    analyses = _start(state, [*needed_facts(check_classes), *check_classes], on_crash)
    try:
        walk(_Walker(state, analyses, on_crash), module)
    except RecursionError:
        result.findings = file_level(settings, path, "AL003", reason="code nests deeper than the traversal can follow")
        return result
    except Exception as exc:  # the engine itself failed: report it for this file only
        on_crash_engine = InternalError(path, "engine", f"{type(exc).__name__}: {exc}",
                                        traceback.format_exc() if keep_tracebacks else "")
        result.errors.append(on_crash_engine)
        result.findings.extend(file_level(settings, path, "AL002", check="engine", error=on_crash_engine.error))
        return result
    if skipped:
        state.raw = [raw for raw in state.raw if raw.check not in skipped]
    state.raw = deduplicated(state.raw, settings)
    if state.raw:
        result.findings.extend(_positioned(state, text.splitlines()))
    return result
