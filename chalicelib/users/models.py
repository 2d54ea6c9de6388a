"""Request models and field rules of the auth, profile, encryption key and user lookup routes
(docs/api.md)."""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from chalicelib.core.fields import ShortText
from chalicelib.core.local_time import check_timezone
from chalicelib.core.validation import WireModel

# ASCII addresses only: what Cognito accepts as an email username.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValueError("must be a valid email address")
    return email


def check_password(value: str) -> str:
    problems = []
    if not 8 <= len(value) <= 128:
        problems.append("be 8-128 characters long")
    if not any(ch.islower() for ch in value):
        problems.append("contain a lower-case letter")
    if not any(ch.isupper() for ch in value):
        problems.append("contain an upper-case letter")
    if not any(ch.isdigit() for ch in value):
        problems.append("contain a digit")
    if not any(ch in _SYMBOLS for ch in value):
        problems.append("contain a symbol")
    if problems:
        raise ValueError("must " + ", ".join(problems))
    return value


def check_person_name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= 50:
        raise ValueError("must be 1-50 characters long")
    if not all(ch.isalpha() or ch in " -" for ch in name) or not any(ch.isalpha() for ch in name):
        raise ValueError("may contain only letters, spaces and hyphens")
    return name


def check_phone(value: str) -> str:
    if not _E164.match(value):
        raise ValueError("must be an E.164 phone number such as +14155550123")
    return value


def check_birth_date(value: date) -> date:
    if not date(1900, 1, 1) <= value <= datetime.now(UTC).date():
        raise ValueError("must be a date between 1900-01-01 and today")
    return value


def split_email_code(value: str) -> tuple[str, str]:
    """`"<email>:<code>"` as sent by the verification and reset links."""
    email, separator, code = value.strip().rpartition(":")
    if not separator or not code.strip() or len(code) > 64:
        raise ValueError("must look like <email>:<code>")
    return normalise_email(email), code.strip()


def check_email_code_token(value: str) -> str:
    split_email_code(value)
    return value


Email = Annotated[str, AfterValidator(normalise_email)]
Password = Annotated[str, AfterValidator(check_password)]
PersonName = Annotated[str, AfterValidator(check_person_name)]
EmailCodeToken = Annotated[str, Field(max_length=400), AfterValidator(check_email_code_token)]
OneTimeCode = Annotated[str, Field(pattern=r"^\d{6}$")]


class RegisterRequest(WireModel):
    email: Email
    password: Password
    first_name: PersonName
    last_name: PersonName


class LoginRequest(WireModel):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(WireModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=8192)]


class VerifyEmailRequest(WireModel):
    token: EmailCodeToken


class EmailRequest(WireModel):
    email: Email


class ResetConfirmRequest(WireModel):
    token: EmailCodeToken
    new_password: Password = Field(
        validation_alias=AliasChoices("newPassword", "new_password", "password")
    )


class PasswordChangeRequest(WireModel):
    # The current password is checked by Cognito, not against today's policy: an account may
    # predate the policy, and the limit is LoginRequest's.
    old_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password

    @field_validator("new_password")
    @classmethod
    def _not_the_old_one(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("old_password"):
            raise ValueError("must differ from the current password")
        return value


class MfaCodeRequest(WireModel):
    code: OneTimeCode


class MfaLoginRequest(WireModel):
    session_token: Annotated[str, Field(min_length=1, max_length=8192)]
    code: OneTimeCode


PreferenceItem = Annotated[ShortText, Field(min_length=1)]


class NotificationsUpdate(WireModel):
    email: StrictBool | None = None
    push: StrictBool | None = None
    sms: StrictBool | None = None


class PreferencesUpdate(WireModel):
    units: Literal["metric", "imperial"] | None = None
    language: Annotated[str, Field(pattern=_LANGUAGE.pattern)] | None = None
    notifications: NotificationsUpdate | None = None
    dietary_restrictions: Annotated[list[PreferenceItem], Field(max_length=20)] | None = None
    fitness_goals: Annotated[list[PreferenceItem], Field(max_length=20)] | None = None


class ProfileUpdate(WireModel):
    """A partial update: only the fields sent change; `null` clears an optional field.

    The three `encryption*` fields are accepted (the web client sends its copy after setting
    up keys) and ignored: the profile derives them from the key record alone (key_service)."""

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone_number: Annotated[str, AfterValidator(check_phone)] | None = None
    date_of_birth: Annotated[date, AfterValidator(check_birth_date)] | None = None
    timezone: Annotated[str, AfterValidator(check_timezone)] | None = None
    day_start_hour: Annotated[StrictInt, Field(ge=0, le=23)] | None = None
    preferences: PreferencesUpdate | None = None
    encryption_enabled: StrictBool | None = None
    encryption_setup_date: datetime | None = None
    encryption_key_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @field_validator("first_name", "last_name", "encryption_enabled", mode="before")
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        # Runs only for fields that were sent, so None here is an explicit null.
        if value is None:
            raise ValueError("cannot be null")
        return value


# Standard base64 with its `=` padding, as the browser's key material is sent: checked, then
# kept exactly as sent (the server never decodes it).
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
PUBLIC_KEY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"


def check_base64(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if not _BASE64.fullmatch(value):
        raise ValueError("must be standard base64 with = padding")
    return value


# Lengths well above what the browser makes (a 32-byte salt is 44 characters, an RSA-4096
# SPKI key about 736, its wrapped PKCS#8 key about 3,200), far below an item's size limit.
Salt = Annotated[StrictStr, Field(max_length=256), AfterValidator(check_base64)]
PublicKey = Annotated[StrictStr, Field(max_length=4096), AfterValidator(check_base64)]
EncryptedPrivateKey = Annotated[StrictStr, Field(max_length=16384), AfterValidator(check_base64)]
EncryptedRecoveryKey = Annotated[StrictStr, Field(max_length=16384), AfterValidator(check_base64)]
PublicKeyId = Annotated[StrictStr, Field(pattern=PUBLIC_KEY_ID_PATTERN)]


class KeySetup(WireModel):
    """POST /encryption/setup: what the browser made (docs: README "Privacy")."""

    salt: Salt
    encrypted_private_key: EncryptedPrivateKey
    public_key: PublicKey
    public_key_id: PublicKeyId


_NEVER_STORED = (
    "is never sent to the server: only opaque client-encrypted data (encryptedRecoveryKey) "
    "is stored"
)


class RecoverySetup(WireModel):
    """POST /encryption/recovery: a method and the recovery key the browser encrypted. What
    would let the server (or anyone reading its table) recover the key itself - a phrase,
    answers, guardians - is refused rather than dropped, so a client learns it was not kept."""

    method: Literal["mnemonic", "social", "questions"]
    encrypted_recovery_key: EncryptedRecoveryKey
    mnemonic_phrase: object = None
    security_questions: object = None
    security_answers: object = None
    social_guardians: object = None
    social_threshold: object = None

    @field_validator(
        "mnemonic_phrase",
        "security_questions",
        "security_answers",
        "social_guardians",
        "social_threshold",
        mode="before",
    )
    @classmethod
    def _refused(cls, value: object) -> object:
        # Runs only for fields that were sent.
        raise ValueError(_NEVER_STORED)
