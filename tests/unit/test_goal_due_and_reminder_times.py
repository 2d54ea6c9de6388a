"""What is due (goals/due.py) and when reminders fire (goals/reminders.py): pure rules,
hand-computed, including DST gaps and overlaps in two zones."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core.local_time import LocalTime
from chalicelib.goals.due import due_state
from chalicelib.goals.entities import Goal
from chalicelib.goals.progress_state import current_progress, recompute
from chalicelib.goals.reminders import fire_instant, minute_key, next_firing

NEW_YORK = LocalTime("America/New_York")
BERLIN = LocalTime("Europe/Berlin")


def _goal(pattern: str = "recurring", created: str = "2026-03-02T12:00:00.000Z", **fields: Any):
    target = fields.pop("target", {"value": 1, "period": "day", "targetType": "minimum"})
    goal = Goal(
        goal_id="0190a000-0000-7000-8000-000000000001",
        user_id="user-1",
        title="Read",
        goal_pattern=pattern,
        status="active",
        target=target,
        created_at=created,
        updated_at=created,
        version=1,
        **fields,
    )
    return goal


def _with_state(goal: Goal, now: datetime, local: LocalTime) -> Goal:
    return replace(goal, progress_state=recompute(goal, [], now, local).state)


def _due(goal: Goal, now: datetime, local: LocalTime):
    goal = _with_state(goal, now, local) if goal.progress_state is None else goal
    return due_state(goal, current_progress(goal, now, local), now, local)


def test_a_daily_goal_with_nothing_logged_is_due_and_at_risk_today():
    now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
    due = _due(_goal(), now, NEW_YORK)
    assert due.due_today
    assert due.at_risk
    assert due.next_due_day == date(2026, 3, 4)
    assert due.to_wire(NEW_YORK)["nextDueAt"] == "2026-03-04T05:00:00.000Z"


def test_days_of_week_decide_the_due_days_and_next_due_at():
    now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday
    goal = _goal(schedule={"daysOfWeek": [0, 4]})  # Mondays and Fridays
    due = _due(goal, now, NEW_YORK)
    assert not due.due_today
    assert not due.at_risk
    assert due.next_due_day == date(2026, 3, 6)


def test_a_weekly_goal_is_at_risk_only_on_its_last_scheduled_day():
    target = {"value": 1, "period": "week", "targetType": "minimum"}
    goal = _goal(target=target, schedule={"daysOfWeek": [2, 4]})  # Wednesdays and Fridays
    wednesday = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    assert _due(goal, wednesday, NEW_YORK).due_today
    assert not _due(goal, wednesday, NEW_YORK).at_risk
    assert _due(goal, friday, NEW_YORK).at_risk


def test_day_start_hour_moves_today_and_next_due_at():
    late = LocalTime("America/New_York", day_start_hour=4)
    now = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)  # 02:00 Thursday: still Wednesday's day
    due = _due(_goal(schedule={"daysOfWeek": [2]}), now, late)
    assert due.due_today
    assert due.to_wire(late)["nextDueAt"] == "2026-03-04T09:00:00.000Z"


@pytest.mark.parametrize("status", ["completed", "archived", "draft"])
def test_goals_that_are_not_running_have_nothing_due(status: str):
    now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    due = _due(replace(_goal(), status=status), now, NEW_YORK)
    assert (due.due_today, due.at_risk, due.next_due_day) == (False, False, None)


def test_a_paused_goal_is_not_due_until_resumed():
    now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    due = _due(replace(_goal(), status="paused"), now, NEW_YORK)
    assert not due.due_today
    assert due.next_due_day is None


def test_a_limit_goal_is_never_due():
    target = {"value": 3, "period": "day", "targetType": "maximum"}
    due = _due(_goal("limit", target=target), datetime(2026, 3, 4, 15, tzinfo=UTC), NEW_YORK)
    assert not due.due_today
    assert due.next_due_day is None


def test_a_target_goals_rate_and_safety_buffer_by_hand():
    # From 80 to 70 by 2026-04-01, weekly periods; measured 78 on day 10 of the goal.
    target = {
        "value": 70,
        "startValue": 80,
        "targetDate": "2026-04-01",
        "period": "week",
        "targetType": "minimum",
        "direction": "decrease",
    }
    now = datetime(2026, 3, 12, 17, 0, tzinfo=UTC)
    goal = _with_state(_goal("target", target=target), now, NEW_YORK)
    progress = {**current_progress(goal, now, NEW_YORK), "currentPeriodValue": 78}
    due = due_state(goal, progress, now, NEW_YORK)
    # 8 to go in 20 days = 20/7 weeks: 2.8 a week. Pace: 2 in 10 days = 0.2 a day, so the 8
    # left take 40 days > 20 left: no buffer.
    assert due.required_per_period == 2.8
    assert due.buffer_days == 0
    assert due.at_risk == due.due_today
    faster = {**progress, "currentPeriodValue": 74}  # 6 in 10 days: 0.6 a day, 4 left
    # 4 / 0.6 = 6.67 days needed of 20: floor(20 - 6.67) = 13 days of buffer.
    assert due_state(goal, faster, now, NEW_YORK).buffer_days == 13
    assert due_state(goal, faster, now, NEW_YORK).required_per_period == 1.4


# Reminders: one firing per calendar date, DST gaps and overlaps included.


def test_a_time_in_the_spring_forward_gap_fires_the_gaps_length_later():
    # New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
    assert fire_instant(date(2026, 3, 8), "02:30", NEW_YORK) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )  # 03:30 EDT
    # Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST.
    assert fire_instant(date(2026, 3, 29), "02:30", BERLIN) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )  # 03:30 CEST


def test_a_time_that_happens_twice_fires_at_its_first_occurrence():
    # New York, 2026-11-01: 01:30 EDT (05:30Z), then 01:30 EST (06:30Z).
    assert fire_instant(date(2026, 11, 1), "01:30", NEW_YORK) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    # Berlin, 2026-10-25: 02:30 CEST (00:30Z), then 02:30 CET (01:30Z).
    assert fire_instant(date(2026, 10, 25), "02:30", BERLIN) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "local, clock, first_day",
    [
        (NEW_YORK, "02:30", date(2026, 3, 6)),
        (NEW_YORK, "01:30", date(2026, 10, 30)),
        (BERLIN, "02:30", date(2026, 3, 27)),
        (BERLIN, "02:30", date(2026, 10, 23)),
    ],
)
def test_walking_the_firings_across_a_dst_change_gives_one_a_day(local, clock, first_day):
    goal = _goal(reminder={"enabled": True, "localTime": clock})
    after = fire_instant(first_day, clock, local) - timedelta(minutes=1)
    days = []
    for _ in range(5):
        firing = next_firing(goal, local, after)
        assert firing is not None
        after, day = firing
        days.append(day)
    assert days == [first_day + timedelta(days=offset) for offset in range(5)]


def test_the_preferred_time_is_the_reminder_time_when_none_is_given():
    goal = _goal(reminder={"enabled": True}, schedule={"preferredTimes": ["07:15"]})
    firing = next_firing(goal, BERLIN, datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    assert firing is not None
    assert minute_key(firing[0]) == "2026-03-05T06:15"


def test_no_firing_without_opt_in_or_on_unscheduled_days():
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert next_firing(_goal(), BERLIN, now) is None
    assert (
        next_firing(_goal(reminder={"enabled": False, "localTime": "07:00"}), BERLIN, now) is None
    )
    weekly = _goal(reminder={"enabled": True, "localTime": "07:00"}, schedule={"daysOfWeek": [0]})
    firing = next_firing(weekly, BERLIN, now)
    assert firing is not None
    assert firing[1] == date(2026, 3, 9)  # the next Monday
