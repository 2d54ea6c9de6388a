"""The whole "take it with you" promise, over HTTP on the local stack: export an account,
delete it, register again with the same address, import the export, export again. The two
exports are equal apart from what an import must change (README "Importing your data"):
every id, `updatedAt`, an activity's `loggedAt`, and the account's own dates. An encrypted
entry written in the browser opens in the new account with the same password. Pauses (a past
one, and an open one that holds a goal paused), vacations and reminders come across too, and
progress with them: the excused days stay excused.
"""

import io
import json
import zipfile
from typing import Any

import requests

from tests.browser_crypto import MASTER_PASSWORD, Browser
from tests.helpers import STRONG_PASSWORD

SECRET = "<p>Only I can read this.</p>"
# Keys whose values an import must change: ids (new ones, derived from the file), the time of
# the writes it makes and a goal's count of them (`version`), and the export's and the
# account's own stamps.
CHANGING = {"goalId", "activityId", "entryId", "userId", "updatedAt", "loggedAt", "version"}
# The restored key set is a new one (shares name key sets), set up at the import.
KEY_SET_STAMPS = {"keySetId", "createdAt"}
VACATION = {"from": "2026-11-26", "until": "2026-11-27", "reason": "Beach"}
PAST_PAUSE = {"from": "2026-11-23", "until": "2026-11-24", "reason": "Travel"}


def _ok(response: requests.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json()) if response.text else {}


def _fill(api, token: str, browser: Browser) -> None:
    """An account with something of every kind the export carries."""
    _ok(
        api.call(
            "PUT",
            "/users/profile",
            token,
            json={
                "timezone": "America/New_York",
                "dayStartHour": 4,
                "preferences": {"units": "imperial", "notifications": {"email": True}},
            },
        )
    )
    _ok(api.call("POST", "/encryption/setup", token, json=browser.setup_body()), 201)
    definitions = [
        {
            "title": "Read 1,000 pages",
            "goalPattern": "milestone",
            "target": {"value": 1000, "unit": "pages"},
            "category": "learning",
            "reminder": {"enabled": True, "localTime": "07:30"},
        },
        {
            "title": "Water",
            "goalPattern": "recurring",
            "target": {"metric": "count", "value": 8, "period": "day", "unit": "glasses"},
            "schedule": {"frequency": "daily", "daysOfWeek": [1, 3]},
        },
        {
            "title": "Fewer coffees",
            "goalPattern": "limit",
            "target": {"metric": "count", "value": 3, "period": "week", "unit": "cups"},
        },
        {"title": "Old habit", "goalPattern": "streak", "target": {"value": 30, "unit": "days"}},
    ]
    goals = [_ok(api.call("POST", "/goals", token, json=body), 201) for body in definitions]
    # Before the activities: every goal, the archived one too, holds its copy of it.
    _ok(api.call("POST", "/users/me/vacations", token, json=VACATION))
    for index, goal in enumerate(goals):
        for day, value in ((1, 3), (2, 5), (9, 2)):
            _ok(
                api.call(
                    "POST",
                    f"/goals/{goal['goalId']}/activities",
                    token,
                    json={
                        "value": value + index,
                        "activityDate": f"2026-11-{20 + day:02d}",
                        "note": f"day {day}",
                        "context": {"mood": "good"},
                    },
                ),
                201,
            )
    water = f"/goals/{goals[1]['goalId']}/pause"
    _ok(api.call("POST", water, token, json=PAST_PAUSE))
    paused = _ok(api.call("POST", water, token, json={"from": "2026-11-30"}))
    assert paused["status"] == "paused", paused
    _ok(api.call("DELETE", f"/goals/{goals[-1]['goalId']}", token))  # archived
    _ok(
        api.call(
            "POST",
            "/journal",
            token,
            json={
                "title": "A good week",
                "content": "<p>Read and drank well.</p>",
                "tags": ["books", "health"],
                "mood": "happy",
                "template": "daily_reflection",
                "linkedGoalIds": [goals[0]["goalId"], goals[1]["goalId"]],
            },
        ),
        201,
    )
    _ok(
        api.call(
            "POST",
            "/journal",
            token,
            json={
                "title": "Private",
                "content": "",
                "isEncrypted": True,
                "wordCount": 5,
                **browser.encrypt_entry(SECRET),
            },
        ),
        201,
    )


def _export(api, token: str) -> bytes:
    started = _ok(api.call("POST", "/users/me/exports", token), 202)
    assert api.run_account_jobs() >= 1
    ready = _ok(api.call("GET", started["statusUrl"], token))
    assert ready["status"] == "ready", ready
    fetched = requests.get(ready["download"]["url"], timeout=30)
    assert fetched.status_code == 200, fetched.text[:300]
    return fetched.content


def _import(api, token: str, data: bytes) -> dict[str, Any]:
    created = _ok(
        api.call("POST", "/users/me/imports", token, json={"format": "ai-lifestyle-json"}), 201
    )
    upload = created["upload"]
    sent = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("export.zip", data)}, timeout=30
    )
    assert sent.status_code in {200, 201, 204}, sent.text
    _ok(api.call("POST", f"{created['statusUrl']}/start", token), 202)
    api.run_account_jobs()
    return _ok(api.call("GET", created["statusUrl"], token))


def _document(data: bytes) -> dict[str, Any]:
    return dict(json.loads(zipfile.ZipFile(io.BytesIO(data)).read("export.json")))


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The document with goal ids replaced by the goals' titles, what must change removed,
    and lists in an order that does not depend on ids."""
    titles = {goal["goalId"]: goal["title"] for goal in document["goals"]}

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: clean(inner) for key, inner in value.items() if key not in CHANGING}
        if isinstance(value, list):
            return [clean(inner) for inner in value]
        if isinstance(value, str) and value in titles:
            return f"goal:{titles[value]}"
        return value

    goals = sorted(
        (
            {
                **goal,
                "activities": sorted(
                    goal["activities"], key=lambda a: (a["activityDate"], a["value"])
                ),
            }
            for goal in document["goals"]
        ),
        key=lambda goal: goal["title"],
    )
    journal = sorted(document["journal"], key=lambda entry: entry["title"])
    return clean(
        {
            "format": document["format"],
            "version": document["version"],
            # The new account's own stamps (created, signed in) are its own.
            "profile": {
                key: value
                for key, value in document["profile"].items()
                if key not in {"createdAt", "lastLoginAt", "emailVerified"}
            },
            "encryption": {
                key: value
                for key, value in document["encryption"].items()
                if key not in KEY_SET_STAMPS
            },
            "vacations": document["vacations"],
            "goals": goals,
            "journal": journal,
            "sharesGiven": document["sharesGiven"],
            "sharesReceived": document["sharesReceived"],
        }
    )


def _differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two documents differ, as paths with both values (the assertion's message)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            found
            for key in sorted(before.keys() | after.keys())
            for found in _differences(before.get(key), after.get(key), f"{path}.{key}")
        ]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            found
            for index, pair in enumerate(zip(before, after, strict=True))
            for found in _differences(*pair, f"{path}[{index}]")
        ]
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def _register_again(api, email: str) -> str:
    _ok(
        api.call(
            "POST",
            "/auth/register",
            json={
                "email": email,
                "password": STRONG_PASSWORD,
                "firstName": "Ada",
                "lastName": "Lovelace",
            },
        ),
        201,
    )
    assert api.verify(email).returncode == 0
    login = _ok(api.call("POST", "/auth/login", json={"email": email, "password": STRONG_PASSWORD}))
    return str(login["accessToken"])


def test_export_delete_import_export_gives_the_same_account(api, worker_env):
    worker_env.setenv("ACCOUNT_DELETION_SWEEP_SECONDS", "0")
    email, login = api.new_account()
    token = login["accessToken"]
    browser = Browser.set_up(bits=2048)
    _fill(api, token, browser)
    first = _export(api, token)

    _ok(api.call("DELETE", "/users/me", token, json={"password": STRONG_PASSWORD}), 202)
    api.run_account_jobs()
    assert _ok(api.call("GET", "/users/me/deletion", token))["status"] == "completed"

    new_token = _register_again(api, email)
    imported = _import(api, new_token, first)
    assert imported["status"] == "completed", imported
    assert imported["report"]["skipped"] == [], imported["report"]
    assert imported["report"]["imported"] == {
        "goals": 4,
        "activities": 12,
        "journalEntries": 2,
        "profile": True,
        "encryptionKeys": True,
    }
    second = _export(api, new_token)

    before, after = _document(first), _document(second)
    assert before["account"]["userId"] != after["account"]["userId"]
    assert {goal["goalId"] for goal in before["goals"]}.isdisjoint(
        goal["goalId"] for goal in after["goals"]
    )
    differences = _differences(_comparable(before), _comparable(after))
    assert not differences, "\n".join(differences)
    # What came across is there (not merely equally absent in both).
    assert after["vacations"] == [VACATION]
    by_title = {goal["title"]: goal for goal in after["goals"]}
    assert by_title["Water"]["status"] == "paused"
    assert by_title["Water"]["pauses"] == [
        PAST_PAUSE,
        {"from": "2026-11-30", "until": None, "reason": None},
    ]
    assert by_title["Read 1,000 pages"]["reminder"] == {"enabled": True, "localTime": "07:30"}
    # Imported entries carry their label pointers: a filter by one label finds them.
    for filters in ({"tag": "BOOKS"}, {"mood": "happy"}, {"template": "daily_reflection"}):
        listed = _ok(api.call("GET", "/journal", new_token, params=filters))
        assert [entry["title"] for entry in listed["entries"]] == ["A good week"], filters

    # The same password opens the encrypted entry in the new account.
    user_id = after["account"]["userId"]
    keys = _ok(api.call("GET", f"/encryption/user/{user_id}", new_token))
    [private] = [entry for entry in after["journal"] if entry["isEncrypted"]]
    opened = _ok(api.call("GET", f"/journal/{private['entryId']}", new_token))
    assert Browser.unlock(MASTER_PASSWORD, keys).decrypt_entry(opened) == SECRET
