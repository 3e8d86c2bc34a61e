"""Every version of alint the docs name is the one in the tree (assumption_lint.__version__):
pre-commit's `rev:`, the action's and pip's `@v…`, `alint 0.x.y`, the JSON example's
`"version"`. The changelog names past versions on purpose and is not read. Releasing
(docs/releasing.md) updates them together."""

from __future__ import annotations

import re
from pathlib import Path

from assumption_lint import __version__
from harness import ROOT

VERSION = r"(?P<version>\d+\.\d+\.\d+)"
PATTERNS = [
    re.compile(r"\brev:\s*[\"']?v?" + VERSION),                      # pre-commit
    re.compile(r"assumption-lint(?:\.git)?@v?" + VERSION),           # git URLs, `uses:` of the action
    re.compile(r"assumption-lint==" + VERSION),                       # pip pins
    re.compile(r"\balint " + VERSION),                                # `alint --version`, measurements
    re.compile(r'"name": "alint", "version": "' + VERSION + '"'),   # the JSON report's example
    re.compile(r"(?<![\w./-])v" + VERSION + r"\b"),                   # a tag named on its own
]


def documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "action.yml", ROOT / ".pre-commit-hooks.yaml",
            *sorted((ROOT / "docs").rglob("*.md"))]


def named_versions() -> list[tuple[str, int, str]]:
    found = []
    for path in documents():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for pattern in PATTERNS:
                found += [(str(path.relative_to(ROOT)), number, match["version"]) for match in pattern.finditer(line)]
    return found


def test_every_version_the_docs_name_is_the_current_one() -> None:
    named = named_versions()
    wrong = [f"{path}:{line}: {version}" for path, line, version in named if version != __version__]
    assert not wrong, f"the tree is version {__version__}; these name another one:\n" + "\n".join(wrong)


def test_the_install_docs_name_a_version_at_all() -> None:
    places = {path for path, _, _ in named_versions()}
    for page in ("README.md", "docs/integrations/pre-commit.md", "docs/integrations/github.md",
                 "docs/integrations/gitlab.md", "docs/releasing.md", "action.yml"):
        assert page in places, f"{page} names no version: the check above would not see a stale one"


def test_the_patterns_see_what_they_are_for() -> None:
    text = ("rev: v9.9.9\nuses: assumption-lint/assumption-lint@v9.9.9\n"
            "pip install 'assumption-lint @ git+https://github.com/assumption-lint/assumption-lint@v9.9.9'\n"
            "alint 9.9.9\ngit tag -a v9.9.9\n")
    assert sum(len(p.findall(text)) for p in PATTERNS) >= 5
    # other projects' versions are not alint's
    assert not any(p.search("https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html pre-commit 4.7.0 "
                            "@microsoft/sarif-multitool@5.7.0 actions/checkout@v4") for p in PATTERNS)
