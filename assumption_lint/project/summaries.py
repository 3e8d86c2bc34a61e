"""Module summaries: what each function of a project file means to callers in other files.

A summary is plain data (picklable, deterministic in order, versioned), computed per file in
the same single parse as its checks (``facts/summaries.py``) and exchanged between worker
processes. It holds, per module-level function and method:

- the network errors that can escape it, each with where it comes from (``Raised``);
- the calls it makes of its own module's functions and of other project modules (``Call``),
  each with the error classes that get past the except clauses around it;
- the origins of its return value (``Returned``): a model's reply, request data...;
- the responses it returns with their status unchecked (``ReturnedResponse``) and the raw
  JSON results of GraphQL requests it returns without reading ``errors`` (``ReturnedGraphql``);
- its role (a web view, a CLI entry point) and whether it is a coroutine function.

``settle`` then answers, over all the summaries of a project, which errors escape each
function through every project file it reaches (a worklist to a fixpoint: import cycles
and recursion end because sets only grow), and ``ProjectView`` is what one file's analysis
reads: the settled facts about the project functions it calls. Nothing here parses.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, TypeVar

from .modules import ModuleIndex, project_root_of

if TYPE_CHECKING:  # pragma: no cover
    from .callers import CallerIndex, Typed

T = TypeVar("T")

# Bump when the shape or the meaning of a summary changes (a cache keeps them by content hash).
SUMMARY_VERSION = 7

# Re-exports followed from one module to the next before giving up (a chain of
# `from .x import y` through package __init__ files; a loop ends here too).
MAX_REEXPORT_HOPS = 32


@dataclass(frozen=True)
class Place:
    """A place in a project file: its real path, 1-based line and column."""

    path: str
    line: int
    column: int


@dataclass(frozen=True)
class Raised:
    """A network call whose errors can escape: where it is and how to name it."""

    place: Place
    label: str  # the call as the message names it ("requests.get")
    errors: tuple[str, ...]  # the classes it can raise
    # How a message names the failure (the family's words) and the fix.
    summary: str
    untimed_summary: str
    family_errors: tuple[str, ...]
    fix: str
    # For an exception the function raises itself when a network call fails (``raise
    # RuntimeError(...)`` in the except clause, or after every attempt of a retry loop
    # failed): that call as messages name it; "" for a network call.
    translates: str = ""


@dataclass(frozen=True)
class Target:
    """A name in another project file, as the importing file spells it: the file of the
    module it was imported from (real path), and the attribute path in it
    (``"get_forecast"``, ``"WeatherClient.current"``). Re-exports are followed later."""

    path: str
    name: str


@dataclass(frozen=True)
class Call:
    """A call a function makes of a project function: ``local`` names a function of the
    same module, ``target`` one of another file. ``passes``: the network error classes that
    get past the except clauses around the call (None: every class). Calling a coroutine
    function without ``await`` only makes a coroutine: nothing escapes there."""

    local: str | None = None
    target: Target | None = None
    passes: frozenset[str] | None = None
    awaited: bool = False
    # The origin kinds of its arguments, as the caller's own analysis saw them (the caller
    # index): a callee returning its parameter hands them back.
    argument_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Returned:
    """One origin of a function's return value (``provenance_values.Origin`` as data)."""

    kind: str
    validated: frozenset[str]
    deep: frozenset[str]
    label: str
    place: Place
    parameter: str = ""  # for kind "parameter": the value passed as this parameter
    api: str = ""  # the source's qualified call or read (`os.getenv`), as in Origin.api


@dataclass(frozen=True)
class ReturnedResponse:
    """A response a function returns without reading its status (``return requests.get(url)``):
    the request as messages name it, the catalog's response kind, where the request is."""

    label: str
    kind: str  # a ``[[response]]`` kind of the catalog: how its status and body are read
    place: Place
    state_changing: bool = False


@dataclass(frozen=True)
class ReturnedGraphql:
    """A GraphQL request whose raw JSON result a function returns, ``errors`` never read."""

    label: str
    place: Place


@dataclass(frozen=True)
class ClientMade:
    """A catalogued client another file can import: a module-level object (``kind``
    "object"), a function returning one ("factory") or a class extending a client's class
    ("class"). ``code`` is the constructor call as written, read again where the object is
    used (its timeout and options); for a class, the base it extends."""

    constructor: str  # the catalog's name for it: ``requests.Session``, ``httpx.Client``
    code: str
    place: Place
    kind: str = "object"
    timeout_injected: bool = False


@dataclass(frozen=True)
class FunctionSummary:
    qualname: str
    is_async: bool = False
    role: str | None = None
    parameters: tuple[str, ...] = ()
    # Indexes into ModuleSummary.raised, each with a class: direct network calls only.
    raises: frozenset[tuple[int, str]] = frozenset()
    calls: tuple[Call, ...] = ()
    returns: tuple[Returned, ...] = ()
    responses: tuple[ReturnedResponse, ...] = ()
    graphql: tuple[ReturnedGraphql, ...] = ()


@dataclass(frozen=True)
class Imported:
    """A module-level import binding: ``from <level dots><module> import <name>`` (name
    None: ``import module``, bound as written or under its alias)."""

    module: str
    name: str | None = None
    level: int = 0


@dataclass(frozen=True)
class PassedClient:
    """A catalogued client a call passes at ``slot`` (a position, or a keyword's name): made
    in the caller's file (``made``), another file's object or factory call (``name``, with
    ``called``; the project says what it is), or the caller's own parameter passed on."""

    slot: int | str
    made: ClientMade | None = None
    name: Target | None = None
    called: bool = False
    parameter: str = ""


@dataclass(frozen=True)
class CallSite:
    """One call of a project function, for the caller index (``project/callers.py``): the
    function as the calling file names it (an empty ``path``: its own module), where the
    call is (``caller``: a qualname, or "<module>"), how many positional arguments and which
    keywords it passes, and which of them are clients. ``spread``: ``*args`` or ``**kwargs``
    hide what goes where."""

    callee: Target
    caller: str
    positional: int
    keywords: tuple[str, ...] = ()
    clients: tuple[PassedClient, ...] = ()
    spread: bool = False


@dataclass(frozen=True)
class CallerFacts:
    """What a module tells the caller index: its calls of project functions with the clients
    they pass, the project names it uses other than by calling them (handed on as a
    callback, stored), the names its ``__all__`` exports, the parameters each of its
    module-level functions calls a method of, and the project modules it imports with ``*``."""

    sites: tuple[CallSite, ...] = ()
    handed_on: frozenset[Target] = frozenset()
    exported: frozenset[str] = frozenset()
    receivers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    star_imports: frozenset[str] = frozenset()


@dataclass
class ModuleSummary:
    path: str  # real path
    version: int = SUMMARY_VERSION
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: frozenset[str] = frozenset()
    imports: dict[str, Imported] = field(default_factory=dict)
    raised: tuple[Raised, ...] = ()
    # Module-level names bound to client objects, client factories and client classes, and
    # clients a class stores on self (``"JiraRepo.jira"``: its methods set ``self.jira``).
    clients: dict[str, ClientMade] = field(default_factory=dict)
    # Module-level objects of project classes (``service = Service()``): the class, so that a
    # file importing the object reaches its methods and the clients it holds.
    objects: dict[str, Target] = field(default_factory=dict)
    # The caller index's part (project/callers.py): who passes which client to what.
    callers: CallerFacts = field(default_factory=CallerFacts)
    # Not parsed yet (``ProjectContext.defer``): the file names nothing catalogued and no
    # source, so it can tell only what the project names its text imports tell; these are
    # those names. The run parses it only if one of them tells something
    # (project/reading.py); None for a summary of the parsed file.
    unread: tuple[Target, ...] | None = None

    def targets(self) -> set[Target]:
        return {call.target for function in self.functions.values() for call in function.calls
                if call.target is not None}


def imported_target(index: ModuleIndex, importer: Path, imported: Imported, rest: list[str]) -> Target | None:
    """Where ``<local>.<rest>`` leads when ``<local>`` is ``imported`` in ``importer``: the
    project file and the attribute path in it (a name, never the module itself). A module
    name is followed into its submodules as far as the rest allows (``import pkg`` then
    ``pkg.sub.fetch``: ``fetch`` in ``pkg/sub.py``); None outside the project."""
    if imported.name is None:
        module = imported.module
    else:
        found = index.resolve_from(importer, imported.module, imported.name, imported.level)
        if found is None:
            return None
        file, attribute = found
        if attribute is not None:
            return Target(str(file), ".".join([attribute, *rest]))
        module = f"{imported.module}.{imported.name}" if imported.module else imported.name
    # A module: the longest prefix of the rest that is a submodule, then the attribute.
    for cut in range(len(rest) - 1, -1, -1):
        candidate = ".".join([module, *rest[:cut]]) if module else ".".join(rest[:cut])
        file = index.resolve_module(importer, candidate, imported.level)
        if file is not None:
            return Target(str(file), ".".join(rest[cut:]))
    return None


# --------------------------------------------------------------------------- settling
Node = tuple[str, str]  # (real path, qualname)
Escape = tuple[Place, str]  # (where the failing call is, the class that escapes)


@dataclass(frozen=True)
class Settled:
    """A project function as its callers in other files see it."""

    path: str
    qualname: str
    is_async: bool
    parameters: tuple[str, ...]
    escapes: tuple[tuple[Raised, str], ...]  # (the failing call, the class), in a stable order
    returns: tuple[Returned, ...]
    role: str | None = None
    responses: tuple[ReturnedResponse, ...] = ()
    graphql: tuple[ReturnedGraphql, ...] = ()


class Project:
    """Every summary of a run's projects, and the answers they give once settled."""

    def __init__(self, summaries: Mapping[str, ModuleSummary], index_for: "IndexFor") -> None:
        self.summaries = dict(summaries)
        self.index_for = index_for
        self._resolved: dict[Target, Node | None] = {}
        self._reexported: dict[Target, Target | None] = {}
        self._escapes: dict[Node, set[tuple[int, str, str]]] | None = None  # (raised index, class, origin path)
        self._callers: "CallerIndex | None" = None
        self._told: dict[tuple[Target, frozenset[str], frozenset[str]], bool] = {}

    # ------------------------------------------------------------ names
    def resolve(self, target: Target) -> Node | None:
        """The function a target names, following re-exports; None when it is not a
        function or method of a summarised project file."""
        if target not in self._resolved:
            self._resolved[target] = self._follow(target.path, target.name)
        return self._resolved[target]

    def _follow(self, path: str, name: str) -> Node | None:
        return self._defined(Target(path, name),
                             lambda summary, name: (summary.path, name) if name in summary.functions else None)

    def _defined(self, target: Target, found: Callable[[ModuleSummary, str], T | None]) -> T | None:
        """What ``found`` answers for the module where a name really lives, following
        re-exports at most ``MAX_REEXPORT_HOPS`` modules (a loop ends there too)."""
        for _ in range(MAX_REEXPORT_HOPS):
            summary = self.summaries.get(target.path)
            if summary is None or not target.name:
                return None
            answer = found(summary, target.name)
            if answer is not None:
                return answer
            if target in self._reexported:  # asked for every call of every summary: once each
                following = self._reexported[target]
            else:
                following = self._reexported[target] = self.reexport(summary, target, self.index_for)
            if following is None:
                return None
            target = following
        return None

    @staticmethod
    def reexport(summary: ModuleSummary, target: Target, index_for: "IndexFor") -> Target | None:
        """Where a name of ``summary``'s module really lives when the module imported it
        (``from .weather import get_forecast`` in a package ``__init__``); None when the
        name is the module's own or unknown."""
        head, _, rest = target.name.partition(".")
        if not head or head in summary.classes or target.name in summary.functions:
            return None
        made = summary.objects.get(head)
        if made is not None:  # a method of the object's class, or a client it holds
            return Target(made.path, f"{made.name}.{rest}") if rest else None
        imported = summary.imports.get(head)
        if imported is None:
            return None
        importer = Path(summary.path)
        index = index_for(importer)
        if index is None:
            return None
        return imported_target(index, importer, imported, rest.split(".") if rest else [])

    def client(self, target: Target) -> ClientMade | None:
        """The client object, factory or class a name of another file is, following
        re-exports (``from .http import session`` in a package ``__init__``)."""
        return self._defined(target, lambda summary, name: summary.clients.get(name))

    def _names_client(self, target: Target) -> bool:
        """Does a name used in another file start with a client of this one (``session.get``,
        or ``JiraRepo.jira.search_issues``: a client an object of the class holds)?"""
        parts = target.name.split(".")
        return any(self.client(Target(target.path, ".".join(parts[:cut]))) is not None
                   for cut in range(1, min(len(parts), 3) + 1) if parts[0])

    # ------------------------------------------------------------ escapes
    def escapes(self, node: Node) -> set[tuple[int, str, str]]:
        if self._escapes is None:
            self._escapes = self._settle()
        return self._escapes.get(node, set())

    def _settle(self) -> dict[Node, set[tuple[int, str, str]]]:
        """Per function: (raised index, class, file of the raised call) escaping it, through
        every project function it calls. A worklist: each node is revisited only when a
        callee's set grew, so a 500-module chain costs 500 small steps."""
        found: dict[Node, set[tuple[int, str, str]]] = {}
        callers: dict[Node, list[tuple[Node, frozenset[str] | None]]] = {}
        for path in sorted(self.summaries):
            summary = self.summaries[path]
            for qualname, function in summary.functions.items():
                node = (path, qualname)
                found[node] = {(index, error, path) for index, error in function.raises}
                for call in function.calls:
                    callee: Node | None
                    if call.local is not None:
                        callee = (path, call.local) if call.local in summary.functions else None
                    else:
                        assert call.target is not None
                        callee = self.resolve(call.target)
                    if callee is not None and (call.awaited or not self._is_async(callee)):
                        callers.setdefault(callee, []).append((node, call.passes))
        pending = deque(node for node in found if found[node])
        while pending:
            callee = pending.popleft()
            reached = found.get(callee, set())
            for caller, passes in callers.get(callee, ()):
                out = found.setdefault(caller, set())
                before = len(out)
                out.update(item for item in reached if passes is None or item[1] in passes)
                if len(out) != before:
                    pending.append(caller)
        return found

    def _is_async(self, node: Node) -> bool:
        return self.summaries[node[0]].functions[node[1]].is_async

    def settled(self, target: Target) -> Settled | None:
        node = self.resolve(target)
        if node is None:
            return None
        path, qualname = node
        function = self.summaries[path].functions[qualname]
        escapes = sorted(((self.summaries[origin].raised[index], error)
                          for index, error, origin in self.escapes(node)),
                         key=lambda item: (item[0].place.path, item[0].place.line, item[0].place.column, item[1]))
        return Settled(path, qualname, function.is_async, function.parameters, tuple(escapes), function.returns,
                       function.role, function.responses, function.graphql)

    def tells(self, target: Target, wants: frozenset[str], argument_kinds: frozenset[str] = frozenset()) -> bool:
        """Does calling this name tell the caller something its checks read (``wants``:
        "escapes" and origin kinds, from the checks' ``project_reads``)? An empty name
        stands for the whole module (``import weather`` seen by a text scan). Asked for every
        call of every summary, and for the names of every file left unread: once each."""
        key = (target, wants, argument_kinds)
        known = self._told.get(key)
        if known is None:
            known = self._told[key] = self._tells(target, wants, argument_kinds)
        return known

    def _tells(self, target: Target, wants: frozenset[str], argument_kinds: frozenset[str]) -> bool:
        if not target.name:
            summary = self.summaries.get(target.path)
            # Its own functions, and the names it re-exports (a package's __init__).
            return summary is not None and any(self.tells(Target(target.path, name), wants)
                                               for name in sorted({*summary.functions, *summary.imports,
                                                                   *summary.clients}))
        if "clients" in wants and self._names_client(target):
            return True
        owner = self._class_of(target) if "." not in target.name else None
        if owner is not None:  # a class or an object of one: what its methods and clients tell
            return self._class_tells(owner, wants)
        summary = self.summaries.get(target.path)
        if "." not in target.name and summary is not None and target.name not in summary.functions:
            # An object a factory makes of one of several classes: its summarised methods.
            prefix = target.name + "."
            if any(self.tells(Target(target.path, qualname), wants) for qualname in sorted(summary.functions)
                   if qualname.startswith(prefix) and "." not in qualname[len(prefix):]):
                return True
        settled = self.settled(target)
        if settled is None:
            return False
        if settled.escapes and "escapes" in wants:
            return True
        if settled.responses and "responses" in wants:
            return True
        if settled.graphql and "graphql" in wants:
            return True
        return any(returned.kind in wants if returned.kind != "parameter" else bool(argument_kinds & wants)
                   for returned in settled.returns)

    def _class_of(self, target: Target) -> Target | None:
        """The project class a name is, or the class of the module-level object it is
        (``service = Service()``), following re-exports."""
        def found(summary: ModuleSummary, name: str) -> Target | None:
            return Target(summary.path, name) if name in summary.classes else summary.objects.get(name)

        first = self._defined(target, found)
        if first is None or first.name in getattr(self.summaries.get(first.path), "classes", ()):
            return first
        # An object: its class lives where the object's module imported it from.
        return self._defined(first, lambda summary, name: Target(summary.path, name)
                             if name in summary.classes else None)

    def _class_tells(self, owner: Target, wants: frozenset[str]) -> bool:
        summary = self.summaries[owner.path]
        prefix = owner.name + "."
        if "clients" in wants and any(name.startswith(prefix) for name in summary.clients):
            return True
        return any(self.tells(Target(owner.path, qualname), wants) for qualname in sorted(summary.functions)
                   if qualname.startswith(prefix) and "." not in qualname[len(prefix):])

    def matters(self, summary: ModuleSummary, wants: frozenset[str]) -> bool:
        """Could the project change this file's findings? Only when it calls a project
        function with something to tell that one of its checks reads, or when its callers
        pass its functions' parameters clients."""
        if "clients" in wants and any(self._imports_client(summary, local) for local in sorted(summary.imports)):
            return True
        if "clients" in wants and self.typed_parameters(summary.path):
            return True
        return bool(wants) and any(self.tells(call.target, wants, call.argument_kinds)
                                   for qualname in sorted(summary.functions)
                                   for call in summary.functions[qualname].calls if call.target is not None)

    def _imports_client(self, summary: ModuleSummary, local: str) -> bool:
        """Is a module-level import of ``summary``'s file a client of another project file?"""
        found = self.reexport(summary, Target(summary.path, local), self.index_for)
        return found is not None and self.client(found) is not None


    # ------------------------------------------------------------ the caller index
    def typed_parameters(self, path: str) -> "Typed":
        """(function, parameter, client) for each parameter of a file's module-level
        functions that every caller in the project passes the same client (callers.py)."""
        if self._callers is None:
            from .callers import CallerIndex

            self._callers = CallerIndex(self)
        return self._callers.typed(path)


class IndexFor:
    """The module index of the project a file belongs to, one per project root."""

    def __init__(self, roots: Iterable[Path] = (), excluded=None) -> None:
        self._root_of = project_root_of
        self.extra_roots = tuple(roots)
        self.excluded = excluded
        self._indexes: dict[Path, ModuleIndex] = {}

    def __call__(self, path: Path) -> ModuleIndex | None:
        root = self._root_of(path)
        index = self._indexes.get(root)
        if index is None:
            extra = [folder for folder in self.extra_roots if folder == root or root in folder.parents]
            index = self._indexes[root] = ModuleIndex(root, extra, self.excluded)
        return index


@dataclass
class ProjectContext:
    """What one file's analysis knows of its project: the module index to name the
    project functions it calls, and (once summaries are settled) the project's answers.
    ``shown`` turns a real path into the path reports name it by."""

    index: ModuleIndex
    project: Project | None = None
    shown: Callable[[str], str] = str
    # What the run's checks read from summaries (their ``project_reads``): a summary holds
    # the network errors escaping each function only when "escapes" is among them.
    reads: frozenset[str] = frozenset({"escapes"})
    # Read for a summary only: a file that names nothing catalogued and no source but imports
    # its project is not parsed yet; its summary is a placeholder (``ModuleSummary.unread``).
    defer: bool = False

    def resolver_hook(self, importer: Path) -> "ImporterClients | None":
        """What the resolver of ``importer`` asks about its imports, once the project is settled."""
        return ImporterClients(self, importer) if self.project is not None else None

    def imported(self, importer: Path, module: str, name: str | None, level: int) -> Target | None:
        """The name ``from <module> import <name>`` brings into ``importer`` from another
        project file (None: a module, or outside the project). The one import lookup the
        client questions below share."""
        if name is None:
            return None
        found = self.index.resolve_from(importer, module, name, level)
        if found is None or found[1] is None:
            return None
        return Target(str(found[0]), found[1])

    def imported_client(self, importer: Path, module: str, name: str | None, level: int) -> ClientMade | None:
        """The client object, factory or class ``from <module> import <name>`` brings into
        ``importer`` from another project file, once the project is settled."""
        if self.project is None:
            return None
        found = self.imported(importer, module, name, level)
        return self.project.client(found) if found is not None else None

    def member_client(self, owner: Target, attribute: str) -> ClientMade | None:
        """The client an object of a project class holds as ``attribute`` (``self.jira =
        JIRA(...)`` in its methods); ``owner`` names the class or an imported object."""
        if self.project is None or not owner.name:
            return None
        return self.project.client(Target(owner.path, f"{owner.name}.{attribute}"))

    def parameter_clients(self, importer: Path) -> "Typed":
        """The parameters of ``importer``'s module-level functions its callers pass clients."""
        return self.project.typed_parameters(str(importer)) if self.project is not None else ()

    def module_client(self, importer: Path, module: str, attribute: str) -> ClientMade | None:
        """``http.session`` where ``http`` is a project module ``importer`` imported."""
        if self.project is None:
            return None
        file = self.index.resolve_module(importer, module, 0)
        return self.project.client(Target(str(file), attribute)) if file is not None else None


class ImporterClients:
    """The project's clients as one importing file asks for them (the resolver's hook).
    ``objects`` tells which project class an expression's object is of; the file's
    ``ProjectCalls`` fact sets it, as it tracks those objects."""

    def __init__(self, context: ProjectContext, importer: Path) -> None:
        self.context = context
        self.importer = importer
        self.objects: Callable[[object], Target | None] | None = None
        self._parameters: dict[tuple[str, str], ClientMade] | None = None

    def imported(self, module: str, name: str | None, level: int) -> ClientMade | None:
        return self.context.imported_client(self.importer, module, name, level)

    def attribute(self, module: str, attribute: str) -> ClientMade | None:
        return self.context.module_client(self.importer, module, attribute)

    def member(self, owner: object, attribute: str) -> ClientMade | None:
        """``repo.jira`` where ``repo`` holds an object of a project class that stores a client
        as ``jira``."""
        found = self.objects(owner) if self.objects is not None else None
        return self.context.member_client(found, attribute) if found is not None else None

    def parameter(self, function: str, name: str) -> ClientMade | None:
        """The client every caller passes as parameter ``name`` of the module-level
        ``function`` (the caller index), asked once per file."""
        if self._parameters is None:
            self._parameters = {(qualname, parameter): made for qualname, parameter, made
                                in self.context.parameter_clients(self.importer)}
        return self._parameters.get((function, name))
