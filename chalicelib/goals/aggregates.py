"""Per-goal, per-local-day aggregates: what progress, statistics and insights are computed
from, so that no read ever walks a goal's activities.

An aggregate is a plain dict (it is stored as one small DynamoDB item). Logging adds one
activity to its day; editing or deleting rebuilds the day from that day's activities, so
min, max and the latest measurement stay exact.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from chalicelib.goals.progress import DayTotals

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


def empty_day(day: date) -> dict[str, Any]:
    return {
        "day": day.isoformat(),
        "total": 0,
        "valueCount": 0,
        "positiveCount": 0,
        "skipped": 0,
        "counts": dict.fromkeys(ACTIVITY_TYPES, 0),
        "min": None,
        "max": None,
        "lastValue": None,
        "lastValueAt": None,
        "lastAt": None,
        "timeOfDay": {bucket: {"count": 0, "sum": 0} for bucket in TIMES_OF_DAY},
    }


def local_hour_of(activity: dict[str, Any]) -> int | None:
    """A stored activity's local hour; None when it was logged with a date alone."""
    hour = activity.get("localHour")
    return None if hour is None else int(hour)


def add_activity(
    aggregate: dict[str, Any], activity: dict[str, Any], local_hour: int | None
) -> dict[str, Any]:
    """The day's aggregate with one more activity (a new dict; the input is not changed). An
    activity without a time of day (`local_hour` None) counts in no time-of-day bucket."""
    updated = {
        **aggregate,
        "counts": dict(aggregate["counts"]),
        "timeOfDay": {k: dict(v) for k, v in aggregate["timeOfDay"].items()},
    }
    kind = activity["activityType"]
    at = activity["activityDate"]
    updated["counts"][kind] = updated["counts"].get(kind, 0) + 1
    if aggregate["lastAt"] is None or at >= aggregate["lastAt"]:
        updated["lastAt"] = at
    if kind == "skipped":
        updated["skipped"] += 1
        return updated
    value = activity["value"]
    updated["total"] += value
    updated["valueCount"] += 1
    updated["positiveCount"] += 1 if value > 0 else 0
    updated["min"] = value if aggregate["min"] is None else min(aggregate["min"], value)
    updated["max"] = value if aggregate["max"] is None else max(aggregate["max"], value)
    if aggregate["lastValueAt"] is None or at >= aggregate["lastValueAt"]:
        updated["lastValue"], updated["lastValueAt"] = value, at
    if local_hour is not None:
        bucket = updated["timeOfDay"][time_of_day(local_hour)]
        bucket["count"] += 1
        bucket["sum"] += value
    return updated


def rebuild_day(
    day: date, activities: Iterable[tuple[dict[str, Any], int | None]]
) -> dict[str, Any]:
    """A day's aggregate from all of its activities, given with their local hours."""
    aggregate = empty_day(day)
    for activity, hour in activities:
        aggregate = add_activity(aggregate, activity, hour)
    return aggregate


def is_empty(aggregate: dict[str, Any]) -> bool:
    return not any(aggregate["counts"].values())


def day_totals(aggregate: dict[str, Any]) -> DayTotals:
    return DayTotals(
        total=aggregate["total"],
        value_count=aggregate["valueCount"],
        positive_count=aggregate["positiveCount"],
        skipped=aggregate["skipped"],
        last_value=aggregate["lastValue"],
    )


def latest_activity_at(aggregates: Iterable[dict[str, Any]]) -> str | None:
    stamps = [aggregate["lastAt"] for aggregate in aggregates if aggregate["lastAt"]]
    return max(stamps) if stamps else None
