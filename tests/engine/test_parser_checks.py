"""The node checks a parse skips (engine/parser_checks.py): the same trees, the same refusals,
and every check back in place outside the parse."""

from __future__ import annotations

import sys
from pathlib import Path

import libcst as cst
import pytest

from assumption_lint.engine import parser_checks
from assumption_lint.engine.source import Unreadable, parse
from harness import fixture_files


def _real_code() -> list[Path]:
    """The fixtures and a slice of the running interpreter's standard library."""
    library = Path(cst.__file__).resolve().parents[1].parent / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if not library.is_dir():
        library = Path(__import__("os").__file__).resolve().parent
    return fixture_files() + sorted(library.glob("*.py"))[::6]


def test_parsing_with_the_skipped_checks_builds_the_same_trees() -> None:
    compared = 0
    for path in _real_code():
        try:
            text = path.read_text(encoding="utf-8")
            checked = cst.parse_module(text)
        except (UnicodeDecodeError, cst.ParserSyntaxError, cst.CSTValidationError, RecursionError):
            continue
        with parser_checks.skipped_checks():
            skipped = cst.parse_module(text)
        assert skipped.deep_equals(checked), path
        assert skipped.code == text
        compared += 1
    assert compared > 100


def test_the_checks_that_reject_code_still_do() -> None:
    # libcst refuses to mix bytes and text in one implicit concatenation (CPython too).
    with pytest.raises(Unreadable, match="syntax error"):
        parse('x = b"a" "b"\n')
    with parser_checks.skipped_checks(), pytest.raises(cst.CSTValidationError):
        cst.Name("not an identifier")


def test_outside_a_parse_every_node_is_checked() -> None:
    parse("x = 1  # a comment\n")
    with pytest.raises(cst.CSTValidationError):
        cst.SimpleWhitespace("not whitespace")
    with pytest.raises(cst.CSTValidationError):
        cst.Comment("no hash")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("x", lpar=[cst.LeftParen()])  # unbalanced
    with parser_checks.skipped_checks():
        cst.SimpleWhitespace("not whitespace")  # the parser never makes one
    with pytest.raises(cst.CSTValidationError):
        cst.SimpleWhitespace("not whitespace")


def test_most_node_classes_skip_and_the_refusing_ones_keep_their_checks() -> None:
    skipped = {node_class.__name__ for node_class, check in parser_checks._skipped()
               if check is not cst.CSTNode.__post_init__}
    assert {"SimpleWhitespace", "Comment", "Newline", "Name", "Attribute", "Comma", "EmptyLine"} <= skipped
    assert not skipped & {"ConcatenatedString", "Parameters", "Call", "Arg", "FunctionDef"}
