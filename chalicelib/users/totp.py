"""Time-based one-time passwords (RFC 6238, the authenticator-app kind: SHA-1, 6 digits, 30 s).

Cognito checks codes itself while MFA is set up and at sign-in, but has no call that checks a
code on its own, which turning MFA off needs.
"""

import base64
import hmac
import struct
import time

STEP_SECONDS = 30


def _code_at(key: bytes, counter: int) -> str:
    digest = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _key(secret: str) -> bytes:
    compact = secret.strip().replace(" ", "").upper()
    return base64.b32decode(compact + "=" * (-len(compact) % 8))


def code_for(secret: str, at: float | None = None) -> str:
    return _code_at(_key(secret), int((time.time() if at is None else at) // STEP_SECONDS))


def matches(secret: str, code: str, at: float | None = None) -> bool:
    """Whether `code` is the current code, or the one just before or after (clock drift)."""
    key = _key(secret)
    counter = int((time.time() if at is None else at) // STEP_SECONDS)
    return any(hmac.compare_digest(_code_at(key, counter + drift), code) for drift in (-1, 0, 1))
