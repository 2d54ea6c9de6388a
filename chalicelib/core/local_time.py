"""Local time: time zones, local dates and period keys, shared by every domain that counts days
(docs/progress-rules.md, "Time").

An instant belongs to the local date `date(instant in timezone - dayStartHour hours)`; every
period, streak and "today" is counted on those dates, so DST changes and New Year fall out of
the calendar arithmetic instead of being special cases.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, available_timezones

from chalicelib.core.clock import EARLIEST, LATEST, in_utc, to_iso
from chalicelib.core.errors import FieldError, ValidationFailed

PeriodUnit = Literal["day", "week", "month", "quarter", "year"]
# Names a zoneinfo database may hold that are not time zones a person lives in.
_NOT_ZONES = {"localtime", "Factory", "posixrules"}


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(
        name
        for name in available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def check_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError("must be an IANA time zone name such as Europe/Paris")
    return value


@dataclass(frozen=True)
class LocalTime:
    """How a user's clock turns instants into local dates."""

    timezone: str = "UTC"
    day_start_hour: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, instant: datetime) -> date:
        """The local date of an instant; instants whose local date would fall before year 1
        or after 9999 belong to the first or last date."""
        try:
            local = instant.astimezone(self.zone) - timedelta(hours=self.day_start_hour)
        except OverflowError:
            return date.min if instant.year == date.min.year else date.max
        return local.date()

    def local_hour(self, instant: datetime) -> int:
        """The wall-clock hour (not shifted by dayStartHour): 'morning' means the clock."""
        try:
            return instant.astimezone(self.zone).hour
        except OverflowError:  # beyond the calendar's ends: the hour in UTC will do
            return instant.astimezone(UTC).hour

    def day_start(self, day: date) -> datetime:
        """The instant a local date begins, in UTC (clamped at the ends of the calendar)."""
        return in_utc(datetime.combine(day, time(self.day_start_hour), tzinfo=self.zone))


def period_start(day: date, unit: PeriodUnit) -> date:
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_period_start(day: date, unit: PeriodUnit) -> date:
    start = period_start(day, unit)
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    month_index = start.month - 1 + months
    return date(start.year + month_index // 12, month_index % 12 + 1, 1)


def period_end(day: date, unit: PeriodUnit) -> date:
    return next_period_start(day, unit) - timedelta(days=1)


def period_key(day: date, unit: PeriodUnit) -> str:
    if unit == "day":
        return day.isoformat()
    if unit == "week":
        iso_year, iso_week, _ = day.isocalendar()
        return f"{iso_year}-W{iso_week:02d}"
    if unit == "month":
        return f"{day.year}-{day.month:02d}"
    if unit == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def start_of_period_key(key: str, unit: PeriodUnit) -> date:
    """The first local date of the period a key (as made by period_key) names."""
    if unit == "day":
        return date.fromisoformat(key)
    if unit == "week":
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    if unit == "month":
        return date.fromisoformat(f"{key}-01")
    if unit == "quarter":
        year, quarter = key.split("-Q")
        return date(int(year), 3 * (int(quarter) - 1) + 1, 1)
    return date(int(key), 1, 1)


class ClockSettings(Protocol):
    """What a typed entity holding a user's clock settings (a profile, the journal's stats)
    offers."""

    @property
    def timezone(self) -> str | None: ...

    @property
    def day_start_hour(self) -> int: ...


def local_time_of(
    settings: Mapping[str, Any] | ClockSettings | None, timezone_header: str | None = None
) -> LocalTime:
    """A user's clock from `settings` (a profile, or what a goal or the journal stored at its
    last write: an item or a typed entity), with an `X-Timezone` header overriding the zone
    for one request."""
    if settings is not None and not isinstance(settings, Mapping):
        settings = {"timezone": settings.timezone, "dayStartHour": settings.day_start_hour}
    settings = settings or {}
    timezone = settings.get("timezone") or "UTC"
    if timezone_header:
        try:
            timezone = check_timezone(timezone_header.strip())
        except ValueError as exc:
            raise ValidationFailed([FieldError("X-Timezone", str(exc))]) from exc
    return LocalTime(timezone=timezone, day_start_hour=int(settings.get("dayStartHour") or 0))


def instant_bound(raw: str, local: LocalTime, end_of_day: bool) -> str:
    """An inclusive query bound as a UTC instant: a date means the start (or the last
    millisecond) of that local day. Raises ValueError."""
    text = raw.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        if not end_of_day:
            return to_iso(local.day_start(day))
        if day == date.max:
            return to_iso(LATEST)
        next_start = local.day_start(day + timedelta(days=1))
        return to_iso(next_start - timedelta(milliseconds=1) if next_start > EARLIEST else EARLIEST)
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError("an instant needs a UTC offset")
    # A range may reach past the calendar's ends: it then covers everything up to them.
    return to_iso(in_utc(instant))
