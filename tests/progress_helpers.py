"""Building goals, day aggregates and progress for the progress scenario tests, the way the
service builds them."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from random import Random
from typing import Any

from chalicelib.core.local_time import LocalTime
from chalicelib.goals import aggregates as agg
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.progress_state import current_progress, recompute

UTC_CLOCK = LocalTime("UTC", 0)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def make_goal(
    pattern: str,
    target: dict[str, Any],
    created: str = "2026-11-20T10:00:00Z",
    schedule: dict[str, Any] | None = None,
) -> Goal:
    stamp = created.replace("Z", ".000Z")
    return Goal(
        goal_id="g",
        user_id="u",
        title="A goal",
        goal_pattern=pattern,
        status="active",
        target=target,
        schedule=schedule or {},
        created_at=stamp,
        updated_at=stamp,
        version=1,
        initial_current_value=target.get("currentValue"),
    )


def random_goal(pattern: str, rng: Random, created: str, **changes: Any) -> Goal:
    """A goal of `pattern` with its usual target (PATTERN_TARGETS) and a random number of
    allowed skips, for the randomized progress tests."""
    schedule = {"allowSkipDays": rng.randint(0, 2)}
    return replace(make_goal(pattern, PATTERN_TARGETS[pattern], created, schedule), **changes)


def aggregates_of(
    activities: Sequence[tuple[str, float, str]], local: LocalTime
) -> list[agg.DayAggregate]:
    """Day aggregates built the way the service builds them, from (instant, value, type)."""
    days: dict[str, agg.DayAggregate] = {}
    for instant, value, kind in activities:
        moment = at(instant)
        day = local.local_date(moment)
        stamp = moment.astimezone(UTC).isoformat()
        activity = Activity(
            activity_id=stamp,
            goal_id="g",
            user_id="u",
            value=value,
            activity_type=kind,
            activity_date=stamp,
            logged_at=stamp,
            timezone=local.timezone,
            local_date=day,
            local_hour=local.local_hour(moment),
        )
        days[day.isoformat()] = agg.add_activity(
            days.get(day.isoformat(), agg.empty_day(day)), activity
        )
    return list(days.values())


def progress_of(
    goal: Goal,
    activities: Sequence[tuple[str, float, str]],
    now: str,
    local: LocalTime = UTC_CLOCK,
) -> dict[str, Any]:
    moment = at(now)
    stored = replace(
        goal,
        progress_state=recompute(goal, aggregates_of(activities, local), moment, local).state,
    )
    return current_progress(stored, moment, local)


# Randomized progress tests (fast path, fold checkpoints): a clock and a goal of each pattern.
BERLIN = LocalTime("Europe/Berlin", 3)
PATTERN_TARGETS: dict[str, dict[str, Any]] = {
    "recurring": {"value": 5, "period": "week", "unit": "km"},
    "milestone": {"value": 500, "startValue": 10},
    "target": {"value": 70, "startValue": 90, "targetDate": "2027-12-01"},
    "streak": {"value": 30},
    "limit": {"value": 120, "period": "day", "targetType": "maximum"},
}


def berlin_activity(moment: datetime, value: float, kind: str, timed: bool = True) -> Activity:
    """An activity as the service makes it; one logged with a date alone is stamped at its
    local day's start and has no local hour."""
    day = BERLIN.local_date(moment)
    stamp = moment if timed else BERLIN.day_start(day)
    instant = stamp.isoformat().replace("+00:00", "Z")
    return Activity(
        activity_id=instant,
        goal_id="g",
        user_id="u",
        value=value,
        activity_type=kind,
        activity_date=instant,
        logged_at=instant,
        timezone=BERLIN.timezone,
        local_date=day,
        local_hour=BERLIN.local_hour(stamp) if timed else None,
    )
