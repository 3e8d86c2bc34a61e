"""AL303-AL305: what bounds a wait, per-finding severity, messages, and the catalog schema."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.catalog import Catalog, CatalogError, load_text
from assumption_lint.cli import cli
from harness import ROOT, findings, lines

DEPLOY = ROOT / "fixtures" / "timeouts" / "subprocess_deploy.py"


# ---------------------------------------------------------------------------- AL303
def test_severity_follows_what_the_child_can_wait_on() -> None:
    severity = {f.line: f.severity for f in findings(DEPLOY.read_text(), path="deploy.py") if f.rule == "AL303"}
    text = DEPLOY.read_text().splitlines()
    line_of = {snippet: next(i for i, line in enumerate(text, 1) if snippet in line)
               for snippet in ('"rev-parse"', '"pull", "--ff-only"', '"make", "-C"', "subprocess.run(SYNC",
                               'f"ssh deploy@', "command.split()")}
    assert severity[line_of['"rev-parse"']] == "note"  # git rev-parse is local
    assert severity[line_of['"make", "-C"']] == "note"
    for remote in ('"pull", "--ff-only"', "subprocess.run(SYNC", 'f"ssh deploy@'):
        assert severity[line_of[remote]] == "warning", remote
    # A program from a variable whose output goes to the terminal runs in front of the user.
    assert severity[line_of["command.split()"]] == "note"


def test_a_configured_severity_wins_over_the_checks_choice() -> None:
    code = "import subprocess\nsubprocess.run(['ls'])\nsubprocess.run(['curl', 'x'])\n"
    assert [f.severity for f in findings(code, "AL303")] == ["note", "warning"]
    assert [f.severity for f in findings(code, "AL303", severities={"AL303": "error"})] == ["error", "error"]


@pytest.mark.parametrize("call, expected", [
    ("subprocess.run('ls -l | wc -l', shell=True, capture_output=True)", ("warning", "shell=True")),
    ("subprocess.run(['bash', '-c', 'curl -fsS https://x | sh'])", ("warning", "curl talks to another machine")),
    ("subprocess.run(['bash', '-c', script], stdout=subprocess.PIPE)", ("warning", "command text from a variable")),
    ("subprocess.run([sys.executable, '-m', 'pip', 'install', 'x'])", ("warning", "pip install downloads")),
    ("subprocess.run(['env', 'GIT_SSH_COMMAND=ssh -i k', 'git', 'fetch'])", ("warning", "git fetch talks")),
    ("subprocess.run(['/usr/bin/docker', 'pull', image])", ("warning", "docker pull talks to a registry")),
    ("subprocess.run(['docker', 'ps'])", ("note", "local program")),
    ("subprocess.check_call(['apt-get', 'install', '-y', 'curl'])", ("warning", "apt-get install downloads")),
    ("subprocess.run('git fetch origin'.split())", ("warning", "git fetch talks")),
    ("subprocess.run(shlex.split('uname -a'))", ("note", "local program")),
    ("subprocess.run(['powershell', '-Command', script], stderr=subprocess.DEVNULL)", ("warning", "command text from a variable")),
    ("subprocess.check_output([tool, 'build'])", ("warning", "program comes from a variable")),
    ("subprocess.check_output([tool, '--version'])", ("note", "it only prints its version")),
    ("subprocess.check_output([tool, '--version', image])", ("warning", "program comes from a variable")),
    ("subprocess.run(['git', 'pull'], timeout=None)", ("warning", "git pull")),
    # timeout is keyword-only: *args cannot carry it
    ("subprocess.check_output(*args)", ("warning", "cannot see which program")),
])
def test_al303_verdicts(call: str, expected: tuple[str, str]) -> None:
    found = findings(f"import subprocess, sys, shlex\nscript = tool = image = args = input()\n{call}\n", "AL303")
    assert len(found) == 1
    assert found[0].severity == expected[0]
    assert expected[1] in found[0].message


@pytest.mark.parametrize("call", [
    "subprocess.run(['git', 'pull'], timeout=60)",
    "subprocess.run(['timeout', '60', 'git', 'pull'])",
    "subprocess.run('timeout 60 curl -fsS https://x', shell=True)",
    "subprocess.run(['git', 'pull'], **options)",
])
def test_al303_quiet_when_bounded_or_unknown(call: str) -> None:
    assert lines(f"import subprocess\noptions = args = None\n{call}\n", "AL303") == []


@pytest.mark.parametrize("call, flagged", [
    ("subprocess.run(['ping', '-c', '1', '-W', str(wait), host])", False),
    ("subprocess.run(['ping', '-w', '5', host])", False),
    ("subprocess.run(['ping', '-c1', host])", False),
    ("subprocess.run(['ping', '-W', '2', host])", True),  # -W bounds each reply, not the run
    ("subprocess.run(['ping', host])", True),
    ("subprocess.run(['curl', '-m', '30', host])", False),
    ("subprocess.run(['curl', '--max-time=30', host])", False),
    ("subprocess.run(['curl', '--connect-timeout', '5', host])", True),  # connect phase only
    ("subprocess.run(['wget', '-T5', host])", False),
    ("subprocess.run(['wget', '--read-timeout', '60', host])", False),
    ("subprocess.run(['wget', '--timeout', '0', host])", True),  # 0 disables the bound
    ("subprocess.run(['rsync', '--timeout=60', 'a', host])", False),
    ("subprocess.run(['rsync', '--contimeout=5', 'a', host])", True),
    ("subprocess.run(['ssh', '-o', 'ConnectTimeout=5', host, 'ls'])", True),
    ("subprocess.run(f'curl -fsS --max-time 5 {host}', shell=True)", False),
    ("subprocess.run(['sudo', 'curl', '-m', '5', host])", False),
])
def test_al303_programs_bounded_by_their_own_options(call: str, flagged: bool) -> None:
    code = f"import subprocess\nhost = wait = input()\n{call}\n"
    found = findings(code, "AL303")
    assert bool(found) is flagged
    assert all(f.severity == "warning" for f in found)  # a network program: never lowered


@pytest.mark.parametrize("call, severity", [
    # Output to the terminal: a hang shows and Ctrl-C stops it.
    ("subprocess.call(shlex.split(player) + urls)", "note"),
    ("subprocess.call(params, stdin=subprocess.DEVNULL)", "note"),
    ("subprocess.run(params, stdout=sys.stdout, stderr=subprocess.STDOUT)", "note"),
    ("subprocess.Popen(player, shell=True, stdin=subprocess.PIPE, stdout=sys.stdout).communicate(input=b'x')",
     "note"),
    ("subprocess.run(params, input=b'x')", "note"),
    # Output captured, discarded or sent to a file: nobody sees the child hang.
    ("subprocess.check_output(params)", "warning"),
    ("subprocess.run(params, capture_output=True)", "warning"),
    ("subprocess.run(params, stdout=subprocess.DEVNULL)", "warning"),
    ("subprocess.run(params, stderr=subprocess.PIPE)", "warning"),
    ("subprocess.run(params, stdout=log_file)", "warning"),
    ("subprocess.run(params, **options)", None),  # the timeout may be in options
    # A child fed by a pipe nobody closes: wait() can deadlock, hidden.
    ("subprocess.Popen(params, stdin=subprocess.PIPE).wait()", "warning"),
    # A named network program stays a warning in the foreground too.
    ("subprocess.run(['git', 'clone', url])", "warning"),
    ("subprocess.run(f'git clone {url}', shell=True)", "warning"),
    # A local program named by a literal was a note already.
    ("subprocess.run(['make'])", "note"),
])
def test_al303_foreground_children_are_notes(call: str, severity: str | None) -> None:
    code = ("import shlex, subprocess, sys\nplayer = urls = params = url = log_file = options = input()\n"
            f"{call}\n")
    found = findings(code, "AL303")
    assert [f.severity for f in found] == ([severity] if severity else [])
    if severity == "note" and "make" not in call:
        assert "runs in the foreground" in found[0].message


def test_communicate_message_says_the_child_is_not_killed_and_kill_then_communicate_is_quiet() -> None:
    code = """
    import subprocess
    def f():
        proc = subprocess.Popen(['rsync', 'a', 'host:b'])
        try:
            proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        other = subprocess.Popen(['rsync', 'a', 'host:b'])
        other.communicate()
        other.wait()  # the child has exited: returns at once
        other = subprocess.Popen(['rsync', 'a', 'host:b'])
        other.wait()  # a new child
    """
    found = findings(code, "AL303")
    assert [f.line for f in found] == [11, 14]
    assert "communicate() does not kill the child" in found[0].message


# ---------------------------------------------------------------------------- AL304
ASYNC_HEADER = "import asyncio\nimport async_timeout\n"


def test_al304_bounded_by_an_enclosing_deadline_in_the_same_function_only() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def main(q: object) -> None:
        queue = asyncio.Queue()
        async with asyncio.timeout(5):
            await queue.get()
            async def later():
                item = await queue.get()
                return item
            return later
    """)
    assert lines(code, "AL304") == [9]  # the nested def runs after the deadline is gone


@pytest.mark.parametrize("deadline, flagged", [
    ("asyncio.timeout(5)", False),
    ("asyncio.timeout(None)", True),
    ("async_timeout.timeout(delay)", False),
    ("asyncio.timeout_at(loop.time() + 5)", False),
])
def test_al304_deadline_values(deadline: str, flagged: bool) -> None:
    code = ASYNC_HEADER + textwrap.dedent(f"""
    async def main(delay, loop) -> None:
        event = asyncio.Event()
        async with {deadline}:
            await event.wait()
    """)
    assert bool(lines(code, "AL304")) is flagged


@pytest.mark.parametrize("sync_deadline", ["trio.fail_after(5)", "anyio.move_on_after(5)"])
def test_al304_trio_and_anyio_deadlines_are_plain_with(sync_deadline: str) -> None:
    code = ASYNC_HEADER + f"import trio, anyio\nasync def main():\n    q = asyncio.Queue()\n    with {sync_deadline}:\n        await q.get()\n"
    assert lines(code, "AL304") == []


def test_al304_functions_run_under_wait_for_and_what_they_call_are_bounded() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def read_line(host):
        reader, writer = await asyncio.open_connection(host, 80)
        return await reader.readline()

    async def fetch(host):
        return await read_line(host)

    async def unbounded(host):
        reader, writer = await asyncio.open_connection(host, 80)

    async def main():
        await asyncio.wait_for(fetch("a"), timeout=10)
        await unbounded("b")
    """)
    assert lines(code, "AL304") == [12]
    code_no_timeout = code.replace("asyncio.wait_for(fetch(\"a\"), timeout=10)", "asyncio.wait_for(fetch(\"a\"), None)")
    assert lines(code_no_timeout, "AL304") == [5, 6, 12]


def test_al304_asyncio_wait_with_timeout_bounds_its_tasks() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def worker():
        q = asyncio.Queue()
        await q.get()

    async def main(timeout):
        await asyncio.wait([asyncio.create_task(worker())]{})
    """)
    assert lines(code.format(", timeout=timeout"), "AL304") == []
    assert lines(code.format(""), "AL304") == [6]


def test_al304_waiting_for_a_killed_process_is_quiet() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def render(url):
        proc = await asyncio.create_subprocess_exec("chromium", url)
        try:
            await asyncio.wait_for(proc.communicate(), timeout=60)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        other = await asyncio.create_subprocess_exec("chromium", url)
        await other.wait()
        proc = await asyncio.create_subprocess_exec("chromium", url)
        await proc.wait()  # a new process under the killed name
    """)
    assert lines(code, "AL304") == [12, 14]


@pytest.mark.parametrize("body, flagged", [
    # Consumer loops: waiting for the next item of work is their purpose.
    ("while item := await q.get():\n        print(item)", False),
    ("while (item := await q.get()) is not None:\n        print(item)", False),
    ("while True:\n        item = await q.get()\n        if item is None:\n            break\n        print(item)", False),
    ("while True:\n        item = await q.get()\n        if item is STOP:\n            return\n        print(item)", False),
    ("while True:\n        if (item := await q.get()) is None:\n            break", False),
    # Not a consumer loop: no sentinel ends it, or the break belongs to an inner loop.
    ("while True:\n        item = await q.get()\n        print(item)", True),
    ("while True:\n        item = await q.get()\n        for x in item:\n            if item is None:\n                break", True),
    ("item = await q.get()\n    if item is None:\n        return", True),
    ("for _ in range(3):\n        item = await q.get()\n        if item is None:\n            break", True),
    # Event.wait is no work queue: a loop around it is not a consumer loop.
    ("while True:\n        item = await ev.wait()\n        if item is None:\n            break", True),
])
def test_al304_consumer_loops_wait_by_design(body: str, flagged: bool) -> None:
    code = ASYNC_HEADER + "STOP = object()\nq = asyncio.Queue()\nev = asyncio.Event()\n" \
        + f"async def consume():\n    {body}\n"
    assert bool(lines(code, "AL304")) is flagged


@pytest.mark.parametrize("body, flagged", [
    ("await self.ready.wait()", False),
    ('"""Block until ready."""\n        await self.ready.wait()', False),
    ("return await self.ready.wait()", False),
    ("return await self.items.get()", False),
    ("await self.ready.wait()\n        return 1", True),
    ("reader, writer = await asyncio.open_connection('h', 1)\n        await self.ready.wait()", True),
])
def test_al304_a_method_that_is_only_the_wait_has_waiting_as_its_contract(body: str, flagged: bool) -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    class Device:
        def __init__(self):
            self.ready = asyncio.Event()
            self.items = asyncio.Queue()
    """) + f"    async def wait_ready(self):\n        {body}\n"
    assert (9 in lines(code, "AL304") or 10 in lines(code, "AL304")) is flagged


def test_al304_a_stream_read_is_never_a_contract_wrapper() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    class Peer:
        async def connect(self):
            async with asyncio.timeout(5):
                self.reader, self.writer = await asyncio.open_connection('h', 1)
        async def line(self):
            return await self.reader.readline()
    """)
    assert lines(code, "AL304") == [9]


def test_al304_only_direct_awaits_of_resolved_objects() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def main(queue):
        await queue.get()  # a parameter: unresolved, silent
        q = asyncio.Queue()
        task = asyncio.create_task(q.get())  # not awaited here
        await task
    """)
    assert lines(code, "AL304") == []


# ---------------------------------------------------------------------------- AL305
WORKER = """
import queue, threading, functools, requests
from concurrent.futures import ThreadPoolExecutor

jobs = queue.Queue()

def worker(tag):
    item = jobs.get({args})
    {extra}

{start}
"""


@pytest.mark.parametrize("start", [
    "threading.Thread(target=worker, args=(1,)).start()",
    "threading.Thread(None, worker).start()",
    "threading.Thread(target=functools.partial(worker, 1)).start()",
    "ThreadPoolExecutor().submit(worker, 1)",
])
def test_al305_in_a_worker_target(start: str) -> None:
    found = findings(WORKER.format(args="", extra="pass", start=start), "AL305")
    assert [f.line for f in found] == [8]
    assert "worker() runs as a worker" in found[0].message and "queue.Empty" in found[0].message


def test_al305_quiet_outside_workers_and_network_code_and_when_bounded() -> None:
    assert lines(WORKER.format(args="", extra="pass", start=""), "AL305") == []
    assert lines(WORKER.format(args="", extra="requests.get('https://x', timeout=5)", start=""), "AL305") == [8]
    for args in ("timeout=5", "False", "block=False", "True, 3"):
        assert lines(WORKER.format(args=args, extra="pass", start="threading.Thread(target=worker).start()"),
                     "AL305") == [], args
    assert lines(WORKER.format(args="timeout=None", extra="pass", start="threading.Thread(target=worker).start()"),
                 "AL305") == [8]


@pytest.mark.parametrize("loop, flagged", [
    ("while True:\n        item = jobs.get()\n        if item is None:\n            break", False),
    ("while True:\n        if (item := jobs.get()) is None:\n            return", False),
    ("while item := jobs.get():\n        pass", False),
    ("while True:\n        item = jobs.get()", True),
    ("while not stop.is_set():\n        item = jobs.get()", True),
])
def test_al305_sentinel_consumer_loops_wait_by_design(loop: str, flagged: bool) -> None:
    code = ("import queue, threading\njobs = queue.Queue()\nstop = threading.Event()\n"
            f"def worker():\n    {loop}\nthreading.Thread(target=worker).start()\n")
    assert bool(lines(code, "AL305")) is flagged


@pytest.mark.parametrize("start, flagged", [
    ("t = threading.Thread(target=worker)\nt.daemon = True\nt.start()", False),
    ("t = threading.Thread(target=worker)\nt.daemon = False\nt.start()", True),
    ("t = threading.Thread(target=worker)\nu = threading.Thread(target=worker)\nt.daemon = True", True),
    ("t = threading.Thread(target=worker)\nother.daemon = True", True),
])
def test_al305_daemon_set_after_the_thread_is_built(start: str, flagged: bool) -> None:
    assert bool(lines(WORKER.format(args="", extra="pass", start=start), "AL305")) is flagged


def test_al305_daemon_threads_are_not_workers_but_network_calls_still_count() -> None:
    daemon = "threading.Thread(target=worker, daemon=True).start()"
    assert lines(WORKER.format(args="", extra="pass", start=daemon), "AL305") == []
    both = daemon + "\nthreading.Thread(target=worker).start()"
    assert lines(WORKER.format(args="", extra="pass", start=both), "AL305") == [8]
    network = WORKER.format(args="", extra="requests.post('https://x', timeout=5)", start=daemon)
    assert lines(network, "AL305") == [8]
    subclass = textwrap.dedent("""
    import threading
    class Flusher(threading.Thread):
        def __init__(self):
            super().__init__({})
            self.wake = threading.Event()
        def run(self):
            self.wake.wait()
    """)
    assert lines(subclass.format("daemon=True"), "AL305") == []
    assert lines(subclass.format("name='flusher'"), "AL305") == [8]


@pytest.mark.parametrize("wait, expected", [
    ("lock.acquire()", "returns False"),
    ("lock.acquire(True, -1)", "returns False"),
    ("event.wait()", "returns False"),
    ("thread.join()", "is_alive()"),
])
def test_al305_messages_name_what_to_check(wait: str, expected: str) -> None:
    code = textwrap.dedent(f"""
    import threading, requests
    lock = threading.Lock()
    event = threading.Event()
    thread = threading.Thread(target=print)
    def sync():
        requests.post("https://x", timeout=5)
        {wait}
    """)
    found = findings(code, "AL305")
    assert len(found) == 1 and expected in found[0].message and "requests.post" in found[0].message


def test_al305_with_lock_and_non_blocking_acquire_are_quiet() -> None:
    code = textwrap.dedent("""
    import threading, requests
    lock = threading.Lock()
    def sync():
        requests.post("https://x", timeout=5)
        with lock:
            pass
        if lock.acquire(False):
            lock.release()
        lock.acquire(blocking=False)
    """)
    assert lines(code, "AL305") == []


# ---------------------------------------------------------------------------- SARIF
def test_sarif_carries_the_rules_and_per_result_levels(tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(cli, ["check", "--format", "sarif", "-o", str(out), "--exit-zero", str(DEPLOY)])
    assert result.exit_code == 0, result.output
    run = json.loads(out.read_text())["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["AL303"]["name"] == "subprocess-without-timeout"
    assert rules["AL303"]["defaultConfiguration"]["level"] == "warning"
    levels = {r["level"] for r in run["results"] if r["ruleId"] == "AL303"}
    assert levels == {"note", "warning"}


# ---------------------------------------------------------------------------- schema
@pytest.mark.parametrize("text, problem", [
    ('[[command]]\nprograms = ["sh"]\nrole = "shell"\n', r"command\[0\]: role 'shell' needs key 'option'"),
    ('[[command]]\nprograms = ["x"]\nrole = "remote"\n', r"command\[0\]: key 'role' must be one of"),
    ('[[deadline]]\nnames = ["x.y"]\nlibrary = "x"\n', r"deadline\[0\]: missing key 'keyword'"),
    ('[[worker-entry]]\nnames = ["x.y"]\nlibrary = "x"\n', r"worker-entry\[0\]: needs 'keyword'"),
    ('[[api]]\nnames = ["x.y"]\nlibrary = "x"\nkind = "blocking-wait"\n[api.wait]\nfix = "f"\nwhen = 1\n',
     r"api\[0\]\.wait: unknown key 'when'"),
    ('[[api]]\nnames = ["x.y"]\nlibrary = "x"\nkind = "blocking-wait"\n[api.wait]\nposition = 0\nfix = "f"\n',
     r"api\[0\]\.wait: key 'position' needs a 'keyword'"),
    ('[[client]]\nconstructors = ["x.y"]\ntype = "x.Y"\nlibrary = "x"\nunpacks = "x.A"\n',
     r"client\[0\]: key 'unpacks' has a bad value"),
    ('[[command]]\nprograms = ["sudo"]\nrole = "wrapper"\nbounded-by = ["-T"]\n',
     r"command\[0\]: key 'bounded-by' is only meaningful with role 'network'"),
    ('[[api]]\nnames = ["x.y"]\nlibrary = "x"\nkind = "blocking-wait"\n[api.wait]\nfix = "f"\nwork-queue = "yes"\n',
     r"api\[0\]\.wait: key 'work-queue'"),
])
def test_catalog_schema_errors_name_file_and_key(text: str, problem: str) -> None:
    with pytest.raises(CatalogError, match=r"^mine\.toml: " + problem):
        load_text(Catalog(), text, "mine.toml")


def test_al303_names_bound_to_literals_and_parameters_that_shadow_them() -> None:
    code = """
    import subprocess
    cmd = ["ls"]
    COUNT = "-c"
    def probe(host):
        subprocess.run(["ping", COUNT, "1", host])  # -c read through the name: bounded
    def run(cmd):
        subprocess.run(cmd, capture_output=True)  # the parameter, not the module's ["ls"]
    """
    found = findings(code, "AL303")
    assert [(f.line, f.severity) for f in found] == [(8, "warning")]
