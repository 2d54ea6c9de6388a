"""Request models: camelCase on the wire, snake_case accepted, unknown keys ignored."""

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel

from chalicelib.core.errors import FieldError, ValidationFailed

# Every number a client sends. DynamoDB stores no magnitude under 1e-130 or over 1e125, nor
# more than 38 digits, and averages and rates derived from a value go smaller still: anything
# finer than a millionth or beyond a trillion is refused rather than failing on write.
MAX_NUMBER = 1e12
MIN_MAGNITUDE = 1e-6


def number_problem(value: float) -> str | None:
    """Why a number cannot be stored, or None."""
    if not -MAX_NUMBER <= value <= MAX_NUMBER:  # also NaN, which compares false
        return f"must be between {-MAX_NUMBER:.0f} and {MAX_NUMBER:.0f}"
    if value != 0 and abs(value) < MIN_MAGNITUDE:
        return f"must be 0 or at least {MIN_MAGNITUDE:f} in size"
    return None


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        str_strip_whitespace=False,
    )


def _field_path(location: tuple[int | str, ...]) -> str:
    return ".".join(to_camel(part) if isinstance(part, str) else str(part) for part in location)


def _message(error: Any) -> str:
    message = str(error["msg"])
    # pydantic prefixes messages raised from our own validators; clients need the reason only.
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _error_path(error: Any) -> str:
    path = _field_path(error["loc"])
    # Free-form JSON (core.free_json) names the place inside its value itself: the keys are
    # the client's own, not field names to turn into camelCase.
    inner = (error.get("ctx") or {}).get("path") if error["type"] == "free_json" else None
    if inner:
        path = f"{path}.{inner}" if path else inner
    return path or "body"


def field_errors(exc: PydanticValidationError) -> list[FieldError]:
    return [FieldError(_error_path(err), _message(err)) for err in exc.errors()]


def parse[M: WireModel](model: type[M], body: Any) -> M:
    """Validate a request body into `model`, or raise 400 with every field error."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("body", "The request body must be a JSON object.")])
    try:
        return model.model_validate(body)
    except PydanticValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from exc


def dump(model: WireModel) -> dict[str, Any]:
    """What a client sent, with wire names, leaving out what it did not send."""
    dumped: dict[str, Any] = model.model_dump(by_alias=True, exclude_unset=True, mode="json")
    return dumped
