"""The profile repository and the auth service against DynamoDB Local and moto's Cognito."""

import uuid

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.dynamo import UpdateBuilder
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import parse
from chalicelib.users.models import LoginRequest, RegisterRequest
from chalicelib.users.profile import Notifications
from chalicelib.users.repository import ProfileAlreadyExists, ProfileRepository, profile_key
from chalicelib.users.service import new_profile
from tests.helpers import STRONG_PASSWORD


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def test_profiles_are_created_once_and_read_back_with_numbers(stack_env):
    repository = ProfileRepository()
    user_id = str(uuid.uuid4())
    repository.create(new_profile(user_id, "ada@example.com", "Ada", "Lovelace"))
    with pytest.raises(ProfileAlreadyExists):
        repository.create(new_profile(user_id, "ada@example.com", "Ada", "Lovelace"))
    stored = repository.get(user_id)
    assert stored is not None
    assert stored.day_start_hour == 0
    assert isinstance(stored.day_start_hour, int)
    raw = dynamo.client().get_item(
        TableName=dynamo.table_name(), Key=dynamo.serialize(profile_key(user_id))
    )["Item"]
    assert raw["PK"] == {"S": f"USER#{user_id}"}
    assert raw["SK"] == {"S": "PROFILE"}


def test_nested_updates_are_one_atomic_write(stack_env):
    repository = ProfileRepository()
    user_id = str(uuid.uuid4())
    repository.create(new_profile(user_id, "ada@example.com", "Ada", "Lovelace"))
    updated = repository.update(
        user_id,
        UpdateBuilder()
        .set("preferences", "notifications", "sms", value=True)
        .set("dayStartHour", value=3)
        .set("weight", value=61.5),
    )
    assert updated is not None
    assert updated.preferences.notifications == Notifications(email=True, push=False, sms=True)
    assert updated.day_start_hour == 3
    assert isinstance(updated.day_start_hour, int)
    # An attribute a profile does not know stays stored, untouched and unread.
    raw = dynamo.get_item(profile_key(user_id))
    assert raw is not None
    assert raw["weight"] == 61.5
    assert repository.update(str(uuid.uuid4()), UpdateBuilder().set("x", value=1)) is None


def test_register_then_duplicate_then_sign_in(stack_env, local_stack):
    email = _email()
    auth = wiring.auth()
    registered = auth.register(
        parse(
            RegisterRequest,
            {
                "email": email,
                "password": STRONG_PASSWORD,
                "firstName": "Grace",
                "lastName": "Hopper",
            },
        )
    )
    with pytest.raises(Conflict):
        auth.register(
            parse(
                RegisterRequest,
                {
                    "email": email.upper(),
                    "password": STRONG_PASSWORD,
                    "firstName": "Grace",
                    "lastName": "Hopper",
                },
            )
        )
    auth.confirm_account_locally(email)
    signed_in = auth.login(parse(LoginRequest, {"email": email, "password": STRONG_PASSWORD}))
    assert signed_in["user"]["userId"] == registered["userId"]
    assert signed_in["user"]["emailVerified"] is True
    stored = ProfileRepository().get(registered["userId"])
    assert stored is not None
    assert stored.email_verified is True


def test_a_failed_profile_write_rolls_the_cognito_user_back(stack_env, local_stack, monkeypatch):
    # The table name points at a table that does not exist: the profile write fails for real.
    monkeypatch.setenv("TABLE_NAME", "missing-table")
    wiring.reset()
    email = _email()
    with pytest.raises(Exception):  # noqa: B017, PT011 - DynamoDB's own error, whatever its type
        wiring.auth().register(
            parse(
                RegisterRequest,
                {
                    "email": email,
                    "password": STRONG_PASSWORD,
                    "firstName": "Grace",
                    "lastName": "Hopper",
                },
            )
        )
    cognito = local_stack.client("cognito-idp")
    users = cognito.list_users(
        UserPoolId=local_stack.info.user_pool_id, Filter=f'email = "{email}"'
    )["Users"]
    assert users == []


def test_field_rules_reject_before_anything_is_written(stack_env, local_stack):
    email = _email()
    with pytest.raises(ValidationFailed):
        wiring.auth().register(
            parse(
                RegisterRequest,
                {"email": email, "password": "weak", "firstName": "G", "lastName": "H"},
            )
        )
    cognito = local_stack.client("cognito-idp")
    assert (
        cognito.list_users(UserPoolId=local_stack.info.user_pool_id, Filter=f'email = "{email}"')[
            "Users"
        ]
        == []
    )
