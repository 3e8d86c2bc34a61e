"""Every check alint runs, one module each, named after what it finds."""

from __future__ import annotations

from .base import Check
from .missing_timeout import MissingTimeout
from .gather_loses_results import GatherLosesResults
from .graphql_errors_unchecked import GraphqlErrorsUnchecked
from .retry_without_bound import RetryWithoutBound

ALL_CHECKS: tuple[type[Check], ...] = (
    MissingTimeout,
    RetryWithoutBound,
    GatherLosesResults,
    GraphqlErrorsUnchecked,
)
