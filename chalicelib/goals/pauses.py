"""Pauses and vacations: the local days on which a goal is excused (docs/progress-rules.md,
"Pauses and vacations").

A goal's pauses are stored on its item as `pauses: [{"from", "until", "reason"?}]` (local
dates, inclusive; `until` null: paused until resumed); a person's vacations, which excuse every
goal, on the profile item as `vacations` in the same shape. Pure functions; no I/O.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.core import errors
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.goals.entities import Goal

MAX_PAUSES = 50  # per goal, and vacations per person: the item stays small
MAX_RANGE_DAYS = 366  # a range covers at most a year (a leap year's included)
MAX_REASON_LENGTH = 200


@dataclass(frozen=True)
class DateRange:
    """Local dates from `start` through `end` inclusive; `end` None: open-ended."""

    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _range_of(item: Mapping[str, Any]) -> DateRange:
    until = item.get("until")
    return DateRange(date.fromisoformat(item["from"]), date.fromisoformat(until) if until else None)


def pauses_of(goal: Goal) -> tuple[DateRange, ...]:
    """The goal's pauses, with a legacy `status: paused` goal that has no open pause paused
    from the (UTC) day it last changed: older items recorded no pause range."""
    ranges = tuple(_range_of(item) for item in goal.pauses)
    if goal.status == "paused" and not any(r.end is None for r in ranges):
        ranges = (*ranges, DateRange(date.fromisoformat(goal.updated_at[:10])))
    return ranges


def vacations_of(profile: Mapping[str, Any] | None) -> tuple[DateRange, ...]:
    return tuple(_range_of(item) for item in (profile or {}).get("vacations") or [])


def excused_ranges(goal: Goal, vacations: Sequence[DateRange]) -> tuple[DateRange, ...]:
    """The goal's pauses, the vacations copied onto it, and `vacations`."""
    copied = tuple(_range_of(item) for item in goal.vacations)
    return (*pauses_of(goal), *copied, *vacations)


def excused_day(goal: Goal, day: date, vacations: Sequence[DateRange]) -> bool:
    """Whether `day` (a local date) is excused for `goal`: paused, or on vacation."""
    return any(r.covers(day) for r in excused_ranges(goal, vacations))


def open_pause(pauses: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return next((item for item in pauses if item.get("until") is None), None)


def _overlaps(a: DateRange, b: DateRange) -> bool:
    a_end, b_end = a.end or date.max, b.end or date.max
    return a.start <= b_end and b.start <= a_end


def added_range(
    existing: Sequence[Mapping[str, Any]],
    start: date,
    end: date | None,
    reason: str | None,
    *,
    earliest: date,
    what: str = "pause",
) -> list[dict[str, Any]]:
    """`existing` with a new range added, sorted by start; refused when it is malformed, longer
    than a year, before `earliest` (the goal's first day), overlapping another or one too many.
    """
    problems = []
    if end is not None and end < start:
        problems.append(FieldError("until", "must not be before from"))
    elif end is not None and (end - start).days + 1 > MAX_RANGE_DAYS:
        problems.append(FieldError("until", f"a {what} covers at most {MAX_RANGE_DAYS} days"))
    if start < earliest:
        problems.append(FieldError("from", f"must not be before {earliest.isoformat()}"))
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        problems.append(FieldError("reason", f"at most {MAX_REASON_LENGTH} characters"))
    if problems:
        raise ValidationFailed(problems)
    if len(existing) >= MAX_PAUSES:
        raise errors.BusinessRuleViolation(
            f"At most {MAX_PAUSES} of these are kept; delete one first.", code="TOO_MANY_PAUSES"
        )
    new = DateRange(start, end)
    if any(_overlaps(new, _range_of(item)) for item in existing):
        raise errors.BusinessRuleViolation(
            f"The {what} overlaps another one.", code="PAUSE_OVERLAPS"
        )
    item: dict[str, Any] = {"from": start.isoformat(), "until": end.isoformat() if end else None}
    if reason:
        item["reason"] = reason
    return sorted([*map(dict, existing), item], key=lambda entry: str(entry["from"]))


def resumed(pauses: Sequence[Mapping[str, Any]], today: date) -> list[dict[str, Any]]:
    """`pauses` with the open one ended: today counts again, so it ends yesterday; a pause that
    began today disappears. Unchanged when none is open."""
    result = []
    for item in pauses:
        if item.get("until") is None:
            if date.fromisoformat(item["from"]) >= today:
                continue
            item = {**item, "until": (today - timedelta(days=1)).isoformat()}
        result.append(dict(item))
    return result


def without(pauses: Sequence[Mapping[str, Any]], start: str) -> list[dict[str, Any]] | None:
    """`pauses` without the one that starts on `start`; None when there is none."""
    kept = [dict(item) for item in pauses if item["from"] != start]
    return kept if len(kept) < len(pauses) else None


def paused_on(pauses: Sequence[Mapping[str, Any]], day: date) -> bool:
    return any(_range_of(item).covers(day) for item in pauses)
