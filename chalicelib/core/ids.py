"""Time-ordered identifiers (UUID version 7, RFC 9562), so that ids sort by creation time and a
Query returns newest first without sorting in memory. Python 3.13 has no uuid.uuid7."""

import os
import time
import uuid

_48_BITS = (1 << 48) - 1
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
