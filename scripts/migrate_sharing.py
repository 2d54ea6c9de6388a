"""Move sharing from email addresses to user ids (issue 12), once per table; safe to run again.

    .venv/bin/python scripts/migrate_sharing.py --dry-run   # what it would do; writes nothing
    .venv/bin/python scripts/migrate_sharing.py             # do it

It works on the table the environment names (`TABLE_NAME`, with AWS credentials, or the local
stack's: `make stack` or `make run`, found as the app finds it, when nothing is named), and:

1. Backfills the email index (`EMAIL#{address}` / `USER`) from every profile, never replacing
   an item that names another account (reported).
2. Turns every entry shared with addresses (`sharedWith` holding addresses, and the legacy
   pointers `SHARE#{address}` / `JOURNAL#{entryId}` or older full copies) into shares: for each
   address that has an account, a share granting read with no expiry, no wrapped key and no
   key set recorded (grandfathered: the old model shared no keys either, so an encrypted entry
   lists as needing a re-share), its pointer, the address replaced by the user id in the
   entry's `sharedWith`, and the legacy pointer deleted, all in one transaction.

Nothing is widened: only the addresses the entry itself still names while shared get a share
(a legacy pointer the entry no longer names, to a deleted entry, or the owner's own address
gets nothing). Addresses with no account stay as they are, and are reported: run it again once
those people have registered. An entry whose addresses were unshared (`isShared` false) granted
nothing; its leftover addresses are cleared.
"""

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from botocore.exceptions import ClientError  # noqa: E402

from chalicelib.core import dynamo  # noqa: E402
from chalicelib.core.aws import error_code  # noqa: E402
from chalicelib.core.clock import to_iso, utc_now  # noqa: E402
from chalicelib.core.dynamo import Transaction, TransactionCancelled  # noqa: E402
from chalicelib.journal.entry import JournalEntry  # noqa: E402
from chalicelib.journal.keys import ENTRY_PREFIX, entry_key  # noqa: E402
from chalicelib.journal.repository import entry_of  # noqa: E402
from chalicelib.journal.share_repository import (  # noqa: E402
    EntryState,
    ShareRepository,
    legacy_pointer_key,
)
from chalicelib.journal.shares import (  # noqa: E402
    READ,
    Share,
    new_share_id,
    pointer_item,
    share_item,
)
from chalicelib.users.email_index import email_item, email_key  # noqa: E402
from scripts.chalice_config import use_local_stack_unless_configured  # noqa: E402

# Three items per recipient (share, pointer, legacy pointer deleted) and the entry: 30
# recipients a transaction stays under DynamoDB's 100 items.
RECIPIENTS_PER_TRANSACTION = 30
LEGACY_PREFIX = "SHARE#"


@dataclass
class Report:
    dry_run: bool
    email_index_added: list[str] = field(default_factory=list)
    email_index_conflicts: list[str] = field(default_factory=list)
    shares_made: list[dict[str, str]] = field(default_factory=list)
    kept_no_account: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    entries_changed: list[str] = field(default_factory=list)


def _normalised(email: object) -> str | None:
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


def table_items() -> Iterator[dict[str, Any]]:
    params: dict[str, Any] = {"TableName": dynamo.table_name(), "ConsistentRead": True}
    while True:
        page = dynamo.client().scan(**params)
        yield from (dynamo.deserialize(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass
class _Table:
    """What the migration reads in one scan."""

    emails: dict[str, str] = field(default_factory=dict)  # user id -> address
    index: dict[str, str] = field(default_factory=dict)  # address -> user id
    legacy: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    entries: set[tuple[str, str]] = field(default_factory=set)  # (owner, entry) naming addresses


def _read() -> _Table:
    table = _Table()
    for item in table_items():
        pk, sk = str(item["PK"]), str(item["SK"])
        if pk.startswith("USER#") and sk == "PROFILE":
            email = _normalised(item.get("email"))
            if email:
                table.emails[pk.removeprefix("USER#")] = email
        elif pk.startswith("EMAIL#") and isinstance(item.get("userId"), str):
            table.index[pk.removeprefix("EMAIL#")] = item["userId"]
        elif pk.startswith(LEGACY_PREFIX) and sk.startswith(ENTRY_PREFIX):
            owner = item.get("userId")
            if isinstance(owner, str):
                table.legacy[(owner, sk.removeprefix(ENTRY_PREFIX))].add(pk[len(LEGACY_PREFIX) :])
        elif (
            pk.startswith("USER#")
            and sk.startswith(ENTRY_PREFIX)
            and any("@" in str(value) for value in item.get("sharedWith") or ())
        ):
            table.entries.add((pk.removeprefix("USER#"), sk.removeprefix(ENTRY_PREFIX)))
    return table


def _backfill_index(table: _Table, report: Report) -> dict[str, str]:
    """The account of every address (the index as it will be)."""
    accounts = dict(table.index)
    for user_id, email in sorted(table.emails.items()):
        owner = accounts.get(email)
        if owner is not None:
            if owner != user_id:
                report.email_index_conflicts.append(email)
            continue
        accounts[email] = user_id
        report.email_index_added.append(email)
        if not report.dry_run:
            try:
                dynamo.client().put_item(
                    TableName=dynamo.table_name(),
                    Item=dynamo.serialize(email_item(email, user_id)),
                    ConditionExpression="attribute_not_exists(PK)",
                )
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise
                report.email_index_conflicts.append(email)  # registered meanwhile
                accounts[email] = str((dynamo.get_item(email_key(email)) or {}).get("userId"))
    return accounts


def _migrate_entry(
    owner_id: str,
    entry_id: str,
    legacy: set[str],
    accounts: dict[str, str],
    owner_email: str | None,
    report: Report,
    now: datetime,
) -> None:
    item = dynamo.get_item(entry_key(owner_id, entry_id))
    where = {"ownerId": owner_id, "entryId": entry_id}
    if item is None:
        for email in sorted(legacy):
            report.skipped.append({**where, "address": email, "why": "the entry is gone"})
        return
    entry = entry_of(item)
    named = [value for value in entry.shared_with if "@" in value]
    for email in sorted(legacy - set(named) if entry.is_shared else legacy):
        report.skipped.append({**where, "address": email, "why": "the entry no longer names it"})
    if not entry.is_shared:
        if named:  # unshared addresses granted nothing: cleared
            kept = tuple(value for value in entry.shared_with if "@" not in value)
            _write_recipients(entry, kept, [], report, now, owner_email)
        return
    migrating: list[tuple[str, str]] = []
    for email in named:
        recipient = accounts.get(email)
        if recipient is None:
            report.kept_no_account.append({**where, "address": email})
        elif recipient == owner_id:
            report.skipped.append({**where, "address": email, "why": "the owner's own address"})
        else:
            migrating.append((email, recipient))
    kept = tuple(value for value in entry.shared_with if "@" not in value or value not in accounts)
    if migrating or kept != entry.shared_with:  # else: only addresses with no account yet
        _write_recipients(entry, kept, migrating, report, now, owner_email)


def _write_recipients(
    entry: JournalEntry,
    kept: tuple[str, ...],
    migrating: list[tuple[str, str]],
    report: Report,
    now: datetime,
    owner_email: str | None,
) -> None:
    """Shares for `migrating` (address, user id), in transactions of a few recipients; the
    entry's `sharedWith` becomes `kept` plus the ids migrated so far."""
    state = EntryState(
        entry_id=entry.entry_id,
        owner_id=entry.user_id,
        version=entry.version,
        shared_with=entry.shared_with,
        is_encrypted=entry.is_encrypted,
        encrypted_key=entry.encrypted_key,
    )
    ids = [value for value in kept if "@" not in value]
    no_account = [value for value in kept if "@" in value]  # they stay until a later run
    chunks = [
        migrating[start : start + RECIPIENTS_PER_TRANSACTION]
        for start in range(0, len(migrating), RECIPIENTS_PER_TRANSACTION)
    ] or [[]]
    for index, chunk in enumerate(chunks):
        tx = Transaction()
        for email, recipient in chunk:
            share = Share(
                share_id=new_share_id(entry.entry_id, recipient),
                owner_id=entry.user_id,
                owner_email=owner_email,
                entry_id=entry.entry_id,
                recipient_id=recipient,
                encrypted_key=None,
                is_encrypted=entry.is_encrypted,
                permissions=(READ,),
                created_at=to_iso(now),
                expiry=None,
                owner_key_set_id=None,
                recipient_key_set_id=None,
                content_key_digest=None,
            )
            tx.put("share", share_item(share))
            tx.put("share-pointer", pointer_item(share))
            tx.delete("legacy-share", legacy_pointer_key(email, entry.entry_id))
            ids.append(recipient)
            report.shares_made.append(
                {"ownerId": entry.user_id, "entryId": entry.entry_id, "recipientId": recipient}
            )
        later = [email for pending in chunks[index + 1 :] for email, _ in pending]
        recipients = tuple(dict.fromkeys([*ids, *no_account, *later]))
        ShareRepository().set_recipients(tx, state, recipients)
        report.entries_changed.append(entry.entry_id)
        if not report.dry_run:
            try:
                tx.commit()
            except TransactionCancelled as exc:
                raise SystemExit(
                    f"The entry {entry.entry_id} changed while it was migrated: run again."
                ) from exc
        state = EntryState(
            state.entry_id,
            state.owner_id,
            state.version + 1,
            recipients,
            state.is_encrypted,
            state.encrypted_key,
        )


def migrate(*, dry_run: bool, now: Callable[[], datetime] = utc_now) -> Report:
    report = Report(dry_run=dry_run)
    table = _read()
    accounts = _backfill_index(table, report)
    for owner_id, entry_id in sorted(set(table.legacy) | table.entries):
        _migrate_entry(
            owner_id,
            entry_id,
            table.legacy.get((owner_id, entry_id), set()),
            accounts,
            table.emails.get(owner_id),
            report,
            now(),
        )
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    args = parser.parse_args(argv)
    use_local_stack_unless_configured(REPO_ROOT)
    report = migrate(dry_run=args.dry_run)
    print(json.dumps(vars(report), indent=2))
    print(
        f"{'Would make' if args.dry_run else 'Made'} {len(report.shares_made)} shares; "
        f"{len(report.kept_no_account)} addresses have no account yet (run again later); "
        f"{len(report.skipped)} skipped; {len(report.email_index_added)} addresses indexed.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
