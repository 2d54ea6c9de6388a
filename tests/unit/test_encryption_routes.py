"""The /encryption routes over HTTP (moto in-process): setup never overwrites, the profile
always agrees with the key record, key strings come back byte for byte, another user sees only
a public key, and bad input is 400 and writes nothing. The same rules on DynamoDB Local are in
tests/integration/test_privacy_on_dynamodb_local.py."""

import json
import uuid
from typing import Any

import boto3
import pytest

from tests.browser_crypto import MASTER_PASSWORD, Browser
from tests.helpers import (
    assert_envelope,
    get,
    post_json,
    put_json,
    signed_in_user,
)


@pytest.fixture(scope="module")
def material() -> Browser:
    return Browser.set_up(bits=2048)


@pytest.fixture
def keys(material) -> dict[str, str]:
    return material.setup_body()


@pytest.fixture
def ada(client, aws) -> tuple[str, str]:
    token = signed_in_user(client, aws)
    return token, _me(client, token)


def _me(client, token: str) -> str:
    return str(json.loads(get(client, "/users/profile", token).body)["userId"])


def _json(response) -> Any:
    return json.loads(response.body)


def _delete(client, path: str, token: str):
    return client.http.delete(path, headers={"Authorization": f"Bearer {token}"})


def _items(aws) -> list[dict[str, Any]]:
    return sorted(
        boto3.client("dynamodb").scan(TableName=aws["table"])["Items"],
        key=lambda item: (item["PK"]["S"], item["SK"]["S"]),
    )


def _profile(client, token: str) -> tuple[bool, str | None, str | None]:
    profile = _json(get(client, "/users/profile", token))
    return (
        profile["encryptionEnabled"],
        profile["encryptionSetupDate"],
        profile["encryptionKeyId"],
    )


def test_setup_stores_the_keys_and_the_profile_follows(client, aws, ada, keys, material):
    token, me = ada
    assert _profile(client, token) == (False, None, None)
    response = post_json(client, "/encryption/setup", keys, token)
    assert response.status_code == 201, response.body
    assert response.headers["Location"] == f"/encryption/user/{me}"
    body = _json(response)
    assert body == {
        "userId": me,
        "publicKeyId": keys["publicKeyId"],
        "createdAt": body["createdAt"],
        "message": "Encryption successfully set up",
        "profileUpdated": True,
    }
    assert _profile(client, token) == (True, body["createdAt"], keys["publicKeyId"])
    own = _json(get(client, f"/encryption/user/{me}", token))
    assert own == {
        "userId": me,
        **keys,
        "hasEncryption": True,
        "recoveryEnabled": False,
        "recoveryMethods": [],
    }
    # A new device unlocks with the password alone.
    unlocked = Browser.unlock(MASTER_PASSWORD, own).private_key
    assert unlocked.private_numbers() == material.private_key.private_numbers()
    status = _json(get(client, f"/encryption/check/{me}", token))
    assert status == {
        "userId": me,
        "hasEncryption": True,
        "publicKeyId": keys["publicKeyId"],
        "recoveryEnabled": False,
        "recoveryMethods": [],
        "createdAt": body["createdAt"],
    }


def test_snake_case_names_are_accepted(client, ada, keys):
    token, _ = ada
    snake = {
        "salt": keys["salt"],
        "encrypted_private_key": keys["encryptedPrivateKey"],
        "public_key": keys["publicKey"],
        "public_key_id": keys["publicKeyId"],
    }
    assert post_json(client, "/encryption/setup", snake, token).status_code == 201


def test_setting_up_twice_is_409_and_overwrites_nothing(client, aws, ada, keys):
    token, me = ada
    assert post_json(client, "/encryption/setup", keys, token).status_code == 201
    before = _items(aws)
    other = Browser.set_up(bits=2048).setup_body()
    response = post_json(client, "/encryption/setup", other, token)
    assert response.status_code == 409
    assert_envelope(response.body, 409, "CONFLICT")
    assert _items(aws) == before
    assert _json(get(client, f"/encryption/user/{me}", token))["publicKey"] == keys["publicKey"]


def test_delete_then_setup_again_works_with_a_new_key_set(client, aws, ada, keys):
    token, me = ada
    assert post_json(client, "/encryption/setup", keys, token).status_code == 201
    [first_set] = [
        item["keySetId"]["S"] for item in _items(aws) if item["SK"]["S"] == "ENCRYPTION_KEYS"
    ]
    deleted = _delete(client, "/encryption/keys", token)
    assert deleted.status_code == 200
    body = _json(deleted)
    assert body["message"] == "Encryption keys successfully deleted"
    assert body["userId"] == me
    assert body["deletedAt"].endswith("Z")
    assert _profile(client, token) == (False, None, None)
    assert _json(get(client, f"/encryption/check/{me}", token)) == {
        "userId": me,
        "hasEncryption": False,
    }
    assert _json(get(client, f"/encryption/user/{me}", token)) == {
        "userId": me,
        "hasEncryption": False,
    }
    assert not [item for item in _items(aws) if item["SK"]["S"] == "ENCRYPTION_KEYS"]
    # Again: nothing to delete is not an error.
    again = _json(_delete(client, "/encryption/keys", token))
    assert again == {
        "message": "Encryption keys already deleted or never existed",
        "userId": me,
        "deletedAt": None,
    }
    # The same browser strings again: a new key set all the same.
    assert post_json(client, "/encryption/setup", keys, token).status_code == 201
    [second_set] = [
        item["keySetId"]["S"] for item in _items(aws) if item["SK"]["S"] == "ENCRYPTION_KEYS"
    ]
    assert second_set != first_set
    assert _profile(client, token)[0] is True


def test_another_user_sees_only_a_public_key(client, aws, ada, keys):
    token, me = ada
    bob = signed_in_user(client, aws, email="bob@example.com")
    bob_id = _me(client, bob)
    # Neither has keys: another id, known or not, is the same 404.
    no_keys = get(client, f"/encryption/user/{me}", bob)
    nobody = get(client, f"/encryption/user/{uuid.uuid4()}", bob)
    for response in (no_keys, nobody):
        assert response.status_code == 404
        assert_envelope(response.body, 404, "NOT_FOUND")
    assert _json(get(client, f"/encryption/check/{me}", bob)) == {
        "userId": me,
        "hasEncryption": False,
    }
    assert post_json(client, "/encryption/setup", keys, token).status_code == 201
    assert (
        post_json(
            client,
            "/encryption/recovery",
            {"method": "mnemonic", "encryptedRecoveryKey": keys["salt"]},
            token,
        ).status_code
        == 201
    )
    assert _json(get(client, f"/encryption/user/{me}", bob)) == {
        "userId": me,
        "publicKey": keys["publicKey"],
        "publicKeyId": keys["publicKeyId"],
        "hasEncryption": True,
    }
    assert _json(get(client, f"/encryption/check/{me}", bob)) == {
        "userId": me,
        "hasEncryption": True,
    }
    # Bob's own view of himself is unaffected by Ada's keys.
    assert _json(get(client, f"/encryption/user/{bob_id}", bob)) == {
        "userId": bob_id,
        "hasEncryption": False,
    }
    # Bob cannot delete Ada's keys: DELETE names no one but the caller.
    assert _json(_delete(client, "/encryption/keys", bob))["deletedAt"] is None
    assert _profile(client, token)[0] is True


def test_an_id_is_found_whatever_its_case(client, ada, keys):
    token, me = ada
    assert post_json(client, "/encryption/setup", keys, token).status_code == 201
    own = _json(get(client, f"/encryption/user/{me.upper()}", token))
    assert own["userId"] == me
    assert own["salt"] == keys["salt"]


@pytest.mark.parametrize(
    "odd", ["not-a-uuid", "a#b", "USER#x", "12345678-1234-1234-1234-1234567890123", "🙂", "x" * 300]
)
def test_a_malformed_user_id_is_400(client, ada, odd):
    token, _ = ada
    for path in (f"/encryption/check/{odd}", f"/encryption/user/{odd}"):
        response = get(client, path, token)
        error = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
        assert response.status_code == 400
        assert [entry["field"] for entry in error["validation_errors"]] == ["userId"]


def _broken(keys: dict[str, str], **changes: Any) -> dict[str, Any]:
    return {**keys, **changes}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"salt": ""}, "salt"),
        ({"publicKey": ""}, "publicKey"),
        ({"encryptedPrivateKey": ""}, "encryptedPrivateKey"),
        ({"salt": "bm8gcGFkZGluZw"}, "salt"),  # padding left out
        ({"salt": "not base64!"}, "salt"),
        ({"salt": "YWJj\n"}, "salt"),
        ({"publicKey": "YWJj-_8="}, "publicKey"),  # the URL-safe alphabet
        ({"salt": "QUFB" * 65}, "salt"),  # 260 characters
        ({"publicKey": "QUFB" * 1025}, "publicKey"),
        ({"encryptedPrivateKey": "QUFB" * 4097}, "encryptedPrivateKey"),
        ({"salt": 12345}, "salt"),
        ({"publicKeyId": ""}, "publicKeyId"),
        ({"publicKeyId": "a#b"}, "publicKeyId"),
        ({"publicKeyId": "k" * 129}, "publicKeyId"),
        ({"publicKeyId": None}, "publicKeyId"),
    ],
)
def test_bad_key_material_is_400_and_writes_nothing(client, aws, ada, keys, changes, field):
    token, _ = ada
    before = _items(aws)
    response = post_json(client, "/encryption/setup", _broken(keys, **changes), token)
    error = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    assert field in [entry["field"] for entry in error["validation_errors"]]
    assert _items(aws) == before


def test_the_largest_key_strings_fit(client, ada):
    token, me = ada
    largest = {
        "salt": "QUFB" * 64,
        "publicKey": "QUFB" * 1024,
        "encryptedPrivateKey": "QUFB" * 4096,
        "publicKeyId": "k" * 128,
    }
    assert post_json(client, "/encryption/setup", largest, token).status_code == 201
    own = _json(get(client, f"/encryption/user/{me}", token))
    assert {name: own[name] for name in largest} == largest


def test_put_profile_accepts_the_encryption_fields_and_ignores_them(client, ada, keys):
    # Issue 12 changed this on purpose: PUT used to write them as given.
    token, _ = ada
    claimed = {
        "encryptionEnabled": True,
        "encryptionSetupDate": "2026-11-20T10:00:00+01:00",
        "encryptionKeyId": "kms-key-7",
    }
    response = put_json(client, "/users/profile", claimed, token)
    assert response.status_code == 200
    assert _profile(client, token) == (False, None, None)
    created = _json(post_json(client, "/encryption/setup", keys, token))
    cleared = {"encryptionEnabled": False, "encryptionSetupDate": None, "encryptionKeyId": None}
    assert put_json(client, "/users/profile", cleared, token).status_code == 200
    assert _profile(client, token) == (True, created["createdAt"], keys["publicKeyId"])


def test_setup_without_a_profile_is_404_and_stores_no_keys(client, aws, ada, keys):
    token, me = ada
    boto3.client("dynamodb").delete_item(
        TableName=aws["table"], Key={"PK": {"S": f"USER#{me}"}, "SK": {"S": "PROFILE"}}
    )
    response = post_json(client, "/encryption/setup", keys, token)
    assert response.status_code == 404
    assert_envelope(response.body, 404, "PROFILE_NOT_FOUND")
    assert not [item for item in _items(aws) if item["SK"]["S"] == "ENCRYPTION_KEYS"]


def test_recovery_keeps_only_opaque_data(client, aws, ada, keys):
    token, me = ada
    opaque = {"method": "mnemonic", "encryptedRecoveryKey": keys["salt"]}
    missing = post_json(client, "/encryption/recovery", opaque, token)
    assert missing.status_code == 400
    assert_envelope(missing.body, 400, "ENCRYPTION_NOT_SETUP")
    assert post_json(client, "/encryption/setup", keys, token).status_code == 201
    before = _items(aws)
    for secret in (
        {"mnemonicPhrase": "abandon ability able about above absent absorb abstract"},
        {"securityQuestions": [{"question": "First pet?", "answer": "Rex"}]},
        {"securityAnswers": ["Rex"]},
        {"socialGuardians": ["bob@example.com"], "socialThreshold": 1},
    ):
        response = post_json(client, "/encryption/recovery", {**opaque, **secret}, token)
        error = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
        assert response.status_code == 400
        assert set(secret) <= {entry["field"] for entry in error["validation_errors"]}
        assert "only opaque client-encrypted data" in error["validation_errors"][0]["message"]
    for bad in ({"method": "email"}, {"encryptedRecoveryKey": ""}, {"encryptedRecoveryKey": "x"}):
        assert (
            post_json(client, "/encryption/recovery", {**opaque, **bad}, token).status_code == 400
        )
    assert _items(aws) == before
    created = post_json(client, "/encryption/recovery", opaque, token)
    assert created.status_code == 201
    body = _json(created)
    assert body == {
        "userId": me,
        "method": "mnemonic",
        "recoveryEnabled": True,
        "setupAt": body["setupAt"],
        "message": "mnemonic recovery successfully set up",
    }
    replacement = {"method": "mnemonic", "encryptedRecoveryKey": keys["publicKey"]}
    assert post_json(client, "/encryption/recovery", replacement, token).status_code == 201
    social = {"method": "social", "encryptedRecoveryKey": keys["salt"]}
    assert post_json(client, "/encryption/recovery", social, token).status_code == 201
    status = _json(get(client, f"/encryption/check/{me}", token))
    assert (status["recoveryEnabled"], status["recoveryMethods"]) == (True, ["mnemonic", "social"])
    [record] = [item for item in _items(aws) if item["SK"]["S"] == "ENCRYPTION_KEYS"]
    stored = {m["M"]["method"]["S"]: m["M"] for m in record["recovery"]["L"]}
    assert stored["mnemonic"]["encryptedRecoveryKey"]["S"] == keys["publicKey"]
    assert set(stored["mnemonic"]) == {"method", "encryptedRecoveryKey", "setUpAt"}
    # The key strings are untouched by recovery changes.
    assert record["salt"]["S"] == keys["salt"]
    assert record["publicKey"]["S"] == keys["publicKey"]


def test_no_token_is_401(client, aws):
    for method, path in (
        ("GET", f"/encryption/check/{uuid.uuid4()}"),
        ("GET", f"/encryption/user/{uuid.uuid4()}"),
        ("POST", "/encryption/setup"),
        ("DELETE", "/encryption/keys"),
        ("POST", "/encryption/recovery"),
    ):
        response = client.http.request(
            method, path, headers={"Content-Type": "application/json"}, body=b"{}"
        )
        assert response.status_code == 401, (method, path)


def test_key_material_is_never_logged(client, ada, keys, app_logs):
    token, me = ada
    post_json(client, "/encryption/setup", keys, token)
    get(client, f"/encryption/user/{me}", token)
    post_json(client, "/encryption/setup", {**keys, "salt": "bad"}, token)
    logged = app_logs()
    assert "/encryption/setup" in logged
    for value in keys.values():
        assert value not in logged
