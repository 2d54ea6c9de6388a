"""Counts the DynamoDB requests the app's own client sends, with the capacity each consumed,
and, apart from them, the calls its Cognito client makes (the session routes touch no table).

Outside Lambda the app never asks for `ReturnConsumedCapacity` (deployed, core.metrics does);
the meter adds `TOTAL` to every data request through botocore's event hooks, so no app code
changes and the requests stay the app's own.
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
    items: int = 0  # the items a read returned (0 for writes)


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
    def items_read(self) -> int:
        return sum(call.items for call in self.calls)

    @property
    def transactions(self) -> int:
        return sum(1 for call in self.calls if call.operation == "TransactWriteItems")

    @property
    def other_writes(self) -> int:
        return self.requests - self.reads - self.transactions

    @property
    def rcu(self) -> float:
        return sum(call.rcu for call in self.calls)

    @property
    def wcu(self) -> float:
        return sum(call.wcu for call in self.calls)


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
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def _record(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        with self._lock:
            # Only the measuring thread's calls count (seeding threads may share the client).
            if self._usage is None or threading.get_ident() != self._thread:
                return
            rcu, wcu = _capacity(model.name, parsed.get("ConsumedCapacity"))
            error = (parsed.get("Error") or {}).get("Code")
            retries = int((parsed.get("ResponseMetadata") or {}).get("RetryAttempts") or 0)
            self._usage.calls.append(Call(model.name, rcu, wcu, retries, error, _items(parsed)))

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


def _items(parsed: dict[str, Any]) -> int:
    """How many items a read returned: a Query's count, a BatchGetItem's responses."""
    if "Count" in parsed:
        return int(parsed["Count"])
    if "Responses" in parsed:
        return sum(len(items) for items in parsed["Responses"].values())
    return 1 if "Item" in parsed else 0
