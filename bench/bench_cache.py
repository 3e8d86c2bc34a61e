"""Measure the content cache: cold, warm and one changed file, beside ruff.

    python bench/bench_cache.py path/to/LARGE/src --rounds 5

The source folder is copied to a scratch folder (a git repository of its own, so the
cache lives in its root and the original is never touched). Then:

1. cold: ``alint clean`` then a run that fills the cache (and, once, ``--no-cache``);
2. ``--rounds`` times, alternating: ``ruff check --no-cache --select S``, a warm alint run
   (nothing changed: the run record replays the last report, warm.py), an alint run after
   appending a comment to one file (its content changes, what it tells other files does
   not: the incremental path, incremental.py), an alint run after inserting a line at the
   top of the same file (every position in it moves, so its module summary changes too:
   the cache's normal path), each edit new, each restored after its run and followed by
   an unmeasured run, so that the next warm run finds a record of the restored tree.

Wall time from a monotonic clock around each process; CPU time (user + system, the
process and its children, workers included) from ``resource.getrusage(RUSAGE_CHILDREN)``;
the load average (1 minute) before each round, since the machine may be shared.
Every alint run's JSON report is compared with the cold run's (the edited runs with a
cold ``--no-cache`` run of the edited tree in the first round only, to bound the cost).
The medians of the rounds are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALINT = [sys.executable, "-m", "assumption_lint.cli"]


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, cpu, done.stdout


def find_ruff() -> str:
    """ruff on PATH, else in this interpreter's environment, else the one bench/peers.py
    installs (bench/.cache/peers/ruff); exits with a message when there is none."""
    found = shutil.which("ruff")
    candidates = [Path(found)] if found else []
    candidates += [Path(sys.executable).parent / "ruff", Path(__file__).parent / ".cache" / "peers" / "ruff" / "bin" / "ruff"]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise SystemExit("no ruff found: pass --ruff PATH (or run `python bench/peers.py install`)")


def report(tree: Path, *extra: str) -> tuple[float, float, dict]:
    env_free = [*ALINT, "--format", "json", "--exit-zero", *extra, "src"]
    wall, cpu, out = timed(env_free, tree)
    return wall, cpu, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--edit", default=None, help="file to edit, relative to the source folder")
    parser.add_argument("--scratch", type=Path, default=None)
    parser.add_argument("--quick", action="store_true",
                        help="no --no-cache runs (cold with the cache only, edits not compared with a cold run)")
    parser.add_argument("--ruff", default=None,
                        help="the ruff to run (default: ruff on PATH, else beside this Python, else the peers' one)")
    args = parser.parse_args()
    ruff = args.ruff or find_ruff()
    os.environ.pop("ALINT_NO_CACHE", None)
    # alint is timed as an installation runs it: with its .pyc files written and read.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="alint-cache-bench-"))
    tree = scratch / "tree"
    if not tree.exists():
        shutil.copytree(args.source, tree / "src", symlinks=True)
        subprocess.run(["git", "init", "-q", str(tree)], check=True)
        # A generous file-timeout: on a loaded machine the default 20 s stops a big file in
        # one run and not the next, which would make runs differ for reasons not the cache's.
        (tree / "pyproject.toml").write_text("[tool.alint]\nfile-timeout = 300\n", encoding="utf-8")
    files = sorted((tree / "src").rglob("*.py"))
    edit = tree / "src" / args.edit if args.edit else files[len(files) // 2]
    original = edit.read_bytes()
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    print(f"tree: {tree} ({len(files)} files, {lines} lines); edited file: {edit.relative_to(tree)}")

    timed([*ALINT, "clean"], tree)
    cold = report(tree)
    print(f"cold, filling it:  wall {cold[0]:7.2f} s  cpu {cold[1]:7.2f} s")
    if not args.quick:
        nocache = report(tree, "--no-cache")
        print(f"cold, no cache:    wall {nocache[0]:7.2f} s  cpu {nocache[1]:7.2f} s")
        assert cold[2] == nocache[2], "a cold run with the cache differs from --no-cache"
    warmed = report(tree)[2]  # a file the cold run lost to its time limit is analysed again here
    if warmed != cold[2]:
        print("note: the first warm run differs from the cold one (a file-timeout under load in the cold run)")
    rows: dict[str, list[tuple[float, float]]] = {"ruff": [], "warm": [], "append": [], "top": []}
    loads = []
    for number in range(args.rounds):
        loads.append(os.getloadavg()[0])
        wall, cpu, _ = timed([ruff, "check", "--no-cache", "--select", "S", "--quiet", "--exit-zero", "src"], tree)
        rows["ruff"].append((wall, cpu))
        wall, cpu, found = report(tree)
        assert found == warmed, "a warm run differs from the first warm run"
        rows["warm"].append((wall, cpu))
        for kind, changed in (("append", original + f"\n# bench edit {number} {time.time_ns()}\n".encode()),
                              ("top", f"# bench edit {number} {time.time_ns()}\n".encode() + original)):
            edit.write_bytes(changed)
            try:
                wall, cpu, found = report(tree)
                if number == 0 and not args.quick:
                    expected = report(tree, "--no-cache")[2]
                    assert found == expected, f"the {kind} edit: the cached run differs from --no-cache"
            finally:
                edit.write_bytes(original)
            rows[kind].append((wall, cpu))
            report(tree)  # unmeasured: records the restored tree
        print(f"round {number + 1} (load {loads[-1]:.1f}): " + "  ".join(f"{name} {values[-1][0]:.2f}/{values[-1][1]:.2f}"
                                                  for name, values in rows.items()))
    print(f"\nload average (1 min) before the rounds: {min(loads):.1f}-{max(loads):.1f}")
    print("median of the rounds (wall s / cpu s), and the ratio to ruff's wall:")
    ruff_wall = statistics.median(wall for wall, _ in rows["ruff"])
    for name, values in rows.items():
        wall = statistics.median(value[0] for value in values)
        cpu = statistics.median(value[1] for value in values)
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {wall / ruff_wall:.2f}x |")
    if not args.scratch:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
