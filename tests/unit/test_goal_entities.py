"""Goal entities are typed values, converted to and from DynamoDB items at the repository edge.
The stored shape is pinned here: items written before the types existed must read the same and
be written back unchanged."""

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.core.local_time import LocalTime
from chalicelib.goals import aggregates as agg
from chalicelib.goals.aggregates import DayAggregate, TimeOfDayBucket
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.presenter import (
    ACTIVITY_FIELDS,
    GOAL_FIELDS,
    present_activity,
    present_goal,
)
from chalicelib.goals.progress_state import ProgressState, logged_today, recompute

# A day aggregate item as it was stored before the compact shape (and before it had a type):
# every attribute, zeros and nulls included. Such items exist and must read the same.
STORED_DAY = {
    "day": "2026-11-20",
    "total": 7.5,
    "valueCount": 2,
    "positiveCount": 2,
    "skipped": 1,
    "counts": {"progress": 1, "completed": 1, "partial": 0, "skipped": 1},
    "min": 2.5,
    "max": 5,
    "lastValue": 2.5,
    "lastValueAt": "2026-11-20T18:00:00.000Z",
    "lastAt": "2026-11-20T19:00:00.000Z",
    "timeOfDay": {
        "early-morning": {"count": 0, "sum": 0},
        "morning": {"count": 1, "sum": 5},
        "afternoon": {"count": 0, "sum": 0},
        "evening": {"count": 0, "sum": 0},
        "night": {"count": 0, "sum": 0},
    },
}


# The same day as it is stored now: the same names, without zeros and nulls, buckets as
# [count, sum], instants as milliseconds; `lastValueAt` stays because it differs from `lastAt`.
COMPACT_DAY = {
    "day": "2026-11-20",
    "total": 7.5,
    "valueCount": 2,
    "positiveCount": 2,
    "skipped": 1,
    "counts": {"progress": 1, "completed": 1, "skipped": 1},
    "min": 2.5,
    "max": 5,
    "lastValue": 2.5,
    "lastValueAt": 1795197600000,
    "lastAt": 1795201200000,
    "timeOfDay": {"morning": [1, 5]},
}


def test_a_stored_day_aggregate_reads_as_a_type_and_writes_back_compact():
    day = DayAggregate.from_item(STORED_DAY)
    assert day.day == date(2026, 11, 20)
    assert (day.total, day.lowest, day.highest, day.last_value) == (7.5, 2.5, 5, 2.5)
    assert day.time_of_day["morning"] == TimeOfDayBucket(count=1, total=5)
    assert day.count_of("completed") == 1
    assert day.count_of("partial") == 0
    assert day.to_item() == COMPACT_DAY
    assert DayAggregate.from_item(COMPACT_DAY) == day


def test_a_compact_day_leaves_out_what_it_can_say_without():
    """An empty day is its date alone; a day whose latest activity carried its latest value
    stores that instant once (as `lastAt`)."""
    empty = agg.empty_day(date(2026, 11, 20))
    assert empty.to_item() == {"day": "2026-11-20"}
    assert DayAggregate.from_item(empty.to_item()) == empty
    one = agg.add_activity(empty, _logged("progress", 3, "2026-11-20T08:00:00.000Z", 8))
    assert "lastValueAt" not in one.to_item()
    assert DayAggregate.from_item(one.to_item()) == one
    assert one.last_value_at == "2026-11-20T08:00:00.000Z"
    skipped = agg.add_activity(empty, _logged("skipped", 0, "2026-11-20T08:00:00.000Z", 8))
    assert DayAggregate.from_item(skipped.to_item()).last_value_at is None


def _logged(kind: str, value: float, at: str, hour: int | None) -> Activity:
    return Activity(
        activity_id=at,
        goal_id="g",
        user_id="u",
        value=value,
        activity_type=kind,
        activity_date=at,
        logged_at=at,
        timezone="UTC",
        local_date=date(2026, 11, 20),
        local_hour=hour,
    )


def test_logging_builds_the_stored_day_shape():
    day = agg.empty_day(date(2026, 11, 20))
    day = agg.add_activity(day, _logged("progress", 5, "2026-11-20T08:00:00.000Z", 9))
    # Logged with a date alone (no local hour): in no time-of-day bucket.
    day = agg.add_activity(day, _logged("completed", 2.5, "2026-11-20T18:00:00.000Z", None))
    day = agg.add_activity(day, _logged("skipped", 0, "2026-11-20T19:00:00.000Z", 20))
    assert isinstance(day, DayAggregate)
    assert day == DayAggregate.from_item(STORED_DAY)
    assert day.to_item() == COMPACT_DAY
    assert not day.is_empty
    assert agg.empty_day(date(2026, 11, 20)).is_empty


# An activity item as it is stored (keys PK and SK aside).
STORED_ACTIVITY = {
    "activityId": "0193a5c8-1d2e-7f00-8000-000000000001",
    "goalId": "0193a5c8-1d2e-7f00-8000-000000000002",
    "userId": "user-1",
    "value": 2.5,
    "unit": "km",
    "activityType": "progress",
    "activityDate": "2026-11-20T07:30:00.000Z",
    "loggedAt": "2026-11-20T07:31:00.000Z",
    "timezone": "Europe/Berlin",
    "location": "park",
    "context": {"mood": "good"},
    "note": "easy run",
    "attachments": [],
    "source": "manual",
    "localDate": "2026-11-20",
    "localHour": 8,
}


def test_a_stored_activity_reads_as_a_type_and_writes_back_unchanged():
    activity = Activity.from_item(STORED_ACTIVITY)
    assert activity.local_date == date(2026, 11, 20)
    assert (activity.value, activity.activity_type, activity.local_hour) == (2.5, "progress", 8)
    assert activity.to_item() == STORED_ACTIVITY
    dated_only = Activity.from_item({**STORED_ACTIVITY, "localHour": None})
    assert dated_only.local_hour is None
    assert dated_only.to_item() == {**STORED_ACTIVITY, "localHour": None}


def test_an_activity_is_presented_in_the_wire_shape():
    shown = present_activity(Activity.from_item(STORED_ACTIVITY))
    assert list(shown) == list(ACTIVITY_FIELDS)
    assert shown == {name: STORED_ACTIVITY[name] for name in ACTIVITY_FIELDS}


def test_a_goals_stored_progress_state_reads_as_a_type_and_writes_back_unchanged():
    goal = Goal.from_item(
        {
            "goalId": "g",
            "userId": "u",
            "title": "Read 100 books",
            "goalPattern": "milestone",
            "status": "active",
            "target": {"value": 100},
            "createdAt": "2026-11-18T10:00:00.000Z",
            "updatedAt": "2026-11-18T10:00:00.000Z",
            "version": 1,
        },
        "u",
    )
    today = DayAggregate.from_item(STORED_DAY)
    now = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    stored = recompute(goal, [today], now, LocalTime("UTC", 0)).state
    # The attribute names existing goal items hold under `progressState`; the clock and the
    # longest streak only when they are not UTC, 0 and 0 (the open day's date only once); the
    # checkpoints' generation and rules digest (goals/fold_checkpoints.py), which older items lack.
    assert set(stored) == {
        "fold",
        "openDay",
        "openAggregate",
        "totals",
        "firstDay",
        "longestEver",
        "generation",
        "rulesDigest",
    }
    # The open day's aggregate is the day item's, without its day and under short names.
    assert stored["openAggregate"] == {
        "t": 7.5,
        "n": 2,
        "p": 2,
        "s": 1,
        "c": {"progress": 1, "completed": 1, "skipped": 1},
        "lo": 2.5,
        "hi": 5,
        "lv": 2.5,
        "lva": 1795197600000,
        "la": 1795201200000,
        "h": {"morning": [1, 5]},
    }
    in_berlin = recompute(goal, [today], now, LocalTime("Europe/Berlin", 4)).state
    assert (in_berlin["timezone"], in_berlin["dayStartHour"]) == ("Europe/Berlin", 4)
    assert ProgressState.from_item(in_berlin).timezone == "Europe/Berlin"
    state = ProgressState.from_item(stored)
    assert (state.open_day, state.first_day) == (date(2026, 11, 20), date(2026, 11, 18))
    assert state.open_aggregate == today
    assert state.totals.total_values == 7.5
    assert state.to_item() == stored
    older = ProgressState.from_item(
        {k: v for k, v in stored.items() if k not in {"generation", "rulesDigest"}}
    )
    assert (older.generation, older.rules_digest) == (0, None)


def test_a_state_stored_without_the_open_aggregate_is_recomputed_not_advanced():
    """States written before the quick path kept `openAggregate` still take a log."""
    goal = Goal.from_item(
        {
            "goalId": "g",
            "userId": "u",
            "title": "Read 100 books",
            "goalPattern": "milestone",
            "status": "active",
            "target": {"value": 100},
            "createdAt": "2026-11-18T10:00:00.000Z",
            "updatedAt": "2026-11-18T10:00:00.000Z",
            "version": 1,
        },
        "u",
    )
    now = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    stored = recompute(goal, [], now, LocalTime("UTC", 0)).state
    del stored["openAggregate"]
    activity = _logged("progress", 5, "2026-11-20T20:00:00.000Z", 20)
    assert (
        logged_today(replace(goal, progress_state=stored), activity, now, LocalTime("UTC", 0))
        is None
    )


# A goal item as it is stored (keys PK and SK aside), as goals were stored before they had a type.
STORED_GOAL = {
    "goalId": "0193a5c8-1d2e-7f00-8000-0000000000aa",
    "userId": "u",
    "title": "Run 5 km a week",
    "description": None,
    "category": "fitness",
    "icon": None,
    "color": "#00aa00",
    "goalPattern": "recurring",
    "status": "active",
    "visibility": "private",
    "target": {"metric": "distance", "value": 5, "unit": "km", "period": "week"},
    "schedule": {"frequency": "weekly"},
    "context": {"motivation": "health"},
    "rewards": {},
    "metadata": {"source": "web"},
    "isJournalLinked": True,
    "initialCurrentValue": None,
    "createdAt": "2026-11-18T10:00:00.000Z",
    "updatedAt": "2026-11-20T21:00:00.000Z",
    "completedAt": None,
    "version": 3,
    "activityCount": 2,
    "progressState": {
        "fold": {},
        "openDay": "2026-11-20",
        "openAggregate": STORED_DAY,
        "totals": {},
        "firstDay": "2026-11-18",
        "timezone": "UTC",
        "dayStartHour": 0,
        "longestEver": 1,
    },
}


# The same goal as it is stored now: no owner (the key names it), nothing at the value every
# goal was created with (visibility "private", not linked to the journal), no empty maps and no
# nulls, instants as milliseconds since 1970.
COMPACT_GOAL = {
    name: value
    for name, value in STORED_GOAL.items()
    if name not in {"userId", "visibility", "rewards"} and value is not None
} | {"createdAt": 1794996000000, "updatedAt": 1795208400000}


def test_a_stored_goal_reads_as_a_goal_and_writes_back_compact():
    goal = Goal.from_item(STORED_GOAL, "u")
    assert (goal.goal_id, goal.user_id, goal.goal_pattern, goal.version) == (
        STORED_GOAL["goalId"],
        "u",
        "recurring",
        3,
    )
    assert goal.is_journal_linked is True
    assert goal.activity_count == 2
    assert goal.target["value"] == 5
    assert goal.schedule == {"frequency": "weekly"}
    assert goal.to_item() == COMPACT_GOAL
    assert Goal.from_item(COMPACT_GOAL, "u") == goal
    assert replace(goal, status="paused").to_item() == {**COMPACT_GOAL, "status": "paused"}
    described = replace(goal, description="Twice round the park", completed_at=None)
    assert described.to_item()["description"] == "Twice round the park"
    completed = replace(goal, completed_at="2026-11-21T08:00:00.000Z").to_item()
    assert completed["completedAt"] == 1795248000000
    assert Goal.from_item(completed, "u").completed_at == "2026-11-21T08:00:00.000Z"


def test_an_instant_that_milliseconds_cannot_state_exactly_is_kept_as_text():
    """Goals imported from other apps keep the instant they came with, to the character."""
    odd = {**STORED_GOAL, "createdAt": "2026-11-18T10:00:00Z"}
    assert Goal.from_item(odd, "u").to_item()["createdAt"] == "2026-11-18T10:00:00Z"


def _shown(item: dict[str, Any]) -> dict[str, Any]:
    return present_goal(Goal.from_item(item, "u"), {"percentComplete": 0})


@pytest.mark.parametrize(
    "stored, left_out",
    [
        ({"visibility": "private"}, {"visibility"}),
        ({"visibility": "friends"}, set()),
        ({"visibility": None}, set()),  # cleared by a client: a stored null, shown as null
        ({"isJournalLinked": False}, {"isJournalLinked"}),
        ({"isJournalLinked": None}, {"isJournalLinked"}),
        ({"isJournalLinked": True}, set()),
        ({"metadata": {}}, {"metadata"}),
        ({"metadata": None}, {"metadata"}),
        ({"metadata": {"source": "web"}}, set()),
        ({"context": {}, "rewards": {}, "schedule": {}}, {"context", "rewards", "schedule"}),
        ({"rewards": {"pointsPerActivity": 2}}, set()),
    ],
)
def test_a_goal_stored_with_what_is_now_left_out_shows_the_same(
    stored: dict[str, Any], left_out: set[str]
):
    """Items written before hold every attribute (`userId`, the default visibility, false
    `isJournalLinked`, empty or null maps); written again they leave out what reading them
    back restores, and both show exactly what the old item showed."""
    old = {**STORED_GOAL, **stored}
    written = Goal.from_item(old, "u").to_item()
    assert "userId" not in written
    assert left_out == set(stored) - set(written)
    assert _shown(written) == _shown(old)
    assert _shown(written)["userId"] == "u"
    if "visibility" in stored:
        assert _shown(written)["visibility"] == stored["visibility"]


def test_a_goal_created_without_optional_fields_shows_what_it_always_showed():
    """What the old code stored for a goal created without visibility, metadata, context,
    rewards or a journal link, against the same goal stored now."""
    old = {
        **STORED_GOAL,
        "visibility": "private",
        "context": {},
        "rewards": {},
        "metadata": {},
        "isJournalLinked": False,
        "schedule": {},
    }
    new = Goal.from_item(old, "u").to_item()
    assert not {"userId", "visibility", "context", "rewards", "metadata", "isJournalLinked"} & set(
        new
    )
    shown = _shown(new)
    assert shown == _shown(old)
    assert (shown["visibility"], shown["metadata"], shown["isJournalLinked"]) == (
        "private",
        {},
        False,
    )


def test_a_goal_is_presented_in_the_wire_shape():
    shown = present_goal(Goal.from_item(STORED_GOAL, "u"), {"percentComplete": 0})
    assert list(shown) == list(GOAL_FIELDS)
    computed = {"dueToday", "atRisk", "nextDueAt", "requiredPerPeriod", "bufferDays", "reminder"}
    unchanged = set(GOAL_FIELDS) - {"target", "schedule", "progress", "context", "rewards"}
    unchanged -= computed | {"pauses"}
    assert shown["dueToday"] is False
    assert shown["nextDueAt"] is None
    assert shown["reminder"] == {"enabled": False, "localTime": None}
    assert {name: shown[name] for name in unchanged} == {
        name: STORED_GOAL[name] for name in unchanged
    }
    assert shown["pauses"] == []  # an item stored before pauses has none
    paused = Goal.from_item({**STORED_GOAL, "pauses": [{"from": "2026-11-19", "until": None}]}, "u")
    assert present_goal(paused, {})["pauses"] == [
        {"from": "2026-11-19", "until": None, "reason": None}
    ]
    assert paused.to_item()["pauses"] == [{"from": "2026-11-19", "until": None}]
    assert shown["progress"] == {"percentComplete": 0}
    assert shown["schedule"]["frequency"] == "weekly"
    assert shown["context"]["motivation"] == "health"


def test_what_is_due_reads_the_open_day_in_either_stored_shape():
    """`dueToday` asks whether anything was logged on the open day: states stored before the
    short names hold the day's counts under the long ones."""
    from chalicelib.goals.due import _logged_on

    day = date(2026, 11, 20)
    old = Goal.from_item(STORED_GOAL, "u")
    assert _logged_on(old, day)
    now = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    state = recompute(old, [DayAggregate.from_item(STORED_DAY)], now, LocalTime("UTC", 0)).state
    assert "n" in state["openAggregate"]
    assert _logged_on(replace(old, progress_state=state), day)
    nothing = recompute(old, [], now, LocalTime("UTC", 0)).state
    assert not _logged_on(replace(old, progress_state=nothing), day)
