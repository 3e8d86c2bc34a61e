"""Precision of the AL2xx family on real code: download pinned sdists, lint them, sample findings.

    python bench/real_code_precision.py [--cache bench/.cache] [--integrations 200] [--seed 7]

Every package is a pinned source distribution fetched with ``pip download`` (the ordinary
client) into a cache folder ignored by git, then unpacked there. Home Assistant is big:
only a fixed-seed sample of its ``components/`` integrations that mention an HTTP client
is linted. alint runs once over everything with ``--format json`` and only the AL2xx rules,
with a configuration that does not honour .gitignore (the cache is ignored on purpose).

Output: findings per rule, and a worksheet (``<cache>/worksheet.md``) with a fixed-seed
random sample of at most ``--per-rule`` findings per rule, each with its message and the
code around it, to be judged by hand into ``docs/precision/network.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = ("AL201", "AL202", "AL203", "AL204", "AL205", "AL206", "AL207")

# Pinned: newer Home Assistant releases use syntax older Pythons reject.
PACKAGES = (
    "homeassistant==2024.3.3",
    "hvac==2.1.0",            # HashiCorp Vault client on requests
    "python-gitlab==4.4.0",   # GitLab REST (requests) and GraphQL
    "jira==3.8.0",            # Jira REST on requests
    "tweepy==4.14.0",         # Twitter API: requests and aiohttp
    "spotipy==2.23.0",        # Spotify Web API on requests, with retries
    "prawcore==2.4.0",        # Reddit API core on requests, with retries
    "instaloader==4.11",      # Instagram: requests, GraphQL queries, retry loops
    "PyGithub==2.3.0",        # GitHub REST and GraphQL on requests
    "gql==3.5.0",             # GraphQL client: aiohttp, requests and httpx transports
    "python-binance==1.0.19", # Binance REST: requests and aiohttp
    "pyTelegramBotAPI==4.16.1",  # Telegram bots: requests and aiohttp, polling loops
    "discord.py==2.3.2",      # Discord: aiohttp, asyncio fan-out
    "gallery-dl==1.26.9",     # image downloader: requests, retry loops
    "mwclient==0.10.1",       # MediaWiki client: requests, retries with sleep
    "openai==0.28.1",         # OpenAI API (pre-1.0): requests and aiohttp
    "yfinance==0.2.37",       # Yahoo Finance: requests
    "spotdl==4.2.4",          # Spotify downloader: requests, asyncio fan-out
    "wikipedia==1.4.0",       # Wikipedia API wrapper on requests
    "pycoingecko==3.1.0",     # CoinGecko API on requests
    "howdoi==2.0.20",         # CLI on requests
    "python-graphql-client==0.4.3",  # GraphQL over requests and aiohttp
    "pyTibber==0.30.4",       # Tibber GraphQL API on aiohttp
    "monday==2.0.1",          # monday.com GraphQL API on requests
    "twitchio==2.9.1",        # Twitch API on aiohttp
    "you-get==0.4.1743",      # downloader scripts on urllib
    "changedetection.io==0.45.16",  # web app: requests, Flask views
    "ghstack==0.8.0",         # GitHub GraphQL over requests
    "cve-bin-tool==3.2.1",    # NVD downloads: aiohttp, asyncio.gather
    "asyncpraw==7.7.1",       # Reddit API on aiohttp
    "sherlock-project==0.16.2",  # CLI: many requests in a loop
    "AnilistPython==0.1.3",   # AniList GraphQL API on requests
    "maigret==0.4.4",         # username search: aiohttp fan-out
    "holehe==1.61",           # e-mail checks: httpx, async fan-out
    "OctoPrint==1.9.3",       # web app: Flask views, requests
    # Second enlargement (apps, CLIs, bots and integrations that call requests, httpx or
    # aiohttp themselves, for AL204/AL206/AL207 findings).
    "apprise==1.7.4",         # notifications to ~100 services: requests.post per service
    "ntfy==2.7.1",            # notification CLI: requests backends
    "discord-webhook==1.4.1", # Discord webhooks: requests and httpx
    "dhooks==1.1.4",          # Discord webhooks: requests and aiohttp
    "h8mail==2.5.6",          # e-mail OSINT CLI: requests per service
    "socialscan==2.0.1",      # username checks: aiohttp, asyncio.gather
    "nexfil==1.0.6",          # username search: aiohttp fan-out
    "ignorant==1.2",          # phone checks: httpx, async fan-out
    "toutatis==1.31",         # Instagram OSINT CLI: requests
    "gitfive==1.1.9",         # GitHub OSINT: httpx async, gather
    "ghunt==2.3.4",           # Google OSINT: httpx async
    "waybackpy==3.0.6",       # Wayback Machine CLI: requests
    "shodan==1.31.0",         # Shodan CLI and client: requests
    "sublist3r==1.0",         # subdomain CLI: requests in threads
    "social-analyzer==0.45",  # profile search: requests in threads
    "twint==2.1.20",          # Twitter scraper: aiohttp
    "gdown==6.5.1",           # Google Drive download CLI: requests
    "anilist-man==0.4.3",     # AniList CLI: GraphQL over requests
    "anilistpy==0.1.0",       # AniList GraphQL over requests
    "github-stats==0.0.3",    # GitHub statistics CLI
    "ghstats==2.0.0",         # GitHub release statistics CLI
    "pyhunter==2.1.0",        # Hunter.io API client: requests
    "wafw00f==2.4.2",         # WAF detection CLI: requests
    "zulip==0.9.1",           # Zulip bots and client: requests
    "Glances==3.4.0.5",       # monitoring app: version check, exports over requests
    "sopel==7.1.9",           # IRC bot: plugins calling requests
    "speedtest-cli==2.1.3",   # CLI on urllib, threads
    "opsdroid==0.31.0",       # chat-ops bot: aiohttp connectors and skills
    "errbot==6.2.1",          # chat-ops bot: requests in plugins and the repo manager
    "photon==1.1.9",          # crawler CLI: requests in threads
    "lyricsgenius==3.15.0",   # Genius API and scraping: requests
    "gh-stats-heatmap==1.0.3",  # GitHub contributions CLI: GraphQL
    "ghstats-cli==0.1.0",     # GitHub activity CLI: GraphQL
    "github-stats-analyzer==1.0.0",  # GitHub user statistics
    "anilist-chart==0.0.4",   # AniList GraphQL API
    "docker-scout-graphql==0.2.0",  # Docker Scout GraphQL CLI
    "assetnote-cli==0.0.1",   # GraphQL API CLI
)
HTTP_WORDS = ("import aiohttp", "import requests", "import httpx", "from aiohttp", "from requests", "from httpx")


def download(spec: str, cache: Path) -> Path:
    """The sdist of ``spec`` in ``cache/sdists`` (downloaded once)."""
    name, version = spec.split("==")
    folder = cache / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    existing = _find_archive(folder, name, version)
    if existing is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "-d", str(folder), spec], check=True)
        existing = _find_archive(folder, name, version)
    if existing is None:
        raise SystemExit(f"no sdist of {spec} in {folder}")
    return existing


def _find_archive(folder: Path, name: str, version: str) -> Path | None:
    wanted = {name.lower().replace("-", "_"), name.lower().replace("_", "-"), name.lower()}
    for path in sorted(folder.iterdir()):
        stem = path.name.lower()
        if any(stem.startswith(f"{candidate}-{version}.") for candidate in wanted) and (
                stem.endswith((".tar.gz", ".zip"))):
            return path
    return None


def unpack(archive: Path, cache: Path) -> Path:
    target = cache / "src" / archive.name.replace(".tar.gz", "").replace(".zip", "")
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as handle:
            handle.extractall(target.parent)
    else:
        with tarfile.open(archive) as handle:
            handle.extractall(target.parent, filter="data") if sys.version_info >= (3, 12) else handle.extractall(target.parent)  # noqa: E501
    return target


def targets_of(root: Path, spec: str, integrations: int, seed: int) -> list[Path]:
    """Source folders to lint: the package, or a fixed sample of Home Assistant integrations."""
    if not spec.startswith("homeassistant=="):
        return [path for path in sorted(root.iterdir()) if path.is_dir() and path.name not in
                ("tests", "test", "docs", "examples", "doc")]
    components = root / "homeassistant" / "components"
    candidates = [folder for folder in sorted(components.iterdir()) if folder.is_dir() and any(
        word in path.read_text(encoding="utf-8", errors="replace") for path in folder.glob("*.py")
        for word in HTTP_WORDS)]
    return sorted(random.Random(seed).sample(candidates, min(integrations, len(candidates))))


def lint(paths: list[Path], cache: Path) -> list[dict[str, object]]:
    config = cache / "alint.toml"
    config.write_text(f"respect-gitignore = false\nselect = {json.dumps(list(RULES))}\n", encoding="utf-8")
    command = [sys.executable, "-c", "from assumption_lint.cli import main; main()", "check", "--config", str(config),
               "--format", "json", "--exit-zero", *map(str, paths)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode not in (0, 1):
        raise SystemExit(f"alint failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return json.loads(completed.stdout)["findings"]


def worksheet(findings: list[dict[str, object]], per_rule: int, seed: int, out: Path, cache: Path) -> dict[str, int]:
    by_rule: dict[str, list[dict[str, object]]] = defaultdict(list)
    for finding in findings:
        by_rule[str(finding["rule"])].append(finding)
    lines = ["# Worksheet: sampled findings (fixed seed)", ""]
    sampled: dict[str, int] = {}
    for rule in RULES:
        pool = sorted(by_rule.get(rule, []), key=lambda f: (str(f["path"]), int(f["line"])))  # type: ignore[arg-type]
        chosen = random.Random(f"{seed}-{rule}").sample(pool, min(per_rule, len(pool)))
        chosen.sort(key=lambda f: (str(f["path"]), int(f["line"])))  # type: ignore[arg-type]
        sampled[rule] = len(chosen)
        lines += [f"## {rule}: {len(chosen)} of {len(pool)}", ""]
        for number, finding in enumerate(chosen, start=1):
            path = Path(str(finding["path"]))
            shown = path.relative_to(cache / "src") if path.is_relative_to(cache / "src") else path
            lines += [f"### {rule}-{number} `{shown}:{finding['line']}`", "", str(finding["message"]), "", "```python"]
            lines += _context(path, int(finding["line"]))  # type: ignore[arg-type]
            lines += ["```", ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return sampled


def _context(path: Path, line: int, before: int = 12, after: int = 8) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start, end = max(0, line - 1 - before), min(len(text), line + after)
    return [f"{'>' if number == line else ' '}{number:5d} {text[number - 1]}" for number in range(start + 1, end + 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--integrations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-rule", type=int, default=25)
    args = parser.parse_args()
    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    skipped = []
    for spec in PACKAGES:
        try:
            root = unpack(download(spec, cache), cache)
        except (subprocess.CalledProcessError, SystemExit) as exc:
            skipped.append(spec)  # an sdist that pip cannot prepare: said below, not hidden
            print(f"skipped {spec}: {exc}", file=sys.stderr)
            continue
        paths += targets_of(root, spec, args.integrations, args.seed)
    findings = lint(paths, cache)
    (cache / "findings.json").write_text(json.dumps(findings, indent=1), encoding="utf-8")
    counts = Counter(str(finding["rule"]) for finding in findings)
    sampled = worksheet(findings, args.per_rule, args.seed, cache / "worksheet.md", cache)
    files = sum(1 for path in paths for _ in (path.rglob("*.py") if path.is_dir() else [path]))
    print(f"{len(PACKAGES) - len(skipped)} packages, {len(paths)} folders, {files} Python files"
          + (f"; skipped: {', '.join(skipped)}" if skipped else ""))
    print("rule   findings  sampled")
    for rule in RULES:
        print(f"{rule}  {counts.get(rule, 0):8d}  {sampled.get(rule, 0):7d}")
    print(f"worksheet: {cache / 'worksheet.md'}")


if __name__ == "__main__":
    main()
