"""Finding a person to share with: GET /users/by-email/{email} and GET /users/{userId}.

Both answer `{userId, hasEncryption}` for any well-formed address or id, the same way whether
or not an account exists, so the lookup tells a caller nothing about who has an account: an
address with no account gets a pseudonymous id, HMAC-SHA256 of the address under a server key
(core/secrets.py), shaped like the UUIDv4 user ids Cognito makes and the same every time (until
that key changes). Such an id behaves like an account without keys everywhere: its lookup and
GET /encryption/check say `hasEncryption: false`, GET /encryption/user is 404, and nothing can
be shared with it. What a lookup does reveal, and why, is in the README ("Privacy").

Each lookup costs the caller one of an hourly budget (users/lookup_limit.py), spent only once
the address or id is well-formed; then it reads the email index (by email) and the key record,
whether or not an account was found, so the work done does not tell the two apart either.
"""

import hashlib
import hmac
import re
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.users import email_index
from chalicelib.users.key_repository import KeyRepository
from chalicelib.users.lookup_limit import LookupLimit

_UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")


def checked_user_id(value: str) -> str:
    """A user id from a path, lower-cased as Cognito makes them; 400 for anything that is not
    a UUID, so no other text ever reaches a key."""
    if not _UUID.fullmatch(value):
        raise ValidationFailed([FieldError("userId", "must be a user id (a UUID)")])
    return value.lower()


def checked_address(value: str) -> str:
    """An address from a path, normalised as registration stores it (trimmed, lower-cased).
    Behind API Gateway a path value may arrive still percent-encoded: an address must hold an
    `@`, so a value without one is decoded once (`ada%40example.com`)."""
    from chalicelib.users.models import normalise_email

    if "@" not in value:
        value = urllib.parse.unquote(value)
    try:
        return normalise_email(value)
    except ValueError as exc:
        raise ValidationFailed([FieldError("email", "must be a valid email address")]) from exc


def pseudonymous_id(key: bytes, address: str) -> str:
    """The id an address with no account answers with: stable, and shaped like a UUIDv4."""
    digest = hmac.new(key, address.encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


class UserDirectory:
    def __init__(
        self,
        keys: KeyRepository,
        limit: LookupLimit,
        pseudonym_key: Callable[[], bytes],
        account_of: Callable[[str], str | None] = email_index.user_id_for_email,
    ) -> None:
        self._keys = keys
        self._limit = limit
        # Read on first use: only a lookup by email needs the secret.
        self._pseudonym_key = pseudonym_key
        self._account_of = account_of

    def by_email(self, caller_id: str, email: str) -> dict[str, Any]:
        address = checked_address(email)
        self._limit.spend(caller_id)
        # Made for every address, found or not: the same work either way.
        pseudonym = pseudonymous_id(self._pseudonym_key(), address)
        user_id = self._account_of(address) or pseudonym
        return self._answer(user_id)

    def by_id(self, caller_id: str, user_id: str) -> dict[str, Any]:
        checked = checked_user_id(user_id)
        self._limit.spend(caller_id)
        return self._answer(checked)

    def _answer(self, user_id: str) -> dict[str, Any]:
        return {"userId": user_id, "hasEncryption": self._keys.get(user_id) is not None}
