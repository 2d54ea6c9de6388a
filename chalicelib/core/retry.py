"""Optimistic writes: read, decide, write on the condition that nothing changed, and when
something did, back off a little and try again."""

import random
import time
from collections.abc import Callable, Iterator

from chalicelib.core.errors import ServiceUnavailable

MAX_ATTEMPTS = 25


class Conflict(Exception):
    """What the write read has changed since: read again and retry."""


def attempts(
    sleep: Callable[[float], None] = time.sleep, limit: int = MAX_ATTEMPTS
) -> Iterator[int]:
    """Attempt numbers, with a full-jitter exponential back-off before each retry. A loop
    over them that runs out ends with `raise exhausted()`."""
    for attempt in range(limit):
        if attempt:
            sleep(random.uniform(0, min(0.25, 0.005 * 2**attempt)))  # noqa: S311
        yield attempt


def exhausted() -> ServiceUnavailable:
    # An item changing this often is contention worth telling the client about.
    return ServiceUnavailable("This item is changing too often; try again.")
