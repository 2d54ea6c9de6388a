"""Goals on DynamoDB Local: request counts, concurrency, idempotency, quota, exact edits."""

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.errors import Conflict
from chalicelib.core.http import Page, etag
from chalicelib.core.idempotency import key_from
from chalicelib.core.validation import parse
from chalicelib.goals.models import ActivityFields, GoalCreate, GoalUpdate
from tests.helpers import RequestLog, bench_goal_after_daily_logs, logged, new_goal


@pytest.fixture
def requests_sent(stack_env) -> Iterator[RequestLog]:
    log = RequestLog()
    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", log)
    yield log
    events.unregister("before-call.dynamodb", log)


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


def test_get_and_list_are_one_request_each(stack_env, requests_sent, user):
    goal = new_goal(user)
    logged(user, goal["goalId"], {"value": 5})
    requests_sent.operations.clear()
    wiring.goals().get(user, goal["goalId"])
    assert requests_sent.operations == ["GetItem"]
    requests_sent.operations.clear()
    wiring.goals().list_goals(user, page=Page(1, 20))
    assert requests_sent.operations == ["Query"]


def test_logging_today_reads_once_then_writes_one_transaction(stack_env, requests_sent, user):
    goal = new_goal(user)
    for value in (5, 6):
        requests_sent.operations.clear()
        logged(user, goal["goalId"], {"value": value})
        assert requests_sent.operations == ["BatchGetItem", "TransactWriteItems"]
    fetched = wiring.goals().get(user, goal["goalId"])
    assert fetched["progress"]["totalAccumulated"] == 11


def test_a_backdated_log_also_reads_the_aggregates(stack_env, requests_sent, user):
    goal = new_goal(user)
    requests_sent.operations.clear()
    logged(user, goal["goalId"], {"value": 5, "activityDate": "2026-11-01"})
    assert requests_sent.operations == [
        "BatchGetItem",
        "Query",  # the day aggregates
        "Query",  # November's days, for its rollup: a closed month (goals/rollups.py)
        "TransactWriteItems",
    ]


def test_progress_report_is_at_most_two_requests(stack_env, requests_sent, user):
    goal = new_goal(user)
    for value in (3, 4, 5):
        logged(user, goal["goalId"], {"value": value})
    requests_sent.operations.clear()
    report = wiring.goals().progress_report(user, goal["goalId"], period="all")
    assert requests_sent.operations == ["GetItem", "Query"]
    assert report["statistics"]["totalActivities"] == 3
    assert report["statistics"]["bestValue"] == 5


def test_fifty_concurrent_logs_give_exact_totals(stack_env, user):
    activities = wiring.activities()
    goal = new_goal(user)
    service = wiring.goals()

    def log(index: int) -> None:
        activities.log_activity(
            user, goal["goalId"], parse(ActivityFields, {"value": 2, "note": f"#{index}"})
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(log, range(50)))
    fetched = service.get(user, goal["goalId"])
    assert fetched["progress"]["totalAccumulated"] == 100
    assert fetched["target"]["currentValue"] == 100
    assert etag(fetched["version"]) == '"51"'
    listed = activities.list_activities(user, goal["goalId"], page=Page(1, 100))
    assert listed["pagination"]["total"] == 50
    assert len(listed["activities"]) == 50
    [day] = service._goals.day_aggregates(user, goal["goalId"])
    assert day.total == 100
    assert day.value_count == 50


def test_concurrent_retries_of_one_idempotent_create_all_get_the_first_response(stack_env, user):
    service = wiring.goals()
    body = {"title": "Swim", "goalPattern": "milestone", "target": {"value": 20}}
    start = threading.Barrier(6)

    def create(_: int) -> tuple[str, Any]:
        start.wait()
        response = service.create(
            user,
            parse(GoalCreate, body),
            idempotency=key_from("same-create", user, "POST /goals", body),
        )
        return response.location, response.body

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(create, range(6)))
    assert {location for location, _ in answers} == {f"/goals/{answers[0][1]['goalId']}"}
    assert all(answer == answers[0][1] for _, answer in answers)
    listed = service.list_goals(user, page=Page(1, 20))
    assert [goal["goalId"] for goal in listed["goals"]] == [answers[0][1]["goalId"]]


def test_a_legacy_accounts_title_locks_move_onto_the_counter_on_dynamodb(stack_env, user):
    """An account as the code before the titles moved onto the counter stored it (a lock item
    per active title, a counter without the `titled` marker): its first change of the active
    set moves the locks, in DynamoDB's own expression rules, and the titles still hold."""
    walk = new_goal(user, title="Walk the dog")
    pk = dynamo.user_pk(user)
    for item in (
        {"PK": pk, "SK": "GOALTITLE#walk the dog", "goalId": walk["goalId"]},
        {"PK": pk, "SK": "GOALCOUNT", "active": 1},
    ):
        dynamo.client().put_item(TableName=dynamo.table_name(), Item=dynamo.serialize(item))
    with pytest.raises(Conflict):
        new_goal(user, title="walk the DOG")
    assert dynamo.get_item({"PK": pk, "SK": "GOALTITLE#walk the dog"}) is None
    wiring.goals().update(user, walk["goalId"], parse(GoalUpdate, {"title": "Walk the cat"}))
    new_goal(user, title="Walk the dog")
    with pytest.raises(Conflict):
        new_goal(user, title="walk the cat")
    wiring.goals().archive(user, walk["goalId"])
    new_goal(user, title="Walk the cat")
    counter = dynamo.get_item({"PK": pk, "SK": "GOALCOUNT"})
    assert counter is not None
    assert (counter["titled"], counter["active"]) == (True, 2)


def test_a_log_today_on_a_goal_with_100_days_of_history_writes_6_table_units(stack_env, user):
    """The goal item stays under 1 KB (tests/unit/test_goal_item_size.py): a log's transaction
    bills 2 units each for the goal, the activity and the day, on the table's side (its
    indexes apart, bench/meter.py)."""
    from bench.meter import Meter

    goal_id, activities = bench_goal_after_daily_logs(user, "Drink water 12 " + "x" * 25)
    meter = Meter(dynamo.client())
    try:
        for _ in range(2):  # the day's first log, and another the same day
            with meter.measuring() as usage:
                activities.log_activity(user, goal_id, parse(ActivityFields, {"value": 2}))
            [write] = [call for call in usage.calls if call.operation == "TransactWriteItems"]
            assert write.table_wcu == 6
    finally:
        meter.close()
