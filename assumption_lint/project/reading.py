"""Which project files a run reads for their module summaries, and in what order.

A run reads the summaries of the project files its own files reach: the modules a skipped
file's text imports, then, round by round, the files the summaries' calls name. A file read
only for its summary that names nothing catalogued and no source but imports its project
can tell a caller only what the names it imports tell. It is not parsed when it comes up
(the engine returns a placeholder, ``ModuleSummary.unread``): the modules it imports are
read first, and it is parsed only once one of those names is known to tell something
(raises, returns or holds what a check reads), or when it may call a function whose
parameters the caller index types (its calls count there). The others keep an empty
summary, like a file that imports nothing.

Its own code could add nothing else: with no catalogued name it makes no call that fails,
no client and no response, and with no source word value provenance does not run over it
(facts/provenance.py), so its functions return nothing and pass nothing a check follows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .callers import unseen_callers
from .summaries import IndexFor, ModuleSummary, Project, Target

# Project files read only for their summaries (imported by the run's files, not named on
# the command line): at most this many per reading, so a single-file run in a monorepo
# stays bounded. Past it, callers see nothing from the files left out (silent, as unresolved).
MAX_EXTRA_SUMMARIES = 2000

# (paths, whether a file may come back unread) -> their summaries (None: not read)
Summarize = Callable[[list[str], bool], list["ModuleSummary | None"]]


def _ordered(targets: set[Target]) -> list[Target]:
    return sorted(targets, key=lambda item: (item.path, item.name))


class SummaryReads:
    """The summaries read so far, and the files not parsed yet (their placeholders)."""

    def __init__(self, summaries: dict[str, ModuleSummary], summarize: Summarize, index_for: IndexFor,
                 named: set[str], reads: frozenset[str]) -> None:
        self.summaries = summaries
        self.unread: dict[str, ModuleSummary] = {}
        self._summarize = summarize
        self._index_for = index_for
        self._named = named  # always read (the run's files, another shard's)
        self._reads = reads  # what the run's checks read from summaries
        self._asked: dict[str, list[Target]] = {}  # names reached in a file not parsed yet
        self._attempted = set(summaries)
        self._seen: set[Target] = set()  # the names one reading followed

    def reach(self, start: list[Target]) -> None:
        """Add the summaries of the project files that the summaries' calls (and ``start``)
        reach, following re-exports name by name: each missing file is read once, summary
        only, the files of one round together (in the worker processes when there are
        many), so a chain of 500 modules costs 500 small rounds and a wide project a few
        big ones. Files the run names are always read; at most MAX_EXTRA_SUMMARIES others.
        A file left unread is parsed once what it imports turns out to tell something."""
        pending = list(start) + [target for path in sorted(self.summaries)
                                 for target in _ordered(self.summaries[path].targets())]
        read = 0
        self._seen = set()
        while pending:
            while pending:
                pending, read = self._round(pending, read)
            pending = self._parse_telling()

    def _round(self, pending: list[Target], read: int) -> tuple[list[Target], int]:
        following: list[Target] = []
        waiting: list[Target] = []
        missing: list[str] = []
        asked: set[str] = set()
        for name in pending:
            summary = self.summaries.get(name.path)
            if summary is None:
                if name.path not in self._attempted and (read < MAX_EXTRA_SUMMARIES or name.path in self._named):
                    self._attempted.add(name.path)
                    read += name.path not in self._named
                    missing.append(name.path)
                    asked.add(name.path)
                if name.path in asked:
                    waiting.append(name)
                elif name.path in self.unread:
                    self._asked.setdefault(name.path, []).append(name)
                continue
            if name in self._seen:
                continue
            self._seen.add(name)
            if not name.name:  # a whole module (a text scan's `import pkg`): the names it re-exports too
                following.extend(Target(name.path, local) for local in sorted(summary.imports))
                continue
            further = Project.reexport(summary, name, self._index_for)
            if further is not None:
                following.append(further)
        for path, summary in zip(missing, self._summarize(missing, True) if missing else []):
            if summary is None:
                continue
            if summary.unread is not None:
                self.unread[path] = summary
                following.extend(summary.unread)  # what it could tell comes from these: read them first
            else:
                self.summaries[path] = summary
                following.extend(_ordered(summary.targets()))
        for name in waiting:
            if name.path in self.summaries:
                following.append(name)
            elif name.path in self.unread:
                self._asked.setdefault(name.path, []).append(name)
        return following, read

    def _parse_telling(self) -> list[Target]:
        """Parse the files left unread that may tell something now; the names to follow
        from their summaries (empty when none may)."""
        if not self.unread:
            return []
        project = Project(self.summaries, self._index_for)
        chosen = [path for path in sorted(self.unread) if self._may_tell(project, self.unread[path])]
        if not chosen:
            chosen = unseen_callers(project, {path: list(summary.unread or ())
                                              for path, summary in self.unread.items()})
        return self.parse(chosen)

    def parse(self, paths: list[str]) -> list[Target]:
        """Read these files' summaries for good (parsed whatever they name); the names
        their calls reach, and those reached in them while they were unread."""
        following: list[Target] = []
        for path, summary in zip(paths, self._summarize(paths, False) if paths else []):
            self._attempted.add(path)
            self.unread.pop(path, None)
            asked = self._asked.pop(path, [])
            if summary is not None:
                self.summaries[path] = summary
                following.extend(_ordered(summary.targets()))
                following.extend(asked)
        return following

    def _may_tell(self, project: Project, placeholder: ModuleSummary) -> bool:
        """Does a name the file imports tell a caller anything any check reads (its
        functions may return what it returns, raise what it raises, hold its client)?"""
        return any(project.tells(name, self._reads, self._reads) for name in placeholder.unread or ())

    def finish(self) -> None:
        """The files still unread tell nothing: an empty summary each, as for a file that
        names nothing catalogued, no source and no project module."""
        for path in sorted(self.unread):
            self.summaries[path] = ModuleSummary(path)
        self.unread.clear()

    def read_callers(self, names: Callable[[], dict[str, list[Target]]]) -> None:
        """The caller index counts every call of a function (project/callers.py): files
        without a summary (``names()``: each one's project imports from a text scan, asked
        only when a summary has a parameter to type) that import a module whose parameters
        it may type are read for their summaries, and so are the files whose clients the
        calls pass (``from .http import SESSION``)."""
        if not any(summary.callers.receivers for summary in self.summaries.values()):
            return
        wanted = unseen_callers(Project(self.summaries, self._index_for), names())
        self.parse(wanted)  # what their calls reach is followed below, with every summary's
        passed = {client.name for summary in self.summaries.values() for site in summary.callers.sites
                  for client in site.clients if client.name is not None}
        self.reach(_ordered(passed))
