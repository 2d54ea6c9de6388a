"""Sharing journal entries on moto in-process: what a recipient sees, and that it follows the
owner's edits, unshares and deletes."""

import json
from typing import Any

import boto3
import pytest

from tests.helpers import assert_envelope, get, post_json, put_json, signed_in_user

OWNER = "ada@example.com"
FRIEND = "friend@example.com"
OTHER = "other@example.com"


@pytest.fixture
def owner(client, aws) -> str:
    return signed_in_user(client, aws, email=OWNER)


@pytest.fixture
def friend(client, aws) -> str:
    return signed_in_user(client, aws, email=FRIEND)


def _listed(client, token: str, filter_: str) -> list[dict[str, Any]]:
    response = get(client, f"/journal?filter={filter_}", token)
    assert response.status_code == 200, response.body
    return list(json.loads(response.body)["entries"])


def _share(client, token: str, **fields: Any) -> dict[str, Any]:
    response = post_json(
        client,
        "/journal",
        {
            "title": "For you",
            "content": "<p>hello there</p>",
            "isShared": True,
            "sharedWith": [FRIEND, OTHER],
            **fields,
        },
        token,
    )
    assert response.status_code == 201, response.body
    return dict(json.loads(response.body))


def test_a_recipient_sees_neither_other_recipients_nor_owner_internals(client, owner, friend):
    entry = _share(
        client,
        owner,
        isEncrypted=True,
        content="U2FsdGVk",
        wordCount=3,
        encryptedKey="owner-wrapped-key",
        encryptionIv="iv==",
        tags=["walk"],
        mood="calm",
    )
    [seen] = _listed(client, friend, "shared-with-me")
    assert seen["entryId"] == entry["entryId"]
    assert (seen["title"], seen["content"], seen["tags"], seen["mood"]) == (
        "For you",
        "U2FsdGVk",
        ["walk"],
        "calm",
    )
    assert seen["isEncrypted"] is True
    assert seen["isShared"] is True
    assert (seen["createdAt"], seen["updatedAt"]) == (entry["createdAt"], entry["updatedAt"])
    assert seen["sharedWith"] == [FRIEND]
    assert seen["userId"] is None
    assert seen["encryptedKey"] is None
    assert seen["encryptionIv"] is None
    assert seen["linkedGoalIds"] == []
    assert seen["goalProgress"] == []
    assert seen["sharedBy"] == {"email": OWNER, "name": "Ada Lovelace"}
    body = json.dumps(seen)
    assert OTHER not in body
    assert "owner-wrapped-key" not in body
    assert entry["userId"] not in body
    # The owner's own view is unchanged.
    [own] = _listed(client, owner, "shared-by-me")
    assert own["sharedWith"] == [FRIEND, OTHER]
    assert own["encryptedKey"] == "owner-wrapped-key"


def test_recipients_follow_the_owners_edits_unshares_and_deletes(client, owner, friend):
    entry = _share(client, owner)
    path = f"/journal/{entry['entryId']}"
    assert put_json(client, path, {"title": "Edited"}, owner).status_code == 200
    assert [seen["title"] for seen in _listed(client, friend, "shared-with-me")] == ["Edited"]
    assert put_json(client, path, {"sharedWith": [OTHER]}, owner).status_code == 200
    assert _listed(client, friend, "shared-with-me") == []
    assert put_json(client, path, {"sharedWith": [FRIEND]}, owner).status_code == 200
    assert len(_listed(client, friend, "all")) == 1
    assert put_json(client, path, {"isShared": False}, owner).status_code == 200
    assert _listed(client, friend, "shared-with-me") == []
    assert put_json(client, path, {"isShared": True}, owner).status_code == 200
    assert len(_listed(client, friend, "shared-with-me")) == 1
    deleted = client.http.delete(path, headers={"Authorization": f"Bearer {owner}"})
    assert deleted.status_code == 204
    assert _listed(client, friend, "shared-with-me") == []
    assert _share_items(client) == []


def _share_items(_client) -> list[dict[str, Any]]:
    from chalicelib.core import dynamo

    table = dynamo.table_name()
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return [item for item in items if item["PK"]["S"].startswith("SHARE#")]


def test_a_share_is_a_small_pointer_not_a_copy(client, owner, friend):
    entry = _share(client, owner, content="<p>" + "words " * 5_000 + "</p>")
    shares = _share_items(client)
    assert len(shares) == 2
    for item in shares:
        assert item["entryId"]["S"] == entry["entryId"]
        assert "content" not in item
        assert "sharedWith" not in item
        assert len(json.dumps(item)) < 500


def test_sharing_with_yourself_is_ignored_and_lists_show_an_entry_once(client, owner):
    entry = _share(client, owner, sharedWith=[OWNER.upper(), FRIEND])
    assert entry["sharedWith"] == [FRIEND]
    everything = _listed(client, owner, "all")
    assert [seen["entryId"] for seen in everything] == [entry["entryId"]]
    assert _listed(client, owner, "shared-with-me") == []
    changed = put_json(client, f"/journal/{entry['entryId']}", {"sharedWith": [OWNER]}, owner)
    assert json.loads(changed.body)["sharedWith"] == []
    assert [seen["entryId"] for seen in _listed(client, owner, "all")] == [entry["entryId"]]


def test_all_shows_an_entry_once_even_with_an_old_self_share(client, aws, owner):
    """A share written before self-shares were dropped (a full copy under the owner's own
    address) must not list the entry twice."""
    entry = _share(client, owner)
    from chalicelib.core import dynamo

    stored = dynamo.get_item({"PK": f"USER#{entry['userId']}", "SK": f"JOURNAL#{entry['entryId']}"})
    assert stored is not None
    legacy = {**stored, "sharedWith": [OWNER, FRIEND]}
    client_ = boto3.client("dynamodb")
    client_.put_item(
        TableName=aws["table"],
        Item=dynamo.serialize(
            {"PK": f"USER#{entry['userId']}", "SK": f"JOURNAL#{entry['entryId']}", **legacy}
        ),
    )
    client_.put_item(
        TableName=aws["table"],
        Item=dynamo.serialize(
            {"PK": f"SHARE#{OWNER}", "SK": f"JOURNAL#{entry['entryId']}", **legacy}
        ),
    )
    everything = _listed(client, owner, "all")
    assert [seen["entryId"] for seen in everything] == [entry["entryId"]]
    assert everything[0]["userId"] == entry["userId"]  # the owner's own view wins


def test_a_stale_or_revoked_share_never_shows(client, aws, owner, friend):
    """Pointers are checked against the entry itself: one to a deleted entry, or to an entry
    that no longer names the recipient, is skipped."""
    from chalicelib.core import dynamo

    kept = _share(client, owner, title="Kept")
    revoked = _share(client, owner, title="Revoked", sharedWith=[OTHER])
    client_ = boto3.client("dynamodb")
    for entry_id in ("0190f5a0-0000-7000-8000-000000000000", revoked["entryId"]):
        client_.put_item(
            TableName=aws["table"],
            Item=dynamo.serialize(
                {
                    "PK": f"SHARE#{FRIEND}",
                    "SK": f"JOURNAL#{entry_id}",
                    "userId": kept["userId"],
                    "entryId": entry_id,
                }
            ),
        )
    assert [seen["title"] for seen in _listed(client, friend, "shared-with-me")] == ["Kept"]
    listed = json.loads(get(client, "/journal?filter=shared-with-me", friend).body)
    assert listed["total"] == 1
    assert listed["hasMore"] is False


def test_too_many_recipient_changes_at_once_are_refused_before_any_write(client, owner):
    first = [f"a{i}@example.com" for i in range(50)]
    entry = _share(client, owner, sharedWith=first)
    path = f"/journal/{entry['entryId']}"
    before = _share_items(client)
    response = put_json(
        client,
        path,
        {"sharedWith": [f"b{i}@example.com" for i in range(50)], "title": "Changed"},
        owner,
    )
    body = assert_envelope(response.body, response.status_code, "TOO_MANY_SHARE_CHANGES")
    assert response.status_code == 422
    assert body["details"]["changes"] == 100
    assert body["details"]["limit"] < 100
    assert _share_items(client) == before
    assert json.loads(get(client, path, owner).body)["title"] == "For you"
    # In two steps (remove, then add) the same change goes through.
    assert put_json(client, path, {"sharedWith": []}, owner).status_code == 200
    again = put_json(client, path, {"sharedWith": [f"b{i}@example.com" for i in range(50)]}, owner)
    assert again.status_code == 200, again.body
    assert len(_share_items(client)) == 50


def test_a_transaction_over_dynamodbs_item_limit_is_refused_before_it_is_sent(aws):
    """The net under every service's own checks: 101 items never reach DynamoDB (which would
    answer a ValidationException, a 500)."""
    from chalicelib.core import dynamo

    class Refusing:
        def transact_write_items(self, **_: Any) -> None:
            raise AssertionError("sent")

    tx = dynamo.Transaction()
    for index in range(dynamo.MAX_TRANSACTION_ITEMS + 1):
        tx.put(f"item-{index}", {"PK": "X", "SK": str(index)})
    with pytest.raises(dynamo.TransactionTooLarge) as refused:
        tx.commit(Refusing())
    assert refused.value.status == 422
    assert refused.value.code == "CHANGE_TOO_LARGE"
    assert refused.value.details == {"items": 101, "limit": 100}
