"""Journal rules: everything is checked before anything is written."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import boto3
import pytest

from chalicelib.core import dynamo
from chalicelib.journal import text
from tests.helpers import assert_envelope, get, key_record, post_json, put_json, signed_in_user


@pytest.fixture
def token(client, aws):
    return signed_in_user(client, aws)


def _journal_items(aws):
    items = boto3.client("dynamodb").scan(TableName=aws["table"])["Items"]
    return [
        item
        for item in items
        if item["SK"]["S"].startswith(("JOURNAL", "SHARE")) or item["PK"]["S"].count("#") > 1
    ]


def _goal(client, token, title="Read"):
    response = post_json(
        client,
        "/goals",
        {"title": title, "goalPattern": "milestone", "target": {"value": 100, "unit": "pages"}},
        token,
    )
    return json.loads(response.body)["goalId"]


GOOD = {"title": "Evening", "content": "<p>Quiet day</p>"}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"content": " "}, "content"),
        ({"content": "x" * 50_001}, "content"),
        ({"isEncrypted": True, "content": "b64cipher"}, "wordCount"),
        (
            {"isEncrypted": True, "content": "c", "wordCount": 3, "encryptedKey": "k"},
            "encryptionIv",
        ),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"tags": ["x" * 31]}, "tags"),
        ({"mood": "m" * 51}, "mood"),
        ({"linkedGoalIds": [f"g{i}" for i in range(11)]}, "linkedGoalIds"),
        ({"template": "diary"}, "template"),
        ({"goalProgress": [{"goalId": "g1", "progressValue": 2}]}, "goalProgress.0.goalId"),
    ],
)
def test_bad_entries_are_400_and_write_nothing(client, aws, token, changes, field):
    response = post_json(client, "/journal", {**GOOD, **changes}, token)
    body = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    assert field in [error["field"] for error in body["validation_errors"]]
    assert _journal_items(aws) == []


def test_linking_a_goal_that_is_not_yours_is_422_and_writes_nothing(client, aws, token):
    other = signed_in_user(client, aws, email="bob@example.com")
    their_goal = _goal(client, other)
    before = _journal_items(aws)
    response = post_json(
        client,
        "/journal",
        {
            **GOOD,
            "linkedGoalIds": [their_goal],
            "goalProgress": [{"goalId": their_goal, "progressValue": 5}],
        },
        token,
    )
    assert_envelope(response.body, response.status_code, "LINKED_GOAL_NOT_FOUND")
    assert response.status_code == 422
    assert _journal_items(aws) == before


def test_a_bad_update_leaves_the_entry_and_the_list_intact(client, aws, token):
    entry = json.loads(post_json(client, "/journal", {**GOOD, "tags": ["calm"]}, token).body)
    path = f"/journal/{entry['entryId']}"
    before_entry = get(client, path, token).body
    before_list = get(client, "/journal", token).body
    before_stats = get(client, "/journal/stats", token).body
    for bad in (
        {"title": ""},
        {"tags": ["x" * 40]},
        {"linkedGoalIds": ["nope"]},
        {"isEncrypted": True},
    ):
        response = put_json(client, path, bad, token)
        assert response.status_code in (400, 422), bad
    assert get(client, path, token).body == before_entry
    assert get(client, "/journal", token).body == before_list
    assert get(client, "/journal/stats", token).body == before_stats


def test_if_match_and_another_users_entry(client, aws, token):
    entry = json.loads(post_json(client, "/journal", GOOD, token).body)
    path = f"/journal/{entry['entryId']}"
    etag = get(client, path, token).headers["ETag"]
    changed = client.http.put(
        path,
        body=json.dumps({"title": "New"}),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "If-Match": etag,
        },
    )
    assert changed.status_code == 200
    stale = client.http.put(
        path,
        body=json.dumps({"title": "Old"}),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "If-Match": etag,
        },
    )
    assert stale.status_code == 412
    other = signed_in_user(client, aws, email="eve@example.com")
    for method in ("get", "put", "delete"):
        response = client.http.request(
            method.upper(),
            path,
            body=json.dumps({"title": "x"}),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {other}"},
        )
        assert response.status_code == 404, method
    assert json.loads(get(client, path, token).body)["title"] == "New"


def test_length_is_refused_before_any_parsing(client, aws, token, monkeypatch):
    calls = []

    def counted(self: text.Scanner) -> str:
        calls.append(1)
        return ""

    monkeypatch.setattr(text.Scanner, "plain_text", counted)
    for too_long in ("<" * 50_001, "<" * 200_001):
        response = post_json(client, "/journal", {**GOOD, "content": too_long}, token)
        assert response.status_code == 400
    entry = json.loads(post_json(client, "/journal", GOOD, token).body)
    calls.clear()
    response = put_json(client, f"/journal/{entry['entryId']}", {"content": "<" * 50_001}, token)
    assert response.status_code == 400
    assert calls == []


def test_search_extracts_each_entrys_text_at_most_once(client, aws, token, monkeypatch):
    recipient = signed_in_user(client, aws, email="bob@example.com")
    recipient_id = json.loads(get(client, "/users/profile", recipient).body)["userId"]
    boto3.client("dynamodb").put_item(
        TableName=aws["table"], Item=dynamo.serialize(key_record(recipient_id))
    )
    for title, content in (
        ("Plain", "<p>Bought <em>blueberries</em></p>"),
        ("Marked", "<" * 50_000),
    ):
        entry = json.loads(
            post_json(client, "/journal", {**GOOD, "title": title, "content": content}, token).body
        )
        shared = post_json(
            client,
            "/shares",
            {"itemType": "journal", "itemId": entry["entryId"], "recipientId": recipient_id},
            token,
        )
        assert shared.status_code == 201, shared.body
    calls = []
    extract = text.Scanner.plain_text

    def counted(self: text.Scanner) -> str:
        calls.append(1)
        return extract(self)

    monkeypatch.setattr(text.Scanner, "plain_text", counted)
    for reader, chosen in ((token, "owned"), (recipient, "shared-with-me")):
        body = json.loads(get(client, f"/journal?q=blueberr&filter={chosen}", reader).body)
        found = [listed.get("entry", listed) for listed in body["entries"]]
        assert [entry["title"] for entry in found] == ["Plain"]
        assert "searchText" not in found[0]
        # The text is no longer stored beside the content: one linear pass per entry searched.
        assert len(calls) <= 2
        calls.clear()


def test_from_and_to_are_days_in_the_profiles_time_zone(client, token):
    now = datetime.now(UTC)
    # A zone whose local date differs from the UTC date right now.
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"
    assert put_json(client, "/users/profile", {"timezone": zone}, token).status_code == 200
    entry = json.loads(post_json(client, "/journal", GOOD, token).body)
    local_day = datetime.fromisoformat(entry["createdAt"]).astimezone(ZoneInfo(zone)).date()
    assert local_day != now.date()
    day = local_day.isoformat()
    body = json.loads(get(client, f"/journal?from={day}&to={day}", token).body)
    assert [found["entryId"] for found in body["entries"]] == [entry["entryId"]]
    utc_day = now.date().isoformat()
    assert (
        json.loads(get(client, f"/journal?from={utc_day}&to={utc_day}", token).body)["total"] == 0
    )


def test_the_longest_text_in_four_byte_characters_still_fits_one_item(client, aws, token):
    """50,000 four-byte characters are 200 KB: with a copy of the text beside it the item
    would pass DynamoDB's 400 KB limit, so none is stored; the content is searched."""
    content = "\U0001f33f" * 49_990 + " needle"
    response = client.http.post(
        "/journal",
        body=json.dumps({**GOOD, "content": content}, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    [item] = [item for item in _journal_items(aws) if item["SK"]["S"].startswith("JOURNAL#")]
    assert "searchText" not in item
    assert json.loads(get(client, "/journal?q=needle", token).body)["total"] == 1
    short = post_json(client, "/journal", {**GOOD, "content": "\U0001f33f" * 20_000}, token)
    assert short.status_code == 201


@pytest.mark.parametrize(
    "field",
    ["title", "content", "template", "tags", "linkedGoalIds", "goalProgress", "isShared"],
)
def test_null_for_a_field_every_entry_has_is_400_and_changes_nothing(client, aws, token, field):
    created = json.loads(post_json(client, "/journal", GOOD, token).body)
    before = _journal_items(aws)
    response = put_json(client, f"/journal/{created['entryId']}", {field: None}, token)
    body = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    assert field in [error["field"] for error in body["validation_errors"]]
    assert _journal_items(aws) == before
    assert json.loads(get(client, f"/journal/{created['entryId']}", token).body) == created


def test_an_entry_is_stored_compact(client, aws, token):
    """Only what differs from its default, and no copy of the text: what every list pays for
    (an item in the older full shape still reads, tests/unit/test_journal_entry_items.py)."""
    created = json.loads(
        post_json(client, "/journal", {**GOOD, "tags": ["calm"], "mood": "content"}, token).body
    )
    [item] = [item for item in _journal_items(aws) if item["SK"]["S"].startswith("JOURNAL#")]
    assert set(item) == {
        "PK",
        "SK",
        "entryId",
        "userId",
        "title",
        "content",
        "template",
        "wordCount",
        "tags",
        "mood",
        "createdAt",
        "version",
        "localDate",
        # The change feed's stamp (core/changes.py): the entry in the owner's GET /sync.
        "syncUser",
        "syncSeq",
    }
    assert item["tags"] == {"L": [{"S": "calm"}]}
    assert json.loads(get(client, f"/journal/{created['entryId']}", token).body) == created
