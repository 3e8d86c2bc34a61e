"""rules/sources.toml: the sources, framework parameters and validators of value provenance,
validated on load with errors that name the file and the key, and extensible by a project."""

from __future__ import annotations

from pathlib import Path

import pytest

from assumption_lint.catalog import Catalog, CatalogError, extended_catalog, load_text, shipped_catalog
from assumption_lint.catalog.sources import ASSUMPTIONS, ORIGINS, name_matches

GOOD_SOURCE = '[[source]]\norigin = "request"\nlabel = "the query"\nreads = ["web.request.args"]\n'
GOOD_VALIDATOR = '[[validator]]\nform = "guard"\nnames = ["check"]\nargument = 0\nends = ["format"]\n'


def test_the_shipped_table_has_every_origin_and_every_assumption() -> None:
    knowledge = shipped_catalog().sources
    assert {entry.origin for entry in knowledge.sources} == set(ORIGINS) - {"local"}
    ended = set().union(*(validator.ends for validator in knowledge.validators))
    assert ended == set(ASSUMPTIONS)
    # SDK replies are model output, never also a network response (api-facts.md section 8).
    model_calls = {call for entry in knowledge.sources if entry.origin == "model-output" for call in entry.calls}
    assert "openai.OpenAI.chat.completions.create" in model_calls
    # They are network calls (rules/llm.toml, for AL2xx/AL3xx) whose families return no
    # [[response]] kind, so `network = true` never gives them the response origin.
    network = shipped_catalog().network
    sdk_calls = model_calls & set(network.calls)
    assert "openai.OpenAI.chat.completions.create" in sdk_calls
    for call in sdk_calls:
        family = network.family(call, call.rpartition(".")[0])
        assert family is not None and family.response is None, call


def test_the_good_snippets_load() -> None:
    catalog = Catalog()
    load_text(catalog, GOOD_SOURCE + GOOD_VALIDATOR, "rules/custom.toml")
    assert catalog.sources.sources[0].reads == ("web.request.args",)
    assert catalog.sources.validators[0].ends == frozenset({"format"})


@pytest.mark.parametrize("text, key", [
    (GOOD_SOURCE.replace('"request"', '"somewhere"'), "origin"),
    (GOOD_SOURCE.replace('"request"', '"local"'), "origin"),
    (GOOD_SOURCE.replace('label = "the query"\n', ""), "label"),
    (GOOD_SOURCE.replace('reads = ["web.request.args"]\n', ""), "reads"),
    (GOOD_SOURCE.replace('"web.request.args"', '"*.args"'), "imports"),
    (GOOD_SOURCE + 'colour = "red"\n', "colour"),
    (GOOD_SOURCE + 'validates = ["spelling"]\n', "validates"),
    (GOOD_VALIDATOR.replace('"guard"', '"magic"'), "form"),
    (GOOD_VALIDATOR.replace('ends = ["format"]', 'ends = ["vibes"]'), "ends"),
    (GOOD_VALIDATOR.replace("argument = 0\n", ""), "argument"),
    (GOOD_VALIDATOR.replace('names = ["check"]\n', ""), "names"),
    (GOOD_VALIDATOR.replace('"guard"', '"conversion"'), "raises"),
    (GOOD_VALIDATOR.replace('"guard"', '"syntax"'), "names"),
    ('[[validator]]\nform = "class"\nends = ["shape"]\n', "bases"),
    ('[[parameters]]\nframework = "x"\nimports = ["x"]\nbinds = "all"\norigin = "request"\nlabel = "l"\n',
     "decorators"),
    ('[[parameters]]\nframework = "x"\nimports = ["x"]\ndecorators = ["*.r"]\nbinds = "some"\n'
     'origin = "request"\nlabel = "l"\n', "binds"),
    ('[[parameters]]\nframework = "x"\nimports = ["x"]\ndecorators = ["*.r"]\nbinds = "route"\n'
     'origin = "request"\nlabel = "l"\n[parameters.converters]\nint = ["numeric"]\n', "int"),
    ('[[passthrough]]\nnames = "str"\n', "names"),
])
def test_source_catalog_errors_name_the_file_and_the_key(text: str, key: str) -> None:
    with pytest.raises(CatalogError) as raised:
        load_text(Catalog(), text, "rules/custom.toml")
    message = str(raised.value)
    assert "rules/custom.toml" in message and key in message, message


def test_a_project_adds_its_own_sources(tmp_path: Path) -> None:
    extra = tmp_path / "our_sources.toml"
    extra.write_text(GOOD_SOURCE.replace("web.request.args", "ourframework.current.params"), encoding="utf-8")
    catalog = extended_catalog([extra])
    assert any("ourframework.current.params" in entry.reads for entry in catalog.sources.sources)
    # the shipped catalog is untouched
    assert not any("ourframework.current.params" in entry.reads for entry in shipped_catalog().sources.sources)


@pytest.mark.parametrize("pattern, qualified, attribute, expected", [
    ("*.fetchone", None, "fetchone", True),
    ("*.fetchone", "sqlite3.Cursor.fetchone", "fetchone", True),
    ("*.fetchone", None, "fetchall", False),
    ("flask.request.args", "flask.request.args", "args", True),
    ("flask.request.args", None, "args", False),
    ("jsonschema.*Validator.validate", "jsonschema.Draft7Validator.validate", "validate", True),
])
def test_name_patterns(pattern: str, qualified: str | None, attribute: str | None, expected: bool) -> None:
    assert name_matches(pattern, qualified, attribute) is expected
