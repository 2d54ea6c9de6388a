"""How many imports a user may start: `IMPORT_LIMIT` per fixed UTC day, counted in one item
per user and day, `USER#{id}` / `IMPORTS#{day start}` (core/rate_limit.py: one conditional
UpdateItem, so concurrent requests never spend more than the limit, and a refused one writes
nothing)."""

from collections.abc import Callable
from datetime import datetime

from chalicelib.core.clock import utc_now
from chalicelib.core.rate_limit import FixedWindow, FixedWindowLimit

IMPORT_LIMIT = 10
IMPORTS = FixedWindow(
    kind="IMPORTS",
    counter="imports",
    limit=IMPORT_LIMIT,
    window_seconds=24 * 3600,
    refusal=f"At most {IMPORT_LIMIT} imports can be made per day",
)


class ImportLimit(FixedWindowLimit):
    def __init__(self, now: Callable[[], datetime] = utc_now) -> None:
        super().__init__(IMPORTS, now)
