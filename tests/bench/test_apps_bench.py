"""bench/apps.py on a tiny synthetic corpus: a real bare git repository made here, no network."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from harness import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import apps  # noqa: E402  (bench/ is a folder of scripts, not a package)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

CLIENT = '''\
import requests


def fetch_user(user_id):
    resp = requests.get(f"https://api.example.com/users/{user_id}", timeout=10)
    return resp.json()


def fetch_orders(user_id):
    resp = requests.get(f"https://api.example.com/orders/{user_id}")
    resp.raise_for_status()
    return resp.json()


def ping():
    try:
        requests.get("https://api.example.com/ping", timeout=5)
    except requests.RequestException:
        pass
'''
JOBS = '''\
import requests

def main():
    for spec in ({}, {"priority": "high"}):  # one failed job stops the others
        data = requests.post("https://api.example.com/jobs", json=spec, timeout=5).json()
        print(data["id"])


if __name__ == "__main__":
    main()
'''
CATALOG = {rule: "" for rule in ("AL201", "AL202", "AL203", "AL204", "AL301", "AL302")}


def run_git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


@pytest.fixture
def origin(tmp_path: Path) -> dict[str, object]:
    """A repository with two commits (the second with a Claude trailer) and its bare mirror
    at ``mirrors/acme/shop.git``, as ``git clone --mirror`` makes it."""
    work = tmp_path / "work"
    (work / "app").mkdir(parents=True)
    run_git(work, "init", "-q", "-b", "main")
    (work / "app" / "client.py").write_text(CLIENT, encoding="utf-8")
    (work / "app" / "jobs.py").write_text(JOBS, encoding="utf-8")
    (work / "README.md").write_text("shop\n", encoding="utf-8")
    run_git(work, "add", ".")
    run_git(work, "commit", "-q", "-m", "first version")
    (work / "app" / "jobs.py").write_text(JOBS + "# pinned\n", encoding="utf-8")
    run_git(work, "commit", "-q", "-am", "jobs: note\n\nCo-Authored-By: Claude <noreply@anthropic.com>")
    pinned = run_git(work, "rev-parse", "HEAD")
    (work / "app" / "jobs.py").write_text("# after the pin\n", encoding="utf-8")
    run_git(work, "commit", "-q", "-am", "after the pin")
    mirrors = tmp_path / "mirrors"
    (mirrors / "acme").mkdir(parents=True)
    run_git(tmp_path, "clone", "-q", "--mirror", str(work), str(mirrors / "acme" / "shop.git"))
    return {"work": work, "mirrors": mirrors, "commit": pinned}


def shop(commit: str, **changes: object) -> apps.App:
    values: dict[str, object] = dict(name="shop", kind="web", paths=("app",), lines=30, repo="acme/shop",
                                     commit=commit, assistant="1 of 2 commits carry `Co-Authored-By: Claude`")
    values.update(changes)
    return apps.App(**values)  # type: ignore[arg-type]


def write_corpus(folder: Path, commit: str, labels: str | None, extra_app: str = "") -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    toml = folder / "apps.toml"
    toml.write_text(f'''[[app]]
name = "shop"
kind = "web"
repo = "acme/shop"
commit = "{commit}"
paths = ["app"]
lines = 30
stack = ["requests"]
assistant = "1 of 2 commits carry `Co-Authored-By: Claude`"
note = "synthetic"
{extra_app}''', encoding="utf-8")
    label_dir = folder / "labels"
    label_dir.mkdir(exist_ok=True)
    if labels is not None:
        (label_dir / "shop.toml").write_text('app = "shop"\n' + labels, encoding="utf-8")
    return toml, label_dir


def label(rule: str, line: int, verdict: str = "positive", path: str = "app/client.py", source: str = "reading",
          app: str = "shop") -> apps.Label:
    return apps.Label(app, path, line, rule, verdict, "because", source)


def finding(rule: str, line: int, related: tuple[int, ...] = (), path: str = "app/client.py",
            app: str = "shop") -> apps.Finding:
    return apps.Finding(app, path, line, rule, f"{rule} message", related)


# ----------------------------------------------------------------------------- getting the code
@pytest.mark.parametrize("layout", ["acme+shop/repo", "acme+shop", "acme/shop.git"])
def test_finds_the_mirror_in_each_layout(origin: dict[str, object], tmp_path: Path, layout: str) -> None:
    mirrors = tmp_path / "other-mirrors"
    target = mirrors / layout
    target.parent.mkdir(parents=True)
    shutil.copytree(Path(str(origin["mirrors"])) / "acme" / "shop.git", target)
    assert apps.find_mirror(mirrors, "acme/shop") == target
    assert apps.find_mirror(mirrors, "acme/other") is None


def test_fetch_extracts_the_pinned_commit_once(origin: dict[str, object], tmp_path: Path) -> None:
    cache, app = tmp_path / "cache", shop(str(origin["commit"]))
    fetched = apps.fetch_app(app, cache, Path(str(origin["mirrors"])))
    assert fetched.root == cache / "apps" / "shop"
    # The pinned version, not the mirror's HEAD.
    assert (fetched.root / "app" / "jobs.py").read_text(encoding="utf-8") == JOBS + "# pinned\n"
    assert (fetched.root / "app" / "client.py").read_text(encoding="utf-8") == CLIENT
    assert not (fetched.root / "README.md").exists()  # only the app's paths
    (fetched.root / "marker.txt").write_text("kept", encoding="utf-8")
    again = apps.fetch_app(app, cache, Path(str(origin["mirrors"])))
    assert again.message == "cached" and (again.root / "marker.txt").exists()
    # A new pin replaces the stale copy.
    first = run_git(Path(str(origin["work"])), "rev-parse", "HEAD~2")
    moved = apps.fetch_app(shop(first), cache, Path(str(origin["mirrors"])))
    assert moved.root is not None and not (moved.root / "marker.txt").exists()
    assert (moved.root / "app" / "jobs.py").read_text(encoding="utf-8") == JOBS


def test_fetch_says_how_to_bring_a_missing_mirror(tmp_path: Path) -> None:
    fetched = apps.fetch_app(shop("a" * 40, repo="acme/absent"), tmp_path / "cache", tmp_path / "mirrors")
    assert fetched.root is None
    assert "no mirror of acme/absent" in fetched.message
    assert "git clone --mirror https://github.com/acme/absent" in fetched.message
    assert "acme+absent/repo" in fetched.message and "acme/absent.git" in fetched.message
    without = apps.fetch_app(shop("a" * 40), tmp_path / "cache", None)
    assert without.root is None and apps.MIRRORS_ENV in without.message


def test_fetch_reports_a_commit_missing_from_the_mirror(origin: dict[str, object], tmp_path: Path) -> None:
    fetched = apps.fetch_app(shop("0123456789" * 4), tmp_path / "cache", Path(str(origin["mirrors"])))
    assert fetched.root is None
    assert "commit 0123456789012345678901234567890123456789 is not in the mirror" in fetched.message
    assert not (tmp_path / "cache" / "apps" / "shop").exists()


def test_fetch_command_goes_on_after_a_missing_entry(origin: dict[str, object], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    extra = '\n[[app]]\nname = "gone"\nkind = "bot"\nrepo = "acme/gone"\ncommit = "' + "b" * 40 + \
            '"\npaths = ["bot"]\nlines = 10\n'
    toml, _ = write_corpus(tmp_path / "corpus", str(origin["commit"]), None, extra)
    status = apps.main(["--apps", str(toml), "--cache", str(tmp_path / "cache"), "--mirrors",
                        str(origin["mirrors"]), "fetch"])
    out = capsys.readouterr().out
    assert status == 1
    assert "MISSING gone: no mirror of acme/gone" in out
    assert "1 of 2 applications" in out and "missing: gone" in out
    assert (tmp_path / "cache" / "apps" / "shop" / "app" / "client.py").is_file()


def test_extraction_refuses_a_link_out_of_the_folder(origin: dict[str, object], tmp_path: Path) -> None:
    work = Path(str(origin["work"]))
    os.symlink("../../../outside.txt", work / "escape")
    run_git(work, "add", "escape")
    run_git(work, "commit", "-q", "-m", "link")
    commit = run_git(work, "rev-parse", "HEAD")
    run_git(Path(str(origin["mirrors"])) / "acme" / "shop.git", "fetch", "-q", str(work), "main:main")
    fetched = apps.fetch_app(shop(commit, paths=(".",)), tmp_path / "cache", Path(str(origin["mirrors"])))
    assert fetched.root is not None
    assert "refused 1 member" in fetched.message and "escape" in fetched.message
    assert not os.path.lexists(fetched.root / "escape")
    assert (fetched.root / "README.md").is_file()


def test_files_absent_from_a_partial_mirror_are_left_out_and_named(origin: dict[str, object], tmp_path: Path) -> None:
    # The fetch tool's snapshots can list the largest files without their content.
    work = Path(str(origin["work"]))
    (work / "assets").mkdir()
    (work / "assets" / "big.bin").write_bytes(b"\0" * 1000)
    (work / "app" / "huge.py").write_text("DATA = 1\n", encoding="utf-8")
    run_git(work, "add", ".")
    run_git(work, "commit", "-q", "-m", "assets")
    commit = run_git(work, "rev-parse", "HEAD")
    mirror = tmp_path / "partial" / "acme+shop" / "repo"
    run_git(tmp_path, "clone", "-q", "--mirror", str(work), str(mirror))
    for path in ("assets/big.bin", "app/huge.py"):
        sha = run_git(mirror, "rev-parse", f"{commit}:{path}")
        (mirror / "objects" / sha[:2] / sha[2:]).unlink()
    fetched = apps.fetch_app(shop(commit, paths=(".",)), tmp_path / "cache", tmp_path / "partial")
    assert fetched.root is not None, fetched.message
    assert "2 file(s) absent from the mirror" in fetched.message and "assets/big.bin" in fetched.message
    assert "WARNING: 1 of them Python, not analysed: app/huge.py" in fetched.message
    assert not (fetched.root / "assets" / "big.bin").exists()
    assert (fetched.root / "app" / "client.py").read_text(encoding="utf-8") == CLIENT


def test_paths_reported_relative_to_an_enclosing_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    root = tmp_path / "bench" / ".cache" / "apps" / "shop"
    (root / "app").mkdir(parents=True)
    (root / "app" / "client.py").write_text(CLIENT, encoding="utf-8")
    assert apps.relative_path("bench/.cache/apps/shop/app/client.py", root) == "app/client.py"
    assert apps.relative_path("app/client.py", root) == "app/client.py"
    assert apps.relative_path(str(root / "app" / "client.py"), root) == "app/client.py"


def test_fetch_unpacks_a_pinned_sdist(tmp_path: Path) -> None:
    # An sdist already in the shared download folder: corpus.download finds it without pip.
    source = tmp_path / "tinyapp-1.0"
    (source / "tinyapp").mkdir(parents=True)
    (source / "tinyapp" / "main.py").write_text(JOBS, encoding="utf-8")
    cache = tmp_path / "cache"
    (cache / "sdists").mkdir(parents=True)
    with tarfile.open(cache / "sdists" / "tinyapp-1.0.tar.gz", "w:gz") as bundle:
        bundle.add(source, arcname="tinyapp-1.0")
    app = apps.App(name="tiny", kind="cli", paths=("tinyapp",), lines=10, sdist="tinyapp==1.0")
    fetched = apps.fetch_app(app, cache, None)
    assert fetched.root == cache / "apps" / "tiny"
    assert (fetched.root / "tinyapp" / "main.py").read_text(encoding="utf-8") == JOBS
    assert apps.extracted_root(app, cache) == fetched.root
    assert apps.fetch_app(app, cache, None).message == "cached"


# ----------------------------------------------------------------------------- matching and scoring
def test_matches_on_the_primary_and_the_related_lines_of_the_same_file() -> None:
    labels = [label("AL202", 6), label("AL202", 9), label("AL202", 6, path="app/jobs.py")]
    judged = apps.judge([finding("AL202", 5, related=(6,)), finding("AL202", 9), finding("AL202", 7)], labels)
    assert [item.verdict for item in judged] == ["TP", "TP", None]
    assert judged[0].labels == (labels[0],)   # not the label of the other file
    assert judged[1].labels == (labels[1],)


def test_rule_must_match_exactly_or_by_family() -> None:
    labels = [label("AL201", 5), label("AL2", 10), label("AL3", 20)]
    judged = apps.judge([finding("AL202", 5), finding("AL204", 10), finding("AL204", 20)], labels)
    assert [item.verdict for item in judged] == [None, "TP", None]


def test_a_positive_outweighs_a_negative_on_the_same_finding() -> None:
    labels = [label("AL202", 5, "negative"), label("AL202", 6)]
    assert apps.judge([finding("AL202", 5, related=(6,))], labels)[0].verdict == "TP"
    assert apps.judge([finding("AL202", 5)], labels)[0].verdict == "FP"


def test_recall_and_precision_arithmetic() -> None:
    labels = [
        label("AL201", 10), label("AL201", 20), label("AL201", 30),   # found, found, missed
        label("AL201", 40, source="triage"),                            # triage: not in recall
        label("AL201", 50, "negative"),                                 # fired on: an FP
        label("AL201", 60, "negative"),                                 # quiet
        label("AL2", 70),                                               # family label, found by AL204
        label("AL2", 80),                                               # family label, missed
        label("AL301", 10),                                             # another family, not selected
    ]
    findings = [finding("AL201", 10), finding("AL201", 19, related=(20,)), finding("AL201", 40),
                finding("AL201", 50), finding("AL201", 90), finding("AL204", 70), finding("AL301", 10)]
    result = apps.score(findings, labels, ["AL2"], CATALOG)
    rows = {row.key: row.tally for row in result.rules}
    assert list(rows) == ["AL201", "AL202", "AL203", "AL204", "AL2"]
    al201 = rows["AL201"]
    assert (al201.positives, al201.found, al201.negatives, al201.fired) == (3, 2, 2, 1)
    assert (al201.findings, al201.tp, al201.fp, al201.judged, al201.unjudged) == (5, 3, 1, 4, 1)
    assert al201.recall == pytest.approx(2 / 3) and al201.precision == pytest.approx(3 / 4)
    al204 = rows["AL204"]
    assert (al204.positives, al204.findings, al204.tp, al204.precision, al204.recall) == (0, 1, 1, 1.0, None)
    family = rows["AL2"]
    assert (family.positives, family.found, family.findings, family.tp, family.fp) == (5, 3, 6, 4, 1)
    assert rows["AL202"].precision is None and apps.percent(rows["AL202"].precision) == "–"
    assert [(item.rule, item.line) for item in result.missed] == [("AL2", 80), ("AL201", 30)]
    assert [finding.line for finding in result.unjudged("AL201")] == [90]
    (app_row,) = result.apps
    assert (app_row.key, app_row.tally.positives, app_row.tally.findings, app_row.tally.tp) == ("shop", 5, 6, 4)


def test_per_application_rows_keep_applications_apart() -> None:
    labels = [label("AL202", 5), label("AL202", 5, app="blog", verdict="negative")]
    findings = [finding("AL202", 5), finding("AL202", 5, app="blog")]
    corpus_apps = [shop("a" * 40), shop("a" * 40, name="blog", kind="cli")]
    result = apps.score(findings, labels, ["AL202"], CATALOG, corpus_apps)
    rows = {row.key: (row.title, row.tally.tp, row.tally.fp) for row in result.apps}
    assert rows == {"shop": ("web", 1, 0), "blog": ("cli", 0, 1)}
    assert [row.key for row in result.rules] == ["AL202"]  # an id selector has no family row


def test_label_paths_under_the_analysed_paths() -> None:
    assert apps.under("app/x.py", "app") and apps.under("app/x.py", "app/") and apps.under("app.py", "app.py")
    assert apps.under("anything/x.py", ".")
    assert not apps.under("application/x.py", "app") and not apps.under("README.md", "app")


def test_page_lists_family_positives_not_found() -> None:
    result = apps.score([finding("AL201", 5)], [label("AL2", 80), label("AL201", 5)], ["AL2"], CATALOG)
    header = apps.PageHeader("T", "cmd", "0.1.0", "abc", "2026-01-01", 1, 5, "1 application")
    page = apps.render_page(result, header, apps.sample_unjudged(result, 5, 1))
    assert "## Family-level positives not found (1)\n" in page
    assert "| 1 | AL2 | shop | app/client.py:80 | because |" in page
    assert "| 1 | shop | app/client.py:5 | TP | because (reading) |" in page


def test_rewriting_a_page_keeps_the_prose_around_the_generated_part(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    apps.write_page(page, "first\n")
    page.write_text("# Title\n\nProse.\n\n" + page.read_text(encoding="utf-8") + "\nMore prose.\n",
                    encoding="utf-8")
    apps.write_page(page, "second\n")
    assert page.read_text(encoding="utf-8") == (f"# Title\n\nProse.\n\n{apps.BEGIN}\nsecond\n{apps.END}\n"
                                                "\nMore prose.\n")


def test_sampling_is_fixed_by_the_seed() -> None:
    findings = [finding("AL202", line) for line in range(1, 41)]
    result = apps.score(findings, [], ["AL202"], CATALOG)
    shuffled = findings[:]
    random.Random(5).shuffle(shuffled)
    again = apps.score(shuffled, [], ["AL202"], CATALOG)
    first = apps.sample_unjudged(result, 5, 2026)["AL202"]
    assert first == apps.sample_unjudged(again, 5, 2026)["AL202"]
    assert first[1] == 40 and len(first[0]) == 5
    assert [item.line for item in first[0]] == sorted(item.line for item in first[0])
    assert first[0] != apps.sample_unjudged(result, 5, 7)["AL202"][0]
    assert len(apps.sample_unjudged(result, 100, 2026)["AL202"][0]) == 40


# ----------------------------------------------------------------------------- check
def test_check_accepts_a_good_corpus_and_recounts_the_evidence(origin: dict[str, object], tmp_path: Path) -> None:
    toml, label_dir = write_corpus(tmp_path / "corpus", str(origin["commit"]),
                                   '[[label]]\npath = "app/client.py"\nline = 6\nrule = "AL202"\n'
                                   'verdict = "positive"\nwhy = "An error body is returned as the user."\n')
    cache = tmp_path / "cache"
    assert apps.fetch_app(apps.load_apps(toml)[0], cache, Path(str(origin["mirrors"]))).root is not None
    problems = apps.check(toml, label_dir, apps.CATALOG, cache, Path(str(origin["mirrors"])))
    assert problems.errors == []
    assert any(note.startswith("shop: assistant evidence: re-counted, agrees") for note in problems.notes)
    assert problems.warnings == []
    toml.write_text(toml.read_text(encoding="utf-8").replace("lines = 30", "lines = 5000"), encoding="utf-8")
    problems = apps.check(toml, label_dir, apps.CATALOG, cache, Path(str(origin["mirrors"])))
    assert problems.warnings == ["shop: `lines = 5000`, but its paths hold 30 lines of Python (30 without tests)"]


def test_check_reports_wrong_evidence_and_a_missing_commit(origin: dict[str, object], tmp_path: Path) -> None:
    extra = ('\n[[app]]\nname = "shop2"\nkind = "cli"\nrepo = "acme/shop"\ncommit = "' + "c" * 40 +
             '"\npaths = ["app"]\nlines = 30\n')
    toml, label_dir = write_corpus(tmp_path / "corpus", str(origin["commit"]), None, extra)
    toml.write_text(toml.read_text(encoding="utf-8").replace('"1 of 2 commits', '"2 of 2 commits'), encoding="utf-8")
    problems = apps.check(toml, label_dir, apps.CATALOG, tmp_path / "cache", Path(str(origin["mirrors"])))
    assert any("shop: assistant evidence: recorded 2 of 2 for Co-Authored-By: Claude, re-counted 1 of 2" in error
               for error in problems.errors)
    assert any(f"shop2: commit {'c' * 40} is not in the mirror" in error for error in problems.errors)


def test_evidence_claims_are_read_with_their_markers() -> None:
    text = ("25 of 1003 commits are authored by `Claude` (Claude Code on the web, 3 of the 9 touching src) "
            "and 4 merge `claude/` branches; 1 of 1 carries `Co-Authored-By: Claude` and `Generated with Claude "
            "Code`; `.aider.chat.history.md` committed")
    assert apps.claims(text) == [
        apps.Claim(25, 1003, ("authored by Claude",)), apps.Claim(4, None, ("claude/ branch merges",)),
        apps.Claim(1, 1, ("Co-Authored-By: Claude", "Generated with Claude Code"))]
    texts = ("Claude\nAdd the webhook", "Dev\nMerge pull request #6 from dev/claude/oauth\n\nreview",
             "Dev\nfix\n\nCo-Authored-By: Claude <noreply@anthropic.com>", "Dev (aider)\naider: refactor",
             "Dev\nMerge branch 'main' into claude/oauth")
    evidence = apps.Evidence(len(texts), {}, texts)
    assert evidence.carrying(["authored by Claude"]) == 1
    assert evidence.carrying(["claude/ branch merges"]) == 1
    assert evidence.carrying(["Co-Authored-By: Claude", "authored by Claude"]) == 2
    assert evidence.carrying(["aider"]) == 1


def _family_without_rules() -> str | None:
    from assumption_lint.catalog import shipped_catalog

    rules = shipped_catalog().rules
    return next((family for family in apps.FAMILIES if not any(rule.startswith(family) for rule in rules)), None)


def test_check_reports_bad_entries_and_labels(origin: dict[str, object], tmp_path: Path) -> None:
    extra = '\n[[app]]\nname = "shop"\nkind = "game"\nrepo = "acme/x"\ncommit = "abc"\npaths = ["../up"]\nlines = 0\n'
    labels = '''
[[label]]
path = "app/client.py"
line = 6
rule = "AL202"
verdict = "maybe"
why = "x"

[[label]]
path = "app/client.py"
line = 6
rule = "AL2O1"
verdict = "positive"
why = "x"

[[label]]
path = "app/jobs.py"
line = 5
rule = "AL201"
verdict = "positive"
why = "x"

[[label]]
path = "app/jobs.py"
line = 5
rule = "AL201"
verdict = "negative"
why = "x"

[[label]]
path = "README.md"
line = 1
rule = "AL2"
verdict = "positive"
why = "x"

[[label]]
path = "app/client.py"
line = 400
rule = "FAMILY"
verdict = "negative"
why = "x"
'''
    # A family whose rules are not built yet (families land one by one).
    family = _family_without_rules()
    labels = labels.replace("FAMILY", family or "AL2")
    toml, label_dir = write_corpus(tmp_path / "corpus", str(origin["commit"]), labels, extra)
    (label_dir / "nobody.toml").write_text('app = "nobody"\n', encoding="utf-8")
    cache = tmp_path / "cache"
    assert apps.fetch_app(apps.load_apps(toml, apps.Problems())[0], cache, Path(str(origin["mirrors"]))).root
    problems = apps.check(toml, label_dir, apps.CATALOG, cache, Path(str(origin["mirrors"])))
    text = "\n".join(problems.errors)
    assert "app 2 (shop): `kind` must be one of web, bot, cli, scraper, pipeline, llm, not 'game'" in text
    assert "app 2 (shop): `commit` must be a full 40-digit" in text
    assert "app 2 (shop): path '../up' must be relative" in text
    assert "app 2 (shop): `lines` must be a positive integer" in text
    assert "label 1: `verdict` must be 'positive' or 'negative', not 'maybe'" in text
    assert "label 2: `rule` must be a rule id such as 'AL201' or a family such as 'AL2', not 'AL2O1'" in text
    assert "label 4: app/jobs.py:5 AL201 contradicts" in text
    assert "label 5: README.md is outside the paths alint analyses (app)" in text
    assert "label 6: line 400 is past the end of app/client.py (19 lines)" in text
    assert "nobody.toml: no application named 'nobody'" in text
    if family is not None:
        assert any(f"family {family} has no rule in the catalog yet" in warning for warning in problems.warnings)


def test_bad_toml_is_a_message_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "apps.toml"
    toml.write_text("[[app]\nname = ", encoding="utf-8")
    assert apps.main(["--apps", str(toml), "list"]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert apps.main(["--apps", str(toml), "--labels", str(tmp_path), "check"]) == 1
    assert "not valid TOML" in capsys.readouterr().out
    assert apps.main(["--apps", str(tmp_path / "none.toml"), "fetch"]) == 2
    assert "none.toml: no such file" in capsys.readouterr().err


def test_list_prints_the_corpus_table(origin: dict[str, object], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    toml, _ = write_corpus(tmp_path / "corpus", str(origin["commit"]), None)
    assert apps.main(["--apps", str(toml), "list"]) == 0
    out = capsys.readouterr().out
    assert "| shop | web | 30 | 1 of 2 commits carry `Co-Authored-By: Claude` |" in out
    assert "1 applications, 30 lines, 1 with assistant evidence." in out
    assert apps.main(["--apps", str(toml), "list", "--repos"]) == 0
    assert capsys.readouterr().out == "acme/shop\n"


# ----------------------------------------------------------------------------- end to end
LABELS = '''
[[label]]
path = "app/client.py"
line = 6
rule = "AL202"
verdict = "positive"
why = "An error body is returned as the user."

[[label]]
path = "app/jobs.py"
line = 5
rule = "AL201"
verdict = "positive"
why = "A connection error ends the CLI with a traceback."

[[label]]
path = "app/client.py"
line = 10
rule = "AL201"
verdict = "positive"
why = "No handler anywhere up the stack."

[[label]]
path = "app/client.py"
line = 18
rule = "AL2"
verdict = "positive"
why = "The ping failure is swallowed."

[[label]]
path = "app/client.py"
line = 12
rule = "AL202"
verdict = "negative"
why = "raise_for_status is called first."

[[label]]
path = "app/jobs.py"
line = 5
rule = "AL202"
verdict = "negative"
source = "triage"
why = "Judged harmless: the KeyError is the outcome check."
'''


def test_score_runs_alint_on_a_two_file_app(origin: dict[str, object], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    toml, label_dir = write_corpus(tmp_path / "corpus", str(origin["commit"]), LABELS)
    cache, page = tmp_path / "cache", tmp_path / "page.md"
    common = ["--apps", str(toml), "--labels", str(label_dir), "--cache", str(cache)]
    assert apps.main([*common, "--mirrors", str(origin["mirrors"]), "fetch"]) == 0
    capsys.readouterr()
    assert apps.main([*common, "score", "--rules", "AL2", "--rules", "AL3", "--seed", "3", "--worksheet",
                      str(page)]) == 0
    out = capsys.readouterr().out
    text = page.read_text(encoding="utf-8")
    #           Rule | Title | Pos | Found | Recall | Findings | Judged | TP | FP | Precision | Unjudged | Neg | Fired
    assert "| AL201 | unhandled-network-error | 2 | 1 | 50% | 1 | 1 | 1 | 0 | 100% | 0 | 0 | 0 |" in text
    assert "| AL202 | unchecked-status | 1 | 1 | 100% | 2 | 2 | 1 | 1 | 50% | 0 | 2 | 1 |" in text
    assert "| AL204 | swallowed-network-error | 0 | 0 | – | 1 | 1 | 1 | 0 | 100% | 0 | 0 | 0 |" in text
    assert "| AL2 | family | 4 | 3 | 75% | 4 | 4 | 3 | 1 | 75% | 0 | 2 | 1 |" in text
    assert "| AL301 | missing-timeout | 0 | 0 | – | 1 | 0 | 0 | 0 | – | 1 | 0 | 0 |" in text
    assert "| shop | web | 4 | 3 | 75% | 5 | 4 | 3 | 1 | 75% | 1 | 2 | 1 |" in text
    assert "- Seed: 3" in text and "score --rules AL2 --rules AL3 --seed 3" in text
    assert "### Unlabelled findings: 1 of 1 (seed 3)" in text
    assert ('| 1 | shop | app/client.py:10 | `resp = requests.get(f"https://api.example.com/orders/{user_id}")` |'
            in text)
    assert "| 1 | shop | app/client.py:10 | No handler anywhere up the stack. |" in text  # a missed positive
    assert "AL202" in out and "shop" in out and "worksheet:" in out


def test_score_names_files_alint_could_not_parse(origin: dict[str, object], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "cache" / "apps" / "shop"
    (root / "app").mkdir(parents=True)
    (root / "app" / "broken.py").write_text("import requests\ndef (:\n", encoding="utf-8")
    (root / "app" / "client.py").write_text(CLIENT, encoding="utf-8")
    config = apps.corpus.write_config(tmp_path / "alint.toml", ["AL2"], preview=True)
    run = apps.run_alint(shop("a" * 40), root, ["AL2"], apps.alint_command(None), config)
    assert any(error.startswith("app/broken.py:") and "AL001" in error for error in run.errors)
    assert {(finding.path, finding.rule) for finding in run.findings} == {("app/client.py", "AL202"),
                                                                         ("app/client.py", "AL204")}


def test_score_says_when_alint_fails(origin: dict[str, object], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    toml, label_dir = write_corpus(tmp_path / "corpus", str(origin["commit"]), None)
    common = ["--apps", str(toml), "--labels", str(label_dir), "--cache", str(tmp_path / "cache")]
    assert apps.main([*common, "score", "--rules", "AL2"]) == 2
    assert "no application could be scored: shop (not fetched" in capsys.readouterr().err
    assert apps.main([*common, "--mirrors", str(origin["mirrors"]), "fetch"]) == 0
    assert apps.main([*common, "score", "--rules", "AL2", "--alint", f"{sys.executable} -c 'print(1)'"]) == 2
    err = capsys.readouterr().err
    assert "shop: alint failed (exit 0)" in err and "Traceback" not in err
    assert apps.main([*common, "score", "--rules", "AL2", "--alint", "no-such-alint-binary"]) == 2
    assert "cannot run alint: 'no-such-alint-binary' not found" in capsys.readouterr().err


def test_a_label_may_name_a_rule_before_it_exists_but_not_an_unknown_family() -> None:
    # Labels come before their rule (recall is measured blind), also in a family that ships others.
    assert apps.rule_problem("AL299", CATALOG)[0] == "warning"
    assert apps.rule_problem("AL4", CATALOG)[0] == "warning"
    assert apps.rule_problem("AL601", CATALOG)[0] == "error"
    assert apps.rule_problem("AL201", CATALOG) is None
