"""The label grammar of fixture files, shared by the tests and the docs generator.

A line that must be flagged ends with ``# expect: AL301`` (several: ``AL301, AL202``);
the same comment may go on with ``ok: AL203`` for rules that must stay quiet there. A line
that must stay quiet carries ``# ok: AL301``. ``# expect-later: AL301`` is a known miss.
Fixture-wide settings: ``# fixture: target-version=3.12`` or ``# fixture: AL201.strict=true``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_LABEL = re.compile(r"\b(expect-later|expect|ok):\s*((?:AL\d{3}\s*,?\s*)+)")
_SETTING = re.compile(r"^#\s*fixture:\s*(?P<key>[\w.-]+)\s*=\s*(?P<value>\S+)\s*$")
_CODE = re.compile(r"AL\d{3}")


@dataclass
class Labels:
    expect: set[tuple[int, str]] = field(default_factory=set)
    ok: set[tuple[int, str]] = field(default_factory=set)
    later: set[tuple[int, str]] = field(default_factory=set)
    settings: dict[str, str] = field(default_factory=dict)


def read_labels(path: Path) -> Labels:
    labels = Labels()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        setting = _SETTING.match(line.strip())
        if setting:
            labels.settings[setting["key"]] = setting["value"]
            continue
        if "#" not in line:
            continue
        comment = line[line.index("#"):]
        for kind, codes in _LABEL.findall(comment):
            target = {"expect": labels.expect, "ok": labels.ok, "expect-later": labels.later}[kind]
            target.update((number, code) for code in _CODE.findall(codes))
    return labels


def fixture_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if not path.name.endswith(".fixed.py"))
