"""``alint merge``: one report from the reports of a run's shards (docs/sharding.md).

Reads alint's JSON or SARIF reports (all of one format), and writes one of the same format
whose findings are the ones a single run would report: each file is reported by exactly
one shard, so the findings are the inputs' findings in the single run's order (by path,
line, column and rule; a file's own order kept as its shard wrote it). What is summed: the
files and files parsed (JSON ``summary.files``/``parsed``, SARIF run property
``alint/merged``), the fixable counts, the fixes applied and the baseline's matched and gone
entries; recomputed from the merged findings: the finding count, ``by_rule`` and
``by_severity``; internal errors are joined (ordered by path), and path errors (every shard
reads the same paths) joined without repeats. Refused, with a message (``MergeError``):
mixed formats, reports of other tools, different alint versions, shards of different runs
(another configuration, other files, another number of shards), a shard given twice or
missing, and two reports that both report on one file.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .reporters.json_report import SCHEMA_VERSION, safe_json
from .reporters.sarif import SARIF_VERSION, SHARD_PROPERTY

MERGED_PROPERTY = "alint/merged"


class MergeError(ValueError):
    """An input that cannot be merged: the message says which and why."""


def read_report(path: Path) -> tuple[str, dict[str, Any]]:
    """(format, document) of one alint report: ``json`` or ``sarif``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MergeError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise MergeError(f"{path} is not JSON ({exc}): merge reads alint's --format json or sarif reports") from exc
    if isinstance(document, dict) and isinstance(document.get("runs"), list) and "version" in document:
        runs = document["runs"]
        if document.get("version") != SARIF_VERSION or len(runs) != 1 or not isinstance(runs[0], dict):
            raise MergeError(f"{path}: not a SARIF {SARIF_VERSION} log with one run, as alint writes")
        driver = runs[0].get("tool", {}).get("driver", {})
        if driver.get("name") != "alint":
            raise MergeError(f"{path}: a SARIF log of {driver.get('name')!r}, not of alint")
        return "sarif", document
    if isinstance(document, dict) and isinstance(document.get("tool"), dict) and "findings" in document:
        if document["tool"].get("name") != "alint":
            raise MergeError(f"{path}: a report of {document['tool'].get('name')!r}, not of alint")
        if document.get("version") != SCHEMA_VERSION:
            raise MergeError(f"{path}: JSON report schema version {document.get('version')!r}; "
                             f"this alint merges version {SCHEMA_VERSION}")
        return "json", document
    raise MergeError(f"{path}: not an alint JSON or SARIF report (merge reads --format json or sarif)")


def merge_files(paths: list[Path]) -> tuple[str, str]:
    """(format, text) of the merged report of ``paths``."""
    if not paths:
        raise MergeError("no reports to merge")
    read = [(path, *read_report(path)) for path in paths]
    formats = {kind for _, kind, _ in read}
    if len(formats) > 1:
        kinds = ", ".join(f"{path} is {kind}" for path, kind, _ in read)
        raise MergeError(f"cannot merge reports of different formats ({kinds})")
    kind = formats.pop()
    documents = [(path, document) for path, _, document in read]
    try:
        return kind, safe_json(merge_json(documents) if kind == "json" else merge_sarif(documents))
    except (KeyError, TypeError, AttributeError) as exc:  # a hand-edited or truncated report
        raise MergeError(f"a report is not laid out as alint {kind} reports are ({type(exc).__name__}: {exc}): "
                         + ", ".join(str(path) for path, _ in documents)) from exc


# ----------------------------------------------------------------------------- checks
def _same(documents: list[tuple[Path, Any]], what: str, values: list[Any]) -> None:
    if len({json.dumps(value, sort_keys=True) for value in values}) > 1:
        shown = ", ".join(f"{path}: {value}" for (path, _), value in zip(documents, values))
        raise MergeError(f"cannot merge reports of different {what} ({shown})")


def _check_shards(documents: list[tuple[Path, Any]], shards: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """The shards' common identity (None: no input is a shard), after the checks that they
    are the shards of one run, each once, none missing."""
    if all(shard is None for shard in shards):
        return None
    if any(shard is None for shard in shards):
        plain = ", ".join(str(path) for (path, _), shard in zip(documents, shards) if shard is None)
        raise MergeError(f"cannot merge shards with whole runs: {plain} was not run with --shard")
    assert all(isinstance(shard, dict) for shard in shards)
    _same(documents, "numbers of shards (--shard I/N with another N)", [shard["count"] for shard in shards])
    _same(documents, "alint configurations (each shard must run with the same settings)",
          [shard["config"] for shard in shards])
    _same(documents, "sets of files (each shard must check the same paths of the same tree)",
          [shard["files"] for shard in shards])
    count = shards[0]["count"]  # type: ignore[index]
    seen: dict[int, Path] = {}
    for (path, _), shard in zip(documents, shards):
        index = shard["index"]  # type: ignore[index]
        if index in seen:
            raise MergeError(f"shard {index}/{count} is given twice ({seen[index]} and {path})")
        seen[index] = path
    missing = [str(index) for index in range(1, count + 1) if index not in seen]
    if missing:
        raise MergeError(f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} of {count} "
                         f"missing: the merged report would lack their files' findings")
    first = dict(shards[0])  # type: ignore[arg-type]
    return {"count": count, "config": first["config"], "files": first["files"], "run_files": first.get("run_files")}


def _one_owner(documents: list[tuple[Path, Any]], paths_of: list[set[str]]) -> None:
    owner: dict[str, Path] = {}
    for (path, _), paths in zip(documents, paths_of):
        for name in sorted(paths):
            if name in owner and owner[name] != path:
                raise MergeError(f"{owner[name]} and {path} both report on {name}: merge joins reports of "
                                 f"different files (the shards of one run), never two reports of one file")
            owner[name] = path


# ------------------------------------------------------------------------------ JSON
def _finding_key(item: dict[str, Any]) -> tuple[str, int, int, str]:
    return (item["path"], item["line"], item["column"], item["rule"])  # Finding.sort_key


def merge_json(documents: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    _same(documents, "alint versions", [document["tool"].get("version") for _, document in documents])
    shard = _check_shards(documents, [document.get("shard") for _, document in documents])
    _one_owner(documents, [{item["path"] for item in document["findings"]} for _, document in documents])
    summaries = [document.get("summary", {}) for _, document in documents]
    _same(documents, "--since revisions", [summary.get("since") for summary in summaries])
    findings = sorted((item for _, document in documents for item in document["findings"]), key=_finding_key)
    errors = sorted((item for _, document in documents for item in document.get("errors", [])),
                    key=lambda item: item["path"])
    path_errors: dict[str, dict[str, Any]] = {}
    for _, document in documents:
        for item in document.get("path_errors", []):
            path_errors.setdefault(json.dumps(item, sort_keys=True), item)
    fixable: Counter[str] = Counter()
    for summary in summaries:
        fixable.update(summary.get("fixable", {}))
    summary: dict[str, Any] = {
        "files": sum(summary.get("files", 0) for summary in summaries),
        "parsed": sum(summary.get("parsed", 0) for summary in summaries),
        "findings": len(findings),
        "by_rule": dict(sorted(Counter(item["rule"] for item in findings).items())),
        "by_severity": dict(sorted(Counter(item["severity"] for item in findings).items())),
        "fixable": dict(fixable) if fixable else summaries[0].get("fixable", {}),
    }
    if any("fixed" in item for item in summaries):
        summary["fixed"] = sum(item.get("fixed", 0) for item in summaries)
    if any("baseline" in item for item in summaries):
        summary["baseline"] = {key: sum(item.get("baseline", {}).get(key, 0) for item in summaries)
                               for key in ("matched", "gone")}
    if summaries[0].get("since") is not None:
        summary["since"] = summaries[0]["since"]
    first = documents[0][1]
    merged: dict[str, Any] = {
        "version": first["version"],
        "tool": first["tool"],
        "findings": findings,
        "errors": errors,
        "path_errors": sorted(path_errors.values(), key=lambda item: item.get("path", "")),
        "summary": summary,
    }
    if shard is not None:
        merged["merged"] = shard
    return merged


# ----------------------------------------------------------------------------- SARIF
def _artifact_name(location: dict[str, Any]) -> str:
    """The report path of an artifact location (a %SRCROOT%-relative URI, or a file URI)."""
    uri = location.get("uri", "")
    if location.get("uriBaseId"):
        return unquote(uri)
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else unquote(uri)


def _result_path(result: dict[str, Any]) -> str:
    try:
        return _artifact_name(result["locations"][0]["physicalLocation"]["artifactLocation"])
    except (KeyError, IndexError, TypeError):
        return ""


def _notification_path(notification: dict[str, Any]) -> str:
    try:
        return _artifact_name(notification["locations"][0]["physicalLocation"]["artifactLocation"])
    except (KeyError, IndexError, TypeError):
        return ""


def merge_sarif(documents: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    runs = [document["runs"][0] for _, document in documents]
    drivers = [run.get("tool", {}).get("driver", {}) for run in runs]
    _same(documents, "alint versions", [driver.get("version") for driver in drivers])
    if len({json.dumps(driver.get("rules"), sort_keys=True) for driver in drivers}) > 1:
        raise MergeError("cannot merge reports whose rules differ (another catalog, extend-catalog or severity "
                         "settings): " + ", ".join(str(path) for path, _ in documents))
    shards = [run.get("properties", {}).get(SHARD_PROPERTY) for run in runs]
    shard = _check_shards(documents, [None if item is None else dict(item) for item in shards])
    _one_owner(documents, [{_result_path(result) for result in run.get("results", [])} for run in runs])
    # Each file's results come from one input, already in the single run's order: a stable
    # sort by path puts the files in that order too.
    results = sorted((result for run in runs for result in run.get("results", [])), key=_result_path)
    invocations = [invocation for run in runs for invocation in run.get("invocations", [])]
    errors, problems = [], {}
    for invocation in invocations:
        for notification in invocation.get("toolExecutionNotifications", []):
            if "associatedRule" in notification:
                errors.append(notification)
            else:  # a path that could not be read: every shard reports it
                problems.setdefault(json.dumps(notification, sort_keys=True), notification)
    errors.sort(key=lambda item: (_notification_path(item), item.get("message", {}).get("text", "")))
    notifications = errors + sorted(problems.values(), key=lambda item: item.get("message", {}).get("text", ""))
    invocation: dict[str, Any] = {"executionSuccessful": all(item.get("executionSuccessful", True)
                                                             for item in invocations)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    merged_run = {key: value for key, value in runs[0].items() if key not in ("results", "invocations", "properties")}
    merged_run["invocations"] = [invocation]
    merged_run["results"] = results
    if shard is not None:
        merged_run["properties"] = {MERGED_PROPERTY: {
            **shard,
            "files_checked": sum(item.get("files_checked", 0) for item in shards if item is not None),
            "parsed": sum(item.get("parsed", 0) for item in shards if item is not None)}}
    # The keys in the order the SARIF reporter writes them.
    ordered = {key: merged_run[key] for key in runs[0] if key in merged_run}
    ordered.update({key: value for key, value in merged_run.items() if key not in ordered})
    first = documents[0][1]
    return {"$schema": first.get("$schema"), "version": first["version"],
            **{key: value for key, value in first.items() if key not in ("$schema", "version", "runs")},
            "runs": [ordered]}
