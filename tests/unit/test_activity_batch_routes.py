"""`POST /goals/{goalId}/activities/batch` through the routes, on moto in-process: per-item
answers in request order, whole-request refusals, and idempotency shared with single logs."""

import json

import pytest

from tests import contract
from tests.helpers import assert_envelope, get, post_json, signed_in_user


@pytest.fixture
def token(client, aws):
    return signed_in_user(client, aws)


def _goal(client, token, **fields):
    body = {
        "title": "Read",
        "goalPattern": "milestone",
        "target": {"value": 100, "unit": "pages"},
        **fields,
    }
    response = post_json(client, "/goals", body, token)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def _batch(client, token, goal_id, activities):
    return post_json(
        client, f"/goals/{goal_id}/activities/batch", {"activities": activities}, token
    )


def test_each_item_gets_its_own_answer_in_request_order(client, token):
    goal = _goal(client, token)
    response = _batch(
        client,
        token,
        goal["goalId"],
        [
            {"value": 10, "idempotencyKey": "k-1"},
            {"value": "ten", "idempotencyKey": "k-2"},
            {"value": 5, "unit": "litres", "idempotencyKey": "k-3"},
            {"value": 7},
            {"value": 3, "idempotencyKey": "bad key!"},
            {"value": 10, "idempotencyKey": "k-1"},
            {"value": 11, "idempotencyKey": "k-1"},
            5,
            {"value": 20, "activityDate": "2026-01-05", "idempotency_key": "k-4"},
        ],
    )
    assert response.status_code == 207, response.body
    body = json.loads(response.body)
    contract.assert_matches("POST", f"/goals/{goal['goalId']}/activities/batch", 207, body)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(9))
    assert [r["status"] for r in results] == [201, 400, 422, 400, 400, 200, 409, 400, 201]
    codes = [r["error"]["error"] if r["error"] else None for r in results]
    assert codes == [
        None,
        "VALIDATION_ERROR",
        "UNIT_MISMATCH",
        "VALIDATION_ERROR",
        "INVALID_IDEMPOTENCY_KEY",
        None,
        "IDEMPOTENCY_KEY_REUSED",
        "VALIDATION_ERROR",
        None,
    ]
    for result in results:
        if result["error"]:
            assert_envelope(result["error"], result["status"])
    assert results[1]["error"]["validation_errors"][0]["field"] == "value"
    assert results[3]["error"]["validation_errors"][0]["field"] == "idempotencyKey"
    assert results[5]["activity"] == results[0]["activity"]
    assert results[0]["location"].endswith(results[0]["activity"]["activityId"])
    assert [r["idempotencyKey"] for r in results][:3] == ["k-1", "k-2", "k-3"]
    assert results[8]["idempotencyKey"] == "k-4"
    assert (body["written"], body["replayed"], body["refused"]) == (2, 1, 6)
    fetched = json.loads(get(client, f"/goals/{goal['goalId']}", token).body)
    assert fetched["progress"]["totalAccumulated"] == 30
    listed = json.loads(get(client, f"/goals/{goal['goalId']}/activities", token).body)
    assert listed["pagination"]["total"] == 2


def test_an_item_replays_a_single_log_with_its_key_and_the_other_way_round(client, token):
    goal = _goal(client, token)
    path = f"/goals/{goal['goalId']}/activities"
    single = client.http.post(
        path,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": "phone-1",
        },
        body=json.dumps({"value": 4}),
    )
    assert single.status_code == 201
    batch = json.loads(
        _batch(
            client,
            token,
            goal["goalId"],
            [{"value": 4, "idempotencyKey": "phone-1"}, {"value": 6, "idempotencyKey": "phone-2"}],
        ).body
    )
    assert [r["status"] for r in batch["results"]] == [200, 201]
    assert batch["results"][0]["activity"] == json.loads(single.body)
    again = client.http.post(
        path,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": "phone-2",
        },
        body=json.dumps({"value": 6}),
    )
    assert again.status_code == 201
    assert json.loads(again.body) == batch["results"][1]["activity"]
    fetched = json.loads(get(client, f"/goals/{goal['goalId']}", token).body)
    assert fetched["progress"]["totalAccumulated"] == 10


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"activities": {"value": 1}},
        {"activities": []},
        {"activities": [{"value": 1, "idempotencyKey": f"k{i}"} for i in range(101)]},
        {},
        "activities",
    ],
)
def test_a_request_that_is_not_a_batch_is_400_and_writes_nothing(client, token, body):
    goal = _goal(client, token)
    response = post_json(client, f"/goals/{goal['goalId']}/activities/batch", body, token)
    assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    listed = json.loads(get(client, f"/goals/{goal['goalId']}/activities", token).body)
    assert listed["pagination"]["total"] == 0


def test_another_users_goal_is_404_even_when_every_item_is_refused(client, token, aws):
    goal = _goal(client, token)
    other = signed_in_user(client, aws, email="bob@example.com")
    for items in ([{"value": 1, "idempotencyKey": "a"}], [{"value": "x"}]):
        response = _batch(client, other, goal["goalId"], items)
        assert_envelope(response.body, response.status_code, "GOAL_NOT_FOUND")
    missing = _batch(client, token, "0193b1c4-0000-7000-8000-000000000000", [{"value": 1}])
    assert missing.status_code == 404


def test_items_after_the_one_that_completes_the_goal_are_refused_as_single_logs_are(client, token):
    goal = _goal(client, token, target={"value": 10, "unit": "pages"})
    body = json.loads(
        _batch(
            client,
            token,
            goal["goalId"],
            [{"value": 6, "idempotencyKey": f"c{i}"} for i in range(3)],
        ).body
    )
    assert [r["status"] for r in body["results"]] == [201, 201, 422]
    assert body["results"][2]["error"]["error"] == "GOAL_NOT_ACTIVE"
    fetched = json.loads(get(client, f"/goals/{goal['goalId']}", token).body)
    assert fetched["status"] == "completed"
    assert fetched["progress"]["totalAccumulated"] == 12
