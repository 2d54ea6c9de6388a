"""All DynamoDB access for user profiles: item `USER#{userId}` / `PROFILE`."""

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import dynamo
from chalicelib.core.aws import error_code
from chalicelib.users.profile import (
    DEFAULT_DAY_START_HOUR,
    DEFAULT_TIMEZONE,
    Notifications,
    Preferences,
    Profile,
)

PROFILE_SK = "PROFILE"


class ProfileAlreadyExists(Exception):
    pass


def profile_key(user_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": PROFILE_SK}


def profile_item(profile: Profile) -> dict[str, Any]:
    """The stored attributes of a profile: every shown field, null when unset (as profiles
    have always been written), and the MFA secrets only while there are any."""
    preferences = profile.preferences
    item: dict[str, Any] = {
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
        "preferences": {
            "units": preferences.units,
            "language": preferences.language,
            "notifications": {
                "email": preferences.notifications.email,
                "push": preferences.notifications.push,
                "sms": preferences.notifications.sms,
            },
            "dietaryRestrictions": list(preferences.dietary_restrictions),
            "fitnessGoals": list(preferences.fitness_goals),
        },
        "encryptionEnabled": profile.encryption_enabled,
        "encryptionSetupDate": profile.encryption_setup_date,
        "encryptionKeyId": profile.encryption_key_id,
        "createdAt": profile.created_at,
        "updatedAt": profile.updated_at,
    }
    if profile.mfa_pending_secret is not None:
        item["mfaPendingSecret"] = profile.mfa_pending_secret
    if profile.mfa_secret is not None:
        item["mfaSecret"] = profile.mfa_secret
    return item


def _preferences_of(stored: Any) -> Preferences:
    """Stored preferences over the defaults: a profile from before a preference existed (or
    with only some notification channels) reads with the default for what it lacks."""
    stored = stored if isinstance(stored, dict) else {}
    default, default_channels = Preferences(), Notifications()
    channels = stored.get("notifications")
    channels = channels if isinstance(channels, dict) else {}
    return Preferences(
        units=stored.get("units") or default.units,
        language=stored.get("language") or default.language,
        notifications=Notifications(
            email=bool(channels.get("email", default_channels.email)),
            push=bool(channels.get("push", default_channels.push)),
            sms=bool(channels.get("sms", default_channels.sms)),
        ),
        dietary_restrictions=tuple(stored.get("dietaryRestrictions") or ()),
        fitness_goals=tuple(stored.get("fitnessGoals") or ()),
    )


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value)


def profile_of(item: dict[str, Any]) -> Profile:
    """The profile a stored item holds (keys, if any, are ignored; attributes a profile does
    not know are left in the item, untouched by updates, and not read)."""
    return Profile(
        user_id=str(item["userId"]),
        email=_text(item, "email"),
        first_name=_text(item, "firstName"),
        last_name=_text(item, "lastName"),
        email_verified=bool(item.get("emailVerified", False)),
        mfa_enabled=bool(item.get("mfaEnabled", False)),
        phone_number=_text(item, "phoneNumber"),
        date_of_birth=_text(item, "dateOfBirth"),
        timezone=_text(item, "timezone") or DEFAULT_TIMEZONE,
        day_start_hour=int(item.get("dayStartHour") or DEFAULT_DAY_START_HOUR),
        preferences=_preferences_of(item.get("preferences")),
        encryption_enabled=bool(item.get("encryptionEnabled", False)),
        encryption_setup_date=_text(item, "encryptionSetupDate"),
        encryption_key_id=_text(item, "encryptionKeyId"),
        created_at=_text(item, "createdAt"),
        updated_at=_text(item, "updatedAt"),
        mfa_pending_secret=_text(item, "mfaPendingSecret"),
        mfa_secret=_text(item, "mfaSecret"),
    )


class ProfileRepository:
    def create(self, profile: Profile) -> None:
        item = {**profile_key(profile.user_id), **profile_item(profile)}
        try:
            dynamo.client().put_item(
                TableName=dynamo.table_name(),
                Item=dynamo.serialize(item),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ProfileAlreadyExists(profile.user_id) from exc
            raise

    def get(self, user_id: str) -> Profile | None:
        # Strongly consistent (dynamo.get_item): a client reads its profile right after
        # changing it.
        item = dynamo.get_item(profile_key(user_id))
        return None if item is None else profile_of(item)

    def update(self, user_id: str, update: dynamo.UpdateBuilder) -> Profile | None:
        """Apply `update` to an existing profile; the new profile, or None when there is none."""
        try:
            result = dynamo.client().update_item(
                TableName=dynamo.table_name(),
                Key=dynamo.serialize(profile_key(user_id)),
                ConditionExpression="attribute_exists(PK)",
                ReturnValues="ALL_NEW",
                **update.params(),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return profile_of(dynamo.deserialize(result["Attributes"]))
