"""The MFA `sessionToken`: Cognito's challenge session, sealed so a client can only hand it
back unchanged, for the account that started the login, within Cognito's three minutes.

`v1.<payload>.<mac>`: the payload is base64url JSON `{"email", "session", "exp"}`, the MAC
is HMAC-SHA256 over `v1.<payload>` with the server's SESSION_TOKEN_SECRET. Cognito's session
is already opaque, so sealing (not encrypting) is what stops a swapped email or a replay
after expiry.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from datetime import timedelta

from chalicelib.users.models import normalise_email

VERSION = "v1"
# Cognito's MFA challenge session lasts three minutes; ours never outlives it.
LIFETIME = timedelta(minutes=3)


class InvalidSession(Exception):
    """Not a token this server made, or changed since."""


class ExpiredSession(Exception):
    """A genuine token whose three minutes have passed."""


def _now_seconds() -> float:
    return time.time()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, signed: str) -> str:
    return _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def seal(key: bytes, email: str, session: str) -> str:
    expires = int(_now_seconds() + LIFETIME.total_seconds())
    payload = _b64(json.dumps({"email": email, "session": session, "exp": expires}).encode())
    signed = f"{VERSION}.{payload}"
    return f"{signed}.{_mac(key, signed)}"


def unseal(key: bytes, token: str) -> tuple[str, str]:
    """The (email, Cognito session) sealed in `token`. Raises InvalidSession, ExpiredSession."""
    version, _, rest = token.partition(".")
    payload, _, mac = rest.partition(".")
    if version != VERSION or not payload or not mac:
        raise InvalidSession()
    # Constant-time: how much of a guessed MAC matched must not show in the answer's timing.
    if not hmac.compare_digest(mac.encode(), _mac(key, f"{version}.{payload}").encode()):
        raise InvalidSession()
    try:
        data = json.loads(_unb64(payload))
        email, session, expires = data["email"], data["session"], data["exp"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidSession() from exc
    if not (isinstance(email, str) and isinstance(session, str) and isinstance(expires, int)):
        raise InvalidSession()
    if _now_seconds() >= expires:
        raise ExpiredSession()
    return normalise_email(email), session
