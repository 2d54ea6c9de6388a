"""A goal item stays under 1 KB, as DynamoDB sizes it: the goal is rewritten on every log, in
a transaction that bills two write units per started KB, so a goal one byte over 1 KB makes
every log cost 8 write units instead of 6 (bench/budgets.py). Measured on the bench's goal
(bench/run.py `_goal_body`) after a log a day for 100 days, with its keys and sync stamps."""

import uuid
from typing import Any

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.validation import parse
from chalicelib.goals.activities import ActivityService
from chalicelib.goals.models import ActivityFields, GoalCreate
from chalicelib.goals.progress import HISTORY_LENGTH
from chalicelib.goals.repository import GoalRepository, goal_key
from chalicelib.goals.service import GoalService
from chalicelib.journal.repository import JournalRepository
from tests.helpers import Clock, item_size
from tests.service.memory_table import MemoryTable

ONE_KB = 1024
# The room the goal item leaves below 1 KB: a longer title, a wider score or history values.
HEADROOM = 74


def _stored_goal_after_100_days(title: str) -> dict[str, Any]:
    wiring.reset()
    with dynamo.served_by(MemoryTable()):
        user = str(uuid.uuid4())
        clock = Clock("2026-08-24T07:00:00")
        goals = GoalService(GoalRepository(), completions=JournalRepository(), now=clock)
        activities = ActivityService(GoalRepository(), completions=JournalRepository(), now=clock)
        body = {  # bench/run.py `_goal_body`
            "title": title,
            "goalPattern": "recurring",
            "category": "health",
            "target": {"value": 8, "unit": "glasses", "period": "day"},
            "schedule": {"frequency": "daily"},
        }
        goal_id = goals.create(user, parse(GoalCreate, body)).body["goalId"]
        for index in range(100):
            activities.log_activity(user, goal_id, parse(ActivityFields, {"value": 1 + index % 3}))
            clock.advance(days=1)
        raw = dynamo.client().get_item(
            TableName=dynamo.table_name(), Key=dynamo.serialize(goal_key(user, goal_id))
        )
    wiring.reset()
    return dynamo.deserialize(raw["Item"])


def test_the_bench_goal_after_100_days_of_logs_is_under_1_kb():
    title = "Drink water 12 " + "x" * 25  # 40 characters
    item = _stored_goal_after_100_days(title)
    assert {"PK", "SK", "syncUser", "syncSeq", "progressState"} <= set(item)
    history = item["progressState"]["fold"]["h"]
    assert len(str(history["v"]).split(",")) == HISTORY_LENGTH  # the longest a goal keeps
    assert item_size(item) <= ONE_KB - HEADROOM, item_size(item)
