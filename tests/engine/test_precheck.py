"""The text pre-check (engine/precheck.py): a file is parsed only when its code, comments and
strings aside, names a word of an enabled check (``Check.relevant_words``); files read for a
module summary are parsed when the summary could tell a caller something; no text makes it
raise."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from assumption_lint import engine
from assumption_lint.catalog import shipped_catalog
from assumption_lint.checks import ALL_CHECKS
from assumption_lint.checks.base import kind_words, network_modules, network_words, source_words
from assumption_lint.cli import cli
from assumption_lint.engine import precheck
from harness import cli_runner, fixture_files, read_labels, settings

CATALOG = shipped_catalog()


def relevant(code: str, *rules: str) -> bool:
    chosen = settings(*rules)
    return engine.is_relevant(textwrap.dedent(code), chosen, engine.enabled_checks(chosen))


# --------------------------------------------------------------------------- comments and strings
@pytest.mark.parametrize("code", [
    "# we could use requests here\nx = 1\n",
    '"""Talks to the http API with asyncio."""\nx = 1\n',
    "x = 'import requests'\n",
    "x = b'requests.get(url)'\n",
    "x = r'''\nimport subprocess\nsubprocess.run(cmd)\n'''\n",
    "x = 'unclosed string with requests\ny = 2\n",
    "def f():\n    '''Uses threading.\n    and subprocess'''\n    return 1\n",
    "x = \"it's requests\"  # and subprocess\n",
])
def test_words_in_comments_and_strings_do_not_make_a_file_relevant(code: str) -> None:
    assert not relevant(code)


@pytest.mark.parametrize("code", [
    "import requests\nrequests.get(url)\n",
    "import subprocess\nsubprocess.run(cmd)\n",
    "x = 'a'; import requests  # comment\n",
    "x = '#'; import requests\n",
    "msg = f'{requests.get(url).text}'\n",  # an f-string's fields are code
    "x = '''one'''; import requests\n",
    "s = 'a\\'b'; import requests\n",
])
def test_a_real_use_in_code_makes_a_file_relevant(code: str) -> None:
    assert relevant(code)


def test_code_only_keeps_lines_and_blanks_literals() -> None:
    text = "a = 'x'  # c\nb = \"\"\"one\ntwo\"\"\"\nc = 1\n"
    code = precheck.code_only(text)
    assert code.count("\n") == text.count("\n")
    assert "x" not in code.replace("c = 1", "") and "one" not in code and "two" not in code
    assert code.splitlines()[-1] == "c = 1"


# --------------------------------------------------------------------------- per check
def test_only_enabled_checks_are_asked() -> None:
    code = "import subprocess\nsubprocess.run(cmd)\n"
    assert relevant(code, "AL303")
    assert not relevant(code, "AL301")


def test_a_boto_page_needs_an_operation_botocore_pages() -> None:
    assert relevant("import boto3\ns3 = boto3.client('s3')\nitems = s3.list_objects_v2(Bucket=b)\n", "AL401")
    assert not relevant("import boto3\nfrom botocore.exceptions import ClientError\nerror = ClientError\n", "AL401")


@pytest.mark.parametrize("rule, code, quiet", [
    # A taint rule reports at a sink of the module: a source without one is not enough.
    ("AL104", "from flask import request\neval(request.args['x'])\n", "from flask import request\nx = request.args['x']\n"),
    ("AL103", "from flask import request\nopen(request.args['f'])\n", "from flask import request\nf = request.args['f']\n"),
    ("AL103", "import tarfile\ntarfile.open(p).extractall(d)\n", "import tarfile\nerror = tarfile.TarError\n"),
    ("AL101", "import sqlite3, sys\nsqlite3.connect(db).execute(sys.argv[1])\n", "import sys\nq = sys.argv[1]\n"),
    ("AL107", "import os\nport = int(os.environ['PORT'])\n", "import os\nport = os.environ['PORT']\n"),
    ("AL107", "import sys, uuid\nkey = uuid.UUID(sys.argv[1])\n", "import sys, uuid\nkey = uuid.uuid4()\n"),
])
def test_a_rule_that_reports_at_a_sink_needs_one(rule: str, code: str, quiet: str) -> None:
    assert relevant(code, rule)
    assert not relevant(quiet, rule)


@pytest.mark.parametrize("rule, code, quiet", [
    # The wait rules: their own kind's modules, not every catalogued module.
    ("AL303", "import subprocess\nsubprocess.run(cmd)\n", "import threading\nthreading.Event().wait()\n"),
    ("AL304", "import asyncio\nawait asyncio.open_connection(h, p)\n", "import subprocess\nsubprocess.run(c)\n"),
    ("AL305", "import queue\nqueue.Queue().get()\n", "import asyncio\nasyncio.sleep(1)\n"),
    ("AL305", "from concurrent.futures import ThreadPoolExecutor\nThreadPoolExecutor().submit(f).result()\n",
     "import threading\nlock = threading.Lock()\n"),
    # Clocks: the datetime module, not the network's.
    ("AL406", "from datetime import datetime\nnow = datetime.now()\n", "import asyncio\nx = 1\n"),
    ("AL406", "import datetime\nday = datetime.date.today()\n",
     "from datetime import datetime\nstamp = datetime.fromisoformat(text)\n"),
    # A source of outside values named with its module: both names in the code.
    ("AL107", "import sys\nn = int(sys.argv[1])\n", "import sys\nsys.exit(1)\n"),
    ("AL107", "import os\nn = int(os.environ['N'])\n", "import os\nos.path.join(a, b)\n"),
    # A builtin source: called, or aliased; a parameter named like it is not.
    ("AL107", "n = int(input())\n", "def f(input):\n    return input\n"),
    ("AL107", "ask = input\nn = int(ask())\n", "x.input = 3\n"),
])
def test_each_narrowed_rule_is_relevant_on_its_words_only(rule: str, code: str, quiet: str) -> None:
    assert relevant(code, rule)
    assert not relevant(quiet, rule)


@pytest.mark.parametrize("rule, code, model", [
    # A path, a URL or a redirect target from the command line or the environment is hostile
    # only with "local", another service's answer only with "responses" (facts/taint.py).
    ("AL103", "import sys\nopen(sys.argv[1])\n", "local"),
    ("AL103", "import argparse\nargs = argparse.ArgumentParser().parse_args()\nopen(args.out, 'w')\n", "local"),
    ("AL103", "import os\nos.remove(os.environ['OLD'])\n", "local"),
    ("AL105", "import sys, urllib.request\nurllib.request.urlopen(sys.argv[1])\n", "local"),
    ("AL105", "import requests\nnext_page = requests.get(u, timeout=5).json()['next']\n"
              "requests.get(next_page, timeout=5)\n", "responses"),
])
def test_an_origin_the_threat_models_do_not_count_makes_no_file_relevant(rule: str, code: str, model: str) -> None:
    assert not relevant(code, rule)
    assert engine.is_relevant(code, settings(rule, threat_models=frozenset({"remote", model})),
                              engine.enabled_checks(settings(rule)))
    # A file read for its module summary is asked with every model's words: a caller's
    # check may count what its functions return.
    assert precheck.relevance(CATALOG, engine.enabled_checks(settings(rule))).matches(code)


def test_request_data_in_a_path_is_relevant_under_the_default_threat_model() -> None:
    assert relevant("from flask import request\nopen(request.args['f'])\n", "AL103")
    assert not engine.is_relevant("from flask import request\nopen(request.args['f'])\n",
                                  settings("AL103", threat_models=frozenset({"local"})),
                                  engine.enabled_checks(settings("AL103")))


def test_a_page_size_in_a_string_is_relevant_to_page_arithmetic() -> None:
    assert relevant('params = {"per_page": 50}\npages = total // 50\n', "AL403")


def test_the_wait_modules_are_not_network_modules() -> None:
    network = network_modules(CATALOG)
    assert {"requests", "httpx", "socket", "urllib"} <= network
    assert not {"subprocess", "threading", "queue", "asyncio"} & network
    waits = kind_words(CATALOG, ("subprocess",))
    assert {"subprocess.run", "subprocess.Popen.wait"} <= waits  # the module, the class and the method
    assert {word.partition(".")[0] for word in waits} == {"subprocess"}
    assert network <= CATALOG.module_roots()


def test_network_words_name_a_module_and_what_is_read_from_it() -> None:
    words = network_words(CATALOG)
    # The last two names read (a class and its method), not the modules in between.
    assert {"requests.get", "requests.Session.post", "requests.Session", "http.client.HTTPConnection",
            "urllib.request.urlopen", "httpx.AsyncClient", "stripe.create", "botocore.client.BaseClient"} <= words
    assert not {"requests.sessions.Session.post", "http.client", "botocore.client"} & words
    assert {word.partition(".")[0] for word in words} <= network_modules(CATALOG)
    assert not {"requests", "http", "urllib"} & words  # a module alone is not enough


@pytest.mark.parametrize("code", [
    "import requests\nrequests.get(url)\n",
    "from requests import Session\ns = Session()\ns.get(url)\n",
    "import requests as r\nr.post(url, data=d)\n",
    "from http import client\nclient.HTTPConnection(host).request('GET', '/')\n",
    "import http.client\nhttp.client.HTTPSConnection(host)\n",
    "import urllib.request\nurllib.request.urlopen(url)\n",
    # A generated stub names no catalogued module: the channel it is built on does.
    "import grpc\nfrom . import svc_pb2_grpc\nsvc_pb2_grpc.AStub(grpc.insecure_channel(h)).Get(r)\n",
])
def test_a_network_call_however_imported_is_relevant(code: str) -> None:
    assert relevant(code, "AL301")


@pytest.mark.parametrize("code", [
    # The module is named, but nothing the resolver could take for a network call.
    "import requests\ntry:\n    go()\nexcept requests.RequestException:\n    pass\n",
    "from http import HTTPStatus\nok = HTTPStatus.OK\n",
    "import botocore.exceptions\nerror = botocore.exceptions.ClientError\n",
])
def test_naming_a_network_module_without_its_calls_is_not_relevant(code: str) -> None:
    assert not relevant(code, "AL301")


def test_standard_library_sources_need_their_attribute() -> None:
    words = source_words(CATALOG, ("local-input",))
    assert {"sys.argv", "os.environ", "input()"} <= words
    assert not {"os", "sys"} & words


@pytest.mark.parametrize("rule", sorted({rule for check in ALL_CHECKS for rule in check.rules}))
def test_every_fixture_where_a_rule_fires_passes_its_precheck(rule: str) -> None:
    """Each rule, enabled alone, still parses every fixture file that expects it."""
    chosen = settings(rule)
    checks = engine.enabled_checks(chosen)
    expecting = [path for path in fixture_files(projects=False)
                 if any(code == rule for _, code in read_labels(path).expect)]
    missed = [path.name for path in expecting
              if not engine.is_relevant(path.read_text(encoding="utf-8"), chosen, checks)]
    assert missed == []


# --------------------------------------------------------------------------- summaries
def test_a_file_that_needs_a_summary_is_parsed_with_it(tmp_path: Path) -> None:
    """main.py names nothing any check looks for: it is skipped at first, and parsed again
    once the summary of helpers.py (read only for its summary) says that ``port()``
    returns request data."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (tmp_path / "helpers.py").write_text("from flask import request\n\n\ndef port():\n"
                                         "    return request.args['port']\n", encoding="utf-8")
    (tmp_path / "main.py").write_text("from helpers import port\n\n\ndef main():\n    return int(port())\n",
                                      encoding="utf-8")
    chosen = settings("AL107")
    assert not engine.is_relevant((tmp_path / "main.py").read_text(encoding="utf-8"), chosen,
                                  engine.enabled_checks(chosen))
    result = cli_runner().invoke(cli, ["--format", "json", "--no-cache", "--select", "AL107",
                                       str(tmp_path / "main.py")])
    report = json.loads(result.output)
    assert [(Path(f["path"]).name, f["rule"]) for f in report["findings"]] == [("main.py", "AL107")]


def test_summary_words_cover_every_catalogued_module_and_source() -> None:
    chosen = settings("AL303")
    words = precheck.relevance(CATALOG, engine.enabled_checks(chosen), summary=True)
    assert CATALOG.module_roots() <= words.code
    assert engine.summary_relevant("import requests\n", chosen)
    assert not engine.is_relevant("import requests\n", chosen, engine.enabled_checks(chosen))


# --------------------------------------------------------------------------- robustness
@pytest.mark.parametrize("text", [
    "", "'", '"""', "'''\n", "r'\\", "b'\\\n", "#", "f'{", "\0\0", "'\udcff'", "\\" * 1000,
    "'" * 10_000, '"""' * 3333, "x = '" + "\\'" * 5000, "\r\n'\r\n#\r",
])
def test_bad_text_never_raises(text: str) -> None:
    assert isinstance(precheck.code_only(text), str)
    relevance = precheck.relevance(CATALOG, ALL_CHECKS, summary=True)
    assert relevance.matches(text) in (True, False)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("'\"#\\\nrbfu xq{}=()requests")), max_size=60))
def test_any_text_gets_an_answer_and_code_never_gains_words(text: str) -> None:
    code = precheck.code_only(text)
    assert set(precheck._NAME.findall(code)) <= set(precheck._NAME.findall(text))
    precheck.relevance(CATALOG, ALL_CHECKS).matches(text)


def test_preload_compiles_the_words_before_the_workers_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = settings()
    engine.preload(chosen)

    def compiled_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the words were compiled again after preload")

    monkeypatch.setattr(precheck, "_compile", compiled_again)
    picked = precheck.pick("import requests\nrequests.get(url)\n", chosen.catalog, engine._enabled(chosen),
                           threat_models=chosen.threat_models)
    assert ("missing_timeout", "MissingTimeout") in picked
    assert precheck.summary_matches("import requests\n", chosen.catalog, engine._enabled(chosen))


def test_a_word_of_alternatives_needs_one_name_of_each_part() -> None:
    relevance = precheck._compile(["boto3|aioboto3.list_objects_v2|scan"])
    assert relevance.matches("import aioboto3\nawait client.scan(TableName=t)\n")
    assert not relevance.matches("import boto3\nclient.put_item(Item=i)\n")
    assert not relevance.matches("db.scan(q)\n")
    with pytest.raises(ValueError):
        precheck._compile(["boto3|.scan"])
