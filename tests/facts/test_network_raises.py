"""AL201 across files for a wrapper that raises its own exception when the network fails
(facts/network_raises.py): the exception is the failure its callers must handle."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from assumption_lint.cli import cli
from harness import cli_runner

PROVIDERS = '''
    import openai
    from openai import OpenAI

    client = OpenAI(timeout=30)
    MODELS = ["a", "b"]


    class LocalError(Exception):
        pass


    def ask(prompt):
        for model in MODELS:
            try:
                return client.chat.completions.create(model=model, messages=[])
            except openai.APIError:
                continue
        raise RuntimeError("every model failed")


    def ask_once(prompt):
        try:
            return client.chat.completions.create(model="a", messages=[])
        except openai.APIError as exc:
            raise {raised}("unreachable") from exc


    def collect(prompts):
        found = []
        for prompt in prompts:
            try:
                found.append(client.chat.completions.create(model="a", messages=[]))
            except openai.APIError as exc:
                print(exc)
                continue
        if not found:
            raise RuntimeError("nothing answered")
        return found
'''

VIEWS = '''
    from flask import Flask

    from providers import ask, ask_once, collect

    app = Flask(__name__)


    @app.route("/ask")
    def view_ask():
        return ask("hi")


    @app.route("/once")
    def view_once():
        return ask_once("hi")


    @app.route("/collect")
    def view_collect():
        return str(collect(["a"]))


    @app.route("/guarded")
    def view_guarded():
        try:
            return ask("hi")
        except {caught}:
            return "unavailable", 503
'''


def run(tmp_path: Path, raised: str = "RuntimeError", caught: str = "RuntimeError") -> list[dict]:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "providers.py").write_text(textwrap.dedent(PROVIDERS.replace("{raised}", raised)))
    (tmp_path / "views.py").write_text(textwrap.dedent(VIEWS.replace("{caught}", caught)))
    result = cli_runner().invoke(cli, ["check", "--preview", "--select", "AL201", "--format", "json", "--no-cache",
                                       str(tmp_path)])
    return [item for item in json.loads(result.output)["findings"] if item["path"].endswith("views.py")]


def test_the_raise_after_a_fallback_loop_and_in_a_clause_reach_the_view(tmp_path: Path) -> None:
    found = run(tmp_path)
    assert [item["line"] for item in found] == [11, 16]
    first = found[0]
    assert first["message"].startswith(
        "assumes `ask()` always succeeds: the RuntimeError it raises when `client.chat.completions.create()` fails "
        "escapes the Flask view `view_ask` as HTTP 500; catch RuntimeError around the call")
    related = [(Path(place["path"]).name, place["line"], place["message"]) for place in first["related"]]
    assert related == [("providers.py", 19, "`ask()` raises RuntimeError here when "
                                            "`client.chat.completions.create()` fails")]


def test_a_loop_that_collects_results_is_no_fallback(tmp_path: Path) -> None:
    # collect()'s loop never returns: its raise checks the results, it reports no outage.
    assert 21 not in [item["line"] for item in run(tmp_path)]


def test_a_caller_that_catches_the_raised_class_or_a_base_of_it_is_quiet(tmp_path: Path) -> None:
    assert 27 not in [item["line"] for item in run(tmp_path, caught="RuntimeError")]
    assert 27 not in [item["line"] for item in run(tmp_path, caught="Exception")]
    assert 27 in [item["line"] for item in run(tmp_path, caught="ValueError")]


def test_a_project_exception_class_is_not_followed(tmp_path: Path) -> None:
    # LocalError's bases are the project's: whether a caller's clause catches it is not known.
    assert [item["line"] for item in run(tmp_path, raised="LocalError")] == [11]


def test_a_catalogued_builtin_raised_in_the_clause_is_named(tmp_path: Path) -> None:
    found = run(tmp_path, raised="ConnectionError")
    assert "the ConnectionError it raises when" in found[1]["message"]


AIOGRAM = '''
    import httpx
    from aiogram import Router
    from aiogram.filters import Command

    router = Router()


    @router.message(Command("quote"))
    async def cmd_quote(msg):
        async with httpx.AsyncClient(timeout=10) as http:
            resp = await http.get("https://quotes.example.com/today")
        await msg.answer(resp.text)
'''


def test_an_aiogram_handler_is_where_an_error_hurts() -> None:
    from harness import findings

    found = findings(AIOGRAM, "AL201")
    assert [finding.line for finding in found] == [12]
    assert "escapes the aiogram handler `cmd_quote`, so the update is dropped and the user gets no reply" \
        in found[0].message


def test_the_routers_errors_handler_handles_its_handlers() -> None:
    from harness import findings

    handled = AIOGRAM + '''

    @router.error()
    async def on_error(event):
        await event.update.message.answer("Something went wrong.")
'''
    assert findings(handled, "AL201") == []
