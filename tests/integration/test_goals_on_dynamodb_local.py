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
from chalicelib.core.http import Page


class RequestLog:
    """Counts the DynamoDB operations the app's client sends."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.operations.append(model.name)


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
    body = {"title": f"Read books {uuid.uuid4().hex[:6]}", "goalPattern": "milestone",
            "target": {"value": 1000, "unit": "pages"}, **fields}
    return dict(wiring.goals().create(user, body, None, None).body)


def test_get_and_list_are_one_request_each(stack_env, requests_sent, user):
    goal = _goal(user)
    wiring.activities().log_activity(user, goal["goalId"], {"value": 5}, None, None)
    requests_sent.operations.clear()
    wiring.goals().get(user, goal["goalId"], None)
    assert requests_sent.operations == ["GetItem"]
    requests_sent.operations.clear()
    wiring.goals().list_goals(user, [], [], [], None, Page(1, 20), None)
    assert requests_sent.operations == ["Query"]


def test_logging_today_reads_once_then_writes_one_transaction(stack_env, requests_sent, user):
    goal = _goal(user)
    for value in (5, 6):
        requests_sent.operations.clear()
        wiring.activities().log_activity(user, goal["goalId"], {"value": value}, None, None)
        assert requests_sent.operations == ["BatchGetItem", "TransactWriteItems"]
    fetched, _ = wiring.goals().get(user, goal["goalId"], None)
    assert fetched["progress"]["totalAccumulated"] == 11


def test_a_backdated_log_also_reads_the_aggregates(stack_env, requests_sent, user):
    goal = _goal(user)
    requests_sent.operations.clear()
    wiring.activities().log_activity(user, goal["goalId"], {"value": 5,
                                                      "activityDate": "2026-11-01"}, None, None)
    assert requests_sent.operations == ["BatchGetItem", "Query", "TransactWriteItems"]


def test_progress_report_is_at_most_two_requests(stack_env, requests_sent, user):
    goal = _goal(user)
    for value in (3, 4, 5):
        wiring.activities().log_activity(user, goal["goalId"], {"value": value}, None, None)
    requests_sent.operations.clear()
    report = wiring.goals().progress_report(user, goal["goalId"], "all", None)
    assert requests_sent.operations == ["GetItem", "Query"]
    assert report["statistics"]["totalActivities"] == 3
    assert report["statistics"]["bestValue"] == 5


def test_fifty_concurrent_logs_give_exact_totals(stack_env, user):
    activities = wiring.activities()
    goal = _goal(user)
    service = wiring.goals()

    def log(index: int) -> None:
        activities.log_activity(user, goal["goalId"], {"value": 2, "note": f"#{index}"},
                                None, None)

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(log, range(50)))
    fetched, etag = service.get(user, goal["goalId"], None)
    assert fetched["progress"]["totalAccumulated"] == 100
    assert fetched["target"]["currentValue"] == 100
    assert etag == '"51"'
    listed = activities.list_activities(user, goal["goalId"], None, None, [], Page(1, 100), None)
    assert listed["pagination"]["total"] == 50
    assert len(listed["activities"]) == 50
    [day] = service._goals.day_aggregates(user, goal["goalId"])
    assert day["total"] == 100
    assert day["valueCount"] == 50


def test_idempotency_key_replays_and_refuses_another_body(stack_env, user):
    activities = wiring.activities()
    goal = _goal(user)
    service = wiring.goals()
    first = activities.log_activity(user, goal["goalId"], {"value": 7}, "retry-1", None)
    again = activities.log_activity(user, goal["goalId"], {"value": 7}, "retry-1", None)
    assert again.body == first.body
    assert again.status == 201
    with pytest.raises(Conflict) as caught:
        activities.log_activity(user, goal["goalId"], {"value": 8}, "retry-1", None)
    assert caught.value.code == "IDEMPOTENCY_KEY_REUSED"
    fetched, _ = service.get(user, goal["goalId"], None)
    assert fetched["progress"]["totalAccumulated"] == 7
    created = service.create(user, {"title": "Once", "goalPattern": "milestone",
                                    "target": {"value": 5}}, "create-1", None)
    assert service.create(user, {"title": "Once", "goalPattern": "milestone",
                                 "target": {"value": 5}}, "create-1", None).body == created.body


def test_concurrent_retries_of_one_idempotent_create_all_get_the_first_response(
        stack_env, user):
    service = wiring.goals()
    body = {"title": "Swim", "goalPattern": "milestone", "target": {"value": 20}}
    start = threading.Barrier(6)

    def create(_: int) -> tuple[int, Any]:
        start.wait()
        response = service.create(user, body, "same-create", None)
        return response.status, response.body

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(create, range(6)))
    assert {status for status, _ in answers} == {201}
    assert all(answer == answers[0][1] for _, answer in answers)
    listed = service.list_goals(user, [], [], [], None, Page(1, 20), None)
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
    ids = [activities.log_activity(user, goal["goalId"], {"value": value}, None, None).body[
        "activityId"] for value in (3, 7, 5)]
    activities.update_activity(user, goal["goalId"], ids[1], {"value": 2}, None)
    [day] = service._goals.day_aggregates(user, goal["goalId"])
    assert (day["total"], day["max"], day["min"]) == (10, 5, 2)
    activities.delete_activity(user, goal["goalId"], ids[2], None)
    [day] = service._goals.day_aggregates(user, goal["goalId"])
    assert (day["total"], day["max"], day["valueCount"]) == (5, 3, 2)
    fetched, _ = service.get(user, goal["goalId"], None)
    assert fetched["progress"]["totalAccumulated"] == 5
    for activity_id in ids[:2]:
        activities.delete_activity(user, goal["goalId"], activity_id, None)
    assert service._goals.day_aggregates(user, goal["goalId"]) == []


def test_moving_an_activity_to_another_day_moves_its_value(stack_env, user):
    activities = wiring.activities()
    service = wiring.goals()
    goal = _goal(user, goalPattern="recurring",
                 target={"value": 10, "period": "day", "unit": "pages"})
    activity = activities.log_activity(user, goal["goalId"], {"value": 4}, None, None).body
    activities.update_activity(user, goal["goalId"], activity["activityId"],
                            {"activityDate": "2026-11-01T12:00:00Z"}, None)
    days = {day["day"]: day["total"] for day in
            service._goals.day_aggregates(user, goal["goalId"])}
    assert days == {"2026-11-01": 4}


def test_if_match_guards_goal_updates(stack_env, user):
    service = wiring.goals()
    goal = _goal(user)
    _, etag = service.get(user, goal["goalId"], None)
    updated, new_etag = service.update(user, goal["goalId"], {"title": "Renamed"}, etag, None)
    assert updated["title"] == "Renamed"
    assert new_etag != etag
    with pytest.raises(PreconditionFailed):
        service.update(user, goal["goalId"], {"title": "Stale"}, etag, None)


def test_completing_a_milestone_frees_its_active_slot(stack_env, user):
    service, activities = wiring.goals(), wiring.activities()
    goal = _goal(user, title="Finish me", target={"value": 10, "unit": "pages"})
    activities.log_activity(user, goal["goalId"], {"value": 10}, None, None)
    fetched, _ = service.get(user, goal["goalId"], None)
    assert fetched["status"] == "completed"
    assert fetched["completedAt"]
    with pytest.raises(BusinessRuleViolation):
        activities.log_activity(user, goal["goalId"], {"value": 1}, None, None)
    _goal(user, title="Finish me")  # the completed goal no longer holds the title
    with pytest.raises(Conflict):  # reopening it would make two active "Finish me"
        service.update(user, goal["goalId"], {"status": "active"}, None, None)
    reopened, _ = service.update(user, goal["goalId"], {
        "status": "active", "title": "Finish me, part two", "target": {"value": 20}}, None, None)
    assert reopened["status"] == "active"
    assert reopened["completedAt"] is None
    assert reopened["progress"]["percentComplete"] == 50.0
