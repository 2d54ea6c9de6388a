"""Month rollups on DynamoDB Local (goals/rollups.py): a goal with activities over several
months shows, for every progress window, what its days alone give; the all-time window reads
the rollups (a dozen items at most) and the current month's days; a goal whose rollups are
missing (written before they existed) reads its days and shows the same."""

import random
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.account.exports.source import AccountSource
from chalicelib.core import dynamo
from chalicelib.core.clock import utc_now
from chalicelib.core.local_time import local_time_of
from chalicelib.core.validation import parse
from chalicelib.goals import statistics
from chalicelib.goals.models import ActivityFields
from chalicelib.goals.progress_state import period_unit, stored_state
from chalicelib.goals.repository import GoalRepository, month_key
from chalicelib.goals.rollups import month_of
from chalicelib.goals.service import PROGRESS_WINDOWS
from chalicelib.goals.summaries import of_days
from tests.helpers import logged, new_goal


class QueryLog:
    """Each Query the app's client sends, with how many items it returned."""

    def __init__(self) -> None:
        self.counts: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, model: Any, parsed: Any = None, **_: Any) -> None:
        if model.name == "Query":
            with self._lock:
                self.counts.append(int((parsed or {}).get("Count", 0)))


@pytest.fixture
def queries(stack_env) -> Iterator[QueryLog]:
    log = QueryLog()
    events = dynamo.client().meta.events
    events.register("after-call.dynamodb", log)
    yield log
    events.unregister("after-call.dynamodb", log)


def _expected(user: str, goal_id: str, window: str) -> dict[str, Any]:
    """Statistics and insights of the window from every day aggregate (no rollup)."""
    goal = GoalRepository().get(user, goal_id)
    assert goal is not None
    report = wiring.goals().progress_report(user, goal_id, period=window)
    unit = period_unit(goal)
    today = local_time_of(goal.progress_state, None).local_date(utc_now())
    start, end = statistics.window(window, today, stored_state(goal).first_day, unit)
    days = [a for a in GoalRepository().day_aggregates(user, goal_id) if start <= a.day <= end]
    summary = of_days(days)
    stats = statistics.statistics(
        summary, statistics.expected_days(goal.schedule, unit, start, end)
    )
    insights = statistics.insights(summary, stats, report["progress"], goal.goal_pattern)
    return {"statistics": stats, "insights": insights}


def _shown(user: str, goal_id: str, window: str) -> dict[str, Any]:
    report = wiring.goals().progress_report(user, goal_id, period=window)
    return {"statistics": report["statistics"], "insights": report["insights"]}


def test_every_window_shows_what_the_days_give_and_all_time_reads_rollups(stack_env, queries):
    user = str(uuid.uuid4())
    goal_id = new_goal(user, target={"value": 1_000_000, "unit": "pages"})["goalId"]
    rng = random.Random(15)
    now = utc_now()
    logged_ids = []
    for offset in [*sorted(rng.sample(range(1, 400), 45), reverse=True), 0]:
        at = now - timedelta(days=offset, hours=rng.randrange(6))
        stamp = at.date().isoformat() if rng.random() < 0.3 else at.isoformat()
        body = {"value": rng.choice([1, 2.5, 4, 0.1]), "activityDate": stamp}
        logged_ids.append(logged(user, goal_id, body)["activityId"])
    # A deletion and an edit that moves an activity to another closed month.
    activities = wiring.activities()
    activities.delete_activity(user, goal_id, logged_ids[3])
    moved = (now - timedelta(days=200)).date().isoformat()
    activities.update_activity(
        user, goal_id, logged_ids[10], parse(ActivityFields, {"activityDate": moved})
    )

    days = GoalRepository().day_aggregates(user, goal_id)
    this_month = month_of(now.date())
    closed = sorted({month_of(a.day) for a in days if month_of(a.day) < this_month})
    stored = GoalRepository().month_rollups(user, goal_id, "2000-01", "9999-12")
    assert sorted(stored) == closed  # every closed month with days, exact
    for month, summary in stored.items():
        assert summary == of_days([a for a in days if month_of(a.day) == month])

    for window in PROGRESS_WINDOWS:
        assert _shown(user, goal_id, window) == _expected(user, goal_id, window), window
    # Derived data: an export reads the days, never the rollups sorted right after them.
    assert list(AccountSource(user).days(goal_id)) == days

    queries.counts.clear()
    _shown(user, goal_id, "all")
    current_days = sum(1 for a in days if month_of(a.day) == this_month)
    assert queries.counts == [current_days + len(closed)]  # this month's days and the rollups

    # Written before rollups existed: no rollup at all. The same figures, read from days.
    for month in closed:
        dynamo.client().delete_item(
            TableName=dynamo.table_name(),
            Key=dynamo.serialize(month_key(user, goal_id, month)),
        )
    for window in PROGRESS_WINDOWS:
        assert _shown(user, goal_id, window) == _expected(user, goal_id, window), window
