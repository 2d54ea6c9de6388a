"""Time: one wire format for instants, and the parsing of what clients send."""

from datetime import UTC, datetime

# The first and last instants Python's calendar holds. A local date or an offset near either
# end can lie beyond them once converted, so conversions clamp here instead of overflowing.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(instant: datetime) -> str:
    """`2026-11-26T07:29:43.468Z`: millisecond precision, always UTC, always a `Z`."""
    # isoformat, not strftime: strftime does not pad years before 1000 to four digits.
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return to_iso(utc_now())


def in_utc(instant: datetime) -> datetime:
    """An aware instant in UTC, clamped to EARLIEST..LATEST (year 1 at +14:00 is before it)."""
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        return EARLIEST if instant.year == datetime.min.year else LATEST


def parse_instant(value: str) -> datetime:
    """An ISO-8601 instant; a naive one is taken as UTC. Raises ValueError, also for an
    instant that lies outside years 1 to 9999 in UTC, so no later conversion overflows."""
    parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    if not parsed.tzinfo:
        return parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("lies outside the years 1 to 9999 in UTC") from exc
    return parsed
