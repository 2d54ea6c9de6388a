"""Which shares still grant something: one rule for every reader (GET /shares, the journal
lists, a recipient opening an entry).

A share is live when its item exists (and, read through a pointer, is the share the pointer
names), its entry exists, and each party still has the key set the share recorded (a reset of
either key pair ends it). Expiry is the caller's to apply: the owner's lists keep expired
shares (until revoked or the entry goes), a recipient's never show them.

Every share is judged on its own: an item that is not a share, or a pointer to nothing, is
skipped and never hides another.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.keys import entry_key
from chalicelib.journal.repository import entry_of
from chalicelib.journal.share_repository import LISTING_ATTRIBUTES, ShareRepository, key_set_of
from chalicelib.journal.shares import (
    SHARE_ATTRIBUTES,
    Pointer,
    Share,
    pointer_of,
    share_key,
    share_of,
)
from chalicelib.users.keys import key_record_key

Found = dict[tuple[str, str], dict[str, Any]]


@dataclass(frozen=True)
class Resolved:
    share: Share
    stale: bool  # the owner saved the entry since: the share's key opens older content
    entry: JournalEntry | None  # read in full only when the caller asked for it


def _id(key: dict[str, str]) -> tuple[str, str]:
    return (key["PK"], key["SK"])


def judge(
    share_item: dict[str, Any] | None,
    entry_item: dict[str, Any] | None,
    owner_keys: dict[str, Any] | None,
    recipient_keys: dict[str, Any] | None,
    *,
    pointer: Pointer | None = None,
    full: bool = False,
) -> Resolved | None:
    """The share these items make, when it is live (expiry aside); None otherwise, also for
    items that are not what they should be."""
    if share_item is None or entry_item is None:
        return None
    try:
        share = share_of(share_item)
        entry = entry_of(entry_item) if full else None
    except (KeyError, ValueError, TypeError):
        return None
    if pointer is not None and pointer.share_id != share.share_id:
        return None  # a pointer left from a share since replaced or revoked
    if not share.keys_still_hold(key_set_of(owner_keys), key_set_of(recipient_keys)):
        return None
    key = entry_item.get("encryptedKey")
    return Resolved(share, share.is_stale_for(None if key is None else str(key)), entry)


def sent(repository: ShareRepository, owner_id: str, *, full: bool = False) -> list[Resolved]:
    """The live shares the owner made (expired ones included)."""
    items = repository.sent(owner_id)
    if not items:
        return []
    pairs = [(item, _recipient(item)) for item in items]
    keys: list[dict[str, str]] = [key_record_key(owner_id)]
    for item, recipient in pairs:
        if recipient is not None and isinstance(item.get("itemId"), str):
            keys += [entry_key(owner_id, item["itemId"]), key_record_key(recipient)]
    found = repository.by_key(keys, None if full else LISTING_ATTRIBUTES)
    resolved = []
    for item, recipient in pairs:
        if recipient is None or not isinstance(item.get("itemId"), str):
            continue
        shown = judge(
            item,
            found.get(_id(entry_key(owner_id, item["itemId"]))),
            found.get(_id(key_record_key(owner_id))),
            found.get(_id(key_record_key(recipient))),
            full=full,
        )
        if shown is not None:
            resolved.append(shown)
    return resolved


def received(
    repository: ShareRepository, recipient_id: str, *, full: bool = False
) -> list[Resolved]:
    """The live shares addressed to the recipient (expired ones included), found through
    their pointers and confirmed against the shares and entries in one batched read."""
    pointers = [
        pointer
        for pointer in map(pointer_of, repository.received(recipient_id))
        if pointer is not None
    ]
    if not pointers:
        return []
    keys: list[dict[str, str]] = [key_record_key(recipient_id)]
    for pointer in pointers:
        keys += _share_keys(pointer)
    attributes = None if full else (*SHARE_ATTRIBUTES, *LISTING_ATTRIBUTES)
    found = repository.by_key(keys, attributes)
    return [
        shown
        for shown in (_through(pointer, found, full) for pointer in pointers)
        if shown is not None
    ]


def opened(
    repository: ShareRepository, pointer: Pointer, recipient_keys: dict[str, Any] | None
) -> Resolved | None:
    """The share a recipient opens, with the owner's entry in full (one batched read)."""
    found = repository.by_key(_share_keys(pointer))
    return judge(
        found.get(_id(share_key(pointer.owner_id, pointer.entry_id, pointer.recipient_id))),
        found.get(_id(entry_key(pointer.owner_id, pointer.entry_id))),
        found.get(_id(key_record_key(pointer.owner_id))),
        recipient_keys,
        pointer=pointer,
        full=True,
    )


def _share_keys(pointer: Pointer) -> list[dict[str, str]]:
    return [
        share_key(pointer.owner_id, pointer.entry_id, pointer.recipient_id),
        entry_key(pointer.owner_id, pointer.entry_id),
        key_record_key(pointer.owner_id),
    ]


def _through(pointer: Pointer, found: Found, full: bool) -> Resolved | None:
    return judge(
        found.get(_id(share_key(pointer.owner_id, pointer.entry_id, pointer.recipient_id))),
        found.get(_id(entry_key(pointer.owner_id, pointer.entry_id))),
        found.get(_id(key_record_key(pointer.owner_id))),
        found.get(_id(key_record_key(pointer.recipient_id))),
        pointer=pointer,
        full=full,
    )


def _recipient(item: dict[str, Any]) -> str | None:
    recipient = item.get("recipientId")
    return recipient if isinstance(recipient, str) else None


def entries_of(resolved: Iterable[Resolved]) -> list[tuple[Share, JournalEntry]]:
    return [(shown.share, shown.entry) for shown in resolved if shown.entry is not None]
