"""AL104 tainted-code: request data or local input run as code, compiled as a template,
deserialized as objects, or imported as a module.

The ``TaintedSinks`` fact finds the code sinks of ``rules/sinks.toml``: ``eval``, ``exec``,
``compile`` (shape ``text``); Jinja2 ``Template``/``from_string``, Flask
``render_template_string``, Django and Mako templates (``template``); ``pickle``/``dill``/
``marshal``/``jsonpickle``/``joblib`` loads and PyYAML ``load`` without a safe loader
(``object``: the catalog's ``safe-values`` name the safe loaders); ``importlib.import_module``
(``module``). A value from a fixed list, a number, or a full-match check ends it.

Which origins count: request data with the ``remote`` threat model (the default); local
input always in code text (text pasted into code breaks on the first quote even when the
user is trusted), in templates, objects and modules only with ``local``; responses with
``responses``. A language model's reply is AL503's, which stands back where request data
reaches the same sink (``yields-to``).
"""

from __future__ import annotations

from ..facts.taint import TaintedSinks, subject
from .base import Check

# shape -> (what the code assumes, what goes wrong, the fix)
_SHAPES = {
    "text": ("is safe to run as Python code",
             "whoever sets it runs any code in this process, with its files and secrets",
             "parse it as data (json.loads, ast.literal_eval) and act only on values from a fixed list"),
    "template": ("is safe to compile as a template",
                 "`{{ ... }}` in it runs on the server (server-side template injection: "
                 "`{{ cycler.__init__.__globals__.os.popen('id').read() }}`)",
                 "keep the template fixed and pass the value to render() as data"),
    "object": ("is safe to deserialize",
               "a crafted payload runs any code while it is loaded (pickle's `__reduce__`, YAML's `!!python/object`)",
               "accept a data format (json.loads, yaml.safe_load, yaml.load(..., Loader=yaml.SafeLoader)), or sign "
               "what you unpickle and check the signature first"),
    "module": ("names a module that is safe to import",
               "whoever sets it imports any module on the path, and importing runs its code",
               "map the value to a module from a fixed list ({\"csv\": \"app.export.csv\"}[kind])"),
}


class TaintedCode(Check):
    """Local input in code text counts whatever the threat models say when it is pasted into
    code built from text, or is the value as read (a command-line word, an environment
    variable, a line of stdin); the content of a file its user names, computed from it by a
    call (`args.infile.read()`, a loader), is run by design (`python -m ast file.py`), as with
    `local` only."""

    rules = ("AL104",)
    needs = (TaintedSinks,)
    # Values other project files' functions return from these origins (value provenance).
    project_reads = frozenset({"request", "local-input", "response"})
    # The web and CLI frameworks whose values are sources, and eval/exec themselves: code text
    # from sys.argv or os.environ counts in any file.
    triggers = ("flask", "django", "fastapi", "starlette", "quart", "rest_framework", "aiohttp", "argparse",
                "click", "typer", "eval", "exec")
    sink_kinds = ("code",)  # it reports only at a sink of the module

    def _local_counts(self, hit, origin) -> bool:  # type: ignore[no-untyped-def]
        if "local" in self.state.settings.threat_models:
            return True
        return hit.culprit is not hit.value or origin.access is not None

    def leave_Module(self, node: object) -> None:
        taint = self.fact(TaintedSinks)
        for hit, origin in taint.reportable("code", self.state.settings.threat_models):
            if origin is None or hit.shape not in _SHAPES:
                continue
            if origin.kind == "local-input" and not self._local_counts(hit, origin):
                continue
            assumption, consequence, fix = _SHAPES[hit.shape]
            self.report("AL104", hit.call, hit.path(origin), statement=hit.statement, function=hit.function,
                        value=subject(self.state.module.code_for_node(hit.culprit), origin),
                        assumption=assumption, sink=hit.label, consequence=consequence, fix=fix)
