"""The wire shapes of shares, and of entries read through them (docs/api.md, "Sharing").

Never key material beyond the one wrapped key a recipient needs, never the other recipients,
never a recipient's address (the owner named them by id)."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.journal.entry import JournalEntry, SharedEntry
from chalicelib.journal.presenter import present_entry
from chalicelib.journal.shares import ITEM_TYPE, Share


def present_created(share: Share) -> dict[str, Any]:
    return {
        "shareId": share.share_id,
        "expiresAt": share.expiry,
        "createdAt": share.created_at,
        "isEncrypted": share.is_encrypted,
    }


def present_share(share: Share, *, direction: str, now: datetime, stale: bool) -> dict[str, Any]:
    return {
        "id": share.share_id,
        "itemType": ITEM_TYPE,
        "itemId": share.entry_id,
        "ownerId": share.owner_id,
        "ownerEmail": share.owner_email,
        "recipientId": share.recipient_id,
        "recipientEmail": None,  # not revealed: the owner chose the recipient by id
        "permissions": list(share.permissions),
        "createdAt": share.created_at,
        "expiresAt": share.expiry,
        "isExpired": share.is_expired(now),
        "accessCount": share.access_count,
        "direction": direction,
        "needsReshare": stale,
    }


def as_received(entry: JournalEntry) -> JournalEntry:
    """The owner's entry as a recipient reads it: no goal links (they are the owner's goals)
    and no other recipients."""
    return replace(entry, linked_goal_ids=(), goal_progress=(), shared_with=())


def present_received(share: Share, entry: JournalEntry) -> dict[str, Any]:
    """The owner's entry with the share's wrapped key in place of the owner's; `userId` stays
    the owner's (the client shows the owner's buttons only to the owner)."""
    return {**present_entry(as_received(entry)), "encryptedKey": share.encrypted_key}


def share_access(share: Share) -> dict[str, Any]:
    return {
        "shareId": share.share_id,
        "permissions": list(share.permissions),
        "expiresAt": share.expiry,
    }


def present_wrapper(share: Share, entry: JournalEntry, *, incoming: bool) -> dict[str, Any]:
    """A list item for an entry shared with the reader (incoming) or by them (one per share)."""
    info: dict[str, Any] = {"shareId": share.share_id, "sharedAt": share.created_at}
    if incoming:
        info["sharedBy"] = share.owner_email or share.owner_id
    else:
        info["sharedWith"] = share.recipient_id
    info |= {"permissions": list(share.permissions), "expiresAt": share.expiry}
    return {
        "entry": present_received(share, entry) if incoming else present_entry(entry),
        "shareInfo": info,
        "isIncoming": incoming,
    }


def present_listed(listed: JournalEntry | SharedEntry) -> dict[str, Any]:
    """An entry of `GET /journal`: a plain entry of one's own, or a wrapper (the key `entry`
    only ever appears on a wrapper)."""
    if isinstance(listed, SharedEntry):
        return present_wrapper(listed.share, listed.entry, incoming=listed.incoming)
    return present_entry(listed)
