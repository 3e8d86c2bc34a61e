"""What the network flow records about a module: call sites, functions, loops, spawned
targets, and where an escaping network error comes from and where it hurts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Union

import libcst as cst

from ..catalog import Spawner
from ..project.summaries import Settled, Target
from ..resolve import dotted_name
from .handlers import Clause
from .network import NetworkCall

MODULE = "<module>"
MAIN_GUARD = "<main>"


@dataclass
class Loop:
    """A ``for`` loop over many items (not ``range(3)``), and the names that hold one item."""

    node: Union[cst.For, cst.CompFor, cst.While]
    names: set[str]
    description: str
    # What an error escaping it does (AL201's message).
    effect: str = ", stopping it: one failed item skips all the remaining ones"
    # Statements after which the loop always ends (``call(); break``, ``return call()``):
    # a call there runs for one item at most, as in a lookup loop, and cuts nothing short.
    exits: frozenset[int] = frozenset()


@dataclass
class Site:
    """A call that can let a network error out: a network call, a call of a same-module
    function (resolved after the walk), or a call of another project file's function
    (``target``; ``external`` once the project's summaries say what escapes it)."""

    node: cst.Call
    statement: cst.CSTNode | None
    function: str
    clauses: tuple[Clause, ...]  # innermost first, this function's only
    loop: Loop | None
    network: NetworkCall | None = None
    callee: str | None = None
    # Inside an ``await`` (or an ``async with`` item): a coroutine fails here, not later.
    awaited: bool = False
    # ``session.get(url)`` on an unannotated parameter: (parameter, call), typed after the walk.
    parameter: str | None = None
    # For calls of same-module functions: per argument (position or keyword), the client
    # type it carries, or ("param", qualname, name) for a parameter of the caller.
    arguments: dict[object, object] = field(default_factory=dict)
    target: Target | None = None
    external: Settled | None = None
    # Inside an except clause's ``try`` in a retry loop of its function (``for attempt in
    # range(3)``, a ``while``): a clause narrower than the errors lets them out at the
    # first attempt, and the retry never happens.
    retrying: bool = False
    # The ``while`` loop over pages or steps whose step the call's arguments mention.
    paging: Loop | None = None

    @property
    def raises(self) -> tuple[str, ...]:
        """The classes this call raises itself (a network call, or another file's function
        whose errors escape it); () for a same-module call, whose errors come through
        ``escapes``."""
        if self.network is not None:
            return self.network.errors
        if self.external is not None:
            return tuple(sorted({error for _, error in self.external.escapes}))
        return ()


@dataclass
class FunctionInfo:
    qualname: str
    node: cst.FunctionDef
    name: str
    class_name: str | None
    class_bases: tuple[str, ...]
    decorators: tuple[str, ...]
    first_parameter: str | None
    nested: bool
    # Positional parameters (``self`` left out) and those annotated with a client type.
    params: tuple[str, ...] = ()
    annotated: dict[str, str] = field(default_factory=dict)


@dataclass
class SpawnedTarget:
    spawner: Spawner
    target: str


@dataclass
class Origin:
    """Where a network error comes from, and the classes it can be."""

    site: Site
    errors: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    """A place where an escaping error hurts: an entry point, the ``__main__`` block, a
    thread or task target."""

    function: str
    where: str
    effect: str
    # Exception classes a framework error handler registered in the module handles here.
    handled: tuple[str, ...] = ()
    # A one-shot command (``main``, the ``__main__`` block): ending it with a traceback is
    # an honest failure, unless a loop over work items is cut short.
    one_shot: bool = False


Escape = tuple[int, str]  # (origin index, exception class)


def failing_elsewhere(func: cst.BaseExpression, settled: Settled, shown: Callable[[str], str],
                      errors: Iterable[str] | None = None) -> tuple[str, list[tuple[object, str]]]:
    """How a finding names a call of another project file's function whose network calls
    fail (those raising one of ``errors``, else all): the call as messages spell it
    ("`get_current()` (it calls `requests.get()` in services/weather.py)") and each failing
    call as a related location in that file."""
    wanted = None if errors is None else set(errors)
    raised = list(dict.fromkeys(item for item, error in settled.escapes if wanted is None or error in wanted))
    spelled = _spelled_callee(func)
    if raised and not raised[0].translates:
        call = f"`{spelled}()` (it calls {raised[0].label} in {shown(raised[0].place.path)})"
    else:  # its own exception: the message says what it raises, and when
        call = f"`{spelled}()`"
    return call, [(item.place, f"`{spelled}()` raises {item.errors[0]} here when {item.translates} fails"
                   if item.translates else f"{item.label} can fail here") for item in raised]


def _spelled_callee(func: cst.BaseExpression) -> str:
    """``a.b`` as written, and ``Client(...).fetch`` for a method of an object made in place."""
    parts = dotted_name(func)
    if parts:
        return ".".join(parts)
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
        maker = dotted_name(func.value.func)
        if maker:
            return f"{'.'.join(maker)}(...).{func.attr.value}"
    return "the call"
