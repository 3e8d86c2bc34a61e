"""What reaches a function through the same-module functions it calls, to a fixpoint.

Several rules ask one question of a module's call graph: an error that escapes a callee
escapes its callers too (unless the call is inside a clause that catches it); a function
that calls one that makes a request makes one too. Calls may come before the function
they call is defined, so the answer is computed once the module has been walked.
"""

from __future__ import annotations

from typing import Callable, Hashable, Iterable, Mapping, TypeVar

Function = TypeVar("Function", bound=Hashable)
Value = TypeVar("Value", bound=Hashable)
Edge = TypeVar("Edge")


def propagate(start: Mapping[Function, Iterable[Value]],
              calls: Iterable[tuple[Function, Function, Edge]],
              passes: Callable[[Edge, Value], bool] = lambda edge, value: True,
              ) -> dict[Function, set[Value]]:
    """Per function, the values that hold in it: its own (``start``) and, over every call
    ``(caller, callee, edge)``, each value of the callee for which ``passes(edge, value)``.

    Sets only grow and are finite, so the loop ends; the result does not depend on the
    order of the calls."""
    result: dict[Function, set[Value]] = {function: set(values) for function, values in start.items()}
    edges = list(calls)
    changed = True
    while changed:
        changed = False
        for caller, callee, edge in edges:
            reached = result.get(callee)
            if not reached:
                continue
            out = result.setdefault(caller, set())
            for value in list(reached):
                if value not in out and passes(edge, value):
                    out.add(value)
                    changed = True
    return result


def reaching(holds: Iterable[Function], calls: Mapping[Function, Iterable[Function]]) -> set[Function]:
    """The functions in ``holds`` and every function that calls one of them, directly or not."""
    edges = [(caller, callee, None) for caller, callees in calls.items() for callee in callees]
    found = propagate({function: (True,) for function in holds}, edges)
    return {function for function, values in found.items() if values}
