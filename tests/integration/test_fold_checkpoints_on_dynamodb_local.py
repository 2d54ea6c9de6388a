"""Fold checkpoints on DynamoDB Local: a log dated yesterday, an edit and a delete of an old
activity read the checkpoint before their week and the days since, not the goal's history,
and leave exactly the progress a full recomputation gives."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core import dynamo
from chalicelib.core.local_time import LocalTime
from chalicelib.core.validation import parse
from chalicelib.goals.activities import ActivityService
from chalicelib.goals.models import ActivityFields, GoalCreate
from chalicelib.goals.progress_state import recompute, stored_state
from chalicelib.goals.repository import CHECKPOINT_PREFIX, GoalRepository, goal_partition
from chalicelib.goals.service import GoalService
from chalicelib.journal.repository import JournalRepository

UTC_CLOCK = LocalTime("UTC", 0)


class _Reads:
    """The items each DynamoDB read returned (registered for "after-call.dynamodb")."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def __call__(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query":
            self.calls.append(("Query", int(parsed.get("Count", 0))))
        elif model.name in {"BatchGetItem", "GetItem", "TransactWriteItems"}:
            self.calls.append((model.name, 0))


@pytest.fixture
def reads(stack_env) -> Iterator[_Reads]:
    log = _Reads()
    events = dynamo.client().meta.events
    events.register("after-call.dynamodb", log)
    yield log
    events.unregister("after-call.dynamodb", log)


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _fields(body: dict[str, Any]) -> ActivityFields:
    return parse(ActivityFields, body)


def _matches_a_full_recomputation(user: str, goal_id: str, now: datetime) -> None:
    repository = GoalRepository()
    goal = repository.get(user, goal_id)
    assert goal is not None
    full = recompute(goal, repository.day_aggregates(user, goal_id), now, UTC_CLOCK).state
    validity = {"generation", "rulesDigest"}
    stored = {k: v for k, v in (goal.progress_state or {}).items() if k not in validity}
    assert stored == {k: v for k, v in full.items() if k not in validity}


def test_old_writes_read_the_checkpoint_and_the_days_since(stack_env, reads):
    user = str(uuid.uuid4())
    clock = _Clock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    repository, completions = GoalRepository(), JournalRepository()
    goals = GoalService(repository, completions=completions, now=clock)
    activities = ActivityService(repository, completions=completions, now=clock)
    target = {"value": 9, "unit": "km", "period": "week"}
    body = {"title": "Run", "goalPattern": "recurring", "target": target}
    goal_id = goals.create(user, parse(GoalCreate, body)).body["goalId"]
    # A goal stored before checkpoints: its state has no generation and no rules digest.
    dynamo.client().update_item(
        TableName=dynamo.table_name(),
        Key=dynamo.serialize({"PK": f"USER#{user}", "SK": f"GOAL#{goal_id}"}),
        UpdateExpression="REMOVE progressState.generation, progressState.rulesDigest",
    )
    logged: list[str] = []

    def log_daily(days: int) -> None:
        for _ in range(days):
            clock.now += timedelta(days=1)
            made = activities.log_activity(user, goal_id, _fields({"value": 2.5}))
            logged.append(made.body["activityId"])

    log_daily(9)
    # Without a digest no checkpoint holds: the first old write recomputes from every day.
    clock.now += timedelta(hours=1)
    earlier = (clock.now - timedelta(days=3)).date().isoformat()
    activities.log_activity(user, goal_id, _fields({"value": 1, "activityDate": earlier}))
    _matches_a_full_recomputation(user, goal_id, clock.now)
    goal = repository.get(user, goal_id)
    assert goal is not None
    assert stored_state(goal).generation == 1
    log_daily(63)  # nine more weeks: logs dated today store a checkpoint a week
    yesterday = (clock.now - timedelta(days=1)).date().isoformat()
    # Old writes read one checkpoint and at most the days since the week before theirs.
    logs: list[dict[str, Any]] = [{"value": 2, "activityDate": yesterday}, {"value": 4}]
    for log in logs:
        reads.calls.clear()
        activities.log_activity(user, goal_id, _fields(log))
        if "activityDate" in log:
            assert reads.calls[:3] == [("BatchGetItem", 0), ("Query", 1), reads.calls[2]]
            assert reads.calls[2][0] == "Query"
            assert reads.calls[2][1] <= 8
            assert reads.calls[3:] == [("TransactWriteItems", 0)]
        _matches_a_full_recomputation(user, goal_id, clock.now)
    # An edit and a delete of an activity of three weeks ago: the days since its week, only.
    old = logged[-21]
    reads.calls.clear()
    activities.update_activity(user, goal_id, old, _fields({"value": 7}))
    queried = [count for name, count in reads.calls if name == "Query"]
    # The activity, its day's activities, the days of its month (closed: its rollup is rebuilt,
    # goals/rollups.py), the checkpoint, the days since.
    assert len(queried) == 5
    assert queried[2] <= 31
    assert queried[3] == 1
    assert queried[4] <= 28
    _matches_a_full_recomputation(user, goal_id, clock.now)
    reads.calls.clear()
    activities.delete_activity(user, goal_id, logged[-30])
    queried = [count for name, count in reads.calls if name == "Query"]
    assert len(queried) == 5
    assert queried[2] <= 31
    assert queried[3] == 1
    assert queried[4] <= 35
    _matches_a_full_recomputation(user, goal_id, clock.now)
    # The checkpoints stay in the goal's partition, a week's end each.
    stored = dynamo.query_all(
        **dynamo.sort_key_range(
            goal_partition(user, goal_id), CHECKPOINT_PREFIX, f"{CHECKPOINT_PREFIX}{dynamo.KEY_END}"
        )
    )
    assert len(stored) >= 9
    assert all(datetime.fromisoformat(i["SK"][5:]).weekday() == 6 for i in stored)
    assert all("syncSeq" not in item and "syncUser" not in item for item in stored)
