"""X-Ray tracing with Powertools' Tracer, in a deployed function only (see telemetry).

What a trace holds: one subsegment per request named after its route, annotated with the
route and the status, and one subsegment per AWS call (DynamoDB, Cognito), which the X-Ray
SDK's botocore patch records with the operation, the table name and the consumed capacity,
never keys, items or user attributes. Nothing personal is annotated: routes are templates
(`/goals/{goalId}`), never concrete paths, and the user id is not recorded.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from chalicelib.core import telemetry


class RequestTrace(Protocol):
    def finish(self, status: int) -> None: ...


class _Untraced:
    def finish(self, status: int) -> None:
        pass


class _Traced:
    def __init__(self, subsegment: Any) -> None:
        self._subsegment = subsegment

    def finish(self, status: int) -> None:
        self._subsegment.put_annotation("status", status)


def _start_tracer() -> Any:
    if not telemetry.tracing_enabled():
        return None
    # Imported here: aws-xray-sdk is loaded only where traces are sent. Only botocore is
    # patched (every DynamoDB and Cognito call); patching everything X-Ray can would also
    # import modules the app never uses, on every cold start.
    from aws_lambda_powertools import Tracer

    return Tracer(patch_modules=("botocore",))


# Built when the app is imported, so Lambda's init phase (and provisioned concurrency) pays
# for it rather than the first request, and botocore is patched before any client exists.
_tracer = _start_tracer()
_cold_start = [True]  # the first request of this process pays for the cold start


@contextmanager
def request_trace(method: str, route: str) -> Iterator[RequestTrace]:
    """A subsegment around one request (when tracing is on); `finish` records the status."""
    if _tracer is None:
        yield _Untraced()
        return
    with _tracer.provider.in_subsegment(f"## {method} {route}") as subsegment:
        subsegment.put_annotation("route", f"{method} {route}")
        subsegment.put_annotation("cold_start", _cold_start[0])
        _cold_start[0] = False
        yield _Traced(subsegment)
