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
_REPLY_KEYS = ("sdk", "calls", "text", "non-text-arguments", "always", "finish", "why")


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
    """One SDK's reply: where its text is, and when that text may be missing."""

    sdk: str
    calls: tuple[str, ...]
    # The attribute or key the text is read from (``content``, ``text``).
    text: tuple[str, ...]
    # Keyword arguments of the request that make a reply without text possible.
    non_text_arguments: tuple[str, ...]
    # Why the text may be missing whatever the request is ("" when only the arguments matter).
    always: str
    # What says the reply was cut off (``finish_reason``, ``stop_reason``).
    finish: tuple[str, ...]
    why: str
    source: str


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
    catalog.models.replies.append(ModelReply(
        _expect(table, "sdk", str, where), _str_list(table, "calls", where), _str_list(table, "text", where),
        _str_list(table, "non-text-arguments", where, default=[]), _expect(table, "always", str, where, default=""),
        _str_list(table, "finish", where, default=[]), _expect(table, "why", str, where), source))
