"""AL501 model-output-parsed-unchecked: ``json.loads(reply.choices[0].message.content)``
where a reply that is not valid JSON escapes.

Models wrap JSON in prose or code fences and stop mid-object at the token limit. The parsers
and what each raises are catalog data (``[[model-parser]]`` in ``rules/models.toml``); the
``ValueProvenance`` fact says whether the parsed text is the model's reply, also through
same-module wrappers (``call_llm()``) by their function summaries. A parse is fine when an
except clause around it catches every class its parser raises, or when every same-module
caller of its function does (a retry loop, ``fut.result()`` in a try, an agent base class's
catch-all); a function handed to other code as a callable is assumed to be called that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ..catalog.models import ModelParser
from ..catalog.sources import imported, name_matches
from ..facts.callers import MODULE, SameModuleCallers
from ..facts.context import Handler
from ..facts.handlers import may_catch
from ..facts.provenance import ValueProvenance
from ..facts.provenance_values import Origin
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

@dataclass
class _Parse:
    node: cst.Call
    parser: ModelParser
    api: str
    origin: Origin
    uncaught: tuple[str, ...]
    statement: cst.CSTNode | None
    function: str
    covers: list[cst.CSTNode]


class ModelOutputParsedUnchecked(Check):
    rules = ("AL501",)
    needs = (ValueProvenance, SameModuleCallers)
    project_reads = frozenset({"model-output"})

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        self.knowledge = self.catalog.network
        self.parsers = self.catalog.models.parsers
        self.parses: list[_Parse] = []
        self.callers = self.fact(SameModuleCallers)
        self.finish_read: set[str] = set()  # functions that read a finish reason
        self._finish = self.catalog.models.finish_attributes()
        self._by_node: dict[int, _Parse] = {}

    def _function(self) -> str:
        return self.ctx.function.qualname if self.ctx.function else MODULE

    # ------------------------------------------------------------------ the walk
    def visit_Call(self, node: cst.Call) -> None:
        if not node.args or not self.prov.active:
            return
        func = node.func
        attribute = func.attr.value if isinstance(func, cst.Attribute) else None
        last = attribute or (func.value if isinstance(func, cst.Name) else None)
        if last is None:
            return
        name = self.prov.evaluate(func).name
        parser = next((parser for parser in self.parsers
                       if any(name_matches(pattern, name, attribute) for pattern in parser.names)
                       and (not parser.imports or imported(self.prov.imports, parser.imports))), None)
        if parser is None:
            return
        origin = self.prov.origins(node.args[0].value).of("model-output")
        if origin is None or "format" in origin.validated:
            return
        handlers = tuple(self.ctx.active_handlers())
        uncaught = tuple(raised for raised in parser.raises if not _caught(self.knowledge, handlers, raised))
        if not uncaught:
            return
        found = _Parse(node, parser, name or last, origin, uncaught, self.ctx.statement, self._function(), [])
        self.parses.append(found)
        self._by_node[id(node)] = found

    def visit_Subscript(self, node: cst.Subscript) -> None:
        # json.loads(reply)["sql"]: the key read is part of what the parse assumes (AL108 yields).
        found = self._by_node.get(id(node.value))
        if found is not None:
            found.covers.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in self._finish:
            self.finish_read.add(self._function())

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if node.value.strip("\"'") in self._finish:
            self.finish_read.add(self._function())

    # ------------------------------------------------------------------ after the walk
    def leave_Module(self, node: cst.Module) -> None:
        for parse in self.parses:
            uncaught = tuple(raised for raised in parse.uncaught
                             if not self._callers_catch(parse.function, raised))
            if uncaught:
                self._report(parse, uncaught)

    def _callers_catch(self, function: str, raised: str) -> bool:
        """Every same-module use of ``function`` catches ``raised``, directly or further up;
        a function handed on as a callable is assumed to be called that way."""
        return self.callers.all_catch(function, lambda handlers: _caught(self.knowledge, handlers, raised),
                                      handed_on=True)

    def _report(self, parse: _Parse, uncaught: tuple[str, ...]) -> None:
        call = parse.origin.source.node
        sdk_call = self.prov.evaluate(call.func).name if isinstance(call, cst.Call) else None
        reply = self.catalog.models.reply_for(sdk_call) if sdk_call else None
        finish = reply.finish[0] if reply and reply.finish else "finish_reason"
        unread = "" if parse.function in self.finish_read else f" when `{finish}` is not read"
        errors = " or ".join(raised.rsplit(".", 1)[-1] for raised in uncaught)
        self.report("AL501", parse.node, parse.origin.notes(), statement=parse.statement, function=parse.function,
                    covers=parse.covers, api=f"{parse.api}()", expects=parse.parser.expects,
                    error=errors, unread=unread, catch=", ".join(uncaught))


def _caught(knowledge, handlers: tuple[Handler, ...], raised: str) -> bool:
    return any(handler.catches is None or any(may_catch(knowledge, caught, raised) for caught in handler.catches)
               for handler in handlers)
