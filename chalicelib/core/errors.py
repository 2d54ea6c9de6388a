"""The application's errors: each carries the HTTP status and the stable code clients read."""

from typing import Any


class AppError(Exception):
    status = 500
    code = "INTERNAL_ERROR"
    default_message = "An internal error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(AppError):
    status = 400
    code = "BAD_REQUEST"
    default_message = "The request is not valid."


class InvalidJson(BadRequest):
    code = "INVALID_JSON"
    default_message = "The request body is not valid JSON."


class FieldError(dict[str, str]):
    """One entry of `validation_errors`: a dotted camelCase field path and a message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field=field, message=message)


class ValidationFailed(BadRequest):
    code = "VALIDATION_ERROR"
    default_message = "The request has invalid fields."

    def __init__(self, errors: list[FieldError], message: str | None = None) -> None:
        super().__init__(message)
        self.errors = errors


class Unauthorized(AppError):
    status = 401
    code = "UNAUTHORIZED"
    default_message = "A valid access token is required."


class Forbidden(AppError):
    status = 403
    code = "FORBIDDEN"
    default_message = "This action is not allowed."


class NotFound(AppError):
    status = 404
    code = "NOT_FOUND"
    default_message = "The resource was not found."


class MethodNotAllowed(AppError):
    status = 405
    code = "METHOD_NOT_ALLOWED"
    default_message = "This method is not allowed on this resource."


class Conflict(AppError):
    status = 409
    code = "CONFLICT"
    default_message = "The request conflicts with the current state."


class Gone(AppError):
    status = 410
    code = "GONE"
    default_message = "What the request names is no longer kept."


class PreconditionFailed(AppError):
    status = 412
    code = "PRECONDITION_FAILED"
    default_message = "The resource has changed since it was read."


class PayloadTooLarge(AppError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"
    default_message = "The request body is too large."


class UnsupportedMediaType(AppError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
    default_message = "Send the request body as application/json."


class BusinessRuleViolation(AppError):
    status = 422
    code = "BUSINESS_RULE_VIOLATION"
    default_message = "The request breaks a business rule."


class TooManyRequests(AppError):
    status = 429
    code = "TOO_MANY_REQUESTS"
    default_message = "Too many requests; try again later."

    def __init__(self, message: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(AppError):
    status = 503
    code = "SERVICE_UNAVAILABLE"
    default_message = "A dependency is unavailable; try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: int = 2) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
