"""DynamoDB access shared by every repository: one client, typed values, keys, failures.

The low-level client (not `boto3.resource`) is used on purpose: it is cheaper to create on a
cold start, it is what transactions need, and it makes every request explicit.
"""

import time
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.core import metrics
from chalicelib.core.aws import error_code
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BusinessRuleViolation, ServiceUnavailable

# `total_max_attempts` counts the first attempt; botocore's `max_attempts` counts retries
# only (so 4 meant five attempts, and "no retries" meant two).
# Three attempts of at most 1 s to connect and 2 s to answer, plus botocore's back-off, stay
# inside the 15 s Lambda timeout, so a hung table still ends in our 503 (API Gateway's own
# 504 would carry no envelope). DynamoDB answers in milliseconds when it answers at all.
_RETRIES = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=1,
    read_timeout=2,
)
# The health check must answer quickly even while the table is unreachable.
_NO_RETRIES = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=1, read_timeout=2
)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


# What `served_by` put in place of AWS's client, innermost last.
_stand_ins: list[Any] = []


def client() -> Any:
    """The client every repository, transaction and helper here sends through: DynamoDB's
    (`aws_client`), or the stand-in `served_by` put in its place."""
    return _stand_ins[-1] if _stand_ins else aws_client()


@lru_cache(maxsize=1)
def aws_client() -> Any:
    dynamodb = boto3.client("dynamodb", region_name=get_settings().region, config=_RETRIES)
    metrics.watch_capacity(dynamodb)
    return dynamodb


@contextmanager
def served_by(stand_in: Any) -> Iterator[Any]:
    """Within this block, every read and transaction goes to `stand_in`, an object with the
    low-level client's methods that the repositories call: the seam through which
    tests/service runs the real repositories and units of work on an in-memory table
    (tests/service/memory_table.py, held to DynamoDB's behaviour by a contract test)."""
    _stand_ins.append(stand_in)
    try:
        yield stand_in
    finally:
        _stand_ins.remove(stand_in)


@lru_cache(maxsize=1)
def probe_client() -> Any:
    return boto3.client("dynamodb", region_name=get_settings().region, config=_NO_RETRIES)


def table_name() -> str:
    return get_settings().table_name


# Sorts after every character a key holds: `PREFIX` to `PREFIX + KEY_END` is a key range.
# Queries use that range rather than begins_with, which DynamoDB Local answers by walking the
# whole partition (AWS answers both as a range; see the bench's key-condition probe).
KEY_END = "\uffff"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _to_dynamo_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _to_dynamo_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo_value(item) for item in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(_to_dynamo_value(value)) for key, value in item.items()}


def serialize_value(value: Any) -> Any:
    return _serializer.serialize(_to_dynamo_value(value))


def _to_plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _to_plain(item) for key, item in value.items()}
    if isinstance(value, list | set):
        return [_to_plain(item) for item in value]
    return value


def deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain JSON-ready values (Decimals become ints or floats)."""
    return {key: _to_plain(_deserializer.deserialize(value)) for key, value in item.items()}


class UpdateBuilder:
    """Builds one UpdateItem expression from attribute paths, with safe placeholder names."""

    def __init__(self) -> None:
        self._sets: list[str] = []
        self._removes: list[str] = []
        # Several writers may add to one item in one transaction: increments and set members
        # accumulate per attribute and become one clause each.
        self._increments: dict[tuple[str, ...], float] = {}
        self._set_adds: dict[str, set[str]] = {}
        self._set_deletes: dict[str, set[str]] = {}
        self._names: dict[str, str] = {}
        self._values: dict[str, Any] = {}
        self._assigned: dict[tuple[str, ...], Any] = {}  # path -> value, of the SET clauses

    def _path(self, path: tuple[str, ...]) -> str:
        placeholders = []
        for part in path:
            placeholder = f"#n{len(self._names)}"
            self._names[placeholder] = part
            placeholders.append(placeholder)
        return ".".join(placeholders)

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = serialize_value(value)
        return placeholder

    def set(self, *path: str, value: Any) -> "UpdateBuilder":
        """SET `path` to `value`. Two writers of one transaction may set the same path to the
        same value (e.g. two goals completing at once mark the one counter): that is one
        clause, since DynamoDB refuses an expression naming a path twice. Different values
        for one path are a bug."""
        if path in self._assigned:
            if self._assigned[path] != value:
                raise ValueError(f"{'.'.join(path)} set twice to different values")
            return self
        self._assigned[path] = value
        self._sets.append(f"{self._path(path)} = {self.value(value)}")
        return self

    def add_number(self, *path: str, amount: int | float) -> "UpdateBuilder":
        self._increments[path] = self._increments.get(path, 0) + amount
        return self

    def add_to_set(self, attribute: str, members: AbstractSet[str]) -> "UpdateBuilder":
        self._set_adds.setdefault(attribute, set()).update(members)
        return self

    def delete_from_set(self, attribute: str, members: AbstractSet[str]) -> "UpdateBuilder":
        self._set_deletes.setdefault(attribute, set()).update(members)
        return self

    def remove(self, *path: str) -> "UpdateBuilder":
        self._removes.append(self._path(path))
        return self

    def name(self, attribute: str) -> str:
        return self._path((attribute,))

    @property
    def is_empty(self) -> bool:
        return not (
            self._sets or self._removes or self._increments or self._set_adds or self._set_deletes
        )

    def params(self) -> dict[str, Any]:
        sets = list(self._sets)
        for path, amount in self._increments.items():
            if amount:
                target = self._path(path)
                sets.append(
                    f"{target} = if_not_exists({target}, {self.value(0)}) + {self.value(amount)}"
                )
        adds = [
            f"{self._path((name,))} {self.value(members)}"
            for name, members in self._set_adds.items()
            if members
        ]
        deletes = [
            f"{self._path((name,))} {self.value(members)}"
            for name, members in self._set_deletes.items()
            if members
        ]
        clauses = []
        if sets:
            clauses.append("SET " + ", ".join(sets))
        if self._removes:
            clauses.append("REMOVE " + ", ".join(self._removes))
        if adds:
            clauses.append("ADD " + ", ".join(adds))
        if deletes:
            clauses.append("DELETE " + ", ".join(deletes))
        params: dict[str, Any] = {"UpdateExpression": " ".join(clauses)}
        if self._names:
            params["ExpressionAttributeNames"] = dict(self._names)
        if self._values:
            params["ExpressionAttributeValues"] = dict(self._values)
        return params


# DynamoDB refuses a TransactWriteItems of more items than this with a ValidationException.
MAX_TRANSACTION_ITEMS = 100


class TransactionTooLarge(BusinessRuleViolation):
    """A change that would need more items than one transaction takes. Services check their
    own limits first and explain them; this is the net that keeps it from being a 500."""

    code = "CHANGE_TOO_LARGE"


class TransactionCancelled(Exception):
    """A transaction did not happen; `failed` names the labelled items whose condition failed."""

    def __init__(self, failed: set[str], reasons: list[str]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.failed = failed
        self.reasons = reasons


class Transaction:
    """Builds one TransactWriteItems call: every item is written, or none is."""

    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._labels: list[str] = []
        self._shared: dict[tuple[str, str], tuple[dict[str, Any], UpdateBuilder, list[str]]] = {}
        self._events: list[str] = []
        self._refusals: list[tuple[str, Callable[[], Exception | None]]] = []
        self._replays: set[str] = set()

    def emits(self, event: str) -> "Transaction":
        """Count a business event (core.metrics) if, and only if, this transaction commits:
        a write that loses a race and retries builds a new transaction, so nothing counts
        twice."""
        self._events.append(event)
        return self

    def refuse_with(self, label: str, refusal: Callable[[], Exception | None]) -> "Transaction":
        """When a condition of the items labelled `label` fails, the write is refused with
        `refusal()` instead of being retried: a rule broken by a concurrent write, which the
        read could not see (a title a concurrent create took). The repository that stages the
        item says what its failure means, so services never read labels; a refusal that
        returns None lets the write be tried again. Refusals are tried in the order they were
        added."""
        self._refusals.append((label, refusal))
        return self

    def replays_on(self, label: str) -> "Transaction":
        """A failed condition here means a concurrent twin of this very request won (its
        idempotency record exists): the write is retried whatever else failed, and the
        retry replays the twin's answer."""
        self._replays.add(label)
        return self

    def refusal(self, failed: set[str]) -> Exception | None:
        """What a cancellation with these failed labels means for the client: an error, or
        None for a lost race (read again and retry)."""
        if failed & self._replays:
            return None
        return next((refusal() for label, refusal in self._refusals if label in failed), None)

    def _add(self, label: str, kind: str, body: dict[str, Any]) -> "Transaction":
        self._items.append({kind: {"TableName": table_name(), **body}})
        self._labels.append(label)
        return self

    def updating(
        self, label: str, key: dict[str, Any], condition: str | None = None
    ) -> UpdateBuilder:
        """The one update of `key` in this transaction, shared by every writer that changes
        the item (DynamoDB refuses two operations on one item in a transaction). Conditions
        given by each writer must all hold; the label is the first writer's."""
        item_id = (str(key["PK"]), str(key["SK"]))
        if item_id not in self._shared:
            # Kept by reference: its expression is rendered at commit, once all writers added.
            body: dict[str, Any] = {"TableName": table_name(), "Key": serialize(key)}
            self._shared[item_id] = (body, UpdateBuilder(), [])
            self._items.append({"Update": body})
            self._labels.append(label)
        _, builder, conditions = self._shared[item_id]
        if condition:
            conditions.append(condition)
        return builder

    @property
    def item_count(self) -> int:
        """How many items the transaction writes so far (one per item, however many writers
        share it)."""
        return len(self._items)

    def _render_shared(self) -> None:
        for body, builder, conditions in self._shared.values():
            body.update(builder.params())
            if conditions:
                body["ConditionExpression"] = " AND ".join(f"({c})" for c in conditions)

    def put(
        self,
        label: str,
        item: dict[str, Any],
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> "Transaction":
        body: dict[str, Any] = {"Item": serialize(item)}
        return self._add(label, "Put", _with_condition(body, condition, names, values))

    def delete(
        self,
        label: str,
        key: dict[str, Any],
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> "Transaction":
        return self._add(
            label, "Delete", _with_condition({"Key": serialize(key)}, condition, names, values)
        )

    def check(
        self,
        label: str,
        key: dict[str, Any],
        condition: str,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> "Transaction":
        """A condition on an item this transaction does not write (billed as a write)."""
        return self._add(
            label,
            "ConditionCheck",
            _with_condition({"Key": serialize(key)}, condition, names, values),
        )

    def commit(self, client_: Any = None) -> None:
        if self.item_count > MAX_TRANSACTION_ITEMS:
            raise TransactionTooLarge(
                f"This change would write {self.item_count} items at once; at most "
                f"{MAX_TRANSACTION_ITEMS} can be written together. Make it in smaller steps.",
                details={"items": self.item_count, "limit": MAX_TRANSACTION_ITEMS},
            )
        self._render_shared()
        try:
            (client_ or client()).transact_write_items(TransactItems=self._items)
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            reasons = [
                str(reason.get("Code", "None"))
                for reason in exc.response.get("CancellationReasons", [])
            ]
            if reasons and all(code in {"None", "ConditionalCheckFailed"} for code in reasons):
                failed = {
                    label
                    for label, code in zip(self._labels, reasons, strict=False)
                    if code == "ConditionalCheckFailed"
                }
                raise TransactionCancelled(failed, reasons) from exc
            # Conflicts and throttling inside a transaction are worth another attempt.
            raise TransactionCancelled(set(), reasons) from exc
        for event in self._events:
            metrics.business_event(event)


def _with_condition(
    body: dict[str, Any],
    condition: str | None,
    names: dict[str, str] | None,
    values: dict[str, Any] | None,
) -> dict[str, Any]:
    if condition:
        body["ConditionExpression"] = condition
    if names:
        body["ExpressionAttributeNames"] = names
    if values:
        body["ExpressionAttributeValues"] = {k: serialize_value(v) for k, v in values.items()}
    return body


def sort_key_range(partition: str, low: str, high: str) -> dict[str, Any]:
    """The Query parameters for the items of `partition` whose sort keys lie from `low` to
    `high` (both included): `prefix` to `prefix + KEY_END` is every key with that prefix."""
    return {
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
        "ExpressionAttributeValues": serialize({":pk": partition, ":low": low, ":high": high}),
    }


def query_all(**params: Any) -> list[dict[str, Any]]:
    """Every item a Query matches, across pages, as plain values."""
    return [item for page in query_pages(**params) for item in page]


def query_pages(**params: Any) -> Iterator[list[dict[str, Any]]]:
    """The items a Query matches, one page (at most 1 MB, or `Limit` items) at a time, as
    plain values: a reader that must not hold them all (an export) takes them page by page."""
    while True:
        page = client().query(TableName=table_name(), **params)
        yield [deserialize(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# DynamoDB refuses a BatchGetItem of more keys than this.
BATCH_GET_KEYS = 100


def batch_get(
    keys: list[dict[str, Any]], attributes: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """The items with these keys (strongly consistent), in one request per 100 keys unless
    throttled. `attributes` (with PK and SK always added) reads only those, so a read that
    needs an entry's few small attributes does not pay for its content. A key named twice
    is read once (DynamoDB refuses a request that names one twice: two reminders of one
    person name their profile twice)."""
    unique = list({(key["PK"], key["SK"]): key for key in keys}.values())
    found: list[dict[str, Any]] = []
    for start in range(0, len(unique), BATCH_GET_KEYS):
        found += _batch_get(unique[start : start + BATCH_GET_KEYS], attributes)
    return found


def _batch_get(
    keys: list[dict[str, Any]], attributes: tuple[str, ...] | None
) -> list[dict[str, Any]]:
    request: dict[str, Any] = {"Keys": [serialize(key) for key in keys], "ConsistentRead": True}
    if attributes is not None:
        wanted = dict.fromkeys(("PK", "SK", *attributes))
        names = {f"#a{index}": name for index, name in enumerate(wanted)}
        request["ProjectionExpression"] = ", ".join(names)
        request["ExpressionAttributeNames"] = names
    pending = {table_name(): request}
    found: list[dict[str, Any]] = []
    for _ in range(5):
        result = client().batch_get_item(RequestItems=pending)
        found.extend(deserialize(item) for item in result["Responses"].get(table_name(), []))
        pending = result.get("UnprocessedKeys") or {}
        if not pending:
            return found
    raise ServiceUnavailable("The table is busy; try again shortly.")


def without_keys(item: dict[str, Any]) -> dict[str, Any]:
    """An item's attributes without its table keys."""
    return {name: value for name, value in item.items() if name not in {"PK", "SK"}}


def get_item(key: dict[str, Any]) -> dict[str, Any] | None:
    """One item by key, strongly consistent (read-your-writes), without its table keys."""
    result = client().get_item(TableName=table_name(), Key=serialize(key), ConsistentRead=True)
    item = result.get("Item")
    return without_keys(deserialize(item)) if item else None


BATCH_WRITE_ITEMS = 25  # DynamoDB's limit per BatchWriteItem


def first_items(
    partition: str, attributes: tuple[str, ...] = (), limit: int = 100
) -> list[dict[str, Any]]:
    """The first `limit` items of a partition (their keys and `attributes` only), strongly
    consistent: a loop that deletes what it read and asks again always sees what is left."""
    names = {
        f"#a{index}": name for index, name in enumerate(dict.fromkeys(("PK", "SK", *attributes)))
    }
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="#a0 = :pk",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={":pk": {"S": partition}},
        ProjectionExpression=", ".join(names),
        ConsistentRead=True,
        Limit=limit,
    )
    return [deserialize(item) for item in page.get("Items", [])]


def delete_keys(
    keys: list[dict[str, Any]], *, sleep: Callable[[float], None] | None = None
) -> None:
    """Delete these items (missing ones are no error), 25 per BatchWriteItem; what DynamoDB
    leaves unprocessed is sent again with back-off, and still left after that is a 503."""
    pause = sleep or time.sleep
    for start in range(0, len(keys), BATCH_WRITE_ITEMS):
        pending = {
            table_name(): [
                {"DeleteRequest": {"Key": serialize(key)}}
                for key in keys[start : start + BATCH_WRITE_ITEMS]
            ]
        }
        for attempt in range(8):
            result = client().batch_write_item(RequestItems=pending)
            pending = result.get("UnprocessedItems") or {}
            if not pending:
                break
            pause(min(2.0, 0.05 * 2**attempt))
        else:
            raise ServiceUnavailable("The table is busy; try again shortly.")


def put_items(items: list[dict[str, Any]], *, sleep: Callable[[float], None] | None = None) -> None:
    """Write these items whole (derived items that any run writes the same, such as the day
    aggregates an import rebuilds), 25 per BatchWriteItem, with back-off as `delete_keys`."""
    pause = sleep or time.sleep
    for start in range(0, len(items), BATCH_WRITE_ITEMS):
        pending = {
            table_name(): [
                {"PutRequest": {"Item": serialize(item)}}
                for item in items[start : start + BATCH_WRITE_ITEMS]
            ]
        }
        for attempt in range(8):
            result = client().batch_write_item(RequestItems=pending)
            pending = result.get("UnprocessedItems") or {}
            if not pending:
                break
            pause(min(2.0, 0.05 * 2**attempt))
        else:
            raise ServiceUnavailable("The table is busy; try again shortly.")


def delete_if(key: dict[str, Any], condition: str, values: dict[str, Any] | None = None) -> bool:
    """Delete one item if `condition` holds (or it is gone already); False when it does not."""
    params: dict[str, Any] = {
        "TableName": table_name(),
        "Key": serialize(key),
        "ConditionExpression": f"attribute_not_exists(PK) OR ({condition})",
    }
    if values:
        params["ExpressionAttributeValues"] = {n: serialize_value(v) for n, v in values.items()}
    try:
        client().delete_item(**params)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True
