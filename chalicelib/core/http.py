"""The HTTP conventions of docs/api.md, section 1, as plain functions of plain values."""

import json
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.core import errors
from chalicelib.core.clock import now_iso

MAX_BODY_BYTES = 256 * 1024
DEFAULT_PAGE_LIMIT = 20
MAX_PAGE_LIMIT = 100
MAX_JSON_DEPTH = 32

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_JSON_MEDIA_TYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")


def request_id_from(headers: Mapping[str, str]) -> str:
    """Echo a client's X-Request-ID when it is a sane token, else make one."""
    sent = headers.get("x-request-id", "")
    return sent if _REQUEST_ID.match(sent) else str(uuid.uuid4())


def is_json_media_type(content_type: str) -> bool:
    return bool(_JSON_MEDIA_TYPE.match(content_type.split(";", 1)[0].strip().lower()))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def _too_deep(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than `limit`; iterative, since json.loads itself
    accepts nesting far beyond Python's recursion limit."""
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json_body(raw: bytes) -> Any:
    """The request body as JSON, or None when empty.

    Stricter than `json.loads`: NaN, Infinity and numbers beyond a float's range are not JSON
    and would poison stored numbers, and absurd nesting is refused before anything walks it.
    """
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
        body = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise errors.InvalidJson() from exc
    if _too_deep(body, MAX_JSON_DEPTH):
        raise errors.InvalidJson("The request body is nested too deeply.")
    return body


def error_body(error: errors.AppError, request_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": error.code,
        "message": error.message,
        "request_id": request_id,
        "timestamp": now_iso(),
        "details": error.details,
    }
    if isinstance(error, errors.ValidationFailed):
        body["validation_errors"] = error.errors
    return body


def etag(version: int) -> str:
    """The ETag of a versioned item (a goal, a journal entry): its version, quoted."""
    return f'"{version}"'


def check_if_match(
    if_match: str | None, version: int, message: str, details: dict[str, Any] | None = None
) -> None:
    """412 unless `If-Match` allows a write to the item at `version`: no header, `*`, or the
    item's ETag, strong or weak."""
    if if_match and if_match.strip() not in {"*", etag(version), f"W/{etag(version)}"}:
        raise errors.PreconditionFailed(message, details=details)


def refuse_if_matched(if_match: str | None, message: str) -> Callable[[], None]:
    """For a write that lost a race (core.unit_of_work's `on_lost_race`): one conditioned on
    `If-Match` is refused (412) rather than applied to a version its client never saw; one
    without reads again and retries."""

    def refuse() -> None:
        if if_match:
            raise errors.PreconditionFailed(message)

    return refuse


def query_values(multi_params: Mapping[str, Sequence[str]] | None, name: str) -> list[str]:
    """Every value of a list parameter, sent as repeated keys, comma lists, or both."""
    values: list[str] = []
    for raw in (multi_params or {}).get(name, []):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def query_value(multi_params: Mapping[str, Sequence[str]] | None, name: str) -> str | None:
    sent = (multi_params or {}).get(name) or []
    return sent[-1] if sent else None


@dataclass(frozen=True)
class Page:
    number: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.limit

    def describe(self, total: int) -> dict[str, int]:
        return {
            "page": self.number,
            "limit": self.limit,
            "total": total,
            "pages": math.ceil(total / self.limit) if total else 0,
        }


_ASCII_DIGITS = re.compile(r"[0-9]+")
# Beyond every cap below; longer digit strings are not parsed (Python refuses over 4300).
_HUGE = 10**18


def _positive_int(raw: str | None) -> int | None:
    # ASCII digits only: "²".isdigit() is true, yet int("²") raises.
    text = (raw or "").strip()
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    digits = text.lstrip("0") or "0"
    value = int(digits) if len(digits) <= len(str(_HUGE)) else _HUGE
    return value if value >= 1 else None


def parse_page(multi_params: Mapping[str, Sequence[str]] | None) -> Page:
    """`page` and `limit`: garbage falls back to the defaults, a large limit is clamped."""
    # A page far beyond any real data is still a valid (empty) page, but the number is capped
    # so that offset arithmetic stays small.
    number = min(_positive_int(query_value(multi_params, "page")) or 1, 1_000_000)
    limit = min(
        _positive_int(query_value(multi_params, "limit")) or DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT
    )
    return Page(number=number, limit=limit)


CORS_ALLOW_HEADERS = (
    "Authorization,Content-Type,X-Request-ID,X-Timezone,Idempotency-Key,If-Match,X-Amz-Date,"
    "X-Api-Key,X-Amz-Security-Token"
)
CORS_EXPOSE_HEADERS = "X-Request-ID,ETag,Location,Retry-After"

# Tokens and private data must never be kept by a browser or proxy cache: every answer is
# `no-store` unless its view says otherwise (the public docs and contract do).
NO_STORE = "no-store"
PUBLIC_FOR_FIVE_MINUTES = "public, max-age=300"
# Versioned assets that change only with a deploy (the docs page's scripts and styles).
PUBLIC_FOR_A_DAY = "public, max-age=86400"


def safety_headers() -> dict[str, str]:
    """Headers every answer carries; Cache-Control is the default a view may override."""
    return {"X-Content-Type-Options": "nosniff", "Cache-Control": NO_STORE}


def cors_headers(
    allowed_origins: Sequence[str], request_origin: str | None, allow_methods: Sequence[str]
) -> dict[str, str]:
    """CORS headers for one response: the caller's origin when it is allowed, and the methods
    the routes accept (a preflight names those of its own path)."""
    if "*" in allowed_origins:
        origin = "*"
    elif request_origin and request_origin in allowed_origins:
        origin = request_origin
    else:
        origin = allowed_origins[0]
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
        "Access-Control-Allow-Methods": ",".join(allow_methods),
        "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS,
        "Access-Control-Max-Age": "600",
    }
    if origin != "*":
        headers["Vary"] = "Origin"
    return headers
