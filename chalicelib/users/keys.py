"""A user's encryption key record (`USER#{userId}` / `ENCRYPTION_KEYS`): what the browser keeps
on the server so that another device can unlock, and what a sharer needs to wrap a content key
for this user. Every key string is opaque to the server and kept byte for byte; the server never
sees a password, a master key, a private key or a content key.

`key_set_id` is the server's own name for one setup: a new id each time keys are set up, so
anything made for an earlier key pair (a share wrapped for it) can tell that the pair it was
made for is gone, even if the browser sends the same `publicKeyId` again.

Items become records (and back) only here and in the key repository; the wire shape is the
key service's.
"""

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core import dynamo

KEY_RECORD_SK = "ENCRYPTION_KEYS"


@dataclass(frozen=True)
class RecoveryMethod:
    """One recovery method: only opaque data the browser encrypted (never a phrase, an answer
    or a guardian list in clear)."""

    method: str
    encrypted_recovery_key: str
    set_up_at: str


@dataclass(frozen=True)
class KeyRecord:
    user_id: str
    salt: str
    encrypted_private_key: str
    public_key: str
    public_key_id: str
    key_set_id: str
    created_at: str
    updated_at: str
    recovery: tuple[RecoveryMethod, ...] = field(default=())

    @property
    def recovery_enabled(self) -> bool:
        return bool(self.recovery)


def key_record_key(user_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": KEY_RECORD_SK}


def key_record_item(record: KeyRecord) -> dict[str, Any]:
    return {
        **key_record_key(record.user_id),
        "userId": record.user_id,
        "salt": record.salt,
        "encryptedPrivateKey": record.encrypted_private_key,
        "publicKey": record.public_key,
        "publicKeyId": record.public_key_id,
        "keySetId": record.key_set_id,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "recovery": [
            {
                "method": method.method,
                "encryptedRecoveryKey": method.encrypted_recovery_key,
                "setUpAt": method.set_up_at,
            }
            for method in record.recovery
        ],
    }


def key_record_of(item: dict[str, Any]) -> KeyRecord:
    return KeyRecord(
        user_id=str(item["userId"]),
        salt=str(item["salt"]),
        encrypted_private_key=str(item["encryptedPrivateKey"]),
        public_key=str(item["publicKey"]),
        public_key_id=str(item["publicKeyId"]),
        key_set_id=str(item["keySetId"]),
        created_at=str(item["createdAt"]),
        updated_at=str(item["updatedAt"]),
        recovery=tuple(
            RecoveryMethod(
                method=str(method["method"]),
                encrypted_recovery_key=str(method["encryptedRecoveryKey"]),
                set_up_at=str(method["setUpAt"]),
            )
            for method in item.get("recovery") or ()
        ),
    )
