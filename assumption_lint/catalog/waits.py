"""Waits, programs, deadlines and worker entry points for AL303-AL305
(subprocess.toml, concurrency.toml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from .schema import copy_fields, CatalogError, _check_keys, _expect, _str_list

if TYPE_CHECKING:
    from . import Catalog


# Kinds of API entries that wait on something local to the program (a child process, a
# queue, a lock, a peer task) rather than being a network call themselves.
WAIT_KINDS = ("subprocess", "async-wait", "blocking-wait")
COMMAND_ROLES = ("network", "shell", "interpreter", "wrapper", "bounded", "instant", "server")


@dataclass(frozen=True)
class WaitSpec:
    """How a call that waits (on a child process, a queue, a lock, a task, a peer) is bounded:
    its own timeout argument, a bound set on the object it is called on, or nothing at all."""

    # None: the call takes no timeout at all (asyncio.Queue.get); only a deadline around it helps.
    keyword: str | None
    position: int | None
    # Source spellings that still mean "wait forever" when passed (None; Lock.acquire's -1).
    unbounded_values: tuple[str, ...]
    # An argument that makes the call return at once instead of waiting (Queue.get(block=False)).
    nonblocking_keyword: str | None
    nonblocking_position: int | None
    # Keywords of the object's constructor that bound this call (ws_connect(receive_timeout=)).
    client_keywords: tuple[str, ...]
    # What happens when the timeout expires: the message names what the caller must check.
    on_timeout: str
    fix: str
    # A queue the program feeds itself: a loop built to take its next item of work from it
    # (`while item := q.get()`, a sentinel loop) waits for work by design (AL304/AL305).
    work_queue: bool = False
    # A wait on the program's own threads or tasks (an event, a lock, a join), not on a peer:
    # a function whose whole body is this wait has waiting as its contract (AL304/AL305).
    local_sync: bool = False


@dataclass(frozen=True)
class CommandEntry:
    """Programs a subprocess call may run, and what that means for how long it can wait."""

    programs: tuple[str, ...]
    # network: waits on another machine; shell: runs the text after `option` as a command
    # line; interpreter: runs the module after `option` (python -m pip); wrapper: runs the
    # next word as the program (env, sudo); bounded: kills the program it runs (timeout);
    # instant: answers from local state and exits (df, uname), never reads input or the
    # network; server: runs until stopped on purpose (uvicorn), so a timeout would be wrong.
    # An instant or server program is not reported.
    role: str
    # A network program counts only with one of these subcommands (git clone, docker pull);
    # an instant or server one too, when it lists any (flask run).
    subcommands: tuple[str, ...]
    option: str | None
    label: str
    source: str
    # Options that bound the program's whole run (curl --max-time, ping -c): with one of
    # them among the literal arguments the call is bounded like under coreutils `timeout`.
    bounded_by: tuple[str, ...] = ()
    # A network program's subcommands that answer from local data at once (git rev-parse):
    # not reported, like an instant program.
    instant_subcommands: tuple[str, ...] = ()
    # The program's own options that take the next word as their value (git -C DIR): the
    # subcommand is the first other word.
    value_options: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeadlineEntry:
    """A call that bounds the awaits it wraps: as ``async with`` (asyncio.timeout) or as a call
    whose arguments are awaited under it (asyncio.wait_for). Unbounded when its delay is missing
    or None."""

    names: tuple[str, ...]
    library: str
    keyword: str
    position: int | None
    source: str


@dataclass(frozen=True)
class WorkerEntry:
    """A call that runs a function on another thread or process (Thread(target=...),
    executor.submit(fn)); ``run_method`` is the method a subclass overrides to the same end."""

    names: tuple[str, ...]
    library: str
    keyword: str | None
    position: int | None
    run_method: str | None
    source: str


@dataclass
class WaitKnowledge:
    commands: dict[str, CommandEntry] = field(default_factory=dict)
    deadlines: dict[str, DeadlineEntry] = field(default_factory=dict)
    workers: dict[str, WorkerEntry] = field(default_factory=dict)

    def copy(self) -> "WaitKnowledge":
        return copy_fields(self)


_WAIT_KEYS = {"keyword", "position", "unbounded-values", "nonblocking", "client-keywords",
              "on-timeout", "fix", "work-queue", "local-sync"}
_COMMAND_KEYS = {"programs", "role", "subcommands", "option", "label", "bounded-by", "instant-subcommands",
                 "value-options"}
_DEADLINE_KEYS = {"names", "library", "keyword", "position"}
_WORKER_KEYS = {"names", "library", "keyword", "position", "run-method"}


def _parse_wait(table: Any, where: str) -> WaitSpec:
    where = f"{where}.wait"
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: must be a table")
    _check_keys(table, _WAIT_KEYS, where)
    nonblocking = _expect(table, "nonblocking", dict, where, default={})
    _check_keys(nonblocking, {"keyword", "position"}, f"{where}.nonblocking")
    keyword = _expect(table, "keyword", str, where, default=None)
    position = _expect(table, "position", int, where, default=None)
    if keyword is None and position is not None:
        raise CatalogError(f"{where}: key 'position' needs a 'keyword'")
    return WaitSpec(
        keyword=keyword,
        position=position,
        unbounded_values=_str_list(table, "unbounded-values", where, default=["None"]),
        nonblocking_keyword=_expect(nonblocking, "keyword", str, f"{where}.nonblocking", default=None),
        nonblocking_position=_expect(nonblocking, "position", int, f"{where}.nonblocking", default=None),
        client_keywords=_str_list(table, "client-keywords", where, default=[]),
        on_timeout=_expect(table, "on-timeout", str, where, default=""),
        fix=_expect(table, "fix", str, where),
        work_queue=_expect(table, "work-queue", bool, where, default=False),
        local_sync=_expect(table, "local-sync", bool, where, default=False),
    )


def parse_command(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    role = _expect(table, "role", str, where, choices=COMMAND_ROLES)
    option = _expect(table, "option", str, where, default=None)
    if role in ("shell", "interpreter") and option is None:
        raise CatalogError(f"{where}: role '{role}' needs key 'option' (e.g. \"-c\")")
    command = CommandEntry(_str_list(table, "programs", where), role,
                           _str_list(table, "subcommands", where, default=[]), option,
                           _expect(table, "label", str, where, default=""), source,
                           _str_list(table, "bounded-by", where, default=[]),
                           _str_list(table, "instant-subcommands", where, default=[]),
                           _str_list(table, "value-options", where, default=[]))
    if command.bounded_by and role != "network":
        raise CatalogError(f"{where}: key 'bounded-by' is only meaningful with role 'network'")
    if command.instant_subcommands and role != "network":
        raise CatalogError(f"{where}: key 'instant-subcommands' is only meaningful with role 'network'")
    for program in command.programs:
        catalog.waits.commands[program] = command


def parse_deadline(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    deadline = DeadlineEntry(_str_list(table, "names", where), _expect(table, "library", str, where),
                             _expect(table, "keyword", str, where),
                             _expect(table, "position", int, where, default=None), source)
    for name in deadline.names:
        catalog.waits.deadlines[name] = deadline


def parse_worker_entry(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    keyword = _expect(table, "keyword", str, where, default=None)
    position = _expect(table, "position", int, where, default=None)
    run_method = _expect(table, "run-method", str, where, default=None)
    if keyword is None and position is None and run_method is None:
        raise CatalogError(f"{where}: needs 'keyword', 'position' or 'run-method'")
    worker = WorkerEntry(_str_list(table, "names", where), _expect(table, "library", str, where),
                         keyword, position, run_method, source)
    for name in worker.names:
        catalog.waits.workers[name] = worker
