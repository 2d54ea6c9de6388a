"""Pausing over HTTP: a backdated pause takes back a failed day in the answer and on the next
read, resume makes today count, a vacation reaches the goal, and the ETag follows each write
(docs/progress-rules.md, "Pauses and vacations")."""

from datetime import UTC, datetime, timedelta

from chalicelib.core.http import etag
from tests.helpers import assert_envelope

TODAY = datetime.now(UTC).date()  # a new account's clock is UTC


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def test_pause_resume_and_a_vacation_over_http(api):
    _, login = api.new_account()
    token = login["accessToken"]
    body = {"title": "Stretch", "goalPattern": "recurring", "target": {"value": 1, "period": "day"}}
    goal = api.call("POST", "/goals", token, json=body).json()
    goal_id = goal["goalId"]
    for offset in (-3, -1):  # nothing on day -2: it fails
        logged = api.call(
            "POST",
            f"/goals/{goal_id}/activities",
            token,
            json={"value": 1, "activityDate": day(offset)},
        )
        assert logged.status_code == 201, logged.text
    before = api.call("GET", f"/goals/{goal_id}", token).json()["progress"]
    assert (before["currentStreak"], before["successRate"]) == (1, 66.67)

    paused = api.call(
        "POST", f"/goals/{goal_id}/pause", token, json={"from": day(-2), "reason": "Flu"}
    )
    assert paused.status_code == 200, paused.text
    shown = paused.json()
    assert paused.headers["ETag"] == etag(shown["version"])
    assert shown["status"] == "paused"
    assert shown["pauses"] == [{"from": day(-2), "until": None, "reason": "Flu"}]
    # Days -2 and -1 are paused (the 1 on day -1 counts neither way): day -3's run is carried.
    assert (shown["progress"]["currentStreak"], shown["progress"]["successRate"]) == (1, 100.0)
    assert api.call("GET", f"/goals/{goal_id}", token).json() == shown

    resumed = api.call("POST", f"/goals/{goal_id}/resume", token).json()
    assert resumed["status"] == "active"
    assert resumed["pauses"] == [{"from": day(-2), "until": day(-1), "reason": "Flu"}]
    assert resumed["progress"]["periodHistory"][-1]["excused"] is False  # today counts

    bad = api.call("POST", f"/goals/{goal_id}/pause", token, json={"from": "tomorrow"})
    assert_envelope(bad.json(), 400, "VALIDATION_ERROR")
    overlap = api.call("POST", f"/goals/{goal_id}/pause", token, json={"from": day(-1)})
    assert_envelope(overlap.json(), 422, "PAUSE_OVERLAPS")

    away = api.call("POST", "/users/me/vacations", token, json={"from": day(0), "until": day(3)})
    assert away.status_code == 200, away.text
    assert away.json() == {"vacations": [{"from": day(0), "until": day(3), "reason": None}]}
    assert api.call("GET", "/users/me/vacations", token).json() == away.json()
    on_vacation = api.call("GET", f"/goals/{goal_id}", token).json()
    assert on_vacation["progress"]["periodHistory"][-1]["excused"] is True
    gone = api.call("DELETE", f"/users/me/vacations/{day(0)}", token)
    assert gone.json() == {"vacations": []}
    cancelled = api.call("DELETE", f"/goals/{goal_id}/pauses/{day(-2)}", token).json()
    assert (cancelled["pauses"], cancelled["progress"]["currentStreak"]) == ([], 1)
