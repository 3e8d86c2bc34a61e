"""AL208 partial-output beyond the fixtures: the existence tests and open modes it knows,
what makes a write safe, and where the finding sits."""

from __future__ import annotations

import pytest

from harness import ROOT, findings, line_after, lines


NETWORK = ROOT / "fixtures" / "network"


def _batch(test: str, opening: str, body: str = "f.write(requests.get(url, timeout=5).text)") -> str:
    return f"""
import os
from pathlib import Path

import requests

def download(urls, out_dir):
    for url in urls:
        out = Path(out_dir) / url.rsplit("/", 1)[-1]
        if {test}:
            continue
        with {opening} as f:
            {body}
"""


@pytest.mark.parametrize("test", ["os.path.exists(out)", "os.path.isfile(out)", "out.exists()", "out.is_file()",
                                  "Path(out).exists()", "os.path.exists(str(out))",
                                  "out.exists() and out.stat().st_size > 0"])
def test_al208_existence_tests(test: str) -> None:
    assert lines(_batch(test, 'open(out, "w")'), "AL208") == [12]


@pytest.mark.parametrize("opening, flagged", [
    ('open(out, "w")', True),
    ('open(out, "wb")', True),
    ('open(out, mode="a")', True),
    ('open(out, "x")', True),
    ('out.open("w", encoding="utf-8")', True),
    ("open(out)", False),                      # read
    ('open(out, "r")', False),
    ('open(out.with_suffix(".part"), "w")', False),  # another path: a temporary file
    ("open(out, mode)", False),               # a mode alint cannot read
])
def test_al208_open_modes_and_paths(opening: str, flagged: bool) -> None:
    assert lines(_batch("out.exists()", opening), "AL208") == ([12] if flagged else [])


def test_al208_message_and_related_locations() -> None:
    found = findings(_batch("os.path.exists(out)", 'open(out, "w")'), "AL208")
    assert len(found) == 1
    finding = found[0]
    assert (finding.line, finding.column) == (12, 14)  # the open() call, where the fix goes
    assert finding.message.startswith("assumes the download never fails halfway: out is open for writing while ")
    assert "`os.path.exists(out)` takes as done" in finding.message
    assert [location.line for location in finding.related] == [13, 10]


def test_al208_fetch_before_open_and_fetch_in_a_later_function_are_quiet() -> None:
    before = _batch("out.exists()", 'open(out, "w")', "f.write(text)").replace(
        "        with", "        text = requests.get(url, timeout=5).text\n        with")
    assert lines(before, "AL208") == []
    later = _batch("out.exists()", 'open(out, "w")', "def retry(): return requests.get(url, timeout=5)")
    assert lines(later, "AL208") == []


@pytest.mark.parametrize("handler, flagged", [
    ("except requests.RequestException:\n        out.unlink(missing_ok=True)", False),
    ("except Exception:\n        os.remove(out)\n        raise", False),
    ("except requests.RequestException:\n        print('failed', url)", True),  # the file stays
    ("except requests.Timeout:\n        os.remove(out)", True),  # a refused connection is not removed
])
def test_al208_clauses_around_the_write(handler: str, flagged: bool) -> None:
    code = f"""
import os
from pathlib import Path

import requests

def download(urls, out_dir):
    for url in urls:
        out = Path(out_dir) / url.rsplit("/", 1)[-1]
        if out.exists():
            continue
        try:
            with open(out, "wb") as f:
                f.write(requests.get(url, timeout=5).content)
    {handler}
"""
    code = code.replace("\n    except", "\n        except").replace("\n        out.unlink", "\n            out.unlink")
    code = code.replace("\n        os.remove", "\n            os.remove").replace("\n        raise", "\n            raise")
    code = code.replace("\n        print", "\n            print")
    assert lines(code, "AL208") == ([13] if flagged else [])


def test_al208_through_a_same_module_helper_and_the_fixture_pairs() -> None:
    path = NETWORK / "partial_output.py"
    source = path.read_text().splitlines()
    found = {finding.line for finding in findings(path.read_text(), "AL208", path=path.name)}
    # The open() before `json.dump(fetch_json(...), f)`: the error comes through the helper.
    helper_call = next(number for number, line in enumerate(source, 1) if "json.dump(fetch_json(" in line)
    assert helper_call - 1 in found
    temp_write = next(number for number, line in enumerate(source, 1) if 'with open(tmp, "w") as f:' in line)
    assert temp_write not in found
