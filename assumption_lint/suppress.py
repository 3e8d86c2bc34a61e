"""Suppression comments: ``# alint: ignore[AL301]``, bare ``# alint: ignore``, ``# noqa: AL301``.

A bare ``# noqa`` belongs to flake8 and is not honoured: it would silence alint by accident.
A comment counts on the line where the finding starts or on the first line of the
statement that contains it.
"""

from __future__ import annotations

import re

_ALINT = re.compile(r"#\s*alint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)", re.IGNORECASE)


def suppressed_codes(line: str) -> set[str] | None:
    """The rule ids a line's comment suppresses; an empty set means all; None means none."""
    if "#" not in line:
        return None
    codes: set[str] | None = None
    for match in _ALINT.finditer(line):
        listed = match.group("codes")
        if listed is None or not listed.strip():
            return set()
        codes = (codes or set()) | {code.strip().upper() for code in listed.split(",") if code.strip()}
    for match in _NOQA.finditer(line):
        codes = (codes or set()) | {code.upper() for code in re.split(r"[\s,]+", match.group("codes")) if code}
    return codes


def is_suppressed(rule: str, lines: list[str], line: int, statement_line: int) -> bool:
    for number in {line, statement_line}:
        if 1 <= number <= len(lines):
            codes = suppressed_codes(lines[number - 1])
            if codes is not None and (not codes or rule in codes):
                return True
    return False
