"""An entry as a write leaves it: the stored entry (if any) with the client's fields applied,
checked completely before anything is written, its words counted and its text extracted."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.core import errors
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.ids import uuid7
from chalicelib.core.local_time import LocalTime
from chalicelib.journal import text
from chalicelib.journal.entry import GoalProgress, JournalEntry
from chalicelib.journal.models import entry_errors

# The entry attribute each field a client may send sets (`wordCount` is decided below).
_ATTRIBUTES = {
    "title": "title",
    "content": "content",
    "template": "template",
    "tags": "tags",
    "mood": "mood",
    "linkedGoalIds": "linked_goal_ids",
    "isEncrypted": "is_encrypted",
    "encryptedKey": "encrypted_key",
    "encryptionIv": "encryption_iv",
}
# `isShared` and `sharedWith` are the share routes' (POST /shares, DELETE /shares/{id}): a
# write may send them back as read, never change them.
SHARED_WITH_IS_KEPT = (
    "is kept by the share routes (POST /shares, DELETE /shares/{shareId}): send it as read, "
    "or leave it out"
)


def revised_entry(
    user_id: str,
    fields: dict[str, Any],
    old: JournalEntry | None,
    goals: dict[str, dict[str, Any]],
    now: datetime,
    local: LocalTime,
) -> JournalEntry:
    """The entry after this write (`old` None: a new one). `fields` are what the client sent,
    with wire names; `goals` are the caller's goals the entry may link to, as read with it."""
    stamp = to_iso(now)
    base = old or JournalEntry(
        entry_id=uuid7(),
        user_id=user_id,
        title=fields["title"],
        content=fields["content"],
        created_at=stamp,
        updated_at=stamp,
        version=0,
        local_date=local.local_date(now).isoformat(),
    )
    sent: dict[str, Any] = {
        attribute: tuple(fields[name]) if isinstance(fields[name], list) else fields[name]
        for name, attribute in _ATTRIBUTES.items()
        if name in fields
    }
    entry = replace(base, **sent, updated_at=stamp, version=base.version + 1)
    entry = replace(
        entry,
        goal_progress=tuple(
            GoalProgress(
                goal_id=value["goalId"],
                progress_value=value.get("progressValue"),
                notes=value.get("notes"),
                completed=value.get("completed", False),
                activity_id=_previous_activity(old, value["goalId"]),
            )
            for value in fields["goalProgress"]
        )
        if "goalProgress" in fields
        else entry.goal_progress,
    )
    problems: list[FieldError] = []
    if "sharedWith" in fields and set(fields["sharedWith"]) != set(base.shared_with):
        problems.append(FieldError("sharedWith", SHARED_WITH_IS_KEPT))
    switched = old is not None and entry.is_encrypted != old.is_encrypted
    if switched and "content" not in fields:
        problems.append(FieldError("content", "must be sent again when isEncrypted changes"))
    if entry.is_encrypted:
        # New ciphertext needs its own word count: the server cannot count it.
        fresh = "content" in fields or switched
        word_count = fields.get("wordCount") if fresh else old.word_count if old else None
        entry = replace(entry, word_count=word_count)
    problems += entry_errors(entry)
    if problems:
        raise ValidationFailed(problems)
    if not entry.is_encrypted and ("content" in fields or switched or entry.word_count is None):
        # Counted once here, after the length rules. The text is not stored beside the content
        # (every list would pay for it twice): searches extract it (search.py).
        entry = replace(entry, word_count=len(text.plain_text(entry.content).split()))
    entry = replace(entry, search_text=None)
    missing = [goal_id for goal_id in entry.linked_goal_ids if goal_id not in goals]
    if missing:
        raise errors.BusinessRuleViolation(
            "Linked goals must be your existing goals.",
            code="LINKED_GOAL_NOT_FOUND",
            details={"goalIds": missing},
        )
    return entry


def _previous_activity(old: JournalEntry | None, goal_id: str) -> str | None:
    for previous in old.goal_progress if old else ():
        if previous.goal_id == goal_id:
            return previous.activity_id
    return None
