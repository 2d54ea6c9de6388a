"""Batch logging on DynamoDB Local: a batch ends exactly where the same items logged one at a
time end (randomized), in a bounded number of requests, and stays exact beside concurrent
single logs."""

import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.batch import ItemResult, parse_items
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.errors import AppError
from chalicelib.core.http import Page
from chalicelib.core.idempotency import key_from
from chalicelib.core.validation import parse
from chalicelib.goals.activities import ActivityService
from chalicelib.goals.batch import ActivityBatchService
from chalicelib.goals.models import ActivityFields, GoalCreate
from chalicelib.goals.numbers import tidy
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.rollups import month_of
from chalicelib.goals.summaries import of_days
from chalicelib.journal.keys import COMPLETED_GOALS, stats_key
from chalicelib.journal.repository import JournalRepository
from tests.helpers import RequestLog

GOALS = {
    "milestone": {"goalPattern": "milestone", "target": {"value": 60, "unit": "pages"}},
    "recurring": {
        "goalPattern": "recurring",
        "target": {"value": 5, "unit": "pages", "period": "day"},
    },
    "limit": {"goalPattern": "limit", "target": {"value": 6, "unit": "pages", "period": "day"}},
    "streak": {
        "goalPattern": "streak",
        "target": {"value": 4, "unit": "pages"},
        "schedule": {"frequency": "daily", "allowSkipDays": 1},
    },
}


@pytest.fixture
def requests_sent(stack_env) -> Iterator[RequestLog]:
    log = RequestLog()
    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", log)
    yield log
    events.unregister("before-call.dynamodb", log)


def _goal(user: str, fields: dict[str, Any]) -> str:
    body = {"title": f"Batch {uuid.uuid4().hex[:6]}", **fields}
    return str(wiring.goals().create(user, parse(GoalCreate, body)).body["goalId"])


def _route(goal_id: str) -> str:
    return f"POST /goals/{goal_id}/activities"


def _batch(
    service: ActivityBatchService,
    user: str,
    goal_id: str,
    items: list[Any],
    timezone: str | None = None,
) -> list[ItemResult]:
    parsed = parse_items(
        {"activities": items}, ActivityFields, user, _route(goal_id), field="activities"
    )
    return service.log_batch(user, goal_id, parsed, timezone=timezone)


def _random_items(rng: random.Random, dates: list[str], count: int) -> list[Any]:
    """Activities as a phone would send them after some days offline, with the mistakes a
    client makes: wrong units, missing values, dates ahead, reused keys."""
    items: list[dict[str, Any]] = []
    for index in range(count):
        kind = rng.choice(["progress", "progress", "progress", "completed", "partial", "skipped"])
        item: dict[str, Any] = {"idempotencyKey": f"k-{index}", "activityType": kind}
        if kind != "skipped" or rng.random() < 0.3:
            # Fractions binary floats cannot hold: sums must add up in the same order.
            item["value"] = rng.choice([0, 1, 2, 3, 4, 5, 7, 9, 2.5, 0.1, 5.2, 1.3])
        when = rng.random()
        if 0.35 <= when < 0.65:
            item["activityDate"] = rng.choice(dates)
        elif when >= 0.65:  # else now
            day = rng.choice(dates)
            item["activityDate"] = f"{day}T{rng.randrange(0, 24):02d}:{rng.randrange(60):02d}:00Z"
        item["note"] = f"item {index}"
        items.append(_with_a_mistake(rng, item, items))
    return list(items)


def _with_a_mistake(
    rng: random.Random, item: dict[str, Any], earlier: list[dict[str, Any]]
) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.05:
        return {**item, "unit": "litres"}  # 422 UNIT_MISMATCH
    if roll < 0.08:
        return {**item, "value": None, "activityType": "progress"}  # 400: a value is required
    if roll < 0.10:
        return {**item, "activityDate": "2999-01-01"}  # 400: in the future
    if roll < 0.12:
        return {**item, "value": "seven"}  # 400 when parsed
    if roll < 0.17 and earlier:
        return dict(rng.choice(earlier))  # the same key and body: a replay
    if roll < 0.20 and earlier:
        return {**item, "idempotencyKey": rng.choice(earlier)["idempotencyKey"]}  # 409
    return item


def _one_at_a_time(
    service: ActivityService, user: str, goal_id: str, items: list[Any], timezone: str | None
) -> list[tuple[int, str | None]]:
    """Each item as a single log with the item's key in the header: (status, code or the
    activity id). A replay answers 201 as its first answer did; it is told apart by its id."""
    seen: set[str] = set()
    outcomes: list[tuple[int, str | None]] = []
    for item in items:
        body = {name: value for name, value in item.items() if name != "idempotencyKey"}
        try:
            fields = parse(ActivityFields, body)
            key = key_from(item["idempotencyKey"], user, _route(goal_id), body)
            answer = service.log_activity(user, goal_id, fields, idempotency=key, timezone=timezone)
        except AppError as error:
            outcomes.append((error.status, error.code))
            continue
        activity_id = answer.body["activityId"]
        outcomes.append((200 if activity_id in seen else 201, "ok"))
        seen.add(activity_id)
    return outcomes


def _state(user: str, goal_id: str) -> dict[str, Any]:
    """Everything a log changes, without ids (each side made its own)."""
    repository = GoalRepository()
    goal = repository.get(user, goal_id)
    assert goal is not None
    activities = wiring.activities().list_activities(user, goal_id, page=Page(1, 100))
    return {
        "status": goal.status,
        "completedAt": goal.completed_at,
        "activityCount": goal.activity_count,
        "currentValue": goal.target.get("currentValue"),
        # A batch recomputes from every day where single logs refold from a fold checkpoint:
        # the generation (which counts recomputations) may differ, and stored sums of decimal
        # values by floating-point noise in their last bits. The progress shown is exact.
        "progressState": tidy(
            {k: v for k, v in (goal.progress_state or {}).items() if k != "generation"}
        ),
        "days": [day.to_item() for day in repository.day_aggregates(user, goal_id)],
        "activities": sorted(
            (a["activityDate"], a["note"] or "", a["value"], a["activityType"])
            for a in activities["activities"]
        ),
        "progress": wiring.goals().get(user, goal_id)["progress"],
    }


@pytest.mark.parametrize("seed", range(8))
def test_a_batch_ends_where_the_same_logs_one_at_a_time_end(stack_env, seed):
    rng = random.Random(seed)
    pattern = list(GOALS)[seed % len(GOALS)]
    timezone = rng.choice([None, "America/New_York", "Asia/Kolkata", "Pacific/Auckland"])
    singles_user, batch_user = str(uuid.uuid4()), str(uuid.uuid4())
    singles_goal = _goal(singles_user, GOALS[pattern])
    batch_goal = _goal(batch_user, GOALS[pattern])
    # One clock for both sides, so that instants stamped "now" are equal too.
    now = utc_now()
    repository, completions = GoalRepository(), JournalRepository()
    singles = ActivityService(repository, completions=completions, now=lambda: now)
    batches = ActivityBatchService(
        repository,
        ActivityService(repository, completions=completions, now=lambda: now),
        now=lambda: now,
    )
    dates = [(now - timedelta(days=back)).date().isoformat() for back in range(0, 12)]
    items = _random_items(rng, dates, rng.randrange(40, 101))
    if seed == 0:
        items.insert(3, 42)  # not an object: refused in the batch; left out of the singles
    expected = _one_at_a_time(
        singles, singles_user, singles_goal, [i for i in items if isinstance(i, dict)], timezone
    )
    results = _batch(batches, batch_user, batch_goal, items, timezone)
    assert [result.index for result in results] == list(range(len(items)))
    got = [
        (r.status, r.error.code if r.error else "ok")
        for r, item in zip(results, items, strict=True)
        if isinstance(item, dict)
    ]
    assert got == expected
    seen = Counter(got)
    assert seen[(201, "ok")] > 0
    assert seen[(200, "ok")] + seen[(409, "IDEMPOTENCY_KEY_REUSED")] > 0
    if pattern == "milestone":  # it completes part way: the rest is refused as singles are
        assert seen[(422, "GOAL_NOT_ACTIVE")] > 0
    assert _state(batch_user, batch_goal) == _state(singles_user, singles_goal)


def test_a_full_batch_on_100_days_takes_4_transactions(stack_env, requests_sent):
    user = str(uuid.uuid4())
    goal_id = _goal(user, GOALS["recurring"])
    today = utc_now()
    items = [
        {
            "value": 1 + i % 4,
            "activityDate": (today - timedelta(days=i)).date().isoformat(),
            "idempotencyKey": f"day-{i}",
        }
        for i in range(100)
    ]
    requests_sent.operations.clear()
    results = _batch(wiring.activity_batches(), user, goal_id, items)
    assert {r.status for r in results} == {201}
    assert requests_sent.operations == [
        "BatchGetItem",
        "BatchGetItem",  # profile, goal and 100 keys: 102 keys, 100 a request
        "Query",  # the day aggregates, once (the closed months' rollups come from them too)
        *["TransactWriteItems"] * 4,  # 30 + 30 + 30 + 10 items
    ]
    stored = GoalRepository().month_rollups(user, goal_id, "2000-01", "9999-12")
    days = GoalRepository().day_aggregates(user, goal_id)
    this_month = month_of(today.date())
    assert sorted(stored) == sorted({month_of(a.day) for a in days if month_of(a.day) < this_month})
    for month, summary in stored.items():
        assert summary == of_days([a for a in days if month_of(a.day) == month])
    # Sent again: every item replays, nothing is written.
    requests_sent.operations.clear()
    again = _batch(wiring.activity_batches(), user, goal_id, items)
    assert [r.status for r in again] == [200] * 100
    assert [r.body for r in again] == [r.body for r in results]
    assert requests_sent.operations == ["BatchGetItem", "BatchGetItem"]
    fetched = wiring.goals().get(user, goal_id)
    assert fetched["progress"]["totalAccumulated"] == 250
    listed = wiring.activities().list_activities(user, goal_id, page=Page(1, 1))
    assert listed["pagination"]["total"] == 100


def test_a_batch_of_today_needs_no_aggregate_read_and_3_transactions(stack_env, requests_sent):
    user = str(uuid.uuid4())
    goal_id = _goal(user, GOALS["milestone"] | {"target": {"value": 10_000, "unit": "pages"}})
    items = [{"value": 2, "idempotencyKey": f"today-{i}"} for i in range(100)]
    requests_sent.operations.clear()
    results = _batch(wiring.activity_batches(), user, goal_id, items)
    assert {r.status for r in results} == {201}
    assert requests_sent.operations == [
        "BatchGetItem",
        "BatchGetItem",
        *["TransactWriteItems"] * 3,  # 45 + 45 + 10: one day aggregate each
    ]
    assert wiring.goals().get(user, goal_id)["progress"]["totalAccumulated"] == 200


def test_batches_beside_concurrent_single_logs_stay_exact(stack_env):
    user = str(uuid.uuid4())
    goal_id = _goal(user, GOALS["milestone"] | {"target": {"value": 100_000, "unit": "pages"}})
    start = threading.Barrier(12)
    yesterday = (utc_now() - timedelta(days=1)).date().isoformat()

    def batch(worker: int) -> list[ItemResult]:
        start.wait()
        items = [
            {
                "value": 3,
                "idempotencyKey": f"b{worker}-{i}",
                **({"activityDate": yesterday} if i % 2 else {}),
            }
            for i in range(60)
        ]
        return _batch(wiring.activity_batches(), user, goal_id, items)

    def single(worker: int) -> None:
        start.wait()
        for _ in range(5):
            wiring.activities().log_activity(user, goal_id, parse(ActivityFields, {"value": 1}))

    with ThreadPoolExecutor(max_workers=12) as pool:
        batches = [pool.submit(batch, worker) for worker in range(3)]
        singles = [pool.submit(single, worker) for worker in range(9)]
        results = [future.result() for future in batches]
        for future in singles:
            future.result()
    assert all(r.status == 201 for found in results for r in found)
    fetched = wiring.goals().get(user, goal_id)
    assert fetched["progress"]["totalAccumulated"] == 3 * 60 * 3 + 9 * 5
    listed = wiring.activities().list_activities(user, goal_id, page=Page(1, 1))
    assert listed["pagination"]["total"] == 3 * 60 + 9 * 5
    days = GoalRepository().day_aggregates(user, goal_id)
    assert sum(day.total for day in days) == 3 * 60 * 3 + 9 * 5
    assert sum(day.value_count for day in days) == 3 * 60 + 9 * 5
    goal = GoalRepository().get(user, goal_id)
    assert goal is not None
    assert goal.activity_count == 3 * 60 + 9 * 5
    assert to_iso(utc_now()) >= goal.updated_at


def test_completing_the_goal_in_a_full_transaction_still_fits_it(stack_env, requests_sent):
    """30 items on 30 days fill a transaction when the 30th completes the goal (its title lock,
    quota and the journal's completed count join the goal; 95 items with the rollup of the
    closed month, the rest kept for the months that may have ended since the last write): the
    rest are refused as logs to a completed goal."""
    user = str(uuid.uuid4())
    goal_id = _goal(user, {"goalPattern": "milestone", "target": {"value": 30, "unit": "pages"}})
    today = utc_now()
    items = [
        {
            "value": 1,
            "activityDate": (today - timedelta(days=i)).date().isoformat(),
            "idempotencyKey": f"fill-{i}",
        }
        for i in range(100)
    ]
    requests_sent.operations.clear()
    results = _batch(wiring.activity_batches(), user, goal_id, items)
    assert [r.status for r in results] == [201] * 30 + [422] * 70
    assert {r.error.code for r in results[30:] if r.error} == {"GOAL_NOT_ACTIVE"}
    assert requests_sent.operations.count("TransactWriteItems") == 1
    fetched = wiring.goals().get(user, goal_id)
    assert fetched["status"] == "completed"
    stats = dynamo.get_item(stats_key(user))  # the journal's count of completed goals
    assert stats is not None
    assert stats[COMPLETED_GOALS] == [goal_id]
