"""The share routes over HTTP on moto in-process: their shapes and statuses, the aliases the
web client uses, and what a recipient reads (DynamoDB Local runs the rest:
tests/integration/test_journal_sharing_on_dynamodb_local.py)."""

import json
import uuid
from datetime import datetime
from typing import Any

import boto3
import pytest

from chalicelib.core import dynamo
from chalicelib.users.email_index import email_item
from tests.helpers import assert_envelope, get, key_record, post_json, put_json, signed_in_user

OWNER = "ada@example.com"
FRIEND = "friend@example.com"
WRAPPED = "ZnJpZW5kLXdyYXBwZWQ="


def _put(aws: dict[str, str], item: dict[str, Any]) -> None:
    boto3.client("dynamodb").put_item(TableName=aws["table"], Item=dynamo.serialize(item))


def _user_id(client, token: str) -> str:
    return str(json.loads(get(client, "/users/profile", token).body)["userId"])


@pytest.fixture
def owner(client, aws) -> str:
    token = signed_in_user(client, aws, email=OWNER)
    _put(aws, key_record(_user_id(client, token)))
    return token


@pytest.fixture
def friend(client, aws) -> tuple[str, str]:
    """The recipient's token and id; they have keys and can be found by address."""
    token = signed_in_user(client, aws, email=FRIEND)
    user_id = _user_id(client, token)
    _put(aws, key_record(user_id))
    _put(aws, email_item(FRIEND, user_id))
    return token, user_id


def _entry(client, token: str, **fields: Any) -> dict[str, Any]:
    body = {
        "title": "For you",
        "content": "Y2lwaGVy",
        "isEncrypted": True,
        "wordCount": 1,
        "encryptedKey": "b3duZXI=",
        "encryptionIv": "aXY=",
        **fields,
    }
    response = post_json(client, "/journal", body, token)
    assert response.status_code == 201, response.body
    return dict(json.loads(response.body))


def _delete(client, path: str, token: str) -> Any:
    return client.http.delete(path, headers={"Authorization": f"Bearer {token}"})


def test_share_list_open_and_revoke_over_http(client, owner, friend):
    friend_token, friend_id = friend
    entry = _entry(client, owner)
    created = post_json(
        client,
        "/shares",
        {
            "itemType": "journal",
            "itemId": entry["entryId"],
            "recipientId": friend_id,
            "encryptedKey": WRAPPED,
            "permissions": ["read", "share"],
            "expiresInHours": 24,
        },
        owner,
    )
    assert created.status_code == 201, created.body
    made = json.loads(created.body)
    assert set(made) == {"shareId", "expiresAt", "createdAt", "isEncrypted"}
    assert datetime.fromisoformat(made["expiresAt"]) > datetime.fromisoformat(made["createdAt"])

    for path in ("/shares?itemType=journal", "/encryption/shares?direction=received"):
        listed = json.loads(get(client, path, friend_token if "received" in path else owner).body)
        [row] = listed["shares"]
        assert row["id"] == made["shareId"]
        assert row["accessCount"] == 0
        assert WRAPPED not in json.dumps(row)

    opened = get(client, f"/journal/{entry['entryId']}", friend_token)
    assert opened.status_code == 200, opened.body
    seen = json.loads(opened.body)
    assert (seen["encryptedKey"], seen["userId"]) == (WRAPPED, entry["userId"])
    assert seen["shareAccess"]["shareId"] == made["shareId"]
    assert opened.headers["ETag"]

    [incoming] = json.loads(get(client, "/journal?filter=shared-with-me", friend_token).body)[
        "entries"
    ]
    assert set(incoming) == {"entry", "shareInfo", "isIncoming"}

    path = f"/journal/{entry['entryId']}"
    assert put_json(client, path, {"title": "Mine"}, friend_token).status_code == 404
    assert _delete(client, path, friend_token).status_code == 404

    revoked = _delete(client, f"/shares/{made['shareId']}", owner)
    assert (revoked.status_code, revoked.body) == (204, b"")
    gone = _delete(client, f"/encryption/shares/{made['shareId']}", owner)
    assert_envelope(gone.body, gone.status_code, "SHARE_NOT_FOUND")
    hidden = get(client, path, friend_token)
    assert_envelope(hidden.body, hidden.status_code, "ENTRY_NOT_FOUND")


def test_the_recipient_removes_a_share_through_the_journal_alias(client, owner, friend):
    friend_token, friend_id = friend
    entry = _entry(client, owner)
    made = json.loads(
        post_json(
            client,
            "/encryption/shares",
            {
                "itemType": "journal",
                "itemId": entry["entryId"],
                "recipientId": friend_id,
                "encryptedKey": WRAPPED,
            },
            owner,
        ).body
    )
    assert _delete(client, f"/journal/shares/{made['shareId']}", friend_token).status_code == 204
    stored = json.loads(get(client, f"/journal/{entry['entryId']}", owner).body)
    assert (stored["sharedWith"], stored["isShared"]) == ([], False)


def test_sharing_by_address_is_for_entries_that_are_not_encrypted(client, owner, friend):
    friend_token, _ = friend
    plain = _entry(client, owner, isEncrypted=False, encryptedKey=None, encryptionIv=None)
    encrypted = _entry(client, owner)
    body = {"recipientEmail": " Friend@Example.com ", "permissions": ["read"]}
    shared = post_json(client, f"/journal/{plain['entryId']}/share", body, owner)
    assert shared.status_code == 201, shared.body
    assert json.loads(shared.body)["isEncrypted"] is False
    seen = json.loads(get(client, f"/journal/{plain['entryId']}", friend_token).body)
    assert seen["content"] == plain["content"]

    refused = post_json(client, f"/journal/{encrypted['entryId']}/share", body, owner)
    assert_envelope(refused.body, refused.status_code, "ENCRYPTED_ENTRY")
    assert refused.status_code == 400
    nobody = post_json(
        client,
        f"/journal/{plain['entryId']}/share",
        {"recipientEmail": "nobody@example.com"},
        owner,
    )
    assert nobody.status_code == 422
    assert_envelope(nobody.body, nobody.status_code, "RECIPIENT_NOT_READY")
    # The entry decides first: an encrypted one is 400 whoever the address names.
    encrypted_to_nobody = post_json(
        client,
        f"/journal/{encrypted['entryId']}/share",
        {"recipientEmail": "nobody@example.com"},
        owner,
    )
    assert_envelope(encrypted_to_nobody.body, encrypted_to_nobody.status_code, "ENCRYPTED_ENTRY")
    missing = post_json(
        client, f"/journal/{uuid.uuid4()}/share", {"recipientEmail": "nobody@example.com"}, owner
    )
    assert_envelope(missing.body, missing.status_code, "ENTRY_NOT_FOUND")


@pytest.mark.parametrize(
    "query, field",
    [("itemType=photo", "itemType"), ("direction=sideways", "direction")],
)
def test_a_bad_share_query_is_a_400(client, owner, query, field):
    response = get(client, f"/shares?{query}", owner)
    body = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert body["validation_errors"][0]["field"] == field


def test_a_transaction_over_dynamodbs_item_limit_is_refused_before_it_is_sent(aws):
    """The net under every service's own checks: 101 items never reach DynamoDB (which would
    answer a ValidationException, a 500)."""

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
