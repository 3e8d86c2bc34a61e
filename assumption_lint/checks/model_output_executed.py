"""AL503 model-output-executed: a language model's text run as SQL, a command or code, or
used as a file path, an outgoing URL or a redirect.

The sinks are those of ``rules/sinks.toml`` and the flow is the ``TaintedSinks`` fact's, the
one AL101-AL103 read; this check counts only the ``model-output`` origin of value
provenance (also through wrappers in other project files: ``project_reads``). What ends the
assumption is the sink kind's, as for the injection rules (a literal allowlist, an enum, a
number, ``shlex.quote()`` for shell words, ``os.path.basename`` for paths), plus what only
model text needs: a SELECT-only check of the SQL's first keyword (``read-only``, a guard of
``rules/sources.toml``) and a read-only connection (``[[read-only]]`` in
``rules/sinks.toml``: the taint fact marks a hit whose connection cannot write).

Where the value is both request data and model output, AL101-AL103 speak for the sink and
this rule yields (``yields-to``).
"""

from __future__ import annotations

from ..facts.taint import TaintedSinks, subject
from .base import Check

# Sink kinds in the order findings are made.
_KINDS = ("sql", "command", "code", "path", "url", "redirect")
_COUNTED = ("model-output",)
_INJECTION = "a prompt injection (in the user's words, or in a page or document the model read)"

# (kind, shape) -> (what the code assumes, what goes wrong, the fix)
_SHAPES = {
    ("sql", "text"): (
        "is a harmless query to run",
        f"{_INJECTION} makes it `DROP TABLE`, `DELETE` or `UPDATE`, and a connection that can write runs it",
        "run it on a read-only connection (sqlite3 `file:...?mode=ro` with uri=True, `PRAGMA query_only`, a "
        "read-only session), or allow only a single SELECT (check its first keyword and refuse write keywords)"),
    ("command", "shell"): (
        "is a safe shell command to run",
        f"{_INJECTION} runs any command on this machine",
        "choose the program from a fixed list and pass the model's values as arguments quoted with shlex.quote(), "
        "or ask a person before running it"),
    ("command", "program"): (
        "names a safe program to run",
        f"{_INJECTION} chooses what runs on this machine",
        "choose the program from a fixed list (an allowlist the model's choice is checked against)"),
    ("command", "interpreter"): (
        "is safe to run as {program} code",
        f"{_INJECTION} runs any command on this machine",
        "pass the model's values as data the code reads, never as the code"),
    ("command", "option"): (
        "never starts with '-' where {program} reads options",
        "an answer like `--output=/etc/x` is taken as an option",
        "put \"--\" before it, or check that it does not start with \"-\""),
    ("code", "text"): (
        "is safe to run as Python code",
        f"{_INJECTION} runs any code in this process, with its files and secrets",
        "parse the answer as data (json.loads, ast.literal_eval) and act only on values from a fixed list"),
    ("code", "template"): (
        "is safe to compile as a template",
        f"{_INJECTION} writes `{{{{ ... }}}}` that runs on the server",
        "keep the template fixed and pass the model's text to render() as data"),
    ("code", "object"): (
        "is safe to deserialize",
        f"{_INJECTION} gives a payload that runs code while it is loaded",
        "parse the answer as data (json.loads, yaml.safe_load)"),
    ("code", "module"): (
        "names a module that is safe to import",
        f"{_INJECTION} imports any module on the path, and importing runs its code",
        "map the answer to a module from a fixed list"),
    ("path", "path"): (
        "names a file inside the folder the code means",
        f"{_INJECTION} gives `../` or an absolute path, and any file the process can reach is read or overwritten",
        "keep only the file name (os.path.basename, werkzeug's secure_filename) in a fixed folder, or resolve() "
        "the path and check it is_relative_to() the folder"),
    ("url", "path"): (
        "is a URL the code means to call",
        f"{_INJECTION} points it at an internal address or at a host that collects what is sent",
        "build the URL from a fixed base and check its host against an allowlist"),
    ("redirect", "path"): (
        "is a safe place to send the user",
        f"{_INJECTION} sends the user to any site (an open redirect)",
        "redirect only to paths of this site or to hosts on an allowlist"),
}


class ModelOutputExecuted(Check):
    rules = ("AL503",)
    needs = (TaintedSinks,)
    # Replies that wrappers in other project files return (value provenance).
    project_reads = frozenset({"model-output"})
    sink_kinds = _KINDS  # it reports only at a sink of the module

    def leave_Module(self, node: object) -> None:
        taint = self.fact(TaintedSinks)
        for kind in _KINDS:
            for hit, origin in taint.reportable(kind, kinds=_COUNTED):
                if origin is None:
                    continue
                if hit.kind == "sql" and (hit.read_only or "read-only" in origin.validated):
                    continue  # a read-only connection, or SQL checked to be a SELECT
                shape = _SHAPES.get((hit.kind, hit.shape))
                if shape is None:
                    continue
                assumption, consequence, fix = shape
                program = f"`{hit.program}`" if hit.program else "the program"
                self.report("AL503", hit.call, hit.path(origin), statement=hit.statement, function=hit.function,
                            severity="note" if hit.shape == "option" else None,
                            value=subject(self.state.module.code_for_node(hit.culprit), origin),
                            assumption=assumption.format(program=program), sink=hit.label,
                            consequence=consequence, fix=fix)
