"""Erases every item of one user, in bounded steps that may stop anywhere and run again.

Nothing is remembered between steps: each one reads what is left and deletes it, so a run
that was cut short (a crash, or the time limit) is resumed by running again, and two runs at
once only delete the same items twice. What is erased, in this order:

1. the key record and the email index item (the index only if it still names this user: the
   address may belong to a new account by the time a sweep runs), so nobody can find this
   user or share with them any more;
2. legacy `SHARE#{address}` pointers, and the address in the owner's entry's `sharedWith`;
3. the user's partition `USER#{id}`, page by page. Most items are deleted as they are; three
   kinds first clear what they point to in other partitions:
   - a goal: its activity partition `USER#{id}#{goalId}` is emptied first, then the goal is
     deleted on the version read (an activity logged meanwhile changes it, so the partition
     is emptied again; after the delete, logging on the goal is refused);
   - a share the user made: the recipient's pointer, if it is still this user's;
   - an entry still shared by address (before shares): the legacy pointer to it;
   - a pointer to a share the user received: the owner's share item, and this user in the
     owner's entry's `sharedWith` (with a new version), the way a revoke does
     (journal/share_repository.py);
   - an export: its job pointer `EXPORTJOB#{jobKey}` (account/exports/records.py), and an
     import's likewise;
   - a reminder pointer: the armed reminder it names, in its minute's `REMINDER#` partition
     (goals/reminders.py);
4. the user's files in the account-data bucket (`exports/{subject}/` and `imports/{subject}/`,
   core/storage.py), last: once the export records are gone no new run of an export job
   finds its user, and an archive a run still wrote meanwhile is caught by the final sweep.

`should_stop` is asked before every step: when it says so, the run returns False and the
caller continues later.
"""

import time
from collections.abc import Callable

from chalicelib.account.exports.records import EXPORT_PREFIX, export_job_key
from chalicelib.account.exports.records import pointer_key as export_pointer_key
from chalicelib.account.imports.records import IMPORT_PREFIX
from chalicelib.account.imports.records import job_key_of as import_job_key
from chalicelib.account.imports.records import pointer_key as import_pointer_key
from chalicelib.account.jobs import subject_of
from chalicelib.core import dynamo, errors
from chalicelib.core.dynamo import Transaction
from chalicelib.core.logging import logger
from chalicelib.core.unit_of_work import run_write
from chalicelib.goals import reminders
from chalicelib.goals.repository import goal_partition
from chalicelib.journal.share_repository import ShareRepository, legacy_pointer_key
from chalicelib.journal.shares import RECEIVED_PREFIX, SHARE_PREFIX, pointer_key
from chalicelib.users.email_index import email_key
from chalicelib.users.keys import key_record_key

PAGE = 100
GOAL_PREFIX = "GOAL#"
ENTRY_PREFIX = "JOURNAL#"  # an entry (the stats items are JOURNALSTATS...)
# The account-data bucket's prefixes that hold a user's files, under the user's subject.
FILE_PREFIXES = ("exports/", "imports/")
# A received share whose owner keeps re-sharing while we remove it: give up for this step,
# the next run tries again.
REVOKE_ATTEMPTS = 5


def _named_outside(user_id: str, sk: str) -> dict[str, object] | None:
    """The item outside the partition that the partition's item `sk` names, and that goes
    with it: an export's or an import's job pointer, an armed reminder (goals/reminders.py)."""
    if sk.startswith(EXPORT_PREFIX):
        return dict(export_pointer_key(export_job_key(user_id, sk.removeprefix(EXPORT_PREFIX))))
    if sk.startswith(IMPORT_PREFIX):
        return dict(import_pointer_key(import_job_key(user_id, sk.removeprefix(IMPORT_PREFIX))))
    if sk.startswith(reminders.POINTER_PREFIX):
        return dict(reminders.index_key_of_pointer(user_id, sk))
    return None


class Eraser:
    def __init__(
        self,
        shares: ShareRepository,
        should_stop: Callable[[], bool],
        sleep: Callable[[float], None] | None = None,
        delete_files: Callable[[str], int] | None = None,
    ) -> None:
        self._shares = shares
        self._should_stop = should_stop
        self._sleep = sleep
        # Deletes the objects under a prefix (core/storage.delete_prefix); None: no bucket.
        self._delete_files = delete_files
        self.deleted = 0  # items deleted by this run (a figure for the log and the bench)
        self.deleted_files = 0

    def erase(self, user_id: str, email: str | None) -> bool:
        """Everything of the user erased (True), or stopped early (False)."""
        if self._should_stop():
            return False
        dynamo.delete_keys([key_record_key(user_id)], sleep=self._sleep)
        if email:
            dynamo.delete_if(email_key(email), "userId = :user", {":user": user_id})
            if not self._erase_legacy_pointers(email):
                return False
        if not self._erase_partition(user_id):
            return False
        if self._delete_files is not None:
            for prefix in FILE_PREFIXES:
                self.deleted_files += self._delete_files(f"{prefix}{subject_of(user_id)}/")
        return True

    def _erase_legacy_pointers(self, email: str) -> bool:
        while not self._should_stop():
            pointers = dynamo.first_items(f"SHARE#{email}", ("userId",), PAGE)
            if not pointers:
                return True
            for pointer in pointers:
                entry_id = str(pointer["SK"]).removeprefix("JOURNAL#")
                owner = pointer.get("userId")
                if isinstance(owner, str):
                    self._forget_recipient(
                        owner, entry_id, email, legacy_pointer_key(email, entry_id)
                    )
            self._delete([{"PK": item["PK"], "SK": item["SK"]} for item in pointers])
        return False

    def _erase_partition(self, user_id: str) -> bool:
        # Everything here goes, whatever its kind: the sync tombstones (core/changes.py),
        # which name the user's ids, are in this partition on purpose.
        partition = dynamo.user_pk(user_id)
        while not self._should_stop():
            items = dynamo.first_items(partition, ("ownerId", "version", "sharedWith"), PAGE)
            if not items:
                return True
            plain: list[dict[str, object]] = []
            for item in items:
                sk = str(item["SK"])
                if sk.startswith(GOAL_PREFIX):
                    if not self._erase_goal(user_id, item):
                        return False
                    continue
                if sk.startswith(SHARE_PREFIX):
                    entry_id, recipient = sk.removeprefix(SHARE_PREFIX).rsplit("#", 1)
                    dynamo.delete_if(
                        pointer_key(recipient, entry_id), "ownerId = :owner", {":owner": user_id}
                    )
                elif sk.startswith(ENTRY_PREFIX):
                    self._erase_legacy_shares_of(user_id, sk.removeprefix(ENTRY_PREFIX), item)
                elif (outside := _named_outside(user_id, sk)) is not None:
                    plain.append(outside)
                elif sk.startswith(RECEIVED_PREFIX) and isinstance(item.get("ownerId"), str):
                    entry_id = sk.removeprefix(RECEIVED_PREFIX)
                    self._forget_recipient(
                        str(item["ownerId"]), entry_id, user_id, pointer_key(user_id, entry_id)
                    )
                plain.append({"PK": item["PK"], "SK": sk})
            self._delete(plain)
        return False

    def _erase_legacy_shares_of(
        self, user_id: str, entry_id: str, entry: dict[str, object]
    ) -> None:
        """An entry shared by address before shares existed (not yet migrated) left a pointer
        in the recipient's `SHARE#{address}` partition that names this user."""
        shared_with = entry.get("sharedWith")
        for recipient in shared_with if isinstance(shared_with, list) else ():
            if isinstance(recipient, str) and "@" in recipient:
                dynamo.delete_if(
                    legacy_pointer_key(recipient, entry_id), "userId = :owner", {":owner": user_id}
                )

    def _erase_goal(self, user_id: str, goal: dict[str, object]) -> bool:
        goal_id = str(goal["SK"]).removeprefix(GOAL_PREFIX)
        partition = goal_partition(user_id, goal_id)
        while True:
            if self._should_stop():
                return False
            items = dynamo.first_items(partition, limit=PAGE)
            if not items:
                break
            self._delete(items)
        # Deleted on the version read: an activity logged since changed it, and the next page
        # reads the goal again and empties its partition again.
        version = goal.get("version")
        if version is None:
            dynamo.delete_if(goal_key_of(goal), "attribute_not_exists(version)")
        else:
            dynamo.delete_if(goal_key_of(goal), "version = :version", {":version": version})
        self.deleted += 1
        return True

    def _forget_recipient(
        self, owner_id: str, entry_id: str, recipient: str, pointer: dict[str, str]
    ) -> None:
        """The owner's side of a share to `recipient` (a user id, or an address for a legacy
        share), as a revoke removes it, and the recipient's pointer, in one transaction."""

        def attempt(tx: Transaction) -> None:
            item, entry = self._shares.load_for_revoke(owner_id, entry_id, recipient)
            if item is not None and isinstance(item.get("shareId"), str):
                self._shares.delete_share(
                    tx, str(item["shareId"]), owner_id, entry_id, recipient, entry
                )
                return
            tx.delete("recipient-pointer", pointer)
            if entry is not None and recipient in entry.shared_with:
                remaining = tuple(value for value in entry.shared_with if value != recipient)
                self._shares.set_recipients(tx, entry, remaining)

        for _ in range(REVOKE_ATTEMPTS):
            try:
                run_write(attempt, sleep=self._sleep or time.sleep)
                return
            except errors.NotFound:
                continue  # the share was replaced between the read and the write: read again
        logger.warning("a received share kept changing; the next run removes it")

    def _delete(self, keys: list[dict[str, object]]) -> None:
        if keys:
            dynamo.delete_keys(
                [{"PK": key["PK"], "SK": key["SK"]} for key in keys], sleep=self._sleep
            )
            self.deleted += len(keys)


def goal_key_of(item: dict[str, object]) -> dict[str, str]:
    return {"PK": str(item["PK"]), "SK": str(item["SK"])}
