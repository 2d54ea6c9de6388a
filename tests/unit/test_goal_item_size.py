"""A goal item stays under 1 KB, as DynamoDB sizes it: the goal is rewritten on every log, in
a transaction that bills two write units per started KB, so a goal one byte over 1 KB makes
every log cost 8 write units instead of 6 (bench/budgets.py). Measured on the bench's goal
(bench/run.py `_goal_body`) after a log a day for 100 days, with its keys and sync stamps."""

import uuid
from typing import Any

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.goals.progress import HISTORY_LENGTH
from chalicelib.goals.repository import goal_key
from tests.helpers import bench_goal_after_daily_logs, item_size
from tests.service.memory_table import MemoryTable

ONE_KB = 1024
# The room the goal item leaves below 1 KB: a longer title, a wider score or history values.
HEADROOM = 74


def _stored_goal_after_100_days(title: str) -> dict[str, Any]:
    wiring.reset()
    with dynamo.served_by(MemoryTable()):
        user = str(uuid.uuid4())
        goal_id, _ = bench_goal_after_daily_logs(user, title)
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
