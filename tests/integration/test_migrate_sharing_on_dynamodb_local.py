"""scripts/migrate_sharing.py on DynamoDB Local: entries shared with addresses before shares
become shares for the addresses that have an account, and nothing else; a dry run writes
nothing; a second run changes nothing until someone who had no account registers."""

import uuid
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.errors import NotFound
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.keys import entry_key
from chalicelib.journal.repository import entry_item
from chalicelib.journal.share_repository import legacy_pointer_key
from chalicelib.journal.shares import pointer_key, share_key
from chalicelib.users.email_index import email_key
from scripts import migrate_sharing


def _put(item: dict[str, Any]) -> None:
    dynamo.client().put_item(TableName=dynamo.table_name(), Item=dynamo.serialize(item))


def _profile(email: str) -> str:
    user_id = str(uuid.uuid4())
    _put({"PK": f"USER#{user_id}", "SK": "PROFILE", "userId": user_id, "email": email})
    return user_id


def _legacy_entry(owner: str, shared_with: list[str], *, shared: bool = True) -> str:
    """An entry as the email-sharing model wrote it, with a pointer for each address."""
    entry = JournalEntry(
        entry_id=str(uuid.uuid4()),
        user_id=owner,
        title="Old",
        content="<p>shared before shares</p>",
        created_at="2026-11-01T10:00:00.000Z",
        updated_at="2026-11-01T10:00:00.000Z",
        version=3,
        local_date="2026-11-01",
        is_shared=shared,
        shared_with=tuple(shared_with),
    )
    _put({**entry_key(owner, entry.entry_id), **entry_item(entry)})
    for email in shared_with if shared else ():
        _put(
            {
                **legacy_pointer_key(email, entry.entry_id),
                "userId": owner,
                "entryId": entry.entry_id,
                "sharedBy": {"email": "x", "name": None},
            }
        )
    return entry.entry_id


def _items() -> list[dict[str, Any]]:
    return sorted(migrate_sharing.table_items(), key=lambda item: (item["PK"], item["SK"]))


@pytest.fixture
def people(stack_env) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        "owner": _profile(f"owner-{tag}@example.com"),
        "friend": _profile(f"Friend-{tag}@Example.com"),
        "bystander": _profile(f"bystander-{tag}@example.com"),
        "owner_email": f"owner-{tag}@example.com",
        "friend_email": f"friend-{tag}@example.com",
        "bystander_email": f"bystander-{tag}@example.com",
        "later_email": f"later-{tag}@example.com",
    }


def _mine(rows: list[dict[str, str]], entry_id: str) -> list[dict[str, str]]:
    return [row for row in rows if row["entryId"] == entry_id]


def test_the_migration_makes_shares_for_named_accounts_only(people):
    owner, friend = people["owner"], people["friend"]
    entry_id = _legacy_entry(
        owner, [people["friend_email"], people["later_email"], people["owner_email"]]
    )
    # A pointer the entry no longer names (unshared in an edit whose pointer delete was lost).
    _put(
        {
            **legacy_pointer_key(people["bystander_email"], entry_id),
            "userId": owner,
            "entryId": entry_id,
        }
    )
    unshared = _legacy_entry(owner, [people["friend_email"]], shared=False)

    before = _items()
    planned = migrate_sharing.migrate(dry_run=True)
    assert _items() == before  # a dry run writes nothing
    assert [row["recipientId"] for row in _mine(planned.shares_made, entry_id)] == [friend]

    done = migrate_sharing.migrate(dry_run=False)
    assert done.shares_made == planned.shares_made
    assert [row["address"] for row in _mine(done.kept_no_account, entry_id)] == [
        people["later_email"]
    ]
    skipped = {row["address"]: row["why"] for row in _mine(done.skipped, entry_id)}
    assert skipped == {
        people["owner_email"]: "the owner's own address",
        people["bystander_email"]: "the entry no longer names it",
    }
    assert dynamo.get_item(email_key(people["friend_email"])) == {
        "userId": friend,
        "email": people["friend_email"],
    }

    journal = wiring.journal_reads()
    stored = journal.get(owner, entry_id)
    assert stored["sharedWith"] == [friend, people["later_email"]]
    assert stored["version"] == 4
    seen = journal.get(friend, entry_id)  # grandfathered: read, no key, no expiry
    assert (seen["content"], seen["userId"], seen["encryptedKey"]) == (
        "<p>shared before shares</p>",
        owner,
        None,
    )
    assert seen["shareAccess"]["expiresAt"] is None
    share = dynamo.get_item(share_key(owner, entry_id, friend))
    assert share is not None
    assert (share["ownerKeySetId"], share["recipientKeySetId"]) == (None, None)
    assert dynamo.get_item(legacy_pointer_key(people["friend_email"], entry_id)) is None
    assert dynamo.get_item(legacy_pointer_key(people["later_email"], entry_id)) is not None
    # Nothing widened: the bystander and the owner's own address got nothing.
    with pytest.raises(NotFound):
        journal.get(people["bystander"], entry_id)
    assert dynamo.get_item(pointer_key(owner, entry_id)) is None
    # The unshared entry granted nothing and grants nothing; its addresses are cleared.
    assert journal.get(owner, unshared)["sharedWith"] == []
    with pytest.raises(NotFound):
        journal.get(friend, unshared)

    again = migrate_sharing.migrate(dry_run=False)
    assert _mine(again.shares_made, entry_id) == []
    assert journal.get(owner, entry_id)["version"] == 4  # nothing to change: nothing written

    later = _profile(people["later_email"])  # registers, then the migration runs again
    last = migrate_sharing.migrate(dry_run=False)
    assert [row["recipientId"] for row in _mine(last.shares_made, entry_id)] == [later]
    assert journal.get(owner, entry_id)["sharedWith"] == [friend, later]
    assert journal.get(later, entry_id)["entryId"] == entry_id
    assert _mine(migrate_sharing.migrate(dry_run=False).kept_no_account, entry_id) == []


def test_fifty_addresses_migrate_in_transactions_that_fit(people):
    owner = people["owner"]
    emails = [f"many{index}-{uuid.uuid4().hex[:6]}@example.com" for index in range(50)]
    recipients = [_profile(email) for email in emails]
    entry_id = _legacy_entry(owner, emails)
    done = migrate_sharing.migrate(dry_run=False)
    assert len(_mine(done.shares_made, entry_id)) == 50
    stored = wiring.journal_reads().get(owner, entry_id)
    assert stored["sharedWith"] == recipients
    assert wiring.journal_reads().get(recipients[-1], entry_id)["entryId"] == entry_id
    listed = wiring.shares().list_shares(
        owner, item_type=None, direction="sent", include_expired=None, item_id=entry_id
    )
    assert listed["count"] == 50
