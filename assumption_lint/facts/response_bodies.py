"""What happens to a response body after it is read: is an error body kept from being used
as data, and is a read only logged.

A check that finds a body read without a status check (AL202) or a GraphQL body whose
``errors`` are not read (AL207) asks this fact whether the code validated the body another
way. Each function (and the module's own code) is analysed when the walk enters it, so a
check can ask at the read itself, before it has seen the rest of the function.

The body is followed from the read through names bound from it and from its fields
(``data = r.json()``, ``rows = data.get("rows", [])``, ``for row in rows``). It is
*validated* when the code then:

- tests its shape in a way an error body fails: ``isinstance(data, list)`` (an error body
  is an object; ``isinstance(data, dict)`` proves nothing);
- reads the API's own outcome field: ``"error" in data``, ``data["ok"]``,
  ``data.get("status")``, a field compared with an error marker (``data.get("Response") ==
  "Error"``), a text body compared with its protocol's answer (``body == "OK"``);
- requires a field and handles its absence as a failure: ``if "rows" not in data: return``,
  ``if not data.get("rows"): return``, a field's value used only under ``if value:``, or a
  row picked by a field compared with a literal (``if row.get("index") == "VIX":``).

It is *fail-closed* when the read sits in a ``try`` of a function whose failure answer is a
plain value (``return False, []``, ``return None``, a literal reached after the handler) and
the function never returns the raw body: an error body then ends in the same "no data"
answer as a failed request (probes, health checks, best-effort lookups).

A body (or status) read inside a log call (``logger.info(...)``, ``log(...)``; not ``print``)
is not a use as data; a body whose every use is a log call is *log-only*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from ..resolve import dotted_name
from .base import Fact
from .syntax import block_statements, children, contains_exit, literal_value, target_names, unawait, visit_tree

# Keys through which APIs report a failure in the body itself.
ERROR_KEYS = frozenset({"error", "errors", "ok", "status", "success"})
# Values an outcome field holds when the request failed (``"Response": "Error"``).
_ERROR_MARKERS = frozenset({"error", "errors", "fail", "failed", "failure", "false"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
_STATE_WORD = re.compile(r"[a-z_]{1,20}")
_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_EXITS = (cst.Return, cst.Raise, cst.Continue, cst.Break)


def is_log_call(call: cst.Call) -> bool:
    """``logger.info(...)``, ``logging.warning(...)``, ``log_event(...)``. Not ``print``:
    in a script, printing the answer is its output, a use as data."""
    parts = dotted_name(call.func)
    if not parts:
        return False
    words = parts[-1].lower().split("_")
    if len(parts) == 1:
        return "log" in words or "logger" in words
    receiver = parts[-2].lower()
    return parts[-1] in _LOG_METHODS and ("log" in receiver or receiver == "console")


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = literal_value(node)
        return value if isinstance(value, str) else None
    return None


def _error_key(node: cst.BaseExpression) -> bool:
    value = _string(node)
    return value is not None and value.lower() in ERROR_KEYS


def _marker(node: cst.BaseExpression) -> bool:
    """A non-empty string literal (or a tuple of them) a text body is compared with."""
    if isinstance(node, cst.Tuple):
        return bool(node.elements) and all(_marker(element.value) for element in node.elements)
    return bool(_string(node))


def _failure_value(node: cst.BaseExpression | None) -> bool:
    """A plain answer a caller reads as "not available": None, False, 0, "", an empty
    collection, a literal, or a tuple of those."""
    if node is None:
        return True
    if isinstance(node, cst.Name):
        return node.value in ("None", "False", "True")
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.SimpleString):
        # a state word ("offline", "neutral"), not a message shown to someone as the answer
        return bool(_STATE_WORD.fullmatch(_string(node) or "")) or not _string(node)
    if isinstance(node, (cst.List, cst.Dict, cst.Set)):
        return not node.elements
    if isinstance(node, cst.Tuple):
        return all(_failure_value(element.value) for element in node.elements)
    return False


class _Parents(cst.CSTVisitor):
    """Parents of every node in one scope's own code (not in nested functions or classes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parent: dict[int, cst.CSTNode] = {}
        self.stack: list[cst.CSTNode] = []
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parent[id(node)] = self.stack[-1]
        self.nodes.append(node)
        self.stack.append(node)
        return not (isinstance(node, _NESTED) and len(self.stack) > 1)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


@dataclass
class _Scope:
    node: cst.CSTNode
    parent: dict[int, cst.CSTNode]
    nodes: list[cst.CSTNode]
    # name -> the values bound to it (assignments and for loops)
    bindings: dict[str, list[cst.CSTNode]] = field(default_factory=dict)
    logged: set[int] = field(default_factory=set)  # nodes inside a log call's arguments


class ResponseBodies(Fact):
    """Per read of a response body: validated after the read, fail-closed, only logged."""

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        # The scopes (module, functions) the walk is in. Each is analysed only when a check
        # first asks about a read in it: most functions read no response body, and walking
        # every body again costs as much as the whole traversal.
        self._scopes: list[cst.CSTNode] = []
        # Every analysed scope by its node: checks that decide after a function ends ask here.
        self._by_node: dict[int, _Scope] = {}

    # ------------------------------------------------------------------ scopes
    def visit_Module(self, node: cst.Module) -> None:
        self._scopes.append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.pop()

    def _analysed(self, node: cst.CSTNode) -> _Scope:
        scope = self._by_node.get(id(node))
        return scope if scope is not None else self._analyse(node)

    def _analyse(self, node: cst.CSTNode) -> _Scope:
        walker = _Parents()
        visit_tree(node, walker)
        scope = _Scope(node, walker.parent, walker.nodes)
        self._by_node[id(node)] = scope
        for item in walker.nodes:
            if isinstance(item, cst.Assign):
                for target in item.targets:
                    for name in target_names(target.target):
                        scope.bindings.setdefault(name, []).append(item.value)
            elif isinstance(item, cst.AnnAssign) and item.value is not None:
                for name in target_names(item.target):
                    scope.bindings.setdefault(name, []).append(item.value)
            elif isinstance(item, (cst.For, cst.CompFor)):
                for name in target_names(item.target):
                    scope.bindings.setdefault(name, []).append(item.iter)
            elif isinstance(item, cst.Call) and is_log_call(item):
                for arg in item.args:
                    scope.logged.update(id(inner) for inner in _all_nodes(arg))
        return scope

    def _scope(self) -> _Scope | None:
        return self._analysed(self._scopes[-1]) if self._scopes else None

    # ------------------------------------------------------------------ queries
    def in_log_call(self, node: cst.CSTNode) -> bool:
        """``node`` is (part of) an argument of a log call: a read for the log, not as data."""
        scope = self._scope()
        return scope is not None and id(node) in scope.logged

    def validated(self, read: cst.CSTNode) -> bool:
        """The body read at ``read`` (``r.json``, ``r.text``, a name holding the body) is
        validated after the read, so an error body is not used as data."""
        scope = self._scope()
        if scope is None:
            return False
        chain, names = self._follow(scope, read)
        return any(self._validates(scope, item, chain, names) for item in scope.nodes)

    def fail_closed(self, read: cst.CSTNode) -> bool:
        """An error body ends in the function's own failure answer (a probe, a best-effort lookup)."""
        scope = self._scope()
        if scope is None or not isinstance(scope.node, cst.FunctionDef):
            return False
        try_node = self._enclosing(scope, read, cst.Try)
        if not isinstance(try_node, cst.Try) or not try_node.handlers:
            return False
        for handler in try_node.handlers:
            if not self._answers_failure(scope, handler):
                return False
        return not self._returns_raw(scope, read)

    def ends_in_failure_answer(self, read: cst.CSTNode, function: cst.CSTNode) -> bool:
        """A field read with a default (``(body.get("data") or {}).get(...) or {}``) in a
        function whose last statement returns its plain failure answer (``return None,
        None``) and that never returns the raw body: a missing field, such as the null
        ``data`` of a GraphQL error, ends in the answer callers already treat as a failure."""
        if not isinstance(function, cst.FunctionDef):
            return False
        scope = self._analysed(function)
        parent = scope.parent.get(id(read))
        if not (isinstance(parent, cst.BooleanOperation) and isinstance(parent.operator, cst.Or)
                and parent.left is read and _failure_value(parent.right)):
            return False
        statements = block_statements(function.body)
        last = statements[-1] if statements else None
        if not (isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1
                and isinstance(last.body[0], cst.Return) and last.body[0].value is not None
                and _failure_value(last.body[0].value)):
            return False
        return not self._returns_raw(scope, read)

    def _returns_raw(self, scope: _Scope, read: cst.CSTNode) -> bool:
        """The function returns the response itself or a name holding its whole body:
        an error body reaches the caller as data."""
        chain, names = self._follow(scope, read)
        response = read.value.value if isinstance(read, cst.Attribute) and isinstance(read.value, cst.Name) else None
        holders = {name for name in names if self._holds_body_itself(scope, name, chain, names)}
        for item in scope.nodes:
            if isinstance(item, cst.Return) and item.value is not None:
                if any(self._raw(value, chain, holders, response) for value in _answers(item.value)):
                    return True
        return False

    @staticmethod
    def _raw(value: cst.BaseExpression, chain: set[int], holders: set[str], response: str | None) -> bool:
        if isinstance(value, cst.Subscript) or (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
                                               and value.func.attr.value == "get"):
            return False  # a field: an error body answers its default
        if id(value) in chain:
            return True
        if isinstance(value, cst.Name):
            return value.value in holders or value.value == response
        # `return r.json()`, `return r.text`: the response's whole body (a field is not)
        if isinstance(value, cst.Call):
            value = value.func
        return isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and value.value.value == response

    def log_only(self, read: cst.CSTNode) -> bool:
        """The body read at ``read`` is bound to a name that is only ever logged."""
        scope = self._scope()
        if scope is None:
            return False
        bound = self._bound_name(scope, read)
        if bound is None:
            return False
        uses = [item for item in scope.nodes if isinstance(item, cst.Name) and item.value == bound
                and not self._is_target(scope, item)]
        return bool(uses) and all(id(use) in scope.logged for use in uses)

    # ------------------------------------------------------------------ following the body
    def _follow(self, scope: _Scope, read: cst.CSTNode) -> tuple[set[int], set[str]]:
        """The expression nodes that are the body or one of its fields (``r.json()``,
        ``r.json().get("data")``), and the names bound from them."""
        chain: set[int] = set()
        node: cst.CSTNode = read
        while True:
            chain.add(id(node))
            parent = scope.parent.get(id(node))
            if parent is None:
                break
            if isinstance(parent, cst.Call) and parent.func is node:
                node = parent
            elif isinstance(parent, cst.Attribute) and parent.value is node:
                node = parent
            elif isinstance(parent, cst.Subscript) and parent.value is node:
                node = parent
            elif isinstance(parent, cst.Await):
                node = parent
            elif isinstance(parent, cst.BooleanOperation) and parent.left is node:
                node = parent
            else:
                break
        names: set[str] = set()
        if isinstance(read, cst.Name):
            names.add(read.value)
        changed = True
        while changed:  # names bound from the body or its fields, to a fixed point
            changed = False
            for name, values in scope.bindings.items():
                if name in names:
                    continue
                if any(self._derives(value, chain, names) for value in values):
                    names.add(name)
                    changed = True
        return chain, names

    @staticmethod
    def _derives(value: cst.CSTNode, chain: set[int], names: set[str]) -> bool:
        """``value`` is the body, or a field or element of it (not a call on it)."""
        node = unawait(value) if isinstance(value, cst.BaseExpression) else value
        while True:
            if id(node) in chain:
                return True
            if isinstance(node, cst.Name):
                return node.value in names
            if isinstance(node, cst.BooleanOperation):
                node = node.left
            elif isinstance(node, cst.Subscript):
                node = node.value
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
                node = node.func.value
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("json",):
                node = node.func.value
            elif isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
                node = node.for_in.iter
            else:
                return False

    def _is_body(self, node: cst.CSTNode, chain: set[int], names: set[str]) -> bool:
        node = unawait(node) if isinstance(node, cst.BaseExpression) else node
        return id(node) in chain or (isinstance(node, cst.Name) and node.value in names)

    def _field_of(self, node: cst.BaseExpression, chain: set[int], names: set[str]) -> cst.BaseExpression | None:
        """``X.get(key)`` / ``X[key]`` on the body: the key."""
        node = unawait(node)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" \
                and node.args and self._is_body(node.func.value, chain, names):
            return node.args[0].value
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) \
                and self._is_body(node.value, chain, names):
            return node.slice[0].slice.value
        return None

    def _validates(self, scope: _Scope, item: cst.CSTNode, chain: set[int], names: set[str]) -> bool:
        if id(item) in scope.logged:
            return False
        # isinstance(data, list): an error object fails it
        if isinstance(item, cst.Call) and isinstance(item.func, cst.Name) and item.func.value == "isinstance" \
                and len(item.args) == 2 and self._is_body(item.args[0].value, chain, names):
            kinds = item.args[1].value
            spelled = [element.value for element in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
            return bool(spelled) and all(isinstance(kind, cst.Name) and kind.value in ("list", "tuple")
                                         for kind in spelled)
        # data["ok"], data.get("error"): the API's own outcome field
        key = self._field_of(item, chain, names) if isinstance(item, cst.BaseExpression) else None
        if key is not None and _error_key(key):
            return True
        if isinstance(item, cst.Call) and isinstance(item.func, cst.Attribute) \
                and item.func.attr.value in ("startswith", "endswith") and item.args and _marker(item.args[0].value) \
                and self._is_body(item.func.value, chain, names):
            return True  # body.startswith("good"): a text protocol's answer
        if isinstance(item, cst.Comparison):
            return self._compares(scope, item, chain, names)
        if isinstance(item, (cst.If, cst.While)):
            return self._requires(item, chain, names, scope)
        return False

    def _compares(self, scope: _Scope, node: cst.Comparison, chain: set[int], names: set[str]) -> bool:
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, (cst.In, cst.NotIn)) and _error_key(left) \
                    and self._is_body(right, chain, names):
                return True  # "error" in data
            if isinstance(target.operator, (cst.Equal, cst.NotEqual)):
                for side, other in ((left, right), (right, left)):
                    if not _marker(other):
                        # `if row.get("index") == wanted:` picks a row as a literal does
                        if isinstance(other, cst.Name) and other.value not in names \
                                and self._field_of(side, chain, names) is not None and self._in_test(scope, node):
                            return True
                        continue
                    if self._is_body(side, chain, names):
                        return True  # body == "OK": the answer of a text protocol
                    key = self._field_of(side, chain, names)
                    if key is not None and (_error_key(key) or str(_string(other) or "").lower() in _ERROR_MARKERS):
                        return True  # data.get("Response") == "Error"
                    if key is not None and self._in_test(scope, node):
                        return True  # if row.get("index") == "VIX": only the wanted row is used
            left = right
        return False

    def _in_test(self, scope: _Scope, node: cst.CSTNode) -> bool:
        parent = scope.parent.get(id(node))
        while parent is not None and isinstance(parent, (cst.BooleanOperation, cst.UnaryOperation)):
            node, parent = parent, scope.parent.get(id(parent))
        return isinstance(parent, (cst.If, cst.While, cst.IfExp)) and parent.test is node

    def _requires(self, node: cst.If | cst.While, chain: set[int], names: set[str], scope: _Scope) -> bool:
        """``if "rows" not in data: return``, ``if not data.get("rows"): return``,
        ``if value:`` on a field's value: a missing field is handled as a failure."""
        test = node.test
        negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
        subject = test.expression if negated else test
        exits = contains_exit(list(block_statements(node.body)), _EXITS)
        if isinstance(subject, cst.Comparison) and len(subject.comparisons) == 1:
            operator = subject.comparisons[0].operator
            comparator = subject.comparisons[0].comparator
            if isinstance(operator, cst.NotIn) and _string(subject.left) is not None \
                    and self._is_body(comparator, chain, names):
                return exits and not negated
            if isinstance(operator, (cst.Is, cst.IsNot)) and isinstance(comparator, cst.Name) \
                    and comparator.value == "None":
                subject = subject.left
                negated = negated ^ isinstance(operator, cst.Is)
            else:
                return False
        # Either branch must leave: `if not rows: return` handles the absence as a failure,
        # `if price: return float(price)` uses the value only where it is present (the code
        # after it is the failure path). `if data["revoked"]: disable()` acts on the field,
        # and an error body quietly skips the action: not a check.
        if self._field_of(subject, chain, names) is not None:
            return exits
        # a name bound only from a field of the body: `v = meta.get("price")`, `if v:`
        if isinstance(subject, cst.Name) and subject.value in names \
                and not self._holds_body_itself(scope, subject.value, chain, names):
            return exits
        return False

    def _holds_body_itself(self, scope: _Scope, name: str, chain: set[int], names: set[str]) -> bool:
        """``data = r.json()``: the name holds the whole body (truthy for an error object too)."""
        for value in scope.bindings.get(name, ()):
            value = unawait(value) if isinstance(value, cst.BaseExpression) else value
            if id(value) in chain and self._field_of(value, chain, names) is None:
                return True
            if isinstance(value, cst.Name) and value.value in names:
                return True
        return False

    def _bound_name(self, scope: _Scope, read: cst.CSTNode) -> str | None:
        """The name the statement holding ``read`` binds (``models = [... r.json() ...]``)."""
        node: cst.CSTNode | None = read
        while node is not None and not isinstance(node, (cst.Assign, cst.AnnAssign, cst.BaseStatement)):
            node = scope.parent.get(id(node))
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            return node.targets[0].target.value
        return None

    def _is_target(self, scope: _Scope, name: cst.Name) -> bool:
        parent = scope.parent.get(id(name))
        return isinstance(parent, (cst.AssignTarget, cst.For, cst.CompFor)) and getattr(parent, "target", None) is name

    def _enclosing(self, scope: _Scope, node: cst.CSTNode, kind: type) -> cst.CSTNode | None:
        current = scope.parent.get(id(node))
        while current is not None and not isinstance(current, kind):
            current = scope.parent.get(id(current))
        return current

    def _answers_failure(self, scope: _Scope, handler: cst.ExceptHandler) -> bool:
        """The handler answers with a plain failure value: its own ``return``, or the
        function's last statement, reached when the handler falls through."""
        returns = [item for item in _all_nodes(handler.body) if isinstance(item, cst.Return)]
        if returns:
            return all(_failure_value(item.value) for item in returns)
        if any(isinstance(item, cst.Raise) for item in _all_nodes(handler.body)):
            return False
        function = scope.node
        assert isinstance(function, cst.FunctionDef)
        statements = block_statements(function.body)
        last = statements[-1] if statements else None
        if isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1 and isinstance(last.body[0], cst.Return):
            return _failure_value(last.body[0].value)
        return False


def _answers(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """What a return statement may hand back: both arms of ``a if t else b``, each operand
    of ``a or b``."""
    value = unawait(value)
    if isinstance(value, cst.IfExp):
        return _answers(value.body) + _answers(value.orelse)
    if isinstance(value, cst.BooleanOperation):
        return _answers(value.left) + _answers(value.right)
    return [value]


def _all_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    def walk(current: cst.CSTNode) -> None:
        found.append(current)
        for child in children(current):
            walk(child)
    walk(node)
    return found
