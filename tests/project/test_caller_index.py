"""The caller index (project/callers.py): a parameter every caller in the project passes the
same catalogued client is that client. The fixture project shop_sync shows each shape once;
these cases pin the edges: what makes a caller unknown, how far a parameter is passed on,
which runs look for callers, and that a change in a caller's file reaches the callee's
results through the cache and the run record."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assumption_lint.cli import cli
from assumption_lint.project import callers
from harness import cli_runner
from tests.cache.test_warm import alint as alint_process, cold, run_json
from tests.project.test_project_robustness import alint_json, found, line_of, write

SERVICES = '''import requests


def fetch(session, address):
    return session.get(address)  # the request
'''

HTTP = '''import httpx
import requests

SESSION = requests.Session()
OPEN = httpx.Client(timeout=None)
BOUNDED = httpx.Client(timeout=10)


def make_session():
    return requests.Session()
'''


def al301(tmp_path: Path, files: dict[str, str], *args: str) -> set[int]:
    """The AL301 lines of services.py in a run of the whole project."""
    write(tmp_path, {"services.py": SERVICES, "clients.py": HTTP, **files})
    return {line for path, line, rule in found(alint_json(tmp_path, "--select", "AL301", *args))
            if path == "services.py" and rule == "AL301"}


REQUEST = line_of(SERVICES, "the request")


def test_every_caller_passing_a_session_types_the_parameter(tmp_path: Path) -> None:
    views = '''import requests

from clients import SESSION, make_session
from services import fetch


def a(address):
    return fetch(SESSION, address)


def b(address):
    return fetch(requests.Session(), address=address)


def c(address):
    return fetch(make_session(), address)
'''
    assert al301(tmp_path, {"views.py": views}) == {REQUEST}
    # With cross-file analysis off, the parameter is a parameter.
    assert not [item for item in alint_json(tmp_path, "--select", "AL301", "--isolated")["findings"]
                if item["path"] == "services.py"]


@pytest.mark.parametrize("call", [
    "fetch(object(), address)",  # something else
    "fetch(address=address, session=None)",  # not a client
    "fetch(*arguments)",  # what goes where is unknown
    "fetch(**{'session': SESSION, 'address': address})",
    "fetch(make_session)",  # the factory itself, not its object
])
def test_one_unknown_caller_leaves_it_unknown(tmp_path: Path, call: str) -> None:
    views = f'''from clients import SESSION, make_session
from services import fetch


def a(address):
    return fetch(SESSION, address)


def b(address, arguments=()):
    return {call}
'''
    assert al301(tmp_path, {"views.py": views}) == set()


@pytest.mark.parametrize("use", [
    "HANDLERS = {'fetch': fetch}",  # stored
    "def later(pool):\n    return pool.submit(fetch, SESSION, 'u')",  # a callback
    "NAME = fetch.__name__",
    "NAME = services.fetch",  # through its module
])
def test_a_function_used_other_than_by_calling_it_stays_unknown(tmp_path: Path, use: str) -> None:
    views = f'''import services
from clients import SESSION
from services import fetch


def a(address):
    return fetch(SESSION, address)


{use}
'''
    assert al301(tmp_path, {"views.py": views.replace("{use}", use)}) == set()


def test_a_function_its_module_exports_or_a_module_star_imports_stays_unknown(tmp_path: Path) -> None:
    views = '''from clients import SESSION
from services import fetch


def a(address):
    return fetch(SESSION, address)
'''
    assert al301(tmp_path, {"views.py": views}) == {REQUEST}
    exported = SERVICES + '\n__all__ = ["fetch"]\n'
    assert al301(tmp_path, {"views.py": views, "services.py": exported}) == set()
    assert al301(tmp_path, {"views.py": views, "star.py": "from services import *\n"}) == set()


def test_a_same_module_caller_counts_and_a_decorated_function_does_not(tmp_path: Path) -> None:
    services = SERVICES + '''

SESSION = requests.Session()


def main():
    fetch(SESSION, "u")


def register(function):
    return function


@register
def hooked(session, address):
    return session.get(address)  # decorated


def caller():
    hooked(SESSION, "u")
'''
    write(tmp_path, {"services.py": services, "clients.py": HTTP})
    lines = {line for path, line, rule in found(alint_json(tmp_path, "--select", "AL301")) if path == "services.py"}
    assert lines == {REQUEST}


def test_a_parameter_passed_on_is_typed_by_the_outer_callers(tmp_path: Path) -> None:
    services = SERVICES + '''

def fetch_all(session, addresses):
    return [fetch(session, address) for address in addresses]


def loop_a(session):
    return loop_b(session)


def loop_b(session):
    session.get("u")  # a cycle
    return loop_a(session)
'''
    views = '''from clients import SESSION
from services import fetch_all, loop_a


def a(addresses):
    return fetch_all(SESSION, addresses)


def b():
    return loop_a(SESSION)
'''
    write(tmp_path, {"services.py": services, "clients.py": HTTP, "views.py": views})
    lines = {line for path, line, rule in found(alint_json(tmp_path, "--select", "AL301")) if path == "services.py"}
    assert lines == {REQUEST}  # loop_b's callers are loop_a's parameter, and loop_a's loop_b's


def test_clients_of_different_kinds_or_no_call_at_all_leave_it_unknown(tmp_path: Path) -> None:
    views = '''from clients import BOUNDED, SESSION
from services import fetch


def a(address):
    return fetch(SESSION, address)


def b(address):
    return fetch(BOUNDED, address)
'''
    assert al301(tmp_path, {"views.py": views}) == set()
    assert al301(tmp_path, {"views.py": "from services import fetch\n"}) == set()


def test_a_disabled_timeout_is_reported_at_the_constructor_once(tmp_path: Path) -> None:
    services = '''import httpx


def read(client, address):
    return client.get(address)
'''
    views = '''from clients import OPEN
from services import read


def a(address):
    return read(OPEN, address)
'''
    write(tmp_path, {"services.py": services, "clients.py": HTTP, "views.py": views})
    report = alint_json(tmp_path, "--select", "AL302")
    assert found(report) == {("clients.py", line_of(HTTP, "OPEN ="), "AL302")}


def test_the_call_sites_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    views = '''from clients import SESSION
from services import fetch


def a(address):
    fetch(SESSION, address)
    fetch(SESSION, address)
    return fetch(SESSION, address)
'''
    assert al301(tmp_path, {"views.py": views}) == {REQUEST}
    monkeypatch.setattr(callers, "MAX_CALL_SITES", 2)
    assert al301(tmp_path, {"views.py": views}, "--no-cache") == set()


def test_a_caller_the_pre_check_skips_is_read_for_its_calls(tmp_path: Path) -> None:
    views = '''from clients import SESSION
from services import fetch


def a(address):
    return fetch(SESSION, address)
'''
    # No library name: the pre-check skips it, and its call passes something else.
    other = '''from services import fetch


def b(address, thing):
    return fetch(thing, address)
'''
    assert al301(tmp_path, {"views.py": views}) == {REQUEST}
    assert al301(tmp_path, {"views.py": views, "other.py": other}) == set()


def test_a_run_of_single_files_does_not_type_from_callers(tmp_path: Path) -> None:
    views = '''from clients import SESSION
from services import fetch


def a(address):
    return fetch(SESSION, address)
'''
    write(tmp_path, {"services.py": SERVICES, "clients.py": HTTP, "views.py": views})
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = cli_runner().invoke(cli, ["--format", "json", "--select", "AL301", "services.py", "views.py"])
    finally:
        os.chdir(old)
    assert json.loads(result.stdout)["findings"] == []  # pre-commit's run: some callers only


# ------------------------------------------------------------------ the cache and the run record
CALLER = '''import requests

from services import fetch


def a(address):
    return fetch(requests.Session(), address)
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    write(folder, {"services.py": SERVICES, "views.py": CALLER})
    return folder


def verbose_json(folder: Path, *extra: str) -> tuple[dict, str]:
    done = alint_process(folder, "--format", "json", "--exit-zero", "-v", *extra, ".")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def _requests(report: dict) -> set[tuple[str, int]]:
    return {(item["path"], item["line"]) for item in report["findings"] if item["rule"] == "AL301"}


def test_a_change_in_a_callers_file_reaches_the_callees_results(project: Path) -> None:
    first, _ = run_json(project, "--select", "AL301")
    assert _requests(first) == {("services.py", REQUEST)}
    # The callee's file is unchanged; its caller now passes something else.
    (project / "views.py").write_text(CALLER.replace("requests.Session()", "object()"), encoding="utf-8")
    report, err = verbose_json(project, "--select", "AL301")
    assert "its module summary changed" in err  # the run record sends it the normal way
    assert _requests(report) == set() and report == cold(project, "--select", "AL301")
    # And back: the cache's entry for the callee made with the Session answer holds again.
    (project / "views.py").write_text(CALLER, encoding="utf-8")
    report, err = verbose_json(project, "--select", "AL301")
    assert "alint: cache: 2 of 2 files" in err, err  # views.py as well: its entry of the first run
    assert _requests(report) == {("services.py", REQUEST)}
    assert report == cold(project, "--select", "AL301")


def test_a_skipped_callers_new_call_reaches_the_callee_through_the_run_record(project: Path) -> None:
    # other.py names no library (the pre-check skips it); the caller index reads its calls.
    (project / "other.py").write_text("from services import fetch\n\n\ndef b(address, thing):\n"
                                      "    return address\n", encoding="utf-8")
    first, _ = run_json(project, "--select", "AL301")
    assert _requests(first) == {("services.py", REQUEST)}
    # Same imports (the same digest for a skipped file), a new call passing something else.
    (project / "other.py").write_text("from services import fetch\n\n\ndef b(address, thing):\n"
                                      "    return fetch(thing, address)\n", encoding="utf-8")
    report, err = verbose_json(project, "--select", "AL301")
    assert _requests(report) == set() and report == cold(project, "--select", "AL301"), err
