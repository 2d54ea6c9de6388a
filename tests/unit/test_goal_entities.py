"""Goal entities are typed values, converted to and from DynamoDB items at the repository edge.
The stored shape is pinned here: items written before the types existed must read the same and
be written back unchanged."""

from datetime import UTC, date, datetime

from chalicelib.core.local_time import LocalTime
from chalicelib.goals import aggregates as agg
from chalicelib.goals.aggregates import DayAggregate, TimeOfDayBucket
from chalicelib.goals.entities import Activity
from chalicelib.goals.presenter import ACTIVITY_FIELDS, present_activity
from chalicelib.goals.progress_state import ProgressState, logged_today, recompute

# A day aggregate item as it is stored (and as it was stored before it had a type).
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


def test_a_stored_day_aggregate_reads_as_a_type_and_writes_back_unchanged():
    day = DayAggregate.from_item(STORED_DAY)
    assert day.day == date(2026, 11, 20)
    assert (day.total, day.lowest, day.highest, day.last_value) == (7.5, 2.5, 5, 2.5)
    assert day.time_of_day["morning"] == TimeOfDayBucket(count=1, total=5)
    assert day.count_of("completed") == 1
    assert day.to_item() == STORED_DAY


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
    assert day.to_item() == STORED_DAY
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
    goal = {
        "goalId": "g",
        "goalPattern": "milestone",
        "status": "active",
        "target": {"value": 100},
        "schedule": {},
        "createdAt": "2026-11-18T10:00:00.000Z",
        "initialCurrentValue": None,
    }
    today = DayAggregate.from_item(STORED_DAY)
    now = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    stored = recompute(goal, [today], now, LocalTime("UTC", 0)).state
    # The attribute names existing goal items hold under `progressState`.
    assert set(stored) == {
        "fold",
        "openDay",
        "openAggregate",
        "totals",
        "firstDay",
        "timezone",
        "dayStartHour",
        "longestEver",
    }
    assert stored["openAggregate"] == STORED_DAY
    state = ProgressState.from_item(stored)
    assert (state.open_day, state.first_day) == (date(2026, 11, 20), date(2026, 11, 18))
    assert state.open_aggregate == today
    assert state.totals.total_values == 7.5
    assert state.to_item() == stored


def test_a_state_stored_without_the_open_aggregate_is_recomputed_not_advanced():
    """States written before the quick path kept `openAggregate` still take a log."""
    goal = {
        "goalId": "g",
        "goalPattern": "milestone",
        "status": "active",
        "target": {"value": 100},
        "schedule": {},
        "createdAt": "2026-11-18T10:00:00.000Z",
        "initialCurrentValue": None,
    }
    now = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    stored = recompute(goal, [], now, LocalTime("UTC", 0)).state
    del stored["openAggregate"]
    activity = _logged("progress", 5, "2026-11-20T20:00:00.000Z", 20)
    assert (
        logged_today({**goal, "progressState": stored}, activity, now, LocalTime("UTC", 0)) is None
    )
