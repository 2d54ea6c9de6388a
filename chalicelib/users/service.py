"""Profile rules: the shape of a profile, its defaults, and partial updates in one write."""

from datetime import date, datetime
from typing import Any

from chalicelib.core.clock import now_iso, to_iso
from chalicelib.core.dynamo import UpdateBuilder
from chalicelib.core.errors import NotFound
from chalicelib.users.models import ProfileUpdate
from chalicelib.users.presenter import present_preferences, present_profile
from chalicelib.users.profile import (
    DEFAULT_DAY_START_HOUR,
    DEFAULT_TIMEZONE,
    Notifications,
    Preferences,
    Profile,
)
from chalicelib.users.repository import ProfileRepository

# What `null` resets a field to, for fields that always have a value.
_RESET_VALUES: dict[str, Any] = {
    "timezone": DEFAULT_TIMEZONE,
    "dayStartHour": DEFAULT_DAY_START_HOUR,
}
_PREFERENCE_RESETS: dict[str, Any] = {
    "units": "metric",
    "language": "en",
    "dietaryRestrictions": [],
    "fitnessGoals": [],
}


def new_profile(user_id: str, email: str, first_name: str, last_name: str) -> Profile:
    now = now_iso()
    return Profile(
        user_id=user_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        created_at=now,
        updated_at=now,
    )


def _wire_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _preference_changes(update: UpdateBuilder, preferences: dict[str, Any] | None) -> None:
    if preferences is None:
        update.set("preferences", value=present_preferences(Preferences()))
        return
    for name, value in preferences.items():
        if name == "notifications":
            for channel, enabled in (value or {}).items():
                update.set(
                    "preferences",
                    "notifications",
                    channel,
                    value=getattr(Notifications(), channel) if enabled is None else enabled,
                )
        else:
            update.set(
                "preferences", name, value=_PREFERENCE_RESETS[name] if value is None else value
            )


# Accepted from the client and ignored: the key routes alone set them (users/key_service.py), so
# the profile never disagrees with the key record.
_DERIVED_FIELDS = {"encryptionEnabled", "encryptionSetupDate", "encryptionKeyId"}


def profile_update(changes: ProfileUpdate) -> UpdateBuilder:
    sent = changes.model_dump(by_alias=True, exclude_unset=True)
    update = UpdateBuilder()
    for name, value in sent.items():
        if name in _DERIVED_FIELDS:
            continue
        if name == "preferences":
            _preference_changes(update, value)
        elif value is None and name in _RESET_VALUES:
            update.set(name, value=_RESET_VALUES[name])
        elif value is None:
            update.remove(name)
        else:
            update.set(name, value=_wire_value(value))
    return update.set("updatedAt", value=now_iso())


class ProfileService:
    def __init__(self, profiles: ProfileRepository) -> None:
        self._profiles = profiles

    def get(self, user_id: str) -> dict[str, Any]:
        profile = self._profiles.get(user_id)
        if profile is None:
            raise NotFound("The profile was not found.", code="PROFILE_NOT_FOUND")
        return present_profile(profile)

    def update(self, user_id: str, changes: ProfileUpdate) -> dict[str, Any]:
        profile = self._profiles.update(user_id, profile_update(changes))
        if profile is None:
            raise NotFound("The profile was not found.", code="PROFILE_NOT_FOUND")
        return present_profile(profile)
