"""A phone that was offline sends its logs in one batch, over HTTP on the local stack
(`chalice local`, DynamoDB Local): the answer item by item, the batch sent again after a lost
answer, a single log with one of its keys, and the goal's progress equal to logging the same
activities one at a time on a twin goal.
"""

from typing import Any

from tests.helpers import assert_envelope

DAILY = {"metric": "count", "value": 3, "unit": "glasses", "period": "day"}
# The phone's day: three days of logs, one of them refused (a unit the goal does not use),
# one that is not a number, and a key sent twice with two bodies.
ITEMS: list[dict[str, Any]] = [
    {"idempotencyKey": "phone-1", "value": 2, "activityDate": "2026-11-27"},
    {"idempotencyKey": "phone-2", "value": 1, "activityDate": "2026-11-27", "note": "tea"},
    {"idempotencyKey": "phone-3", "value": 4, "activityDate": "2026-11-28"},
    {"idempotencyKey": "phone-4", "value": 1, "unit": "miles", "activityDate": "2026-11-28"},
    {"idempotencyKey": "phone-5", "value": "lots", "activityDate": "2026-11-29"},
    {"idempotencyKey": "phone-6", "value": 3, "activityDate": "2026-11-29"},
    {"idempotencyKey": "phone-6", "value": 5, "activityDate": "2026-11-29"},
]
WRITTEN = [0, 1, 2, 5]


def _goal(api, token: str, title: str) -> str:
    made = api.call(
        "POST", "/goals", token, json={"title": title, "goalPattern": "recurring", "target": DAILY}
    )
    assert made.status_code == 201, made.text
    return str(made.json()["goalId"])


def _batch(api, token: str, goal_id: str) -> dict[str, Any]:
    answer = api.call(
        "POST", f"/goals/{goal_id}/activities/batch", token, json={"activities": ITEMS}
    )
    assert answer.status_code == 207, answer.text
    return dict(answer.json())


def _progress(api, token: str, goal_id: str) -> dict[str, Any]:
    goal = api.call("GET", f"/goals/{goal_id}", token).json()
    return {
        key: value
        for key, value in goal["progress"].items()
        if key not in {"lastActivityDate"}  # the same day either way; kept out of doubt
    }


def test_a_day_of_offline_logs_in_one_batch(api):
    _, login = api.new_account()
    token = login["accessToken"]
    batched, single = _goal(api, token, "Water"), _goal(api, token, "Water, one at a time")

    first = _batch(api, token, batched)
    results = first["results"]
    assert [result["index"] for result in results] == list(range(len(ITEMS)))
    assert [result["status"] for result in results] == [201, 201, 201, 422, 400, 201, 409]
    assert (first["written"], first["replayed"], first["refused"]) == (4, 0, 3)
    assert_envelope(results[3]["error"], 422, "UNIT_MISMATCH")
    assert_envelope(results[4]["error"], 400, "VALIDATION_ERROR")
    assert_envelope(results[6]["error"], 409, "IDEMPOTENCY_KEY_REUSED")
    assert results[1]["activity"]["note"] == "tea"
    listed = api.call("GET", f"/goals/{batched}/activities?limit=100", token).json()
    by_id = {activity["activityId"]: activity for activity in listed["activities"]}
    assert {results[i]["activity"]["activityId"] for i in WRITTEN} == set(by_id)
    for index in WRITTEN:
        activity = results[index]["activity"]
        assert results[index]["location"].endswith(f"/activities/{activity['activityId']}")
        assert by_id[activity["activityId"]]["value"] == ITEMS[index]["value"]

    # The answer was lost: the phone sends the same batch again. Nothing new is written.
    again = _batch(api, token, batched)
    assert [result["status"] for result in again["results"]] == [200, 200, 200, 422, 400, 200, 409]
    assert [again["results"][i]["activity"] for i in WRITTEN] == [
        results[i]["activity"] for i in WRITTEN
    ]
    listed = api.call("GET", f"/goals/{batched}/activities?limit=100", token).json()
    assert len(listed["activities"]) == len(WRITTEN)

    # One of the batch's keys sent alone, with the same body, is the same request.
    replayed = api.call(
        "POST",
        f"/goals/{batched}/activities",
        token,
        json={key: value for key, value in ITEMS[2].items() if key != "idempotencyKey"},
        headers={"Idempotency-Key": "phone-3"},
    )
    assert replayed.status_code == 201, replayed.text
    assert replayed.json() == results[2]["activity"]

    # The same activities logged one at a time leave the twin goal exactly where the batch
    # left this one.
    for index in WRITTEN:
        body = {key: value for key, value in ITEMS[index].items() if key != "idempotencyKey"}
        logged = api.call("POST", f"/goals/{single}/activities", token, json=body)
        assert logged.status_code == 201, logged.text
    assert _progress(api, token, batched) == _progress(api, token, single)
    assert _progress(api, token, batched)["totalAccumulated"] == 2 + 1 + 4 + 3
