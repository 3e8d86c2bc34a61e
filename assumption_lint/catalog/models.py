"""Model-output knowledge (``rules/models.toml``, AL501/AL502): the parsers applied to a
language model's text and what they raise, and, per SDK call, what in the request makes a
reply without text possible."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from .schema import CatalogError, _expect, _str_list

if TYPE_CHECKING:
    from . import Catalog

_PARSER_KEYS = ("names", "raises", "expects", "imports")
_REPLY_KEYS = ("sdk", "libraries", "calls", "text", "missing", "reads", "non-text", "plain-values", "binders",
               "always", "checks", "finish", "why", "fix", "source")
# What the text value is when the model did not answer with text.
MISSING = ("none", "block", "list", "empty")


@dataclass(frozen=True)
class ModelParser:
    """A call that assumes its argument is text in one format (``json.loads``)."""

    names: tuple[str, ...]
    # Each class here escapes unless an except clause catches it (literal_eval: both).
    raises: tuple[str, ...]
    expects: str
    imports: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class ModelReply:
    """One SDK call's reply: where its text is, and when the model may answer without text."""

    sdk: str
    # The catalog libraries ([[client]], [[network]], [[api]] `library`) of this SDK.
    libraries: tuple[str, ...]
    calls: tuple[str, ...]
    # Where the text is, as reads from the reply (`choices[].message.content`: `[]` is an
    # index or an item); a value provenance access (facts/provenance_values.py).
    text: tuple[tuple[str, ...], ...]
    # What that value is when the model answered without text: "none" (None), "block" (a
    # content block that may not be a text block: reading `reads` from it fails), "list" (a
    # list of content blocks instead of a str), "empty" ("": nothing fails).
    missing: str
    reads: tuple[str, ...]
    # Request options that make an answer without text possible -> why, for messages.
    non_text: Mapping[str, str]
    # Per option: the literal values (a string, or a dict's "type") that keep the answer text.
    plain_values: Mapping[str, tuple[str, ...]]
    # Methods of the SDK's model object that return it bound to a request option
    # (`bind_tools` -> "tools").
    binders: Mapping[str, str]
    # Why the text may be missing whatever the request is ("" when only the options matter).
    always: str
    # Reply attributes whose reading means the code looks at what kind of answer it got
    # (`tool_calls`, `stop_reason`, a block's `type`).
    checks: tuple[str, ...]
    # What says how the reply ended (``finish_reason``, ``stop_reason``).
    finish: tuple[str, ...]
    why: str
    fix: str
    # Where the facts come from (the SDK's source read).
    evidence: str
    source: str

    def spelled_text(self) -> list[str]:
        return [".".join(parts).replace(".[]", "[]") for parts in self.text]

@dataclass
class ModelKnowledge:
    parsers: list[ModelParser] = field(default_factory=list)
    replies: list[ModelReply] = field(default_factory=list)

    def copy(self) -> "ModelKnowledge":
        return ModelKnowledge(list(self.parsers), list(self.replies))

    def reply_for(self, call: str) -> ModelReply | None:
        for reply in self.replies:
            if call in reply.calls:
                return reply
        return None

    def libraries(self) -> frozenset[str]:
        return frozenset(library for reply in self.replies for library in reply.libraries)

    def finish_attributes(self) -> frozenset[str]:
        return frozenset(name for reply in self.replies for name in reply.finish)


def parse_parser(where: str, table: Mapping[str, Any], source: str, catalog: "Catalog") -> None:
    raises = _str_list(table, "raises", where)
    if not raises:
        raise CatalogError(f"{where}: key 'raises' must name at least one exception class")
    for name in raises:
        if not catalog.network.known(name):
            raise CatalogError(f"{where}: exception '{name}' is not defined in an [[exception]] table")
    catalog.models.parsers.append(ModelParser(_str_list(table, "names", where), raises,
                                              _expect(table, "expects", str, where),
                                              _str_list(table, "imports", where, default=[]), source))


def parse_reply(where: str, table: Mapping[str, Any], source: str, catalog: "Catalog") -> None:
    sdk = _expect(table, "sdk", str, where)
    non_text = _str_table(table, "non-text", where)
    plain = _expect(table, "plain-values", dict, where, default={})
    for keyword, values in plain.items():
        if keyword not in non_text or not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise CatalogError(f"{where}: key 'plain-values': '{keyword}' must be a non-text option with a list "
                               "of strings")
    binders = _str_table(table, "binders", where)
    for method, keyword in binders.items():
        if keyword not in non_text:
            raise CatalogError(f"{where}: key 'binders': '{method}' binds '{keyword}', which is not in 'non-text'")
    missing = _expect(table, "missing", str, where, default="none", choices=MISSING)
    reads = _str_list(table, "reads", where, default=[])
    if missing == "block" and not reads:
        raise CatalogError(f"{where}: missing = \"block\" needs key 'reads' (the text attribute of a block)")
    catalog.models.replies.append(ModelReply(
        sdk, _str_list(table, "libraries", where, default=[sdk]), _str_list(table, "calls", where),
        tuple(_access(text, where) for text in _str_list(table, "text", where)), missing, reads, non_text,
        {keyword: tuple(values) for keyword, values in plain.items()}, binders,
        _expect(table, "always", str, where, default=""), _str_list(table, "checks", where, default=[]),
        _str_list(table, "finish", where, default=[]), _expect(table, "why", str, where),
        _expect(table, "fix", str, where, default=""), _expect(table, "source", str, where, default=""), source))


def _str_table(table: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = _expect(table, key, dict, where, default={})
    if not all(isinstance(item, str) and item for item in value.values()):
        raise CatalogError(f"{where}: key '{key}' must map names to non-empty strings")
    return dict(value)


def _access(text: str, where: str) -> tuple[str, ...]:
    """``choices[].message.content`` -> ("choices", "[]", "message", "content")."""
    parts: list[str] = []
    for name in text.split("."):
        items = 0
        while name.endswith("[]"):
            name, items = name[:-2], items + 1
        if not name.isidentifier():
            raise CatalogError(f"{where}: key 'text': {text!r} is not a path like choices[].message.content")
        parts += [name] + ["[]"] * items
    return tuple(parts)
