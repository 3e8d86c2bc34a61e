"""positions_until (engine/findings.py): the positions libcst's whole-tree pass gives, for the
nodes it is asked about, from a pass that stops after the last of them."""

from __future__ import annotations

import random

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from assumption_lint.engine.findings import positions_until
from harness import fixture_files


def _nodes(module: cst.Module) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(node)
            return True

    module.visit(Collect())
    return found


def test_every_placed_node_has_the_whole_passes_position() -> None:
    chooser = random.Random(7)
    compared = 0
    for path in fixture_files()[::3]:
        try:
            module = cst.parse_module(path.read_text(encoding="utf-8"))
        except (cst.ParserSyntaxError, cst.CSTValidationError, UnicodeDecodeError):
            continue
        whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        nodes = _nodes(module)
        for _ in range(3):
            wanted = chooser.sample(nodes, min(len(nodes), chooser.randint(1, 4)))
            some = positions_until(module, wanted)
            for node in wanted:
                assert some[node] == whole[node], (path, type(node).__name__)
            for node, span in some.items():  # nothing half-placed: every answer is final
                assert whole[node] == span, (path, type(node).__name__)
            compared += 1
    assert compared > 50


def test_a_node_outside_the_tree_gives_the_whole_pass() -> None:
    module = cst.parse_module("x = 1\ny = f(x)\n")
    stranger = cst.Name("z")
    some = positions_until(module, [stranger])
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert stranger not in some and set(some) == set(whole)


def test_the_pass_stops_after_the_last_wanted_node() -> None:
    module = cst.parse_module("a = 1\n" + "b = 2\n" * 200)
    first = module.body[0]
    some = positions_until(module, [first])
    assert some[first].start.line == 1
    assert module.body[-1] not in some  # the rest of the file was never generated
