"""Request models: camelCase on the wire, snake_case accepted, unknown keys ignored."""

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from pydantic.alias_generators import to_camel

from chalicelib.core.errors import FieldError, ValidationFailed


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


def field_errors(exc: PydanticValidationError) -> list[FieldError]:
    return [FieldError(_field_path(err["loc"]) or "body", _message(err)) for err in exc.errors()]


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
