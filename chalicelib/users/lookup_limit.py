"""How many people a user may look up: `LOOKUP_LIMIT` lookups (by email and by id together)
per fixed hour, counted in one item per caller and hour, `USER#{caller}` /
`LOOKUPS#{hour start}` (core/rate_limit.py: one conditional UpdateItem, so concurrent lookups
never spend more than the limit, and a refused lookup writes nothing).
"""

from collections.abc import Callable
from datetime import datetime

from chalicelib.core.clock import utc_now
from chalicelib.core.rate_limit import FixedWindow, FixedWindowLimit

LOOKUP_LIMIT = 60
LOOKUPS = FixedWindow(
    kind="LOOKUPS",
    counter="lookups",
    limit=LOOKUP_LIMIT,
    window_seconds=3600,
    refusal=f"At most {LOOKUP_LIMIT} people can be looked up per hour",
)


class LookupLimit(FixedWindowLimit):
    def __init__(self, now: Callable[[], datetime] = utc_now) -> None:
        super().__init__(LOOKUPS, now)
