"""A first look at AL201/AL202/AL204 on real code: counts per rule, and a sample to read.

    python bench/real_code_network.py [--cache bench/.cache] [--sample 5] [--seed 1]

Downloads a few pinned source distributions of packages that make many network calls
(with ``pip download``, the ordinary client) into a cache folder that git ignores, unpacks
them there, runs ``alint --select AL2 --format json`` over each, and prints the number of
findings per rule and package, then a fixed-seed sample of findings per rule with the
line they point at, to be judged by hand.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = ("AL201", "AL202", "AL204")

# Pinned sdists of libraries and applications built on requests, httpx, aiohttp and boto3.
PACKAGES = (
    "hvac==2.1.0",               # HashiCorp Vault client (requests)
    "python-gitlab==4.4.0",      # GitLab REST client and CLI (requests)
    "jira==3.8.0",               # Jira REST client (requests)
    "spotipy==2.23.0",           # Spotify Web API (requests)
    "yfinance==0.2.37",          # Yahoo Finance scraper (requests)
    "gallery-dl==1.26.9",        # image downloader CLI (requests, loops over items)
    "pyTelegramBotAPI==4.16.1",  # Telegram bots (requests and aiohttp, polling threads)
    "instaloader==4.11",         # Instagram downloader CLI (requests)
    "you-get==0.4.1743",         # video downloader CLI (urllib)
    "sherlock-project==0.16.2",  # username search CLI (requests, one request per site)
    "changedetection.io==0.45.16",  # Flask web app watching pages (requests)
    # Home Assistant's integrations (requests and aiohttp); newer releases use syntax older
    # Pythons reject. Only the components folder is linted.
    "homeassistant==2024.3.3::homeassistant/components",
)


def download(spec: str, cache: Path) -> Path:
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


def lint(folder: Path, subfolder: str = "") -> list[dict[str, object]]:
    # The cache is ignored by git on purpose: do not let alint honour .gitignore here.
    config = folder / ".alint-bench.toml"
    config.write_text("respect-gitignore = false\n", encoding="utf-8")
    command = [sys.executable, "-m", "assumption_lint.cli", "check", "--select", "AL2", "--format", "json",
               "--exit-zero", "--config", str(config), str(folder / subfolder if subfolder else folder)]
    result = subprocess.run(command, capture_output=True, text=True)
    # Exit status 2 also means "some file could not be parsed" (AL001/AL002): the report
    # is still complete for the rest.
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"alint failed on {folder} (exit {result.returncode}):\n{result.stderr}")
    return [finding for finding in report["findings"] if finding["rule"] in RULES]


def line_of(path: str, line: int) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--sample", type=int, default=5, help="findings shown per rule")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    total: Counter[str] = Counter()
    everything: list[dict[str, object]] = []
    print(f"{'package':28} " + " ".join(f"{rule:>6}" for rule in RULES))
    for entry in PACKAGES:
        spec, _, subfolder = entry.partition("::")
        folder = unpack(download(spec, args.cache), args.cache)
        found = lint(folder, subfolder)
        counts = Counter(str(finding["rule"]) for finding in found)
        total.update(counts)
        everything.extend(found)
        print(f"{spec:28} " + " ".join(f"{counts[rule]:>6}" for rule in RULES))
    print(f"{'total':28} " + " ".join(f"{total[rule]:>6}" for rule in RULES))
    chooser = random.Random(args.seed)
    for rule in RULES:
        findings = [finding for finding in everything if finding["rule"] == rule]
        print(f"\n## {rule}: sample of {min(args.sample, len(findings))} of {len(findings)}")
        for finding in chooser.sample(findings, min(args.sample, len(findings))):
            path = str(finding["path"])
            line = int(finding["line"])  # type: ignore[arg-type]
            shown = path.split("/src/", 1)[-1]
            print(f"- {shown}:{line}: {finding['message']}\n    {line_of(path, line)}")


if __name__ == "__main__":
    main()
