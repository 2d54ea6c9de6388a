"""The request models of the account routes."""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from chalicelib.core.validation import WireModel


class AccountDeletionRequest(WireModel):
    # The account's current password, checked by the identity provider as sign-in does.
    password: Annotated[str, Field(min_length=1, max_length=256)]


class ExportRequest(WireModel):
    """POST /users/me/exports: no body, or an empty object (every export holds everything).
    A field is refused rather than ignored: nothing can be chosen yet, and a client that
    thinks it chose something must hear that it did not."""

    model_config = ConfigDict(extra="forbid")


class ImportCreateRequest(WireModel):
    # What the file is: our own export (the ZIP or its export.json) or Loop Habit Tracker's.
    format: Literal["ai-lifestyle-json", "loop-csv"]
    # The file's name as the person chose it, shown back in the status (never a key).
    file_name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
