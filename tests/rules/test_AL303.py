"""AL303 subprocess-without-timeout: per-finding severity, verdicts and messages."""

from __future__ import annotations

import pytest

from harness import ROOT, findings, lines


DEPLOY = ROOT / "fixtures" / "timeouts" / "subprocess_deploy.py"


def test_severity_follows_what_the_child_can_wait_on() -> None:
    severity = {f.line: f.severity for f in findings(DEPLOY.read_text(), path="deploy.py") if f.rule == "AL303"}
    text = DEPLOY.read_text().splitlines()
    line_of = {snippet: next(i for i, line in enumerate(text, 1) if snippet in line)
               for snippet in ('"rev-parse"', '"pull", "--ff-only"', '"make", "-C"', "subprocess.run(SYNC",
                               'f"ssh deploy@', "command.split()")}
    assert line_of['"rev-parse"'] not in severity  # git rev-parse is local and instant
    assert severity[line_of['"make", "-C"']] == "note"
    for remote in ('"pull", "--ff-only"', "subprocess.run(SYNC", 'f"ssh deploy@'):
        assert severity[line_of[remote]] == "warning", remote
    # A program from a variable whose output goes to the terminal runs in front of the user.
    assert severity[line_of["command.split()"]] == "note"


def test_a_configured_severity_wins_over_the_checks_choice() -> None:
    code = "import subprocess\nsubprocess.run(['make'])\nsubprocess.run(['curl', 'x'])\n"
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
    ("subprocess.run(shlex.split('make -j4 all'))", ("note", "local program")),
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
