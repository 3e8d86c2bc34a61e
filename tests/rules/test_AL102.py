"""AL102 tainted-command: shell text, programs, interpreter code and options, what makes
each safe, and which origins count under each threat model."""

from __future__ import annotations

from harness import findings, line_rules, lines

FLASK = """\
import os, shlex, subprocess
from flask import Flask, request
app = Flask(__name__)

@app.route("/run")
def run():
    value = request.args.get("value", "")
"""


def _shapes(body: str, **kwargs) -> list[tuple[int, str, str]]:
    code = FLASK + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return [(finding.line - 7, finding.severity, finding.message) for finding in findings(code, "AL102", **kwargs)]


def test_shell_text_in_every_shell_sink() -> None:
    found = _shapes("""
os.system(f"ping -c 1 {value}")
os.popen("nslookup " + value)
subprocess.run(f"host {value}", shell=True, timeout=5)
subprocess.check_output(["host " + value], shell=True, timeout=5)
subprocess.getoutput("dig %s" % value)
subprocess.run(f"host {shlex.quote(value)}", shell=True, timeout=5)
subprocess.run(["host", value], shell=False, timeout=5)
""")
    assert [line for line, _, _ in found[:5]] == [1, 2, 3, 4, 5]
    assert all("is safe to paste into a shell command" in message for _, _, message in found[:5])
    assert found[0][2].startswith("assumes `value` from the query string is safe to paste into a shell command "
                                  "(os.system()): a quote, `;`")
    assert [line for line, _, _ in found] == [1, 2, 3, 4, 5, 7]  # line 7 is an option, below


def test_the_program_interpreter_code_and_options_of_an_argument_list() -> None:
    found = _shapes("""
subprocess.run([value, "--version"], timeout=5)
subprocess.run(shlex.split(value), timeout=5)
subprocess.run(["bash", "-c", value], timeout=5)
subprocess.run(["/usr/bin/python3", "-c", value], timeout=5)
subprocess.run(["git", "clone", value], timeout=5)
subprocess.run(["git", "clone", "--", value], timeout=5)
subprocess.run(["curl", "-o", value, "https://example.com"], timeout=5)
subprocess.run(["curl", f"https://example.com/{value}"], timeout=5)
subprocess.run(["python3", "-c", "import sys; print(sys.argv[1])", value], timeout=5)
""")
    assert [(line, severity) for line, severity, _ in found] == [
        (1, "error"), (2, "error"), (3, "error"), (4, "error"), (5, "note")]
    assert "names a safe program to run" in found[0][2]
    assert "is safe to run as `bash` code" in found[2][2]
    assert "is safe to run as `/usr/bin/python3` code" in found[3][2]
    assert "never starts with '-' where `git` reads options" in found[4][2]


def test_a_list_built_in_the_function_is_read_item_by_item() -> None:
    found = _shapes("""
cmd = ["tar", "-czf", "out.tgz"]
cmd.append(value)
subprocess.run(cmd, timeout=5)
safe = ["tar", "-czf", "out.tgz", "--"]
safe += [value]
subprocess.run(safe, timeout=5)
program = [value]
subprocess.run(program, timeout=5)
""")
    assert [(line, severity) for line, severity, _ in found] == [(3, "note"), (8, "error")]


def test_exec_and_spawn_name_the_program() -> None:
    code = FLASK + """\
    os.execv(value, [value])
    os.spawnl(os.P_WAIT, value, value)
    os.execv("/usr/bin/env", ["env", value])
"""
    assert lines(code, "AL102") == [8, 9]


def test_local_input_counts_in_shell_text_always_as_a_program_only_with_local() -> None:
    code = """\
import os, subprocess, sys

def main():
    target = sys.argv[1]
    os.system("convert " + target + " out.png")
    editor = os.environ.get("EDITOR", "vi")
    subprocess.run([editor, target], check=True, timeout=600)
    subprocess.run(["convert", target, "out.png"], check=True, timeout=600)
    subprocess.run(["sh", "-c", os.environ["HOOK"]], check=True, timeout=600)
"""
    assert lines(code, "AL102") == [5, 9]
    assert lines(code, "AL102", threat_models=frozenset({"remote", "local"})) == [5, 7, 8, 9]


def test_a_shell_helper_called_with_literals_is_quiet_and_with_request_data_is_not() -> None:
    code = """\
import asyncio
from aiohttp import web

async def run_shell(cmd):
    process = await asyncio.create_subprocess_shell(cmd)
    return await asyncio.wait_for(process.wait(), timeout=10)

async def status(request: web.Request) -> web.Response:
    await run_shell("uptime")
    return web.Response(text="ok")
"""
    assert lines(code, "AL102") == []
    tainted = code + """
async def grep(request: web.Request) -> web.Response:
    await run_shell("grep -r " + request.query.get("q", "") + " /srv/logs")
    return web.Response(text="ok")
"""
    [finding] = findings(tainted, "AL102")
    assert finding.line == 5
    assert "passed to run_shell() as cmd" in [note.message for note in finding.related]


def test_a_missing_timeout_and_a_tainted_command_are_two_findings_on_one_call() -> None:
    code = FLASK + "    subprocess.run(['git', 'clone', value])\n"
    assert line_rules(code, "AL102", "AL303") == {(8, "AL102"), (8, "AL303")}
