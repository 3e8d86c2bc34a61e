"""Empty results: which values from outside may be an empty collection or None here, and
whether the code already allowed for it (AL404 unchecked-first-element, AL405
empty-aggregate).

Built on the value provenance fact: a value is a possibly-empty collection when one of its
origins matches an ``[[empty-result]]`` of ``rules/empties.toml`` by its source call and
its access (the reads from the source: ``("json()", "items")`` for ``resp.json()["items"]``,
``("all()",)`` for ``query.all()``), and nothing ended its *emptiness* assumption (for None:
*none-or-empty*). The provenance fact ends those where it can follow the flow (``if not
rows: return``, ``if rows:``, ``len(rows) > 0``, ``x or default``, guards on a name or an
attribute chain). This fact adds what the flow keys cannot name, syntactically and
leniently (precision first): an expression mentioned in an ``if``/``while``/``assert`` or
conditional-expression test, in an ``and``/``or``, or measured with ``len()`` earlier in the
function counts as checked (``x[0] if x else None``, ``if not data["items"]: return``).

It also reads the SQL of raw DB-API queries: ``fetchone()[0]`` of ``SELECT COUNT(*)``
(an aggregate without ``GROUP BY``), of a ``SELECT`` without ``FROM`` or of ``INSERT ...
RETURNING`` always has a row; where alint cannot read the query (a parameter, a query built
elsewhere) it says nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from ..catalog.empties import EmptyResult
from .base import Fact
from .callers import SameModuleCallers
from .handlers import may_catch
from .provenance import ValueProvenance
from .provenance_values import FOR, FOR_IF, ITEM, Origin

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

# Origins a value from outside has; "local" (the code's own) and parameters are never reported.
EXTERNAL = ("request", "response", "model-output", "db-row")
# The modules whose values these rules report on: the pre-check parses a file only when it
# mentions one (with the catalogued network and model libraries).
TRIGGERS = ("sqlite3", "psycopg", "psycopg2", "pymysql", "MySQLdb", "asyncpg", "aiosqlite", "sqlalchemy",
            "sqlmodel", "flask_sqlalchemy", "django", "flask", "fastapi", "starlette", "quart", "aiohttp")
# Which except clauses catch a builtin error (with the catch-alls).
_CATCHERS = {
    "IndexError": ("IndexError", "LookupError"),
    "TypeError": ("TypeError",),
    "AttributeError": ("AttributeError",),
    "ValueError": ("ValueError",),
    "StopIteration": ("StopIteration",),
    "ZeroDivisionError": ("ZeroDivisionError", "ArithmeticError"),
    "statistics.StatisticsError": ("statistics.StatisticsError", "StatisticsError", "ValueError"),
}
_CATCH_ALL = ("Exception", "BaseException")
_FETCHES = frozenset({"fetchone", "fetchall", "fetchmany", "fetchrow", "fetchval", "fetch"})
_EXECUTES = frozenset({"execute", "executemany"})
_AGGREGATE = re.compile(
    r"^\s*select\s+(?:distinct\s+)?(?:count|sum|total|min|max|avg|group_concat|string_agg|array_agg|json_agg"
    r"|jsonb_agg|bool_and|bool_or|every|exists|coalesce\s*\(\s*(?:count|sum|total|min|max|avg))\s*\(", re.I)
_GROUPED = re.compile(r"\bgroup\s+by\b|\bhaving\b", re.I)
_FROM = re.compile(r"\bfrom\b", re.I)
_SELECT = re.compile(r"^\s*(?:select|with)\b", re.I)
_INSERT_RETURNING = re.compile(r"^\s*insert\b.*\breturning\b", re.I | re.S)
_MAY_BE_EMPTY_DML = re.compile(r"^\s*(?:update|delete)\b.*\breturning\b", re.I | re.S)


@dataclass(frozen=True)
class Empty:
    """A value that may be an empty collection (``missing == "empty"``) or None."""

    entry: EmptyResult
    origin: Origin
    node: cst.BaseExpression
    # How the message names it: the expression, and why it may be empty when that is not the entry's.
    text: str
    why: str = ""
    # A collection a filter built: not the source's emptiness, the filter's.
    filtered: bool = False

    @property
    def missing(self) -> str:
        return self.entry.missing

    @property
    def because(self) -> str:
        return self.why or self.entry.why


_FILTERED = EmptyResult(kinds=EXTERNAL, apis=(), access=(), missing="empty", what="is never empty",
                        why="the filter may leave none of it", imports=(), source="(built in)")


@dataclass(frozen=True)
class Deferred:
    """A finding that waits for the end of the walk: it is reported unless every same-module
    caller of its function catches ``raised`` (a retry loop, a fallback around the call)."""

    raised: str
    node: cst.CSTNode
    related: object
    statement: cst.CSTNode | None
    function: str
    fields: dict


class Emptiness(Fact):
    needs = (ValueProvenance, SameModuleCallers)

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        # Test code reads back what its own setup wrote, and an IndexError there fails the
        # test, which is what a test is for: not a boundary assumption.
        self.in_tests = is_test_file(getattr(state, "path", "") or "")
        self.results = tuple(self.catalog.empties.results)
        # Per function: texts mentioned in tests, texts measured with len().
        self._tested: dict[str, set[str]] = {}
        self._measured: dict[str, set[str]] = {}
        # Per function: the SQL last executed on each cursor (by its text), string constants.
        self._executed: dict[tuple[str, str], str | None] = {}
        self._strings: dict[str, str] = {}
        # The SQL of each fetch call, as far as alint can read it (None: unknown).
        self._sql: dict[int, str | None] = {}
        # Per function: the tables its queries wrote to (a row read back after an INSERT is there).
        self._written: dict[str, set[str]] = {}
        self.callers = self.fact(SameModuleCallers)
        # Per function: names bound to a comprehension, for its iterable's tests.
        self._built: dict[tuple[str, str], cst.BaseExpression] = {}

    # ------------------------------------------------------------------ the walk
    def _function(self) -> str:
        return self.ctx.function.qualname if self.ctx.function else "<module>"

    def _text(self, node: cst.CSTNode) -> str:
        return " ".join(self.state.module.code_for_node(node).split())

    def _record(self, test: cst.BaseExpression) -> None:
        if not self.prov.active:
            return
        tested = self._tested.setdefault(self._function(), set())
        for part in _operands(test):
            tested.add(self._text(part))

    def visit_If(self, node: cst.If) -> None:
        self._record(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._record(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._record(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._record(node.test)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._record(node.left)

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.prov.active or len(node.targets) != 1:
            return
        target, value = node.targets[0].target, node.value
        if not isinstance(target, cst.Name):
            return
        text = _literal_sql(value, self._strings)
        if text is not None:
            self._strings[target.value] = text
        if isinstance(value, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            self._built[(self._function(), target.value)] = value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _EXECUTES:
            # `cur = conn.execute(sql)`: cur's rows are that query's.
            self._executed[(self._function(), target.value)] = self._query(value)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.prov.active:
            return
        func = node.func
        if isinstance(func, cst.Name) and func.value == "len" and len(node.args) == 1:
            self._measured.setdefault(self._function(), set()).add(self._text(node.args[0].value))
            return
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method in _EXECUTES:
            sql = self._query(node)
            self._executed[(self._function(), self._text(func.value))] = sql
            inserted = _INSERTED.match(sql) if sql is not None else None
            if inserted is not None:
                self._written.setdefault(self._function(), set()).add(_table(inserted.group(1)))
        elif method in _FETCHES:
            self._fetched(node)

    def uncaught(self, deferred: list[Deferred]) -> list[Deferred]:
        """The deferred findings that no same-module caller catches (none in test code)."""
        if self.in_tests:
            return []
        return [item for item in deferred if not self.callers_catch(item.function, item.raised)]

    def callers_catch(self, function: str, error: str) -> bool:
        """Every same-module use of ``function`` calls it inside a clause that catches
        ``error``, directly or further up (complete once the walk has left the module)."""
        return self.callers.all_catch(function, lambda handlers: self._catches(handlers, error), handed_on=False)

    def _fetched(self, node: cst.Call) -> str | None:
        """The SQL whose rows the fetch call ``node`` reads, as far as alint can read it,
        settled the first time it is asked (the walk is then at or just before the call)."""
        if id(node) in self._sql:
            return self._sql[id(node)]
        receiver = node.func.value  # type: ignore[attr-defined]
        if node.args and (sql := _literal_sql(node.args[0].value, self._strings)) is not None:
            pass  # asyncpg: `conn.fetchrow("SELECT ...", id)`
        elif isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) \
                and receiver.func.attr.value in _EXECUTES:
            sql = self._query(receiver)
        else:
            sql = self._executed.get((self._function(), self._text(receiver)))
        self._sql[id(node)] = sql
        return sql

    def _query(self, call: cst.Call) -> str | None:
        for arg in call.args:
            if arg.keyword is None and not arg.star:
                return _literal_sql(arg.value, self._strings)
            if arg.keyword is not None and arg.keyword.value in ("sql", "query", "operation", "statement"):
                return _literal_sql(arg.value, self._strings)
        return None

    # ------------------------------------------------------------------ queries
    def tested(self, node: cst.BaseExpression) -> bool:
        """``node`` was mentioned in a test (or measured) earlier in this function."""
        text = self._text(node)
        function = self._function()
        return text in self._tested.get(function, ()) or text in self._measured.get(function, ())

    def measured(self, node: cst.BaseExpression) -> bool:
        return self._text(node) in self._measured.get(self._function(), ())

    def empty(self, node: cst.BaseExpression, missing: tuple[str, ...] = ("empty", "none"),
              need: int = 1) -> Empty | None:
        """The reason ``node`` may be an empty collection or None here, or None when it is
        not known to be (or the code allowed for it)."""
        if not self.prov.active:
            return None
        for origin in self.prov.origins(node):
            if origin.kind not in EXTERNAL or origin.access is None:
                continue
            if origin.access and origin.access[-1] == ITEM:
                continue  # an item of a list: a row, a record
            entry = self._entry(origin, origin.access)
            if entry is None or entry.missing not in missing:
                continue
            if self._allowed(origin, entry.missing, need, node) or self._checked_by(entry):
                continue
            if not self._may_have_no_row(origin):
                continue
            return Empty(entry, origin, node, self._text(node))
        return None

    def aggregated(self, node: cst.BaseExpression, need: int = 1) -> Empty | None:
        """``node`` as what an aggregate (``max()``, ``mean()``, ``len()`` as a divisor)
        reads: a possibly-empty collection, a comprehension of one, or a filter of values
        from outside."""
        if not self.prov.active:
            return None
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self._comprehension(node, node, need)
        if isinstance(node, cst.Call) and len(node.args) == 1 and self.prov.evaluate(node.func).name in (
                "list", "tuple", "set", "sorted"):
            return self.aggregated(node.args[0].value, need)
        if self._allowed_syntax(node, need):
            return None
        if isinstance(node, cst.Name):
            built = self._built.get((self._function(), node.value))
            clause = built.for_in if built is not None else None  # type: ignore[attr-defined]
            if clause is not None and not clause.ifs and clause.inner_for_in is None \
                    and self._allowed_syntax(clause.iter, need):
                return None  # `if not data["items"]: return` before `prices = [... for ... in data["items"]]`
        found = self._from_origins(node, need)
        if found is not None:
            return found
        return self.empty(node, ("empty",), need)

    def _from_origins(self, node: cst.BaseExpression, need: int) -> Empty | None:
        for origin in self.prov.origins(node):
            access = origin.access
            if origin.kind not in EXTERNAL or not access or access[-1] not in (FOR, FOR_IF):
                continue
            if self._sized(origin, need):
                continue
            if access[-1] == FOR_IF:
                return Empty(_FILTERED, origin, node, self._text(node), filtered=True)
            entry = self._entry(origin, access[:-1])
            if entry is not None and entry.missing == "empty" and self._may_have_no_row(origin):
                return Empty(entry, origin, node, self._text(node))
        return None

    def _comprehension(self, node: cst.BaseExpression, shown: cst.BaseExpression, need: int) -> Empty | None:
        clause = node.for_in  # type: ignore[attr-defined]
        filtered = bool(clause.ifs) or clause.inner_for_in is not None
        if filtered:
            for origin in self.prov.origins(clause.iter):
                if origin.kind in EXTERNAL and origin.access is not None:
                    return Empty(_FILTERED, origin, shown, self._text(shown), filtered=True)
            return None
        found = self.empty(clause.iter, ("empty",), need)
        if found is None:
            return None
        return Empty(found.entry, found.origin, shown, self._text(clause.iter))

    def _entry(self, origin: Origin, access: tuple[str, ...]) -> EmptyResult | None:
        for entry in self.results:
            if entry.matches(origin.kind, origin.api, access) and (
                    not entry.imports or self.ctx.imports_any(entry.imports)):
                return entry if entry.missing != "never" else None
        return None

    def _checked_by(self, entry: EmptyResult) -> bool:
        if not entry.checked_by:
            return False
        tested = self._tested.get(self._function(), ())
        return any(f".{attribute}" in text for text in tested for attribute in entry.checked_by)

    def _sized(self, origin: Origin, need: int) -> bool:
        return "length" in origin.validated or need == 1 and "emptiness" in origin.validated

    def _allowed(self, origin: Origin, missing: str, need: int, node: cst.BaseExpression) -> bool:
        if missing == "none":
            if "none-or-empty" in origin.validated:
                return True
        elif self._sized(origin, need):
            return True
        return self._allowed_syntax(node, need)

    def _allowed_syntax(self, node: cst.BaseExpression, need: int) -> bool:
        return self.measured(node) if need > 1 else self.tested(node)

    def _may_have_no_row(self, origin: Origin) -> bool:
        """A raw query's rows: only a query alint can read, and one that may match nothing."""
        source = origin.path[0].node if origin.path else None
        if not (isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute)
                and source.func.attr.value in _FETCHES):
            return True  # not a DB-API fetch (an ORM query, a response)
        sql = self._fetched(source)
        if sql is None:
            return False
        read = _READS.search(sql)
        if read is not None and _table(read.group(1)) in self._written.get(self._function(), ()):
            return False  # `INSERT ... ON CONFLICT ...` then `SELECT id FROM` the same table
        return may_return_nothing(sql)

    def caught(self, error: str) -> bool:
        """An except clause around the node catches ``error`` (a builtin), or may."""
        return self._catches(tuple(self.ctx.active_handlers()), error)

    def _catches(self, handlers: tuple, error: str) -> bool:
        catchers = _CATCHERS.get(error, (error,)) + _CATCH_ALL
        for handler in handlers:
            if handler.catches is None:
                return True
            for caught in handler.catches:
                if isinstance(caught, str):
                    if caught.removeprefix("builtins.") in catchers:
                        return True
                elif may_catch(self.catalog.network, caught, error):
                    return True
        return False


def may_return_nothing(sql: str) -> bool:
    """Whether a query may give no row: a SELECT with a FROM that is not an ungrouped
    aggregate, or an UPDATE/DELETE ... RETURNING. Anything else (COUNT(*), SELECT 1,
    INSERT ... RETURNING, a PRAGMA) is taken to give one."""
    if _SELECT.match(sql):
        outer = _outer(sql)
        if not _FROM.search(outer):
            return False
        return not (_AGGREGATE.match(sql) and not _GROUPED.search(outer))
    return bool(_MAY_BE_EMPTY_DML.match(sql))


def _outer(sql: str) -> str:
    """The query without what is inside parentheses (subqueries, function arguments): a
    GROUP BY in a subquery does not group the outer aggregate."""
    depth, kept = 0, []
    for char in sql:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


_INSERTED = re.compile(r"^\s*(?:insert|replace|upsert)\b(?:\s+or\s+\w+)?\s+into\s+([\w.\"`\[\]]+)", re.I)
_READS = re.compile(r"\bfrom\s+([\w.\"`\[\]]+)", re.I)


def _table(name: str) -> str:
    return name.strip('"`[]').rsplit(".", 1)[-1].lower()


def _literal_sql(node: cst.BaseExpression, strings: dict[str, str]) -> str | None:
    """The text of a literal query: a string, concatenated strings, an f-string's literal
    parts (``{}`` for the rest), ``"...".format()``/``%`` of one, or a name bound to one."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = _literal_sql(node.left, strings), _literal_sql(node.right, strings)
        return left + right if left is not None and right is not None else None
    if isinstance(node, cst.FormattedString):
        return "".join(part.value if isinstance(part, cst.FormattedStringText) else " {} " for part in node.parts)
    if isinstance(node, cst.Name):
        return strings.get(node.value)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Modulo, cst.Add)):
        return _literal_sql(node.left, strings)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        return _literal_sql(node.func.value, strings)
    if isinstance(node, cst.Call) and len(node.args) >= 1 and isinstance(node.func, (cst.Name, cst.Attribute)):
        # sqlalchemy.text("SELECT ...")
        name = node.func.value if isinstance(node.func, cst.Name) else node.func.attr.value
        if name == "text":
            return _literal_sql(node.args[0].value, strings)
    return None


def _operands(test: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The expressions a test looks at: ``rows`` in ``not rows``, ``len(rows) > 0``,
    ``rows and rows[0]``, ``isinstance(data, list) and data``."""
    pending = [test]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.UnaryOperation):
            pending.append(node.expression)
        elif isinstance(node, cst.BooleanOperation):
            pending.extend((node.left, node.right))
        elif isinstance(node, cst.Comparison):
            pending.append(node.left)
            pending.extend(target.comparator for target in node.comparisons)
        elif isinstance(node, (cst.Await, cst.NamedExpr)):
            if isinstance(node, cst.NamedExpr):
                yield node.target
            pending.append(node.value if isinstance(node, cst.NamedExpr) else node.expression)
        elif isinstance(node, cst.Call):
            yield node
            pending.extend(arg.value for arg in node.args)
            if isinstance(node.func, cst.Attribute):
                # `auth.lower().startswith("bearer ")`, `text.strip().endswith(...)`: the text.
                pending.append(node.func.value)
        else:
            yield node


def is_test_file(path: str) -> bool:
    """``test_*.py``, ``*_test.py``, ``conftest.py``, or a file under a ``tests``/``test`` folder."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or any(part in ("tests", "test") for part in parts[:-1]))


def error_for(missing: str, use: str) -> str:
    """What a use of an empty list or of None raises."""
    if missing == "none":
        return "AttributeError" if use == "attribute" else "TypeError"
    return "IndexError"


__all__ = ["EXTERNAL", "Empty", "Emptiness", "TRIGGERS", "error_for", "may_return_nothing"]
