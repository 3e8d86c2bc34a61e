"""rules/sinks.toml: sinks, sanitizers, interpreters and archives, validated on load with
errors that name the file and the key, and extensible by a project."""

from __future__ import annotations

from pathlib import Path

import pytest

from assumption_lint.catalog import Catalog, CatalogError, extended_catalog, load_text, shipped_catalog
from assumption_lint.catalog.sinks import SINK_KINDS


def test_the_shipped_table_covers_every_kind_and_command_form() -> None:
    sinks = shipped_catalog().sinks
    assert {sink.kind for sink in sinks.sinks} == set(SINK_KINDS)
    assert {sink.form for sink in sinks.sinks if sink.kind == "command"} == {"shell", "argv", "program"}
    by_name = {name: sink for sink in sinks.sinks for name in sink.names}
    assert by_name["os.system"].form == "shell" and by_name["subprocess.run"].shell_keyword == "shell"
    assert by_name["sqlite3.connect"].kind == "path" and by_name["*.execute"].kind == "sql"
    assert by_name["*.read_text"].argument == -1
    # send_from_directory joins safely: never a sink.
    assert "flask.send_from_directory" not in by_name
    assert [archive.safe_from for archive in sinks.archives] == [(3, 14)]


def test_sanitizers_become_provenance_validators_ending_their_kinds_assumption() -> None:
    validators = {name: validator for validator in shipped_catalog().sources.validators for name in validator.names}
    assert validators["shlex.quote"].form == "sanitizer"
    assert validators["shlex.quote"].ends == {"injection"}
    assert validators["pathvalidate.sanitize_filename"].ends == {"containment"}


@pytest.mark.parametrize("program, flags", [
    ("sh", ("-c",)), ("/bin/bash", ("-c",)), ("python3.12", ("-c",)), ("PowerShell.exe", ("-Command", "-command", "-c")),
    ("node", ("-e", "--eval")), ("shred", ()), ("git", ()),
])
def test_interpreters_are_recognised_by_name_path_and_version(program: str, flags: tuple[str, ...]) -> None:
    assert shipped_catalog().sinks.interpreter_flags(program) == flags


@pytest.mark.parametrize("text, problem", [
    ('[[sink]]\nkind = "command"\nnames = ["x.run"]\n', "missing key 'form'"),
    ('[[sink]]\nkind = "sql"\nform = "shell"\nnames = ["x.q"]\n', "key 'form' is for command sinks only"),
    ('[[sink]]\nkind = "sql"\nnames = ["*.q"]\n', "a `*.name` entry needs the modules"),
    ('[[sink]]\nkind = "html"\nnames = ["x.q"]\n', "key 'kind' must be one of sql, command, code, path"),
    ('[[sink]]\nkind = "command"\nform = "shell"\nshell-keyword = "shell"\nnames = ["x.q"]\n',
     "key 'shell-keyword' is for argv command sinks only"),
    ('[[sink]]\nkind = "path"\nnames = ["x.q"]\nargument = -2\n', "key 'argument' must be a position"),
    ('[[archive]]\nopeners = ["x.open"]\nmethods = ["unpack"]\nkeyword = "filter"\nlabel = "l"\n'
     'safe-from = "three"\n', "'three' is not a Python version"),
    ('[[sanitizer]]\nkind = "sql"\nnames = ["x.q"]\nends = ["injection"]\n', "unknown key 'ends'"),
])
def test_a_bad_table_names_the_file_and_key(text: str, problem: str) -> None:
    with pytest.raises(CatalogError) as raised:
        load_text(Catalog(), text, "extra.toml")
    assert "extra.toml" in str(raised.value) and problem in str(raised.value)


def test_a_project_adds_its_own_query_wrapper_and_quoting_helper(tmp_path: Path) -> None:
    extra = tmp_path / "alint.toml"
    extra.write_text('[[sink]]\nkind = "sql"\nnames = ["app.db.query"]\nlabel = "app.db.query()"\n\n'
                     '[[sanitizer]]\nkind = "sql"\nnames = ["app.db.quote_identifier"]\n', encoding="utf-8")
    catalog = extended_catalog([extra])
    assert any("app.db.query" in sink.names for sink in catalog.sinks.sinks)
    assert not any("app.db.query" in sink.names for sink in shipped_catalog().sinks.sinks)
    assert any("app.db.quote_identifier" in v.names for v in catalog.sources.validators)
