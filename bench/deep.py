"""``--deep`` against the default on the application corpus: the findings only one of them
makes, and the CPU each costs per 1000 lines (docs/deep.md).

    python bench/deep.py --cache bench/.cache [--app NAME ...] [--out /tmp/deep.json]

Each application is run twice with ``--jobs 1 --no-cache`` (the same configuration as
``apps.py score``: every family, preview rules on), without and with ``--deep``, in the
interpreter running this script. The findings only ``--deep`` makes are printed with their
code line, to be judged (``apps.py score --alint-args --deep`` then scores them).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import apps
import corpus

FAMILIES = ("AL1", "AL2", "AL3", "AL4", "AL5")


def run(app: apps.App, root: Path, config: Path, extra: list[str]) -> tuple[set[tuple[str, int, str]], float, dict]:
    argv = [sys.executable, "-c", "from assumption_lint.cli import main; main()", "check", "--config", str(config),
            "--format", "json", "--exit-zero", "--no-cache", "--jobs", "1", *extra, *app.paths]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    completed = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = json.loads(completed.stdout)
    found = {(apps.relative_path(item["path"], root), int(item["line"]), item["rule"]) for item in report["findings"]}
    return found, cpu, {"wall": wall, "errors": report.get("errors", [])}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=apps.CACHE)
    parser.add_argument("--app", action="append")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    chosen = apps.choose(apps.load_apps(), args.app)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        config = corpus.write_config(Path(scratch) / "alint.toml", FAMILIES, preview=True)
        for app in chosen:
            root = apps.extracted_root(app, args.cache.resolve())
            if root is None:
                continue
            plain, plain_cpu, _ = run(app, root, config, [])
            deep, deep_cpu, info = run(app, root, config, ["--deep"])
            results.append({"app": app.name, "lines": app.lines, "cpu": plain_cpu, "deep_cpu": deep_cpu,
                            "only_deep": sorted(deep - plain), "only_plain": sorted(plain - deep),
                            "errors": info["errors"]})
            print(f"{app.name}: {app.lines} lines, cpu {plain_cpu:.2f} s -> {deep_cpu:.2f} s; "
                  f"+{len(deep - plain)} -{len(plain - deep)}", flush=True)
            for path, line, rule in sorted(deep - plain):
                print(f"  + {rule} {path}:{line}: {apps._code_line(root / path, line).strip()}")
            for path, line, rule in sorted(plain - deep):
                print(f"  - {rule} {path}:{line}")
    lines = sum(item["lines"] for item in results)
    cpu = sum(item["cpu"] for item in results)
    deep_cpu = sum(item["deep_cpu"] for item in results)
    print(f"total: {len(results)} applications, {lines} lines; CPU {cpu:.1f} s -> {deep_cpu:.1f} s "
          f"({1e6 * cpu / lines:.0f} -> {1e6 * deep_cpu / lines:.0f} ms per 1000 lines); "
          f"+{sum(len(item['only_deep']) for item in results)} findings, "
          f"-{sum(len(item['only_plain']) for item in results)}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
