"""A compile cache for the methods that ``dataclasses`` generates.

Defining a dataclass makes the standard library write the source of its methods (``__init__``,
``__repr__``, ``__eq__``; ``__setattr__`` and ``__delattr__`` when frozen) and compile it.
libcst's node classes and alint's own are about 500 dataclasses, and compiling their methods
was about 0.25 s of every cold start: more than analysing a 500-line file. Python keeps the
bytecode of modules in ``__pycache__``, not that of source generated while they import; this
module keeps it, in the user's cache folder beside the compiled catalog.

``install()`` gives the ``dataclasses`` module an ``exec`` that looks up the code object of
each source text it is handed (keyed by the exact text, and compiled the way ``exec`` would
compile it, so a cached object is the one compiling would give); ``save()`` writes the ones
compiled in this process to ``dataclass-methods-<python tag>.marshal``, merged with what another
process wrote meanwhile, atomically. The file starts with the interpreter's bytecode magic
number: another Python's file, a damaged one, or one another user could have written is an
empty cache. ALINT_NO_CACHE turns it off, ``-B`` (or PYTHONDONTWRITEBYTECODE) stops the writing.
"""

from __future__ import annotations

import atexit
import builtins
import importlib.util
import marshal
import os
import sys
import types
from pathlib import Path
from typing import Any

from . import user_cache

HEADER = importlib.util.MAGIC_NUMBER + b"alint dataclass methods 2\n"
# A file holding more than this many methods is rewritten with only the ones this process used
# (one alint's set is about 1,500; an upgrade of libcst or alint adds new texts beside the old).
MAX_ENTRIES = 8_000

# What the file held, read at the first lookup: each source text with its code object
# marshalled on its own, so that a process loads only the methods it defines (the parent
# process of a run defines about a third of them).
_stored: dict[str, bytes] | None = None
_compiled: dict[str, bytes] = {}  # compiled by this process, not yet written
_used: set[str] = set()


def path() -> Path | None:
    """The cache file for this interpreter, or None when caching is off."""
    tag = sys.implementation.cache_tag
    if not tag or not user_cache.enabled():
        return None
    try:
        return user_cache.folder() / f"dataclass-methods-{tag}.marshal"
    except (RuntimeError, KeyError, OSError):  # no home folder to be found: no cache, still a run
        return None


def install() -> None:
    """Route the ``dataclasses`` module's compiling through the cache (once; a module that
    already has its own ``exec`` is left alone)."""
    import dataclasses

    if path() is not None and "exec" not in vars(dataclasses):
        dataclasses.exec = _cached_exec  # type: ignore[attr-defined]
        atexit.register(save)  # forked workers leave through os._exit: they call save themselves


def _cached_exec(source: Any, globals: Any = None, locals: Any = None, /, **options: Any) -> None:
    if globals is None:  # exec's default: the caller's namespaces, not this module's
        caller = sys._getframe(1)
        globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
    if isinstance(source, str):
        source = code_for(source)
    builtins.exec(source, globals, locals, **options)


def code_for(source: str) -> types.CodeType:
    """The code object ``exec(source)`` would compile, from the cache when it holds it."""
    global _stored
    if _stored is None:
        _stored = _read(path())
    _used.add(source)
    stored = _stored.get(source)
    if isinstance(stored, bytes):
        try:
            code = marshal.loads(stored)
        except (ValueError, EOFError, TypeError):
            code = None
        if isinstance(code, types.CodeType):
            return code
    # dont_inherit: this module's own __future__ flags must not reach the generated code
    # (with `annotations`, __init__'s annotations would become strings).
    code = compile(source, "<string>", "exec", dont_inherit=True)
    _compiled[source] = marshal.dumps(code)
    return code


def save() -> None:
    """Write what this process compiled, merged with the file as it is now. Best effort: a
    folder that cannot be written only means compiling again next time."""
    global _stored
    if not _compiled or sys.dont_write_bytecode:  # a worker asks after every file: cheap first
        return
    target = path()
    if target is None:
        return
    merged = _read(target)
    merged.update(_compiled)
    if len(merged) > MAX_ENTRIES:
        merged = {source: code for source, code in merged.items() if source in _used}
    from .atomic import write_atomic

    try:
        data = HEADER + marshal.dumps(merged)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(target, data, private=True)
    except (OSError, ValueError):
        return
    _stored = merged
    _compiled.clear()


def _read(target: Path | None) -> dict[str, bytes]:
    if target is None:
        return {}
    try:
        with open(target, "rb") as stream:
            if not user_cache.written_by_this_user(os.fstat(stream.fileno())):
                return {}
            data = stream.read()
    except OSError:
        return {}
    if not data.startswith(HEADER):
        return {}
    try:
        stored = marshal.loads(memoryview(data)[len(HEADER):])
    except (ValueError, EOFError, TypeError):
        return {}
    return stored if isinstance(stored, dict) else {}
