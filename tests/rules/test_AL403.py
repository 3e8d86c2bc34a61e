"""AL403 page-arithmetic: page counts and offsets that lose a page, and the math.ceil fix."""

from __future__ import annotations

from harness import findings, lines

from assumption_lint.engine import analyze_text
from assumption_lint.fix_files import fixed_code

from harness import settings


def test_a_floor_division_page_count_is_reported_and_a_ceiling_is_not() -> None:
    code = '''
def pages(total, per_page):
    total_pages = total // per_page
    return total_pages


def pages_ceil(total, per_page):
    total_pages = -(-total // per_page)
    return total_pages


def pages_plus_one(total, per_page):
    total_pages = total // per_page + 1
    return total_pages


def pages_rest(total, per_page):
    total_pages = total // per_page
    if total % per_page:
        total_pages += 1
    return total_pages
'''
    [finding] = findings(code, "AL403")
    assert finding.line == 3
    assert "floor division drops the last, partial page" in finding.message
    assert "math.ceil(total / per_page)" in finding.message


def test_a_division_that_is_no_page_count_is_quiet() -> None:
    code = '''
def middle(items):
    half = len(items) // 2
    offset = len(items) // 4
    return items[half], offset
'''
    assert lines(code, "AL403") == []


def test_range_one_to_pages_passed_as_the_page_is_reported() -> None:
    code = '''
import requests


def fetch(url, total_pages):
    out = []
    for page in range(1, total_pages):
        out += requests.get(url, params={"page": page}, timeout=10).json()
    return out
'''
    [finding] = findings(code, "AL403")
    assert finding.line == 7
    assert "range(1, total_pages + 1)" in finding.message
    assert lines(code.replace("range(1, total_pages)", "range(1, total_pages + 1)"), "AL403") == []


def test_an_offset_from_a_one_based_page_is_reported() -> None:
    code = '''
from flask import request


def items(db):
    page = int(request.args.get("page", 1))
    per_page = 20
    return db.query(offset=page * per_page, limit=per_page)
'''
    [finding] = findings(code, "AL403")
    assert "counts from 1" in finding.message and "(page - 1) * per_page" in finding.message
    assert lines(code.replace("page * per_page", "(page - 1) * per_page"), "AL403") == []
    assert lines(code.replace('get("page", 1)', 'get("page", 0)'), "AL403") == []


def test_the_fix_uses_math_ceil_and_imports_math_once() -> None:
    code = '''"""Pages."""
import os


def a(total, per_page):
    return {"pages": total // per_page}


def b(total, size):
    num_pages = int(total / size)
    return num_pages
'''
    fixed, fixed_findings = fixed_code(code, "snippet.py", settings("AL403"))
    assert len(fixed_findings) == 2
    assert fixed.count("import math") == 1
    assert '"""Pages."""\nimport os\nimport math\n' in fixed
    assert "math.ceil(total / per_page)" in fixed and "math.ceil(total / size)" in fixed
    assert analyze_text(fixed, "snippet.py", settings("AL403")).findings == []


def test_the_fix_uses_an_existing_ceil() -> None:
    code = '''from math import ceil


def a(total, per_page):
    total_pages = total // per_page
    return total_pages
'''
    fixed, _ = fixed_code(code, "snippet.py", settings("AL403"))
    assert "total_pages = ceil(total / per_page)" in fixed and "import math\n" not in fixed
