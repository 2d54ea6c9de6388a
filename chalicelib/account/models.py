"""The request models of the account routes."""

from typing import Annotated

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
