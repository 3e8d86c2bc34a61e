"""Where a rule's documentation lives on the web: the one base URL every report links from
(SARIF ``helpUri``, the GitHub annotations' and JUnit reports' links, GitLab's ``url``)."""

from __future__ import annotations

from ..pages import pages_dir

REPOSITORY_URL = "https://github.com/assumption-lint/assumption-lint"
# The rule pages as generated in the repository (docs/rules/). `main` rather than a tag, so
# a link never points at a release tag that has not been pushed yet.
RULES_BASE_URL = f"{REPOSITORY_URL}/blob/main/docs/rules/"
# AL001-AL005 have no page of their own: the rules index describes them.
ENGINE_RULES_ANCHOR = "README.md#the-engines-own-findings"


def is_engine_rule(rule_id: str) -> bool:
    return rule_id.startswith("AL0")


def rule_url(rule_id: str) -> str | None:
    """The rule's page, or None for a rule alint ships no page for (one from extend-catalog)."""
    if is_engine_rule(rule_id):
        return RULES_BASE_URL + ENGINE_RULES_ANCHOR
    if not pages_dir().joinpath(f"{rule_id}.md").is_file():
        return None
    return f"{RULES_BASE_URL}{rule_id}.md"
