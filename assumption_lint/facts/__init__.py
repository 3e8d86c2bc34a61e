"""Shared analyses that checks declare in ``needs`` and the engine computes once per file.

The helper modules here (arguments, handlers, syntax, network, waits, fixpoint) are plain
functions and data types the facts and checks share; the facts are the classes that
subclass ``Fact`` (``NetworkCalls``, ``NetworkFlow``).
"""

from .base import Fact, FactCycleError, fact_order

__all__ = ["Fact", "FactCycleError", "fact_order"]
