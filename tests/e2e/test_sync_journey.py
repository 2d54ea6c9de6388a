"""GET /sync over HTTP: two devices of one user edit while offline, push their edits in turn
and converge on what the server holds, deletions included; paging, the cursor's refusals and
that nobody else's changes appear."""

import base64
import json
import time
from typing import Any

import pytest


class Device:
    """A client that keeps a copy of the account, applying each change by kind and id."""

    def __init__(self, api, token: str) -> None:
        self.api = api
        self.token = token
        self.cursor: str | None = None
        self.held: dict[tuple[str, str], dict[str, Any]] = {}

    def sync(self, limit: int = 2) -> int:
        """Catch up, page by page; the number of pages read."""
        pages = 0
        while True:
            query = f"?limit={limit}" + (f"&since={self.cursor}" if self.cursor else "")
            response = self.api.call("GET", f"/sync{query}", self.token)
            assert response.status_code == 200, response.text
            page = response.json()
            pages += 1
            for change in page["changes"]:
                key = (change["kind"], change["id"])
                if change["deleted"]:
                    assert change["data"] is None
                    self.held.pop(key, None)
                else:
                    self.held[key] = change["data"]
            self.cursor = page["nextCursor"]
            if not page["hasMore"]:
                return pages

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> dict[str, Any]:
        """An edit made while offline, sent when the device comes back."""
        response = self.api.call(method, path, self.token, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else {}


def _without_progress(held: dict[tuple[str, str], dict[str, Any]]) -> dict:
    # A goal's progress is computed as of the read; everything else must be identical.
    return {
        key: {name: value for name, value in data.items() if name != "progress"}
        for key, data in held.items()
    }


def _server_state(api, token: str, goal_ids: list[str]) -> dict:
    """What the ordinary routes answer: the state both devices must hold."""
    state: dict[tuple[str, str], dict[str, Any]] = {}
    profile = api.call("GET", "/users/profile", token).json()
    state[("profile", profile["userId"])] = profile
    for goal_id in goal_ids:
        goal = api.call("GET", f"/goals/{goal_id}", token).json()
        state[("goal", goal_id)] = goal
        activities = api.call("GET", f"/goals/{goal_id}/activities?limit=100", token).json()
        for activity in activities["activities"]:
            state[("activity", activity["activityId"])] = activity
    for listed in api.call("GET", "/journal?limit=100", token).json()["entries"]:
        entry = api.call("GET", f"/journal/{listed['entryId']}", token).json()
        state[("journalEntry", entry["entryId"])] = entry
    return _without_progress(state)


@pytest.fixture(scope="module")
def owner(api):
    _, login = api.new_account()
    return login["accessToken"]


def test_two_devices_converge_after_interleaved_offline_edits(api, owner):
    phone, laptop = Device(api, owner), Device(api, owner)
    phone.sync()
    laptop.sync()
    assert phone.held == laptop.held
    assert [key[0] for key in phone.held] == ["profile"]

    # Both were offline; their edits reach the server in this interleaved order.
    run = phone.call(
        "POST",
        "/goals",
        201,
        json={
            "title": "Run",
            "goalPattern": "recurring",
            "target": {"metric": "count", "value": 1, "unit": "runs", "period": "day"},
        },
    )
    kept = laptop.call("POST", "/journal", 201, json={"title": "Kept", "content": "<p>a</p>"})
    gone = laptop.call("POST", "/journal", 201, json={"title": "Gone", "content": "<p>b</p>"})
    first = phone.call("POST", f"/goals/{run['goalId']}/activities", 201, json={"value": 1})
    second = phone.call("POST", f"/goals/{run['goalId']}/activities", 201, json={"value": 1})
    laptop.call("PUT", "/users/profile", 200, json={"firstName": "Laptop"})
    phone.call("PUT", "/users/profile", 200, json={"lastName": "Phone"})
    phone.call("PUT", f"/journal/{kept['entryId']}", 200, json={"title": "Kept, edited"})

    laptop.sync()  # the laptop sees the phone's goal and runs, and edits them
    assert ("activity", first["activityId"]) in laptop.held
    laptop.call("DELETE", f"/goals/{run['goalId']}/activities/{first['activityId']}", 200)
    laptop.call("PUT", f"/goals/{run['goalId']}", 200, json={"title": "Run daily"})
    phone.call("DELETE", f"/journal/{gone['entryId']}", 204)
    books = laptop.call(
        "POST",
        "/goals",
        201,
        json={
            "title": "Books",
            "goalPattern": "recurring",
            "target": {"metric": "count", "value": 1, "unit": "books", "period": "week"},
        },
    )
    laptop.call("DELETE", f"/goals/{books['goalId']}", 200)  # archived: a change, not a deletion

    assert phone.sync() > 1  # pages of two
    laptop.sync()
    expected = _server_state(api, owner, [run["goalId"], books["goalId"]])
    assert _without_progress(phone.held) == expected
    assert _without_progress(laptop.held) == expected
    assert ("activity", first["activityId"]) not in expected
    assert ("activity", second["activityId"]) in expected
    assert ("journalEntry", gone["entryId"]) not in expected
    assert expected[("goal", books["goalId"])]["status"] == "archived"
    assert expected[("goal", run["goalId"])]["title"] == "Run daily"


def test_a_new_device_gets_everything_and_tombstones_name_what_went(api, owner):
    fresh = Device(api, owner)
    fresh.sync(limit=100)
    held_kinds = {kind for kind, _ in fresh.held}
    assert held_kinds >= {"profile", "goal", "activity", "journalEntry"}
    page = api.call("GET", "/sync?limit=100", owner).json()
    deletions = [change for change in page["changes"] if change["deleted"]]
    assert {change["kind"] for change in deletions} == {"activity", "journalEntry"}
    [activity] = [change for change in deletions if change["kind"] == "activity"]
    assert activity["goalId"]


def test_a_sync_right_after_catching_up_repeats_only_the_last_minute(api, owner):
    device = Device(api, owner)
    device.sync(limit=100)
    again = api.call("GET", f"/sync?since={device.cursor}", owner).json()
    # Everything above was written within the settle window: it may come again, unchanged.
    for change in again["changes"]:
        key = (change["kind"], change["id"])
        assert change["deleted"] or device.held[key] == change["data"] or key[0] == "goal"
    assert again["hasMore"] is False


def _cursor(issued_ms: int) -> str:
    """A cursor as the API would have handed it out at `issued_ms` (white box: the format is
    opaque to clients)."""
    position = f"{issued_ms - 60_000:013d}"
    body = json.dumps({"v": 1, "s": position, "r": position, "t": issued_ms}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def test_a_cursor_handed_out_more_than_34_days_ago_is_410(api, owner):
    now = int(time.time() * 1000)
    expired = _cursor(now - 34 * 86_400_000 - 60_000)
    response = api.call("GET", f"/sync?since={expired}", owner)
    assert response.status_code == 410
    assert response.json()["error"] == "SYNC_CURSOR_EXPIRED"
    still_good = _cursor(now - 34 * 86_400_000 + 3_600_000)
    assert api.call("GET", f"/sync?since={still_good}", owner).status_code == 200


def test_a_cursor_not_handed_out_is_400(api, owner):
    response = api.call("GET", "/sync?since=garbage", owner)
    assert response.status_code == 400
    assert response.json()["error"] == "VALIDATION_ERROR"


def test_nobody_sees_anyone_elses_changes(api, owner):
    _, login = api.new_account()
    stranger = Device(api, login["accessToken"])
    stranger.sync(limit=100)
    mine = Device(api, owner)
    mine.sync(limit=100)
    assert [kind for kind, _ in stranger.held] == ["profile"]
    assert not set(stranger.held) & set(mine.held)
