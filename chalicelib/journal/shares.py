"""A share: one journal entry made readable to one other user, with the entry's content key
wrapped for that user's public key (by the owner's browser: the server never has a content key).

| item | PK | SK |
|---|---|---|
| share (the truth) | `USER#{ownerId}` | `SHARE#JOURNAL#{entryId}#{recipientId}` |
| received pointer (a hint) | `USER#{recipientId}` | `RECEIVED#JOURNAL#{entryId}` |

The share lives in the owner's partition, so the owner's writes (share, revoke, delete the
entry) know its key without a read; the pointer lets a recipient find what was shared with them
with one Query of their own partition. A pointer is only a hint: every read confirms it against
the share item (same shareId) and the entry, so a pointer left behind shows nothing.

A `shareId` names both keys: `share_` + the entry's and the recipient's UUIDs and a random
nonce, in hex. The owner finds the share item, the recipient the pointer, in their own
partition, with no index; an id that does not decode, or whose nonce is not the stored one (a
share since replaced), names nothing.

Items become shares (and back) only here; the wire shapes are share_presenter.py's.
"""

import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.core import dynamo
from chalicelib.core.clock import parse_instant

ITEM_TYPE = "journal"
SHARE_PREFIX = "SHARE#JOURNAL#"
RECEIVED_PREFIX = "RECEIVED#JOURNAL#"
READ = "read"
MAX_RECIPIENTS = 50  # per entry: an entry delete removes every share item in its transaction
_SHARE_ID = re.compile(r"^share_([0-9a-f]{32})([0-9a-f]{32})([0-9a-f]{16})$")


@dataclass(frozen=True)
class ShareId:
    entry_id: str
    recipient_id: str
    nonce: str

    def __str__(self) -> str:
        return f"share_{uuid.UUID(self.entry_id).hex}{uuid.UUID(self.recipient_id).hex}{self.nonce}"


def new_share_id(entry_id: str, recipient_id: str) -> str:
    return str(ShareId(entry_id, recipient_id, os.urandom(8).hex()))


def decode_share_id(value: str) -> ShareId | None:
    """What a shareId names, or None when it is not one this API made."""
    match = _SHARE_ID.match(value)
    if match is None:
        return None
    entry_hex, recipient_hex, nonce = match.groups()
    return ShareId(str(uuid.UUID(hex=entry_hex)), str(uuid.UUID(hex=recipient_hex)), nonce)


def canonical_uuid(value: str) -> str | None:
    """`value` as the lower-case hyphenated UUID the API issues, or None if it is not one."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return str(parsed) if str(parsed) == value.lower() else None


def content_key_digest(encrypted_key: str | None) -> str | None:
    """Which content key an entry had when shared: its wrapped key changes on every save, so a
    different digest means the share's key opens older content."""
    return None if encrypted_key is None else hashlib.sha256(encrypted_key.encode()).hexdigest()


@dataclass(frozen=True)
class Share:
    share_id: str
    owner_id: str
    owner_email: str | None
    entry_id: str
    recipient_id: str
    encrypted_key: str | None
    is_encrypted: bool
    permissions: tuple[str, ...]
    created_at: str
    expiry: str | None  # the wire `expiresAt`; never stored as `expiresAt` (the table's TTL)
    owner_key_set_id: str | None  # each party's key set when shared; None: not checked
    recipient_key_set_id: str | None
    content_key_digest: str | None
    access_count: int = 0
    accessed_at: str | None = None

    def is_expired(self, now: datetime) -> bool:
        return self.expiry is not None and parse_instant(self.expiry) <= now

    def keys_still_hold(self, owner_key_set: str | None, recipient_key_set: str | None) -> bool:
        """Whether both parties still have the keys the share was made with: a reset (or a
        new setup) of either key pair ends every share made for the old one."""
        return all(
            recorded is None or recorded == current
            for recorded, current in (
                (self.owner_key_set_id, owner_key_set),
                (self.recipient_key_set_id, recipient_key_set),
            )
        )

    def is_stale_for(self, entry_encrypted_key: str | None) -> bool:
        """The owner saved the entry since (a new content key): it opens, but the recipient
        cannot decrypt it until the owner shares again."""
        return self.content_key_digest != content_key_digest(entry_encrypted_key)


def share_key(owner_id: str, entry_id: str, recipient_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(owner_id), "SK": f"{SHARE_PREFIX}{entry_id}#{recipient_id}"}


def pointer_key(recipient_id: str, entry_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(recipient_id), "SK": f"{RECEIVED_PREFIX}{entry_id}"}


# Every attribute of a share item: what a read that projects (GET /shares) asks for.
SHARE_ATTRIBUTES = (
    "shareId",
    "itemType",
    "itemId",
    "ownerId",
    "ownerEmail",
    "recipientId",
    "encryptedKey",
    "isEncrypted",
    "permissions",
    "createdAt",
    "expiry",
    "ownerKeySetId",
    "recipientKeySetId",
    "contentKeyDigest",
    "accessCount",
    "accessedAt",
)


def share_item(share: Share) -> dict[str, Any]:
    return {
        **share_key(share.owner_id, share.entry_id, share.recipient_id),
        "shareId": share.share_id,
        "itemType": ITEM_TYPE,
        "itemId": share.entry_id,
        "ownerId": share.owner_id,
        "ownerEmail": share.owner_email,
        "recipientId": share.recipient_id,
        "encryptedKey": share.encrypted_key,
        "isEncrypted": share.is_encrypted,
        "permissions": list(share.permissions),
        "createdAt": share.created_at,
        "expiry": share.expiry,
        "ownerKeySetId": share.owner_key_set_id,
        "recipientKeySetId": share.recipient_key_set_id,
        "contentKeyDigest": share.content_key_digest,
        "accessCount": share.access_count,
        "accessedAt": share.accessed_at,
    }


def pointer_item(share: Share) -> dict[str, Any]:
    return {
        **pointer_key(share.recipient_id, share.entry_id),
        "ownerId": share.owner_id,
        "shareId": share.share_id,
        "createdAt": share.created_at,
    }


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value)


def share_of(item: dict[str, Any]) -> Share:
    """The share an item holds. Raises (KeyError, ValueError, TypeError) on an item that is
    not one: readers skip such an item instead of failing the whole list."""
    created_at, expiry = str(item["createdAt"]), _text(item, "expiry")
    for instant in (created_at, expiry):
        if instant is not None:
            parse_instant(instant)  # an unparseable date would blank the client's page
    return Share(
        share_id=str(item["shareId"]),
        owner_id=str(item["ownerId"]),
        owner_email=_text(item, "ownerEmail"),
        entry_id=str(item["itemId"]),
        recipient_id=str(item["recipientId"]),
        encrypted_key=_text(item, "encryptedKey"),
        is_encrypted=bool(item.get("isEncrypted", False)),
        # A share grants reading, and only that, whatever an older item lists.
        permissions=(READ,),
        created_at=created_at,
        expiry=expiry,
        owner_key_set_id=_text(item, "ownerKeySetId"),
        recipient_key_set_id=_text(item, "recipientKeySetId"),
        content_key_digest=_text(item, "contentKeyDigest"),
        access_count=int(item.get("accessCount") or 0),
        accessed_at=_text(item, "accessedAt"),
    )


@dataclass(frozen=True)
class Pointer:
    recipient_id: str
    entry_id: str
    owner_id: str
    share_id: str


def pointer_of(item: dict[str, Any]) -> Pointer | None:
    """A received pointer, or None for an item that is not a usable one."""
    owner_id, share_id = item.get("ownerId"), item.get("shareId")
    sk = str(item.get("SK", ""))
    if not (isinstance(owner_id, str) and isinstance(share_id, str)):
        return None
    if not sk.startswith(RECEIVED_PREFIX):
        return None
    recipient = str(item.get("PK", "")).removeprefix("USER#")
    return Pointer(recipient, sk.removeprefix(RECEIVED_PREFIX), owner_id, share_id)
