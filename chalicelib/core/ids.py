"""Time-ordered identifiers (UUID version 7, RFC 9562), so that ids sort by creation time and a
Query returns newest first without sorting in memory. Python 3.13 has no uuid.uuid7."""

import os
import re
import time
import uuid

_48_BITS = (1 << 48) - 1
# Every id the API hands out is a UUID; this is looser on purpose (case, other versions).
_ISSUABLE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_62_BITS = (1 << 62) - 1


def uuid7() -> str:
    millis = time.time_ns() // 1_000_000
    randomness = int.from_bytes(os.urandom(10), "big")  # 80 bits: 12 + 62 are used
    value = (millis & _48_BITS) << 80
    value |= 0x7 << 76  # the version
    value |= ((randomness >> 62) & 0xFFF) << 64
    value |= 0b10 << 62  # the RFC 9562 variant
    value |= randomness & _62_BITS
    return str(uuid.UUID(int=value))


def could_be_issued(value: str) -> bool:
    """Whether `value` could be an id this API handed out. Anything else names nothing and is
    never put into a key: a `#` would change the key's shape, and a very long value breaks
    DynamoDB's key size limits (a 500 instead of a 404)."""
    return bool(_ISSUABLE.match(value))
