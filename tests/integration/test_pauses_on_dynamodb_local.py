"""Pauses and vacations on DynamoDB Local: each write is one read, the aggregates it recomputes
from and one transaction; the vacation's version condition holds against DynamoDB's own
expression rules, and concurrent vacation writes lose nothing."""

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.validation import parse
from chalicelib.goals import pausing
from chalicelib.goals.models import PauseFields
from chalicelib.users.profile import Profile
from chalicelib.users.repository import ProfileRepository
from tests.helpers import RequestLog, logged, new_goal

TODAY = datetime.now(UTC).date()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def requests_sent(stack_env) -> Iterator[RequestLog]:
    log = RequestLog()
    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", log)
    yield log
    events.unregister("before-call.dynamodb", log)


@pytest.fixture
def user(stack_env) -> str:
    user_id = str(uuid.uuid4())
    ProfileRepository().create(Profile(user_id=user_id, email=f"{user_id}@example.com"))
    return user_id


def test_a_pause_and_a_resume_are_a_read_a_query_and_one_transaction(requests_sent, user):
    goal = new_goal(user, goalPattern="recurring", target={"value": 1, "period": "day"})
    logged(user, goal["goalId"], {"value": 1, "activityDate": day(-1)})
    requests_sent.operations.clear()
    change = pausing.pause(parse(PauseFields, {"from": day(-1)}))
    paused = wiring.goals().change_pauses(user, goal["goalId"], change)
    assert requests_sent.operations == ["BatchGetItem", "Query", "TransactWriteItems"]
    assert paused["status"] == "paused"
    requests_sent.operations.clear()
    resumed = wiring.goals().change_pauses(user, goal["goalId"], pausing.resume)
    assert requests_sent.operations == ["BatchGetItem", "Query", "TransactWriteItems"]
    assert resumed["pauses"] == [{"from": day(-1), "until": day(-1), "reason": None}]
    assert wiring.goals().get(user, goal["goalId"]) == resumed


def test_a_vacation_ahead_is_three_requests_and_one_back_reads_each_goals_days(requests_sent, user):
    for _ in range(3):
        new_goal(user, goalPattern="recurring", target={"value": 1, "period": "day"})
    vacations = wiring.vacations()
    requests_sent.operations.clear()
    vacations.add(user, parse(PauseFields, {"from": day(5), "until": day(6)}), timezone=None)
    assert requests_sent.operations == ["BatchGetItem", "Query", "TransactWriteItems"]
    requests_sent.operations.clear()
    vacations.add(user, parse(PauseFields, {"from": day(0), "until": day(1)}), timezone=None)
    assert requests_sent.operations == [
        "BatchGetItem",
        "Query",
        *["Query"] * 3,
        "TransactWriteItems",
    ]
    for goal in wiring.goals().list_goals(user, page=_page())["goals"]:
        assert goal["progress"]["periodHistory"][-1]["excused"] is True


def _page():
    from chalicelib.core.http import Page

    return Page(1, 50)


def test_concurrent_vacation_writes_lose_none(user):
    new_goal(user)
    vacations = wiring.vacations()

    def add(offset: int) -> None:
        body = {"from": day(10 + 2 * offset), "until": day(10 + 2 * offset)}
        vacations.add(user, parse(PauseFields, body), timezone=None)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(add, range(6)))
    listed = vacations.list_vacations(user)["vacations"]
    assert [item["from"] for item in listed] == [day(10 + 2 * n) for n in range(6)]
    [goal] = wiring.goals().list_goals(user, page=_page())["goals"]
    stored = dynamo.get_item({"PK": f"USER#{user}", "SK": f"GOAL#{goal['goalId']}"})
    assert stored is not None
    assert len(stored["vacations"]) == 6  # the goal's copy followed every one
