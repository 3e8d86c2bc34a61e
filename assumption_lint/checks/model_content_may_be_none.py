"""AL502 model-content-may-be-none: ``resp.choices[0].message.content.strip()`` where the
request lets the model answer without text.

The reply's text is found by the value provenance fact: a ``model-output`` origin whose
access (the reads from the reply) is one of the reply's text paths in ``rules/models.toml``
(``[[model-reply]]``), and whose request passed an option that allows an answer without
text (``tools=``, ``thinking=``, a chat model bound to tools), or whose SDK may answer
without text whatever the request (google-genai). Reported at the first use that fails:
a method or attribute of None (``.strip()``), ``len()``, a parser, ``+``, ``in``, an index,
or ``.text`` of an Anthropic block that may be a ``tool_use`` block. Fine: a None check or
``or ""`` (the fact's none-or-empty), ``isinstance(content, str)``, a read of what kind of
answer came (``tool_calls``, ``stop_reason``, a block's ``type``) earlier in the function,
an except clause that catches what the use raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ..catalog.models import ModelReply
from ..catalog.sources import imported, name_matches
from ..facts.handlers import may_catch
from ..facts.provenance import ValueProvenance
from ..facts.provenance_values import Origin
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_MODULE = "<module>"
# What a list has, so that a list where a str was assumed does not fail there.
_LIST_ATTRIBUTES = frozenset(dir(list))
# Calls that need their argument to be a str (position of the text).
_TEXT_CALLS = {"len": 0, "re.search": 1, "re.match": 1, "re.fullmatch": 1, "re.findall": 1, "re.finditer": 1,
               "re.split": 1, "re.sub": 2, "re.subn": 2}
_WRITES = frozenset({"write", "writelines"})
_INSPECTING_CALLS = frozenset({"hasattr", "isinstance"})
_CATCH_ALL = frozenset({"Exception", "BaseException"})
# What the use assumes, by what the reply's text is when the model answered without text.
_ASSUMPTION = {"none": "the model always answers with text", "block": "the content block holds text",
               "list": "the reply's content is a str"}


@dataclass(frozen=True)
class _Text:
    """A use of a reply's text that may not be there."""

    origin: Origin
    reply: ModelReply
    why: str
    asked: tuple[str, ...]


class ModelContentMayBeNone(Check):
    rules = ("AL502",)
    needs = (ValueProvenance,)

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        self.models = self.catalog.models
        self.knowledge = self.catalog.network
        self._checks = frozenset(name for reply in self.models.replies for name in reply.checks)
        self._roots = tuple(sorted({call.split(".")[0] for reply in self.models.replies for call in reply.calls}))
        self._parsers = tuple(self.models.parsers)
        self._sdk = False
        self._imports_seen = -1
        self._method_calls: set[int] = set()
        # Functions that looked at what kind of answer they got (tool_calls, a block's type).
        self.inspected: set[str] = set()
        # One finding per function and reply text: the first use fails, the next ones never run.
        self.reported: set[tuple[str, int]] = set()

    def _function(self) -> str:
        return self.ctx.function.qualname if self.ctx.function else _MODULE

    def _on(self) -> bool:
        """Flow is analysed here and the module imports an SDK whose replies the catalog knows
        (asked again only when an import was added)."""
        if not self._sdk and self.prov.active and len(self.prov.imports) != self._imports_seen:
            self._imports_seen = len(self.prov.imports)
            self._sdk = imported(self.prov.imports, self._roots)
        return self._sdk

    # ------------------------------------------------------------------ what the text is
    def _text(self, node: cst.BaseExpression) -> _Text | None:
        origin = self.prov.origins(node).of("model-output")
        if origin is None or not origin.access:
            return None
        reply = self.models.reply_for(origin.api)
        if reply is None or reply.missing == "empty" or origin.access not in reply.text:
            return None
        if reply.missing == "none" and "none-or-empty" in origin.validated:
            return None
        if reply.missing == "list" and "format" in origin.validated:  # isinstance(content, str)
            return None
        asked = tuple(option for option in reply.non_text if option in origin.request)
        if reply.always:
            why = reply.always
        elif asked:
            why = reply.non_text[asked[0]]
        else:  # nothing in the request allows it (or "**": alint cannot see what it passes)
            return None
        if self._function() in self.inspected:
            return None
        return _Text(origin, reply, why, asked)

    def _inspects(self, node: cst.BaseExpression) -> None:
        if self.prov.origins(node).of("model-output") is not None:
            self.inspected.add(self._function())

    # ------------------------------------------------------------------ uses
    def visit_Call(self, node: cst.Call) -> None:
        if not self._on():
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            self._method_calls.add(id(func))
        attribute = func.attr.value if isinstance(func, cst.Attribute) else None
        name = self.prov.evaluate(func).name if isinstance(func, (cst.Name, cst.Attribute)) else None
        if name in _INSPECTING_CALLS and node.args:
            self._inspects(node.args[0].value)
            return
        position = self._text_argument(name, attribute)
        if position is None or len(node.args) <= position or node.args[position].keyword is not None:
            return
        text = self._text(node.args[position].value)
        if text is None or text.reply.missing == "block" or (text.reply.missing == "list" and name == "len"):
            return
        spelled = f"{name or attribute}()" if name != "len" else "len()"
        self._report(text, node, f"`{spelled}`", "TypeError")

    def _text_argument(self, name: str | None, attribute: str | None) -> int | None:
        if name in _TEXT_CALLS:
            return _TEXT_CALLS[name]
        if attribute in _WRITES:
            return 0
        for parser in self._parsers:
            if any(name_matches(pattern, name, attribute) for pattern in parser.names) and (
                    not parser.imports or imported(self.prov.imports, parser.imports)):
                return 0
        return None

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self._on():
            return
        attr = node.attr.value
        if attr in self._checks:
            self._inspects(node.value)
        if attr.startswith("__"):
            return
        text = self._text(node.value)
        if text is None:
            return
        missing = text.reply.missing
        if missing == "block" and attr not in text.reply.reads or missing == "list" and attr in _LIST_ATTRIBUTES:
            return
        use = f"`.{attr}()`" if id(node) in self._method_calls else f"`.{attr}`"
        self._report(text, node, use, "AttributeError", covers=(node.value,))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if not self._on():
            return
        text = self._text(node.value)
        if text is not None and text.reply.missing == "none":
            self._report(text, node, "an index", "TypeError")

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if self._on() and isinstance(node.operator, cst.Add):
            self._concatenation(node, node.left, node.right)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if self._on() and isinstance(node.operator, cst.AddAssign):
            self._concatenation(node, node.target, node.value)

    def _concatenation(self, node: cst.CSTNode, left: cst.BaseExpression, right: cst.BaseExpression) -> None:
        for side, other in ((left, right), (right, left)):
            text = self._text(side)
            if text is None or text.reply.missing == "block":
                continue
            if text.reply.missing == "list" and not isinstance(
                    other, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
                continue  # a list plus a list is a list
            self._report(text, node, "`+`", "TypeError")
            return

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if not self._on():
            return
        for target in node.comparisons:
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                text = self._text(target.comparator)
                if text is not None and text.reply.missing == "none":
                    self._report(text, node, "`in`", "TypeError")

    # ------------------------------------------------------------------ reporting
    def _report(self, text: _Text, node: cst.CSTNode, use: str, error: str,
                covers: tuple[cst.CSTNode, ...] = ()) -> None:
        if self._caught(error):
            return
        key = (self._function(), text.origin.order)
        if key in self.reported:
            return
        self.reported.add(key)
        asked = (" (this request passes " + ", ".join(f"`{option}=`" for option in text.asked) + ")"
                 if text.asked and not text.reply.always else "")
        self.report("AL502", node, text.origin.notes(), covers=covers, assumption=_ASSUMPTION[text.reply.missing],
                    why=text.why, asked=asked, use=use, error=error, fix=text.reply.fix or "check for a missing text first")

    def _caught(self, error: str) -> bool:
        """An except clause around the use catches ``error`` (a builtin: AttributeError or
        TypeError, which only it and the catch-alls name)."""
        return any(handler.catches is None or any(caught in _CATCH_ALL or may_catch(self.knowledge, caught, error)
                                                  for caught in handler.catches)
                   for handler in self.ctx.active_handlers())
