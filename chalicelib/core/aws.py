"""What an AWS failure means to a client, after botocore's own retries have run out."""

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from chalicelib.core.errors import AppError, ServiceUnavailable

_THROTTLING = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "TransactionInProgressException",
}


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def as_unavailable(exc: Exception) -> AppError | None:
    """503 for throttling, AWS-side faults and unreachable endpoints; None for anything else
    (which is then a bug in our code, and a 500)."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _THROTTLING:
            return ServiceUnavailable("The service is busy; try again shortly.", retry_after=2)
        if status >= 500 or code in {
            "InternalServerError",
            "InternalErrorException",
            "ServiceUnavailable",
        }:
            return ServiceUnavailable()
        return None
    if isinstance(exc, ParamValidationError):
        return None  # our request was malformed: a bug, not an outage
    if isinstance(exc, BotoCoreError):
        return ServiceUnavailable()
    return None
