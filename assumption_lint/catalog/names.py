"""How every catalog lookup matches a qualified name against the names a table lists.

A table entry is listed under exact names (``requests.get``), under a client type's
wildcard (``botocore.client.BaseClient.*``: every method of that type, minus the methods
it excludes), or under a glob (``*_pb2_grpc.*Stub.*``, for generated code). ``NameTable``
is the one matcher: every ``Catalog`` lookup goes through one of its three questions.
"""

from __future__ import annotations

import fnmatch
from typing import Any, Dict, Iterable, TypeVar

T = TypeVar("T")


def is_pattern(name: str) -> bool:
    return "*" in name


class NameTable(Dict[str, T]):
    """Entries by the name or pattern they are listed under, in catalog order (a later file
    overriding a name keeps the name's place, as a dict does)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = args[0] if args else None
        # Methods a pattern does not cover (a ``Type.*`` wildcard's ``not-calls``).
        self.excluded: dict[str, frozenset[str]] = dict(source.excluded) if isinstance(source, NameTable) else {}
        self._patterns: list[tuple[str, T]] | None = None

    # The pattern list is cached; every mutation drops the cache.
    def __setitem__(self, key: str, value: T) -> None:
        super().__setitem__(key, value)
        self._patterns = None

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._patterns = None

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().update(*args, **kwargs)
        self._patterns = None

    def pop(self, *args: Any) -> Any:  # type: ignore[override]
        self._patterns = None
        return super().pop(*args)

    def setdefault(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._patterns = None
        return super().setdefault(key, default)

    def clear(self) -> None:
        super().clear()
        self._patterns = None

    def copy(self) -> "NameTable[T]":  # type: ignore[override]
        return NameTable(self)

    def __reduce__(self) -> Any:
        # Worker processes receive catalogs pickled: keep the exclusions, not the cache.
        return (_rebuild, (dict(self), self.excluded))

    def add(self, name: str, entry: T, excluding: Iterable[str] = ()) -> None:
        """List ``entry`` under ``name``; ``excluding`` are methods a pattern does not cover."""
        self[name] = entry
        excluded = frozenset(excluding)
        if excluded:
            self.excluded[name] = excluded
        else:
            self.excluded.pop(name, None)

    # ------------------------------------------------------------------ the three questions
    def exact(self, name: str) -> T | None:
        """The entry listed under exactly ``name``."""
        return self.get(name)

    def match(self, name: str, nested: bool = False) -> T | None:
        """The entry for ``name``: listed under it, else under the first pattern (glob) that
        matches it. A ``nested`` name is a method of a method (``stub.Get.with_call``): only
        patterns that spell its last part literally match it, so ``kubernetes.client.*Api.*``
        does not claim ``api.api_client.close``."""
        found = self.get(name)
        if found is not None:
            return found
        last = name.rpartition(".")[2]
        for pattern, entry in self._pattern_entries():
            if nested and pattern.rpartition(".")[2] != last:
                continue
            if fnmatch.fnmatchcase(name, pattern) and not self._excludes(pattern, name):
                return entry
        return None

    def method_of(self, name: str, receiver_type: str | None) -> T | None:
        """The entry for a call ``name``: listed under it, else, when the call is made on an
        object known to be a ``receiver_type``, under that type's wildcard ``Type.*`` unless
        the wildcard excludes the method. Unresolved receivers match no wildcard."""
        found = self.get(name)
        if found is not None or receiver_type is None or not name.startswith(receiver_type + "."):
            return found
        wildcard = f"{receiver_type}.*"
        found = self.get(wildcard)
        if found is not None and self._excludes(wildcard, name):
            return None
        return found

    # ------------------------------------------------------------------ helpers
    def _pattern_entries(self) -> list[tuple[str, T]]:
        if self._patterns is None:
            self._patterns = [(pattern, entry) for pattern, entry in self.items() if is_pattern(pattern)]
        return self._patterns

    def _excludes(self, pattern: str, name: str) -> bool:
        """Is ``name`` one of the methods ``pattern`` excludes? An excluded method ``m`` of
        ``T.*`` is ``T.m``: the pattern's last ``*`` spelled out."""
        excluded = self.excluded.get(pattern)
        if not excluded:
            return False
        head = pattern[:pattern.rfind("*")]
        return any(fnmatch.fnmatchcase(name, head + method) for method in excluded)


def _rebuild(items: dict[str, Any], excluded: dict[str, frozenset[str]]) -> NameTable[Any]:
    table: NameTable[Any] = NameTable(items)
    table.excluded = dict(excluded)
    return table
