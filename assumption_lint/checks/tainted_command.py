"""AL102 tainted-command: a command built from request data or local input.

The ``TaintedSinks`` fact reads each command sink of ``rules/sinks.toml`` by its form and
records where a value from outside lands: shell text (``os.system``, ``os.popen``,
``subprocess.*(shell=True)``, ``asyncio.create_subprocess_shell``), the program to run (the
first item of an argument list, ``os.exec*``, ``create_subprocess_exec``), code for an
interpreter (``["sh", "-c", text]``), or a later argument that can start with ``-`` and be
read as an option (argument injection, a note). ``shlex.quote()``, numbers and values from
a fixed list end it; a list argument after ``--`` or after an option flag is data.

Which origins count: request data with the ``remote`` threat model (the default); local
input always in shell text and interpreter code (it breaks on the first space or quote
even when the user is trusted), as a program or an option only with ``local``.
"""

from __future__ import annotations

from ..facts.taint import TaintedSinks, subject
from .base import Check

# shape -> (what the code assumes, what goes wrong, the fix)
_SHAPES = {
    "shell": ("is safe to paste into a shell command",
              "a quote, `;`, `|`, `$(...)` or a space in it changes what runs",
              "pass a list of arguments without shell=True, or quote it with shlex.quote()"),
    "interpreter": ("is safe to run as {program} code",
                    "whoever sets it runs any command they like",
                    "pass the value as a separate argument the code reads, never as the code"),
    "program": ("names a safe program to run",
                "whoever sets it chooses what runs",
                "pick the program from a fixed list, or resolve it with shutil.which() from a fixed name"),
    "option": ("never starts with '-' where {program} reads options",
               "a value like `--output=/etc/x` or `--upload-pack=cmd` is taken as an option",
               "put \"--\" before it, or check that it does not start with \"-\""),
}


class TaintedCommand(Check):
    rules = ("AL102",)
    needs = (TaintedSinks,)
    # Values other project files' functions return from these origins (value provenance).
    project_reads = frozenset({"request", "local-input", "response"})
    triggers = ("flask", "django", "fastapi", "starlette", "quart", "rest_framework", "aiohttp", "argparse",
                "click", "typer")
    sink_kinds = ("command",)  # it reports only at a sink of the module

    def leave_Module(self, node: object) -> None:
        taint = self.fact(TaintedSinks)
        for hit, origin in taint.reportable("command", self.state.settings.threat_models):
            if origin is None:
                continue
            assumption, consequence, fix = _SHAPES[hit.shape]
            program = f"`{hit.program}`" if hit.program else "the program"
            self.report("AL102", hit.call, hit.path(origin), statement=hit.statement, function=hit.function,
                        severity="note" if hit.shape == "option" else None,
                        value=subject(self.state.module.code_for_node(hit.culprit), origin),
                        assumption=assumption.format(program=program), sink=hit.label,
                        consequence=consequence, fix=fix)
