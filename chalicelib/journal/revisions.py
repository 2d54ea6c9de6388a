"""An entry as a write leaves it: the stored entry (if any) with the client's fields applied,
checked completely before anything is written, its words counted and its text extracted."""

from datetime import datetime
from typing import Any

from chalicelib.core import errors
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.ids import uuid7
from chalicelib.core.local_time import LocalTime
from chalicelib.journal import sharing, text
from chalicelib.journal.models import entry_errors
from chalicelib.users.profile import Profile


def revised_entry(
    user_id: str,
    fields: dict[str, Any],
    old: dict[str, Any] | None,
    profile: Profile | None,
    goals: dict[str, dict[str, Any]],
    now: datetime,
    local: LocalTime,
) -> dict[str, Any]:
    """The entry after this write (`old` None: a new one). `goals` are the caller's goals the
    entry may link to, as read with it."""
    stamp = to_iso(now)
    entry: dict[str, Any] = {
        "entryId": uuid7(),
        "userId": user_id,
        "template": "blank",
        "tags": [],
        "mood": None,
        "linkedGoalIds": [],
        "goalProgress": [],
        "isEncrypted": False,
        "isShared": False,
        "encryptedKey": None,
        "encryptionIv": None,
        "sharedWith": [],
        "createdAt": stamp,
        "version": 0,
        "localDate": local.local_date(now).isoformat(),
        **(old or {}),
    }
    entry.update({name: value for name, value in fields.items() if name != "wordCount"})
    entry.update(
        updatedAt=stamp,
        version=entry["version"] + 1,
        sharedWith=sharing.without_owner(entry["sharedWith"], profile),
    )
    entry["goalProgress"] = [
        {
            "progressValue": None,
            "notes": None,
            "completed": False,
            **item,
            "activityId": _previous_activity(old, item),
        }
        for item in entry["goalProgress"]
    ]
    problems: list[FieldError] = []
    switched = old is not None and entry["isEncrypted"] != old["isEncrypted"]
    if switched and "content" not in fields:
        problems.append(FieldError("content", "must be sent again when isEncrypted changes"))
    if entry["isEncrypted"]:
        # New ciphertext needs its own word count: the server cannot count it.
        fresh = "content" in fields or switched
        entry["wordCount"] = fields.get("wordCount") if fresh else old and old["wordCount"]
        entry.pop("searchText", None)
    problems += entry_errors(entry)
    if problems:
        raise ValidationFailed(problems)
    if not entry["isEncrypted"] and ("content" in fields or "searchText" not in entry):
        # Parsed once here, after the length rules, so searches never parse markup.
        words = text.plain_text(entry["content"])
        entry["wordCount"] = len(words.split())
        searchable = words.lower()
        if len(searchable.encode()) <= text.MAX_STORED_BYTES:
            entry["searchText"] = searchable
        else:
            entry.pop("searchText", None)  # the item would near 400 KB: searched as before
    missing = [goal_id for goal_id in entry["linkedGoalIds"] if goal_id not in goals]
    if missing:
        raise errors.BusinessRuleViolation(
            "Linked goals must be your existing goals.",
            code="LINKED_GOAL_NOT_FOUND",
            details={"goalIds": missing},
        )
    return entry


def _previous_activity(old: dict[str, Any] | None, item: dict[str, Any]) -> str | None:
    for previous in (old or {}).get("goalProgress") or []:
        if previous["goalId"] == item["goalId"]:
            activity_id: str | None = previous.get("activityId")
            return activity_id
    return None
