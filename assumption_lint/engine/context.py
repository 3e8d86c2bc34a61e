"""The context keeper: maintains the context stacks (facts/context.py) and feeds the
resolver as the walk enters and leaves each node, before any fact or check sees it.

Functions, classes, tries and their handlers, loops, ``with`` blocks, statements, awaits,
imports and the module's ``__main__`` guard; names bound by imports, definitions,
parameters, assignments and ``with ... as``. What a binding means for a catalogued object is
the resolver's business (its walk hooks ``bind_class``, ``bind_assignment``, ``after_call``):
this module only says when to ask.
"""

from __future__ import annotations

from typing import Any, Callable, Union

import libcst as cst

from ..facts.context import Context, FunctionFrame, Handler, TryFrame, Unresolved, imported_names, is_main_guard
from ..resolve import Instance, LocalClass, LocalFunction, dotted_name

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
Hook = Callable[[cst.CSTNode], None]


class ContextKeeper:
    """``enter_hook(kind)``/``leave_hook(kind)`` give the walk one callable per node class
    (None when nothing happens), looked up once per class."""

    def __init__(self, context: Context) -> None:
        self.ctx = context
        self.resolver = context.resolver

    def enter_hook(self, kind: type) -> Hook | None:
        hook = _ENTER.get(kind)
        bound = hook.__get__(self) if hook is not None else None
        if not issubclass(kind, _STATEMENTS):
            return bound
        statements = self.ctx.statements
        if bound is None:
            return statements.append  # type: ignore[return-value]

        def enter(node: cst.CSTNode) -> None:  # the hook first, then the statement stack
            bound(node)
            statements.append(node)  # type: ignore[arg-type]
        return enter

    def leave_hook(self, kind: type) -> Hook | None:
        hook = _LEAVE.get(kind)
        bound = hook.__get__(self) if hook is not None else None
        if not issubclass(kind, _STATEMENTS):
            return bound
        statements = self.ctx.statements
        if bound is None:
            def leave_statement(node: cst.CSTNode) -> None:
                statements.pop()
            return leave_statement

        def leave(node: cst.CSTNode) -> None:  # the statement stack first, then the hook
            statements.pop()
            bound(node)
        return leave

    def enter_import(self, node: cst.Import) -> None:
        self.resolver.bind_import(node)
        self.ctx.imports.update(imported_names(node))

    def enter_import_from(self, node: cst.ImportFrom) -> None:
        self.resolver.bind_import_from(node)
        self.ctx.imports.update(imported_names(node))

    def enter_await(self, node: cst.Await) -> None:
        self.ctx.awaits += 1

    def leave_await(self, node: cst.Await) -> None:
        self.ctx.awaits -= 1

    def enter_if(self, node: cst.If) -> None:
        if self.ctx.function is None and not self.ctx.classes and is_main_guard(node.test):
            self.ctx.main_guards.append(node)

    def leave_if(self, node: cst.If) -> None:
        if self.ctx.main_guards and self.ctx.main_guards[-1] is node:
            self.ctx.main_guards.pop()

    def enter_class(self, node: cst.ClassDef) -> None:
        self.resolver.bind_class(node)
        self.ctx.classes.append(node)
        self.resolver.push("class", node.name.value)

    def leave_class(self, node: cst.ClassDef) -> None:
        self.resolver.pop()
        self.ctx.classes.pop()

    def enter_function(self, node: cst.FunctionDef) -> None:
        self.resolver.bind(node.name.value, LocalFunction(node.name.value, node))
        in_class = self.resolver.current.kind == "class"
        outer = [frame.node.name.value for frame in self.ctx.functions]
        class_name = self.ctx.classes[-1].name.value if in_class and self.ctx.classes else None
        qualname = ".".join(outer + ([class_name] if class_name else []) + [node.name.value])
        decorators = []
        for decorator in node.decorators:
            target = decorator.decorator
            if isinstance(target, cst.Call):
                target = target.func
            resolved = self.resolver.resolve(target)
            parts = dotted_name(target)
            decorators.append(resolved.name if resolved else ".".join(parts) if parts else "?")
        frame = FunctionFrame(node, qualname, class_name, tuple(decorators), node.asynchronous is not None)
        self.ctx.enter_function(frame)
        self.resolver.push("function", node.name.value)
        params = node.params
        ordered = list(params.posonly_params) + list(params.params)
        top = qualname if not outer and not in_class else None  # the caller index types these
        for param in ordered:
            self.resolver.bind_parameter(top, param.name.value)
        for param in params.kwonly_params:
            self.resolver.bind(param.name.value, None)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.resolver.bind(star.name.value, None)
        if in_class and ordered and "staticmethod" not in decorators:
            self.resolver.set_self_name(ordered[0].name.value)

    def leave_function(self, node: cst.FunctionDef) -> None:
        self.resolver.pop()
        frame = self.ctx.leave_function()
        returned = [value for value in frame.return_bindings]
        if returned and all(isinstance(value, Instance) for value in returned):
            first = returned[0]
            if all(value.type == first.type for value in returned):  # type: ignore[union-attr]
                self.resolver.bind(node.name.value, LocalFunction(node.name.value, node, first))  # type: ignore[arg-type]

    def enter_return(self, node: cst.Return) -> None:
        frame = self.ctx.function
        if frame is not None:
            frame.return_bindings.append(
                self.resolver.binding_for_value(node.value) if node.value is not None else None)

    def enter_lambda(self, node: cst.Lambda) -> None:
        self.resolver.push("function", "<lambda>")
        for param in list(node.params.params) + list(node.params.kwonly_params) + list(node.params.posonly_params):
            self.resolver.bind(param.name.value, None)

    def leave_lambda(self, node: cst.Lambda) -> None:
        self.resolver.pop()

    def enter_try(self, node: Union[cst.Try, cst.TryStar]) -> None:
        handlers = tuple(Handler(handler, self._caught(handler.type)) for handler in node.handlers)
        self.ctx.tries.append(TryFrame(node, handlers))

    def _caught(self, expression: cst.BaseExpression | None) -> tuple[str | Unresolved, ...] | None:
        if expression is None:
            return None
        elements = expression.elements if isinstance(expression, cst.Tuple) else [expression]
        names: list[str | Unresolved] = []
        for element in elements:
            value = element.value if isinstance(element, cst.Element) else element
            resolved = self.resolver.resolve(value)
            if resolved is not None:
                names.append(resolved.name)
            else:
                parts = dotted_name(value)
                spelled = ".".join(parts) if parts else "<expression>"
                binding = self.resolver.lookup(spelled) if spelled.isidentifier() else None
                names.append(Unresolved(spelled, isinstance(binding, LocalClass)))
        return tuple(names)

    def leave_try(self, node: cst.CSTNode) -> None:
        self.ctx.tries.pop()

    def enter_handler_part(self, node: cst.CSTNode) -> None:
        """An except clause, or the else/finally of the innermost try: out of its body."""
        if self.ctx.tries:
            frame = self.ctx.tries[-1]
            if node is frame.node.orelse or node is frame.node.finalbody or isinstance(
                    node, (cst.ExceptHandler, cst.ExceptStarHandler)):
                frame.in_body = False

    def enter_loop(self, node: Union[cst.For, cst.While]) -> None:
        if isinstance(node, cst.For):
            self.resolver.bind_target(node.target, None)
        self.ctx.loops.append(node)

    def leave_loop(self, node: cst.CSTNode) -> None:
        self.ctx.loops.pop()

    def enter_with(self, node: cst.With) -> None:
        self.ctx.withs.append(node)
        for item in node.items:
            if item.asname is not None:
                self.resolver.bind_target(item.asname.name, self.resolver.instance_of(item.item))

    def leave_with(self, node: cst.With) -> None:
        self.ctx.withs.pop()

    def leave_assign(self, node: cst.Assign) -> None:
        value = self._assigned(node.value)
        for target in node.targets:
            self.resolver.bind_assignment(target.target, node.value, value)

    def leave_ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.resolver.bind_assignment(node.target, node.value, self._assigned(node.value))

    def _assigned(self, value: cst.BaseExpression) -> Any:
        return self.resolver.binding_for_value(value)

    def leave_aug_assign(self, node: cst.AugAssign) -> None:
        self.resolver.bind_target(node.target, None)

    def leave_named_expr(self, node: cst.NamedExpr) -> None:
        self.resolver.bind_target(node.target, self._assigned(node.value))

    def leave_call(self, node: cst.Call) -> None:
        self.resolver.after_call(node)


_ENTER: dict[type, Callable[[ContextKeeper, Any], None]] = {
    cst.Import: ContextKeeper.enter_import,
    cst.Await: ContextKeeper.enter_await,
    cst.If: ContextKeeper.enter_if,
    cst.ImportFrom: ContextKeeper.enter_import_from,
    cst.ClassDef: ContextKeeper.enter_class,
    cst.FunctionDef: ContextKeeper.enter_function,
    cst.Return: ContextKeeper.enter_return,
    cst.Lambda: ContextKeeper.enter_lambda,
    cst.Try: ContextKeeper.enter_try,
    cst.TryStar: ContextKeeper.enter_try,
    cst.ExceptHandler: ContextKeeper.enter_handler_part,
    cst.ExceptStarHandler: ContextKeeper.enter_handler_part,
    cst.Else: ContextKeeper.enter_handler_part,
    cst.Finally: ContextKeeper.enter_handler_part,
    cst.For: ContextKeeper.enter_loop,
    cst.While: ContextKeeper.enter_loop,
    cst.With: ContextKeeper.enter_with,
}
_LEAVE: dict[type, Callable[[ContextKeeper, Any], None]] = {
    cst.Await: ContextKeeper.leave_await,
    cst.If: ContextKeeper.leave_if,
    cst.ClassDef: ContextKeeper.leave_class,
    cst.FunctionDef: ContextKeeper.leave_function,
    cst.Lambda: ContextKeeper.leave_lambda,
    cst.Try: ContextKeeper.leave_try,
    cst.TryStar: ContextKeeper.leave_try,
    cst.For: ContextKeeper.leave_loop,
    cst.While: ContextKeeper.leave_loop,
    cst.With: ContextKeeper.leave_with,
    cst.Assign: ContextKeeper.leave_assign,
    cst.AnnAssign: ContextKeeper.leave_ann_assign,
    cst.AugAssign: ContextKeeper.leave_aug_assign,
    cst.NamedExpr: ContextKeeper.leave_named_expr,
    cst.Call: ContextKeeper.leave_call,
}
