"""Idempotency keys: a retried create with the same key and body gets the first answer and
writes nothing; the same key with another body is a conflict. Records expire after 24 hours
(a TTL attribute removes them; until it does, an expired record is treated as absent).

A create's service reads the record with what its write reads (`replay`) and stages it with the
change (`add_record`), inside the one unit of work, so a replay costs the create's one read
and no write. It returns `Created` either way; the route turns that into the 201.
"""

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.core import dynamo
from chalicelib.core.errors import BadRequest, Conflict

TTL_SECONDS = 24 * 3600
_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass(frozen=True)
class IdempotencyKey:
    user_id: str
    key: str
    fingerprint: str

    @property
    def item_key(self) -> dict[str, str]:
        return {"PK": dynamo.user_pk(self.user_id), "SK": f"IDEMPOTENCY#{self.key}"}


@dataclass(frozen=True)
class Created:
    """What a create made, as its client sees it: the resource's view and where it lives.
    A replayed create is the first one's, read back from its record."""

    body: dict[str, Any]
    location: str


# Records still carry the status, as those written before `Created` do, so code on either
# side of a deploy reads the other's records.
_CREATED = 201


def key_from(header: str | None, user_id: str, route: str, body: Any) -> IdempotencyKey | None:
    if header is None:
        return None
    if not _KEY.match(header):
        raise BadRequest(
            "Idempotency-Key must be 1-128 letters, digits or . _ : -",
            code="INVALID_IDEMPOTENCY_KEY",
        )
    canonical = json.dumps({"route": route, "body": body}, sort_keys=True, default=str)
    return IdempotencyKey(user_id, header, hashlib.sha256(canonical.encode()).hexdigest())


def record(key: IdempotencyKey, response: Created) -> dict[str, Any]:
    return {
        **key.item_key,
        "fingerprint": key.fingerprint,
        "status": _CREATED,
        # Unescaped: `\ud83d\ude42` would store a 4-byte character in 12, and a response
        # within the body limit could then outgrow DynamoDB's 400 KB item limit.
        "body": json.dumps(response.body, ensure_ascii=False),
        "location": response.location,
        "expiresAt": int(time.time()) + TTL_SECONDS,
    }


def add_record(
    transaction: dynamo.Transaction, key: IdempotencyKey | None, response: Created
) -> None:
    """Write the record with the change itself, unless a live record already holds the key:
    then a concurrent twin of this request won, and the retry replays its response (which
    outranks any rule the twin's change would now seem to break, such as its title)."""
    if key is not None:
        transaction.put(
            "idempotency",
            record(key, response),
            condition="attribute_not_exists(PK) OR expiresAt < :now",
            values={":now": int(time.time())},
        )
        transaction.replays_on("idempotency")


def replay(key: IdempotencyKey | None, stored: dict[str, Any] | None) -> Created | None:
    """What the first request with this key created, or None when the request is new."""
    if key is None or stored is None or stored["expiresAt"] < time.time():
        return None
    if stored["fingerprint"] != key.fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with another request.",
            code="IDEMPOTENCY_KEY_REUSED",
        )
    return Created(body=json.loads(stored["body"]), location=str(stored["location"]))
