"""Value provenance stays bounded on huge and deeply nested input: each case runs in a
subprocess (libcst's native parser can overflow its stack) and must finish quickly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEADER = "import sys\nfrom flask import request\n"
DRIVER = """
import json, sys, time
import libcst as cst
from assumption_lint.engine import source as engine_source
from assumption_lint.catalog import shipped_catalog
from assumption_lint.facts.provenance import analyse
sys.setrecursionlimit(engine_source.RECURSION_LIMIT)
source = sys.stdin.read()
module = cst.parse_module(source)
class Plain(cst.CSTVisitor):
    def on_visit_attribute(self, node, attribute): return None
    def on_leave_attribute(self, node, attribute): return None
start = time.process_time()
module.visit(Plain())
plain = time.process_time() - start
start = time.process_time()
last = []
def on_node(fact, node):
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "probe":
        last[:] = sorted(fact.origins(node.args[0].value).kinds)
fact = analyse(module, shipped_catalog(), source, on_node)
print(json.dumps({"seconds": time.process_time() - start, "plain": plain, "kinds": last,
                  "exhausted": fact.exhausted}))
"""


def _chain(operator: str, terms: int) -> str:
    return f" {operator} ".join(["request.args['q']"] + ["a"] * (terms - 1))


CASES = {
    "3000-term + chain": ("x = " + _chain("+", 3000) + "\nprobe(x)\n", ["request"]),
    "3000-term or chain": ("x = " + _chain("or", 3000) + "\nprobe(x)\n", ["request"]),
    # each operand's test guards the conversions after it: bounded, not the chain's length squared
    "3000-term and chain of conversions": (
        "v = request.args['q']\nx = " + " and ".join(["v.isdigit()"] + ["int(v)"] * 2999) + "\nprobe(v)\n",
        ["request"]),
    "3000-link conditional chain": (
        "v = request.args['q']\nx = " + " else ".join(["int(v) if v.isdigit()"] * 3000) + " else v\nprobe(v)\n",
        ["request"]),
    "10000-line assignment chain": (
        "x0 = sys.argv[1]\n" + "".join(f"x{i + 1} = x{i} + 'a'\n" for i in range(10_000)) + "probe(x10000)\n",
        ["local", "local-input"]),
    "800-deep parentheses": ("x = " + "(" * 800 + "sys.argv[1]" + ")" * 800 + "\nprobe(x)\n", ["local-input"]),
    "600-deep call nesting": ("x = " + "str(" * 600 + "sys.argv[1]" + ")" * 600 + "\nprobe(x)\n", []),
    # a list the code built: its innermost item is past the depth alint follows
    "600-deep list nesting": ("x = " + "[" * 600 + "sys.argv[1]" + "]" * 600 + "\nprobe(x)\n", ["local"]),
    "90-deep nested functions": ("".join("    " * i + f"def f{i}(v):\n" for i in range(90))
                                 + "    " * 90 + "probe(sys.argv)\n", ["local-input"]),
    "5000-branch elif chain on a source": (
        "v = sys.argv[1]\nif v == '0':\n    pass\n" + "".join(f"elif v == '{i}':\n    probe(v)\n" for i in range(1, 5000)),
        ["local-input"]),
    "10000 statements in one function": (
        "def main():\n    v = sys.argv[1]\n" + "    w = v.strip() + v\n" * 10_000 + "    probe(w)\n",
        ["local-input"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_provenance_is_bounded(name: str) -> None:
    source, expected = CASES[name]
    process = subprocess.run([sys.executable, "-c", DRIVER], input=HEADER + source, capture_output=True,
                             text=True, timeout=120)
    assert process.returncode == 0, process.stderr[-2000:]
    result = json.loads(process.stdout)
    # A few times a bare libcst walk of the same tree (the machine may be loaded), never seconds more.
    assert result["seconds"] < 4 * result["plain"] + 1.0, result
    # Deeper than the evaluation limit is unknown, never a crash; shallower is exact.
    assert result["kinds"] == expected, result
