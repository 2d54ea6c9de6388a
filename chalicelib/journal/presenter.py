"""The wire shape of journal entries: every field present, in order (a recipient's reduced
view is sharing.py's)."""

from typing import Any

from chalicelib.journal import sharing

ENTRY_FIELDS = (
    "entryId",
    "userId",
    "title",
    "content",
    "template",
    "wordCount",
    "tags",
    "mood",
    "linkedGoalIds",
    "goalProgress",
    "createdAt",
    "updatedAt",
    "isEncrypted",
    "isShared",
    "encryptedKey",
    "encryptionIv",
    "sharedWith",
    "version",
)
GOAL_PROGRESS_FIELDS = ("goalId", "progressValue", "notes", "completed")


def present_entry(entry: dict[str, Any]) -> dict[str, Any]:
    shown = {name: entry.get(name) for name in ENTRY_FIELDS}
    shown["goalProgress"] = [
        {name: item.get(name) for name in GOAL_PROGRESS_FIELDS}
        for item in entry.get("goalProgress") or []
    ]
    return shown


def present_listed(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry of a list: the owner's view, or a recipient's when it was read through a share."""
    return sharing.recipient_view(entry) if sharing.is_received(entry) else present_entry(entry)
