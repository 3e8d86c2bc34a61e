"""The finding pipeline: from what checks report to the findings of one file.

Every filter a finding passes is here, in this order:

1. **gate** (``records``, asked by ``Check.report``): a rule is recorded when it is enabled,
   or when an enabled rule yields to it (its finding decides where the other stands back);
2. **lost facts**: the findings of a check whose shared fact crashed are dropped (its
   input is gone; the crash is an AL002); then **fact vetoes**: a fact a check needs may
   drop its findings (``Fact.drops``: Reachability drops findings in code nothing runs);
3. **yields** (``deduplicated``): a finding is dropped where a rule it yields to speaks for
   the same node. This runs on every recorded finding, before selection, so the outcome
   does not depend on what is selected;
4. **selection** (``selected``): the enabled rules, minus the file's ``per-file-ignores``,
   minus the notes a rule hides by default (``notes = false`` in rules.toml, ``shown``)
   unless the settings ask for them (``--show-notes``);
5. **positions**: a whole-tree pass, paid only by files with findings left;
6. **suppression comments** (``# alint: ignore[...]``, ``# noqa: ...``, engine/suppress.py),
   on the finding's first line or its statement's;
7. **assembly**: message, severity (the configuration's wins over the check's), related
   locations and the fingerprint, in source order; then a fix the check attached becomes
   edits of the file's text (``with_fixes``, fixes.py), and stays on the file state for --fix.

A file-level finding (AL001-AL003: the file cannot be read, a check crashed, the code is
too complex) has no node: it passes selection (4) and assembly (7) only (``file_level``).
A new stage goes where it belongs in this list and in ``finish``.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from ..findings import Finding, Related, source_lines
from ..fixes import suggestions
from ..project.summaries import Place
from ..settings import Settings, rule_matches, severity_of, shown
from .suppress import directives, suppressing_line

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst
    from libcst.metadata import CodeRange

    from ..checks.base import RawFinding
    from . import FileState


# --------------------------------------------------------------------------- 1. gate
def yielded_rules(settings: Settings) -> frozenset[str]:
    """Rules some enabled rule yields to: recorded even when disabled, for de-duplication."""
    rules = settings.catalog.rules
    return frozenset(other for rule in settings.enabled if rule in rules for other in rules[rule].yields_to)


def records(rule: str, settings: Settings, yielded: frozenset[str]) -> bool:
    return rule in settings.enabled or rule in yielded


# --------------------------------------------------------------------------- 2. fact vetoes
def vetoed(state: "FileState", finding: "RawFinding") -> bool:
    """A fact the finding's check declares in ``needs`` drops it."""
    for kind in state.check_needs.get(finding.check, ()):
        fact = state.facts.get(kind)
        if fact is not None and fact.drops(finding.function):
            return True
    return False


# --------------------------------------------------------------------------- 3. yields
def deduplicated(raw: list["RawFinding"], settings: Settings) -> list["RawFinding"]:
    """Drop a finding where a rule it yields to speaks for the same place, then keep the
    selected ones (stage 4). A finding speaks for its node, the nodes it covers and its
    related locations; the yielding finding is recognised by its node or the nodes it covers
    (a finding at a call may cover the callee's attribute node, which another rule names)."""
    rules = settings.catalog.rules
    spoken_for: dict[str, set[int]] = {}
    for finding in raw:
        nodes = spoken_for.setdefault(finding.rule, set())
        nodes.add(id(finding.node))
        nodes.update(id(node) for node in finding.covers)
        nodes.update(id(node) for node, _ in finding.related)
    kept = []
    for finding in raw:
        meta = rules.get(finding.rule)
        yields = meta.yields_to if meta is not None else ()
        own = [id(finding.node)] + [id(node) for node in finding.covers]
        if any(node in spoken_for.get(other, ()) for other in yields for node in own):
            continue
        if selected(finding.rule, settings) and shown(finding.rule, finding.severity, settings):
            kept.append(finding)
    return kept


# --------------------------------------------------------------------------- 4. selection
def selected(rule: str, settings: Settings) -> bool:
    """Enabled, and not dropped for this file by ``per-file-ignores``."""
    return rule in settings.enabled and not (settings.ignored_here and rule_matches(rule, settings.ignored_here))


# --------------------------------------------------------------------------- 5. positions
@dataclass(frozen=True)
class Placed:
    """A recorded finding with its place in the file: the span it shows and the first line
    of the statement that holds it (where a suppression comment may also stand)."""

    raw: "RawFinding"
    span: CodeRange
    statement_line: int


def resolve_positions(module: cst.Module) -> Any:
    """Positions are a whole-tree pass: only files with findings pay for it."""
    from libcst.metadata import MetadataWrapper, PositionProvider  # libcst: only for a parsed file

    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def placed(raw: list["RawFinding"], positions: Any, lines: list[str]) -> list[Placed]:
    """The findings in source order, each with its span."""
    out = []
    for finding in sorted(raw, key=lambda item: (positions[item.node].start.line, positions[item.node].start.column)):
        span = reported_span(positions, finding.node, lines)
        statement_line = positions[finding.statement].start.line if finding.statement in positions else span.start.line
        out.append(Placed(finding, span, statement_line))
    return out


def reported_span(positions: Any, node: cst.CSTNode, lines: list[str]) -> CodeRange:
    """The region a finding shows: the node's span, except that an except clause is shown
    by its one-line header (``except ...:``), not its whole body (noisy in editors and SARIF)."""
    import libcst as cst
    from libcst.metadata import CodePosition, CodeRange

    span = positions[node]
    if not isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)):
        return span
    last = node.name or node.type
    start = span.start
    if last is not None and positions[last].end.line == start.line:
        end_column = positions[last].end.column + len(node.whitespace_before_colon.value) + 1  # the colon
    elif last is None:
        keyword = 7 if isinstance(node, cst.ExceptStarHandler) else 6  # `except*` / `except`
        end_column = start.column + keyword + len(node.whitespace_before_colon.value) + 1
    else:  # a header over several lines: its first line
        end_column = len(lines[start.line - 1].rstrip()) if start.line <= len(lines) else start.column
    return CodeRange(start, CodePosition(start.line, max(end_column, start.column)))


# --------------------------------------------------------------------------- 6. suppressions
def unsuppressed(findings: Iterable[Placed], lines: list[str],
                 used: set[tuple[int, str]] | None = None) -> list[Placed]:
    """The findings no comment suppresses; ``used`` collects (comment line, rule) of the others."""
    kept = []
    for item in findings:
        number = suppressing_line(item.raw.rule, lines, item.span.start.line, item.statement_line)
        if number is None:
            kept.append(item)
        elif used is not None:
            used.add((number, item.raw.rule))
    return kept


# --------------------------------------------------------------------------- 7. assembly
def _finding(settings: Settings, path: str, rule: str, message: str, line: int, column: int,
             end_line: int, end_column: int, fingerprint: str, related: tuple[Related, ...] = (),
             severity: str | None = None) -> Finding:
    """``severity`` is the check's choice for this finding; the user's configuration wins over it."""
    meta = settings.catalog.rules[rule]
    return Finding(path=path, rule=rule, name=meta.slug,
                   severity=severity_of(rule, severity, settings), confidence=meta.confidence,
                   message=message, line=line, column=column, end_line=end_line, end_column=end_column,
                   fingerprint=fingerprint, related=related)


def fingerprint(rule: str, path: str, text: str, function: str, occurrence: int) -> str:
    """Stable across edits elsewhere in the file: the rule, the path, the enclosing function,
    the code's text with its whitespace normalised, and which occurrence of that text it is."""
    normalized = " ".join(text.split())
    digest = hashlib.sha256(f"{rule}\0{path}\0{function}\0{normalized}\0{occurrence}".encode()).hexdigest()
    return digest[:20]


def assembled(state: "FileState", findings: list[Placed], positions: Any) -> list[Finding]:
    out = []
    occurrences: dict[tuple[str, str, str], int] = {}
    for item in findings:
        raw, span = item.raw, item.span
        meta = state.settings.catalog.rules[raw.rule]
        related = tuple(_related(state, positions, node, text) for node, text in raw.related
                        if isinstance(node, Place) or node in positions)
        text = state.module.code_for_node(raw.node)
        key = (raw.rule, raw.function, " ".join(text.split()))
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1
        out.append(_finding(state.settings, state.path, raw.rule, meta.render(**raw.fields),
                            span.start.line, span.start.column + 1, span.end.line, span.end.column + 1,
                            fingerprint(raw.rule, state.path, text, raw.function, occurrence),
                            related, severity=raw.severity))
    return out


def with_fixes(state: "FileState", kept: list[Placed], out: list[Finding]) -> list[Finding]:
    """``out`` (assembled from ``kept``, in the same order) with each attached fix as edits
    of the text. The live fixes go to ``state.fixes`` with their findings: --fix applies
    them. A fix that fails to build costs that file its fixes, never its findings."""
    offered = [(index, item.raw.fix) for index, item in enumerate(kept) if item.raw.fix is not None]
    if not offered:
        return out
    try:
        # A fix reads the positions of the nodes it edits and of those around them: the whole pass.
        found = suggestions(state.module, state.text, [fix for _, fix in offered], state.positions())
    except Exception as exc:  # a broken fix: report it, keep the findings
        return out + file_level(state.settings, state.path, "AL002", check="fixes",
                                error=f"{type(exc).__name__}: {exc}")
    for (index, fix), suggestion in zip(offered, found):
        if suggestion is not None:
            out[index] = replace(out[index], fix=suggestion)
            state.fixes.append((out[index], fix))
    return out


def _related(state: "FileState", positions: Any, node: Any, text: str) -> Related:
    if isinstance(node, Place):  # a place in another project file
        path = state.project.shown(node.path) if state.project is not None else node.path
        return Related(node.line, node.column, node.line, node.column, text, path=path)
    span = positions[node]
    return Related(span.start.line, span.start.column + 1, span.end.line, span.end.column + 1, text)


# --------------------------------------------------------------------------- the pipeline
def finish(state: "FileState", lost: set[str], used: set[tuple[int, str]] | None = None) -> list[Finding]:
    """Stages 2-7 over what the checks recorded; ``lost`` names the checks whose fact crashed;
    ``used`` collects the suppression comments that silenced a finding (for stage 8)."""
    raw = [finding for finding in state.raw if finding.check not in lost] if lost else state.raw
    raw = [finding for finding in raw if not vetoed(state, finding)]
    raw = deduplicated(raw, state.settings)
    if not raw:
        return []
    lines = source_lines(state.text)
    positions = SomePositions(state, _placed_nodes(raw))
    kept = unsuppressed(placed(raw, positions, lines), lines, used)
    return with_fixes(state, kept, assembled(state, kept, positions))


def _placed_nodes(raw: list["RawFinding"]) -> list[Any]:
    """The nodes whose positions placing and assembling these findings reads."""
    import libcst as cst

    nodes: list[Any] = []
    for finding in raw:
        nodes.append(finding.node)
        if finding.statement is not None:
            nodes.append(finding.statement)
        if isinstance(finding.node, (cst.ExceptHandler, cst.ExceptStarHandler)):
            last = finding.node.name or finding.node.type  # reported_span's header end
            if last is not None:
                nodes.append(last)
        nodes.extend(node for node, _ in finding.related if isinstance(node, cst.CSTNode))
    return nodes


class SomePositions:
    """The positions of a few nodes, as the whole-tree pass (``FileState.positions``) gives
    them, from a code generation that stops after the last of them (a finding near the top
    of a long file costs a few lines of it). Asked about any other node, it answers from the
    whole-tree pass."""

    def __init__(self, state: "FileState", nodes: list[Any]) -> None:
        self._state = state
        self._some = state._positions if state._positions is not None else positions_until(state.module, nodes)

    def _all(self) -> Any:
        self._some = self._state.positions()
        return self._some

    def __getitem__(self, node: Any) -> Any:
        found = self._some.get(node)
        return found if found is not None else self._all()[node]

    def __contains__(self, node: Any) -> bool:
        return node in self._some or node in self._all()

    def get(self, node: Any, default: Any = None) -> Any:
        found = self._some.get(node)
        return found if found is not None else self._all().get(node, default)


# --------------------------------------------------------------------------- 8. the comments themselves
UNKNOWN_SUPPRESSION, UNUSED_SUPPRESSION = "AL004", "AL005"
_MENTION = re.compile(r"alint|noqa", re.IGNORECASE)


def mentions_suppression(text: str) -> bool:
    """Does the text name ``alint`` or ``noqa`` in any case? For ASCII text (nearly every
    file) lowering it and looking for the words is several times faster than the
    case-blind search, and means the same."""
    if text.isascii():
        lowered = text.lower()
        return "alint" in lowered or "noqa" in lowered
    return _MENTION.search(text) is not None

# `# noqa:` also lists other tools' codes (E501); only ids in alint's own namespace are its.
_OWN_NAMESPACE = "AL"


def real_comment_lines(text: str) -> set[int] | None:
    """The lines holding a real comment, from the tokenizer; None when it cannot read the file."""
    try:
        return {token.start[0] for token in tokenize.generate_tokens(io.StringIO(text).readline)
                if token.type == tokenize.COMMENT}
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None


def comment_findings(settings: Settings, path: str, text: str, used: set[tuple[int, str]] | None) -> list[Finding]:
    """AL004 for an id in a suppression comment that no rule has; with
    ``report_unused_suppressions``, AL005 for an id (or a bare ignore) that silenced nothing.
    ``used`` is None when the file was not checked (it could not be parsed): then nothing is
    called unused. Not themselves suppressible: they are about the comment."""
    if not mentions_suppression(text):
        return []
    rules = settings.catalog.rules
    unknown_on = selected(UNKNOWN_SUPPRESSION, settings)
    unused_on = used is not None and settings.report_unused_suppressions and selected(UNUSED_SUPPRESSION, settings)
    out: list[Finding] = []
    occurrences: dict[tuple[str, str], int] = {}

    def add(rule: str, directive: Any, listed: str, **fields: Any) -> None:
        key = (rule, f"{' '.join(directive.comment.split())}\0{listed}")
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1
        out.append(_finding(settings, path, rule, rules[rule].render(**fields), directive.line, directive.column,
                            directive.line, directive.column + len(directive.comment),
                            fingerprint(rule, path, key[1], "<comment>", occurrence)))

    comment_lines: set[int] | None = None
    tokenized = False
    for directive in directives(text.splitlines()):
        listed = [*directive.alint_codes, *(c for c in directive.noqa_codes if c.startswith(_OWN_NAMESPACE))]
        if not listed and not (directive.bare and unused_on):
            continue  # nothing to say about it (another tool's `# noqa: E501`)
        if not tokenized:  # the tokenizer, only for a file with something to say (it is slow)
            comment_lines, tokenized = real_comment_lines(text), True
        if comment_lines is not None and directive.line not in comment_lines:
            continue  # text in a multi-line string that looks like a comment
        for code in dict.fromkeys(listed):
            if code not in rules:
                if unknown_on:
                    add(UNKNOWN_SUPPRESSION, directive, code, code=code)
            elif unused_on and selected(code, settings) and (directive.line, code) not in used:
                add(UNUSED_SUPPRESSION, directive, code, what=f"`{code}`")
        if directive.bare and unused_on and not any(line == directive.line for line, _ in used or ()):
            add(UNUSED_SUPPRESSION, directive, "", what="`# alint: ignore` (every rule)")
    return out


def file_level(settings: Settings, path: str, rule: str, line: int = 1, column: int = 1, **fields: Any) -> list[Finding]:
    """A finding about the whole file (no node): selection, then assembly."""
    if not selected(rule, settings):
        return []
    message = settings.catalog.rules[rule].render(**fields)
    return [_finding(settings, path, rule, message, line, column, line, column,
                     fingerprint(rule, path, message, "<file>", 0))]


# --------------------------------------------------------------------------- a few positions
class _Found(Exception):
    """Every wanted node is placed: the code generation stops."""


@lru_cache(maxsize=None)
def _start_finder() -> type:
    """The class below, made on first use: it extends libcst's code generation, and libcst
    is imported only for a parsed file."""
    from libcst._nodes.internal import CodegenState

    class _StartFinder(CodegenState):
        """Code generation without position tracking (several times cheaper than the
        position provider's pass) that notes where each wanted node starts."""

        def __init__(self, module: cst.Module, wanted: set[int]) -> None:
            super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
            self.wanted = wanted
            self.found: dict[int, tuple[int, int]] = {}
            self._line, self._column, self._counted = 1, 0, 0

        def before_codegen(self, node: cst.CSTNode) -> None:
            if id(node) not in self.wanted or id(node) in self.found:
                return
            for token in self.tokens[self._counted:]:
                breaks = token.count("\n")
                if breaks:
                    self._line += breaks
                    self._column = len(token) - token.rindex("\n") - 1
                else:
                    self._column += len(token)
            self._counted = len(self.tokens)
            self.found[id(node)] = (self._line, self._column + 1)
            if len(self.found) == len(self.wanted):
                raise _Found

    return _StartFinder


def positions_until(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[Any, Any]:
    """libcst's positions (PositionProvider's) of every node whose code generation ends before
    the last of ``nodes`` is placed: the same pass as the provider's, stopped there. Nodes
    still open at the stop (the ancestors of the last one) are left out, since their spans
    are not known yet. When one of ``nodes`` is not in the tree, the pass runs to the end
    and gives every node."""
    wanted = {id(node) for node in nodes}
    holder = _PositionHolder()
    state = _positions_until()(default_indent=module.default_indent, default_newline=module.default_newline,
                               provider=holder)
    state.wanted, state.open, state.stopped = wanted, [], False
    if not wanted:
        return {}
    try:
        module._codegen(state)
    except Exception:
        if not state.stopped:  # a failure of the code generation itself
            raise
    unfinished = set(map(id, state.open))
    return {node: span for node, span in holder._computed.items() if id(node) not in unfinished}


class _PositionHolder:
    """What libcst's position-providing code generation writes to: ``_computed``."""

    def __init__(self) -> None:
        self._computed: dict[Any, Any] = {}


@lru_cache(maxsize=None)
def _positions_until() -> type:
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    class _PositionsUntil(PositionProvidingCodegenState):  # type: ignore[misc]
        """The provider's code generation, which stops once every wanted node is placed."""

        def before_codegen(self, node: cst.CSTNode) -> None:
            super().before_codegen(node)
            self.open.append(node)

        def after_codegen(self, node: cst.CSTNode) -> None:
            super().after_codegen(node)
            self.open.pop()
            if id(node) in self.wanted:
                self.wanted.discard(id(node))
                if not self.wanted:
                    self.stopped = True
                    raise _Found

    return _PositionsUntil


def start_positions(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """By node id: the 1-based line and column where each node's code starts (before its
    parentheses). For a module summary's few places, without a whole-tree position pass."""
    finder = _start_finder()(module, {id(node) for node in nodes})
    if finder.wanted:
        try:
            module._codegen(finder)
        except _Found:
            pass
    return finder.found
