"""Sharing an entry with email addresses: the pointer items a write keeps in step, and what a
recipient reads.

A share is a small pointer, not a copy: `SHARE#{email}` / `JOURNAL#{entryId}` holds the
owner's `userId`, the `entryId` and who shared it. So sharing the largest entry with every
allowed recipient writes 50 items of a few hundred bytes, far inside a transaction's 4 MB, and
a recipient always reads the entry as it is now: an owner's edit needs no share rewritten.
(Shares were first stored as full copies; a copy carries `userId` and `entryId` too, so one
left from then reads as a pointer.)

A pointer is trusted only as a hint: it shows an entry only while that entry still exists,
is shared, and names the reader. A stale pointer can never show anything.

Recipients get a reduced view: no owner id, no other recipients, no key material, no goal
links (those are the owner's goals).
"""

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from chalicelib.core import errors
from chalicelib.core.dynamo import MAX_TRANSACTION_ITEMS, Transaction
from chalicelib.journal.entry import JournalEntry, ReceivedEntry, listed_entry
from chalicelib.journal.repository import JournalRepository
from chalicelib.users.profile import Profile

SHARED_BY = "sharedBy"


def email_of(profile: Profile | None) -> str | None:
    email = profile.email if profile is not None else None
    return email.strip().lower() if email and email.strip() else None


def recipients(entry: JournalEntry | None) -> set[str]:
    return set(entry.shared_with) if entry and entry.is_shared else set()


def without_owner(shared_with: Iterable[str], owner: Profile | None) -> tuple[str, ...]:
    """Sharing with yourself shares nothing: the owner's own address is dropped, so the entry
    never comes back to its author as a share."""
    own = email_of(owner)
    return tuple(email for email in shared_with if email != own)


def stage(
    tx: Transaction,
    repository: JournalRepository,
    old: JournalEntry | None,
    new: JournalEntry | None,
    owner: Profile | None,
) -> None:
    """Add the pointers of new recipients and remove those of former ones, as the last items
    of `tx`. Recipients who stay need no write. Refused (422) before anything is written when
    the changes would not fit in the transaction beside what it already holds."""
    removed = sorted(recipients(old) - recipients(new))
    added = sorted(recipients(new) - recipients(old))
    changes, room = len(removed) + len(added), MAX_TRANSACTION_ITEMS - tx.item_count
    if changes > room:
        raise errors.BusinessRuleViolation(
            f"One edit can add and remove at most {room} recipients in all; this one changes "
            f"{changes}. Remove the old recipients in one edit and add the new ones in another.",
            code="TOO_MANY_SHARE_CHANGES",
            details={"changes": changes, "limit": room},
        )
    entry = new or old
    if entry is None:
        return
    for email in removed:
        repository.delete_share(tx, email, entry.entry_id)
    pointer = {"userId": entry.user_id, "entryId": entry.entry_id, SHARED_BY: _shared_by(owner)}
    for email in added:
        repository.put_share(tx, email, pointer)


def _shared_by(owner: Profile | None) -> dict[str, str | None] | None:
    """Who shared, from the owner's profile the write has already read."""
    if owner is None:
        return None
    name = " ".join(
        part.strip() for part in (owner.first_name, owner.last_name) if part and part.strip()
    )
    return {"email": email_of(owner), "name": name or None}


def received(repository: JournalRepository, reader: Profile | None) -> list[ReceivedEntry]:
    """The entries shared with the reader, as stored; only those whose entry still names the
    reader. Goal links are cleared: they are the owner's goals, so a recipient's goal filter
    never matches them."""
    email = email_of(reader)
    if email is None:
        return []
    pointers = [
        pointer
        for pointer in repository.shared_with(email)
        if isinstance(pointer.get("userId"), str) and isinstance(pointer.get("entryId"), str)
    ]
    entries = repository.entries((pointer["userId"], pointer["entryId"]) for pointer in pointers)
    shown = []
    for pointer in pointers:
        entry = entries.get((pointer["userId"], pointer["entryId"]))
        if entry is not None and email in recipients(entry):
            shown.append(
                ReceivedEntry(
                    entry=replace(entry, linked_goal_ids=(), goal_progress=()),
                    received_by=email,
                    shared_by=pointer.get(SHARED_BY),
                )
            )
    return shown


def without_duplicates(
    entries: Iterable[JournalEntry | ReceivedEntry],
) -> list[JournalEntry | ReceivedEntry]:
    """Each entry once, the first seen kept (the owner's own entries come first)."""
    seen: dict[str, JournalEntry | ReceivedEntry] = {}
    for listed in entries:
        seen.setdefault(listed_entry(listed).entry_id, listed)
    return list(seen.values())


def recipient_view(received: ReceivedEntry) -> dict[str, Any]:
    """What a recipient reads: the entry's text and dates, the reader's own address as the
    only recipient, and who shared it; never the owner's id, key or other recipients."""
    entry = received.entry
    return {
        "entryId": entry.entry_id,
        "title": entry.title,
        "content": entry.content,
        "template": entry.template,
        "wordCount": entry.word_count,
        "tags": list(entry.tags),
        "mood": entry.mood,
        "createdAt": entry.created_at,
        "updatedAt": entry.updated_at,
        "isEncrypted": entry.is_encrypted,
        "isShared": entry.is_shared,
        "version": entry.version,
        "userId": None,
        "encryptedKey": None,
        "encryptionIv": None,
        "linkedGoalIds": [],
        "goalProgress": [],
        "sharedWith": [received.received_by],
        SHARED_BY: received.shared_by,
    }
