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
does not honour .gitignore, since the cache is ignored on purpose; the shared steps live in
``corpus.py``). The script prints:

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

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import corpus

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


def targets_of(root: Path, spec: str, integrations: int, seed: int) -> list[Path]:
    """Folders and top-level modules to lint: the package, or a fixed sample of integrations."""
    if spec.startswith("homeassistant=="):
        return corpus.sample_integrations(root, LIBRARY_WORDS, integrations, seed)
    return corpus.source_targets(root, SKIPPED_FOLDERS)


def lint(paths: list[Path], cache: Path, jobs: int) -> corpus.AlintRun:
    # Test folders nested inside packages (locust/test) are left out like top-level ones.
    exclude = [f"{folder}/" for folder in SKIPPED_FOLDERS] + ["test_*.py", "*_test.py", "conftest.py"]
    config = corpus.write_config(cache / "alint-timeouts.toml", RULES, exclude)
    return corpus.run_alint(paths, config, ["--jobs", str(jobs)])


def package_of(path: str, cache: Path) -> str:
    absolute = Path(path).resolve()  # alint reports paths relative to the working folder
    return absolute.relative_to(cache / "src").parts[0] if absolute.is_relative_to(cache / "src") else path


def library_of(message: str) -> str:
    match = MESSAGE_API.search(re.sub(r"`[^`]*`", "", message))
    return match.group("api").split(".")[0] if match else "?"


def _table(title: str, counts: dict[str, Counter[str]]) -> None:
    print(f"\n{title:28} " + " ".join(f"{rule:>6}" for rule in RULES))
    for key in sorted(counts, key=lambda k: (-sum(counts[k].values()), k)):
        print(f"{key:28} " + " ".join(f"{counts[key][rule]:>6}" for rule in RULES))


def main() -> None:
    parser = corpus.argument_parser(__doc__, integrations=150, seed=3)
    parser.add_argument("--holdout", action="store_true", help="lint the HOLDOUT packages instead")
    parser.add_argument("--jobs", type=int, default=1, help="alint --jobs (1: the cost of one process)")
    args = parser.parse_args()
    packages, stem = (HOLDOUT, "timeouts-holdout") if args.holdout else (PACKAGES, "timeouts")
    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for spec in packages:
        paths += targets_of(corpus.fetch(spec, cache), spec, args.integrations, args.seed)
    files = corpus.python_files(paths, SKIPPED_FOLDERS)
    lines = sum(len(file.read_bytes().splitlines()) for file in files)
    run = lint(paths, cache, args.jobs)
    findings = [finding for finding in run.findings if finding["rule"] in RULES]
    summary, elapsed, cpu = run.summary, run.wall, run.cpu
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
    sampled = corpus.write_worksheet(findings, RULES, cache / f"{stem}-worksheet.md", cache,
                                     title="Worksheet: sampled AL3xx findings (fixed seed)",
                                     per_rule=args.per_rule, seed=args.seed, before=14, after=6)
    print(f"\n{'total':28} " + " ".join(f"{totals[rule]:>6}" for rule in RULES))
    print(f"{'sampled':28} " + " ".join(f"{sampled.get(rule, 0):>6}" for rule in RULES))
    print(f"worksheet: {cache / f'{stem}-worksheet.md'}")


if __name__ == "__main__":
    main()
