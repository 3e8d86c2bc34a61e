"""Every check alint runs, one module each, named after what it finds."""

from __future__ import annotations

from .base import Check
from .missing_timeout import MissingTimeout
from .gather_loses_results import GatherLosesResults
from .graphql_errors_unchecked import GraphqlErrorsUnchecked
from .retry_without_bound import RetryWithoutBound
from .swallowed_network_error import SwallowedNetworkError
from .unchecked_status import UncheckedStatus
from .unhandled_network_error import UnhandledNetworkError

ALL_CHECKS: tuple[type[Check], ...] = (
    MissingTimeout,
    RetryWithoutBound,
    GatherLosesResults,
    GraphqlErrorsUnchecked,
    UnhandledNetworkError,
    UncheckedStatus,
    SwallowedNetworkError,
)
