"""AL501 model-output-parsed-unchecked: model text through wrappers, handled parses, callers
that catch, and AL107/AL108 standing back on model text."""

from __future__ import annotations

from tests.harness import findings

WRAPPER = """\
import json
from openai import OpenAI
client = OpenAI(timeout=30)

def call_llm(prompt):
    resp = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content

def plan(prompt):
    return json.loads(call_llm(prompt))
"""


def test_parse_through_a_same_module_wrapper_is_reported_with_the_path():
    (finding,) = findings(WRAPPER, "AL501")
    assert finding.line == 10
    assert "valid JSON" in finding.message and "`finish_reason` is not read" in finding.message
    assert any("returned by call_llm()" in note.message for note in finding.related)


def test_a_caller_that_catches_the_error_keeps_it_quiet():
    code = WRAPPER + """
def safe(prompt):
    try:
        return plan(prompt)
    except ValueError:
        return None
"""
    assert findings(code, "AL501") == []


def test_a_caller_that_does_not_catch_leaves_it_reported():
    code = WRAPPER + """
def run(prompt):
    return plan(prompt)
"""
    assert [finding.line for finding in findings(code, "AL501")] == [10]


def test_a_function_handed_on_as_a_callable_is_not_reported():
    code = WRAPPER + """
def run_all(executor, prompts):
    return [executor.submit(plan, prompt) for prompt in prompts]
"""
    assert findings(code, "AL501") == []


def test_literal_eval_needs_both_errors_caught():
    code = WRAPPER + """
import ast
def items(prompt):
    try:
        return ast.literal_eval(call_llm(prompt))
    except ValueError:
        return []
"""
    (_, finding) = findings(code, "AL501")
    assert "SyntaxError" in finding.message and "ValueError" not in finding.message.split("raises")[1].split(" on ")[0]


def test_text_that_is_not_the_models_is_not_reported():
    assert findings("import json\ndef f(text):\n    return json.loads(text)\n", "AL501") == []
