"""GET/PUT /users/profile over HTTP: the full shape, partial updates, bad input writes nothing,
and nobody reaches another user's profile. The profile rules (`null` clears, encryption fields
accepted and ignored, a vanished profile) are tested on the service, in
tests/service/test_profile_rules.py."""

import json

import boto3
import pytest

from tests.helpers import assert_envelope, get, put_json, signed_in_user

PROFILE_FIELDS = {
    "userId",
    "email",
    "firstName",
    "lastName",
    "emailVerified",
    "mfaEnabled",
    "phoneNumber",
    "dateOfBirth",
    "timezone",
    "dayStartHour",
    "preferences",
    "encryptionEnabled",
    "encryptionSetupDate",
    "encryptionKeyId",
    "createdAt",
    "updatedAt",
}


@pytest.fixture
def token(client, aws):
    return signed_in_user(client, aws)


def _stored(aws):
    """Every item of the table: the profile, and its email index item."""
    return boto3.client("dynamodb").scan(TableName=aws["table"])["Items"]


def test_profile_has_every_field_with_safe_defaults(client, token):
    response = get(client, "/users/profile", token)
    assert response.status_code == 200
    profile = json.loads(response.body)
    assert set(profile) == PROFILE_FIELDS
    assert profile["encryptionEnabled"] is False
    assert profile["timezone"] == "UTC"
    assert profile["dayStartHour"] == 0
    assert profile["phoneNumber"] is None
    assert profile["preferences"]["units"] == "metric"
    assert profile["createdAt"].endswith("Z")
    assert "T" in profile["createdAt"]


def test_partial_update_changes_only_what_was_sent(client, token):
    changes = {
        "firstName": "Augusta",
        "timezone": "Europe/London",
        "day_start_hour": 3,
        "phoneNumber": "+447700900123",
        "dateOfBirth": "1990-12-10",
        "preferences": {"units": "imperial", "notifications": {"push": True}},
        "unknownField": "ignored",
    }
    too_old = put_json(client, "/users/profile", {**changes, "dateOfBirth": "1815-12-10"}, token)
    assert too_old.status_code == 400  # born before 1900: nothing of it is written
    response = put_json(client, "/users/profile", changes, token)
    assert response.status_code == 200
    profile = json.loads(response.body)
    assert set(profile) == PROFILE_FIELDS
    assert profile["firstName"] == "Augusta"
    assert profile["lastName"] == "Lovelace"
    assert profile["dayStartHour"] == 3
    assert profile["dateOfBirth"] == "1990-12-10"
    assert profile["preferences"]["units"] == "imperial"
    assert profile["preferences"]["notifications"] == {"email": True, "push": True, "sms": False}
    assert profile["preferences"]["language"] == "en"
    assert json.loads(get(client, "/users/profile", token).body) == profile


@pytest.mark.parametrize(
    "body, field",
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"timezone": "Factory"}, "timezone"),
        ({"dayStartHour": 24}, "dayStartHour"),
        ({"dayStartHour": "3"}, "dayStartHour"),
        ({"dayStartHour": True}, "dayStartHour"),
        ({"phoneNumber": "0123 456"}, "phoneNumber"),
        ({"dateOfBirth": "2999-01-01"}, "dateOfBirth"),
        ({"dateOfBirth": "not-a-date"}, "dateOfBirth"),
        ({"firstName": None}, "firstName"),
        ({"preferences": {"units": "furlongs"}}, "preferences.units"),
        ({"preferences": {"language": "english"}}, "preferences.language"),
        ({"preferences": {"notifications": {"sms": "yes"}}}, "preferences.notifications.sms"),
        ({"preferences": {"fitnessGoals": ["x"] * 21}}, "preferences.fitnessGoals"),
    ],
)
def test_bad_fields_are_400_and_change_nothing(client, aws, token, body, field):
    before = _stored(aws)
    response = put_json(client, "/users/profile", body, token)
    error = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    assert field in [entry["field"] for entry in error["validation_errors"]]
    assert _stored(aws) == before


def test_each_user_sees_only_their_own_profile(client, aws, token):
    other = signed_in_user(client, aws, email="bob@example.com")
    mine = json.loads(get(client, "/users/profile", token).body)
    theirs = json.loads(get(client, "/users/profile", other).body)
    assert mine["email"] == "ada@example.com"
    assert theirs["email"] == "bob@example.com"
    put_json(client, "/users/profile", {"firstName": "Bob"}, other)
    assert json.loads(get(client, "/users/profile", token).body)["firstName"] == "Ada"
