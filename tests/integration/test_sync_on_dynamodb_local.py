"""The change feed on DynamoDB Local: what the repositories stamp, the tombstones deletes
leave (with their TTL, in the owner's partition, so the account eraser takes them), and one
Query of the SyncIndex per page."""

import time
import uuid

from chalicelib import wiring
from chalicelib.core import changes, dynamo
from chalicelib.core.unit_of_work import run_write
from chalicelib.users.repository import ProfileRepository, profile_key
from chalicelib.users.service import new_profile


def _feed(user_id: str) -> list[dict]:
    return dynamo.query_all(
        IndexName=changes.SYNC_INDEX,
        KeyConditionExpression="syncUser = :user",
        ExpressionAttributeValues=dynamo.serialize({":user": user_id}),
    )


def test_a_profile_is_stamped_when_made_and_changed(stack_env):
    user_id = str(uuid.uuid4())
    repository = ProfileRepository()
    repository.create(new_profile(user_id, "ada@example.com", "Ada", "Lovelace"))
    [made] = _feed(user_id)
    assert made["SK"] == "PROFILE"
    assert changes.parse_sequence(made["syncSeq"])[1:] == ("profile", user_id)
    time.sleep(0.002)
    update = dynamo.UpdateBuilder().set("firstName", value="Augusta")
    repository.update(user_id, update)
    [changed] = _feed(user_id)
    assert changed["syncSeq"] > made["syncSeq"]


def test_a_tombstone_carries_the_owner_a_ttl_and_lives_in_the_owners_partition(stack_env):
    user_id = str(uuid.uuid4())

    def attempt(tx):
        changes.stage_tombstone(tx, user_id, "activity", "a1", {"goalId": "g1"})

    before = int(time.time())
    run_write(attempt)
    [tombstone] = _feed(user_id)
    assert tombstone["PK"] == dynamo.user_pk(user_id)
    assert tombstone["SK"] == "SYNCTOMB#activity#a1"
    assert tombstone["goalId"] == "g1"
    days = (tombstone["expiresAt"] - before) / 86_400
    assert changes.TOMBSTONE_DAYS - 0.01 < days <= changes.TOMBSTONE_DAYS + 0.01


def test_a_page_is_one_query_and_pages_follow_on(stack_env):
    user_id = str(uuid.uuid4())
    repository = ProfileRepository()
    repository.create(new_profile(user_id, "ada@example.com", "Ada", "Lovelace"))
    for n in range(3):

        def deleted(tx, entry_id=f"e{n}"):
            changes.stage_tombstone(tx, user_id, "journalEntry", entry_id)

        run_write(deleted)
    service = wiring.sync()
    calls = []
    real = dynamo.client()

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(real, name)

    seen, since = [], None
    with dynamo.served_by(Counting()):
        while True:
            page = service.changes_since(user_id, since, 2)
            seen += [(change["kind"], change["id"]) for change in page["changes"]]
            since = page["nextCursor"]
            if not page["hasMore"]:
                break
    pages = len(calls)
    assert calls == ["query"] * pages
    assert sorted(seen) == sorted(
        [("profile", user_id)] + [("journalEntry", f"e{n}") for n in range(3)]
    )
    profile = dynamo.get_item(profile_key(user_id))
    assert profile is not None
    assert profile["syncUser"] == user_id


def test_a_full_sync_of_changes_older_than_the_tombstones_pages_to_the_end(stack_env, monkeypatch):
    """A cursor expires by when it was handed out, not by the age of the changes it points
    at: a new device syncing an account written long ago pages through all of it."""
    user_id = str(uuid.uuid4())
    long_ago = int(time.time() * 1000) - 90 * 86_400_000
    monkeypatch.setattr(changes, "clock_ms", lambda: long_ago)
    ProfileRepository().create(new_profile(user_id, "ada@example.com", "Ada", "Lovelace"))
    for n in range(3):

        def deleted(tx, entry_id=f"e{n}"):
            changes.stage_tombstone(tx, user_id, "journalEntry", entry_id)

        run_write(deleted)
    monkeypatch.undo()
    service = wiring.sync()
    seen, since = 0, None
    while True:
        page = service.changes_since(user_id, since, 1)
        seen += len(page["changes"])
        since = page["nextCursor"]
        if not page["hasMore"]:
            break
    assert seen == 4
