"""docs/model-sdks.md, the SDK list generated from rules/models.toml and rules/llm.toml: it
is current, it lists every SDK with its facts, adding an SDK is a data change, and the
README and the AL50x pages link it."""

from __future__ import annotations

from assumption_lint import docs
from assumption_lint.catalog import Catalog, load_text, shipped_catalog
from harness import ROOT

PAGE = ROOT / "docs" / "model-sdks.md"


def _row(page: str, sdk: str) -> str:
    return next(line for line in page.splitlines() if line.startswith(f"| {sdk} |"))


def test_the_committed_page_is_what_the_catalog_generates() -> None:
    assert PAGE.read_text(encoding="utf-8") == docs.model_sdks_page(shipped_catalog()), (
        "run `python -m assumption_lint.docs --write`")
    assert "docs/model-sdks.md" in docs.generated_files()


def test_every_sdk_of_the_catalog_has_a_row_with_its_facts() -> None:
    catalog = shipped_catalog()
    page = docs.model_sdks_page(catalog)
    for reply in catalog.models.replies:
        row = _row(page, reply.sdk)
        assert all(f"`{text}`" in row for text in reply.spelled_text())
        assert reply.evidence and reply.evidence.split(":")[0] in row
    openai = _row(page, "openai")
    assert "`openai.APIError`" in openai and "600 s" in openai and "`tools=`" in openai
    assert "`openai.{OpenAI, AzureOpenAI, Client, AsyncOpenAI, AsyncAzureOpenAI, AsyncClient}`" in openai
    assert "no timeout by default" in _row(page, "google-genai")
    assert "never None" in _row(page, "ollama")
    assert "`.bind_tools()`" in _row(page, "langchain-anthropic")
    assert "| `json.loads` | `json.JSONDecodeError` | valid JSON |" in page


def test_an_sdk_added_to_the_catalog_appears_with_its_client_errors_and_timeout() -> None:
    catalog = Catalog(rules=dict(shipped_catalog().rules))
    load_text(catalog, """
[[exception]]
name = "acme.Error"
bases = []

[[network]]
name = "acme"
library = "acme-llm"
errors = ["acme.Error"]
root = ["acme.Error"]
fix = "catch acme.Error"

[[client]]
constructors = ["acme.Client"]
type = "acme.Client"
library = "acme-llm"
[client.timeout]
keyword = "timeout"
default = "forever"
default-text = "acme clients wait forever"
phase = "read phase"

[[model-reply]]
sdk = "acme"
libraries = ["acme-llm"]
calls = ["acme.Client.chat"]
text = ["reply.text"]
why = "`reply.text` is None when the model calls a tool"
source = "acme/acme-python @ 1234567"
[model-reply.non-text]
tools = "`reply.text` is None when the model calls a tool"
""", "acme.toml")
    row = _row(docs.model_sdks_page(catalog), "acme")
    assert "`acme.Client`" in row and "`acme.Client.chat`" in row and "`reply.text`" in row
    assert "None when the request passes `tools=`" in row
    assert "`acme.Error`" in row and "acme clients wait forever" in row and "acme/acme-python @ 1234567" in row


def test_the_readme_and_the_model_rule_pages_link_it() -> None:
    assert "(docs/model-sdks.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in ("AL501", "AL502"):
        assert "(../model-sdks.md)" in (ROOT / "docs" / "rules" / f"{rule}.md").read_text(encoding="utf-8")
