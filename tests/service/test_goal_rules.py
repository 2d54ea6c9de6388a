"""Goal rules on the in-memory table (tests/service/memory_table.py), through the services as
the wiring builds them: idempotency, unique active titles and the quota, exact day aggregates
through edits and deletes, If-Match, and a completed milestone's slot. Request counts and
concurrency stay on DynamoDB Local (tests/integration/test_goals_on_dynamodb_local.py)."""

import uuid
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.errors import BusinessRuleViolation, Conflict, PreconditionFailed
from chalicelib.core.http import etag
from chalicelib.core.idempotency import Created, key_from
from chalicelib.core.validation import parse
from chalicelib.goals.models import ActivityFields, GoalCreate, GoalUpdate
from tests.helpers import logged, new_goal


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


def test_idempotency_key_replays_and_refuses_another_body(table, user):
    activities = wiring.activities()
    goal = new_goal(user)
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


def test_duplicate_active_titles_and_the_quota(table, user):
    service = wiring.goals()
    goal = new_goal(user, title="Walk the dog")
    with pytest.raises(Conflict):
        new_goal(user, title="  walk THE   dog ")
    service.archive(user, goal["goalId"])
    new_goal(user, title="Walk the dog")  # archived goals free their title
    for index in range(49):
        new_goal(user, title=f"Goal {index}")
    with pytest.raises(BusinessRuleViolation) as caught:
        new_goal(user, title="One too many")
    assert caught.value.code == "GOAL_QUOTA_EXCEEDED"
    paused = new_goal(user, title="Paused one", status="paused")  # paused goals do not count
    assert paused["status"] == "paused"


def test_edits_and_deletes_keep_the_day_exact(table, user):
    activities = wiring.activities()
    service = wiring.goals()
    goal = new_goal(user)
    ids = [logged(user, goal["goalId"], {"value": value})["activityId"] for value in (3, 7, 5)]
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


def test_moving_an_activity_to_another_day_moves_its_value(table, user):
    activities = wiring.activities()
    service = wiring.goals()
    goal = new_goal(
        user, goalPattern="recurring", target={"value": 10, "period": "day", "unit": "pages"}
    )
    activity = logged(user, goal["goalId"], {"value": 4})
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


def test_if_match_guards_goal_updates(table, user):
    service = wiring.goals()
    goal = new_goal(user)
    read = etag(service.get(user, goal["goalId"])["version"])
    updated = service.update(
        user, goal["goalId"], parse(GoalUpdate, {"title": "Renamed"}), if_match=read
    )
    assert updated["title"] == "Renamed"
    assert etag(updated["version"]) != read
    with pytest.raises(PreconditionFailed):
        service.update(user, goal["goalId"], parse(GoalUpdate, {"title": "Stale"}), if_match=read)


def test_completing_a_milestone_frees_its_active_slot(table, user):
    service = wiring.goals()
    goal = new_goal(user, title="Finish me", target={"value": 10, "unit": "pages"})
    logged(user, goal["goalId"], {"value": 10})
    fetched = service.get(user, goal["goalId"])
    assert fetched["status"] == "completed"
    assert fetched["completedAt"]
    with pytest.raises(BusinessRuleViolation):
        logged(user, goal["goalId"], {"value": 1})
    new_goal(user, title="Finish me")  # the completed goal no longer holds the title
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


def _as_legacy_account(user: str, titles: dict[str, str]) -> None:
    """The account as the code before the titles moved onto the counter stored it: a lock
    item per active title, and a counter without the `titled` marker."""
    pk = f"USER#{user}"
    items: list[dict[str, Any]] = [
        {"PK": pk, "SK": f"GOALTITLE#{t}", "goalId": g} for t, g in titles.items()
    ]
    items.append({"PK": pk, "SK": "GOALCOUNT", "active": len(titles)})
    for item in items:
        dynamo.client().put_item(TableName=dynamo.table_name(), Item=dynamo.serialize(item))


def test_a_legacy_accounts_title_locks_move_onto_the_counter_and_still_hold(table, user):
    service = wiring.goals()
    walk = new_goal(user, title="Walk the dog")
    read = new_goal(user, title="Read")
    _as_legacy_account(user, {"walk the dog": walk["goalId"], "read": read["goalId"]})
    with pytest.raises(Conflict) as caught:
        new_goal(user, title="  walk THE dog")
    assert caught.value.code == "DUPLICATE_GOAL_TITLE"
    pk = f"USER#{user}"
    assert dynamo.get_item({"PK": pk, "SK": "GOALTITLE#walk the dog"}) is None  # moved
    counter = dynamo.get_item({"PK": pk, "SK": "GOALCOUNT"})
    assert counter is not None
    assert (counter["titled"], counter["active"]) == (True, 2)
    with pytest.raises(Conflict):
        new_goal(user, title="read")  # a moved title still holds
    service.archive(user, walk["goalId"])
    new_goal(user, title="Walk the dog")  # an archived goal frees its moved title


def test_a_legacy_accounts_first_change_may_release_a_title(table, user):
    service = wiring.goals()
    walk = new_goal(user, title="Walk the dog")
    _as_legacy_account(user, {"walk the dog": walk["goalId"]})
    service.update(user, walk["goalId"], parse(GoalUpdate, {"title": "Walk the cat"}))
    new_goal(user, title="Walk the dog")  # the old title's lock went with the rename
    with pytest.raises(Conflict):
        new_goal(user, title="walk the cat")
    assert (
        dynamo.query_all(
            **dynamo.sort_key_range(f"USER#{user}", "GOALTITLE#", f"GOALTITLE#{dynamo.KEY_END}")
        )
        == []
    )
