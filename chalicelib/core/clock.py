"""Time: one wire format for instants, and the parsing of what clients send."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(instant: datetime) -> str:
    """`2026-11-26T07:29:43.468Z`: millisecond precision, always UTC, always a `Z`."""
    # isoformat, not strftime: strftime does not pad years before 1000 to four digits.
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return to_iso(utc_now())


def parse_instant(value: str) -> datetime:
    """An ISO-8601 instant; a naive one is taken as UTC. Raises ValueError."""
    parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
