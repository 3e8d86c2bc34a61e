"""The LLM SDKs in the network and timeout catalogs (rules/llm.toml): resource paths on a
client resolve to its methods, and each SDK's facts (defaults, exception hierarchy) hold."""

from __future__ import annotations

import pytest

from assumption_lint.catalog import shipped_catalog
from harness import findings


def _rules(code: str, rules: tuple[str, ...] = ("AL201", "AL204", "AL301", "AL302")) -> list[tuple[int, str]]:
    # These tests read which errors escape, not where they hurt: `strict` makes a one-shot
    # `main()` a place AL201 reports.
    return sorted((finding.line, finding.rule)
                  for finding in findings(code, *rules, options={"AL201": {"strict": True}}))


def test_a_resource_path_resolves_on_the_client_object() -> None:
    code = """
        from openai import OpenAI
        client = OpenAI(timeout=None)
        def main():
            client.chat.completions.create(model="m", messages=[])
            client.files.create(file=b"")
    """
    # files is not a catalogued resource: that call stays unresolved (silent).
    assert _rules(code) == [(5, "AL201"), (5, "AL302")]


def test_a_resource_path_resolves_through_self_attributes() -> None:
    code = """
        import anthropic
        class Agent:
            def __init__(self):
                self.client = anthropic.Anthropic(timeout=None)
            def ask(self, prompt):
                return self.client.messages.create(model="c", max_tokens=10, messages=[])
    """
    assert _rules(code, ("AL302",)) == [(7, "AL302")]


def test_attributes_of_a_client_without_resources_stay_unresolved() -> None:
    code = """
        import requests
        s = requests.Session()
        def main():
            s.headers.update({"a": "b"})
            s.adapters.get("https://").send(None)
    """
    assert _rules(code) == []


@pytest.mark.parametrize("construct, expected", [
    ("ChatOpenAI(model='m')", [(3, "AL301")]),
    ("ChatOpenAI(model='m', timeout=30)", []),
    ("ChatOpenAI(model='m', request_timeout=30)", []),
    # Disabled: at the constructor, and at each call that relies on it.
    ("ChatOpenAI(model='m', timeout=None)", [(3, "AL302"), (5, "AL302")]),
    ("ChatOpenAI(**settings)", []),
])
def test_langchain_chat_models_have_no_timeout_unless_given(construct: str, expected: list[tuple[int, str]]) -> None:
    code = f"""
        from langchain_openai import ChatOpenAI
        llm = {construct}
        def answer(q):
            return llm.invoke(q)
    """
    assert _rules(code, ("AL301", "AL302")) == expected


@pytest.mark.parametrize("call, expected", [
    ("openai.OpenAI().chat.completions.create(model='m', messages=[])", []),       # 600 s
    ("groq.Groq().chat.completions.create(model='m', messages=[])", []),           # 60 s
    ("cohere.ClientV2().chat(model='m', messages=[])", []),                        # 300 s
    ("litellm.completion('m', [], None)", []),                                     # None is "not set"
    ("ollama.Client().chat(model='m')", [(4, "AL301")]),                            # no timeout
    ("ollama.generate(model='m')", [(4, "AL301")]),
    ("genai.Client().models.generate_content(model='m', contents='x')", [(4, "AL301")]),
    ("genai.Client(http_options={'timeout': 30_000}).models.generate_content(model='m', contents='x')", []),
    ("anthropic.Anthropic().messages.create(model='m', max_tokens=5, messages=[], timeout=None)", [(4, "AL302")]),
])
def test_sdk_timeout_defaults(call: str, expected: list[tuple[int, str]]) -> None:
    code = f"""
        import anthropic, cohere, groq, litellm, ollama, openai; from google import genai
        def answer():
            return {call}
    """
    assert _rules(code, ("AL301", "AL302")) == expected


@pytest.mark.parametrize("caught, escapes", [
    ("openai.APIError", False),
    ("openai.APIConnectionError", True),   # a 429 after retries is RateLimitError
    ("httpx.HTTPError", True),             # openai errors are not httpx errors
    ("OSError", True),
    ("Exception", False),
])
def test_openai_errors_are_their_own_hierarchy(caught: str, escapes: bool) -> None:
    code = f"""
        import sys, httpx, openai
        client = openai.OpenAI()
        def main():
            try:
                client.chat.completions.create(model="m", messages=[])
            except {caught} as exc:
                raise SystemExit(str(exc))
        if __name__ == "__main__":
            main()
    """
    assert ((6, "AL201") in _rules(code, ("AL201",))) is escapes


@pytest.mark.parametrize("caught, escapes", [
    ("ollama.ResponseError", True),   # a refused connection is the builtin ConnectionError
    ("ConnectionError", True),        # an error status is ResponseError
    ("(ConnectionError, ollama.ResponseError)", False),
    ("OSError, ollama.ResponseError", None),
])
def test_ollama_raises_the_builtin_connection_error(caught: str, escapes: bool | None) -> None:
    if escapes is None:
        caught, escapes = "(OSError, ollama.ResponseError)", False
    code = f"""
        import ollama
        def main():
            try:
                ollama.chat(model="m")
            except {caught} as exc:
                raise SystemExit(str(exc))
    """
    assert ((5, "AL201") in _rules(code, ("AL201",))) is escapes


def test_litellm_errors_are_caught_by_the_openai_root() -> None:
    catalog = shipped_catalog()
    for raised in ("litellm.APIConnectionError", "litellm.Timeout", "litellm.RateLimitError"):
        assert catalog.network.catches("openai.APIError", raised), raised
