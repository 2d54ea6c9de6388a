"""Goals and activities through the routes, on moto in-process."""

import json
from datetime import timedelta

import boto3
import pytest

from chalicelib import wiring
from tests.helpers import assert_envelope, get, log_lines, post_json, put_json, signed_in_user


@pytest.fixture
def token(client, aws):
    return signed_in_user(client, aws)


def _goal(client, token, **fields):
    body = {
        "title": "Drink water",
        "goalPattern": "recurring",
        "category": "health",
        "target": {"metric": "count", "value": 8, "unit": "glasses", "period": "day"},
        **fields,
    }
    response = post_json(client, "/goals", body, token)
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def test_create_and_read_a_goal(client, token):
    goal = _goal(client, token)
    assert goal["status"] == "active"
    assert goal["progress"]["percentComplete"] == 0
    fetched = get(client, f"/goals/{goal['goalId']}", token)
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == '"1"'
    assert json.loads(fetched.body)["goalId"] == goal["goalId"]


def test_log_and_progress(client, token):
    goal = _goal(client, token)
    path = f"/goals/{goal['goalId']}/activities"
    for _ in range(3):
        response = post_json(client, path, {"value": 2, "unit": "glasses"}, token)
        assert response.status_code == 201, response.body
        assert b'"value":2,' in response.body  # whole numbers stay ints, as GET gives them
    fetched = json.loads(get(client, f"/goals/{goal['goalId']}", token).body)
    assert fetched["progress"]["currentPeriodValue"] == 6
    assert fetched["progress"]["percentComplete"] == 75
    listed = json.loads(get(client, path, token).body)
    assert listed["pagination"]["total"] == 3
    report = json.loads(get(client, f"/goals/{goal['goalId']}/progress?period=week", token).body)
    assert report["statistics"]["totalActivities"] == 3
    wrong_unit = post_json(client, path, {"value": 2, "unit": "litres"}, token)
    assert_envelope(wrong_unit.body, wrong_unit.status_code, "UNIT_MISMATCH")


def test_update_and_archive(client, token):
    goal = _goal(client, token)
    path = f"/goals/{goal['goalId']}"
    updated = put_json(client, path, {"target": {"value": 10}}, token)
    assert updated.status_code == 200, updated.body
    body = json.loads(updated.body)
    assert body["target"]["value"] == 10
    assert body["target"]["unit"] == "glasses"
    assert client.http.delete(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert json.loads(get(client, path, token).body)["status"] == "archived"


@pytest.mark.parametrize("tiny", [1e-300, -1e-131, 1e-7])
def test_numbers_too_small_to_store_are_refused(client, token, tiny):
    """DynamoDB holds no magnitude under 1e-130 (and derived averages go smaller still)."""
    created = post_json(
        client,
        "/goals",
        {"title": "Tiny", "goalPattern": "milestone", "target": {"value": abs(tiny)}},
        token,
    )
    assert created.status_code == 400
    body = assert_envelope(created.body, 400, "VALIDATION_ERROR")
    assert [error["field"] for error in body["validation_errors"]] == ["target.value"]
    goal = _goal(client, token)
    logged = post_json(client, f"/goals/{goal['goalId']}/activities", {"value": tiny}, token)
    assert logged.status_code == 400
    body = assert_envelope(logged.body, 400, "VALIDATION_ERROR")
    assert [error["field"] for error in body["validation_errors"]] == ["value"]


def _milestone(client, token, value):
    response = post_json(
        client,
        "/goals",
        {"title": f"Read {value}", "goalPattern": "milestone", "target": {"value": value}},
        token,
    )
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def _shift_clock(monkeypatch, by):
    later = wiring.goals()._now() + by
    for service in (wiring.goals(), wiring.activities()):
        monkeypatch.setattr(service, "_now", lambda: later)


def test_projections_past_year_9999_never_break_a_log_or_a_read(client, token, monkeypatch):
    """Issue 10, item 1: 500 on the second log, and on every read one day later."""
    far = _milestone(client, token, 10_000_000)
    later = _milestone(client, token, 4_000_002)
    for goal in (far, later):
        for _ in range(2):
            logged = post_json(client, f"/goals/{goal['goalId']}/activities", {"value": 1}, token)
            assert logged.status_code == 201, logged.body
    _shift_clock(monkeypatch, timedelta(days=1))
    read = get(client, f"/goals/{later['goalId']}", token)
    assert read.status_code == 200, read.body
    assert json.loads(read.body)["progress"]["projectedCompletion"] is None
    listed = get(client, "/goals", token)
    assert listed.status_code == 200, listed.body
    assert len(json.loads(listed.body)["goals"]) == 2


def test_one_goal_that_cannot_be_shown_never_fails_the_list(client, token, aws, app_logs):
    good = _milestone(client, token, 10)
    broken = _milestone(client, token, 20)
    boto3.client("dynamodb").update_item(
        TableName=aws["table"],
        Key={"PK": {"S": f"USER#{broken['userId']}"}, "SK": {"S": f"GOAL#{broken['goalId']}"}},
        UpdateExpression="SET progressState.openDay = :broken",
        ExpressionAttributeValues={":broken": {"S": "not a day"}},
    )
    listed = get(client, "/goals", token)
    assert listed.status_code == 200, listed.body
    goals = {goal["goalId"]: goal for goal in json.loads(listed.body)["goals"]}
    assert set(goals) == {good["goalId"], broken["goalId"]}
    assert goals[good["goalId"]]["progress"] == good["progress"]
    assert goals[broken["goalId"]]["progress"]["percentComplete"] == 0
    # Not hidden: the failure is logged as an error, with its stack trace and the goal's id.
    errors = [line for line in log_lines(app_logs()) if line["level"] == "ERROR"]
    assert [line.get("goalId") for line in errors] == [broken["goalId"]]
    assert "not a day" in errors[0]["exception"]


def test_date_only_logs_have_no_time_of_day(client, token):
    """Issue 10, item 18: a date without a time used to count as the night (its day's start),
    also after an edit that keeps its date."""
    goal = _goal(client, token)
    path = f"/goals/{goal['goalId']}/activities"
    yesterday = (wiring.goals()._now() - timedelta(days=1)).date().isoformat()
    untimed = [
        post_json(client, path, {"value": 2, "activityDate": yesterday}, token) for _ in range(3)
    ]
    assert all(response.status_code == 201 for response in untimed)
    report_path = f"/goals/{goal['goalId']}/progress?period=week"
    assert json.loads(get(client, report_path, token).body)["insights"]["bestTimeOfDay"] is None
    edited = put_json(
        client, f"{path}/{json.loads(untimed[0].body)['activityId']}", {"value": 3}, token
    )
    assert edited.status_code == 200, edited.body
    timed = post_json(client, path, {"value": 1, "activityDate": f"{yesterday}T09:00:00Z"}, token)
    assert timed.status_code == 201, timed.body
    report = json.loads(get(client, report_path, token).body)
    assert report["insights"]["bestTimeOfDay"] == "morning"
    assert report["statistics"]["totalActivities"] == 4


def test_completed_activities_counts_only_completed_ones(client, token):
    goal = _goal(client, token)
    path = f"/goals/{goal['goalId']}/activities"
    for kind in ("progress", "partial", "completed", "skipped", "completed"):
        body = {"activityType": kind} if kind == "skipped" else {"value": 2, "activityType": kind}
        assert post_json(client, path, body, token).status_code == 201
    report = json.loads(get(client, f"/goals/{goal['goalId']}/progress", token).body)
    assert report["statistics"]["completedActivities"] == 2
    assert report["statistics"]["totalActivities"] == 5
    assert report["statistics"]["skippedActivities"] == 1


@pytest.mark.parametrize(
    "path, zone",
    [
        ("/journal?to=9999-12-31", "UTC"),
        ("/journal?from=0001-01-01", "Asia/Tokyo"),
        ("/journal?from=0001-01-01T00:00:00%2B14:00", "UTC"),
        ("/journal?from=0001-01-01&to=9999-12-31", "America/Los_Angeles"),
        ("/goals/{goalId}/activities?endDate=9999-12-31", "Asia/Tokyo"),
        (
            "/goals/{goalId}/activities?startDate=0001-01-01&endDate=9999-12-31T23:00:00-05:00",
            "Asia/Tokyo",
        ),
    ],
)
def test_ranges_at_the_ends_of_the_calendar_are_clamped(client, token, path, zone):
    goal = _goal(client, token)
    assert (
        post_json(client, f"/goals/{goal['goalId']}/activities", {"value": 1}, token).status_code
        == 201
    )
    assert (
        post_json(client, "/journal", {"title": "Kept", "content": "<p>x</p>"}, token).status_code
        == 201
    )
    response = get(client, path.replace("{goalId}", goal["goalId"]), token, **{"X-Timezone": zone})
    assert response.status_code == 200, response.body
    body = json.loads(response.body)
    assert len(body.get("activities", body.get("entries", []))) == 1


@pytest.mark.parametrize(
    "date, zone",
    [
        ("0001-01-01", "Asia/Tokyo"),
        ("0001-01-01T00:00:00+14:00", "UTC"),
        ("0001-01-01T00:00:00Z", "America/Los_Angeles"),
        ("9999-12-31", "America/Los_Angeles"),
        ("9999-12-31T23:59:59-12:00", "UTC"),
    ],
)
def test_activities_dated_at_the_ends_of_the_calendar_are_refused(client, token, date, zone):
    goal = _goal(client, token)
    logged = client.http.post(
        f"/goals/{goal['goalId']}/activities",
        body=json.dumps({"value": 1, "activityDate": date}),
        headers={
            "Content-Type": "application/json",
            "X-Timezone": zone,
            "Authorization": f"Bearer {token}",
        },
    )
    assert logged.status_code == 400, logged.body
    body = assert_envelope(logged.body, 400, "VALIDATION_ERROR")
    assert [error["field"] for error in body["validation_errors"]] == ["activityDate"]


@pytest.mark.parametrize("dated", [None, "2026-01-05"], ids=["today", "backdated"])
def test_a_log_computes_the_progress_view_once(client, token, monkeypatch, dated):
    """Both the state to store and the goal's completion come from one progress view."""
    from chalicelib.goals import progress, progress_state

    goal = _goal(client, token)
    calls = []
    real_view = progress.view

    def counted_view(*args, **kwargs):
        calls.append(1)
        return real_view(*args, **kwargs)

    monkeypatch.setattr(progress_state, "view", counted_view)
    body = {"value": 2} if dated is None else {"value": 2, "activityDate": dated}
    response = post_json(client, f"/goals/{goal['goalId']}/activities", body, token)
    assert response.status_code == 201, response.body
    assert len(calls) == 1


def _armed_reminders() -> list[dict]:
    """Every item of the reminder index (moto in-process: a scan is fine in a test)."""
    from chalicelib.core import dynamo

    items = dynamo.client().scan(TableName=dynamo.table_name())["Items"]
    return [dynamo.deserialize(item) for item in items if item["PK"]["S"].startswith("REMINDER#")]


def test_what_is_due_and_the_due_filter(client, token):
    due = _goal(client, token)
    assert due["dueToday"] is True
    assert due["atRisk"] is True
    assert due["nextDueAt"] is not None
    assert due["requiredPerPeriod"] is None
    done = _goal(client, token, title="Stretch", target={"value": 1, "period": "day"})
    assert (
        post_json(client, f"/goals/{done['goalId']}/activities", {"value": 1}, token).status_code
        == 201
    )
    listed = json.loads(get(client, "/goals?due=today", token).body)
    assert [goal["goalId"] for goal in listed["goals"]] == [due["goalId"]]
    assert listed["pagination"]["total"] == 1
    everything = json.loads(get(client, "/goals", token).body)
    assert len(everything["goals"]) == 2
    wrong = get(client, "/goals?due=tomorrow", token)
    assert_envelope(wrong.body, wrong.status_code, "VALIDATION_ERROR")


def test_a_reminder_is_armed_moved_and_disarmed_by_goal_writes(client, token):
    goal = _goal(client, token, reminder={"enabled": True, "localTime": "07:30"})
    assert goal["reminder"] == {"enabled": True, "localTime": "07:30"}
    [armed] = _armed_reminders()
    assert armed["goalId"] == goal["goalId"]
    assert armed["localTime"] == "07:30"
    assert armed["PK"].endswith("T07:30")  # the test user's profile zone is UTC
    path = f"/goals/{goal['goalId']}"
    moved = put_json(client, path, {"reminder": {"enabled": True, "localTime": "21:05"}}, token)
    assert moved.status_code == 200, moved.body
    [armed] = _armed_reminders()
    assert armed["PK"].endswith("T21:05")
    off = put_json(client, path, {"reminder": {"enabled": False}}, token)
    assert json.loads(off.body)["reminder"] == {"enabled": False, "localTime": None}
    assert _armed_reminders() == []
    bad = put_json(client, path, {"reminder": {"localTime": "25:00"}}, token)
    assert_envelope(bad.body, bad.status_code, "VALIDATION_ERROR")


def test_archiving_a_goal_disarms_its_reminder(client, token):
    goal = _goal(client, token, reminder={"enabled": True, "localTime": "07:30"})
    assert len(_armed_reminders()) == 1
    headers = {"Authorization": f"Bearer {token}"}
    assert client.http.delete(f"/goals/{goal['goalId']}", headers=headers).status_code == 200
    assert _armed_reminders() == []
