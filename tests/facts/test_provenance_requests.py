"""Value provenance: the source's API, the reads from the source's value (``Origin.access``)
and what the request asked for (``Origin.request``), which the model-output rules need to
tell a reply's text from the reply object and a request that passed ``tools=`` from one
that did not."""

from __future__ import annotations

import pytest

from assumption_lint.facts.provenance_values import MAX_ACCESS, Origin, Origins, join, source

from .test_provenance import probes

OPENAI = """
import openai
client = openai.OpenAI()
TOOLS = [{"type": "function", "function": {"name": "f"}}]
"""


def _model(source_text: str) -> list[Origin | None]:
    return [origins.of("model-output") for origins in probes(source_text)]


def _access(source_text: str) -> list[tuple[str, ...] | None]:
    return [origin.access if origin is not None else None for origin in _model(source_text)]


def _request(source_text: str) -> list[set[str]]:
    return [set(origin.request) for origin in _model(source_text) if origin is not None]


# ----------------------------------------------------------------------------- access
def test_the_reads_from_the_reply_are_its_access_and_the_call_its_api() -> None:
    (origin,) = _model(OPENAI + """
resp = client.chat.completions.create(model="m", messages=[])
msg = resp.choices[0].message
probe(msg.content)
""")
    assert origin is not None
    assert origin.access == ("choices", "[]", "message", "content")
    assert origin.api == "openai.OpenAI.chat.completions.create"


def test_string_keys_and_get_name_the_read_like_attributes() -> None:
    assert _access("""
import ollama
probe(ollama.chat(model="m", messages=[])["message"]["content"])
probe(ollama.chat(model="m", messages=[]).get("message", {}).get("content"))
probe(ollama.chat(model="m", messages=[])["message"][key])
""") == [("message", "content"), ("message", "content"), ("message", "[]")]


def test_a_value_computed_from_the_text_is_no_longer_the_text() -> None:
    assert _access(OPENAI + """
text = client.chat.completions.create(model="m", messages=[]).choices[0].message.content
probe(text.strip())
probe(text or "")
probe(f"answer: {text}")
probe(text + "!")
probe(int(text))
probe(" ".join([text]))
probe(text)
""") == [None, None, None, None, None, None, ("choices", "[]", "message", "content")]


def test_iterated_items_and_unpacked_elements_are_items() -> None:
    assert _access(OPENAI + """
resp = client.chat.completions.create(model="m", messages=[])
for choice in resp.choices:
    probe(choice.message.content)
first, *rest = resp.choices
probe(first.message)
""") == [("choices", "[]", "message", "content"), ("choices", "[]", "message")]


def test_the_access_carries_through_a_wrapper_and_through_a_parameter() -> None:
    assert _access(OPENAI + """
def ask(prompt):
    resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content

def text_of(reply):
    return reply.choices[0].message.content

probe(ask("hi"))
probe(text_of(client.chat.completions.create(model="m", messages=[])))
""") == [("choices", "[]", "message", "content")] * 2


def test_two_different_reads_joined_are_no_known_read() -> None:
    assert _access(OPENAI + """
resp = client.chat.completions.create(model="m", messages=[])
if flag:
    value = resp.choices[0].message.content
else:
    value = resp.choices[0].message.refusal
probe(value)
""") == [None]


def test_a_read_deeper_than_the_bound_is_unknown() -> None:
    chain = ".a" * (MAX_ACCESS + 1)
    assert _access(OPENAI + f"""
probe(client.chat.completions.create(model="m", messages=[]){chain})
""") == [None]


# ----------------------------------------------------------------------------- request
@pytest.mark.parametrize("arguments, asked", [
    ("tools=TOOLS", {"tools"}),
    ("tools=get_tools()", {"tools"}),
    ("functions=[{'name': 'f'}]", {"functions"}),
    ("tools=None", set()),
    ("tools=[]", set()),
    ("tools=openai.NOT_GIVEN", set()),
    ("response_format={'type': 'json_schema', 'json_schema': {}}", {"response_format"}),
    ("response_format=SCHEMA", {"response_format"}),
    ("response_format={'type': 'json_object'}", set()),
    ("temperature=0", set()),
    ("**options", {"**"}),
    ("**{'tools': TOOLS}", {"tools"}),
])
def test_the_request_records_the_catalogued_options_it_passes(arguments: str, asked: set[str]) -> None:
    assert _request(OPENAI + f"""
probe(client.chat.completions.create(model="m", messages=[], {arguments}).choices[0].message.content)
""") == [asked]


def test_a_join_keeps_what_any_path_asked_for() -> None:
    assert _request(OPENAI + """
if agentic:
    resp = client.chat.completions.create(model="m", messages=[], tools=TOOLS)
else:
    resp = client.chat.completions.create(model="m", messages=[])
probe(resp.choices[0].message.content)
""") == [{"tools"}]


def test_the_request_carries_through_a_wrapper() -> None:
    assert _request(OPENAI + """
def ask(messages):
    resp = client.chat.completions.create(model="m", messages=messages, tools=TOOLS)
    return resp.choices[0].message.content

probe(ask([]))
""") == [{"tools"}]


LANGCHAIN = """
from langchain_anthropic import ChatAnthropic
from langchain_openai import ChatOpenAI
"""


@pytest.mark.parametrize("model, asked", [
    ("ChatAnthropic(model='c')", set()),
    ("ChatAnthropic(model='c', thinking={'type': 'enabled', 'budget_tokens': 2000})", {"thinking"}),
    ("ChatAnthropic(model='c', thinking={'type': 'disabled'})", set()),
    ("ChatAnthropic(model='c').bind_tools([lookup])", {"tools"}),
    ("ChatOpenAI(model='m', use_responses_api=True)", {"use_responses_api"}),
    ("ChatOpenAI(model='m', use_responses_api=False)", set()),
    ("ChatOpenAI(model='m', output_version='v0')", set()),
])
def test_a_chat_model_passes_what_it_was_built_or_bound_with(model: str, asked: set[str]) -> None:
    assert _request(LANGCHAIN + f"""
llm = {model}
probe(llm.invoke("question").content)
""") == [asked]


def test_a_binding_the_catalog_does_not_name_leaves_the_reply_unknown() -> None:
    # ChatOpenAI's function tools keep a str content: bind_tools is no binder there.
    assert _model(LANGCHAIN + """
probe(ChatOpenAI(model="m").bind_tools([lookup]).invoke("question").content)
""") == [None]


def test_a_model_kept_on_self_and_bound_in_a_method_passes_its_tools() -> None:
    assert _request(LANGCHAIN + """
class Agent:
    def __init__(self):
        self.llm = ChatAnthropic(model="c")

    def ask(self, question):
        probe(self.llm.bind_tools([lookup]).invoke(question).content)
""") == [{"tools"}]


# ----------------------------------------------------------------------------- the lattice
def test_join_unions_requests_and_keeps_an_access_only_when_both_agree() -> None:
    import libcst as cst

    node = cst.Name("x")
    tools = source("model-output", node, "the model's reply", 1, request=frozenset({"tools"}))
    plain = source("model-output", node, "the model's reply", 2)
    content = tools.child("content")
    assert join(tools, plain).of("model-output").request == {"tools"}
    assert join(content, plain.child("content")).of("model-output").access == ("content",)
    assert join(content, plain.child("refusal")).of("model-output").access is None
    assert Origins().child("content") == Origins()


# ----------------------------------------------------------------------------- options from parameters
WRAPPER = OPENAI + """
def ask(messages, tools=None):
    resp = client.chat.completions.create(model="m", messages=messages, tools=tools)
    return resp.choices[0].message.content
"""


@pytest.mark.parametrize("call, asked", [
    ("ask([])", set()),
    ("ask([], tools=TOOLS)", {"tools"}),
    ("ask([], TOOLS)", {"tools"}),
    ("ask([], tools=None)", set()),
])
def test_an_option_from_a_parameter_that_defaults_to_nothing_is_settled_by_each_call(call: str, asked: set[str]) -> None:
    assert _request(WRAPPER + f"""
probe({call})
""") == [asked]


def test_inside_the_function_such_an_option_is_not_known_to_be_passed() -> None:
    assert _request(OPENAI + """
def ask(messages, tools=None):
    resp = client.chat.completions.create(model="m", messages=messages, tools=tools)
    probe(resp.choices[0].message.content)
""") == [{"tools?tools"}]


def test_a_parameter_given_a_default_in_the_body_is_passed() -> None:
    assert _request(OPENAI + """
def ask(messages, tools=None):
    tools = tools or TOOLS
    resp = client.chat.completions.create(model="m", messages=messages, tools=tools)
    probe(resp.choices[0].message.content)
""") == [{"tools"}]


def test_a_wrapper_of_a_wrapper_hands_the_question_on() -> None:
    assert _request(WRAPPER + """
def outer(messages, tools=None):
    return ask(messages, tools=tools)

probe(outer([]))
probe(outer([], tools=TOOLS))
""") == [set(), {"tools"}]
