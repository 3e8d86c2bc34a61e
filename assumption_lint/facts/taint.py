"""Tainted sinks: values from outside that reach a catalogued sink (``rules/sinks.toml``)
with nothing ending the sink kind's assumption on the way.

At each call the fact looks the call up in the sink catalog and asks value provenance
(``facts/provenance.py``) where the value that must be safe comes from: SQL text, shell
text and code must not bring syntax (``injection``), a path must stay in its folder
(``containment``). What it records is a ``Hit`` per sink and value, with every origin
nothing validated for that assumption; which origins count is the rules' business
(``hostile_kinds``: the ``threat-models`` setting).

A command sink's value is read by its form: shell text (``os.system``, ``shell=True``),
an argument list whose program (its first item) or interpreter code (``sh -c <code>``)
must be safe and whose later items must not pass for options, or the program to run.

Within a module, a parameter that reaches a sink unvalidated is recorded on the function
(``FunctionSummary.sinks`` and the sink itself): a later call that passes a value from
outside gives a hit at the sink, with the call as one more step of the value's path.
Archive extraction that trusts member names (``tarfile`` without ``filter=`` before
Python 3.14) is a hit without an origin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

import libcst as cst

from ..catalog import Catalog
from ..catalog.sinks import ReadOnly, Sink, UnsafeExtract
from ..catalog.sources import MODEL_ORIGINS, imported, name_matches
from .arguments import Hidden, argument, literal_string
from .base import Fact
from .provenance import ValueProvenance
from .provenance_eval import FunctionSummary, access_key
from .provenance_values import PARAMETER, Origin, Origins
from .syntax import visit_tree

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

# Origins a hit may carry: what the code built itself is never hostile.
_OUTSIDE = ("request", "local-input", "response", "model-output", "db-row")
# Shapes of a hit: where in the sink the value lands.
TEXT_SHAPES = frozenset({"text", "shell", "interpreter"})
# Calls that split a command line into an argument list.
_SPLITTERS = frozenset({"shlex.split"})
# Sinks whose value is a location: a fixed start (scheme and host, a local path) keeps it in place.
_LOCATIONS = frozenset({"url", "redirect"})
_FIXED_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#{}]+[/?#]")
_LOCAL_PATH = re.compile(r"^/[^/\\]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Methods that add items to a list bound to a name.
_APPENDERS = frozenset({"append", "extend", "insert"})
Notes = tuple[tuple[cst.CSTNode, str], ...]


def hostile_kinds(shape: str, threat_models: Iterable[str]) -> tuple[str, ...]:
    """The origins that count at a sink, in ORIGINS order. ``remote``: request data;
    ``local``: the command line, stdin, the environment; ``responses``: other services'
    answers. Text pasted into SQL, a shell or code breaks on the first quote or space even
    when the user is trusted, so local input always counts there."""
    models = frozenset(threat_models)
    if shape in TEXT_SHAPES:
        models |= {"local"}
    return tuple(origin for model, origin in MODEL_ORIGINS.items() if model in models)


@dataclass(frozen=True)
class Hit:
    """A value that must be safe for ``kind`` at ``call``, and the origins that did not make it so."""

    kind: str
    # text (SQL text), shell (shell text), program, interpreter (code after `sh -c`),
    # option (a later argv item that can pass for an option), path, archive.
    shape: str
    call: cst.Call
    value: cst.BaseExpression
    # The part of ``value`` that carries the first origin (`q` in f"... {q}").
    culprit: cst.BaseExpression
    origins: tuple[Origin, ...]
    label: str  # how messages name the sink
    statement: cst.CSTNode | None
    function: str
    # Steps between the origin's path and the sink: a call of a same-module function.
    through: Notes = ()
    program: str | None = None  # command sinks: the program, when a literal names it
    archive: UnsafeExtract | None = None
    # SQL sinks: the connection it runs on cannot write (a `[[read-only]]` marker of sinks.toml).
    read_only: bool = False

    def first(self, kinds: Sequence[str]) -> Origin | None:
        """The origin to report among ``kinds`` (ORIGINS order)."""
        for kind in kinds:
            for origin in self.origins:
                if origin.kind == kind:
                    return origin
        return None

    def path(self, origin: Origin) -> Notes:
        """The value's path as related locations: the source, its steps, then ``through``."""
        return origin.notes() + self.through


@dataclass(frozen=True)
class _ParameterSink:
    """A parameter of a function that reaches a sink: the hit a caller's value completes."""

    parameter: str
    hit: Hit
    steps: Notes  # the parameter's own path inside the function


@dataclass
class _ListValue:
    """``cmd = ["git", "clone"]`` in the function being walked, and what was added after."""

    elements: list[cst.BaseExpression]
    added: list[cst.BaseExpression] = field(default_factory=list)


@dataclass
class SinkTables:
    exact: dict[str, list[Sink]] = field(default_factory=dict)
    glob: dict[str, list[Sink]] = field(default_factory=dict)
    words: frozenset[str] = frozenset()

    def lookup(self, qualified: str | None, attribute: str | None, imports: Iterable[str]) -> list[Sink]:
        found = list(self.exact.get(qualified, ())) if qualified is not None else []
        if attribute is not None:
            found += [sink for sink in self.glob.get(attribute, ())
                      if sink not in found and imported(imports, sink.imports)]
        return found


_TABLES: dict[int, tuple[Catalog, SinkTables]] = {}


def sink_tables(catalog: Catalog) -> SinkTables:
    cached = _TABLES.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    tables = SinkTables()
    words: set[str] = set()
    for sink in catalog.sinks.sinks:
        for name in sink.names:
            if name.startswith("*."):
                tables.glob.setdefault(name[2:], []).append(sink)
            else:
                tables.exact.setdefault(name, []).append(sink)
            words.add(name.rsplit(".", 1)[-1])
    for archive in catalog.sinks.archives:
        words.update(archive.methods)
    tables.words = frozenset(words | _APPENDERS)
    _TABLES[id(catalog)] = (catalog, tables)
    return tables


class TaintedSinks(Fact):
    """Checks declare ``needs = (TaintedSinks,)`` and read ``hits`` in ``leave_Module``
    (hits through a function are known only when its callers have been walked)."""

    needs = (ValueProvenance,)

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        catalog = state.settings.catalog
        self.knowledge = catalog.sinks
        self.tables = sink_tables(catalog)
        self.target_version = state.settings.target_version
        self.hits: list[Hit] = []
        self._parameter_sinks: dict[int, list[_ParameterSink]] = {}
        self._called: set[str] = set()  # names of functions with parameter sinks
        self._lists: list[dict[str, _ListValue]] = [{}]
        self._archives: list[dict[str, UnsafeExtract]] = [{}]
        self._if_tests: list[cst.BaseExpression] = []
        # Read-only connections (`[[read-only]]`): keys (`conn`, `self.db`) per function scope
        # (the module's first), `self.<attr>` keys per class, same-module functions returning one.
        self._read_only = _ReadOnlyTables.of(self.knowledge.read_only)
        self._read_only_names: list[set[tuple[str, ...]]] = [set()]
        self._read_only_members: list[set[tuple[str, ...]]] = [set()]
        self._read_only_functions: set[str] = set()
        self._functions: list[str] = []
        # The literal start of text bound to a name (`url = f"https://api.x.com/{q}"`), per function.
        self._starts: list[dict[str, str]] = [{}]
        # Every expression bound to a name so far, per function (the module's first): where in
        # a URL or a redirect target a value lands is read through them.
        self._values: list[dict[str, list[cst.BaseExpression]]] = [{}]
        # The receiver of `X.execute(text(sql))`, for SQL sinks nested in it (SQLAlchemy text()).
        self._outer_receiver: dict[int, cst.BaseExpression] = {}

    def of(self, kind: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.kind == kind]

    def reportable(self, kind: str, threat_models: Iterable[str] = (), *,
                   kinds: Sequence[str] | None = None) -> list[tuple[Hit, Origin | None]]:
        """One hit per sink call of ``kind`` whose origins count (the first in source order),
        with the origin to name; archive hits have none. Which origins count: ``kinds`` when
        a rule names its own (AL503: ``("model-output",)``), else those the threat models
        make hostile (``hostile_kinds``: AL101-AL103)."""
        chosen: dict[int, tuple[Hit, Origin | None]] = {}
        for hit in self.hits:
            if hit.kind != kind or id(hit.call) in chosen:
                continue
            if hit.shape == "archive":
                if kinds is None:
                    chosen[id(hit.call)] = (hit, None)
                continue
            counted = tuple(kinds) if kinds is not None else hostile_kinds(hit.shape, threat_models)
            origin = hit.first(counted)
            if origin is not None:
                chosen[id(hit.call)] = (hit, origin)
        return list(chosen.values())

    # ------------------------------------------------------------------ scopes and bindings
    def visit_If(self, node: cst.If) -> None:
        self._if_tests.append(node.test)

    def leave_If(self, node: cst.If) -> None:
        self._if_tests.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._lists.append({})
        self._archives.append({})
        self._read_only_names.append(set())
        self._functions.append(node.name.value)
        self._starts.append({})
        self._values.append({})

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._lists.pop()
        self._archives.pop()
        self._read_only_names.pop()
        self._functions.pop()
        self._starts.pop()
        self._values.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._read_only_members.append(set())

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._read_only_members.pop()

    def leave_Return(self, node: cst.Return) -> None:
        if self._functions and node.value is not None and self.prov.active and self._read_only_value(node.value):
            self._read_only_functions.add(self._functions[-1])

    def leave_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._bind(target.target.value, node.value)
            elif isinstance(target.target, cst.Attribute) and self.prov.active:
                self._bind_attribute(target.target, node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._bind(node.target.value, node.value)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        if not isinstance(node.target, cst.Name):
            return
        listed = self._lists[-1].get(node.target.value)
        if listed is not None and isinstance(node.value, (cst.List, cst.Tuple)):
            listed.added.extend(element.value for element in node.value.elements)
        else:
            self._lists[-1].pop(node.target.value, None)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self._bind(item.asname.name.value, item.item)

    def _bind(self, name: str, value: cst.BaseExpression) -> None:
        if self.prov.active:  # elsewhere no sink is looked at
            self._set_read_only((name,), self._read_only_value(value))
            starts = self._starts[-1]
            start = literal_string(value)
            start = start if start is not None else _leading_text(value, self._constant)
            if start:
                starts[name] = start
            else:
                starts.pop(name, None)
            bound = self._values[-1].setdefault(name, [])
            if len(bound) < 8:
                bound.append(value)
        if isinstance(value, (cst.List, cst.Tuple)) and not any(
                isinstance(element, cst.StarredElement) for element in value.elements):
            self._lists[-1][name] = _ListValue([element.value for element in value.elements])
        else:
            self._lists[-1].pop(name, None)
        archive = self._opened_archive(value)
        if archive is not None:
            self._archives[-1][name] = archive
        else:
            self._archives[-1].pop(name, None)

    def _opened_archive(self, value: cst.BaseExpression) -> UnsafeExtract | None:
        if not isinstance(value, cst.Call):
            return None
        name = self.prov.evaluate(value.func).name
        for archive in self.knowledge.archives:
            if name in archive.openers:
                return archive
        return None

    def _constant(self, name: str) -> str | None:
        """The text a name was bound to here or in the module, literal or built with a literal start."""
        found = self._starts[-1].get(name)
        return found if found is not None else self._starts[0].get(name)

    # ------------------------------------------------------------------ read-only connections
    def _bind_attribute(self, target: cst.Attribute, value: cst.BaseExpression) -> None:
        """``self.db = sqlite3.connect(...)``; ``conn.readonly = True`` (an attribute form)."""
        key = access_key(target)
        if key is not None and key[0] == "self":
            self._set_read_only(key, self._read_only_value(value))
        if self._read_only.attributes and target.attr.value in self._read_only.attributes and _is_true(value):
            owner = access_key(target.value)
            if owner is not None:
                self._set_read_only(owner, True)

    def _counts(self, entry: ReadOnly) -> bool:
        return not entry.imports or imported(self.prov.imports, entry.imports)

    def _set_read_only(self, key: tuple[str, ...], read_only: bool) -> None:
        scope = self._read_only_members[-1] if key[0] == "self" else self._read_only_names[-1]
        if read_only:
            scope.add(key)
        else:
            scope.discard(key)

    def _marked(self, key: tuple[str, ...]) -> bool:
        if key[0] == "self":
            return key in self._read_only_members[-1]
        return key in self._read_only_names[-1] or key in self._read_only_names[0]

    def _read_only_value(self, value: cst.BaseExpression) -> bool:
        """Is ``value`` a connection (or a cursor, a transaction) that cannot write?"""
        tables = self._read_only
        if not tables.any:
            return False
        for _ in range(16):  # `engine.connect().execution_options(...).cursor()` chains
            if isinstance(value, cst.Await):
                value = value.expression
                continue
            if isinstance(value, cst.Call):
                func = value.func
                if isinstance(func, cst.Name) and func.value in self._read_only_functions:
                    return True
                last = func.attr.value if isinstance(func, cst.Attribute) else \
                    func.value if isinstance(func, cst.Name) else None
                openers = tables.openers_by_method.get(last, ()) if last is not None else ()
                if openers:
                    name = self.prov.evaluate(func).name
                    opener = [entry for entry in openers if name in entry.names]
                    if opener:
                        return any(self._opens_read_only(value, entry) for entry in opener)
                if not isinstance(func, cst.Attribute):
                    return False
                method = func.attr.value
                if any(self._counts(entry) and _passes_true(value, entry) for entry in tables.methods.get(method, ())):
                    return True
                if method in tables.carry:
                    value = func.value
                    continue
                return False
            key = access_key(value)
            return key is not None and self._marked(key)
        return False

    def _opens_read_only(self, call: cst.Call, entry: ReadOnly) -> bool:
        for keyword in entry.requires:
            if not _is_true(argument(call, keyword, None)):
                return False
        if entry.contains:
            found = argument(call, entry.keyword, entry.argument)
            text = _literal_text(found) if isinstance(found, cst.BaseExpression) else ""
            if not all(part in text for part in entry.contains):
                return False
        if entry.true_keys:
            found = argument(call, entry.keyword, entry.argument)
            if not isinstance(found, cst.Dict):
                return False
            set_true = {literal_string(element.key) for element in found.elements
                        if isinstance(element, cst.DictElement) and _is_true(element.value)}
            if not all(key in set_true for key in entry.true_keys):
                return False
        return True

    def _read_only_call(self, node: cst.Call, method: str) -> None:
        """``conn.set_session(readonly=True)``, ``conn.execute("PRAGMA query_only = ON")``:
        the connection it is called on is read-only from here on."""
        tables = self._read_only
        receiver = node.func.value  # type: ignore[attr-defined]
        marks = any(self._counts(entry) and _passes_true(node, entry) for entry in tables.methods.get(method, ()))
        if not marks and method in tables.statements and node.args:
            text = literal_string(node.args[0].value)
            if text is not None and any(self._counts(entry) and pattern.search(text)
                                        for entry in tables.statements[method] for pattern in entry.patterns):
                marks = True
                # `conn.cursor().execute("PRAGMA query_only = ON")` sets the connection.
                while isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute) \
                        and receiver.func.attr.value in tables.carry:
                    receiver = receiver.func.value
        if not marks:
            return
        key = access_key(receiver)
        if key is not None:
            self._set_read_only(key, True)

    def _sink_read_only(self, node: cst.Call) -> bool:
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else self._outer_receiver.get(id(node))
        return receiver is not None and self._read_only_value(receiver)

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        attribute = func.attr.value if isinstance(func, cst.Attribute) else None
        if attribute is not None and self._read_only.any and self.prov.active:
            if attribute in self._read_only.marking:
                self._read_only_call(node, attribute)
            if node.args and attribute in self._read_only.runs:
                self._outer_receiver[id(node.args[0].value)] = func.value  # type: ignore[union-attr]
        last = attribute if attribute is not None else func.value if isinstance(func, cst.Name) else None
        if last is None or (last not in self.tables.words and last not in self._called):
            return
        if attribute in _APPENDERS and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            listed = self._lists[-1].get(func.value.value)
            if listed is not None:
                listed.added.extend(arg.value for arg in node.args)
            return
        if attribute is not None:
            self._archive_extraction(node, attribute)
        if not self.prov.active:
            return
        callee = self.prov.evaluate(func)
        for sink in self.tables.lookup(callee.name, attribute, self.prov.imports):
            self._sink(node, sink)
        if callee.function is not None and id(callee.function) in self._parameter_sinks:
            self._through(node, callee.function, skip_self=callee.function.method and attribute is not None)

    def _archive_extraction(self, node: cst.Call, method: str) -> None:
        receiver = node.func.value  # type: ignore[attr-defined]
        archive = self._archives[-1].get(receiver.value) if isinstance(receiver, cst.Name) else \
            self._opened_archive(receiver)
        if archive is None or method not in archive.methods:
            return
        if archive.safe_from is not None and self.target_version >= archive.safe_from:
            return
        if argument(node, archive.keyword, None) is not None:
            return  # a filter is given (or may be, through **kwargs)
        if archive.probes and any(_probes(test, archive.probes) for test in self._if_tests):
            return
        self.hits.append(Hit("path", "archive", node, receiver, receiver, (), archive.label, self.ctx.statement,
                             self._qualname(), archive=archive))

    # ------------------------------------------------------------------ one sink
    def _sink(self, node: cst.Call, sink: Sink) -> None:
        if sink.argument == -1:
            value = node.func.value if isinstance(node.func, cst.Attribute) else None
        else:
            found = argument(node, sink.keyword, sink.argument)
            value = None if isinstance(found, Hidden) else found
        if value is None:
            return
        label = sink.label or f"{_spelled(node.func)}()"
        if sink.safe_values and self._made_safe(node, sink):
            return  # yaml.load(text, Loader=yaml.SafeLoader)
        if sink.kind in _LOCATIONS:
            self._location(node, sink, value, label)
            return
        if sink.kind != "command":
            shape = sink.shape or "text" if sink.assumption == "injection" else "path"
            self._record(node, sink, value, shape, label)
            return
        if sink.form == "shell":
            self._record(node, sink, value, "shell", label)
        elif sink.form == "program":
            self._record(node, sink, value, "program", label)
        else:
            self._argv(node, sink, value, label)

    def _made_safe(self, node: cst.Call, sink: Sink) -> bool:
        """The argument that decides it names a safe value (`Loader=yaml.SafeLoader`), or one
        alint cannot name; missing, or another of the sink's own module (`yaml.FullLoader`), not."""
        found = argument(node, sink.safe_keyword, sink.safe_argument)
        if found is None:
            return False
        if isinstance(found, Hidden):
            return True
        name = self.prov.evaluate(found).name
        if name is None or name in sink.safe_values:
            return True
        modules = {entry.split(".", 1)[0] for entry in sink.names}
        return name.split(".", 1)[0] not in modules

    # ------------------------------------------------------------------ URLs and redirect targets
    def _location(self, node: cst.Call, sink: Sink, value: cst.BaseExpression, label: str) -> None:
        """Where in a URL or a redirect target each origin lands: as the whole value, its
        scheme or its host (shape ``path``), or after a start the code chose, in the URL's
        path (``segment``: a URL only; a redirect after a fixed start stays on this site).
        Text after a ``?`` or ``#`` changes no endpoint."""
        origins = self.prov.origins(value)
        if not origins:
            return
        shapes: dict[str, list[str]] = {"path": [], "segment": []}
        for origin in origins:
            if origin.kind not in _OUTSIDE and origin.kind != PARAMETER or sink.assumption in origin.validated:
                continue
            shape = self._landing(value, origin.kind, sink.kind, 0)
            if shape == "segment" and "injection" in origin.validated:
                continue  # a format check (re.fullmatch, a fixed list) keeps `../` and `?` out of a segment
            if shape is not None:
                shapes[shape].append(origin.kind)
        for shape in ("path", "segment"):
            if shapes[shape]:
                self._record(node, sink, value, shape, label, only=frozenset(shapes[shape]))

    def _landing(self, value: cst.BaseExpression, kind: str, sink_kind: str, depth: int) -> str | None:
        """The shape for ``kind``'s origin in ``value``: a name is read through every value bound
        to it that carries the origin (the worst of them)."""
        if isinstance(value, cst.Name) and depth < 4:
            bound = self._values[-1].get(value.value) or self._values[0].get(value.value) or []
            carrying = [expression for expression in bound if _carries(self.prov.origins(expression), kind)]
            if carrying:
                found = [self._landing(expression, kind, sink_kind, depth + 1) for expression in carrying]
                return "path" if "path" in found else "segment" if "segment" in found else None
        prefix, chosen, carried = self._before(value, kind, depth)
        if not carried or (not prefix and not chosen):
            return "path"  # the value as a whole (or built where alint cannot see)
        if "?" in prefix or "#" in prefix:
            return None  # in the query string or the fragment
        if sink_kind == "redirect":
            if chosen or _FIXED_HOST.match(prefix) or _LOCAL_PATH.match(prefix):
                return None
            if not _SCHEME.match(prefix) and not prefix.startswith(("/", "\\")):
                return None  # relative to the current page: the same site
            return "path"
        if chosen or _FIXED_HOST.match(prefix) or not _SCHEME.match(prefix):
            return "segment"  # after a fixed host, a base the code chose, or relative to a client's base_url
        return "path"  # `f"https://{host}/..."`: the value is (part of) the host

    def _before(self, value: cst.BaseExpression, kind: str, depth: int) -> tuple[str, bool, bool]:
        """What comes before the first part of ``value`` that carries ``kind``'s origin: its
        literal text, whether a value the code chose (a base URL, a setting) is among it, and
        whether such a part was found at all."""
        prefix = ""
        chosen = False
        for part in _url_parts(value):
            if isinstance(part, str):
                prefix += part
                continue
            origin = self.prov.origins(part).of(kind)
            if origin is not None and "containment" not in origin.validated:
                if isinstance(part, cst.Name) and depth < 4:
                    # `base = f"https://{host}"` then `f"{base}/items"`: read the name's own value.
                    bound = self._values[-1].get(part.value) or self._values[0].get(part.value) or []
                    if len(bound) == 1:
                        inner, inner_chosen, inner_carried = self._before(bound[0], kind, depth + 1)
                        if inner_carried:
                            return prefix + inner, chosen or inner_chosen, True
                return prefix, chosen, True
            known = self._constant(part.value) if isinstance(part, cst.Name) else None
            if known is not None:
                prefix += known
            else:
                chosen = True
        return prefix, chosen, False

    def _argv(self, node: cst.Call, sink: Sink, value: cst.BaseExpression, label: str) -> None:
        shell = sink.shell_keyword is not None and _is_true(argument(node, sink.shell_keyword, None))
        elements = self._elements(value)
        if shell:
            self._record(node, sink, elements[0] if elements else value, "shell", label)
            return
        if elements is None:
            # Text split into an argument list: the text names the program and everything after.
            if _is_split(value, self.prov):
                self._record(node, sink, value, "program", label)
            elif not isinstance(value, (cst.List, cst.Tuple, cst.Name, cst.ListComp)):
                self._record(node, sink, value, "program", label)  # a string runs as the program's name
            return
        if not elements:
            return
        program = literal_string(elements[0])
        self._record(node, sink, elements[0], "program", label)
        if program is None:
            return
        flags = self.knowledge.interpreter_flags(program)
        after_option = False
        ended = False
        for index, element in enumerate(elements[1:], start=1):
            previous = literal_string(elements[index - 1])
            code = bool(flags) and previous in flags
            text = literal_string(element)
            if code and text is None:
                self._record(node, sink, element, "interpreter", label, program)
            elif text is None and not ended and not after_option and _bare(element):
                self._record(node, sink, element, "option", label, program)
            # After "--", or after the code an interpreter runs, the items are the code's data.
            ended = ended or code or text == "--"
            after_option = text is not None and text.startswith("-") and text != "--"

    def _elements(self, value: cst.BaseExpression) -> list[cst.BaseExpression] | None:
        """The items of a literal argument list, or of one bound to a name in this function."""
        if isinstance(value, (cst.List, cst.Tuple)):
            if any(isinstance(element, cst.StarredElement) for element in value.elements):
                return None
            return [element.value for element in value.elements]
        if isinstance(value, cst.Name):
            listed = self._lists[-1].get(value.value)
            if listed is not None:
                return listed.elements + listed.added
        return None

    def _record(self, node: cst.Call, sink: Sink, value: cst.BaseExpression, shape: str, label: str,
                program: str | None = None, only: frozenset[str] | None = None) -> None:
        origins = self.prov.origins(value)
        if only is not None:
            origins = Origins(tuple(origin for origin in origins if origin.kind in only))
        if not origins:
            return
        assumption = sink.assumption
        outside = tuple(origin for origin in origins if origin.kind in _OUTSIDE and assumption not in origin.validated)
        statement, function = self.ctx.statement, self._qualname()
        read_only = sink.kind == "sql" and self._sink_read_only(node)
        if outside:
            culprit = _culprit(value, outside[0].kind, assumption, self.prov)
            self.hits.append(Hit(sink.kind, shape, node, value, culprit, outside, label, statement, function,
                                 program=program, read_only=read_only))
        summary = self.prov.function_here()
        if summary is None:
            return
        for origin in origins:
            if origin.kind == PARAMETER and assumption not in origin.validated:
                culprit = _culprit(value, PARAMETER, assumption, self.prov)
                hit = Hit(sink.kind, shape, node, value, culprit, (), label, statement, function, program=program,
                          read_only=read_only)
                self._add_parameter_sink(summary, _ParameterSink(origin.parameter, hit, origin.notes()[1:]))

    def _add_parameter_sink(self, summary: FunctionSummary, entry: _ParameterSink) -> None:
        entries = self._parameter_sinks.setdefault(id(summary), [])
        if any(existing.hit.call is entry.hit.call and existing.hit.value is entry.hit.value
               and existing.parameter == entry.parameter for existing in entries):
            return
        entries.append(entry)
        summary.sinks[entry.parameter] = summary.sinks.get(entry.parameter, frozenset()) | {entry.hit.kind}
        self._called.add(summary.name)

    # ------------------------------------------------------------------ calls of functions with sinks
    def _through(self, node: cst.Call, summary: FunctionSummary, skip_self: bool) -> None:
        parameters = summary.parameters[1:] if skip_self else summary.parameters
        passed: dict[str, cst.BaseExpression] = {}
        positional = 0
        for arg in node.args:
            if arg.star:
                return  # which argument lands where is not known
            if arg.keyword is not None:
                passed[arg.keyword.value] = arg.value
            elif positional < len(parameters):
                passed[parameters[positional]] = arg.value
                positional += 1
        caller = self.prov.function_here()
        for entry in list(self._parameter_sinks.get(id(summary), ())):
            value = passed.get(entry.parameter)
            if value is None:
                continue
            hit = entry.hit
            assumption = _assumption(hit.kind)
            origins = self.prov.origins(value)
            step: Notes = ((node, f"passed to {summary.name}() as {entry.parameter}"),)
            outside = tuple(origin for origin in origins
                            if origin.kind in _OUTSIDE and assumption not in origin.validated)
            if outside:
                self.hits.append(Hit(hit.kind, hit.shape, hit.call, hit.value, hit.culprit, outside, hit.label,
                                     hit.statement, hit.function, step + entry.steps + hit.through, hit.program,
                                     read_only=hit.read_only))
            if caller is None or caller is summary:
                continue
            for origin in origins:
                if origin.kind == PARAMETER and assumption not in origin.validated:
                    self._add_parameter_sink(caller, _ParameterSink(
                        origin.parameter, Hit(hit.kind, hit.shape, hit.call, hit.value, hit.culprit, (), hit.label,
                                              hit.statement, hit.function, step + entry.steps + hit.through,
                                              hit.program, read_only=hit.read_only),
                        origin.notes()[1:]))

    def _qualname(self) -> str:
        return self.ctx.function.qualname if self.ctx.function else "<module>"


def subject(code: str, origin: Origin, limit: int = 60) -> str:
    """How a message names the value: "`q` from the query string" (a parameter's label names
    it already: "`tenant_id` from the request", not "... from the request (tenant_id)")."""
    text = " ".join(code.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    label = origin.label
    suffix = f" ({text})"
    if label.endswith(suffix):
        label = label[: -len(suffix)]
    return f"`{text}` from {label}"


def _assumption(kind: str) -> str:
    from ..catalog.sinks import SINK_KINDS

    return SINK_KINDS[kind]


def _probes(test: cst.BaseExpression, attributes: tuple[str, ...]) -> bool:
    """``hasattr(tarfile, "data_filter")`` somewhere in an ``if`` test."""
    found = False

    class _Finder(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> bool:
            nonlocal found
            if (isinstance(call.func, cst.Name) and call.func.value == "hasattr" and len(call.args) == 2
                    and literal_string(call.args[1].value) in attributes):
                found = True
            return not found

    visit_tree(test, _Finder())
    return found


def _is_true(value: object) -> bool:
    return isinstance(value, cst.Name) and value.value == "True"


def _passes_true(call: cst.Call, entry: ReadOnly) -> bool:
    found = argument(call, entry.keyword, entry.argument)
    return _is_true(found)


def _leading_text(node: cst.BaseExpression, constant=lambda name: None) -> str:
    """The literal text a string built from parts starts with: `f"https://x.com/{q}"`,
    `"https://x.com/" + q`, `"https://x.com/{}".format(q)`, `f"{BASE}/{q}"` with BASE bound to
    a literal (``constant``); empty when a value from elsewhere comes first."""
    text = literal_string(node)
    if text is not None:
        return ""  # a literal whole: nothing from outside in it
    if isinstance(node, cst.FormattedString):
        start = ""
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                start += part.value
                continue
            name = part.expression.value if isinstance(part.expression, cst.Name) else None
            known = constant(name) if name is not None and part.format_spec is None else None
            if known is None:
                break
            start += known
        return start
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        operands = []
        while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            operands.append(node.right)
            node = node.left
        operands.append(node)
        start = ""
        for operand in reversed(operands):
            known = constant(operand.value) if isinstance(operand, cst.Name) else literal_string(operand)
            if known is None:
                return start + (_leading_text(operand, constant) if not start else "")
            start += known
        return start
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        template = literal_string(node.func.value)
        return template.split("{", 1)[0] if template is not None else ""
    return ""


def _carries(origins: Origins, kind: str) -> bool:
    origin = origins.of(kind)
    return origin is not None and "containment" not in origin.validated


def _url_parts(node: cst.BaseExpression) -> list[str | cst.BaseExpression]:
    """A string built from parts, in order: literal text and the expressions between
    (`f"https://{host}/x"`, `"https://" + host + "/x"`, `"https://{}/x".format(host)`);
    anything else is one part."""
    text = literal_string(node)
    if text is not None:
        return [text]
    if isinstance(node, cst.FormattedString):
        return [part.value if isinstance(part, cst.FormattedStringText) else part.expression for part in node.parts]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _url_parts(node.left) + _url_parts(node.right)
    if isinstance(node, cst.ConcatenatedString):
        return _url_parts(node.left) + _url_parts(node.right)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        template = literal_string(node.func.value)
        if template is not None and "{" in template:
            positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
            named = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
            parts: list[str | cst.BaseExpression] = []
            index = 0
            for piece in re.split(r"(\{[^{}]*\})", template):
                if not (piece.startswith("{") and piece.endswith("}")):
                    parts.append(piece)
                    continue
                field_name = piece[1:-1].split(":", 1)[0].split("!", 1)[0]
                if field_name.isdigit() and int(field_name) < len(positional):
                    parts.append(positional[int(field_name)])
                elif field_name in named:
                    parts.append(named[field_name])
                elif not field_name and index < len(positional):
                    parts.append(positional[index])
                    index += 1
                else:
                    return [node]
            return parts
    return [node]


def _literal_text(node: cst.BaseExpression) -> str:
    """The literal text in a string built from parts (`f"file:{path}?mode=ro"`, `"file:" + p + "?mode=ro"`)."""
    text = literal_string(node)
    if text is not None:
        return text
    if isinstance(node, cst.FormattedString):
        return "".join(part.value for part in node.parts if isinstance(part, cst.FormattedStringText))
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _literal_text(node.left) + _literal_text(node.right)
    if isinstance(node, cst.ConcatenatedString):
        return _literal_text(node.left) + _literal_text(node.right)
    return ""


@dataclass
class _ReadOnlyTables:
    """The ``[[read-only]]`` entries of the catalog that the module's imports make count."""

    any: bool = False
    methods: dict[str, list[ReadOnly]] = field(default_factory=dict)  # form = method
    statements: dict[str, list[ReadOnly]] = field(default_factory=dict)  # form = statement
    attributes: frozenset[str] = frozenset()
    carry: frozenset[str] = frozenset()
    openers_by_method: dict[str, list[ReadOnly]] = field(default_factory=dict)  # form = connect, by last part
    marking: frozenset[str] = frozenset()  # methods that may mark their receiver
    runs: frozenset[str] = frozenset()  # methods that run SQL text (a nested text() is theirs)

    @classmethod
    def of(cls, entries: Sequence[ReadOnly]) -> "_ReadOnlyTables":
        tables = cls(any=bool(entries))
        attributes: set[str] = set()
        carry: set[str] = set()
        for entry in entries:
            if entry.form == "connect":
                for name in entry.names:
                    tables.openers_by_method.setdefault(name.rsplit(".", 1)[-1], []).append(entry)
                continue
            # The entries' imports are asked where they are used: the module's imports fill as the walk goes.
            target = {"method": tables.methods, "statement": tables.statements}.get(entry.form)
            for name in entry.names:
                if target is not None:
                    target.setdefault(name, []).append(entry)
                elif entry.form == "attribute":
                    attributes.add(name)
                else:
                    carry.add(name)
        tables.attributes = frozenset(attributes)
        tables.carry = frozenset(carry)
        tables.marking = frozenset(tables.methods) | frozenset(tables.statements)
        tables.runs = frozenset(tables.statements) | {"execute", "exec_driver_sql"}
        return tables


def _is_split(value: cst.BaseExpression, prov: ValueProvenance) -> bool:
    """``text.split()`` or ``shlex.split(text)``."""
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Attribute) and func.attr.value == "split":
        return True
    return prov.evaluate(func).name in _SPLITTERS


def _bare(element: cst.BaseExpression) -> bool:
    """An argument whose first character the value decides (not f"--name={x}", not "./" + x)."""
    if isinstance(element, cst.FormattedString):
        first = element.parts[0] if element.parts else None
        return isinstance(first, cst.FormattedStringExpression)
    if isinstance(element, cst.BinaryOperation) and isinstance(element.operator, cst.Add):
        return literal_string(element.left) is None
    return True


def _children(node: cst.BaseExpression, prov: ValueProvenance) -> list[cst.BaseExpression]:
    """The parts text is built from, for naming the one that carries an origin."""
    if isinstance(node, cst.FormattedString):
        return [part.expression for part in node.parts if isinstance(part, cst.FormattedStringExpression)]
    if isinstance(node, cst.BinaryOperation):
        operands = []  # `a + b + c` nests to the left: its operands, in order, without recursion
        while isinstance(node, cst.BinaryOperation):
            operands.append(node.right)
            node = node.left
        return [node, *reversed(operands)]
    if isinstance(node, cst.ConcatenatedString):
        return [node.left, node.right]
    if isinstance(node, (cst.List, cst.Tuple)):
        return [element.value for element in node.elements]
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("format", "join", "format_map"):
            return [func.value, *(arg.value for arg in node.args)]
        if prov.evaluate(func).name in prov.tables.passthrough:
            return [arg.value for arg in node.args]
    return []


def _culprit(value: cst.BaseExpression, kind: str, assumption: str, prov: ValueProvenance) -> cst.BaseExpression:
    """The smallest part of ``value`` whose ``kind`` origin is not validated for ``assumption``."""
    node = value
    for _ in range(64):  # deeper building than this is named as a whole
        for child in _children(node, prov):
            origin = prov.origins(child).of(kind)
            if origin is not None and assumption not in origin.validated:
                node = child
                break
        else:
            return node
    return node


def _spelled(node: cst.BaseExpression) -> str:
    """The call as written (`os.system`, `path.read_text`), or its method (`mkdir`) when
    what it is called on is itself a call."""
    key = access_key(node)
    if key is not None:
        return ".".join(key)
    return node.attr.value if isinstance(node, cst.Attribute) else "the call"


__all__ = ["Hit", "Origins", "TEXT_SHAPES", "TaintedSinks", "hostile_kinds", "sink_tables", "subject"]
