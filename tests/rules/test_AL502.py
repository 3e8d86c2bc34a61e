"""AL502 model-content-may-be-none: the reply's text used as a string only where the request
lets the model answer without text; None checks, kind checks and handlers keep it quiet;
it stands back for AL501 on a parse."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assumption_lint.catalog import shipped_catalog
from tests.harness import findings

OPENAI = """\
import json
from openai import OpenAI
client = OpenAI(timeout=30)
TOOLS = [{"type": "function", "function": {"name": "f"}}]
"""


def _lines(code: str, *rules: str) -> list[int]:
    return [finding.line for finding in findings(code, *(rules or ("AL502",)))]


def test_the_finding_names_the_option_and_carries_the_replys_path() -> None:
    (finding,) = findings(OPENAI + """
def answer(q):
    resp = client.chat.completions.create(model="m", messages=[], tools=TOOLS)
    text = resp.choices[0].message.content
    return text.strip()
""", "AL502")
    assert finding.line == 9
    assert "this request passes `tools=`" in finding.message and "`.strip()` then raises AttributeError" in finding.message
    notes = [note.message for note in finding.related]
    assert notes[0] == "from the model's reply" and "assigned to text" in notes


def test_the_text_through_a_same_module_wrapper_is_reported_at_the_callers_use() -> None:
    assert _lines(OPENAI + """
def call_llm(messages, tools=None):
    resp = client.chat.completions.create(model="m", messages=messages, tools=tools)
    return resp.choices[0].message.content

def shout(q):
    return call_llm([q], tools=TOOLS).upper()

def whisper(q):
    return call_llm([q]).lower()  # no tools: the text is there
""") == [11]


def test_a_request_alint_cannot_see_into_is_not_reported() -> None:
    assert _lines(OPENAI + """
def answer(options):
    return client.chat.completions.create(**options).choices[0].message.content.strip()
""") == []


@pytest.mark.parametrize("handler, expected", [
    ("except AttributeError:", []),
    ("except Exception:", []),
    ("except:", []),
    ("except ValueError:", [9]),
])
def test_an_except_clause_that_catches_what_the_use_raises_keeps_it_quiet(handler: str, expected: list[int]) -> None:
    assert _lines(OPENAI + f"""
def answer(q):
    resp = client.chat.completions.create(model="m", messages=[], tools=TOOLS)
    try:
        return resp.choices[0].message.content.strip()
    {handler}
        return ""
""") == expected


def test_one_finding_per_reply_and_function() -> None:
    assert _lines(OPENAI + """
def answer(q):
    text = client.chat.completions.create(model="m", messages=[], tools=TOOLS).choices[0].message.content
    words = text.split()
    return len(text), words
""") == [8]


def test_looking_at_the_kind_of_answer_counts_only_before_the_use() -> None:
    assert _lines(OPENAI + """
def late(q):
    message = client.chat.completions.create(model="m", messages=[], tools=TOOLS).choices[0].message
    text = message.content.strip()
    if message.tool_calls:
        return None
    return text

def early(q):
    message = client.chat.completions.create(model="m", messages=[], tools=TOOLS).choices[0].message
    if message.finish_reason == "tool_calls":
        return None
    return message.content.strip()
""") == [8]


def test_dict_style_replies_and_other_openai_shaped_sdks() -> None:
    assert _lines("""
import litellm, groq
TOOLS = [{}]
def via_litellm(q):
    resp = litellm.completion(model="m", messages=[], tools=TOOLS)
    return resp["choices"][0]["message"]["content"].strip()
def via_groq(q):
    return groq.Groq(timeout=10).chat.completions.create(model="m", messages=[], tools=TOOLS).choices[0].message.content + "!"
""") == [6, 8]


def test_ollama_answers_an_empty_string_not_none() -> None:
    # api/types.go: Message.Content is always sent; "" with tool calls (a parse of it is AL501's).
    assert _lines("""
import ollama
def answer(q):
    return ollama.Client(timeout=10).chat(model="m", messages=[], tools=[{}]).message.content.strip()
""") == []


def test_cohere_content_is_none_with_tool_calls() -> None:
    assert _lines("""
import cohere
co = cohere.ClientV2(timeout=10)
def answer(q):
    return co.chat(model="m", messages=[], tools=[{}]).message.content[0].text
""") == [5]


def test_openai_parse_has_no_parsed_value_on_a_refusal() -> None:
    assert _lines(OPENAI + """
def plan(q, Plan):
    resp = client.chat.completions.parse(model="m", messages=[], response_format=Plan)
    return resp.choices[0].message.parsed.steps
""") == [8]


def test_stream_deltas_and_other_reads_of_the_reply_are_not_the_text() -> None:
    assert _lines(OPENAI + """
def stream(q):
    out = []
    for chunk in client.chat.completions.create(model="m", messages=[], tools=TOOLS, stream=True):
        out.append(chunk.choices[0].delta.content.strip())
    return out

def usage(q):
    resp = client.chat.completions.create(model="m", messages=[], tools=TOOLS)
    return resp.usage.total_tokens + len(resp.choices)
""") == []


def test_it_stands_back_for_al501_on_a_parse() -> None:
    code = OPENAI + """
def plan(q):
    resp = client.chat.completions.create(model="m", messages=[], tools=TOOLS)
    return json.loads(resp.choices[0].message.content)
"""
    assert [(f.line, f.rule) for f in findings(code, "AL501", "AL502")] == [(8, "AL501")]
    catalog = shipped_catalog()
    rules = dict(catalog.rules)
    rules["AL502"] = replace(rules["AL502"], yields_to=())
    assert [(f.line, f.rule) for f in findings(code, "AL501", "AL502", catalog=replace(catalog, rules=rules))] == [
        (8, "AL501"), (8, "AL502")]


def test_a_handled_parse_still_raises_typeerror_on_none() -> None:
    assert [(f.line, f.rule) for f in findings(OPENAI + """
def plan(q):
    resp = client.chat.completions.create(model="m", messages=[], tools=TOOLS)
    try:
        return json.loads(resp.choices[0].message.content)
    except json.JSONDecodeError:
        return {}
""", "AL501", "AL502")] == [(9, "AL502")]
