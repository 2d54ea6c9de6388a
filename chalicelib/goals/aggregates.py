"""Per-goal, per-local-day aggregates: what progress, statistics and insights are computed
from, so that no read ever walks a goal's activities.

An aggregate is a `DayAggregate` (stored as one small DynamoDB item; the repository converts
it with `to_item`/`from_item`). Logging adds one activity to its day; editing or deleting
rebuilds the day from that day's activities, so min, max and the latest measurement stay exact.
This module holds no progress rules (the repository imports it, and the journal the repository).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from chalicelib.goals import compact
from chalicelib.goals.entities import Activity

VALUE_TYPES = ("progress", "completed", "partial")
ACTIVITY_TYPES = (*VALUE_TYPES, "skipped")
TIMES_OF_DAY = ("early-morning", "morning", "afternoon", "evening", "night")


def time_of_day(hour: int) -> str:
    if 4 <= hour < 7:
        return "early-morning"
    if 7 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 21:
        return "evening"
    return "night"


@dataclass(frozen=True)
class TimeOfDayBucket:
    """How many values were logged in one part of the day, and their sum."""

    count: int = 0
    total: float = 0  # stored as `sum`


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(ACTIVITY_TYPES, 0)


def _empty_buckets() -> dict[str, TimeOfDayBucket]:
    return {bucket: TimeOfDayBucket() for bucket in TIMES_OF_DAY}


@dataclass(frozen=True)
class DayAggregate:
    """What one local day's activities of a goal add up to. `last_value_at` and `last_at` are
    the activities' instants as stored (ISO strings compare in time order)."""

    day: date
    total: float = 0
    value_count: int = 0
    positive_count: int = 0
    skipped: int = 0
    counts: Mapping[str, int] = field(default_factory=_zero_counts)  # per activity type
    lowest: float | None = None  # stored as `min`
    highest: float | None = None  # stored as `max`
    last_value: float | None = None
    last_value_at: str | None = None
    last_at: str | None = None
    time_of_day: Mapping[str, TimeOfDayBucket] = field(default_factory=_empty_buckets)

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())

    def count_of(self, kind: str) -> int:
        return self.counts.get(kind, 0)

    def to_item(self) -> dict[str, Any]:
        """The stored shape: the attribute names existing items hold, without what is zero or
        empty (a day item is written on every log, and the goal item carries the open day's),
        `lastValueAt` only when it differs from `lastAt`, and a time-of-day bucket as
        `[count, sum]`."""
        item: dict[str, Any] = {"day": self.day.isoformat()}
        numbers = {
            "total": self.total,
            "valueCount": self.value_count,
            "positiveCount": self.positive_count,
            "skipped": self.skipped,
        }
        item |= {name: number for name, number in numbers.items() if number}
        counts = {kind: count for kind, count in self.counts.items() if count}
        if counts:
            item["counts"] = counts
        present = {
            "min": self.lowest,
            "max": self.highest,
            "lastValue": self.last_value,
            "lastAt": compact.pack_instant(self.last_at),
        }
        item |= {name: value for name, value in present.items() if value is not None}
        if self.last_value_at != self.last_at_of_value:
            item["lastValueAt"] = compact.pack_instant(self.last_value_at)
        buckets = {
            name: [bucket.count, bucket.total]
            for name, bucket in self.time_of_day.items()
            if bucket.count or bucket.total
        }
        if buckets:
            item["timeOfDay"] = buckets
        return item

    @property
    def last_at_of_value(self) -> str | None:
        """What an item without `lastValueAt` means by it: `lastAt` when the day has a value."""
        return self.last_at if self.last_value is not None else None

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> "DayAggregate":
        """From either stored shape (items written before the compact one hold every
        attribute, zero or null, and buckets as `{"count", "sum"}`)."""
        stored_buckets = item.get("timeOfDay") or {}
        last_value = item.get("lastValue")
        last_at = compact.unpack_instant(item.get("lastAt"))
        return cls(
            day=date.fromisoformat(item["day"]),
            total=item.get("total", 0),
            value_count=item.get("valueCount", 0),
            positive_count=item.get("positiveCount", 0),
            skipped=item.get("skipped", 0),
            counts={**_zero_counts(), **(item.get("counts") or {})},
            lowest=item.get("min"),
            highest=item.get("max"),
            last_value=last_value,
            last_value_at=compact.unpack_instant(item["lastValueAt"])
            if "lastValueAt" in item
            else (last_at if last_value is not None else None),
            last_at=last_at,
            time_of_day={
                name: _bucket(stored_buckets.get(name)) for name in (*TIMES_OF_DAY, *stored_buckets)
            },
        )


def _bucket(stored: Mapping[str, Any] | list[Any] | None) -> TimeOfDayBucket:
    if isinstance(stored, list):
        return TimeOfDayBucket(count=stored[0], total=stored[1])
    stored = stored or {}
    return TimeOfDayBucket(count=stored.get("count", 0), total=stored.get("sum", 0))


def empty_day(day: date) -> DayAggregate:
    return DayAggregate(day=day)


def add_activity(aggregate: DayAggregate, activity: Activity) -> DayAggregate:
    """The day's aggregate with one more activity (the input is not changed). An activity
    without a time of day (no `local_hour`) counts in no time-of-day bucket."""
    kind = activity.activity_type
    at = activity.activity_date
    counted = replace(
        aggregate,
        counts={**aggregate.counts, kind: aggregate.count_of(kind) + 1},
        last_at=at if aggregate.last_at is None or at >= aggregate.last_at else aggregate.last_at,
    )
    if kind == "skipped":
        return replace(counted, skipped=aggregate.skipped + 1)
    value = activity.value
    latest = aggregate.last_value_at is None or at >= aggregate.last_value_at
    buckets = dict(aggregate.time_of_day)
    if activity.local_hour is not None:
        name = time_of_day(activity.local_hour)
        bucket = buckets[name]
        buckets[name] = TimeOfDayBucket(count=bucket.count + 1, total=bucket.total + value)
    return replace(
        counted,
        total=aggregate.total + value,
        value_count=aggregate.value_count + 1,
        positive_count=aggregate.positive_count + (1 if value > 0 else 0),
        lowest=value if aggregate.lowest is None else min(aggregate.lowest, value),
        highest=value if aggregate.highest is None else max(aggregate.highest, value),
        last_value=value if latest else aggregate.last_value,
        last_value_at=at if latest else aggregate.last_value_at,
        time_of_day=buckets,
    )


def rebuild_day(day: date, activities: Iterable[Activity]) -> DayAggregate:
    """A day's aggregate from all of its activities."""
    aggregate = empty_day(day)
    for activity in activities:
        aggregate = add_activity(aggregate, activity)
    return aggregate


def latest_activity_at(aggregates: Iterable[DayAggregate]) -> str | None:
    stamps = [aggregate.last_at for aggregate in aggregates if aggregate.last_at]
    return max(stamps) if stamps else None
