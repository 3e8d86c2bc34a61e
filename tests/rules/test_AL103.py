"""AL103 tainted-path: request data in file paths, what keeps a path in its folder, the
local threat model, and tarfile extraction by target version."""

from __future__ import annotations

from harness import findings, lines

FLASK = """\
import os, shutil, sqlite3
from pathlib import Path
from flask import Flask, abort, request, send_file, send_from_directory
from werkzeug.utils import secure_filename
app = Flask(__name__)
BASE = Path("/srv/files")

@app.route("/f")
def f():
    name = request.args.get("name", "")
"""


def _lines(body: str, **kwargs) -> list[int]:
    code = FLASK + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return [line - 10 for line in lines(code, "AL103", **kwargs)]


def test_every_kind_of_file_access_is_a_sink() -> None:
    assert _lines("""
open(os.path.join("/srv/files", name))
(BASE / name).read_text()
(BASE / name).write_bytes(b"")
Path(name).unlink()
os.remove(name)
os.makedirs(BASE / name)
shutil.rmtree(str(BASE / name))
shutil.copy("template.txt", name)
sqlite3.connect(f"/srv/db/{name}.db")
send_file(BASE / name)
""") == list(range(1, 11))


def test_what_keeps_a_path_in_its_folder() -> None:
    assert _lines("""
send_from_directory(BASE, name)
open(BASE / secure_filename(name))
open(os.path.join("/srv", os.path.basename(name)))
open(BASE / Path(name).name)
open(BASE / f"{Path(name).stem}.txt")
target = (BASE / name).resolve()
if not target.is_relative_to(BASE):
    abort(404)
open(target)
""") == []


def test_the_message_names_the_value_and_the_sink_with_the_path() -> None:
    code = FLASK + "    return send_file(os.path.join('/srv/files', name))\n"
    [finding] = findings(code, "AL103")
    assert finding.message.startswith(
        "assumes `name` from the query string names a file inside the folder the code means (Flask send_file()): "
        "`../` or an absolute path")
    assert [note.message for note in finding.related] == [
        "from the query string", "read with .get()", "assigned to name", "passed through os.path.join()"]


def test_route_variables_by_converter() -> None:
    code = """\
from flask import Flask, send_file
app = Flask(__name__)

@app.route("/a/<name>")
def a(name):
    return send_file("/srv/" + name)

@app.route("/b/<path:rest>")
def b(rest):
    return send_file("/srv/" + rest)
"""
    assert lines(code, "AL103") == [10]


def test_command_line_paths_count_only_with_the_local_threat_model() -> None:
    code = """\
import argparse

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    args = parser.parse_args()
    with open(args.output, "w") as out:
        out.write("done")
"""
    assert lines(code, "AL103") == []
    assert lines(code, "AL103", threat_models=frozenset({"remote", "local"})) == [7]


def test_tarfile_without_a_filter_until_python_3_14() -> None:
    code = """\
import tarfile, zipfile

def restore(path):
    with tarfile.open(path) as archive:
        archive.extractall("out")
    with tarfile.open(path) as archive:
        archive.extractall("out", filter="data")
    tarfile.open(path).extract("member", "out")
    with zipfile.ZipFile(path) as archive:
        archive.extractall("out")
"""
    found = findings(code, "AL103")
    assert [finding.line for finding in found] == [5, 8]
    assert found[0].message.startswith("assumes every member name of the archive stays inside the folder it is "
                                       "extracted to (tarfile extractall())")
    assert lines(code, "AL103", target_version=(3, 14)) == []


def test_an_uploaded_files_name_and_a_tenant_from_the_query_string() -> None:
    code = """\
import shutil
from pathlib import Path
from fastapi import FastAPI, UploadFile
app = FastAPI()
ROOT = Path("/data")

@app.post("/upload")
async def upload(tenant: str, file: UploadFile):
    with (ROOT / "inbox" / file.filename).open("wb") as out:
        shutil.copyfileobj(file.file, out)
    (ROOT / tenant).mkdir(exist_ok=True)
"""
    found = findings(code, "AL103")
    assert [finding.line for finding in found] == [9, 11]
    assert "`file.filename` from the uploaded file's name" in found[0].message
    assert "`tenant` from the request" in found[1].message


def test_a_feature_test_for_the_filter_keeps_the_fallback_quiet() -> None:
    code = """\
import tarfile

def unpack(path, target):
    with tarfile.open(path) as bundle:
        if hasattr(tarfile, "data_filter"):
            bundle.extractall(target, filter="data")
        else:
            bundle.extractall(target)
"""
    assert lines(code, "AL103") == []


def test_sarif_code_flows_cross_files_and_validate_against_the_schema(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    from pathlib import Path

    import jsonschema

    from assumption_lint.cli import cli
    from harness import PROJECTS, ROOT, cli_runner

    schema = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
    out = tmp_path / "out.sarif"
    old = Path.cwd()
    os.chdir(ROOT)
    try:
        result = cli_runner().invoke(cli, ["--select", "AL103", "--format", "sarif", "--exit-zero", "-o", str(out),
                                           str((PROJECTS / "flask_toolbox").relative_to(ROOT))])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    jsonschema.validate(document, schema)
    [item] = document["runs"][0]["results"]
    steps = item["codeFlows"][0]["threadFlows"][0]["locations"]
    files = [step["location"]["physicalLocation"]["artifactLocation"]["uri"] for step in steps]
    assert files[0].endswith("toolbox/params.py") and files[-1].endswith("toolbox/views.py")
    assert steps[0]["location"]["message"]["text"] == "from the query string"
