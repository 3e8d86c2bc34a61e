"""The compile cache of the methods dataclasses generate (assumption_lint/dataclass_cache.py),
and the executable that leaves without tearing the interpreter down (cli.command_line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# A process that installs the cache, defines dataclasses of every kind whose generated methods
# matter (frozen, defaults, factories, keyword-only, order, slots), exercises them, and prints
# what it compiled itself and what the methods did.
DEFINE = '''
import dataclasses, json, sys
from assumption_lint import dataclass_cache
dataclass_cache.install()
from dataclasses import dataclass, field

@dataclass(frozen=True, order=True)
class Point:
    x: int
    y: int = 0
    tags: list = field(default_factory=list, hash=False)

@dataclass(kw_only=True, slots=True)
class Named:
    name: str
    size: float = 1.5

p = Point(1, 2)
try:
    p.x = 3
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
named = Named(name="a")
print(json.dumps({
    "installed": "exec" in vars(dataclasses),
    "compiled_here": len(dataclass_cache._compiled),
    "repr": repr(p), "eq": p == Point(1, 2, []), "lt": Point(0) < p, "frozen": frozen,
    "hash": hash(p) == hash(Point(1, 2)),
    "annotations": {k: getattr(v, "__name__", v) for k, v in Point.__init__.__annotations__.items()},
    "named": repr(named), "slots": not hasattr(named, "__dict__"),
}))
'''


def _environment(cache: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("ALINT_NO_CACHE", "PYTHONDONTWRITEBYTECODE")}
    env["XDG_CACHE_HOME"] = str(cache)
    env.update(extra)
    return env


def _define(cache: Path, *options: str, **extra: str) -> dict[str, object]:
    ran = subprocess.run([sys.executable, *options, "-c", DEFINE], capture_output=True, text=True, timeout=120,
                         env=_environment(cache, **extra))
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def _cache_file(cache: Path) -> Path:
    return cache / "alint" / f"dataclass-methods-{sys.implementation.cache_tag}.marshal"


def test_methods_compiled_once_are_read_back_and_behave_the_same(tmp_path: Path) -> None:
    first = _define(tmp_path)
    assert first["installed"] and first["compiled_here"] > 0
    assert _cache_file(tmp_path).stat().st_mode & 0o077 == 0  # written for this user only
    second = _define(tmp_path)
    assert second["compiled_here"] == 0  # every method came from the file
    plain = _define(tmp_path, ALINT_NO_CACHE="1")  # the standard library's own compiling
    assert not plain["installed"]
    for key in ("repr", "eq", "lt", "frozen", "hash", "annotations", "named", "slots"):
        assert first[key] == second[key] == plain[key], key
    # The generated __init__'s annotations are the types, not strings: the cache compiles
    # without its own module's `from __future__ import annotations`.
    assert second["annotations"] == {"x": "int", "y": "int", "tags": "list", "return": None}


def test_a_damaged_or_foreign_file_is_an_empty_cache(tmp_path: Path) -> None:
    _define(tmp_path)
    kept = _cache_file(tmp_path)
    good = kept.read_bytes()
    for damaged in (b"", b"not marshal at all", good[:40], b"\x00" * 4 + good[4:]):
        kept.write_bytes(damaged)
        kept.chmod(0o600)
        again = _define(tmp_path)
        assert again["compiled_here"] > 0 and again["frozen"]
        assert kept.read_bytes().startswith(good[:16])  # written afresh


def test_a_file_others_could_write_is_not_loaded(tmp_path: Path) -> None:
    _define(tmp_path)
    kept = _cache_file(tmp_path)
    kept.chmod(0o666)
    assert _define(tmp_path)["compiled_here"] > 0


def test_no_writing_with_bytecode_writing_off(tmp_path: Path) -> None:
    assert _define(tmp_path, "-B")["compiled_here"] > 0
    assert not _cache_file(tmp_path).exists()
    assert _define(tmp_path, PYTHONDONTWRITEBYTECODE="1")["compiled_here"] > 0
    assert not _cache_file(tmp_path).exists()


def test_saving_keeps_what_another_process_wrote_meanwhile(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import marshal

    from assumption_lint import dataclass_cache

    target = tmp_path / "methods.marshal"
    monkeypatch.setattr(dataclass_cache, "path", lambda: target)
    monkeypatch.setattr(dataclass_cache, "_stored", None)
    monkeypatch.setattr(dataclass_cache, "_compiled", {})
    monkeypatch.setattr(dataclass_cache, "_used", set())
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    mine = "def __create_fn__():\n def f(self):\n  return 1\n return f"
    theirs = "def __create_fn__():\n def g(self):\n  return 2\n return g"
    assert dataclass_cache.code_for(mine) is not None  # read the (missing) file, compiled
    # Another process writes its method after this one read the file.
    other = {theirs: marshal.dumps(compile(theirs, "<string>", "exec", dont_inherit=True))}
    target.write_bytes(dataclass_cache.HEADER + marshal.dumps(other))
    target.chmod(0o600)
    dataclass_cache.save()
    kept = marshal.loads(target.read_bytes()[len(dataclass_cache.HEADER):])
    assert set(kept) == {mine, theirs}
    namespace: dict[str, object] = {}
    exec(marshal.loads(kept[mine]), {}, namespace)
    assert namespace["__create_fn__"]()(None) == 1  # type: ignore[operator]


# --------------------------------------------------------------------------- the executable
EXECUTABLE = "from assumption_lint.cli import command_line; command_line()"


def test_the_executable_keeps_its_exit_status_its_output_and_its_caches(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import requests\n\nrequests.get('https://example.com')\n")
    env = _environment(tmp_path / "cache")
    ran = subprocess.run([sys.executable, "-c", EXECUTABLE, "--no-cache", "--format", "json", "app.py"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert ran.returncode == 1, ran.stderr  # findings
    assert {finding["rule"] for finding in json.loads(ran.stdout)["findings"]} >= {"AL301"}
    # What atexit holds ran before the process ended: the methods compiled are kept.
    assert _cache_file(tmp_path / "cache").is_file()
    usage = subprocess.run([sys.executable, "-c", EXECUTABLE, "--no-such-option"], capture_output=True, text=True,
                           timeout=120, cwd=tmp_path, env=env)
    assert usage.returncode == 2 and "--no-such-option" in usage.stderr
    clean = subprocess.run([sys.executable, "-c", EXECUTABLE, "--version"], capture_output=True, text=True,
                           timeout=120, cwd=tmp_path, env=env)
    assert clean.returncode == 0 and clean.stdout.startswith("alint ")
