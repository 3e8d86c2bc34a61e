"""AL101 tainted-sql: SQL text built from request data or local input.

The ``TaintedSinks`` fact finds the SQL sinks of ``rules/sinks.toml`` (DB-API ``execute``,
asyncpg ``fetch``, SQLAlchemy ``text()``, Django ``raw()``/``extra()``/``RawSQL``...)
whose SQL text carries a value from outside that nothing made safe: an f-string, ``%``,
``+``, ``.format()`` or ``join`` of it. Parameters passed apart from the text are never
looked at, so parameterized queries are quiet; so are identifiers checked against a fixed
list, numbers, and values that a full-match pattern checked. Request data counts with the
``remote`` threat model (the default); local input always (SQL built from text breaks on
the first quote even when the user is trusted); responses with ``responses``.
"""

from __future__ import annotations

from ..facts.taint import TaintedSinks, subject
from .base import Check


class TaintedSql(Check):
    rules = ("AL101",)
    needs = (TaintedSinks,)
    # Values other project files' functions return from these origins (value provenance).
    project_reads = frozenset({"request", "local-input", "response"})
    triggers = ("flask", "django", "fastapi", "starlette", "quart", "rest_framework", "aiohttp", "argparse",
                "click", "typer", "sqlite3", "sqlalchemy", "asyncpg", "psycopg")
    sink_kinds = ("sql",)  # it reports only at a sink of the module

    def leave_Module(self, node: object) -> None:
        taint = self.fact(TaintedSinks)
        for hit, origin in taint.reportable("sql", self.state.settings.threat_models):
            if origin is None:
                continue
            self.report("AL101", hit.call, hit.path(origin), statement=hit.statement, function=hit.function,
                        value=subject(self.state.module.code_for_node(hit.culprit), origin), sink=hit.label)
