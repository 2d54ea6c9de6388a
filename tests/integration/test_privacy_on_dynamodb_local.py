"""Keys and user lookup on DynamoDB Local and moto's Cognito server, through the services as
the routes call them: setup never overwrites, the profile always agrees with the key record,
key strings round-trip byte for byte, pseudonymous ids are stable and shaped like real ids, the
lookup budget holds under concurrent lookups, and each route costs what `make bench` budgets."""

import re
import threading
import uuid
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.errors import AppError, Conflict, TooManyRequests
from chalicelib.core.validation import parse
from chalicelib.users import lookup_limit
from chalicelib.users.email_index import email_key
from chalicelib.users.keys import key_record_key
from chalicelib.users.models import KeySetup, RegisterRequest
from chalicelib.users.repository import profile_key
from tests.browser_crypto import Browser
from tests.helpers import STRONG_PASSWORD, RequestLog

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def browser_keys() -> dict[str, str]:
    # The browser's real sizes: RSA-4096, a ~3.2 KB wrapped private key.
    return Browser.set_up().setup_body()


def _register(email: str) -> str:
    registered = wiring.auth().register(
        parse(
            RegisterRequest,
            {"email": email, "password": STRONG_PASSWORD, "firstName": "Ada", "lastName": "Byron"},
        )
    )
    return str(registered["userId"])


@pytest.fixture
def user(stack_env) -> str:
    return _register(f"keys-{uuid.uuid4().hex[:10]}@example.com")


def _profile_encryption(user_id: str) -> tuple[Any, Any, Any]:
    profile = wiring.profiles().get(user_id)
    return (
        profile["encryptionEnabled"],
        profile["encryptionSetupDate"],
        profile["encryptionKeyId"],
    )


def _raw(key: dict[str, str]) -> dict[str, Any] | None:
    return dynamo.get_item(key)


class _Requests:
    """The DynamoDB operations the app's client sends inside a `with` block."""

    def __enter__(self) -> list[str]:
        self._log = RequestLog()
        dynamo.client().meta.events.register("before-call.dynamodb", self._log)
        return self._log.operations

    def __exit__(self, *_: object) -> None:
        dynamo.client().meta.events.unregister("before-call.dynamodb", self._log)


def test_setup_twice_is_409_and_nothing_is_overwritten(user, browser_keys):
    keys = wiring.keys()
    with _Requests() as requests:
        created = keys.set_up(user, parse(KeySetup, browser_keys))
    assert requests == ["TransactWriteItems"]  # one transaction, no read
    record_before = _raw(key_record_key(user))
    profile_before = _raw(profile_key(user))
    other = Browser.set_up(bits=2048).setup_body()
    with pytest.raises(Conflict) as refused:
        keys.set_up(user, parse(KeySetup, other))
    assert (refused.value.status, refused.value.code) == (409, "CONFLICT")
    assert _raw(key_record_key(user)) == record_before
    assert _raw(profile_key(user)) == profile_before
    assert _profile_encryption(user) == (True, created["createdAt"], browser_keys["publicKeyId"])


def test_key_strings_round_trip_byte_for_byte(user, browser_keys):
    keys = wiring.keys()
    keys.set_up(user, parse(KeySetup, browser_keys))
    with _Requests() as requests:
        own = keys.keys_of(user, user)
    assert requests == ["GetItem"]
    for name, sent in browser_keys.items():
        assert own[name] == sent
        assert own[name].encode() == sent.encode()
    stored = _raw(key_record_key(user))
    assert stored is not None
    assert {name: stored[name] for name in browser_keys} == browser_keys


def test_delete_then_setup_again_and_the_profile_always_agrees(user, browser_keys):
    keys = wiring.keys()
    assert _profile_encryption(user) == (False, None, None)
    first = keys.set_up(user, parse(KeySetup, browser_keys))
    assert _profile_encryption(user) == (True, first["createdAt"], browser_keys["publicKeyId"])
    first_set = (_raw(key_record_key(user)) or {})["keySetId"]
    with _Requests() as requests:
        deleted = keys.delete(user)
    assert requests == ["TransactWriteItems"]
    assert deleted["deletedAt"] is not None
    assert _raw(key_record_key(user)) is None
    assert "encryption" not in (_raw(profile_key(user)) or {})
    assert _profile_encryption(user) == (False, None, None)
    assert keys.delete(user)["deletedAt"] is None
    again = keys.set_up(user, parse(KeySetup, browser_keys))
    assert _profile_encryption(user) == (True, again["createdAt"], browser_keys["publicKeyId"])
    assert (_raw(key_record_key(user)) or {})["keySetId"] != first_set


def test_legacy_top_level_attributes_are_ignored_and_removed(user, browser_keys):
    # A profile an older PUT wrote encryption fields onto, as such PUTs stored them.
    dynamo.client().update_item(
        TableName=dynamo.table_name(),
        Key=dynamo.serialize(profile_key(user)),
        UpdateExpression="SET encryptionEnabled = :on, encryptionKeyId = :key",
        ExpressionAttributeValues=dynamo.serialize({":on": True, ":key": "kms-key-7"}),
    )
    assert _profile_encryption(user) == (False, None, None)
    wiring.keys().set_up(user, parse(KeySetup, browser_keys))
    stored = _raw(profile_key(user)) or {}
    assert "encryptionEnabled" not in stored
    assert "encryptionKeyId" not in stored
    assert stored["encryption"]["keyId"] == browser_keys["publicKeyId"]


def test_a_mixed_case_registration_is_found_case_insensitively(stack_env):
    local = f"Mixed.{uuid.uuid4().hex[:8]}"
    user_id = _register(f"{local}@Example.COM")
    address = f"{local.lower()}@example.com"
    assert (_raw(email_key(address)) or {})["userId"] == user_id
    caller = str(uuid.uuid4())
    directory = wiring.directory()
    for typed in (address, address.upper(), f"{local}@EXAMPLE.com"):
        assert directory.by_email(caller, typed) == {"userId": user_id, "hasEncryption": False}


def test_pseudonymous_ids_are_stable_and_look_like_real_ones(stack_env, user, browser_keys):
    directory, keys = wiring.directory(), wiring.keys()
    caller = str(uuid.uuid4())
    address = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    first = directory.by_email(caller, address)
    assert directory.by_email(str(uuid.uuid4()), address.upper()) == first
    assert UUID4.match(first["userId"])
    assert UUID4.match(user)  # Cognito's ids: the same shape
    assert first["hasEncryption"] is False
    pseudonym = first["userId"]
    assert directory.by_id(caller, pseudonym) == {"userId": pseudonym, "hasEncryption": False}
    assert keys.status(caller, pseudonym) == {"userId": pseudonym, "hasEncryption": False}
    with pytest.raises(AppError) as missing:
        keys.keys_of(caller, pseudonym)
    assert (missing.value.status, missing.value.code) == (404, "NOT_FOUND")
    keys.set_up(user, parse(KeySetup, browser_keys))
    assert directory.by_id(caller, user) == {"userId": user, "hasEncryption": True}
    assert keys.keys_of(caller, user) == {
        "userId": user,
        "publicKey": browser_keys["publicKey"],
        "publicKeyId": browser_keys["publicKeyId"],
        "hasEncryption": True,
    }


def test_lookups_cost_one_budget_write_and_their_reads(stack_env, user):
    directory = wiring.directory()
    caller = str(uuid.uuid4())
    with _Requests() as by_id:
        directory.by_id(caller, user)
    assert by_id == ["UpdateItem", "GetItem"]
    # By email: the index, then the key record, whether or not an account was found.
    for address in (f"nobody-{uuid.uuid4().hex[:8]}@example.com",):
        with _Requests() as by_email:
            directory.by_email(caller, address)
        assert by_email == ["UpdateItem", "GetItem", "GetItem"]


def test_the_lookup_budget_holds_under_concurrent_lookups(stack_env, monkeypatch):
    # The directory below is made after this (stack_env reset the wiring), with this window.
    monkeypatch.setattr(lookup_limit, "LOOKUPS", replace(lookup_limit.LOOKUPS, limit=5))
    directory = wiring.directory()
    caller = str(uuid.uuid4())
    outcomes: list[str] = []
    lock = threading.Lock()

    def look_up() -> None:
        try:
            directory.by_id(caller, str(uuid.uuid4()))
            outcome = "ok"
        except TooManyRequests as refused:
            wait = int(refused.headers["Retry-After"])
            outcome = (
                "429" if 1 <= wait <= lookup_limit.LOOKUPS.window_seconds else f"429 after {wait}"
            )
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=look_up) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["429"] * 7 + ["ok"] * 5
    counters = dynamo.query_all(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :lookups)",
        ExpressionAttributeValues=dynamo.serialize(
            {":pk": dynamo.user_pk(caller), ":lookups": "LOOKUPS#"}
        ),
    )
    assert [counter["lookups"] for counter in counters] == [5]
    assert counters[0]["expiresAt"] > 0
