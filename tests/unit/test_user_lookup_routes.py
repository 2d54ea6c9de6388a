"""GET /users/by-email/{email} and GET /users/{userId} over HTTP (moto in-process): the same
answer shape whether or not an account exists, pseudonymous ids that behave like accounts
without keys, case-insensitive addresses, and the per-caller hourly budget."""

import json
import re
import urllib.parse
import uuid
from typing import Any

import boto3
import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.users import lookup_limit
from chalicelib.users.directory import checked_address, checked_user_id, pseudonymous_id
from tests.browser_crypto import Browser
from tests.helpers import (
    assert_envelope,
    get,
    new_user,
    post_json,
    signed_in_user,
)

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _json(response) -> Any:
    return json.loads(response.body)


def _me(client, token: str) -> str:
    return str(_json(get(client, "/users/profile", token))["userId"])


def _lookup(client, token: str, email: str) -> Any:
    return get(client, f"/users/by-email/{urllib.parse.quote(email, safe='')}", token)


@pytest.fixture
def ada(client, aws) -> str:
    return signed_in_user(client, aws)


def _lookups(aws) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=aws["table"])["Items"]
    return [item for item in items if item["SK"]["S"].startswith("LOOKUPS#")]


def test_a_mixed_case_registration_is_found_by_any_case(client, aws, ada):
    registered = post_json(client, "/auth/register", new_user("Bob.Smith@Example.COM"))
    assert registered.status_code == 201
    bob_id = _json(registered)["userId"]
    for typed in ("bob.smith@example.com", "BOB.SMITH@EXAMPLE.COM", " Bob.Smith@example.com "):
        response = _lookup(client, ada, typed)
        assert response.status_code == 200, response.body
        assert _json(response) == {"userId": bob_id, "hasEncryption": False}
    # Sent with its @ unencoded, as some clients do.
    raw = get(client, "/users/by-email/bob.smith@example.com", ada)
    assert _json(raw)["userId"] == bob_id


def test_has_encryption_follows_the_key_record(client, aws, ada):
    bob = signed_in_user(client, aws, email="bob@example.com")
    bob_id = _me(client, bob)
    assert (
        post_json(
            client, "/encryption/setup", Browser.set_up(bits=2048).setup_body(), bob
        ).status_code
        == 201
    )
    assert _json(_lookup(client, ada, "bob@example.com")) == {
        "userId": bob_id,
        "hasEncryption": True,
    }
    assert _json(get(client, f"/users/{bob_id}", ada)) == {"userId": bob_id, "hasEncryption": True}


def test_an_address_without_an_account_looks_like_an_account_without_keys(client, aws, ada):
    real = signed_in_user(client, aws, email="real@example.com")
    real_id = _me(client, real)
    first = _json(_lookup(client, ada, "nobody@example.com"))
    again = _json(_lookup(client, ada, "NOBODY@example.com"))
    other = _json(_lookup(client, ada, "someone-else@example.com"))
    known = _json(_lookup(client, ada, "real@example.com"))
    assert first == again  # stable
    assert first["userId"] != other["userId"]
    assert set(first) == set(known) == {"userId", "hasEncryption"}
    assert first["hasEncryption"] is known["hasEncryption"] is False
    # Shaped like the ids Cognito makes.
    assert UUID4.match(first["userId"])
    assert UUID4.match(known["userId"])
    assert known["userId"] == real_id
    pseudonym = first["userId"]
    for user_id in (pseudonym, real_id):
        assert _json(get(client, f"/users/{user_id}", ada)) == {
            "userId": user_id,
            "hasEncryption": False,
        }
        assert _json(get(client, f"/encryption/check/{user_id}", ada)) == {
            "userId": user_id,
            "hasEncryption": False,
        }
        keys = get(client, f"/encryption/user/{user_id}", ada)
        assert keys.status_code == 404
        error = assert_envelope(keys.body, 404, "NOT_FOUND")
        assert error["message"] == f"User {user_id} has not set up encryption."
    # Another caller gets the same pseudonym: it depends on the address only.
    bob = signed_in_user(client, aws, email="bob@example.com")
    assert _json(_lookup(client, bob, "nobody@example.com")) == first


@pytest.mark.parametrize(
    "odd", ["not-an-email", "a@b", "@example.com", "ada@", "x" * 300 + "@example.com", "🙂@x.io"]
)
def test_a_malformed_address_is_400_and_costs_nothing(client, aws, ada, odd):
    response = _lookup(client, ada, odd)
    error = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    assert [entry["field"] for entry in error["validation_errors"]] == ["email"]
    assert _lookups(aws) == []


@pytest.mark.parametrize("odd", ["not-a-uuid", "a#b", "🙂", "x" * 300])
def test_a_malformed_id_is_400_and_costs_nothing(client, aws, ada, odd):
    response = get(client, f"/users/{urllib.parse.quote(odd, safe='')}", ada)
    error = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    assert [entry["field"] for entry in error["validation_errors"]] == ["userId"]
    assert _lookups(aws) == []


def test_the_profile_route_is_not_taken_for_a_user_id(client, ada):
    profile = get(client, "/users/profile", ada)
    assert profile.status_code == 200
    assert "email" in _json(profile)


def test_lookups_are_limited_per_caller_per_hour(client, aws, ada):
    bob = signed_in_user(client, aws, email="bob@example.com")
    for index in range(lookup_limit.LOOKUP_LIMIT):
        # Both routes spend the one budget.
        response = (
            _lookup(client, ada, f"person{index}@example.com")
            if index % 2
            else get(client, f"/users/{uuid.uuid4()}", ada)
        )
        assert response.status_code == 200, (index, response.body)
    for spent in (
        _lookup(client, ada, "one-more@example.com"),
        get(client, f"/users/{uuid.uuid4()}", ada),
    ):
        assert spent.status_code == 429
        error = assert_envelope(spent.body, 429, "TOO_MANY_REQUESTS")
        wait = int(spent.headers["Retry-After"])
        assert 1 <= wait <= lookup_limit.LOOKUPS.window_seconds
        assert f"{wait} seconds" in error["message"]
    [counter] = _lookups(aws)
    assert counter["lookups"]["N"] == str(lookup_limit.LOOKUP_LIMIT)
    assert int(counter["expiresAt"]["N"]) > 0
    # Someone else's budget is their own.
    assert _lookup(client, bob, "person1@example.com").status_code == 200


def test_no_token_is_401(client, aws):
    for path in ("/users/by-email/ada%40example.com", f"/users/{uuid.uuid4()}"):
        assert get(client, path).status_code == 401


# The rules themselves, without HTTP.


def test_user_ids_are_uuids_lower_cased():
    value = str(uuid.uuid4())
    assert checked_user_id(value.upper()) == value
    for odd in (value + "\n", value[:-1], value + "0", f"{{{value}}}", value.replace("-", "")):
        with pytest.raises(ValidationFailed):
            checked_user_id(odd)


def test_addresses_are_normalised_and_decoded_once():
    assert checked_address("Ada%40Example.com") == "ada@example.com"
    assert checked_address("ada%2Bnews%40example.com") == "ada+news@example.com"
    # Already decoded (it holds an @): a % in it is the address's own.
    assert checked_address("a%25b@example.com") == "a%25b@example.com"
    with pytest.raises(ValidationFailed):
        checked_address("ada%40")


def test_pseudonyms_are_keyed_stable_and_uuid4_shaped():
    first = pseudonymous_id(b"k" * 32, "nobody@example.com")
    assert first == pseudonymous_id(b"k" * 32, "nobody@example.com")
    assert first != pseudonymous_id(b"j" * 32, "nobody@example.com")
    assert first != pseudonymous_id(b"k" * 32, "nobody2@example.com")
    assert UUID4.match(first)


def test_looked_up_addresses_are_never_logged(client, aws, ada, app_logs):
    _lookup(client, ada, "secret.person@example.com")
    _lookup(client, ada, "not-an-address")
    logged = app_logs()
    assert "/users/by-email/{email}" in logged
    assert "secret.person" not in logged
    assert "not-an-address" not in logged
