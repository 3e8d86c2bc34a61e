"""Every check alint runs, one module each, named after what it finds."""

from __future__ import annotations

from .base import Check
from .missing_timeout import MissingTimeout
from .subprocess_timeout import SubprocessWithoutTimeout
from .async_wait_timeout import AsyncWaitWithoutTimeout
from .blocking_wait_timeout import BlockingWaitWithoutTimeout
from .gather_loses_results import GatherLosesResults
from .graphql_errors_unchecked import GraphqlErrorsUnchecked
from .retry_without_bound import RetryWithoutBound
from .swallowed_network_error import SwallowedNetworkError
from .unchecked_status import UncheckedStatus
from .unhandled_json_decode import UnhandledJsonDecode
from .unhandled_network_error import UnhandledNetworkError
from .unchecked_conversion import UncheckedConversion
from .unchecked_shape import UncheckedShape
from .first_page_only import FirstPageOnly
from .model_output_parsed_unchecked import ModelOutputParsedUnchecked
from .tainted_sql import TaintedSql
from .tainted_command import TaintedCommand
from .tainted_path import TaintedPath
from .model_content_may_be_none import ModelContentMayBeNone
from .unchecked_first_element import UncheckedFirstElement
from .empty_aggregate import EmptyAggregate
from .naive_datetime import NaiveDatetime
from .model_output_executed import ModelOutputExecuted
from .pagination_loop_without_progress import PaginationLoopWithoutProgress
from .page_arithmetic import PageArithmetic
from .partial_pages_as_complete import PartialPagesAsComplete
from .tainted_code import TaintedCode
from .tainted_url import TaintedUrl
from .open_redirect import OpenRedirect
from .partial_output import PartialOutput

ALL_CHECKS: tuple[type[Check], ...] = (
    MissingTimeout,
    SubprocessWithoutTimeout,
    AsyncWaitWithoutTimeout,
    BlockingWaitWithoutTimeout,
    RetryWithoutBound,
    GatherLosesResults,
    GraphqlErrorsUnchecked,
    UnhandledNetworkError,
    UncheckedStatus,
    SwallowedNetworkError,
    UnhandledJsonDecode,
    UncheckedConversion,
    UncheckedShape,
    FirstPageOnly,
    ModelOutputParsedUnchecked,
    TaintedSql,
    TaintedCommand,
    TaintedPath,
    ModelContentMayBeNone,
    UncheckedFirstElement,
    EmptyAggregate,
    NaiveDatetime,
    ModelOutputExecuted,
    PaginationLoopWithoutProgress,
    PageArithmetic,
    PartialPagesAsComplete,
    TaintedCode,
    TaintedUrl,
    OpenRedirect,
    PartialOutput,
)
