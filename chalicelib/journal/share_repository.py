"""All DynamoDB access for shares (the items are described in shares.py).

Writes stage into the transaction of a unit of work (core/unit_of_work.py). A share write
changes three items at once: the share, the recipient's pointer and the entry's `sharedWith`
(with its version, so a concurrent edit of the entry that read the old list cannot write it
back: its version condition fails and it reads again).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import changes, dynamo, errors
from chalicelib.core.aws import error_code
from chalicelib.core.dynamo import Transaction
from chalicelib.journal.keys import entry_key
from chalicelib.journal.shares import (
    RECEIVED_PREFIX,
    SHARE_PREFIX,
    Share,
    pointer_item,
    pointer_key,
    share_item,
    share_key,
)
from chalicelib.users.keys import key_record_key
from chalicelib.users.repository import PROFILE_SK

BATCH_GET_KEYS = 100
# What a share write reads of the entry, the profile and the key records: never the content,
# the owner's private key blob or anything else large.
_WRITE_ATTRIBUTES = (
    "entryId",
    "userId",
    "version",
    "sharedWith",
    "isEncrypted",
    "encryptedKey",
    "email",
    "keySetId",
)
# What GET /shares reads of the entries and key records it checks.
LISTING_ATTRIBUTES = ("entryId", "userId", "encryptedKey", "keySetId")


def share_not_found() -> errors.AppError:
    return errors.NotFound("The share was not found.", code="SHARE_NOT_FOUND")


@dataclass(frozen=True)
class EntryState:
    """The few attributes of an entry a share write reads and changes."""

    entry_id: str
    owner_id: str
    version: int
    shared_with: tuple[str, ...]
    is_encrypted: bool
    encrypted_key: str | None


def _entry_state(item: dict[str, Any]) -> EntryState:
    key = item.get("encryptedKey")
    return EntryState(
        entry_id=str(item["entryId"]),
        owner_id=str(item["userId"]),
        version=int(item.get("version") or 0),
        shared_with=tuple(str(value) for value in item.get("sharedWith") or ()),
        is_encrypted=bool(item.get("isEncrypted", False)),
        encrypted_key=None if key is None else str(key),
    )


@dataclass(frozen=True)
class ShareContext:
    """What a share write reads first, in one request."""

    owner_email: str | None
    entry: EntryState | None
    owner_key_set: str | None  # None: no key record
    recipient_key_set: str | None


def key_set_of(item: dict[str, Any] | None) -> str | None:
    value = item.get("keySetId") if item else None
    return value if isinstance(value, str) else None


class ShareRepository:
    def load_for_share(self, owner_id: str, entry_id: str, recipient_id: str) -> ShareContext:
        owner_keys, recipient_keys = key_record_key(owner_id), key_record_key(recipient_id)
        found = self._by_key(
            [
                {"PK": dynamo.user_pk(owner_id), "SK": PROFILE_SK},
                entry_key(owner_id, entry_id),
                owner_keys,
                recipient_keys,
            ],
            _WRITE_ATTRIBUTES,
        )
        profile = found.get(_id(_profile_key(owner_id)))
        entry = found.get(_id(entry_key(owner_id, entry_id)))
        email = profile.get("email") if profile else None
        return ShareContext(
            owner_email=email.strip().lower() if isinstance(email, str) and email else None,
            entry=_entry_state(entry) if entry else None,
            owner_key_set=key_set_of(found.get(_id(owner_keys))),
            recipient_key_set=key_set_of(found.get(_id(recipient_keys))),
        )

    def load_for_revoke(
        self, owner_id: str, entry_id: str, recipient_id: str
    ) -> tuple[dict[str, Any] | None, EntryState | None]:
        """The share item's id and the entry's state, in one request."""
        found = self._by_key(
            [share_key(owner_id, entry_id, recipient_id), entry_key(owner_id, entry_id)],
            ("shareId", *_WRITE_ATTRIBUTES),
        )
        entry = found.get(_id(entry_key(owner_id, entry_id)))
        return found.get(_id(share_key(owner_id, entry_id, recipient_id))), (
            _entry_state(entry) if entry else None
        )

    def pointer(self, recipient_id: str, entry_id: str) -> dict[str, Any] | None:
        return dynamo.get_item(pointer_key(recipient_id, entry_id))

    def by_key(
        self, keys: Iterable[dict[str, Any]], attributes: tuple[str, ...] | None = None
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """Items of any partitions by (PK, SK), in batches; missing ones are left out."""
        return self._by_key(list(keys), attributes)

    def _by_key(
        self, keys: list[dict[str, Any]], attributes: tuple[str, ...] | None
    ) -> dict[tuple[str, str], dict[str, Any]]:
        unique = list({_id(key): key for key in keys}.values())
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(unique), BATCH_GET_KEYS):
            for item in dynamo.batch_get(unique[start : start + BATCH_GET_KEYS], attributes):
                found[(str(item["PK"]), str(item["SK"]))] = item
        return found

    def sent(self, owner_id: str) -> list[dict[str, Any]]:
        """The share items in the owner's partition, newest entries first."""
        return self._range(owner_id, SHARE_PREFIX)

    def received(self, recipient_id: str) -> list[dict[str, Any]]:
        """The pointers in the recipient's partition (with their keys)."""
        return self._range(recipient_id, RECEIVED_PREFIX)

    def _range(self, user_id: str, prefix: str) -> list[dict[str, Any]]:
        return dynamo.query_all(
            **dynamo.sort_key_range(dynamo.user_pk(user_id), prefix, f"{prefix}{dynamo.KEY_END}"),
            ScanIndexForward=False,
            ConsistentRead=True,
        )

    # Writes.

    def put_share(self, tx: Transaction, share: Share, entry: EntryState) -> None:
        """The share (replacing one of the same entry and recipient), its pointer, and the
        recipient added to the entry's `sharedWith`."""
        tx.put("share", share_item(share))
        tx.put("share-pointer", pointer_item(share))
        shared_with = tuple(dict.fromkeys((*entry.shared_with, share.recipient_id)))
        self.set_recipients(tx, entry, shared_with)

    def delete_share(
        self,
        tx: Transaction,
        share_id: str,
        owner_id: str,
        entry_id: str,
        recipient_id: str,
        entry: EntryState | None,
    ) -> None:
        """The share and its pointer gone, and the recipient out of the entry's `sharedWith`.
        Refused with 404 when the share is no longer the one named (revoked or replaced since
        it was read)."""
        tx.delete(
            "share-revoked",
            share_key(owner_id, entry_id, recipient_id),
            condition="shareId = :shareId",
            values={":shareId": share_id},
        )
        tx.refuse_with("share-revoked", share_not_found)
        tx.delete("share-pointer", pointer_key(recipient_id, entry_id))
        if entry is not None:
            remaining = tuple(value for value in entry.shared_with if value != recipient_id)
            self.set_recipients(tx, entry, remaining)

    def delete_entry_shares(
        self, tx: Transaction, owner_id: str, entry_id: str, shared_with: Iterable[str]
    ) -> None:
        """An entry's share items, deleted with it (their keys come from `sharedWith`, so
        nothing is read). A recipient still named by an address (an entry shared before
        shares were kept by user id, not yet migrated) loses the old pointer instead."""
        for recipient in dict.fromkeys(shared_with):
            if "@" in recipient:
                tx.delete("legacy-share", legacy_pointer_key(recipient, entry_id))
            else:
                tx.delete("share-deleted", share_key(owner_id, entry_id, recipient))

    def forget_pointers(self, entry_id: str, recipients: Iterable[str]) -> None:
        """The recipients' pointers to a deleted entry (ids only: an address was a legacy
        recipient, whose pointer went in the entry's own transaction). Entry ids are never
        reused, so no later share can own these keys."""
        dynamo.delete_keys(
            [pointer_key(recipient, entry_id) for recipient in recipients if "@" not in recipient]
        )

    def set_recipients(
        self, tx: Transaction, entry: EntryState, shared_with: tuple[str, ...]
    ) -> None:
        """The entry's recipients (and isShared) with a new version, conditioned on the
        version read: a concurrent write makes one of the two read again."""
        key = entry_key(entry.owner_id, entry.entry_id)
        update = tx.updating("entry", key)
        update.set("sharedWith", value=list(shared_with))
        update.set("isShared", value=bool(shared_with))
        update.set("version", value=entry.version + 1)
        # The owner sees `sharedWith` and `isShared`: a change for the owner's devices.
        changes.stamp_update(update, entry.owner_id, "journalEntry", entry.entry_id)
        version = update.name("version")
        tx.updating("entry", key, condition=f"{version} = {update.value(entry.version)}")

    def count_access(self, share: Share, now: str) -> bool:
        """One more open of the share; False when it is no longer the share read (revoked or
        replaced in between)."""
        try:
            dynamo.client().update_item(
                TableName=dynamo.table_name(),
                Key=dynamo.serialize(share_key(share.owner_id, share.entry_id, share.recipient_id)),
                UpdateExpression="SET accessCount = if_not_exists(accessCount, :zero) + :one, "
                "accessedAt = :now",
                ConditionExpression="shareId = :id",
                ExpressionAttributeValues=dynamo.serialize(
                    {":zero": 0, ":one": 1, ":now": now, ":id": share.share_id}
                ),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True


def legacy_pointer_key(email: str, entry_id: str) -> dict[str, str]:
    """Where entries were shared with an address before shares (scripts/migrate_sharing.py
    turns them into shares)."""
    return {"PK": f"SHARE#{email}", "SK": f"JOURNAL#{entry_id}"}


def _profile_key(user_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": PROFILE_SK}


def _id(key: dict[str, Any]) -> tuple[str, str]:
    return (str(key["PK"]), str(key["SK"]))
