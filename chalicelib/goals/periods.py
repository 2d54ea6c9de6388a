"""Local dates and period keys (progress-rules.md, "Time").

An instant belongs to the local date `date(instant in timezone - dayStartHour hours)`; every
period, streak and "today" is counted on those dates, so DST changes and New Year fall out of
the calendar arithmetic instead of being special cases.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

PeriodUnit = Literal["day", "week", "month", "quarter", "year"]


@dataclass(frozen=True)
class LocalTime:
    """How a user's clock turns instants into local dates."""

    timezone: str = "UTC"
    day_start_hour: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, instant: datetime) -> date:
        local = instant.astimezone(self.zone) - timedelta(hours=self.day_start_hour)
        return local.date()

    def local_hour(self, instant: datetime) -> int:
        """The wall-clock hour (not shifted by dayStartHour): 'morning' means the clock."""
        return instant.astimezone(self.zone).hour

    def day_start(self, day: date) -> datetime:
        """The instant a local date begins, in UTC."""
        return datetime.combine(day, time(self.day_start_hour), tzinfo=self.zone).astimezone(UTC)


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


def days_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included (empty when last < first)."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
