"""Application metrics as CloudWatch embedded metric format (EMF) lines, in a deployed function.

Powertools' Metrics prints them to stdout, Lambda ships them to the function's log group, and
CloudWatch turns them into metrics in the namespace `AiLifestyleApi/{stage}`. Per request:

* `Requests` (dimensions service, route, status): one per request. The route is a template
  (`GET /goals/{goalId}`), so the dimensions never hold ids or anything personal.
* `DynamoDBReadCapacity`, `DynamoDBWriteCapacity` (service, route): the capacity units the
  request's DynamoDB calls consumed, as DynamoDB reports them. While metrics are on, the app's
  client asks for `ReturnConsumedCapacity=TOTAL` on every data call: DynamoDB charges nothing
  for it and the answer grows by a few bytes. Only the capacity per route is new: the table's
  totals are in AWS/DynamoDB already.
* `GoalCreated`, `ActivityLogged`, `JournalEntryWritten` (service): business events, counted
  only once their transaction committed (see `dynamo.Transaction.emits`).

Off (and Powertools never imported) outside Lambda: see `telemetry`.
"""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from chalicelib.core import telemetry
from chalicelib.core.config import get_settings

GOAL_CREATED = "GoalCreated"
ACTIVITY_LOGGED = "ActivityLogged"
JOURNAL_ENTRY_WRITTEN = "JournalEntryWritten"
BUSINESS_EVENTS = (GOAL_CREATED, ACTIVITY_LOGGED, JOURNAL_ENTRY_WRITTEN)
REQUESTS = "Requests"
READ_CAPACITY = "DynamoDBReadCapacity"
WRITE_CAPACITY = "DynamoDBWriteCapacity"

# DynamoDB operations that accept ReturnConsumedCapacity, and which of them read.
CAPACITY_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


def consumed_units(operation: str, consumed: Any) -> tuple[float, float]:
    """(read, write) capacity units from a ConsumedCapacity answer (a dict, or a list for
    batches and transactions). With TOTAL, DynamoDB reports one number; the operation says
    whether it was read or write capacity."""
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    read = write = 0.0
    for entry in entries:
        if "ReadCapacityUnits" in entry or "WriteCapacityUnits" in entry:
            read += float(entry.get("ReadCapacityUnits") or 0)
            write += float(entry.get("WriteCapacityUnits") or 0)
        elif operation in READ_OPERATIONS:
            read += float(entry.get("CapacityUnits") or 0)
        else:
            write += float(entry.get("CapacityUnits") or 0)
    return read, write


@dataclass
class _Tally:
    """What one request did, published when it ends."""

    events: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    dynamodb_calls: int = 0
    status: int | None = None

    def finish(self, status: int) -> None:
        self.status = status


class _Unmeasured:
    def finish(self, status: int) -> None:
        pass


_tally: ContextVar[_Tally | None] = ContextVar("request_metrics", default=None)


def business_event(name: str) -> None:
    """Count an event of the current request (nothing when metrics are off)."""
    tally = _tally.get()
    if tally is not None:
        tally.events[name] += 1


@contextmanager
def request_metrics(method: str, route: str) -> Iterator[_Tally | _Unmeasured]:
    """Collect one request's metrics; published on exit with the status given to `finish`."""
    if not telemetry.metrics_enabled():
        yield _Unmeasured()
        return
    tally = _Tally()
    token = _tally.set(tally)
    try:
        yield tally
    finally:
        _tally.reset(token)
        _publish(f"{method} {route}", tally)


@lru_cache(maxsize=1)
def _emitter() -> Any:
    from aws_lambda_powertools import Metrics

    # The service dimension comes from POWERTOOLS_SERVICE_NAME (.chalice/config.json).
    return Metrics(namespace=telemetry.metrics_namespace(get_settings().environment))


def _publish(route: str, tally: _Tally) -> None:
    emitter = _emitter()
    # One EMF line per set of dimensions: all metrics of a line share its dimensions.
    emitter.add_dimension("route", route)
    emitter.add_dimension("status", str(tally.status or 500))
    emitter.add_metric(REQUESTS, "Count", 1)
    emitter.flush_metrics()
    if tally.dynamodb_calls:
        emitter.add_dimension("route", route)
        emitter.add_metric(READ_CAPACITY, "Count", tally.read_units)
        emitter.add_metric(WRITE_CAPACITY, "Count", tally.write_units)
        emitter.flush_metrics()
    if tally.events:
        for name, count in sorted(tally.events.items()):
            emitter.add_metric(name, "Count", count)
        emitter.flush_metrics()


def watch_capacity(client: Any) -> None:
    """Have a DynamoDB client report the capacity each call consumes (when metrics are on)."""
    if not telemetry.metrics_enabled():
        return
    client.meta.events.register("provide-client-params.dynamodb", _ask_for_capacity)
    client.meta.events.register("after-call.dynamodb", _count_capacity)


def _ask_for_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
    if model.name in CAPACITY_OPERATIONS:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")


def _count_capacity(parsed: dict[str, Any], model: Any, **_: Any) -> None:
    tally = _tally.get()
    if tally is None or model.name not in CAPACITY_OPERATIONS:
        return
    read, write = consumed_units(model.name, parsed.get("ConsumedCapacity"))
    tally.dynamodb_calls += 1
    tally.read_units += read
    tally.write_units += write
