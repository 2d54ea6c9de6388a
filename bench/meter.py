"""Counts the DynamoDB requests the app's own client sends, with the capacity each consumed,
and, apart from them, the calls its Cognito client makes (the session routes touch no table).

Outside Lambda the app never asks for `ReturnConsumedCapacity` (deployed, core.metrics does);
the meter adds `INDEXES` (the total, and the table's and each index's share) to every data
request through botocore's event hooks, so no app code changes and the requests stay the app's
own.

Each call also records how many items DynamoDB read for it (`items_read`): what a Query or Scan
examined (`ScannedCount`, which a filter does not reduce: those items are billed), the items a
GetItem, BatchGetItem or TransactGetItems returned. It is the figure that shows a read growing
with the data before its capacity does (a Query's bytes are rounded up to 4 KB).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.metrics import CAPACITY_OPERATIONS as _CAPACITY_OPERATIONS
from chalicelib.core.metrics import READ_OPERATIONS as _READS
from chalicelib.core.metrics import consumed_units as _capacity


@dataclass(frozen=True)
class Call:
    operation: str
    rcu: float
    wcu: float
    retries: int
    error: str | None
    items_read: int = 0
    table_wcu: float = 0.0  # of `wcu`, what the table's own items cost (the rest: its indexes)


@dataclass
class Usage:
    """The DynamoDB calls made while measuring one request."""

    calls: list[Call] = field(default_factory=list)
    identity_calls: list[str] = field(default_factory=list)  # Cognito operations, in order

    @property
    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    @property
    def requests(self) -> int:
        return len(self.calls)

    @property
    def reads(self) -> int:
        return sum(1 for call in self.calls if call.operation in _READS)

    @property
    def transactions(self) -> int:
        return sum(1 for call in self.calls if call.operation == "TransactWriteItems")

    @property
    def other_writes(self) -> int:
        return self.requests - self.reads - self.transactions

    @property
    def items_read(self) -> int:
        return sum(call.items_read for call in self.calls)

    @property
    def rcu(self) -> float:
        return sum(call.rcu for call in self.calls)

    @property
    def wcu(self) -> float:
        return sum(call.wcu for call in self.calls)

    @property
    def table_wcu(self) -> float:
        return sum(call.table_wcu for call in self.calls)


class Meter:
    def __init__(self, client: Any, identity_client: Any = None) -> None:
        self._client = client
        self._identity_client = identity_client
        self._lock = threading.Lock()
        self._usage: Usage | None = None
        self._thread: int | None = None
        events = client.meta.events
        events.register("provide-client-params.dynamodb", self._ask_for_capacity)
        events.register("after-call.dynamodb", self._record)
        if identity_client is not None:
            identity_client.meta.events.register("after-call.cognito-idp", self._record_identity)

    def close(self) -> None:
        events = self._client.meta.events
        events.unregister("provide-client-params.dynamodb", self._ask_for_capacity)
        events.unregister("after-call.dynamodb", self._record)
        if self._identity_client is not None:
            self._identity_client.meta.events.unregister(
                "after-call.cognito-idp", self._record_identity
            )

    def _record_identity(self, model: Any, **_: Any) -> None:
        with self._lock:
            if self._usage is not None and threading.get_ident() == self._thread:
                self._usage.identity_calls.append(model.name)

    def _ask_for_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in _CAPACITY_OPERATIONS:
            # INDEXES: the total, and apart from it what the table and each index consumed.
            params.setdefault("ReturnConsumedCapacity", "INDEXES")

    def _record(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        with self._lock:
            # Only the measuring thread's calls count (seeding threads may share the client).
            if self._usage is None or threading.get_ident() != self._thread:
                return
            rcu, wcu = _capacity(model.name, parsed.get("ConsumedCapacity"))
            error = (parsed.get("Error") or {}).get("Code")
            retries = int((parsed.get("ResponseMetadata") or {}).get("RetryAttempts") or 0)
            consumed = parsed.get("ConsumedCapacity")
            self._usage.calls.append(
                Call(
                    model.name,
                    rcu,
                    wcu,
                    retries,
                    error,
                    items_read(model.name, parsed),
                    table_write_units(model.name, consumed) if wcu else 0.0,
                )
            )

    @contextmanager
    def measuring(self) -> Iterator[Usage]:
        usage = Usage()
        with self._lock:
            if self._usage is not None:
                raise RuntimeError("already measuring")
            self._usage, self._thread = usage, threading.get_ident()
        try:
            yield usage
        finally:
            with self._lock:
                self._usage, self._thread = None, None


def table_write_units(operation: str, consumed: Any) -> float:
    """Of a write's capacity, what the table's own items consumed: the rest went to its
    secondary indexes (each index an item lands in bills its copy again, never doubled by a
    transaction). An answer without the breakdown counts wholly as the table's."""
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    units = 0.0
    for entry in entries:
        table = entry.get("Table")
        if table is None:
            units += _capacity(operation, entry)[1]
        else:
            units += float(table.get("WriteCapacityUnits") or table.get("CapacityUnits") or 0)
    return units


def items_read(operation: str, parsed: dict[str, Any]) -> int:
    """How many items one answer says DynamoDB read (0 for writes and errors)."""
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", parsed.get("Count", 0)) or 0)
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in (parsed.get("Responses") or {}).values())
    if operation == "TransactGetItems":
        return sum(1 for response in parsed.get("Responses") or [] if response.get("Item"))
    return 0
