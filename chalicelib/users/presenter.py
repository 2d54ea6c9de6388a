"""The wire shape of a profile (docs/api.md): every field present, in order; never the MFA
secrets."""

from typing import Any

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
