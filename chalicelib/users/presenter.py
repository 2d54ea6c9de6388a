"""The wire shapes of the users domain (docs/api.md): a profile, every field present, in order,
never the MFA secrets; and a key record, as its owner or someone else may see it."""

from typing import Any

from chalicelib.users.keys import KeyRecord
from chalicelib.users.profile import Preferences, Profile


def present_preferences(preferences: Preferences) -> dict[str, Any]:
    notifications = preferences.notifications
    return {
        "units": preferences.units,
        "language": preferences.language,
        "notifications": {
            "email": notifications.email,
            "push": notifications.push,
            "sms": notifications.sms,
        },
        "dietaryRestrictions": list(preferences.dietary_restrictions),
        "fitnessGoals": list(preferences.fitness_goals),
    }


def present_profile(profile: Profile) -> dict[str, Any]:
    return {
        "userId": profile.user_id,
        "email": profile.email,
        "firstName": profile.first_name,
        "lastName": profile.last_name,
        "emailVerified": profile.email_verified,
        "mfaEnabled": profile.mfa_enabled,
        "phoneNumber": profile.phone_number,
        "dateOfBirth": profile.date_of_birth,
        "timezone": profile.timezone,
        "dayStartHour": profile.day_start_hour,
        "preferences": present_preferences(profile.preferences),
        "encryptionEnabled": profile.encryption_enabled,
        "encryptionSetupDate": profile.encryption_setup_date,
        "encryptionKeyId": profile.encryption_key_id,
        "createdAt": profile.created_at,
        "updatedAt": profile.updated_at,
    }


# Key records (users/keys.py): the owner may receive everything; anyone else only what wrapping
# a content key for them needs. Only the owner ever receives the salt and the wrapped private
# key: together they are the offline brute-force target for the master password.


def present_key_status(user_id: str, record: KeyRecord | None, *, own: bool) -> dict[str, Any]:
    """GET /encryption/check/{userId}."""
    if record is None or not own:
        return {"userId": user_id, "hasEncryption": record is not None}
    return {
        "userId": user_id,
        "hasEncryption": True,
        "publicKeyId": record.public_key_id,
        "recoveryEnabled": record.recovery_enabled,
        "recoveryMethods": [method.method for method in record.recovery],
        "createdAt": record.created_at,
    }


def present_own_keys(user_id: str, record: KeyRecord | None) -> dict[str, Any]:
    """GET /encryption/user/{own id}: every key string exactly as stored."""
    if record is None:
        return {"userId": user_id, "hasEncryption": False}
    return {
        "userId": user_id,
        "publicKey": record.public_key,
        "publicKeyId": record.public_key_id,
        "salt": record.salt,
        "encryptedPrivateKey": record.encrypted_private_key,
        "hasEncryption": True,
        "recoveryEnabled": record.recovery_enabled,
        "recoveryMethods": [method.method for method in record.recovery],
    }


def present_public_keys(record: KeyRecord) -> dict[str, Any]:
    """GET /encryption/user/{another id}."""
    return {
        "userId": record.user_id,
        "publicKey": record.public_key,
        "publicKeyId": record.public_key_id,
        "hasEncryption": True,
    }
