"""Goals on DynamoDB Local: request counts, concurrency, idempotency, quota, exact edits."""

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.errors import BusinessRuleViolation, Conflict, PreconditionFailed
from chalicelib.core.http import Page, etag
from chalicelib.core.idempotency import Created, key_from
from chalicelib.core.validation import parse
from chalicelib.goals.models import ActivityFields, GoalCreate, GoalUpdate
from tests.helpers import RequestLog


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


def _goal(user: str, **fields: Any) -> dict[str, Any]:
    body = {
        "title": f"Read books {uuid.uuid4().hex[:6]}",
        "goalPattern": "milestone",
        "target": {"value": 1000, "unit": "pages"},
        **fields,
    }
    return dict(wiring.goals().create(user, parse(GoalCreate, body)).body)


def _log(user: str, goal_id: str, body: dict[str, Any]) -> Created:
    return wiring.activities().log_activity(user, goal_id, parse(ActivityFields, body))


def test_get_and_list_are_one_request_each(stack_env, requests_sent, user):
    goal = _goal(user)
    _log(user, goal["goalId"], {"value": 5})
    requests_sent.operations.clear()
    wiring.goals().get(user, goal["goalId"])
    assert requests_sent.operations == ["GetItem"]
    requests_sent.operations.clear()
    wiring.goals().list_goals(user, page=Page(1, 20))
    assert requests_sent.operations == ["Query"]


def test_logging_today_reads_once_then_writes_one_transaction(stack_env, requests_sent, user):
    goal = _goal(user)
    for value in (5, 6):
        requests_sent.operations.clear()
        _log(user, goal["goalId"], {"value": value})
        assert requests_sent.operations == ["BatchGetItem", "TransactWriteItems"]
    fetched = wiring.goals().get(user, goal["goalId"])
    assert fetched["progress"]["totalAccumulated"] == 11


def test_a_backdated_log_also_reads_the_aggregates(stack_env, requests_sent, user):
    goal = _goal(user)
    requests_sent.operations.clear()
    _log(user, goal["goalId"], {"value": 5, "activityDate": "2026-11-01"})
    assert requests_sent.operations == ["BatchGetItem", "Query", "TransactWriteItems"]


def test_progress_report_is_at_most_two_requests(stack_env, requests_sent, user):
    goal = _goal(user)
    for value in (3, 4, 5):
        _log(user, goal["goalId"], {"value": value})
    requests_sent.operations.clear()
    report = wiring.goals().progress_report(user, goal["goalId"], period="all")
    assert requests_sent.operations == ["GetItem", "Query"]
    assert report["statistics"]["totalActivities"] == 3
    assert report["statistics"]["bestValue"] == 5


def test_fifty_concurrent_logs_give_exact_totals(stack_env, user):
    activities = wiring.activities()
    goal = _goal(user)
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


def test_idempotency_key_replays_and_refuses_another_body(stack_env, user):
    activities = wiring.activities()
    goal = _goal(user)
    service = wiring.goals()
    route = f"POST /goals/{goal['goalId']}/activities"

    def log(body: dict[str, Any]) -> Created:
        return activities.log_activity(
            user,
            goal["goalId"],
            parse(ActivityFields, body),
            idempotency=key_from("retry-1", user, route, body),
        )

    first = log({"value": 7})
    again = log({"value": 7})
    assert again.body == first.body
    assert again.location == first.location
    with pytest.raises(Conflict) as caught:
        log({"value": 8})
    assert caught.value.code == "IDEMPOTENCY_KEY_REUSED"
    fetched = service.get(user, goal["goalId"])
    assert fetched["progress"]["totalAccumulated"] == 7
    once = {"title": "Once", "goalPattern": "milestone", "target": {"value": 5}}
    key = key_from("create-1", user, "POST /goals", once)
    created = service.create(user, parse(GoalCreate, once), idempotency=key)
    assert service.create(user, parse(GoalCreate, once), idempotency=key).body == created.body


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


def test_duplicate_active_titles_and_the_quota(stack_env, user):
    service = wiring.goals()
    goal = _goal(user, title="Walk the dog")
    with pytest.raises(Conflict):
        _goal(user, title="  walk THE   dog ")
    service.archive(user, goal["goalId"])
    _goal(user, title="Walk the dog")  # archived goals free their title
    for index in range(49):
        _goal(user, title=f"Goal {index}")
    with pytest.raises(BusinessRuleViolation) as caught:
        _goal(user, title="One too many")
    assert caught.value.code == "GOAL_QUOTA_EXCEEDED"
    paused = _goal(user, title="Paused one", status="paused")  # paused goals do not count
    assert paused["status"] == "paused"


def test_edits_and_deletes_keep_the_day_exact(stack_env, user):
    activities = wiring.activities()
    service = wiring.goals()
    goal = _goal(user)
    ids = [_log(user, goal["goalId"], {"value": value}).body["activityId"] for value in (3, 7, 5)]
    activities.update_activity(user, goal["goalId"], ids[1], parse(ActivityFields, {"value": 2}))
    [day] = service._goals.day_aggregates(user, goal["goalId"])
    assert (day.total, day.highest, day.lowest) == (10, 5, 2)
    activities.delete_activity(user, goal["goalId"], ids[2])
    [day] = service._goals.day_aggregates(user, goal["goalId"])
    assert (day.total, day.highest, day.value_count) == (5, 3, 2)
    fetched = service.get(user, goal["goalId"])
    assert fetched["progress"]["totalAccumulated"] == 5
    for activity_id in ids[:2]:
        activities.delete_activity(user, goal["goalId"], activity_id)
    assert service._goals.day_aggregates(user, goal["goalId"]) == []


def test_moving_an_activity_to_another_day_moves_its_value(stack_env, user):
    activities = wiring.activities()
    service = wiring.goals()
    goal = _goal(
        user, goalPattern="recurring", target={"value": 10, "period": "day", "unit": "pages"}
    )
    activity = _log(user, goal["goalId"], {"value": 4}).body
    activities.update_activity(
        user,
        goal["goalId"],
        activity["activityId"],
        parse(ActivityFields, {"activityDate": "2026-11-01T12:00:00Z"}),
    )
    days = {
        day.day.isoformat(): day.total
        for day in service._goals.day_aggregates(user, goal["goalId"])
    }
    assert days == {"2026-11-01": 4}


def test_if_match_guards_goal_updates(stack_env, user):
    service = wiring.goals()
    goal = _goal(user)
    read = etag(service.get(user, goal["goalId"])["version"])
    updated = service.update(
        user, goal["goalId"], parse(GoalUpdate, {"title": "Renamed"}), if_match=read
    )
    assert updated["title"] == "Renamed"
    assert etag(updated["version"]) != read
    with pytest.raises(PreconditionFailed):
        service.update(user, goal["goalId"], parse(GoalUpdate, {"title": "Stale"}), if_match=read)


def test_completing_a_milestone_frees_its_active_slot(stack_env, user):
    service = wiring.goals()
    goal = _goal(user, title="Finish me", target={"value": 10, "unit": "pages"})
    _log(user, goal["goalId"], {"value": 10})
    fetched = service.get(user, goal["goalId"])
    assert fetched["status"] == "completed"
    assert fetched["completedAt"]
    with pytest.raises(BusinessRuleViolation):
        _log(user, goal["goalId"], {"value": 1})
    _goal(user, title="Finish me")  # the completed goal no longer holds the title
    with pytest.raises(Conflict):  # reopening it would make two active "Finish me"
        service.update(user, goal["goalId"], parse(GoalUpdate, {"status": "active"}))
    reopened = service.update(
        user,
        goal["goalId"],
        parse(
            GoalUpdate,
            {"status": "active", "title": "Finish me, part two", "target": {"value": 20}},
        ),
    )
    assert reopened["status"] == "active"
    assert reopened["completedAt"] is None
    assert reopened["progress"]["percentComplete"] == 50.0
