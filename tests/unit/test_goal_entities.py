"""Goal entities are typed values, converted to and from DynamoDB items at the repository edge.
The stored shape is pinned here: items written before the types existed must read the same and
be written back unchanged."""

from datetime import date

from chalicelib.goals import aggregates as agg
from chalicelib.goals.aggregates import DayAggregate, TimeOfDayBucket

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


def test_logging_builds_the_stored_day_shape():
    day = agg.empty_day(date(2026, 11, 20))
    day = agg.add_activity(
        day,
        {"activityType": "progress", "value": 5, "activityDate": "2026-11-20T08:00:00.000Z"},
        9,
    )
    day = agg.add_activity(
        day,
        {"activityType": "completed", "value": 2.5, "activityDate": "2026-11-20T18:00:00.000Z"},
        None,  # logged with a date alone: no time-of-day bucket
    )
    day = agg.add_activity(
        day,
        {"activityType": "skipped", "value": 0, "activityDate": "2026-11-20T19:00:00.000Z"},
        20,
    )
    assert isinstance(day, DayAggregate)
    assert day.to_item() == STORED_DAY
    assert not day.is_empty
    assert agg.empty_day(date(2026, 11, 20)).is_empty
