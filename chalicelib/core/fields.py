"""Field types that the request models of every domain share, so a title or a number follows
one rule wherever a client sends it."""

from typing import Annotated

from pydantic import AfterValidator, Field, PlainSerializer

from chalicelib.core.validation import MAX_NUMBER, number_problem


def not_blank(value: str) -> str:
    """Refuses text that is only white space; keeps the text as sent."""
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _storable(value: float) -> float:
    # The range itself is checked by Field(ge, le) below, with pydantic's usual message.
    problem = number_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _whole_as_int(value: float) -> int | float:
    """Whole numbers stay ints on the wire (8, not 8.0), as DynamoDB gives them back."""
    return int(value) if value.is_integer() else value


Number = Annotated[
    float,
    Field(allow_inf_nan=False, ge=-MAX_NUMBER, le=MAX_NUMBER),
    AfterValidator(_storable),
    PlainSerializer(_whole_as_int),
]
# A name that is shown and compared (a goal's title): not blank, and trimmed.
Title = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(not_blank), AfterValidator(str.strip)
]
ShortText = Annotated[str, Field(max_length=50)]
