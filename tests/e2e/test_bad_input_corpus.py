"""A corpus of bad input, generated here and counted, sent over HTTP to every write route.

Every payload is invalid by construction: broken or non-object JSON, NaN/Infinity/1e400, deep
nesting, wrong content types, and for each checked field of each route: missing, wrong types,
empty, over its length limit in ASCII, emoji, NUL, lone surrogates and mixed scripts, ids
with `#` and `/`, and numbers no table can hold. Free-form JSON fields (goal metadata and
milestone rewards, activity context, location and attachments) get numbers no table can
hold, empty and oversized keys, deep nesting and oversized values. Bodies just under the
256 KB limit get the normal validation answer; just over, 413. The list routes get garbage
`page` and `limit`, and every date parameter the ends of the calendar in far-off time zones.

Every answer is below 500, in the envelope, with CORS, and nothing is written: the user's
data reads the same afterwards, the pool has no new user, and the password still works.
"""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from app import api as app_routes
from chalicelib.core.http import MAX_BODY_BYTES
from tests.browser_crypto import Browser
from tests.helpers import STRONG_PASSWORD, assert_envelope

JSON = "application/json"
MISSING = object()
SOMEONE = "b7e1c0d2-5f3a-4c8e-9d21-6a4b8e0f3c17"  # a well-formed user id
# Valid key material (its fields are what the corpus breaks): the account never gets keys.
KEYS = Browser.set_up(bits=2048).setup_body()
# Write routes that take no body (the caller is all they need).
NO_BODY = {
    ("/auth/mfa/setup", "POST"),
    ("/auth/signout-everywhere", "POST"),
    ("/users/me/imports/{importId}/start", "POST"),
    ("/goals/{goalId}/resume", "POST"),
}
# Deletes that take a body (a confirmation). Every case below is invalid, so none can reach
# the password check: the account is still there afterwards (the sign-in at the end).
DELETES_WITH_A_BODY = {("/users/me", "DELETE")}


@dataclass(frozen=True)
class Field:
    """A field the corpus breaks: where it is, what it holds, its length limit, and whether
    leaving it out or sending null (optional) or "" (empty_ok) would be a valid request:
    then those cases are left out."""

    path: str
    # "text", "number", "json" (a free-form object), "json list" (a list of them) or "items"
    # (a batch's list of items)
    kind: str
    max_length: int = 0
    optional: bool = False
    empty_ok: bool = False


@dataclass(frozen=True)
class Route:
    base: Callable[[dict[str, str]], dict[str, Any]]
    fields: tuple[Field, ...]


ROUTES: dict[tuple[str, str], Route] = {
    ("/auth/register", "POST"): Route(
        lambda c: {
            "email": "corpus-new@example.com",
            "password": STRONG_PASSWORD,
            "firstName": "Ada",
            "lastName": "Lovelace",
        },
        (
            Field("email", "text", 254),
            Field("password", "text", 128),
            Field("firstName", "text", 50),
        ),
    ),
    ("/auth/login", "POST"): Route(
        lambda c: {"email": c["email"], "password": STRONG_PASSWORD},
        (Field("email", "text", 254), Field("password", "text", 256)),
    ),
    ("/auth/refresh", "POST"): Route(
        lambda c: {"refreshToken": c["refreshToken"]}, (Field("refreshToken", "text", 8192),)
    ),
    ("/auth/email/verify", "POST"): Route(
        lambda c: {"token": f"{c['email']}:123456"}, (Field("token", "text", 400),)
    ),
    ("/auth/email/resend", "POST"): Route(
        lambda c: {"email": c["email"]}, (Field("email", "text", 254),)
    ),
    ("/auth/password/reset-request", "POST"): Route(
        lambda c: {"email": c["email"]}, (Field("email", "text", 254),)
    ),
    ("/auth/password/reset-confirm", "POST"): Route(
        # moto accepts any code: one valid body here would change the password.
        lambda c: {"token": f"{c['email']}:123456", "newPassword": "N3w!Passw0rd"},
        (Field("token", "text", 400), Field("newPassword", "text", 128)),
    ),
    ("/auth/password/change", "POST"): Route(
        # Each case breaks one field, so none reaches Cognito: the password stays as it is.
        lambda c: {"oldPassword": STRONG_PASSWORD, "newPassword": "N3w!Passw0rd"},
        (Field("oldPassword", "text", 256), Field("newPassword", "text", 128)),
    ),
    ("/auth/mfa/verify", "POST"): Route(
        lambda c: {"sessionToken": "c2Vzc2lvbg", "code": "123456"},
        (Field("sessionToken", "text", 8192), Field("code", "text", 6)),
    ),
    ("/auth/mfa/verify-setup", "POST"): Route(
        lambda c: {"code": "123456"}, (Field("code", "text", 6),)
    ),
    ("/auth/mfa/disable", "POST"): Route(lambda c: {"code": "123456"}, (Field("code", "text", 6),)),
    ("/users/profile", "PUT"): Route(
        lambda c: {"firstName": "Grace", "timezone": "Europe/Paris"},
        (
            Field("firstName", "text", 50, optional=True),
            Field("dayStartHour", "number", optional=True),
            Field("timezone", "text", 64, optional=True),
        ),
    ),
    ("/goals", "POST"): Route(
        lambda c: {
            "title": "Corpus goal",
            "goalPattern": "milestone",
            "target": {"value": 10, "unit": "pages"},
        },
        (
            Field("title", "text", 200),
            Field("goalPattern", "text", 9),
            Field("target.value", "number"),
            Field("metadata", "json", optional=True),
            Field("rewards.milestoneRewards", "json list", optional=True),
            # Without `enabled` beside it, any localTime is refused too: every case is bad.
            Field("reminder.localTime", "text", 5, optional=True),
        ),
    ),
    ("/goals/{goalId}", "PUT"): Route(
        lambda c: {"title": "Renamed goal", "target": {"value": 20}},
        (
            Field("title", "text", 200, optional=True),
            Field("target.value", "number", optional=True),
            Field("metadata", "json", optional=True),
            Field("reminder.localTime", "text", 5, optional=True),
        ),
    ),
    ("/goals/{goalId}/activities", "POST"): Route(
        lambda c: {"value": 2, "note": "corpus"},
        (
            Field("value", "number", optional=True),
            Field("note", "text", 500, optional=True, empty_ok=True),
            Field("context", "json", optional=True),
            Field("location", "json", optional=True),
            Field("attachments", "json list", optional=True),
        ),
    ),
    # Whole-request refusals only (the list itself): each item's own fields are judged per
    # item, answered 207 (test_bad_items_of_a_batch_are_refused_one_by_one below).
    ("/goals/{goalId}/activities/batch", "POST"): Route(
        lambda c: {"activities": [{"value": 2, "idempotencyKey": "corpus-batch-1"}]},
        (Field("activities", "items"),),
    ),
    **{
        (path, "POST"): Route(
            # Dates ahead of any test run: a case that wrongly passed would show in the snapshot.
            lambda c: {"from": "2099-01-01", "until": "2099-01-02", "reason": "corpus"},
            (
                Field("from", "text", 10, optional=True),
                Field("until", "text", 10, optional=True),
                Field("reason", "text", 200, optional=True, empty_ok=True),
            ),
        )
        for path in ("/goals/{goalId}/pause", "/users/me/vacations")
    },
    ("/goals/{goalId}/activities/{activityId}", "PUT"): Route(
        lambda c: {"value": 3},
        (
            Field("value", "number", optional=True),
            Field("context", "json", optional=True),
            Field("attachments", "json list", optional=True),
        ),
    ),
    ("/journal", "POST"): Route(
        lambda c: {"title": "Corpus entry", "content": "<p>hello</p>"},
        (Field("title", "text", 200), Field("content", "text", 50_000)),
    ),
    ("/encryption/setup", "POST"): Route(
        lambda c: dict(KEYS),
        (
            Field("salt", "text", 256),
            Field("encryptedPrivateKey", "text", 16384),
            Field("publicKey", "text", 4096),
            Field("publicKeyId", "text", 128),
        ),
    ),
    ("/encryption/recovery", "POST"): Route(
        lambda c: {"method": "mnemonic", "encryptedRecoveryKey": KEYS["salt"]},
        (Field("method", "text", 9), Field("encryptedRecoveryKey", "text", 16384)),
    ),
    ("/journal/{entryId}", "PUT"): Route(
        lambda c: {"title": "Renamed entry"},
        (
            Field("title", "text", 200, optional=True),
            Field("content", "text", 50_000, optional=True),
        ),
    ),
    **{
        (path, "POST"): Route(
            lambda c: {
                "itemType": "journal",
                "itemId": c["entryId"],
                "recipientId": SOMEONE,
                "permissions": ["read"],
                "expiresInHours": 24,
            },
            (
                Field("itemType", "text", 7),
                Field("itemId", "text", 100),
                Field("recipientId", "text", 100),
                Field("encryptedKey", "text", 2048, optional=True),
                Field("expiresInHours", "number", optional=True),
            ),
        )
        for path in ("/shares", "/encryption/shares")
    },
    ("/journal/{entryId}/share", "POST"): Route(
        lambda c: {"recipientEmail": "friend@example.com", "expiresInHours": 24},
        (Field("recipientEmail", "text", 254), Field("expiresInHours", "number", optional=True)),
    ),
    ("/users/me", "DELETE"): Route(
        lambda c: {"password": STRONG_PASSWORD}, (Field("password", "text", 256),)
    ),
    # No body or {}: the route takes no field, so any field at all is refused (an export
    # wrongly started would show in the snapshot's list of exports).
    ("/users/me/exports", "POST"): Route(lambda c: {}, (Field("format", "text", optional=True),)),
    ("/users/me/imports", "POST"): Route(
        lambda c: {"format": "ai-lifestyle-json", "fileName": "export.zip"},
        (Field("format", "text", 20), Field("fileName", "text", 255, optional=True)),
    ),
}


def write_routes() -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, method in app_routes.declared
        if (method in {"POST", "PUT", "PATCH"} and (path, method) not in NO_BODY)
        or (path, method) in DELETES_WITH_A_BODY
    ]


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def _over(length: int, unit: str) -> str:
    return (unit * (length + 1))[: length + 1]


def text_values(field: Field) -> list[tuple[str, Any]]:
    over = field.max_length
    return [
        ("number", 12345),
        ("giant int", 10**30),
        ("negative float", -1.5),
        ("bool", True),
        ("list", ["x"]),
        ("operator object", {"$ne": ""}),
        ("nested 30", _nested(30)),
        ("empty", ""),
        ("over limit ascii", _over(over, "x")),
        ("over limit emoji", _over(over, "🙂")),
        ("over limit NUL", _over(over, "\x00")),
        ("over limit lone surrogate", _over(over, "\ud800")),
        ("over limit mixed scripts", _over(over, "é中\u202eب🙂")),
        ("over limit id-like", _over(over, "GOAL#../")),
    ]


def number_values() -> list[tuple[str, Any]]:
    return [
        ("word", "abc"),
        ("empty string", ""),
        ("list", ["1"]),
        ("operator object", {"$gt": 0}),
        ("nested 30", _nested(30)),
        ("NaN string", "NaN"),
        ("Infinity string", "Infinity"),
        ("-Infinity string", "-Infinity"),
        ("1e400 string", "1e400"),
        ("1e308", 1e308),
        ("-1e308", -1e308),
        ("42 digits", 10**41 + 7),
        ("1e-300", 1e-300),
    ]


def json_values() -> list[tuple[str, Any]]:
    """Free-form objects that DynamoDB could not store, or that break the key, depth or size
    rules (issue 10, item 3)."""
    return [
        ("1e-200", {"foo": 1e-200}),
        ("1e200", {"foo": 1e200}),
        ("50-digit integer", {"foo": 10**49 + 7}),
        ("-1e130 in a list", {"a": [{"b": -1e130}]}),
        ("empty key", {"": 1}),
        ("empty key nested", {"a": {"": 1}}),
        ("70,000-character key", {"k" * 70_000: 1}),
        ("256-character key", {"k" * 256: 1}),
        ("nested 11", _nested(11)),
        ("over 4096 bytes", {"text": "x" * 4_100}),
        ("a number", 5),
        ("a list", ["x"]),
    ]


def items_values() -> list[tuple[str, Any]]:
    """A batch's list that is no batch: not a list, empty, or over 100 items."""
    item = {"value": 1, "idempotencyKey": "corpus-item"}
    return [
        ("a number", 5),
        ("a string", "activities"),
        ("an object", item),
        ("nested 30", _nested(30)),
        ("empty", []),
        ("101 items", [item] * 101),
        ("1,000 items", [{}] * 1000),
    ]


def field_cases(field: Field) -> list[tuple[str, Any]]:
    if field.kind == "items":
        return [*items_values(), ("missing", MISSING), ("null", None)]
    if field.kind.startswith("json"):
        listed = field.kind == "json list"
        return [(label, [value] if listed else value) for label, value in json_values()]
    cases = text_values(field) if field.kind == "text" else number_values()
    if field.empty_ok:
        cases = [(label, value) for label, value in cases if value != ""]
    if not field.optional:
        cases += [("missing", MISSING), ("null", None)]
    return cases


def _with(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    *parents, name = path.split(".")
    node = copy
    for parent in parents:
        node = node.setdefault(parent, {})
    if value is MISSING:
        node.pop(name, None)
    else:
        node[name] = value
    return copy


def encode(body: Any) -> bytes:
    try:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates travel as JSON escapes
        return json.dumps(body).encode("ascii")


def _deep(opening: str, closing: str, depth: int) -> bytes:
    return (opening * depth + closing * depth).encode()


# Whole bodies that no route accepts, and the content type they are sent with.
BODY_CASES: list[tuple[str, bytes, str]] = [
    ("broken JSON", b"{oops", JSON),
    ("truncated", b'{"title": "x"', JSON),
    ("NaN", b'{"value": NaN, "title": NaN}', JSON),
    ("Infinity", b'{"value": Infinity}', JSON),
    ("-Infinity", b'{"value": -Infinity}', JSON),
    ("1e400", b'{"value": 1e400, "title": 1e400}', JSON),
    ("-1e400", b'{"value": -1e400}', JSON),
    ("nested 40 objects", b'{"a":' * 40 + b"1" + b"}" * 40, JSON),
    ("nested 40 lists", _deep("[", "]", 40), JSON),
    ("nested 5000 lists", _deep("[", "]", 5000), JSON),
    ("a list", b"[]", JSON),
    ("a string", b'"title"', JSON),
    ("a number", b"42", JSON),
    ("true", b"true", JSON),
    ("invalid UTF-8", b'{"title": "\xff\xfe"}', JSON),
    ("UTF-8 BOM", "\ufeff{}".encode(), JSON),
    ("raw NUL in a string", b'{"title": "a\x00b"}', JSON),
    ("trailing garbage", b"{} garbage", JSON),
    ("two documents", b'{"a": 1}{"b": 2}', JSON),
    ("form encoded", b"email=a%40b.c&password=x", "application/x-www-form-urlencoded"),
    ("plain text", b'{"title": "x"}', "text/plain"),
    ("xml", b"<title>x</title>", "application/xml"),
]


@dataclass(frozen=True)
class Case:
    route: tuple[str, str]
    label: str
    raw: bytes
    content_type: str
    statuses: frozenset[int]


def build_corpus(context: dict[str, str]) -> list[Case]:
    cases: list[Case] = []
    for route in write_routes():
        spec = ROUTES[route]
        base = spec.base(context)
        for label, raw, content_type in BODY_CASES:
            expected = {415} if content_type != JSON else {400}
            cases.append(Case(route, label, raw, content_type, frozenset(expected)))
        for field in spec.fields:
            for label, value in field_cases(field):
                raw = encode(_with(base, field.path, value))
                expected = {413} if len(raw) > MAX_BODY_BYTES else {400}
                cases.append(Case(route, f"{field.path}: {label}", raw, JSON, frozenset(expected)))
        # Just under the limit: the ordinary validation answer. Just over: 413.
        first = spec.fields[0]
        for size, status in ((MAX_BODY_BYTES - 1, 400), (MAX_BODY_BYTES + 1, 413)):
            skeleton = encode(_with(base, first.path, ""))
            raw = encode(_with(base, first.path, "x" * (size - len(skeleton))))
            assert len(raw) == size
            cases.append(Case(route, f"{size} bytes", raw, JSON, frozenset({status})))
    return cases


def _fill(path: str, context: dict[str, str]) -> str:
    return (
        path.replace("{goalId}", context["goalId"])
        .replace("{activityId}", context["activityId"])
        .replace("{entryId}", context["entryId"])
        .replace("{userId}", context["userId"])
    )


@pytest.fixture(scope="module")
def account(api):
    email, login = api.new_account()
    token = login["accessToken"]
    goal = api.call(
        "POST",
        "/goals",
        token,
        json={
            "title": "Corpus target",
            "goalPattern": "milestone",
            "target": {"value": 1000, "unit": "pages"},
        },
    ).json()
    activity = api.call(
        "POST", f"/goals/{goal['goalId']}/activities", token, json={"value": 4}
    ).json()
    entry = api.call(
        "POST",
        "/journal",
        token,
        json={
            "title": "Kept",
            "content": "<p>kept as is</p>",
            "linkedGoalIds": [goal["goalId"]],
            "goalProgress": [{"goalId": goal["goalId"], "progressValue": 1}],
        },
    ).json()
    return {
        "email": email,
        "token": token,
        "userId": login["user"]["userId"],
        "refreshToken": login["refreshToken"],
        "goalId": goal["goalId"],
        "activityId": activity["activityId"],
        "entryId": entry["entryId"],
    }


def _snapshot(api: Any, context: dict[str, str]) -> dict[str, Any]:
    token = context["token"]
    reads = [
        "/users/profile",
        "/goals?status=draft,active,paused,completed,archived&limit=100",
        "/goals/{goalId}",
        "/goals/{goalId}/activities?limit=100",
        "/goals/{goalId}/progress?period=all",
        "/journal?filter=all&limit=100",
        "/journal/{entryId}",
        "/journal/stats",
        "/encryption/check/{userId}",
        "/encryption/user/{userId}",
        "/users/me/exports",
        "/users/me/vacations",
        "/sync?limit=100",  # a refused write stamps nothing either
    ]
    snapshot = {path: api.call("GET", _fill(path, context), token).json() for path in reads}
    snapshot["/sync?limit=100"].pop("nextCursor")  # it moves with the clock
    return snapshot


def _pool_users(local_stack: Any) -> int:
    cognito = local_stack.client("cognito-idp")
    pages = cognito.get_paginator("list_users").paginate(UserPoolId=local_stack.info.user_pool_id)
    return sum(len(page["Users"]) for page in pages)


def test_the_corpus_covers_every_write_route():
    assert set(write_routes()) == set(ROUTES)
    assert len(write_routes()) == 29


def test_bad_input_is_refused_in_the_envelope_and_writes_nothing(api, account, local_stack):
    corpus = build_corpus(account)
    # 29 routes x (22 whole bodies + 2 sizes) + 12-16 cases per checked field, and 12 per
    # free-form JSON field (8 of them): 1,732 in all.
    assert len(corpus) == 1732, len(corpus)
    before, users_before = _snapshot(api, account), _pool_users(local_stack)
    problems = []
    statuses_seen: list[int] = []
    for case in corpus:
        path, method = case.route
        response = api.call(
            method,
            _fill(path, account),
            account["token"],
            data=case.raw,
            headers={"Content-Type": case.content_type},
        )
        statuses_seen.append(response.status_code)
        body = response.json() if response.content else None
        envelope_ok = isinstance(body, dict) and {"error", "request_id"} <= set(body)
        if (
            response.status_code not in case.statuses
            or not envelope_ok
            or response.headers.get("Access-Control-Allow-Origin") != "*"
        ):
            problems.append((method, path, case.label, response.status_code, response.text[:200]))
            continue
        assert isinstance(body, dict)
        assert_envelope(body, response.status_code)
        if response.status_code == 400:
            assert body["error"] in {"INVALID_JSON", "VALIDATION_ERROR"}, (case.label, body)
    assert not problems, f"{len(problems)} of {len(corpus)} cases: {problems[:15]}"
    statuses = Counter(sorted(statuses_seen))
    print(f"bad-input corpus: {len(corpus)} cases, answers {dict(statuses)}")
    assert statuses == {400: 1612, 415: 87, 413: 33}, statuses
    assert _snapshot(api, account) == before
    assert _pool_users(local_stack) == users_before
    # The password is the one it was (reset-confirm, change and friends changed nothing).
    again = api.call(
        "POST", "/auth/login", json={"email": account["email"], "password": STRONG_PASSWORD}
    )
    assert again.status_code == 200
    assert again.json()["user"] == before["/users/profile"]


BAD_KEYS: list[tuple[str, Any]] = [
    ("missing", MISSING),
    ("null", None),
    ("empty", ""),
    ("a space", "a key"),
    ("129 characters", "k" * 129),
    ("emoji", "🙂"),
    ("NUL", "a\x00b"),
    ("a number", 7),
    ("a list", ["k"]),
    ("an object", {"$ne": ""}),
]


def _batch_item_cases() -> list[tuple[str, Any]]:
    """Every bad field the single log's corpus sends, as batch items (each with a key of its
    own), every bad key on a valid activity, and items that are no object."""
    single = ROUTES[("/goals/{goalId}/activities", "POST")]
    base = single.base({})
    cases: list[tuple[str, Any]] = []
    for field in single.fields:
        for label, value in field_cases(field):
            if label == "nested 30":  # three levels deeper in a batch: the whole body's 400
                continue
            item = {**_with(base, field.path, value), "idempotencyKey": f"item-{len(cases)}"}
            cases.append((f"{field.path}: {label}", item))
    for label, key in BAD_KEYS:
        cases.append((f"idempotencyKey: {label}", _with(base, "idempotencyKey", key)))
    cases += [("a number", 5), ("a string", "x"), ("null", None), ("a list", [base])]
    return cases


def test_bad_items_of_a_batch_are_refused_one_by_one(api, account):
    """Each bad item of a batch gets the 400 its single log would get, in the envelope, in
    its place; a valid item beside them is written, and nothing else is."""
    cases = _batch_item_cases()
    assert len(cases) == 74, len(cases)
    token, goal_id = account["token"], account["goalId"]
    path = f"/goals/{goal_id}/activities/batch"
    before = _snapshot(api, account)
    sent = encode({"activities": [item for _, item in cases]})
    assert len(sent) < MAX_BODY_BYTES  # one batch holds them all
    response = api.call("POST", path, token, data=sent, headers={"Content-Type": JSON})
    assert response.status_code == 207, response.text[:300]
    body = response.json()
    assert (body["written"], body["replayed"], body["refused"]) == (0, 0, len(cases))
    problems = []
    for (label, _), result in zip(cases, body["results"], strict=True):
        error = result["error"]
        if result["status"] != 400 or result["activity"] is not None or error is None:
            problems.append((label, result["status"]))
            continue
        assert_envelope(error, 400)
        if error["error"] not in {"VALIDATION_ERROR", "INVALID_IDEMPOTENCY_KEY"}:
            problems.append((label, error["error"]))
    assert not problems, problems[:15]
    assert _snapshot(api, account) == before
    # The control: a valid item among bad ones is written, and only it.
    mixed = api.call(
        "POST",
        path,
        token,
        json={"activities": [cases[0][1], {"value": 3, "idempotencyKey": "corpus-valid"}]},
    ).json()
    assert [r["status"] for r in mixed["results"]] == [400, 201]
    after = api.call("GET", f"/goals/{goal_id}/activities?limit=100", token).json()
    assert after["pagination"]["total"] == (
        before["/goals/{goalId}/activities?limit=100"]["pagination"]["total"] + 1
    )


def test_an_activity_a_journal_entry_logged_changes_only_through_the_entry(api, account):
    token, goal_id = account["token"], account["goalId"]
    listed = api.call("GET", f"/goals/{goal_id}/activities?limit=100", token).json()
    [owned] = [
        a for a in listed["activities"] if a["context"] == {"journalEntryId": account["entryId"]}
    ]
    before = _snapshot(api, account)
    path = f"/goals/{goal_id}/activities/{owned['activityId']}"
    for method, sent in (("PUT", {"value": 9}), ("DELETE", None)):
        response = api.call(method, path, token, json=sent)
        assert response.status_code == 409, response.text
        assert_envelope(response.json(), 409, "ACTIVITY_OWNED_BY_JOURNAL_ENTRY")
    claims = [
        ("POST", f"/goals/{goal_id}/activities"),
        ("PUT", f"/goals/{goal_id}/activities/{account['activityId']}"),
    ]
    for method, claim_path in claims:
        response = api.call(
            method,
            claim_path,
            token,
            json={"value": 1, "context": {"journalEntryId": account["entryId"]}},
        )
        assert response.status_code == 400, response.text
        body = assert_envelope(response.json(), 400, "VALIDATION_ERROR")
        assert [e["field"] for e in body["validation_errors"]] == ["context.journalEntryId"]
    assert _snapshot(api, account) == before


BAD_IDS_IN_BODIES = ["a#b", "GOAL#x", "../x", "x/y", "z" * 2000, "\x00", "🙂"]


def test_journal_links_to_ids_that_cannot_exist_are_refused(api, account):
    before = _snapshot(api, account)
    own = account["goalId"]
    for odd in [*BAD_IDS_IN_BODIES, own + "#", "#" + own]:
        for method, path in (("POST", "/journal"), ("PUT", f"/journal/{account['entryId']}")):
            response = api.call(
                method,
                path,
                account["token"],
                json={
                    "title": "Links",
                    "content": "<p>x</p>",
                    "linkedGoalIds": [own, odd],
                    "goalProgress": [{"goalId": odd, "progressValue": 1}],
                },
            )
            assert response.status_code in {400, 422}, (method, odd[:20], response.text)
            assert_envelope(response.json(), response.status_code)
    assert _snapshot(api, account) == before


PAGE_GARBAGE = [
    "-1",
    "0",
    "-0",
    str(10**30),
    "9" * 5000,
    "abc",
    "1.5",
    "1e3",
    "²",
    "١٢",
    "NaN",
    "Infinity",
    "",
    " 2 ",
    "%00",
    "0x10",
    "+5",
    "🙂",
]


def test_garbage_page_and_limit_fall_back_or_clamp(api, account):
    lists = ["/goals", "/journal", "/goals/{goalId}/activities"]
    for path in lists:
        for name in ("page", "limit"):
            for value in PAGE_GARBAGE:
                response = api.call(
                    "GET", _fill(path, account), account["token"], params={name: value}
                )
                assert response.status_code == 200, (path, name, value[:20], response.text)
                body = response.json()
                paging = body.get("pagination", body)
                assert paging["page"] >= 1
                assert 1 <= paging["limit"] <= 100
    giant = api.call("GET", "/goals", account["token"], params={"page": str(10**30)}).json()
    assert giant["goals"] == []
    assert giant["pagination"]["page"] == 1_000_000


def test_garbage_sync_cursors_are_400_and_limits_fall_back(api, account):
    token = account["token"]
    for value in [*PAGE_GARBAGE, *FILTER_GARBAGE, "eyJ2IjoxfQ", "e30", "W10", "bnVsbA"]:
        response = api.call("GET", "/sync", token, params={"since": value})
        if value == "":
            assert response.status_code == 200, response.text  # no cursor: from the start
            continue
        assert response.status_code == 400, (value[:20], response.text)
        assert_envelope(response.json(), 400, "VALIDATION_ERROR")
    for value in PAGE_GARBAGE:
        response = api.call("GET", "/sync", token, params={"limit": value})
        assert response.status_code == 200, (value[:20], response.text)
        assert len(response.json()["changes"]) <= 100


FILTER_GARBAGE = ["\x00", "'; DROP TABLE goals; --", "🙂", "x" * 5000, "a#b", "../..", "%"]


def test_garbage_filters_never_5xx(api, account):
    token = account["token"]
    params = {
        "/goals": ("status", "goalPattern", "category", "sort", "due"),
        "/journal": ("filter", "goalId", "tag", "mood", "template", "from", "to", "q"),
        "/goals/{goalId}/activities": ("startDate", "endDate", "activityType"),
        "/goals/{goalId}/progress": ("period",),
    }
    for path, names in params.items():
        for name in names:
            for value in FILTER_GARBAGE:
                response = api.call("GET", _fill(path, account), token, params={name: value})
                assert response.status_code in {200, 400}, (path, name, value[:20])
                if response.status_code == 400:
                    assert_envelope(response.json(), 400, "VALIDATION_ERROR")


ODD_TEXT = [
    "🙂 emoji 👩‍👩‍👧 family",
    "a\x00b NUL",
    "\u202eRTL override",
    "é中ب mixed",
    "\ud800 lone surrogate",
    "tab\tnew\nline",
    "<script>alert(1)</script>",
    "{{7*7}} ${7*7}",
    "' OR 1=1 --",
]


def test_odd_but_valid_text_is_stored_exactly_or_refused(api, account):
    """Text within the limits may be anything: it is stored and read back exactly, or refused
    with a 400; never a 500."""
    token = account["token"]
    for text in ODD_TEXT:
        raw = encode({"title": text, "content": f"<p>{text}</p>", "tags": [text[:30]]})
        created = api.call("POST", "/journal", token, data=raw, headers={"Content-Type": JSON})
        assert created.status_code in {201, 400}, (text, created.text)
        if created.status_code == 201:
            entry = api.call("GET", created.headers["Location"], token).json()
            assert (entry["title"], entry["content"]) == (text.strip(), f"<p>{text}</p>")
        raw = encode({"title": text, "goalPattern": "milestone", "target": {"value": 5}})
        goal = api.call("POST", "/goals", token, data=raw, headers={"Content-Type": JSON})
        assert goal.status_code in {201, 400}, (text, goal.text)
        if goal.status_code == 201:
            fetched = api.call("GET", goal.headers["Location"], token).json()
            assert fetched["title"] == text.strip()


# The ends of the calendar, where a date turned into an instant (or back) in a far-off time
# zone lies before year 1 or after 9999 (issue 10, item 4).
EDGE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59Z",
]
EDGE_ZONES = ["UTC", "Asia/Tokyo", "Pacific/Kiritimati", "America/Los_Angeles", "Pacific/Pago_Pago"]


def test_the_ends_of_the_calendar_are_clamped_or_refused(api, account):
    """Ranges reaching past year 1 or 9999 are clamped (200, nothing lost); activities dated
    there are refused with the field named. Never a 500."""
    before = _snapshot(api, account)
    token, goal, activity = account["token"], account["goalId"], account["activityId"]
    ranges = [("/journal", "from", "to"), (f"/goals/{goal}/activities", "startDate", "endDate")]
    statuses: Counter[int] = Counter()
    for zone in EDGE_ZONES:
        headers = {"X-Timezone": zone}
        for path, low, high in ranges:
            for value in EDGE_DATES:
                for params in ({low: value}, {high: value}, {low: "0001-01-01", high: value}):
                    response = api.call("GET", path, token, params=params, headers=headers)
                    statuses[response.status_code] += 1
                    assert response.status_code == 200, (path, params, zone, response.text)
            everything = api.call(
                "GET", path, token, headers=headers, params={low: "0001-01-01", high: "9999-12-31"}
            ).json()
            listed = everything.get("entries", everything.get("activities"))
            assert listed, (path, zone)  # the clamped range still holds the user's data
        for value in EDGE_DATES:
            for method, route in (
                ("POST", f"/goals/{goal}/activities"),
                ("PUT", f"/goals/{goal}/activities/{activity}"),
            ):
                response = api.call(
                    method, route, token, headers=headers, json={"value": 1, "activityDate": value}
                )
                statuses[response.status_code] += 1
                body = assert_envelope(response.json(), response.status_code, "VALIDATION_ERROR")
                assert response.status_code == 400
                assert [e["field"] for e in body["validation_errors"]] == ["activityDate"]
    # A range that ends before it starts holds nothing; DynamoDB refuses a reversed BETWEEN.
    reversed_range = api.call(
        "GET",
        f"/goals/{goal}/activities",
        token,
        params={"startDate": "2026-02-01", "endDate": "2026-01-01"},
    )
    assert reversed_range.status_code == 200, reversed_range.text
    assert reversed_range.json()["activities"] == []
    print(f"calendar edges: {sum(statuses.values())} requests, answers {dict(statuses)}")
    # 5 zones x (2 routes x 6 dates x 3 ranges + 6 dates x 2 activity writes)
    assert statuses == {200: 180, 400: 60}, statuses
    assert _snapshot(api, account) == before
