"""Free-form JSON fields (a goal's `metadata`, an activity's `context`...): any JSON a client
likes, within limits on keys, depth, size and numbers, so that nothing in them can fail the write
to DynamoDB. Problems name their place inside the value, e.g. `metadata.foo.2`."""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# DynamoDB map keys must not be empty; a key is a name, not a place for text.
MAX_KEY_LENGTH = 255
MAX_DEPTH = 10
# Per value, as compact UTF-8 JSON: room for what clients keep there, and far from the
# 400 KB item limit even with 20 milestone rewards and 10 attachments.
MAX_BYTES = 4096
# Keys quoted in an error path are cut here, so a 70,000-character key is not echoed back.
_SHOWN_KEY_LENGTH = 32

ERROR_TYPE = "free_json"

# What a DynamoDB number holds. Free-form numbers are stored as sent and never summed or
# averaged, so only the table's own limits apply: a client's epoch milliseconds (1.7e12) or
# coordinates fit, 1e-200, 1e200 and a 50-digit integer do not.
DYNAMODB_DIGITS = 38
DYNAMODB_SMALLEST = Decimal("1e-130")
DYNAMODB_LARGEST = Decimal("9.9999999999999999999999999999999999999e125")


def _shown(part: str | int) -> str:
    if isinstance(part, int):
        return str(part)
    if not part:
        return '""'
    return part if len(part) <= _SHOWN_KEY_LENGTH else part[:_SHOWN_KEY_LENGTH] + "…"


def _refuse(path: tuple[str | int, ...], reason: str) -> PydanticCustomError:
    # The inner path travels in the context: validation.field_errors appends it as is,
    # without the camelCase conversion meant for the API's own field names.
    return PydanticCustomError(
        ERROR_TYPE, "{reason}", {"reason": reason, "path": ".".join(map(_shown, path))}
    )


def _size(value: Any) -> int:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8", "surrogatepass"))


def _scalar_problem(node: Any) -> str | None:
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return None
    if isinstance(node, int | float):
        return _storage_problem(Decimal(repr(node)) if isinstance(node, float) else Decimal(node))
    return "must be JSON"


def _storage_problem(number: Decimal) -> str | None:
    if number == 0:
        return None
    if not DYNAMODB_SMALLEST <= abs(number) <= DYNAMODB_LARGEST:
        return "must be 0 or between 1e-130 and 1e125 in size"
    # Counted from the digits themselves: normalize() would round to the context's 28.
    significant = "".join(map(str, number.as_tuple().digits)).strip("0")
    if len(significant) > DYNAMODB_DIGITS:
        return f"has at most {DYNAMODB_DIGITS} significant digits"
    return None


def check_free_json(value: Any) -> Any:
    """`value` unchanged, or a PydanticCustomError for its first problem."""
    pending: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, dict | list):
            if len(path) >= MAX_DEPTH:
                raise _refuse(path, f"nests at most {MAX_DEPTH} levels deep")
            children = node.items() if isinstance(node, dict) else enumerate(node)
            for name, child in reversed(list(children)):
                if isinstance(name, str) and not name:
                    raise _refuse((*path, name), "keys must not be empty")
                if isinstance(name, str) and len(name) > MAX_KEY_LENGTH:
                    raise _refuse((*path, name), f"keys have at most {MAX_KEY_LENGTH} characters")
                pending.append((child, (*path, name)))
        elif (problem := _scalar_problem(node)) is not None:
            raise _refuse(path, problem)
    # Last, so that a bad key or number is named where it is (the body limit bounds the walk).
    if _size(value) > MAX_BYTES:
        raise _refuse((), f"has at most {MAX_BYTES} bytes as JSON")
    return value


def object_or_text(max_length: int) -> Callable[[Any], Any]:
    """A JSON object under the rules above, or a string of at most `max_length`."""

    def check(value: Any) -> Any:
        if isinstance(value, str):
            if len(value) > max_length:
                raise ValueError(f"has at most {max_length} characters")
            return value
        if not isinstance(value, dict):
            raise ValueError(
                f"must be a JSON object or a string of at most {max_length} characters"
            )
        return check_free_json(value)

    return check


FreeObject = Annotated[dict[str, Any], AfterValidator(check_free_json)]
