"""Suppression comments: ``# alint: ignore[AL000]``, bare ``# alint: ignore``, ``# noqa: AL000``.

A bare ``# noqa`` belongs to flake8 and is not honoured: it would silence alint by accident.
A comment counts on the line where the finding starts or on the first line of the
statement that contains it. Ids are exact (``AL000``, not a prefix), any case, separated by
commas or spaces. Only a real comment counts: ``"#alint: ignore"`` inside a string does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# `ignore` must end there: "# alint: ignored" or "# alint: ignore_this" is prose, not a directive.
_ALINT = re.compile(r"#\s*alint:\s*ignore(?![\w-])(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+[0-9]+(?:(?:\s*,\s*|\s+)[A-Z]+[0-9]+)*)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,]+")


def comment_of(line: str) -> str | None:
    """The comment on a source line, or None. A ``#`` inside a string literal that opens and
    closes on this line is not a comment (a line that starts inside a multi-line string is
    read as if it did not: rare, and then a suppression is missed, never invented)."""
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if line.startswith(quote, index):
                index += len(quote)
                quote = ""
                continue
        elif char == "#":
            return line[index:]
        elif char in "'\"":
            quote = line[index:index + 3] if line[index:index + 3] in ('"""', "'''") else char
            index += len(quote)
            continue
        index += 1
    return None


def suppressed_codes(line: str) -> set[str] | None:
    """The rule ids a line's comment suppresses; an empty set means all; None means none."""
    if "#" not in line:
        return None
    lowered = line.lower()
    if "alint" not in lowered and "noqa" not in lowered:
        return None
    comment = comment_of(line)
    if comment is None:
        return None
    codes: set[str] | None = None
    for match in _ALINT.finditer(comment):
        listed = match.group("codes")
        if listed is None or not listed.strip():
            return set()
        codes = (codes or set()) | {code.upper() for code in _SEPARATORS.split(listed) if code}
    for match in _NOQA.finditer(comment):
        codes = (codes or set()) | {code.upper() for code in _SEPARATORS.split(match.group("codes")) if code}
    return codes


def suppressing_line(rule: str, lines: list[str], line: int, statement_line: int) -> int | None:
    """The line whose comment suppresses ``rule`` here (the finding's own line first), or None."""
    for number in dict.fromkeys((line, statement_line)):
        if 1 <= number <= len(lines):
            codes = suppressed_codes(lines[number - 1])
            if codes is not None and (not codes or rule in codes):
                return number
    return None


def is_suppressed(rule: str, lines: list[str], line: int, statement_line: int) -> bool:
    return suppressing_line(rule, lines, line, statement_line) is not None


@dataclass(frozen=True)
class Directive:
    """The suppression comment of one line, for reporting unknown and unused ids."""

    line: int
    column: int  # 1-based, in code points, of the comment's ``#``
    comment: str
    bare: bool  # ``# alint: ignore`` without ids: every rule
    alint_codes: tuple[str, ...]  # listed in an alint ignore comment: all of them are alint's
    noqa_codes: tuple[str, ...]  # listed in ``# noqa:``: other tools' codes too (E501)


def directives(lines: list[str]) -> list[Directive]:
    found = []
    for number, line in enumerate(lines, start=1):
        if suppressed_codes(line) is None:
            continue
        comment = comment_of(line) or ""
        bare, alint, noqa = False, [], []
        for match in _ALINT.finditer(comment):
            listed = match.group("codes")
            if listed is None or not listed.strip():
                bare = True
            else:
                alint.extend(code.upper() for code in _SEPARATORS.split(listed) if code)
        for match in _NOQA.finditer(comment):
            noqa.extend(code.upper() for code in _SEPARATORS.split(match.group("codes")) if code)
        found.append(Directive(number, len(line) - len(comment) + 1, comment.rstrip(), bare,
                               tuple(dict.fromkeys(alint)), tuple(dict.fromkeys(noqa))))
    return found
