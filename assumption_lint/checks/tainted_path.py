"""AL103 tainted-path: a file path built from request data, or an archive extracted as it says.

The ``TaintedSinks`` fact finds the path sinks of ``rules/sinks.toml`` (``open``, pathlib's
reads, writes and ``unlink``, ``os.remove/rename/makedirs/listdir``, ``shutil.*``,
``sqlite3.connect``, Flask ``send_file``, ``FileResponse``...) whose path carries a value
from outside that nothing kept in its folder: ``secure_filename``, ``os.path.basename``, a
number, a fixed list, or a ``resolve()``/``realpath`` checked with ``is_relative_to``,
``commonpath`` or ``startswith`` end it; ``send_from_directory`` is not a sink. Request data
counts with the ``remote`` threat model (the default); local input only with ``local`` (a
CLI that opens the file named on its command line does so by design); responses with
``responses``.

``tarfile``'s ``extractall``/``extract`` without ``filter=`` trusts every member name
before Python 3.14 (``target-version`` decides); zipfile strips ``..`` itself.
"""

from __future__ import annotations

from ..facts.taint import TaintedSinks, subject
from .base import COMMAND_LINE_PARSERS, REQUEST_FRAMEWORKS, Check

_PATH = ("names a file inside the folder the code means",
         "`../` or an absolute path in it reaches any file the process can open",
         "keep only the file name (werkzeug.utils.secure_filename, os.path.basename), or resolve() the path "
         "and check it is_relative_to() the folder")
_ARCHIVE = ("stays inside the folder it is extracted to",
            "a member named `../../x`, an absolute path or a link is written anywhere the process can write",
            "pass filter=\"data\" (Python 3.12+, 3.11.4+, 3.10.12+)")


class TaintedPath(Check):
    rules = ("AL103",)
    needs = (TaintedSinks,)
    # Values other project files' functions return from these origins (value provenance).
    project_reads = frozenset({"request", "local-input", "response"})
    triggers = ("tarfile",)  # an archive's member names, hostile whatever the threat models
    model_triggers = {"remote": REQUEST_FRAMEWORKS, "local": COMMAND_LINE_PARSERS}
    sink_kinds = ("path",)  # it reports only at a sink of the module

    def leave_Module(self, node: object) -> None:
        taint = self.fact(TaintedSinks)
        for hit, origin in taint.reportable("path", self.state.settings.threat_models):
            if origin is None:
                value = "every member name of the archive"
                assumption, consequence, fix = _ARCHIVE
                related: tuple = ()
            else:
                value = subject(self.state.module.code_for_node(hit.culprit), origin)
                assumption, consequence, fix = _PATH
                related = hit.path(origin)
            self.report("AL103", hit.call, related, statement=hit.statement, function=hit.function,
                        value=value, assumption=assumption, sink=hit.label, consequence=consequence, fix=fix)
