"""Precision of the AL2xx family on real code: download pinned sdists, lint them, sample findings.

    python bench/real_code_precision.py [--cache bench/.cache] [--integrations 200] [--seed 7]

Every package is a pinned source distribution fetched with ``pip download`` (the ordinary
client) into a cache folder ignored by git, then unpacked there. Home Assistant is big:
only a fixed-seed sample of its ``components/`` integrations that mention an HTTP client
is linted. alint runs once over everything with ``--format json`` and only the AL2xx rules,
with a configuration that does not honour .gitignore (the cache is ignored on purpose).
Fetching, unpacking, linting and sampling live in ``corpus.py``, shared with
``real_code_timeouts.py``.

Output: findings per rule, and a worksheet (``<cache>/worksheet.md``) with a fixed-seed
random sample of at most ``--per-rule`` findings per rule, each with its message and the
code around it, to be judged by hand into ``docs/precision/network.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import corpus

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
SKIPPED_FOLDERS = ("tests", "test", "docs", "examples", "doc")


def targets_of(root: Path, spec: str, integrations: int, seed: int) -> list[Path]:
    """Source folders to lint: the package, or a fixed sample of Home Assistant integrations."""
    if not spec.startswith("homeassistant=="):
        return corpus.source_folders(root, SKIPPED_FOLDERS)
    return corpus.sample_integrations(root, HTTP_WORDS, integrations, seed)


def main() -> None:
    parser = corpus.argument_parser(__doc__, integrations=200, seed=7)
    args = parser.parse_args()
    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    skipped = []
    for spec in PACKAGES:
        try:
            root = corpus.fetch(spec, cache)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, SystemExit) as exc:
            skipped.append(spec)  # an sdist that pip cannot prepare: said below, not hidden
            print(f"skipped {spec}: {exc}", file=sys.stderr)
            continue
        paths += targets_of(root, spec, args.integrations, args.seed)
    config = corpus.write_config(cache / "alint.toml", RULES)
    findings = corpus.run_alint(paths, config).findings
    (cache / "findings.json").write_text(json.dumps(findings, indent=1), encoding="utf-8")
    counts = Counter(str(finding["rule"]) for finding in findings)
    sampled = corpus.write_worksheet(findings, RULES, cache / "worksheet.md", cache,
                                     title="Worksheet: sampled findings (fixed seed)",
                                     per_rule=args.per_rule, seed=args.seed, before=12, after=8)
    files = len(corpus.python_files(paths))
    print(f"{len(PACKAGES) - len(skipped)} packages, {len(paths)} folders, {files} Python files"
          + (f"; skipped: {', '.join(skipped)}" if skipped else ""))
    print("rule   findings  sampled")
    for rule in RULES:
        print(f"{rule}  {counts.get(rule, 0):8d}  {sampled.get(rule, 0):7d}")
    print(f"worksheet: {cache / 'worksheet.md'}")


if __name__ == "__main__":
    main()
