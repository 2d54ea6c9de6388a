"""All DynamoDB access for user profiles: item `USER#{userId}` / `PROFILE`, and the email index
item (users/email_index.py) written with it."""

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import changes, dynamo, errors
from chalicelib.core.aws import error_code
from chalicelib.core.dynamo import Transaction
from chalicelib.core.unit_of_work import run_write
from chalicelib.users.email_index import email_item
from chalicelib.users.models import normalise_email
from chalicelib.users.profile import (
    DEFAULT_DAY_START_HOUR,
    DEFAULT_TIMEZONE,
    Notifications,
    Preferences,
    Profile,
    ProfileEncryption,
)

PROFILE_SK = "PROFILE"
# The profile's copy of the key record's id and date (users/key_service.py writes both in one
# transaction). Profiles written by older PUTs may still hold top-level `encryptionEnabled`,
# `encryptionSetupDate` and `encryptionKeyId`: they are never read, and removed when keys are
# set up or deleted.
ENCRYPTION_MAP = "encryption"
LEGACY_ENCRYPTION_ATTRIBUTES = ("encryptionEnabled", "encryptionSetupDate", "encryptionKeyId")


class ProfileAlreadyExists(Exception):
    pass


def profile_not_found() -> errors.AppError:
    return errors.NotFound("The profile was not found.", code="PROFILE_NOT_FOUND")


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
        "createdAt": profile.created_at,
        "updatedAt": profile.updated_at,
    }
    if profile.encryption is not None:
        item[ENCRYPTION_MAP] = encryption_map(profile.encryption)
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


def encryption_map(encryption: ProfileEncryption) -> dict[str, str]:
    return {"keyId": encryption.key_id, "setupDate": encryption.setup_date}


def _encryption_of(stored: Any) -> ProfileEncryption | None:
    if not isinstance(stored, dict):
        return None
    return ProfileEncryption(
        key_id=str(stored.get("keyId") or ""), setup_date=str(stored.get("setupDate") or "")
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
        encryption=_encryption_of(item.get(ENCRYPTION_MAP)),
        created_at=_text(item, "createdAt"),
        updated_at=_text(item, "updatedAt"),
        mfa_pending_secret=_text(item, "mfaPendingSecret"),
        mfa_secret=_text(item, "mfaSecret"),
    )


def _index_address(email: str | None) -> str | None:
    """The address the email index files a profile under, or None for a profile without a
    usable one (a profile healed from a token without an email)."""
    try:
        return normalise_email(email) if email else None
    except ValueError:
        return None


class ProfileRepository:
    def create(self, profile: Profile) -> None:
        """The profile and its email index item (users/email_index.py), in one transaction:
        an account is findable by its address exactly when its profile exists. Raises
        ProfileAlreadyExists, and writes nothing, when the profile exists."""

        def attempt(tx: Transaction) -> None:
            self.stage_create(tx, profile)

        run_write(attempt)

    def stage_create(self, tx: Transaction, profile: Profile) -> None:
        item = changes.stamp(
            {**profile_key(profile.user_id), **profile_item(profile)},
            profile.user_id,
            "profile",
            profile.user_id,
        )
        tx.put("profile", item, condition="attribute_not_exists(PK)")
        tx.refuse_with("profile", lambda: ProfileAlreadyExists(profile.user_id))
        address = _index_address(profile.email)
        if address is not None:
            # Unconditional: Cognito keeps addresses unique, so an index item already there
            # names an account that no longer exists, and is replaced.
            tx.put("email-index", email_item(address, profile.user_id))

    def stage_encryption(
        self, tx: Transaction, user_id: str, encryption: ProfileEncryption | None, now: str
    ) -> None:
        """Set (or, with None, remove) the profile's `encryption` map, in the transaction that
        stores (or deletes) the key record; the profile must exist. The top-level attributes
        older PUTs wrote go at the same time."""
        update = tx.updating("profile", profile_key(user_id), condition="attribute_exists(PK)")
        tx.refuse_with("profile", profile_not_found)
        if encryption is None:
            update.remove(ENCRYPTION_MAP)
        else:
            update.set(ENCRYPTION_MAP, value=encryption_map(encryption))
        for legacy in LEGACY_ENCRYPTION_ATTRIBUTES:
            update.remove(legacy)
        update.set("updatedAt", value=now)
        changes.stamp_update(update, user_id, "profile", user_id)

    def get(self, user_id: str) -> Profile | None:
        # Strongly consistent (dynamo.get_item): a client reads its profile right after
        # changing it.
        item = dynamo.get_item(profile_key(user_id))
        return None if item is None else profile_of(item)

    def update(self, user_id: str, update: dynamo.UpdateBuilder) -> Profile | None:
        """Apply `update` to an existing profile; the new profile, or None when there is none."""
        changes.stamp_update(update, user_id, "profile", user_id)
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
