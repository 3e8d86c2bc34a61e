"""The generated rule pages (``docs/rules/AL301.md``), read at run time.

``alint rules AL301`` prints a page and ``alint check --explain`` quotes the advice of its
"The regression test to write" section. The wheel ships the pages as package data
(``assumption_lint/rule_pages``); in a source checkout they are read from ``docs/rules``.
``python -m assumption_lint.docs --write`` writes them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REGRESSION_TEST = "The regression test to write"
_HEADING = re.compile(r"^## (?P<title>.+?)\s*$", re.MULTILINE)


def pages_dir() -> Path | Any:
    """Inside the wheel ``assumption_lint/rule_pages``, else the repository's ``docs/rules``."""
    from importlib import resources  # only when a page is read (--explain), not at start-up

    packaged = resources.files("assumption_lint").joinpath("rule_pages")
    if packaged.is_dir():
        return packaged
    # This file is assumption_lint/pages.py: the repository root is two levels up.
    return Path(__file__).resolve().parent.parent / "docs" / "rules"


def page(rule_id: str) -> str | None:
    """The markdown page of ``rule_id``, or None when the rule has none (AL001-AL005)."""
    item = pages_dir().joinpath(f"{rule_id}.md")
    if not item.is_file():
        return None
    return item.read_text(encoding="utf-8")


def section(text: str, title: str) -> str | None:
    """The body of the ``## title`` section of a page, without its heading."""
    headings = list(_HEADING.finditer(text))
    for index, heading in enumerate(headings):
        if heading["title"] == title:
            end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
            return text[heading.end():end].strip("\n")
    return None


def regression_advice(rule_id: str) -> str | None:
    """The first paragraph of the rule's regression-test section, as one line of text."""
    text = page(rule_id)
    body = section(text, REGRESSION_TEST) if text else None
    if not body:
        return None
    first = body.strip().split("\n\n", 1)[0]
    return " ".join(first.split())
