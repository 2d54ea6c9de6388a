"""All DynamoDB access for key records (`USER#{userId}` / `ENCRYPTION_KEYS`, users/keys.py).

Reads take a user id the caller has already checked is a UUID (users/directory.py), so no id
a client sends reaches a key unchecked. Writes are staged into a unit of work's transaction
(core/unit_of_work.py), each with the client error its failed condition means.
"""

from chalicelib.core import dynamo, errors
from chalicelib.core.dynamo import Transaction
from chalicelib.users.keys import KeyRecord, key_record_item, key_record_key, key_record_of


class NothingToDelete(Exception):
    """The key record was already gone when the delete was committed."""


def keys_already_set_up() -> errors.AppError:
    return errors.Conflict("Encryption already set up for this user.", code="CONFLICT")


class KeyRepository:
    def get(self, user_id: str) -> KeyRecord | None:
        # Strongly consistent (dynamo.get_item): a browser reads its keys right after setup.
        item = dynamo.get_item(key_record_key(user_id))
        return None if item is None else key_record_of({**item, "userId": user_id})

    def stage_new(self, tx: Transaction, record: KeyRecord) -> None:
        """A first key record: never over one that exists (409), which would orphan every
        content key wrapped for the old key pair."""
        tx.put("keys", key_record_item(record), condition="attribute_not_exists(PK)")
        tx.refuse_with("keys", keys_already_set_up)

    def stage_replace(self, tx: Transaction, record: KeyRecord, read: KeyRecord) -> None:
        """The record as changed (recovery methods), if it is still the one that was read:
        same key set, same last change. Otherwise the write lost a race and is read again."""
        tx.put(
            "keys",
            key_record_item(record),
            condition="#keySet = :keySet AND #updated = :updated",
            names={"#keySet": "keySetId", "#updated": "updatedAt"},
            values={":keySet": read.key_set_id, ":updated": read.updated_at},
        )

    def stage_delete(self, tx: Transaction, user_id: str) -> None:
        tx.delete("keys", key_record_key(user_id), condition="attribute_exists(PK)")
        tx.refuse_with("keys", NothingToDelete)
