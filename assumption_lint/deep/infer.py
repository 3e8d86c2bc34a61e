"""One file's deep answers: which catalogued client object a name, attribute or call holds.

The resolver asks ``DeepFile.instance(scope, spelled, called)`` with the qualified name of
the scope it is in (``Api.fetch``), the expression as a dotted name (``self.session``) and
whether it is called (``make_client()``). The answer comes from every occurrence of that
spelling in that scope of astroid's tree of the same text: all of them must hold the same
client type, else the answer is None (unresolved means silent).

How a value is followed, in order, at most ``MAX_DEPTH`` steps:
- a call whose callee is qualified by the imports in scope (``requests.Session()``,
  ``httpx.Client(...)``): the catalogued constructor, whether or not the package is installed;
- otherwise astroid's inference: an instance of a class that is, or extends, a catalogued
  client class (an installed package's factory or module-level object: its classes are
  matched to the catalog's names through the package's own re-exports), a function
  (decorated or not, in the project or an installed package) whose returns are followed,
  a class extending a client (its constructor call);
- where inference gives up (the package is not installed): the assignments that define a
  name, or the ``self.<attr>`` assignments of the instance's class and its bases;
- ``super()`` in a method: the class's bases.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

import astroid
from astroid import bases, nodes, util
from astroid.exceptions import AstroidError

import libcst as cst

from ..catalog import Catalog, ClientEntry
from ..project.summaries import Place
from . import DEEP_SECONDS, MAX_QUESTIONS
from .guard import no_imports

MAX_DEPTH = 4  # steps from an expression to the constructor call
MAX_VALUES = 8  # inferred values per expression
MAX_CONSTRUCTOR_TEXT = 2000
_NOT_CLIENT = object()  # a value that is known and is not a client object


@dataclass(frozen=True)
class Made:
    """A client object as deep found it: its catalog entry and constructor, where it is made."""

    client: ClientEntry
    constructor: str  # the catalog's name for it
    code: str  # the constructor call as written ("" when only the class is known)
    place: Place | None
    injected: bool  # may set a timeout alint cannot see (a class or module that mounts or hooks one)
    project: bool  # made in a project file, not in an installed package


def _manager() -> Any:
    manager = astroid.MANAGER
    # No extension module is ever loaded, and no brain may import a module to answer.
    if not getattr(manager.ast_from_file, "bounded", False):
        manager.ast_from_file = _bounded(manager.ast_from_file)
    manager.always_load_extensions = False
    manager.extension_package_whitelist = set()
    hooks = getattr(manager, "_failed_import_hooks", None)
    if isinstance(hooks, list):
        hooks[:] = [hook for hook in hooks if getattr(hook, "__module__", "").endswith("brain_six")
                    and hook is not _project_module]
        hooks.append(_project_module)
    return manager


_CURRENT: list[str] = []  # the file whose questions are being answered (the project hook reads it)
_DEADLINE: list[float] = []  # process time after which astroid builds no more modules for this question


def _bounded(build: Callable[..., Any]) -> Callable[..., Any]:
    """astroid's ``ast_from_file``, refusing to build another module once the file's inference
    time is spent: one question can otherwise read a whole import graph."""
    from astroid.exceptions import AstroidBuildingError

    def ast_from_file(filepath: str, *args: Any, **kwargs: Any) -> Any:
        if _DEADLINE and time.process_time() > _DEADLINE[0] and filepath not in astroid.MANAGER.astroid_cache:
            raise AstroidBuildingError("--deep: the file's inference time is spent", modname=filepath)
        return build(filepath, *args, **kwargs)

    ast_from_file.bounded = True  # type: ignore[attr-defined]
    return ast_from_file


def _project_module(modname: str) -> nodes.Module:
    """astroid's failed-import hook: a module of the analysed file's project, found from the
    file's own folder, the project root and its ``src`` (read from source, never imported).
    alint adds nothing to ``sys.path``."""
    from astroid.exceptions import AstroidBuildingError

    from ..project.modules import project_root_of

    if not _CURRENT:
        raise AstroidBuildingError(modname=modname)
    importer = Path(_CURRENT[-1])
    root = project_root_of(importer)
    parts = modname.split(".")
    for folder in dict.fromkeys([importer.parent, root, root / "src"]):
        base = folder.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file() and _inside(candidate, root):
                return astroid.MANAGER.ast_from_file(str(candidate), modname, fallback=False)
    raise AstroidBuildingError(modname=modname)


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True


def _forget_project_modules(manager: Any) -> None:
    """astroid caches modules by name: a project's ``utils`` must not answer for another
    folder's ``utils``. Modules read from outside the installed packages and the standard
    library are dropped before each file."""
    trusted = [os.path.realpath(entry) for entry in sys.path if entry and os.path.isdir(entry)
               and os.path.realpath(entry) != os.path.realpath(os.getcwd())]
    for name, module in list(manager.astroid_cache.items()):
        file = getattr(module, "file", None)
        if file and not any(os.path.realpath(file).startswith(entry + os.sep) for entry in trusted):
            del manager.astroid_cache[name]


def module_name(path: str) -> str:
    """The dotted name a file has in its package (``app.services.weather``), from the
    ``__init__.py`` files above it."""
    file = Path(path)
    parts = [] if file.stem == "__init__" else [file.stem]
    folder = file.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(part for part in parts if part.isidentifier()) or "__deep__"


def dotted(node: nodes.NodeNG) -> str | None:
    parts: list[str] = []
    while isinstance(node, nodes.Attribute):
        parts.append(node.attrname)
        node = node.expr
    if isinstance(node, nodes.Name):
        parts.append(node.name)
        return ".".join(reversed(parts))
    return None


def _scope_name(node: nodes.NodeNG) -> str:
    frame = node.frame()
    names: list[str] = []
    while not isinstance(frame, nodes.Module):
        names.append("<lambda>" if isinstance(frame, nodes.Lambda) else frame.name)
        frame = frame.parent.frame()
    return ".".join(reversed(names))


class DeepFile:
    """astroid's view of one file, asked only about what the resolver could not resolve."""

    _canonical: dict[str, dict[str, str]] = {}  # per package root: astroid qname -> catalog name
    _texts: dict[str, str] = {}

    def __init__(self, text: str, path: str, catalog: Catalog,
                 on_crash: Callable[[BaseException], None] | None = None) -> None:
        self.text = text
        self.path = path
        self.catalog = catalog
        self.on_crash = on_crash
        self._module: nodes.Module | None = None
        self._index: dict[tuple[str, str, bool], list[nodes.NodeNG]] | None = None
        self._answers: dict[tuple[str, ...], object] = {}
        self._off = False
        self._spent = 0.0
        self.questions = 0

    # ------------------------------------------------------------------ the question
    def instance(self, scope: str, spelled: str, called: bool) -> Made | None:
        key = (scope, spelled, called)
        return self._ask(key, lambda: self._answer(key))  # type: ignore[return-value]

    def module(self, scope: str, spelled: str, called: bool) -> str | None:
        """The module an expression holds: ``_require_requests()`` returning ``requests``
        (an import inside a helper), ``http = load()``. Asked like ``instance``."""
        def answer() -> str | None:
            found = self.index().get((scope, spelled, called)) or []
            names = {None if self._standard(node) else self._module_of(node, 0) for node in found}
            return names.pop() if len(names) == 1 else None
        return self._ask(("\0module", scope, spelled, called), answer)  # type: ignore[return-value]

    def _ask(self, key: tuple[str, ...], compute: Callable[[], object]) -> object:
        """One question to astroid, answered once per key, within the file's question and
        time budgets; an astroid failure turns the file's deep inference off (AL002)."""
        if key in self._answers:
            return self._answers[key]
        answer = None
        if not self._off and self.questions < MAX_QUESTIONS and self._spent < DEEP_SECONDS:
            self.questions += 1
            self.index()  # building astroid's tree is bounded by the size limit, not the time limit
            start = time.process_time()
            _DEADLINE[:] = [start + DEEP_SECONDS - self._spent]
            _CURRENT.append(self.path)
            try:
                with no_imports():
                    answer = compute()
            except (AstroidError, RecursionError, ImportError, StopIteration, OSError, SyntaxError, ValueError):
                answer = None  # astroid could not tell: unresolved
            except Exception as exc:  # astroid itself failed: AL002 for the file, then no more questions
                self._off = True
                if self.on_crash is not None:
                    self.on_crash(exc)
            finally:
                _CURRENT.pop()
            self._spent += time.process_time() - start
        self._answers[key] = answer
        return answer

    def _module_of(self, node: nodes.NodeNG, depth: int) -> str | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, nodes.Call):
            callees = list(islice(self._infer(node.func), MAX_VALUES + 1))
            if not callees or len(callees) > MAX_VALUES or not all(isinstance(c, nodes.FunctionDef) for c in callees):
                return None
            names = set()
            for callee in callees:
                returns = [item.value for item in callee.nodes_of_class(
                    nodes.Return, skip_klass=(nodes.FunctionDef, nodes.ClassDef, nodes.Lambda))]
                if not returns or any(value is None for value in returns):
                    return None
                names.update(self._module_of(value, depth + 1) for value in returns)
            return names.pop() if len(names) == 1 else None
        if isinstance(node, nodes.Name):
            _, assigned = node.lookup(node.name)
            if len(assigned) == 1 and isinstance(assigned[0], nodes.Import):
                for name, alias in assigned[0].names:
                    if alias == node.name or (alias is None and name == node.name):
                        return name
                return None
            values = [_assigned_value(item) for item in assigned]
            if not values or any(value is None for value in values):
                return None
            names = {self._module_of(value, depth + 1) for value in values}  # type: ignore[arg-type]
            return names.pop() if len(names) == 1 else None
        return None

    def _answer(self, key: tuple[str, str, bool]) -> Made | None:
        found = self.index().get(key)
        if not found:
            return None
        made: list[Made] = []
        for node in found:
            if self._standard(node):
                return None
            answers = self._made(node, 0)
            if not answers:
                return None
            made.extend(answers)
        return _one(made)

    def index(self) -> dict[tuple[str, str, bool], list[nodes.NodeNG]]:
        if self._index is None:
            self._index = {}
            try:
                module = self._build()
            except Exception:  # the running Python cannot parse it (libcst could): no answers
                return self._index
            for node in module.nodes_of_class((nodes.Name, nodes.Attribute, nodes.Call)):
                if isinstance(node, nodes.Call):
                    spelled = dotted(node.func)
                    called = True
                else:
                    spelled = dotted(node)
                    called = False
                if spelled is not None:
                    self._index.setdefault((_scope_name(node), spelled, called), []).append(node)
        return self._index

    def _build(self) -> nodes.Module:
        if self._module is None:
            manager = _manager()
            _forget_project_modules(manager)
            _CURRENT.append(self.path)  # astroid's transforms may look imports up while it builds
            try:
                with no_imports():
                    builder = astroid.builder.AstroidBuilder(manager)
                    self._module = builder.string_build(self.text, module_name(self.path), self.path)
            finally:
                _CURRENT.pop()
        return self._module

    # ------------------------------------------------------------------ following values
    def _made(self, node: nodes.NodeNG, depth: int) -> list[Made] | None:
        """The client objects ``node`` may evaluate to; None when any value is unknown or no client."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, nodes.Call):
            return self._called(node, depth)
        values = list(islice(self._infer(node), MAX_VALUES + 1))
        if not values or len(values) > MAX_VALUES:
            return None
        if any(value is util.Uninferable for value in values):
            return self._defined(node, depth)
        made: list[Made] = []
        for value in values:
            found = self._of_value(value, None)
            if found is None:
                return None
            made.append(found)
        return made

    def _infer(self, node: nodes.NodeNG) -> Iterator[Any]:
        try:
            yield from node.infer()
        except AstroidError:
            yield util.Uninferable

    def _of_value(self, value: Any, call: nodes.Call | None) -> Made | None:
        """An inferred value as a client object: an instance of a catalogued class (or a subclass)."""
        if isinstance(value, bases.Instance) and isinstance(getattr(value, "_proxied", None), nodes.ClassDef) \
                and not isinstance(value, (nodes.Const, bases.BoundMethod)):
            return self._of_class(value._proxied, call)
        return None

    def _of_class(self, klass: nodes.ClassDef, call: nodes.Call | None) -> Made | None:
        name = self._class_client(klass)
        if name is None:
            return None
        client = self.catalog.client(name)
        if client is None or client.type == "*" or client.requires is not None or client.excludes:
            return None
        code = call.as_string() if call is not None else ""
        place = _place(call if call is not None else klass)
        injected = call is None or self._may_inject(klass, client) or self._module_injects(call, client)
        return Made(client, name, code, place, injected, _in_project(place))

    def _class_client(self, klass: nodes.ClassDef) -> str | None:
        """The catalog's name of the client class ``klass`` is or extends."""
        try:
            chain = [klass, *islice(klass.ancestors(), 50)]
        except AstroidError:
            chain = [klass]
        for current in chain:
            name = self._catalog_name(current.qname())
            if name is not None:
                return name
            for base in current.bases:  # a base astroid cannot infer (its package is not installed)
                qualified = self._qualified(base)
                if qualified is not None and self.catalog.client(qualified) is not None:
                    return qualified
        return None

    def _catalog_name(self, qname: str) -> str | None:
        if self.catalog.client(qname) is not None:
            return qname
        root = qname.partition(".")[0]
        if root not in self._canonical:
            self._canonical[root] = self._canonical_names(root)
        return self._canonical[root].get(qname)

    def _canonical_names(self, root: str) -> dict[str, str]:
        """For an installed package: the class each catalogued client name re-exports
        (``requests.Session`` is ``requests.sessions.Session``)."""
        found: dict[str, str] = {}
        for pattern in self.catalog.clients:
            if "*" in pattern or pattern.partition(".")[0] != root:
                continue
            module_name_, _, attribute = pattern.rpartition(".")
            try:
                module = astroid.MANAGER.ast_from_module_name(module_name_)
                for value in islice(module.igetattr(attribute), 3):
                    if isinstance(value, nodes.ClassDef):
                        found.setdefault(value.qname(), pattern)
            except (AstroidError, ImportError, RecursionError):
                continue
        return found

    def _called(self, call: nodes.Call, depth: int) -> list[Made] | None:
        func = call.func
        if isinstance(func, nodes.Name) and func.name == "super":
            return self._super(call)
        qualified = self._qualified(func)
        if qualified is not None:
            client = self.catalog.client(qualified)
            if client is not None:
                if client.type == "*" or client.requires is not None or client.excludes:
                    return None
                place = _place(call)
                return [Made(client, qualified, call.as_string(), place, self._module_injects(call, client),
                             _in_project(place))]
        callees = list(islice(self._infer(func), MAX_VALUES + 1))
        if not callees or len(callees) > MAX_VALUES or any(value is util.Uninferable for value in callees):
            return None
        made: list[Made] = []
        for callee in callees:
            if isinstance(callee, nodes.ClassDef):
                found = self._of_class(callee, call)
                if found is None:
                    return None
                made.append(found)
            elif isinstance(callee, (nodes.FunctionDef, bases.BoundMethod, bases.UnboundMethod)):
                function = callee._proxied if isinstance(callee, (bases.BoundMethod, bases.UnboundMethod)) else callee
                returns = [item.value for item in function.nodes_of_class(
                    nodes.Return, skip_klass=(nodes.FunctionDef, nodes.ClassDef, nodes.Lambda))]
                if not returns or any(value is None for value in returns):
                    return None
                for value in returns:
                    inner = self._made(value, depth + 1)
                    if inner is None:
                        return None
                    made.extend(inner)
            else:
                return None
        return made

    def _super(self, call: nodes.Call) -> list[Made] | None:
        """``super()`` in a method: the object is one of the class's client bases."""
        frame = call.frame()
        klass = frame.parent.frame() if isinstance(frame, nodes.FunctionDef) else None
        if not isinstance(klass, nodes.ClassDef) or call.args:
            return None
        for base in klass.bases:
            qualified = self._qualified(base)
            inferred = [value for value in islice(self._infer(base), 2) if isinstance(value, nodes.ClassDef)]
            name = qualified if qualified and self.catalog.client(qualified) else (
                self._class_client(inferred[0]) if inferred else None)
            if name is not None:
                found = self._of_class(inferred[0], None) if inferred else None
                if found is None:
                    client = self.catalog.client(name)
                    if client is None or client.type == "*" or client.requires is not None or client.excludes:
                        return None
                    found = Made(client, name, "", _place(klass), True, True)
                return [found]
        return None

    def _defined(self, node: nodes.NodeNG, depth: int) -> list[Made] | None:
        """Where inference gave up: the values assigned to a name, or to ``self.<attr>`` in
        the instance's class and its bases."""
        values: list[nodes.NodeNG] = []
        if isinstance(node, nodes.Name):
            _, assigned = node.lookup(node.name)
            for item in assigned:
                value = _assigned_value(item)
                if value is None:
                    return None
                values.append(value)
        elif isinstance(node, nodes.Attribute):
            owners = [value for value in islice(self._infer(node.expr), MAX_VALUES + 1)]
            if len(owners) != 1 or not isinstance(owners[0], bases.Instance) or not isinstance(
                    getattr(owners[0], "_proxied", None), nodes.ClassDef):
                return None
            klass = owners[0]._proxied
            try:
                assigned = klass.instance_attr(node.attrname)
            except AstroidError:
                try:
                    assigned = klass.getattr(node.attrname)
                except AstroidError:
                    return None
            for item in assigned:
                value = _assigned_value(item)
                if value is None:
                    return None
                values.append(value)
        else:
            return None
        made: list[Made] = []
        for value in values:
            if isinstance(value, nodes.Const) and value.value is None:
                continue  # `self.session = None` until it is set
            inner = self._made(value, depth + 1)
            if inner is None:
                return None
            made.extend(inner)
        return made or None

    def _standard(self, node: nodes.NodeNG) -> bool:
        """``os.environ``, ``subprocess.run()``: a name imported from the standard library.
        Its objects are not third-party clients, and the catalogued ones (``socket``,
        ``http.client``) the resolver already knows; astroid would read whole modules to say so."""
        qualified = self._qualified(node.func if isinstance(node, nodes.Call) else node)
        return qualified is not None and qualified.partition(".")[0] in sys.stdlib_module_names

    def _qualified(self, node: nodes.NodeNG) -> str | None:
        """A dotted expression's qualified name through the imports of its scope, without
        importing or reading the imported module."""
        spelled = dotted(node)
        if spelled is None:
            return None
        head, _, rest = spelled.partition(".")
        name = node
        while isinstance(name, nodes.Attribute):
            name = name.expr
        try:
            _, assigned = name.lookup(head)
        except AstroidError:
            return None
        if len(assigned) != 1:
            return None
        statement = assigned[0]
        real = None
        if isinstance(statement, nodes.Import):
            for name, alias in statement.names:
                if alias == head:
                    real = name
                elif alias is None and name.partition(".")[0] == head:
                    real = head
        elif isinstance(statement, nodes.ImportFrom):
            for name, alias in statement.names:
                if (alias or name) == head:
                    module = statement.modname
                    if statement.level:
                        try:
                            module = statement.root().relative_to_absolute_name(module, statement.level)
                        except (AstroidError, ValueError, TypeError):
                            return None
                    real = f"{module}.{name}" if module else name
        if real is None:
            return None
        return f"{real}.{rest}" if rest else real

    # ------------------------------------------------------------------ timeouts set elsewhere
    def _may_inject(self, klass: nodes.ClassDef, client: ClientEntry) -> bool:
        """A class of the chain that mentions a timeout may set one on every request."""
        try:
            chain = [klass, *islice(klass.ancestors(), 50)]
        except AstroidError:
            chain = [klass]
        for current in chain:
            if current.qname() == client.type or self._catalog_name(current.qname()) is not None:
                break
            text = _source_of(current)
            if "timeout" in text.lower():
                return True
        return False

    def _module_injects(self, call: nodes.Call | None, client: ClientEntry) -> bool:
        """The module that builds the object mounts an adapter, replaces a hook or calls a
        timeout setter somewhere: the object may carry a timeout the constructor does not show."""
        if call is None:
            return True
        text = _file_text(call.root())
        words = [client.mount_method, *client.timeout_setters, *client.timeout_hooks]
        return any(f".{word}(" in text or f".{word} =" in text for word in words if word)


def _one(made: list[Made]) -> Made | None:
    """One client type for every value; several constructors make it one whose timeout is unknown."""
    if not made or len({item.client.type for item in made}) != 1:
        return None
    first = made[0]
    if len({(item.code, item.place) for item in made}) == 1:
        return first
    return Made(first.client, first.constructor, first.code, first.place, True, first.project)


def _assigned_value(item: nodes.NodeNG) -> nodes.NodeNG | None:
    parent = item.parent
    if isinstance(item, (nodes.AssignName, nodes.AssignAttr)) and isinstance(parent, (nodes.Assign, nodes.AnnAssign)):
        if isinstance(parent, nodes.Assign) and any(not isinstance(target, (nodes.AssignName, nodes.AssignAttr))
                                                    for target in parent.targets):
            return None  # unpacking: which part is which is not followed
        return parent.value
    return None


def _place(node: nodes.NodeNG) -> Place | None:
    file = node.root().file
    if not file or node.lineno is None:
        return None
    return Place(os.path.realpath(file), node.lineno, (node.col_offset or 0) + 1)


def _in_project(place: Place | None) -> bool:
    return place is not None and not any(part in ("site-packages", "dist-packages") for part in Path(place.path).parts)


def _source_of(node: nodes.NodeNG) -> str:
    try:
        return node.as_string()
    except Exception:  # pragma: no cover - astroid's printer on odd nodes
        return "timeout"


def _file_text(module: nodes.Module) -> str:
    file = module.file or ""
    if file not in DeepFile._texts:
        try:
            DeepFile._texts[file] = Path(file).read_text(encoding="utf-8", errors="replace") if file else ""
        except OSError:
            DeepFile._texts[file] = module.as_string()
    return DeepFile._texts[file]


def constructor_call(made: Made) -> cst.Call:
    """The constructor call as a libcst node (read again from its text), or a bare call of the
    client class when only the class is known."""
    if made.code and len(made.code) <= MAX_CONSTRUCTOR_TEXT:
        try:
            call = cst.parse_expression(made.code)
        except Exception:  # libcst's parser on text astroid printed
            call = None
        if isinstance(call, cst.Call):
            return call
    return cst.Call(func=cst.parse_expression(made.constructor))
