"""A user's profile as the services see it: typed, with the defaults a profile has before a
field is set. Items become profiles (and back) only in users/repository.py; the wire shape is
presenter.py's."""

from dataclasses import dataclass, field

DEFAULT_TIMEZONE = "UTC"
DEFAULT_DAY_START_HOUR = 0


@dataclass(frozen=True)
class Notifications:
    email: bool = True
    push: bool = False
    sms: bool = False


@dataclass(frozen=True)
class Preferences:
    units: str = "metric"
    language: str = "en"
    notifications: Notifications = field(default_factory=Notifications)
    dietary_restrictions: tuple[str, ...] = ()
    fitness_goals: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProfileEncryption:
    """The profile's `encryption` map: set in the transaction that stores a key record, and
    removed in the one that deletes it (users/key_service.py), so it exists exactly when the
    key record does."""

    key_id: str
    setup_date: str


@dataclass(frozen=True)
class Profile:
    """One profile (`USER#{userId}` / `PROFILE`). Dates and instants stay the ISO strings they
    are stored as, so they read back exactly as they were written."""

    user_id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email_verified: bool = False
    mfa_enabled: bool = False
    phone_number: str | None = None
    date_of_birth: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    day_start_hour: int = DEFAULT_DAY_START_HOUR
    preferences: Preferences = field(default_factory=Preferences)
    encryption: ProfileEncryption | None = None
    created_at: str | None = None
    updated_at: str | None = None
    # Never shown: the MFA secret being set up, and the one in use.
    mfa_pending_secret: str | None = None
    mfa_secret: str | None = None

    # What the wire calls encryptionEnabled, encryptionSetupDate and encryptionKeyId: derived
    # from the `encryption` map only (top-level attributes older PUTs wrote are not read).

    @property
    def encryption_enabled(self) -> bool:
        return self.encryption is not None

    @property
    def encryption_setup_date(self) -> str | None:
        return self.encryption.setup_date if self.encryption else None

    @property
    def encryption_key_id(self) -> str | None:
        return self.encryption.key_id if self.encryption else None
