"""facts/syntax's traversals read children without libcst's ``visit`` (which rebuilds every
node): they must find what libcst's own traversal finds, in the same order."""

from __future__ import annotations

import libcst as cst
import pytest

from assumption_lint.facts import syntax
from harness import FIXTURES

SOURCES = sorted(FIXTURES.rglob("*.py"))[::3]  # a third of them: libcst's visit is slow
KINDS = [(cst.Call,), (cst.Name, cst.Attribute), (cst.For, cst.While), (cst.FunctionDef,),
         (cst.Comment,), (cst.CSTNode,)]


class _Reference(cst.CSTVisitor):
    """What nodes_in did with libcst's visit: collect, and stop at nested scopes (and loops)."""

    def __init__(self, kinds: tuple[type, ...], loops: bool, nested: bool) -> None:
        super().__init__()
        self.kinds, self.loops, self.nested = kinds, loops, nested
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.kinds):
            self.found.append(node)
        if not self.nested and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        return self.loops or not isinstance(node, (cst.For, cst.While))


def _modules() -> list[cst.Module]:
    return [cst.parse_module(path.read_text(encoding="utf-8")) for path in SOURCES]


def test_there_are_fixtures_to_compare_on() -> None:
    assert len(SOURCES) > 30


def test_children_are_libcsts_children_in_order() -> None:
    for module in _modules():
        pending = [module]
        while pending:
            node = pending.pop()
            expected = list(node.children)
            got = syntax.children(node)
            assert len(got) == len(expected) and all(a is b for a, b in zip(got, expected)), type(node)
            pending.extend(expected)


@pytest.mark.parametrize("kinds", KINDS, ids=lambda kinds: "-".join(kind.__name__ for kind in kinds))
def test_nodes_in_and_every_node_find_what_libcsts_visit_finds(kinds: tuple[type, ...]) -> None:
    for module in _modules():
        for loops in (True, False):
            reference = _Reference(kinds, loops, nested=False)
            for statement in module.body:
                if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                    statement.visit(reference)
            found = syntax.nodes_in(list(module.body), kinds, into_loops=loops)
            assert [id(node) for node in found] == [id(node) for node in reference.found]
        everything = _Reference(kinds, True, nested=True)
        module.visit(everything)
        assert [id(node) for node in syntax.every_node(module, kinds)] == [id(node) for node in everything.found]


def test_contains_is_by_identity() -> None:
    module = cst.parse_module("f(x)\nf(x)\n")
    first, second = syntax.nodes_in(list(module.body), (cst.Call,))
    assert syntax.contains(module.body[0], first) and not syntax.contains(module.body[0], second)


class _Recorder(cst.CSTVisitor):
    """Every visit and leave, in order; the children of lambdas and of f-strings skipped
    (a visit_* returning False), as libcst's visit skips them."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("visit", id(node)))
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))
        super().on_leave(original_node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        return False


def test_visit_tree_makes_libcsts_calls_in_libcsts_order() -> None:
    for module in _modules():
        expected, got = _Recorder(), _Recorder()
        module.visit(expected)
        syntax.visit_tree(module, got)
        assert got.events == expected.events
        assert any(kind == "leave" for kind, _ in got.events)


class _NamesReference(cst.CSTVisitor):
    """names_in as it was, on libcst's visit."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False


def test_names_in_finds_the_names_libcsts_visit_finds() -> None:
    compared = 0
    for module in _modules():
        for node in syntax.every_node(module, (cst.SimpleStatementLine, cst.Call, cst.Attribute, cst.Subscript)):
            reference = _NamesReference()
            node.visit(reference)
            assert syntax.names_in(node) == reference.names
            compared += bool(reference.names)
    assert compared > 1000
