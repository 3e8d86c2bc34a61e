"""Precision and speed of the AL3xx family (timeouts) on real code.

    python bench/real_code_timeouts.py [--cache bench/.cache] [--integrations 150] [--seed 3]
                                       [--per-rule 25] [--holdout] [--jobs 1]

Pinned source distributions of applications, CLIs and integrations that open sockets,
call HTTP APIs, run subprocesses and wait on threads and tasks are fetched with
``pip download`` (the ordinary client) into the cache folder that git ignores (shared with
``bench/real_code_precision.py``) and unpacked there. Home Assistant is big: only a
fixed-seed sample of its ``components/`` integrations that mention one of the libraries the
AL3xx rules know is linted. Test, docs and example folders are left out: the question is
what a user of alint sees on shipped code.

alint runs once over everything (``--select AL3 --format json``, with a configuration that
does not honour .gitignore, since the cache is ignored on purpose). The script prints:

- the corpus (files, lines) and the time alint took (seconds, ms per 1000 lines);
- findings per rule, per package and per library (the first part of the API a finding
  names, e.g. ``requests`` or ``subprocess``);
- a worksheet (``<cache>/timeouts-worksheet.md``) with a fixed-seed random sample of at most
  ``--per-rule`` findings per rule, each with its message and the code around it, to be
  judged by hand into ``docs/precision/timeouts.md``.

``--holdout`` lints a second, smaller set of packages instead (``timeouts-holdout-*``
files): added after the false positives found on the first set were fixed, to see whether
the fixes generalise.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = ("AL301", "AL302", "AL303", "AL304", "AL305")

PACKAGES = (
    "homeassistant==2024.3.3",  # integrations: requests, sockets, telnet, smtplib, asyncio waits
    "httpie==3.2.2",            # HTTP CLI on requests
    "sentry-sdk==1.45.0",       # SDK: urllib3 transport, worker threads, subprocess
    "celery==5.3.6",            # task queue: threads, events, result waits, subprocess
    "kombu==5.3.5",             # messaging: sockets, redis, queues
    "fabric==3.2.2",            # SSH deployment: paramiko, threads
    "invoke==2.2.0",            # task runner: subprocess, threads, queues
    "ansible-core==2.16.5",     # automation: subprocess, sockets, urllib
    "docker==7.0.0",            # Docker API: requests over sockets
    "certbot==2.9.0",           # ACME client CLI: requests, subprocess hooks
    "supervisor==4.2.5",        # process supervisor: sockets, xmlrpc, subprocess
    "streamlink==6.7.1",        # stream CLI: requests sessions, threads, subprocess (ffmpeg)
    "locust==2.24.1",           # load testing: requests sessions, gevent, sockets
    "glances==3.4.0.5",         # monitoring app: requests, sockets, exporters
    "s3cmd==2.4.0",             # S3 CLI on http.client
    "mycli==1.27.0",            # MySQL CLI on PyMySQL
    "sopel==7.1.9",             # IRC bot: sockets, requests plugins
    "speedtest-cli==2.1.3",     # speed test CLI: urllib, sockets, threads
    "you-get==0.4.1743",        # downloader CLI on urllib
    "sherlock-project==0.16.2", # username search CLI: requests, one request per site
    "howdoi==2.0.20",           # CLI on requests
    "yfinance==0.2.37",         # Yahoo Finance scraper on requests
    "instaloader==4.11",        # Instagram downloader CLI on requests
    "changedetection.io==0.45.16",  # Flask web app watching pages: requests, threads
)
# Packages added after the fixes of docs/precision/timeouts.md were made on PACKAGES: a
# check that those fixes generalise (``--holdout``).
HOLDOUT = (
    "apprise==1.7.4",           # notifications: smtplib, requests with timeouts, sockets
    "FlexGet==3.11.21",         # automation app: requests sessions, notifiers, subprocess
    "OctoPrint==1.9.3",         # 3D-printer server: requests, sockets, serial, threads
)
SKIPPED_FOLDERS = ("tests", "test", "t", "testing", "docs", "doc", "examples", "example")
# An integration is sampled when its code mentions one of these (AL3xx libraries).
LIBRARY_WORDS = ("import requests", "from requests", "import socket", "from socket", "import subprocess",
                 "from subprocess", "asyncio.wait", "import threading", "from threading", "import smtplib",
                 "import telnetlib", "import paramiko", "import pymongo", "import psycopg2", "import grpc",
                 "import urllib.request", "from urllib", "import http.client", "import ftplib", "import httpx")
# The first dotted name of a message, outside backquotes: "assumes requests.get always...",
# "assumes `git` always finishes: subprocess.run waits...".
MESSAGE_API = re.compile(r"(?<![\w`.])(?P<api>[A-Za-z_]\w*(?:\.\w+)+)(?![\w`])")


def download(spec: str, cache: Path) -> Path:
    """The sdist of ``spec`` in ``cache/sdists`` (downloaded once)."""
    name, version = spec.split("==")
    folder = cache / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    found = _archive(folder, name, version)
    if found is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "-d", str(folder), spec], check=True)
        found = _archive(folder, name, version)
    if found is None:
        raise SystemExit(f"no sdist of {spec} in {folder}")
    return found


def _archive(folder: Path, name: str, version: str) -> Path | None:
    stems = {name.lower(), name.lower().replace("-", "_"), name.lower().replace("_", "-")}
    for path in sorted(folder.iterdir()):
        lower = path.name.lower()
        if any(lower.startswith(f"{stem}-{version}.") for stem in stems) and lower.endswith((".tar.gz", ".zip")):
            return path
    return None


def unpack(archive: Path, cache: Path) -> Path:
    target = cache / "src" / archive.name.removesuffix(".tar.gz").removesuffix(".zip")
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(target.parent)
        else:
            with tarfile.open(archive) as bundle:
                bundle.extractall(target.parent, filter="data")
    return target


def targets_of(root: Path, spec: str, integrations: int, seed: int) -> list[Path]:
    """Folders and top-level modules to lint: the package, or a fixed sample of integrations."""
    if spec.startswith("homeassistant=="):
        components = root / "homeassistant" / "components"
        candidates = [folder for folder in sorted(components.iterdir()) if folder.is_dir() and any(
            word in path.read_text(encoding="utf-8", errors="replace")
            for path in folder.glob("*.py") for word in LIBRARY_WORDS)]
        return sorted(random.Random(seed).sample(candidates, min(integrations, len(candidates))))
    return [path for path in sorted(root.iterdir())
            if (path.is_dir() and path.name not in SKIPPED_FOLDERS and not path.name.endswith(".egg-info")
                and any(path.rglob("*.py")))
            or (path.suffix == ".py" and path.name != "setup.py")]


def shipped(file: Path) -> bool:
    """Not a test, docs or example file (the same rule as the ``exclude`` patterns below)."""
    return not (set(file.parts) & set(SKIPPED_FOLDERS) or file.name.startswith("test_")
                or file.name.endswith("_test.py") or file.name == "conftest.py")


def python_files(paths: list[Path]) -> list[Path]:
    return [file for path in paths for file in (sorted(path.rglob("*.py")) if path.is_dir() else [path])
            if shipped(file.relative_to(path) if path.is_dir() else Path(file.name))]


def lint(paths: list[Path], cache: Path, jobs: int) -> tuple[list[dict[str, object]], dict[str, object], float, float]:
    config = cache / "alint-timeouts.toml"
    # Test folders nested inside packages (locust/test) are left out like top-level ones.
    exclude = [f"{folder}/" for folder in SKIPPED_FOLDERS] + ["test_*.py", "*_test.py", "conftest.py"]
    config.write_text(f"respect-gitignore = false\nselect = {json.dumps(list(RULES))}\n"
                      f"exclude = {json.dumps(exclude)}\n", encoding="utf-8")
    command = [sys.executable, "-c", "from assumption_lint.cli import main; main()", "check", "--config", str(config),
               "--format", "json", "--exit-zero", "--jobs", str(jobs), *map(str, paths)]
    started, cpu_before = time.perf_counter(), _children_cpu()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"alint failed ({completed.returncode}): {completed.stderr[-2000:]}")
    findings = [finding for finding in report["findings"] if finding["rule"] in RULES]
    return findings, report.get("summary", {}), elapsed, cpu


def _children_cpu() -> float:
    """CPU seconds (user + system) of finished child processes (alint's own workers
    included): steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def package_of(path: str, cache: Path) -> str:
    absolute = Path(path).resolve()  # alint reports paths relative to the working folder
    return absolute.relative_to(cache / "src").parts[0] if absolute.is_relative_to(cache / "src") else path


def library_of(message: str) -> str:
    match = MESSAGE_API.search(re.sub(r"`[^`]*`", "", message))
    return match.group("api").split(".")[0] if match else "?"


def worksheet(findings: list[dict[str, object]], per_rule: int, seed: int, out: Path, cache: Path) -> dict[str, int]:
    by_rule: dict[str, list[dict[str, object]]] = defaultdict(list)
    for finding in findings:
        by_rule[str(finding["rule"])].append(finding)
    lines = ["# Worksheet: sampled AL3xx findings (fixed seed)", ""]
    sampled: dict[str, int] = {}
    for rule in RULES:
        pool = sorted(by_rule.get(rule, []), key=lambda f: (str(f["path"]), int(f["line"])))  # type: ignore[arg-type]
        chosen = random.Random(f"{seed}-{rule}").sample(pool, min(per_rule, len(pool)))
        chosen.sort(key=lambda f: (str(f["path"]), int(f["line"])))  # type: ignore[arg-type]
        sampled[rule] = len(chosen)
        lines += [f"## {rule}: {len(chosen)} of {len(pool)}", ""]
        for number, finding in enumerate(chosen, start=1):
            path = Path(str(finding["path"])).resolve()
            shown = path.relative_to(cache / "src") if path.is_relative_to(cache / "src") else path
            lines += [f"### {rule}-{number} `{shown}:{finding['line']}`", "", str(finding["message"]), "", "```python"]
            lines += _context(path, int(finding["line"]))  # type: ignore[arg-type]
            lines += ["```", ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return sampled


def _context(path: Path, line: int, before: int = 14, after: int = 6) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start, end = max(0, line - 1 - before), min(len(text), line + after)
    return [f"{'>' if number == line else ' '}{number:5d} {text[number - 1]}" for number in range(start + 1, end + 1)]


def _table(title: str, counts: dict[str, Counter[str]]) -> None:
    print(f"\n{title:28} " + " ".join(f"{rule:>6}" for rule in RULES))
    for key in sorted(counts, key=lambda k: (-sum(counts[k].values()), k)):
        print(f"{key:28} " + " ".join(f"{counts[key][rule]:>6}" for rule in RULES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--integrations", type=int, default=150)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--per-rule", type=int, default=25)
    parser.add_argument("--holdout", action="store_true", help="lint the HOLDOUT packages instead")
    parser.add_argument("--jobs", type=int, default=1, help="alint --jobs (1: the cost of one process)")
    args = parser.parse_args()
    packages, stem = (HOLDOUT, "timeouts-holdout") if args.holdout else (PACKAGES, "timeouts")
    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for spec in packages:
        paths += targets_of(unpack(download(spec, cache), cache), spec, args.integrations, args.seed)
    files = python_files(paths)
    lines = sum(len(file.read_bytes().splitlines()) for file in files)
    findings, summary, elapsed, cpu = lint(paths, cache, args.jobs)
    (cache / f"{stem}-findings.json").write_text(json.dumps(findings, indent=1), encoding="utf-8")
    per_1000 = 1000 / max(lines, 1) * 1000
    print(f"{len(packages)} packages, {len(files)} Python files, {lines} lines; alint took {elapsed:.1f} s wall "
          f"({elapsed * per_1000:.1f} ms per 1000 lines), {cpu:.1f} s CPU ({cpu * per_1000:.1f} ms per 1000 lines), "
          f"--jobs {args.jobs}, start-up included; alint parsed {summary.get('parsed', '?')} of "
          f"{summary.get('files', '?')} files (the others mention no catalogued library)")
    per_package: dict[str, Counter[str]] = defaultdict(Counter)
    per_library: dict[str, Counter[str]] = defaultdict(Counter)
    for finding in findings:
        per_package[package_of(str(finding["path"]), cache)][str(finding["rule"])] += 1
        per_library[library_of(str(finding["message"]))][str(finding["rule"])] += 1
    _table("package", per_package)
    _table("library", per_library)
    totals = Counter(str(finding["rule"]) for finding in findings)
    sampled = worksheet(findings, args.per_rule, args.seed, cache / f"{stem}-worksheet.md", cache)
    print(f"\n{'total':28} " + " ".join(f"{totals[rule]:>6}" for rule in RULES))
    print(f"{'sampled':28} " + " ".join(f"{sampled.get(rule, 0):>6}" for rule in RULES))
    print(f"worksheet: {cache / f'{stem}-worksheet.md'}")


if __name__ == "__main__":
    main()
