"""Object-level authorization over HTTP, built from the app's own route table.

User A owns one object of each kind (goal, activity, journal entry, a share of that entry with
a third user C, an export of A's data). User B calls every route that takes an id, with every
method the route declares, using A's ids (and mixes of B's and A's ids): each answer is 404
in the envelope. A then reads everything again and every body is exactly what it was
(versions included; an export's download link is signed anew on each read, so it is left
out). Odd ids (`#`, `/`, `..`, NUL, very long) are 404 too, never a 500.

Routes that name a person (a user id or an email address: the user lookup and the encryption
key reads) are not objects one user owns: B may ask about A, and learns exactly what sharing
needs and nothing more (PERSON_VIEWS): whether A has keys and, to wrap a content key for A,
A's public key; never A's salt or wrapped private key. An id or address nobody has answers
exactly like an account without keys. A malformed id or address is 400, never a 500.

Routes without ids act on the caller alone. Of those, the session routes (CALLER_ROUTES)
reach beyond this app's table, into Cognito: B changing its password and signing out
everywhere leaves A's sessions and password as they were.
"""

import http.client
import json
import re
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from app import api as app_routes
from tests import contract, import_files
from tests.browser_crypto import Browser
from tests.helpers import STRONG_PASSWORD, assert_envelope

# The kinds of id a path can carry. A new kind makes this test fail until it is covered here.
# A pause is named by its goal and its first day, a vacation by its first day (the caller's).
OBJECT_KINDS = {
    "goalId",
    "activityId",
    "entryId",
    "shareId",
    "exportId",
    "importId",
    "pauseFrom",
    "vacationFrom",
}
PERSON_KINDS = {"userId", "email"}
ID_KINDS = OBJECT_KINDS | PERSON_KINDS
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_TODAY = datetime.now(UTC).date()  # a new account's clock is UTC


def _day(offset: int) -> str:
    return (_TODAY + timedelta(days=offset)).isoformat()


# A body each write would accept from the owner, so that 404 can only mean "not yours".
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("/goals/{goalId}", "PUT"): {"title": "Taken over", "description": "changed"},
    ("/goals/{goalId}/activities", "POST"): {"value": 3},
    ("/goals/{goalId}/activities/batch", "POST"): {
        "activities": [{"value": 2, "idempotencyKey": "matrix-1"}, {"value": 1}]
    },
    ("/goals/{goalId}/activities/{activityId}", "PUT"): {"value": 99},
    ("/goals/{goalId}/pause", "POST"): {"from": _day(40), "until": _day(41)},
    ("/goals/{goalId}/resume", "POST"): {},
    ("/journal/{entryId}", "PUT"): {"title": "Taken over", "mood": "sneaky"},
    # Filled in by the `owners` fixture with C's address (C can receive shares).
    ("/journal/{entryId}/share", "POST"): {"recipientEmail": None},
    ("/users/me/imports/{importId}/start", "POST"): {},
}


# Session routes: no id, the access token names the account (README, "Sessions").
CALLER_ROUTES = {("/auth/signout-everywhere", "POST"), ("/auth/password/change", "POST")}

# Public routes own no user data (health, features, auth, the API's documentation).
PUBLIC_PREFIXES = ("/health", "/config/", "/auth/", "/docs", "/openapi")


def data_routes() -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, method in app_routes.declared
        if not path.startswith(PUBLIC_PREFIXES)
    ]


def _kinds(path: str) -> set[str]:
    return set(_PLACEHOLDER.findall(path))


def id_routes() -> list[tuple[str, str]]:
    """Every (path, method) of the app whose path carries the id of an object a user owns."""
    return [
        (path, method)
        for path, method in data_routes()
        if "{" in path and not _kinds(path) & PERSON_KINDS
    ]


def person_routes() -> list[tuple[str, str]]:
    """Every (path, method) of the app whose path names a person (a user id or an address)."""
    return [(path, method) for path, method in data_routes() if _kinds(path) & PERSON_KINDS]


# What another user learns from each person route about A, who has keys: exactly these fields.
# (`status` 404 with NOT_FOUND: an id without keys, or one nobody has.)
PERSON_VIEWS: dict[tuple[str, str], set[str]] = {
    ("/users/by-email/{email}", "GET"): {"userId", "hasEncryption"},
    ("/users/{userId}", "GET"): {"userId", "hasEncryption"},
    ("/encryption/check/{userId}", "GET"): {"userId", "hasEncryption"},
    ("/encryption/user/{userId}", "GET"): {"userId", "publicKey", "publicKeyId", "hasEncryption"},
}


def _fill(path: str, ids: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: urllib.parse.quote(ids[match.group(1)], safe=""), path)


def _share(api: Any, token: str, entry_id: str, recipient_id: str) -> str:
    shared = api.call(
        "POST",
        "/shares",
        token,
        json={"itemType": "journal", "itemId": entry_id, "recipientId": recipient_id},
    )
    assert shared.status_code == 201, shared.text
    return str(shared.json()["shareId"])


def _seed(api: Any, token: str, title: str, recipient_id: str, offset: int) -> dict[str, str]:
    """One object of each kind; a pause and a vacation starting `offset` days ahead (A's and
    B's differ, so that B's own goal or vacations never hold A's day)."""
    goal = api.call(
        "POST",
        "/goals",
        token,
        json={
            "title": title,
            "goalPattern": "milestone",
            "target": {"value": 1000, "unit": "pages"},
        },
    )
    assert goal.status_code == 201, goal.text
    goal_id = goal.json()["goalId"]
    activity = api.call(
        "POST", f"/goals/{goal_id}/activities", token, json={"value": 10, "note": "first"}
    )
    assert activity.status_code == 201, activity.text
    entry = api.call(
        "POST",
        "/journal",
        token,
        json={
            "title": f"{title} notes",
            "content": "<p>read ten pages</p>",
            "tags": ["books"],
            "mood": "calm",
            "linkedGoalIds": [goal_id],
            "goalProgress": [{"goalId": goal_id, "progressValue": 5}],
        },
    )
    assert entry.status_code == 201, entry.text
    entry_id = entry.json()["entryId"]
    export = api.call("POST", "/users/me/exports", token)
    assert export.status_code == 202, export.text
    paused = api.call(
        "POST", f"/goals/{goal_id}/pause", token, json={"from": _day(offset), "until": _day(offset)}
    )
    assert paused.status_code == 200, paused.text
    vacation = {"from": _day(offset + 20), "until": _day(offset + 21)}
    away = api.call("POST", "/users/me/vacations", token, json=vacation)
    assert away.status_code == 200, away.text
    return {
        "pauseFrom": _day(offset),
        "vacationFrom": _day(offset + 20),
        "goalId": goal_id,
        "activityId": activity.json()["activityId"],
        "entryId": entry_id,
        "shareId": _share(api, token, entry_id, recipient_id),
        "exportId": export.json()["exportId"],
        "importId": _uploaded_import(api, token),
    }


def _without_fresh_links(body: Any) -> Any:
    """An export's body without its download link, which is signed anew on every read."""
    exports = body.get("exports", [body]) if isinstance(body, dict) else []
    for export in exports:
        if isinstance(export, dict) and isinstance(export.get("download"), dict):
            export["download"] = {
                k: v for k, v in export["download"].items() if k not in {"url", "expiresAt"}
            }
    return body


def _uploaded_import(api: Any, token: str) -> str:
    """An import whose file is uploaded (so its owner may start it), not yet started."""
    created = api.call("POST", "/users/me/imports", token, json={"format": "ai-lifestyle-json"})
    assert created.status_code == 201, created.text
    upload = created.json()["upload"]
    sent = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("export.json", json.dumps(import_files.document()).encode())},
        timeout=15,
    )
    assert sent.status_code in (200, 201, 204), sent.text
    return str(created.json()["importId"])


def _person(api: Any, email: str, token: str, with_keys: bool) -> dict[str, str]:
    if with_keys:
        keys = api.call(
            "POST", "/encryption/setup", token, json=Browser.set_up(bits=2048).setup_body()
        )
        assert keys.status_code == 201, keys.text
    user_id = api.call("GET", "/users/profile", token).json()["userId"]
    return {"userId": user_id, "email": email}


def _snapshot(api: Any, token: str, ids: dict[str, str]) -> dict[str, Any]:
    """Every body the owner can read: each GET of the app, for the owner's ids."""
    reads = [path for path, method in data_routes() if method == "GET"]
    reads += [
        "/goals?status=draft,active,paused,completed,archived&limit=100",
        "/journal?filter=all&limit=100",
    ]
    snapshot = {}
    for path in reads:
        response = api.call("GET", _fill(path, ids), token)
        # An account nobody is deleting has no deletion to read (and must still have none).
        if path == "/users/me/deletion":
            assert_envelope(response.json(), 404, "DELETION_NOT_FOUND")
            snapshot[path] = response.status_code  # the envelope's request id differs
            continue
        assert response.status_code == 200, (path, response.text)
        body = _without_fresh_links(response.json())
        if path == "/sync":
            body.pop("nextCursor")  # it moves with the clock (its settle horizon)
        snapshot[path] = body
    return snapshot


@pytest.fixture(scope="module")
def third(api) -> tuple[str, str, str]:
    """C: someone both A and B share with (the token, the user id, the address)."""
    email, login = api.new_account()
    token = login["accessToken"]
    return token, _person(api, email, token, True)["userId"], email


@pytest.fixture(scope="module")
def owners(api, third):
    a_email, a_login = api.new_account()
    b_email, b_login = api.new_account()
    a_token, b_token = a_login["accessToken"], b_login["accessToken"]
    _, c_id, c_email = third
    VALID_BODIES[("/journal/{entryId}/share", "POST")] = {"recipientEmail": c_email}
    # A has encryption keys, B has none: each person route shows both cases.
    a_ids = {**_seed(api, a_token, "Alice reads", c_id, 5), **_person(api, a_email, a_token, True)}
    b_ids = {**_seed(api, b_token, "Bob runs", c_id, 7), **_person(api, b_email, b_token, False)}
    return a_token, a_ids, b_token, b_ids


def test_the_matrix_covers_every_id_route():
    routes = id_routes() + person_routes()
    kinds = {kind for path, _ in routes for kind in _PLACEHOLDER.findall(path)}
    assert kinds == ID_KINDS
    writes = {(path, method) for path, method in routes if method in {"POST", "PUT"}}
    assert writes == set(VALID_BODIES)
    # goal (3 methods), its activities (2), a batch of them (1), one activity (2), progress
    # (1), pause, resume and a pause (3), a vacation (1), entry (3), share by address (1),
    # revoke (3 paths), an export (1), an import (status, start).
    assert len(id_routes()) >= 22
    assert set(person_routes()) == set(PERSON_VIEWS)


def _id_mixes(path: str, a_ids: dict[str, str], b_ids: dict[str, str]) -> list[dict[str, str]]:
    """A's ids alone, and each mix of B's and A's ids where one of them is A's."""
    kinds = _PLACEHOLDER.findall(path)
    mixes = [a_ids]
    if len(kinds) > 1:
        for owned_by_b in kinds:
            mixes.append({**a_ids, owned_by_b: b_ids[owned_by_b]})
    return mixes


def test_another_user_gets_404_everywhere_and_changes_nothing(api, owners):
    a_token, a_ids, b_token, b_ids = owners
    before = _snapshot(api, a_token, a_ids)
    calls = 0
    # Deletes last, so that a delete that wrongly worked cannot hide a wrong edit.
    for path, method in sorted(id_routes(), key=lambda route: route[1] == "DELETE"):
        for ids in _id_mixes(path, a_ids, b_ids):
            concrete = _fill(path, ids)
            response = api.call(method, concrete, b_token, json=VALID_BODIES.get((path, method)))
            assert response.status_code == 404, (method, concrete, response.text)
            body = assert_envelope(response.json(), 404)
            assert body["error"].endswith("_NOT_FOUND"), body
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            calls += 1
    # The two activity routes and the pause route also have two mixes.
    assert calls == len(id_routes()) + 3 * 2
    # B cannot reach A's objects through links or filters either.
    linked = api.call(
        "POST",
        "/journal",
        b_token,
        json={"title": "Steal", "content": "<p>x</p>", "linkedGoalIds": [a_ids["goalId"]]},
    )
    assert linked.status_code == 422, linked.text
    filtered = api.call("GET", f"/journal?goalId={a_ids['goalId']}&filter=all", b_token)
    assert filtered.json()["entries"] == []
    assert _snapshot(api, a_token, a_ids) == before


def test_b_can_do_all_of_it_to_its_own_objects(api, owners, third):
    """The control: the same calls with B's own ids succeed, so the 404s above mean 'not
    yours' and not a wrong body or path. Each revoke gets a share of its own (one revoked
    share is gone for the next path), before the entry's own delete."""
    _, _, b_token, b_ids = owners
    _, c_id, _ = third
    for path, method in sorted(
        id_routes(),
        key=lambda route: (
            route[1] == "DELETE",
            "{shareId}" not in route[0],
            -route[0].count("{"),
            route[0].startswith("/goals"),
        ),
    ):
        ids = b_ids
        if "{shareId}" in path:
            ids = {**b_ids, "shareId": _share(api, b_token, b_ids["entryId"], c_id)}
        response = api.call(
            method, _fill(path, ids), b_token, json=VALID_BODIES.get((path, method))
        )
        assert response.status_code < 300, (method, path, response.text)


def test_nobody_but_its_two_parties_reaches_a_share(api, owners, third):
    """A share from A to C: B (a stranger to it) can neither revoke it nor read through it,
    and both parties still can."""
    a_token, a_ids, b_token, _ = owners
    c_token, _, _ = third
    entry_path = f"/journal/{a_ids['entryId']}"
    for path in ("/shares/{shareId}", "/encryption/shares/{shareId}", "/journal/shares/{shareId}"):
        response = api.call("DELETE", _fill(path, a_ids), b_token)
        assert_envelope(response.json(), response.status_code, "SHARE_NOT_FOUND")
    assert api.call("GET", entry_path, b_token).status_code == 404
    for filter_ in ("shared-with-me", "shared-by-me", "all"):
        listed = api.call("GET", f"/journal?filter={filter_}", b_token).json()["entries"]
        assert a_ids["entryId"] not in json.dumps(listed)
    assert a_ids["shareId"] not in api.call("GET", "/shares", b_token).text
    seen = api.call("GET", entry_path, c_token)
    assert seen.json()["shareAccess"]["shareId"] == a_ids["shareId"]
    assert a_ids["shareId"] in api.call("GET", "/shares?direction=received", c_token).text
    assert a_ids["shareId"] in api.call("GET", "/shares?direction=sent", a_token).text


ODD_IDS = [
    "a#b",
    "GOAL#x",
    "#",
    "USER#",
    "a/b",
    "../..",
    "..",
    ".",
    "%2e%2e",
    "a\x00b",
    "\x00",
    "ü🙂中",
    " ",
    "a" * 1025,
    "b" * 2049,
    "c" * 8000,
]


def _raw(
    api: Any, method: str, path: str, token: str, sent: dict[str, Any] | None = None
) -> tuple[int, dict[str, str], Any]:
    """One request with the path sent exactly as given (no client-side normalization), with
    `sent` as its body (`{}` for a write without one)."""
    parts = urllib.parse.urlsplit(api.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        body = json.dumps(sent or {}).encode() if method in {"POST", "PUT"} else None
        connection.request(
            method,
            path,
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        payload = response.read()
        return response.status, dict(response.getheaders()), json.loads(payload)
    finally:
        connection.close()


@pytest.mark.parametrize("odd", ODD_IDS, ids=lambda odd: repr(odd[:12]) + f"x{len(odd)}")
def test_odd_ids_are_404_never_500(api, owners, odd):
    a_token, a_ids, _, _ = owners
    for path, method in person_routes():
        # Not a user id or an address: 400 before anything is read or counted.
        concrete = _fill(path, {**a_ids, **dict.fromkeys(_kinds(path), odd)})
        status, headers, body = _raw(api, method, concrete, a_token)
        assert status == 400, (method, concrete[:120], status, body)
        assert_envelope(body, status, "VALIDATION_ERROR")
        assert headers["Access-Control-Allow-Origin"] == "*"
        contract.assert_matches(method, concrete, status, body)
    for path, method in id_routes():
        # Each id in turn is the odd one; the others are the owner's real ids.
        for kind in _PLACEHOLDER.findall(path):
            concrete = _fill(path, {**a_ids, kind: odd})
            # A body the route takes (a batch needs its list), so 404 can only be the id.
            sent = VALID_BODIES.get((path, method))
            status, headers, body = _raw(api, method, concrete, a_token, sent)
            assert status == 404, (method, concrete[:120], status, body)
            assert_envelope(body, status)
            assert headers["Access-Control-Allow-Origin"] == "*"
            contract.assert_matches(method, concrete, status, body)


def test_another_user_learns_only_what_sharing_needs(api, owners):
    a_token, a_ids, b_token, b_ids = owners
    before = _snapshot(api, a_token, a_ids)
    _, c_login = api.new_account()  # an account without keys
    c_token = c_login["accessToken"]
    c_ids = _person(api, api.call("GET", "/users/profile", c_token).json()["email"], c_token, False)
    nobody = {"userId": str(uuid.uuid4()), "email": f"nobody-{uuid.uuid4().hex[:8]}@example.com"}
    for (path, method), allowed in PERSON_VIEWS.items():
        # A has keys: B sees exactly the allowed fields, with A's id.
        seen = api.call(method, _fill(path, a_ids), b_token)
        assert seen.status_code == 200, (path, seen.text)
        assert set(seen.json()) == allowed, (path, seen.json())
        assert seen.json()["userId"] == a_ids["userId"]
        assert seen.json()["hasEncryption"] is True
        # Without keys, and nobody at all: the same answer, field for field.
        answers = [api.call(method, _fill(path, ids), b_token) for ids in (c_ids, nobody)]
        assert [answer.status_code for answer in answers] in ([200, 200], [404, 404]), path
        if answers[0].status_code == 404:
            for answer in answers:
                assert_envelope(answer.json(), 404, "NOT_FOUND")
        else:
            assert [set(answer.json()) for answer in answers] == [{"userId", "hasEncryption"}] * 2
            assert [answer.json()["hasEncryption"] for answer in answers] == [False, False]
    # Nothing B could call touched A's keys or profile, and B's own key routes name only B.
    assert api.call("DELETE", "/encryption/keys", b_token).json()["userId"] == b_ids["userId"]
    assert _snapshot(api, a_token, a_ids) == before


def test_session_routes_act_on_the_caller_alone(api):
    """B changes its password and signs out everywhere: A's sessions and password are as
    they were (the routes name no id; only the access token says whose account it is)."""
    assert set(app_routes.declared) >= CALLER_ROUTES
    assert not any("{" in path for path, _ in CALLER_ROUTES)
    a_email, a_login = api.new_account()
    b_email, b_login = api.new_account()
    new_password = "B0b's!newPass"
    changed = api.call(
        "POST",
        "/auth/password/change",
        b_login["accessToken"],
        json={"oldPassword": STRONG_PASSWORD, "newPassword": new_password},
    )
    assert changed.status_code == 200, changed.text
    b_again = api.call("POST", "/auth/login", json={"email": b_email, "password": new_password})
    assert b_again.status_code == 200, b_again.text
    signed_out = api.call("POST", "/auth/signout-everywhere", b_again.json()["accessToken"])
    assert signed_out.status_code == 200, signed_out.text
    refreshed = api.call("POST", "/auth/refresh", json={"refreshToken": a_login["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    a_again = api.call("POST", "/auth/login", json={"email": a_email, "password": STRONG_PASSWORD})
    assert a_again.status_code == 200, a_again.text


def test_the_account_routes_act_on_the_caller_alone(api):
    """`DELETE /users/me` and `GET /users/me/deletion` take no id: they can only ever name the
    caller. B sees no job while A's runs, and B's confirmation is checked against B's own
    password (a wrong one changes nothing of B, and nothing of A)."""
    _, a_login = api.new_account()
    _, b_login = api.new_account()
    a_token, b_token = a_login["accessToken"], b_login["accessToken"]
    b_profile = api.call("GET", "/users/profile", b_token).json()
    accepted = api.call("DELETE", "/users/me", a_token, json={"password": STRONG_PASSWORD})
    assert accepted.status_code == 202, accepted.text
    assert_envelope(
        api.call("GET", "/users/me/deletion", b_token).json(), 404, "DELETION_NOT_FOUND"
    )
    wrong = api.call("DELETE", "/users/me", b_token, json={"password": "A's, or a guess"})
    assert_envelope(wrong.json(), 403, "INCORRECT_PASSWORD")
    assert api.call("GET", "/users/profile", b_token).json() == b_profile
    assert_envelope(
        api.call("GET", "/users/me/deletion", b_token).json(), 404, "DELETION_NOT_FOUND"
    )
    assert api.call("GET", "/users/me/deletion", a_token).json()["status"] == "in_progress"


def test_the_export_routes_act_on_the_caller_alone(api, owners):
    """`/users/me/exports` names no user: each caller starts, lists and reads only their own
    exports (A's id in B's path is 404 above; here, neither list shows the other's)."""
    a_token, a_ids, b_token, b_ids = owners
    a_listed = [
        e["exportId"] for e in api.call("GET", "/users/me/exports", a_token).json()["exports"]
    ]
    b_listed = [
        e["exportId"] for e in api.call("GET", "/users/me/exports", b_token).json()["exports"]
    ]
    assert a_listed == [a_ids["exportId"]]
    assert b_listed == [b_ids["exportId"]]
    # B asking again answers B's own export still under way, never A's.
    again = api.call("POST", "/users/me/exports", b_token)
    assert again.status_code == 202, again.text
    assert again.json()["exportId"] == b_ids["exportId"]


def test_sync_acts_on_the_caller_alone(api, owners):
    """`GET /sync` names no user: each caller's feed holds their own goals, activities,
    entries and profile, never the other's (a share changes the owner's entry, not the
    recipient's feed)."""
    a_token, a_ids, b_token, b_ids = owners

    def feed(token: str) -> set[tuple[str, str]]:
        page = api.call("GET", "/sync?limit=100", token).json()
        assert page["hasMore"] is False
        return {(change["kind"], change["id"]) for change in page["changes"]}

    def owned(ids: dict[str, str]) -> set[tuple[str, str]]:
        return {
            ("profile", ids["userId"]),
            ("goal", ids["goalId"]),
            ("activity", ids["activityId"]),
            ("journalEntry", ids["entryId"]),
        }

    a_feed, b_feed = feed(a_token), feed(b_token)
    assert owned(a_ids) <= a_feed
    assert not owned(b_ids) & a_feed
    assert owned(b_ids) <= b_feed
    assert not owned(a_ids) & b_feed
