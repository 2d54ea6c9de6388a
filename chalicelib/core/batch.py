"""Batch creates (`POST /goals/{goalId}/activities/batch`): a list of up to `MAX_ITEMS`
creates in one request, each with its own idempotency key, answered `207` with one result per
item in request order.

The request as a whole is refused (400, nothing written) only when it is not a batch at all:
not an object, no list, an empty list or more than `MAX_ITEMS`. Everything else is judged per
item: an item whose fields or key are bad gets its own error and the others go on. Each item's
key follows the rules of the `Idempotency-Key` header (core/idempotency.py) and is bound to the
caller, the single create's route and the item's body without its key, so an item and the same
create sent alone are one request: either replays the other.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import AppError, BadRequest, FieldError, ValidationFailed
from chalicelib.core.idempotency import Created, IdempotencyKey, key_from

if TYPE_CHECKING:  # pydantic is imported with the first body parsed, not at cold start
    from chalicelib.core.validation import WireModel

MAX_ITEMS = 100
KEY_FIELD = "idempotencyKey"
_KEY_FIELDS = (KEY_FIELD, "idempotency_key")  # models take snake_case too


@dataclass(frozen=True)
class BatchItem[C]:
    """One item of a batch, parsed: its command and key, or why it was refused as sent."""

    index: int
    key_sent: str | None  # echoed in the item's result, whatever it held
    command: C | None = None
    key: IdempotencyKey | None = None
    refusal: AppError | None = None


@dataclass(frozen=True)
class ItemResult:
    """What one item of a batch came to: written (201), replayed (200), or refused (4xx)."""

    index: int
    key_sent: str | None
    status: int
    body: Any = None  # the created item, as its single create answers it
    location: str | None = None
    error: AppError | None = None


def batch_list(body: Any, field: str) -> list[Any]:
    """The batch's list of items, or 400 when the request is not a batch."""
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("body", "The request body must be a JSON object.")])
    items = body.get(field)
    if not isinstance(items, list):
        raise ValidationFailed([FieldError(field, "must be a list")])
    if not 1 <= len(items) <= MAX_ITEMS:
        raise ValidationFailed(
            [FieldError(field, f"must hold 1 to {MAX_ITEMS} items (it holds {len(items)})")]
        )
    return items


def parse_items[M: WireModel](
    body: Any, model: type[M], user_id: str, route: str, field: str
) -> list[BatchItem[M]]:
    """The items of a batch body (400 when it is no batch), each parsed into `model` with its
    key bound to the caller, `route` and the item without its key, or refused as sent."""
    return [
        _parse_item(index, item, model, user_id, route)
        for index, item in enumerate(batch_list(body, field))
    ]


def _parse_item[M: WireModel](
    index: int, item: Any, model: type[M], user_id: str, route: str
) -> BatchItem[M]:
    from chalicelib.core.validation import parse

    sent = key_sent(item)
    echoed = sent if isinstance(sent, str) else None
    try:
        if not isinstance(item, dict):
            raise ValidationFailed([FieldError("body", "must be a JSON object")])
        body = without_key(item)
        command = parse(model, body)
        refusal = key_refusal(sent)
        if refusal is not None:
            raise refusal
        key = key_from(sent, user_id, route, body)
    except AppError as exc:
        return BatchItem(index, echoed, refusal=exc)
    return BatchItem(index, echoed, command=command, key=key)


def key_sent(item: Any) -> Any:
    if not isinstance(item, dict):
        return None
    return next((item[name] for name in _KEY_FIELDS if name in item), None)


def without_key(item: dict[str, Any]) -> dict[str, Any]:
    """The item as its single create would have sent it: the key travels in a header there."""
    return {name: value for name, value in item.items() if name not in _KEY_FIELDS}


def missing_key() -> ValidationFailed:
    return ValidationFailed(
        [FieldError(KEY_FIELD, "is required: 1-128 letters, digits or . _ : -")]
    )


def key_refusal(sent: Any) -> AppError | None:
    """Why an item's key cannot be used (before its format is checked), or None."""
    if sent is None:
        return missing_key()
    if not isinstance(sent, str):
        return BadRequest(
            f"{KEY_FIELD} must be 1-128 letters, digits or . _ : -",
            code="INVALID_IDEMPOTENCY_KEY",
        )
    return None


# An item's result is made by one of these three, so the statuses stay here, at the HTTP
# edge, and a service only says what became of each item.
def written(item: BatchItem[Any], created: Created) -> ItemResult:
    return ItemResult(item.index, item.key_sent, 201, created.body, created.location)


def replayed(item: BatchItem[Any], created: Created) -> ItemResult:
    return ItemResult(item.index, item.key_sent, 200, created.body, created.location)


def refused(item: BatchItem[Any], error: AppError) -> ItemResult:
    return ItemResult(item.index, item.key_sent, error.status, error=error)


def counts(results: list[ItemResult]) -> dict[str, int]:
    return {
        "written": sum(1 for result in results if result.status == 201),
        "replayed": sum(1 for result in results if result.status == 200),
        "refused": sum(1 for result in results if result.status >= 400),
    }
