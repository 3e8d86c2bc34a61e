"""Syntax helpers facts and checks share: finding nodes, names and exits in a piece of code,
and short source text for messages.

They know no library: they only walk libcst nodes. ``nodes_in`` and the helpers built on
it do not descend into nested functions or classes, whose code runs at another time.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterable, Iterator, Sequence

import libcst as cst

from ..resolve import dotted_name

_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
# The same as sets of exact classes (libcst has no subclasses of them), for type() lookups.
_SCOPE_TYPES = frozenset(_NESTED_SCOPES)
_SCOPE_AND_LOOP_TYPES = _SCOPE_TYPES | {cst.For, cst.While}


def callee_name(node: cst.BaseExpression) -> str | None:
    """``f`` for ``f``, ``self.f`` and ``obj.f`` (what is called, or passed to be called):
    same-module functions by name."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def literal_value(node: cst.SimpleString) -> str | bytes | None:
    """A string literal's value, or None when it is unknown: libcst accepts literals that
    CPython rejects (``"\\N{BOGUS}"``, a truncated ``"\\x4"``, non-ASCII in a bytes
    literal), and its ``evaluated_value`` raises on them. Every fact and check reads
    literals through here, so such a literal never crashes one (the file itself gets AL001
    from the engine's source stage)."""
    plain = _plain_literal(node.value)
    if plain is not None:
        return plain
    try:
        return node.evaluated_value
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None


_TRIPLE_QUOTES = ("'''", '"""')


def _plain_literal(text: str) -> str | bytes | None:
    """The value of a literal whose text is its value (no escape to decode, no line ending
    the tokenizer would translate, no null byte CPython refuses): its characters between
    the quotes. None for any other,
    which ``evaluated_value`` (``ast.literal_eval``: a compile per literal) then reads."""
    start = 0
    while start < len(text) and text[start] not in "'\"":
        start += 1
    prefix = text[:start].lower()
    quote = text[start:start + 3] if text[start:start + 3] in _TRIPLE_QUOTES else text[start:start + 1]
    if not quote or len(text) < start + 2 * len(quote) or not text.endswith(quote) or "f" in prefix:
        return None
    content = text[start + len(quote):len(text) - len(quote)]
    if "\r" in content or "\0" in content or "\\" in content and "r" not in prefix:
        return None
    if "b" in prefix:
        return content.encode("ascii") if content.isascii() else None
    return content


# ------------------------------------------------------------------------- traversal
# libcst's ``visit`` and ``children`` rebuild and re-validate every node they pass: most of a
# traversal's cost. These read the same children in the same order (the fields libcst's
# ``_visit_and_replace_children`` visits, recorded once per node class) without rebuilding
# anything. The engine's walk uses the same order.
_FIELD_ORDER: dict[type, tuple[str, ...]] = {}
# Whitespace and punctuation nodes: they hold only more of the same, so a search for anything
# else need not enter them.
_TOKEN_BASES = (cst.BaseParenthesizableWhitespace, cst.BaseUnaryOp, cst.BaseBooleanOp, cst.BaseBinaryOp,
                cst.BaseCompOp, cst.BaseAugOp)
# The bases are looked up in each class's __mro__ rather than with issubclass(): they are
# ABCs, and a first issubclass() against an ABC walks and caches its whole subclass tree
# (about 30 ms at import, on every run).
TOKEN_TYPES = frozenset(
    kind for kind in vars(cst).values()
    if isinstance(kind, type) and any(base in kind.__mro__ for base in _TOKEN_BASES)
    and not getattr(kind, "__abstractmethods__", None)
) | {cst.Newline, cst.Comment, cst.TrailingWhitespace, cst.EmptyLine, cst.Semicolon, cst.Colon, cst.Comma,
     cst.Dot, cst.ImportStar, cst.AssignEqual, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
     cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Asynchronous}
_SKIPPED: dict[tuple[type, ...], frozenset[type]] = {}


class _FieldRecorder(cst.CSTVisitor):
    def __init__(self, parent: cst.CSTNode) -> None:
        self.parent = parent
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.parent:
            self.fields.append(attribute)


def child_fields(node: cst.CSTNode) -> tuple[str, ...]:
    """The names of the fields that hold ``node``'s children, in libcst's visiting order."""
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


# Every libcst class has ABCMeta for its metaclass, so each isinstance() against one (even a
# concrete one such as cst.Name) is a Python-level __instancecheck__: on the walk's hot paths
# (millions of calls over a corpus) a node's class is looked up here instead.
_IS_NODE: dict[type, bool] = {}


def is_node_type(kind: type) -> bool:
    """Is ``kind`` a libcst node class? (``issubclass(kind, cst.CSTNode)``, remembered.)"""
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = cst.CSTNode in kind.__mro__
    return known


_MATCHES: dict[tuple[type, ...], dict[type, bool]] = {}


def kind_matcher(kinds: tuple[type, ...]) -> dict[type, bool]:
    """A table, filled as classes are met, of whether a node of each class is an instance
    of one of ``kinds`` (bases looked up in the class's __mro__; libcst registers no virtual
    subclasses): ``table.get(type(node))``, then ``matches(table, kinds, type(node))``."""
    table = _MATCHES.get(kinds)
    if table is None:
        table = _MATCHES[kinds] = {}
    return table


def matches(table: dict[type, bool], kinds: tuple[type, ...], kind: type) -> bool:
    found = table.get(kind)
    if found is None:
        found = table[kind] = any(base in kind.__mro__ for base in kinds)
    return found


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """``node.children`` (the same nodes in the same order), without rebuilding ``node``."""
    found: list[cst.CSTNode] = []
    known = _IS_NODE
    for name in child_fields(node):
        value = getattr(node, name)
        kind = type(value)
        if known.get(kind) or kind not in known and is_node_type(kind):
            found.append(value)
        elif isinstance(value, (tuple, list)):
            found.extend(child for child in value
                         if known.get(type(child)) or type(child) not in known and is_node_type(type(child)))
    return found


def _skipped_for(kinds: tuple[type, ...]) -> frozenset[type]:
    """The token types a search for ``kinds`` need not enter: all of them, unless it looks
    for tokens itself (a comment sits inside an empty line's whitespace)."""
    skipped = _SKIPPED.get(kinds)
    if skipped is None:
        wants_tokens = any(base in kind.__mro__ for kind in TOKEN_TYPES for base in kinds)
        skipped = _SKIPPED[kinds] = frozenset() if wants_tokens else TOKEN_TYPES
    return skipped


def _preorder(roots: Iterable[cst.CSTNode], kinds: tuple[type, ...],
              enter: Callable[[cst.CSTNode], bool]) -> list[cst.CSTNode]:
    """The nodes of ``kinds`` among ``roots`` and below them, in libcst's visiting order;
    a node's children are searched when ``enter(node)`` says so."""
    skipped = _skipped_for(kinds)
    table = kind_matcher(kinds)
    found: list[cst.CSTNode] = []
    pending = list(roots)[::-1]
    while pending:
        node = pending.pop()
        kind = type(node)
        wanted = table.get(kind)
        if wanted or wanted is None and matches(table, kinds, kind):
            found.append(node)
        if enter(node):
            pending.extend(child for child in reversed(children(node)) if type(child) not in skipped)
    return found


def nodes_in(nodes: Sequence[cst.CSTNode] | cst.CSTNode, kinds: tuple[type, ...], *,
             into_loops: bool = True) -> list[cst.CSTNode]:
    """Every node of ``kinds`` in ``nodes`` (themselves included), not in nested defs."""
    roots = [nodes] if is_node_type(type(nodes)) else nodes  # type: ignore[list-item]
    stops = _SCOPE_TYPES if into_loops else _SCOPE_AND_LOOP_TYPES
    return _preorder((node for node in roots if type(node) not in _SCOPE_TYPES), kinds,  # type: ignore[union-attr]
                     lambda node: type(node) not in stops)


def contains(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    """``node`` is ``tree`` itself or one of its descendants (by identity)."""
    pending = [tree]
    while pending:
        current = pending.pop()
        if current is node:
            return True
        pending.extend(children(current))
    return False


def calls_in(nodes: Sequence[cst.CSTNode] | cst.CSTNode) -> Iterator[cst.Call]:
    for node in nodes_in(nodes, (cst.Call,)):
        assert isinstance(node, cst.Call)
        yield node


def block_statements(block: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return block.body
    return [cst.SimpleStatementLine(body=list(block.body))] if isinstance(block, cst.SimpleStatementSuite) else []


def _small(statement: cst.CSTNode) -> Sequence[cst.BaseSmallStatement]:
    return statement.body if isinstance(statement, cst.SimpleStatementLine) else ()


def ends_with_exit(statements: Sequence[cst.CSTNode], kinds: tuple[type, ...]) -> bool:
    """True when the block always leaves by one of ``kinds`` (Break, Return, Raise, Continue)
    at its top level: the statements after an unconditional exit never run."""
    return any(isinstance(small, kinds) for statement in statements for small in _small(statement))


def contains_exit(statements: Sequence[cst.CSTNode], kinds: tuple[type, ...]) -> bool:
    """True when any statement (nested in ifs, withs, tries) exits by one of ``kinds``.
    ``break``/``continue`` inside a nested loop belong to that loop and do not count."""
    loop_bound = tuple(kind for kind in kinds if kind in (cst.Break, cst.Continue))
    other = tuple(kind for kind in kinds if kind not in (cst.Break, cst.Continue))
    if other and nodes_in(list(statements), other):
        return True
    return bool(loop_bound and nodes_in(list(statements), loop_bound, into_loops=False))


def last_name(func: cst.BaseExpression) -> str | None:
    """``self._sleep`` -> ``_sleep``; ``sleep`` -> ``sleep``."""
    parts = dotted_name(func)
    if parts:
        return parts[-1]
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def short(text: str, limit: int = 60) -> str:
    """Source text on one line, cut to ``limit`` characters for a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unawait(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.expression if isinstance(node, cst.Await) else node


def shape_matches(pattern: str, name: str) -> bool:
    """``*.route`` matches ``app.route`` and ``self.bp.route``; other patterns match exactly."""
    if pattern.startswith("*."):
        return "." in name and name.rsplit(".", 1)[1] == pattern[2:]
    return name == pattern


def visit_tree(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a visitor that only reads: the same ``visit_*`` and
    ``leave_*`` calls in the same order (a ``visit_*`` returning False skips the node's
    children), without libcst rebuilding and re-validating every node it passes.
    Per-attribute hooks (``visit_If_body``) are not called."""
    if visitor.on_visit(node):
        for child in children(node):
            visit_tree(child, visitor)
    visitor.on_leave(node)


def names_in(node: cst.CSTNode) -> set[str]:
    """The variable names an expression or statement mentions."""
    names: set[str] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        kind = type(current)
        if kind is cst.Name:
            names.add(current.value)  # type: ignore[attr-defined]
        elif kind is cst.Attribute:
            # `item.id` mentions item; the attribute name `id` is not a variable.
            pending.append(current.value)  # type: ignore[attr-defined]
        elif kind not in TOKEN_TYPES:  # whitespace and punctuation hold no name
            pending.extend(children(current))
    return names


def target_names(target: cst.BaseExpression) -> Iterator[str]:
    """The plain names an assignment target binds (``a, *b = ...`` binds a and b)."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


def is_counting(iterable: cst.BaseExpression) -> bool:
    """``range(3)`` or ``itertools.count()``: attempts or pages, not a batch of items."""
    if isinstance(iterable, cst.Call):
        parts = dotted_name(iterable.func)
        return bool(parts) and parts[-1] in ("range", "count")
    return False


def module_level_calls(module: cst.Module) -> Iterable[cst.Call]:
    """Calls made as statements at module level, also under module-level ``if`` blocks."""
    pending: list[cst.BaseStatement] = list(module.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    yield small.value
        elif isinstance(statement, cst.If):
            pending.extend(statement.body.body)
            orelse = statement.orelse
            if isinstance(orelse, cst.If):
                pending.append(orelse)
            elif isinstance(orelse, cst.Else):
                pending.extend(orelse.body.body)


def every_node(root: cst.CSTNode, kinds: tuple[type, ...]) -> list[cst.CSTNode]:
    """Every node of ``kinds`` under ``root`` (itself included), nested functions and classes
    included, in libcst's visiting order."""
    return _preorder([root], kinds, lambda node: True)
