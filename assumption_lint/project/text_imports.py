"""The imports a file's text names, without parsing it: for a file the pre-check skipped,
to ask whether it calls a project function worth parsing it for (runner.py).

A regular expression over statements at any indentation; a string that looks like an
import is read as one, which only costs a parse of a file that did not need it.
"""

from __future__ import annotations

import re

from pathlib import Path

from .modules import ModuleIndex
from .summaries import Imported, Target

_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.MULTILINE)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.MULTILINE)
_NAME = re.compile(r"^[A-Za-z_][\w.]*$")


def imported_modules(text: str) -> list[Imported]:
    found: list[Imported] = []
    for match in _FROM.finditer(text):
        dots, module, names = match.groups()
        if names.strip() == "*":  # every name of the module: as good as the module itself
            found.append(Imported(module, None, len(dots)))
            continue
        for part in names.strip("()").replace("\\\n", " ").split(","):
            name = part.split(" as ")[0].strip()
            if _NAME.match(name) and name != "*":
                found.append(Imported(module, name, len(dots)))
    for match in _IMPORT.finditer(text):
        for part in match.group(1).split(","):
            module = part.split(" as ")[0].strip()
            if _NAME.match(module):
                found.append(Imported(module))
    return found


def project_names(text: str, index: ModuleIndex, importer: Path) -> list[Target]:
    """The project names the text imports: ``from m import n`` as (m's file, "n") or, for a
    submodule, (its file, ""); ``import m`` as (m's file, ""), the whole module."""
    found = []
    for imported in imported_modules(text):
        if imported.name is None:
            file = index.resolve_module(importer, imported.module, imported.level)
            if file is not None:
                found.append(Target(str(file), ""))
            continue
        resolved = index.resolve_from(importer, imported.module, imported.name, imported.level)
        if resolved is not None:
            found.append(Target(str(resolved[0]), resolved[1] or ""))
    return found

