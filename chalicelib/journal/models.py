"""Request models and field rules of the journal routes (docs/api.md; the contract lists every
field)."""

import base64
import binascii
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, field_validator

from chalicelib.core.errors import FieldError
from chalicelib.core.fields import Number, not_blank
from chalicelib.core.validation import WireModel
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.shares import MAX_RECIPIENTS, READ, canonical_uuid
from chalicelib.users.models import normalise_email

Template = Literal[
    "daily_reflection",
    "gratitude",
    "goal_progress",
    "mood_tracker",
    "habit_tracker",
    "creative_writing",
    "blank",
]
MAX_PLAIN_CONTENT = 50_000
MAX_ENCRYPTED_CONTENT = 200_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 30
MAX_LINKED_GOALS = 10
MAX_WRAPPED_KEY = 2048
MAX_SHARE_HOURS = 720
DEFAULT_SHARE_HOURS = 24


def clean_tags(tags: list[str]) -> list[str]:
    """Trimmed, empty ones dropped, de-duplicated (ignoring case) in the order given."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        trimmed = tag.strip()
        if trimmed and trimmed.lower() not in seen:
            seen.add(trimmed.lower())
            cleaned.append(trimmed)
    if len(cleaned) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    if any(len(tag) > MAX_TAG_LENGTH for tag in cleaned):
        raise ValueError(f"each tag has at most {MAX_TAG_LENGTH} characters")
    return cleaned


# An entry's title and content are kept exactly as written (unlike a goal's trimmed Title).
EntryTitle = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(not_blank)]
Content = Annotated[
    str, Field(min_length=1, max_length=MAX_ENCRYPTED_CONTENT), AfterValidator(not_blank)
]
GoalId = Annotated[str, Field(min_length=1, max_length=100)]
Secret = Annotated[str, Field(min_length=1, max_length=2000)]


class GoalProgressInput(WireModel):
    goal_id: GoalId
    progress_value: Annotated[Number, Field(ge=0)] | None = None
    notes: Annotated[str, Field(max_length=500)] | None = None
    completed: StrictBool = False


class EntryFields(WireModel):
    title: EntryTitle | None = None
    content: Content | None = None
    template: Template | None = None
    tags: (
        Annotated[
            list[Annotated[str, Field(max_length=200)]],
            Field(max_length=200),
            AfterValidator(clean_tags),
        ]
        | None
    ) = None
    mood: Annotated[str, Field(max_length=50)] | None = None
    linked_goal_ids: Annotated[list[GoalId], Field(max_length=MAX_LINKED_GOALS)] | None = None
    goal_progress: Annotated[list[GoalProgressInput], Field(max_length=MAX_LINKED_GOALS)] | None = (
        None
    )
    is_encrypted: StrictBool | None = None
    encrypted_key: Secret | None = None
    encryption_iv: Secret | None = None
    word_count: Annotated[StrictInt, Field(ge=0, le=1_000_000)] | None = None
    is_shared: StrictBool | None = None
    # Kept by the share routes: a write may send them back as read (isShared is ignored,
    # sharedWith must equal the stored list; see revisions.py), never change them.
    shared_with: (
        Annotated[list[Annotated[str, Field(max_length=254)]], Field(max_length=MAX_RECIPIENTS)]
        | None
    ) = None

    @field_validator(
        "title",
        "content",
        "template",
        "tags",
        "linked_goal_ids",
        "goal_progress",
        "is_encrypted",
        "is_shared",
        "shared_with",
        mode="before",
    )
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        # Runs only for fields that were sent, so None here is an explicit null: an entry
        # always has these (leave one out to keep it as it is).
        if value is None:
            raise ValueError("cannot be null")
        return value


class EntryCreate(EntryFields):
    title: EntryTitle
    content: Content


def entry_errors(entry: JournalEntry) -> list[FieldError]:
    """Rules across fields, checked on the whole (merged) entry before anything is written."""
    errors: list[FieldError] = []
    if entry.is_encrypted:
        if entry.word_count is None:
            errors.append(FieldError("wordCount", "is required for an encrypted entry"))
        if entry.encrypted_key and not entry.encryption_iv:
            errors.append(FieldError("encryptionIv", "is required with encryptedKey"))
    elif len(entry.content) > MAX_PLAIN_CONTENT:
        errors.append(FieldError("content", f"has at most {MAX_PLAIN_CONTENT} characters"))
    linked = list(dict.fromkeys(entry.linked_goal_ids))
    if len(linked) != len(entry.linked_goal_ids):
        errors.append(FieldError("linkedGoalIds", "lists a goal twice"))
    progress_goals = [value.goal_id for value in entry.goal_progress]
    for index, goal_id in enumerate(progress_goals):
        if goal_id not in linked:
            errors.append(FieldError(f"goalProgress.{index}.goalId", "is not a linked goal"))
        elif progress_goals.index(goal_id) != index:
            errors.append(FieldError(f"goalProgress.{index}.goalId", "appears twice"))
    return errors


def _wrapped_key(value: str) -> str:
    """A content key wrapped by the browser: standard base64 with padding, kept byte for byte
    (the server never decodes it for use)."""
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be standard base64 with padding") from None
    return value


def _recipient(value: str) -> str:
    canonical = canonical_uuid(value.strip())
    if canonical is None:
        raise ValueError("must be a user id (a UUID)")
    return canonical


def _with_read(permissions: list[str]) -> list[str]:
    if READ not in permissions:
        raise ValueError("must include read")
    # write and share grant nothing (only the owner edits or shares): a share grants reading.
    return [READ]


Permission = Literal["read", "write", "share"]
_READ: Permission = "read"
Permissions = Annotated[
    list[Permission], Field(min_length=1, max_length=3), AfterValidator(_with_read)
]
ExpiresInHours = Annotated[StrictInt, Field(ge=1, le=MAX_SHARE_HOURS)] | None


class ShareTerms(WireModel):
    """What every share states: what it grants and for how long (null: no expiry)."""

    permissions: Permissions = Field(default_factory=lambda: [_READ])
    expires_in_hours: ExpiresInHours = DEFAULT_SHARE_HOURS


class ShareCreate(ShareTerms):
    item_type: Literal["journal", "goal"]
    item_id: Annotated[str, Field(min_length=1, max_length=100)]
    recipient_id: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_recipient)]
    encrypted_key: (
        Annotated[
            str, Field(min_length=1, max_length=MAX_WRAPPED_KEY), AfterValidator(_wrapped_key)
        ]
        | None
    ) = None

    @field_validator("item_type")
    @classmethod
    def _journal_only(cls, value: str) -> str:
        if value != "journal":
            raise ValueError("only journal entries can be shared (a goal has no reader yet)")
        return value


class EmailShareCreate(ShareTerms):
    recipient_email: Annotated[str, AfterValidator(normalise_email)]
