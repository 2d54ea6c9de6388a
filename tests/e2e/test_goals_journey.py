"""A new user over HTTP: one goal of each pattern, activities (backdated and skipped too), and
the goal, the list and /progress showing the numbers docs/progress-rules.md defines."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import assert_envelope


def _days_ago(days: int) -> str:
    """This moment, `days` days back (a second earlier, so that 0 is never in the future)."""
    moment = datetime.now(UTC) - timedelta(days=days, seconds=1)
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def account(api):
    _, login = api.new_account()
    return login["accessToken"]


def _create(api, token, body, status=201):
    response = api.call("POST", "/goals", token, json=body)
    assert response.status_code == status, response.text
    return response.json()


def _log(api, token, goal_id, body, status=201):
    response = api.call("POST", f"/goals/{goal_id}/activities", token, json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_recurring_goal_with_backdated_and_skipped_days(api, account):
    goal = _create(
        api,
        account,
        {
            "title": "Drink water",
            "goalPattern": "recurring",
            "category": "health",
            "color": "var(--accent)",
            "icon": "💧",
            "target": {"metric": "count", "value": 8, "unit": "glasses", "period": "day"},
            "schedule": {"frequency": "daily", "allowSkipDays": 1},
            "metadata": {"source": "web"},
            "clientOnlyField": True,
        },
    )
    goal_id = goal["goalId"]
    assert goal["color"] == "var(--accent)"
    _log(
        api,
        account,
        goal_id,
        {"value": 8, "unit": "", "activityDate": _days_ago(2), "goalId": "ignored"},
    )
    _log(api, account, goal_id, {"activityType": "skipped", "activityDate": _days_ago(1)})
    today = datetime.now(UTC).date().isoformat()
    _log(api, account, goal_id, {"value": 2, "unit": "glasses", "activityDate": today})
    fetched = api.call("GET", f"/goals/{goal_id}", account).json()
    progress = fetched["progress"]
    # Backdating moved the first period two days back: the backdated day was achieved, the
    # skipped day is excused, today is still open.
    assert progress["successRate"] == 100.0
    assert progress["currentPeriodValue"] == 2
    assert progress["percentComplete"] == 25.0
    assert progress["currentStreak"] == 1
    assert [entry["value"] for entry in progress["periodHistory"]] == [8, 0, 2]
    listed = api.call("GET", "/goals?goalPattern=recurring", account).json()
    assert [g["progress"]["percentComplete"] for g in listed["goals"]] == [25.0]
    report = api.call("GET", f"/goals/{goal_id}/progress?period=week", account).json()
    assert report["statistics"]["totalActivities"] == 3
    assert report["statistics"]["skippedActivities"] == 1
    assert report["statistics"]["bestValue"] == 8


def test_milestone_completes_and_can_reopen(api, account):
    goal = _create(
        api,
        account,
        {
            "title": "Read 20 books",
            "goalPattern": "milestone",
            "target": {"metric": "count", "value": 20, "unit": "books", "currentValue": 2},
        },
    )
    assert goal["target"]["startValue"] == 2
    assert goal["target"]["targetDate"] is None
    goal_id = goal["goalId"]
    _log(api, account, goal_id, {"value": 8, "activityDate": _days_ago(3)})
    middle = api.call("GET", f"/goals/{goal_id}", account).json()
    assert middle["progress"]["totalAccumulated"] == 10
    assert middle["progress"]["remainingToGoal"] == 10
    assert middle["target"]["currentValue"] == 10
    _log(api, account, goal_id, {"value": 10})
    done = api.call("GET", f"/goals/{goal_id}", account).json()
    assert done["status"] == "completed"
    assert done["completedAt"]
    closed = _log(api, account, goal_id, {"value": 1}, status=422)
    assert closed["error"] == "GOAL_NOT_ACTIVE"
    reopened = api.call(
        "PUT", f"/goals/{goal_id}", account, json={"status": "active", "target": {"value": 40}}
    )
    assert reopened.status_code == 200
    assert reopened.json()["progress"]["percentComplete"] == 50.0


def test_target_goal_measures_towards_a_lower_weight(api, account):
    target_date = (datetime.now(UTC) + timedelta(days=180)).date().isoformat()
    goal = _create(
        api,
        account,
        {
            "title": "Reach 180 lb",
            "goalPattern": "target",
            "target": {
                "metric": "weight",
                "value": 180,
                "startValue": 200,
                "unit": "lb",
                "targetDate": target_date,
            },
        },
    )
    assert goal["target"]["direction"] == "decrease"
    assert goal["target"]["targetDate"] == f"{target_date}T00:00:00.000Z"
    for days_ago, weight in ((14, 198), (7, 195), (0, 190)):
        _log(api, account, goal["goalId"], {"value": weight, "activityDate": _days_ago(days_ago)})
    progress = api.call("GET", f"/goals/{goal['goalId']}", account).json()["progress"]
    assert progress["currentPeriodValue"] == 190
    assert progress["percentComplete"] == 50.0
    assert progress["trend"] == "improving"
    assert progress["projectedCompletion"] is not None


def test_streak_goal_needs_no_period(api, account):
    goal = _create(
        api,
        account,
        {
            "title": "Meditate",
            "goalPattern": "streak",
            "target": {"metric": "duration", "value": 3, "unit": "minutes"},
        },
    )
    for days_ago in (2, 1, 0):
        _log(api, account, goal["goalId"], {"value": 10, "activityDate": _days_ago(days_ago)})
    done = api.call("GET", f"/goals/{goal['goalId']}", account).json()
    assert done["progress"]["currentStreak"] == 3
    assert done["progress"]["targetStreak"] == 3
    assert done["status"] == "completed"


def test_limit_goal_counts_days_over(api, account):
    goal = _create(
        api,
        account,
        {
            "title": "Screen time",
            "goalPattern": "limit",
            "target": {"metric": "duration", "value": 120, "unit": "minutes", "period": "day"},
        },
    )
    for days_ago, minutes in ((2, 100), (1, 150)):
        _log(api, account, goal["goalId"], {"value": minutes, "activityDate": _days_ago(days_ago)})
    progress = api.call("GET", f"/goals/{goal['goalId']}", account).json()["progress"]
    assert progress["daysOverLimit"] == 1
    assert progress["successRate"] == 50.0
    assert progress["percentComplete"] == 50.0


def test_list_filters_sorting_and_clamping(api, account):
    _create(
        api,
        account,
        {
            "title": "Paused goal",
            "goalPattern": "milestone",
            "status": "paused",
            "target": {"value": 5},
        },
    )
    both = api.call("GET", "/goals?status=active&status=paused&limit=1000", account).json()
    comma = api.call("GET", "/goals?status=active,paused", account).json()
    assert both["pagination"]["limit"] == 100
    assert both["pagination"]["total"] == comma["pagination"]["total"]
    statuses = {goal["status"] for goal in both["goals"]}
    assert statuses <= {"active", "paused"}
    assert "paused" in statuses
    titles = [
        g["title"]
        for g in api.call(
            "GET", "/goals?sort=title_asc&status=active,paused,completed", account
        ).json()["goals"]
    ]
    assert titles == sorted(titles, key=str.lower)
    garbage = api.call("GET", "/goals?page=abc&limit=-3", account).json()
    assert garbage["pagination"]["page"] == 1
    assert garbage["pagination"]["limit"] == 20


def test_archived_goals_are_readable_and_left_out_of_the_default_list(api, account):
    goal = _create(
        api, account, {"title": "Archive me", "goalPattern": "milestone", "target": {"value": 5}}
    )
    path = f"/goals/{goal['goalId']}"
    assert api.call("DELETE", path, account).status_code == 200
    assert api.call("DELETE", path, account).status_code == 200  # idempotent
    assert api.call("GET", path, account).json()["status"] == "archived"
    listed = api.call("GET", "/goals?limit=100", account).json()["goals"]
    assert goal["goalId"] not in {g["goalId"] for g in listed}
    archived = api.call("GET", "/goals?status=archived", account).json()["goals"]
    assert goal["goalId"] in {g["goalId"] for g in archived}


def test_etag_if_match_and_partial_target_merge(api, account):
    goal = _create(
        api,
        account,
        {
            "title": "Run",
            "goalPattern": "recurring",
            "target": {"value": 3, "unit": "km", "period": "week"},
        },
    )
    path = f"/goals/{goal['goalId']}"
    etag = api.call("GET", path, account).headers["ETag"]
    changed = api.call(
        "PUT", path, account, json={"target": {"value": 5}}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.json()["target"] == {**goal["target"], "value": 5}
    stale = api.call("PUT", path, account, json={"title": "Stale"}, headers={"If-Match": etag})
    assert_envelope(stale.json(), stale.status_code, "PRECONDITION_FAILED")
    assert stale.status_code == 412


def test_bad_goal_input_is_400_and_writes_nothing(api, account):
    before = api.call(
        "GET", "/goals?status=active,paused,completed,archived,draft&limit=100", account
    ).json()["pagination"]["total"]
    for body in (
        {"title": "", "goalPattern": "milestone", "target": {"value": 5}},
        {"title": "No period", "goalPattern": "recurring", "target": {"value": 5}},
        {"title": "Zero", "goalPattern": "milestone", "target": {"value": 0}},
        {
            "title": "Past",
            "goalPattern": "target",
            "target": {"value": 5, "startValue": 9, "targetDate": "2020-01-01"},
        },
        {"title": "Long streak", "goalPattern": "streak", "target": {"value": 4000}},
        {"title": "Bad pattern", "goalPattern": "daily", "target": {"value": 5}},
    ):
        response = api.call("POST", "/goals", account, json=body)
        assert response.status_code == 400, body
        assert response.json()["validation_errors"], body
    after = api.call(
        "GET", "/goals?status=active,paused,completed,archived,draft&limit=100", account
    ).json()["pagination"]["total"]
    assert after == before


def test_another_users_goal_is_404_and_unchanged(api, account):
    goal = _create(
        api, account, {"title": "Mine", "goalPattern": "milestone", "target": {"value": 5}}
    )
    _, other = api.new_account()
    stranger = other["accessToken"]
    path = f"/goals/{goal['goalId']}"
    for method, suffix, body in (
        ("GET", "", None),
        ("PUT", "", {"title": "Theirs"}),
        ("DELETE", "", None),
        ("GET", "/activities", None),
        ("POST", "/activities", {"value": 1}),
        ("GET", "/progress", None),
    ):
        response = api.call(method, path + suffix, stranger, json=body)
        assert response.status_code == 404, (method, suffix)
        assert response.json()["error"] == "GOAL_NOT_FOUND"
    mine = api.call("GET", path, account).json()
    assert mine["title"] == "Mine"
    assert mine["status"] == "active"
    assert mine["version"] == goal["version"]


def test_activity_edit_delete_and_listing(api, account):
    goal = _create(
        api,
        account,
        {"title": "Pushups", "goalPattern": "milestone", "target": {"value": 500, "unit": "reps"}},
    )
    base = f"/goals/{goal['goalId']}/activities"
    first = _log(api, account, goal["goalId"], {"value": 20, "activityDate": _days_ago(2)})
    _log(api, account, goal["goalId"], {"value": 30, "activityDate": _days_ago(1)})
    _log(api, account, goal["goalId"], {"value": 0, "activityType": "skipped"})
    listed = api.call("GET", base, account).json()["activities"]
    assert [a["value"] for a in listed] == [0, 30, 20]  # newest activityDate first
    only_progress = api.call("GET", f"{base}?activityType=progress", account).json()
    assert only_progress["pagination"]["total"] == 2
    edited = api.call("PUT", f"{base}/{first['activityId']}", account, json={"value": 25})
    assert edited.status_code == 200
    assert edited.json()["value"] == 25
    total = api.call("GET", f"/goals/{goal['goalId']}", account).json()["progress"]
    assert total["totalAccumulated"] == 55
    assert api.call("DELETE", f"{base}/{first['activityId']}", account).status_code == 200
    after = api.call("GET", f"/goals/{goal['goalId']}", account).json()["progress"]
    assert after["totalAccumulated"] == 30
    missing = api.call("DELETE", f"{base}/{first['activityId']}", account)
    assert missing.status_code == 404


def test_idempotency_key_over_http(api, account):
    goal = _create(
        api,
        account,
        {
            "title": "Steps",
            "goalPattern": "milestone",
            "target": {"value": 100000, "unit": "steps"},
        },
    )
    headers = {"Idempotency-Key": "step-log-1"}
    base = f"/goals/{goal['goalId']}/activities"
    first = api.call("POST", base, account, json={"value": 5000}, headers=headers)
    again = api.call("POST", base, account, json={"value": 5000}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = api.call("POST", base, account, json={"value": 1}, headers=headers)
    assert other.status_code == 409
    progress = api.call("GET", f"/goals/{goal['goalId']}", account).json()["progress"]
    assert progress["totalAccumulated"] == 5000
