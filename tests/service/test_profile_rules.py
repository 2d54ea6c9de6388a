"""Profile rules on the profile service with an in-memory repository: `null` clears optional
fields and resets defaults, the encryption fields are accepted and ignored (only the key routes
set them), and a profile that vanished is 404.
The HTTP side (shape on the wire, 400s that write nothing, one user never reaching another's
profile through their token) is in tests/unit/test_profile_routes.py."""

import pytest

from chalicelib.core.errors import NotFound
from chalicelib.core.validation import parse
from chalicelib.users.models import ProfileUpdate
from tests.helpers import registered_user


@pytest.fixture
def user_id(auth_service, identity):
    return registered_user(auth_service, identity)


def update(service, user_id, body):
    """What PUT /users/profile does with a body, after the route parsed it."""
    return service.update(user_id, parse(ProfileUpdate, body))


def test_null_clears_optional_fields_and_resets_defaults(profile_service, user_id):
    update(profile_service, user_id, {"phoneNumber": "+14155550123", "timezone": "Asia/Tokyo"})
    profile = update(profile_service, user_id, {"phoneNumber": None, "timezone": None})
    assert profile["phoneNumber"] is None
    assert profile["timezone"] == "UTC"


def test_encryption_fields_are_accepted_and_ignored(profile_service, profiles, user_id):
    # Issue 12 changed this on purpose: PUT used to write them as given, so a profile could
    # say encryption is on with no key record (the web client then shows an unlock prompt
    # on every page). Only the key routes set them now, in the key record's transaction.
    before = dict(profiles.items[user_id])
    profile = update(
        profile_service,
        user_id,
        {
            "encryptionEnabled": True,
            "encryptionSetupDate": "2026-11-20T10:00:00+01:00",
            "encryptionKeyId": "kms-key-7",
            "firstName": "Augusta",
        },
    )
    assert profile["firstName"] == "Augusta"
    assert (
        profile["encryptionEnabled"],
        profile["encryptionSetupDate"],
        profile["encryptionKeyId"],
    ) == (False, None, None)
    stored = profiles.items[user_id]
    assert not {"encryption", "encryptionEnabled", "encryptionSetupDate", "encryptionKeyId"} & set(
        stored
    )
    assert set(stored) == set(before)


def test_only_the_profiles_encryption_map_counts(profile_service, profiles, user_id):
    # Top-level attributes an older PUT wrote are not read; the map the key routes write is.
    profiles.items[user_id].update(
        {"encryptionEnabled": True, "encryptionSetupDate": "2026-01-01T00:00:00.000Z"}
    )
    assert profile_service.get(user_id)["encryptionEnabled"] is False
    profiles.items[user_id]["encryption"] = {
        "keyId": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "setupDate": "2026-11-20T09:00:00.000Z",
    }
    profile = profile_service.get(user_id)
    assert (
        profile["encryptionEnabled"],
        profile["encryptionSetupDate"],
        profile["encryptionKeyId"],
    ) == (True, "2026-11-20T09:00:00.000Z", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")


def test_a_profile_that_vanished_is_404(profile_service, profiles, user_id):
    del profiles.items[user_id]
    with pytest.raises(NotFound) as read:
        profile_service.get(user_id)
    assert (read.value.status, read.value.code) == (404, "PROFILE_NOT_FOUND")
    with pytest.raises(NotFound) as changed:
        update(profile_service, user_id, {"firstName": "Ada"})
    assert changed.value.status == 404
    assert profiles.items == {}


def test_a_profile_stored_before_later_fields_reads_with_their_defaults(profiles, profile_service):
    # An item from before preferences, MFA and encryption fields existed, as stored then.
    profiles.items["old"] = {
        "userId": "old",
        "email": "old@example.com",
        "firstName": "Old",
        "lastName": "Timer",
        "emailVerified": True,
        "timezone": "Europe/Paris",
        "dayStartHour": 4,
        "preferences": {"units": "imperial", "notifications": {"push": True}},
        "createdAt": "2025-01-02T03:04:05.000Z",
        "updatedAt": "2025-01-02T03:04:05.000Z",
    }
    assert profile_service.get("old") == {
        "userId": "old",
        "email": "old@example.com",
        "firstName": "Old",
        "lastName": "Timer",
        "emailVerified": True,
        "mfaEnabled": False,
        "phoneNumber": None,
        "dateOfBirth": None,
        "timezone": "Europe/Paris",
        "dayStartHour": 4,
        "preferences": {
            "units": "imperial",
            "language": "en",
            "notifications": {"email": True, "push": True, "sms": False},
            "dietaryRestrictions": [],
            "fitnessGoals": [],
        },
        "encryptionEnabled": False,
        "encryptionSetupDate": None,
        "encryptionKeyId": None,
        "createdAt": "2025-01-02T03:04:05.000Z",
        "updatedAt": "2025-01-02T03:04:05.000Z",
    }
