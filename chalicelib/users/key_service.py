"""Key rules: setting up, reading, deleting a user's encryption keys, and recovery data.

The key record (users/keys.py) and the profile's `encryption` map change in one transaction
each time, so the profile's `encryptionEnabled` is true exactly when a key record exists. Setup
never overwrites a key record (409): that would orphan every content key wrapped for the old
pair. Deleting keys leaves encrypted journal entries as they are (ciphertext nobody can read
any more); shares made for the old pair stop granting anything, because each share records the
`key_set_id` of both parties and a new setup makes a new one (no bulk writes here).
"""

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.core import errors
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.ids import uuid7
from chalicelib.core.unit_of_work import run_write
from chalicelib.users.directory import checked_user_id
from chalicelib.users.key_repository import KeyRepository, NothingToDelete
from chalicelib.users.keys import KeyRecord, RecoveryMethod
from chalicelib.users.models import KeySetup, RecoverySetup
from chalicelib.users.presenter import present_key_status, present_own_keys, present_public_keys
from chalicelib.users.profile import ProfileEncryption
from chalicelib.users.repository import ProfileRepository


def _not_set_up() -> errors.AppError:
    return errors.BadRequest(
        "Encryption must be set up before adding recovery methods.", code="ENCRYPTION_NOT_SETUP"
    )


class KeyService:
    def __init__(
        self,
        keys: KeyRepository,
        profiles: ProfileRepository,
        *,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        new_key_set_id: Callable[[], str] = uuid7,
    ) -> None:
        self._keys = keys
        self._profiles = profiles
        self._now = now
        self._sleep = sleep
        self._new_key_set_id = new_key_set_id

    def set_up(self, user_id: str, request: KeySetup) -> dict[str, Any]:
        def attempt(tx: Transaction) -> KeyRecord:
            now = to_iso(self._now())
            record = KeyRecord(
                user_id=user_id,
                salt=request.salt,
                encrypted_private_key=request.encrypted_private_key,
                public_key=request.public_key,
                public_key_id=request.public_key_id,
                key_set_id=self._new_key_set_id(),
                created_at=now,
                updated_at=now,
            )
            self._keys.stage_new(tx, record)
            encryption = ProfileEncryption(key_id=record.public_key_id, setup_date=now)
            self._profiles.stage_encryption(tx, user_id, encryption, now)
            return record

        record = run_write(attempt, sleep=self._sleep)
        return {
            "userId": user_id,
            "publicKeyId": record.public_key_id,
            "createdAt": record.created_at,
            "message": "Encryption successfully set up",
            "profileUpdated": True,
        }

    def status(self, caller_id: str, user_id: str) -> dict[str, Any]:
        """GET /encryption/check/{userId}: in full for the caller's own id; for any other id
        only whether it has keys, as the user lookup says (an unknown id: false)."""
        checked = checked_user_id(user_id)
        own = checked == caller_id
        return present_key_status(checked, self._keys.get(checked), own=own)

    def keys_of(self, caller_id: str, user_id: str) -> dict[str, Any]:
        """GET /encryption/user/{userId}: the caller's own record whole (or `hasEncryption:
        false`); another user's public key only, and the same 404 for an id without keys
        whether or not it is an account."""
        checked = checked_user_id(user_id)
        record = self._keys.get(checked)
        if checked == caller_id:
            return present_own_keys(checked, record)
        if record is None:
            raise errors.NotFound(f"User {checked} has not set up encryption.", code="NOT_FOUND")
        return present_public_keys(record)

    def delete(self, user_id: str) -> dict[str, Any]:
        def attempt(tx: Transaction) -> str:
            now = to_iso(self._now())
            self._keys.stage_delete(tx, user_id)
            self._profiles.stage_encryption(tx, user_id, None, now)
            return now

        try:
            deleted_at: str | None = run_write(attempt, sleep=self._sleep)
        except NothingToDelete:
            return {
                "message": "Encryption keys already deleted or never existed",
                "userId": user_id,
                "deletedAt": None,
            }
        return {
            "message": "Encryption keys successfully deleted",
            "userId": user_id,
            "deletedAt": deleted_at,
        }

    def set_up_recovery(self, user_id: str, request: RecoverySetup) -> dict[str, Any]:
        """Keep one method's opaque recovery data (a method set up again replaces its own)."""

        def attempt(tx: Transaction) -> RecoveryMethod:
            read = self._keys.get(user_id)
            if read is None:
                raise _not_set_up()
            now = to_iso(self._now())
            method = RecoveryMethod(
                method=request.method,
                encrypted_recovery_key=request.encrypted_recovery_key,
                set_up_at=now,
            )
            kept = tuple(other for other in read.recovery if other.method != request.method)
            self._keys.stage_replace(
                tx, replace(read, recovery=(*kept, method), updated_at=now), read
            )
            return method

        method = run_write(attempt, sleep=self._sleep)
        return {
            "userId": user_id,
            "method": method.method,
            "recoveryEnabled": True,
            "setupAt": method.set_up_at,
            "message": f"{method.method} recovery successfully set up",
        }
