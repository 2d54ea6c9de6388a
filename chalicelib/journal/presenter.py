"""The wire shape of journal entries: every field present, in order (what a recipient reads
is share_presenter.py's)."""

from typing import Any

from chalicelib.journal.entry import GoalProgress, JournalEntry


def present_goal_progress(value: GoalProgress) -> dict[str, Any]:
    # The activity behind the value is the server's own bookkeeping: never shown.
    return {
        "goalId": value.goal_id,
        "progressValue": value.progress_value,
        "notes": value.notes,
        "completed": value.completed,
    }


def present_entry(entry: JournalEntry) -> dict[str, Any]:
    return {
        "entryId": entry.entry_id,
        "userId": entry.user_id,
        "title": entry.title,
        "content": entry.content,
        "template": entry.template,
        "wordCount": entry.word_count,
        "tags": list(entry.tags),
        "mood": entry.mood,
        "linkedGoalIds": list(entry.linked_goal_ids),
        "goalProgress": [present_goal_progress(value) for value in entry.goal_progress],
        "createdAt": entry.created_at,
        "updatedAt": entry.updated_at,
        "isEncrypted": entry.is_encrypted,
        "isShared": entry.is_shared,
        "encryptedKey": entry.encrypted_key,
        "encryptionIv": entry.encryption_iv,
        "sharedWith": list(entry.shared_with),
        "version": entry.version,
    }
