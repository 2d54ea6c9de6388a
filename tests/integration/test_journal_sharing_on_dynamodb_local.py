"""Shares on DynamoDB Local: a share grants one recipient reading one entry, through its own
wrapped key, until it is revoked, expires, either party's keys are reset or the entry goes; and
at the largest sizes (a 190 KB entry, 50 recipients, 10 goal links) every write stays inside
one transaction."""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.clock import utc_now
from chalicelib.core.errors import AppError, BusinessRuleViolation, NotFound, ValidationFailed
from chalicelib.core.http import MAX_BODY_BYTES, Page
from chalicelib.core.idempotency import key_from
from chalicelib.core.validation import parse
from chalicelib.goals.models import GoalCreate
from chalicelib.journal import labels
from chalicelib.journal.models import EntryCreate, EntryFields, ShareCreate
from chalicelib.journal.reads import JournalReads
from chalicelib.journal.repository import entry_of
from chalicelib.journal.service import JournalService
from chalicelib.journal.share_repository import ShareRepository
from chalicelib.journal.share_service import ShareService
from chalicelib.journal.shares import MAX_RECIPIENTS, pointer_key, share_key
from tests.helpers import RequestLog, key_record

OWNER_KEY = "b3duZXItd3JhcHBlZA=="  # the entry's content key wrapped for the owner (opaque)


@pytest.fixture
def journal(stack_env) -> JournalService:
    return wiring.journal()


@pytest.fixture
def reads(stack_env) -> JournalReads:
    return wiring.journal_reads()


@pytest.fixture
def shares(stack_env) -> ShareService:
    return wiring.shares()


def with_keys(user_id: str) -> None:
    """Give a user a key record (what POST /encryption/setup stores), with a new key set."""
    dynamo.client().put_item(
        TableName=dynamo.table_name(), Item=dynamo.serialize(key_record(user_id))
    )


def person(*, keys: bool = True, email: str | None = None) -> str:
    user_id = str(uuid.uuid4())
    dynamo.client().put_item(
        TableName=dynamo.table_name(),
        Item=dynamo.serialize(
            {
                "PK": f"USER#{user_id}",
                "SK": "PROFILE",
                "userId": user_id,
                "email": email or f"{user_id[:8]}@example.com",
            }
        ),
    )
    if keys:
        with_keys(user_id)
    return user_id


def encrypted_entry(journal: JournalService, owner: str, **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Private",
        "content": "Y2lwaGVydGV4dA==",
        "isEncrypted": True,
        "wordCount": 2,
        "encryptedKey": OWNER_KEY,
        "encryptionIv": "aXY=",
        **fields,
    }
    return dict(journal.create(owner, parse(EntryCreate, body)).body)


def wrapped_for(recipient: str) -> str:
    return f"{recipient[:8]}AAAA"  # standard base64, distinct per recipient


def share(
    shares: ShareService, owner: str, entry_id: str, recipient: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "itemType": "journal",
        "itemId": entry_id,
        "recipientId": recipient,
        "encryptedKey": wrapped_for(recipient),
        "permissions": ["read", "write"],
        **fields,
    }
    return shares.create(owner, parse(ShareCreate, body))


def listed(shares: ShareService, user: str, **query: str) -> list[dict[str, Any]]:
    found = shares.list_shares(
        user,
        item_type=query.get("itemType"),
        direction=query.get("direction"),
        include_expired=query.get("includeExpired"),
        item_id=query.get("itemId"),
    )
    assert found["count"] == len(found["shares"])
    return list(found["shares"])


def journal_list(reads: JournalReads, user: str, chosen: str) -> list[dict[str, Any]]:
    return list(reads.list_entries(user, page=Page(1, 100), filters={"filter": chosen})["entries"])


def assert_hidden(reads: JournalReads, reader: str, entry_id: str) -> None:
    with pytest.raises(NotFound) as refused:
        reads.get(reader, entry_id)
    assert refused.value.code == "ENTRY_NOT_FOUND"
    for chosen in ("shared-with-me", "all"):
        assert entry_id not in str(journal_list(reads, reader, chosen))


@contextmanager
def requests() -> Iterator[RequestLog]:
    log = RequestLog()
    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", log)
    try:
        yield log
    finally:
        events.unregister("before-call.dynamodb", log)


def test_a_share_is_one_read_and_one_transaction_and_listed_both_ways(journal, shares, reads):
    owner, friend = person(email="Ada@Example.com"), person()
    entry = encrypted_entry(journal, owner)
    with requests() as log:
        made = share(shares, owner, entry["entryId"], friend, expiresInHours=None)
    assert log.operations == ["BatchGetItem", "TransactWriteItems"]
    assert made["shareId"].startswith("share_")
    assert (made["expiresAt"], made["isEncrypted"]) == (None, True)

    [sent] = listed(shares, owner)
    [received] = listed(shares, friend, direction="received")
    assert sent == {**received, "direction": "sent"}
    assert sent["id"] == made["shareId"]
    assert (sent["ownerId"], sent["recipientId"], sent["itemId"]) == (
        owner,
        friend,
        entry["entryId"],
    )
    assert sent["ownerEmail"] == "ada@example.com"
    assert sent["recipientEmail"] is None
    assert sent["permissions"] == ["read"]  # write grants nothing: stored as read
    assert (sent["accessCount"], sent["isExpired"], sent["needsReshare"]) == (0, False, False)
    assert listed(shares, owner, direction="received") == []
    assert listed(shares, friend, direction="sent") == []
    assert listed(shares, owner, itemType="goal") == []
    assert listed(shares, owner, itemId=str(uuid.uuid4())) == []
    assert "encryptedKey" not in str(sent)

    stored = reads.get(owner, entry["entryId"])
    assert (stored["sharedWith"], stored["isShared"]) == ([friend], True)
    assert stored["version"] == entry["version"] + 1  # a stale PUT cannot write sharedWith back

    [wrapper] = journal_list(reads, owner, "shared-by-me")
    assert wrapper["isIncoming"] is False
    assert wrapper["shareInfo"]["sharedWith"] == friend
    assert wrapper["entry"]["encryptedKey"] == OWNER_KEY
    [incoming] = journal_list(reads, friend, "shared-with-me")
    assert incoming["isIncoming"] is True
    assert incoming["shareInfo"] == {
        "shareId": made["shareId"],
        "sharedAt": made["createdAt"],
        "sharedBy": "ada@example.com",
        "permissions": ["read"],
        "expiresAt": None,
    }
    assert incoming["entry"]["encryptedKey"] == wrapped_for(friend)
    assert incoming["entry"]["userId"] == owner
    assert journal_list(reads, friend, "all") == [incoming]
    assert [plain.get("entryId") for plain in journal_list(reads, owner, "all")] == [
        entry["entryId"]
    ]


def test_the_recipient_opens_it_with_the_share_key_and_nothing_of_others(journal, shares, reads):
    owner, friend, other = person(), person(), person()
    goal = wiring.goals().create(
        owner,
        parse(
            GoalCreate,
            {"title": "Read", "goalPattern": "milestone", "target": {"value": 5, "unit": "x"}},
        ),
    )
    entry = encrypted_entry(
        journal,
        owner,
        linkedGoalIds=[goal.body["goalId"]],
        goalProgress=[{"goalId": goal.body["goalId"], "progressValue": 1}],
    )
    made = share(shares, owner, entry["entryId"], friend, expiresInHours=48)
    share(shares, owner, entry["entryId"], other)

    with requests() as log:
        owners_view = reads.get(owner, entry["entryId"])
    assert log.operations == ["BatchGetItem"]  # the owner's read stays one request
    assert owners_view["encryptedKey"] == OWNER_KEY
    assert "shareAccess" not in owners_view

    with requests() as log:
        seen = reads.get(friend, entry["entryId"])
    assert log.operations == ["BatchGetItem", "BatchGetItem", "UpdateItem"]
    assert seen["encryptedKey"] == wrapped_for(friend)
    assert seen["userId"] == owner
    assert (seen["content"], seen["encryptionIv"]) == (entry["content"], entry["encryptionIv"])
    assert (seen["sharedWith"], seen["linkedGoalIds"], seen["goalProgress"]) == ([], [], [])
    assert seen["shareAccess"] == {
        "shareId": made["shareId"],
        "permissions": ["read"],
        "expiresAt": made["expiresAt"],
    }
    assert other not in str(seen)
    assert OWNER_KEY not in str(seen)
    reads.get(friend, entry["entryId"])
    [mine] = listed(shares, friend)
    assert mine["accessCount"] == 2
    # A recipient can neither change nor delete it.
    with pytest.raises(NotFound):
        journal.update(friend, entry["entryId"], parse(EntryFields, {"title": "Mine now"}))
    with pytest.raises(NotFound):
        journal.delete(friend, entry["entryId"])
    assert reads.get(owner, entry["entryId"])["title"] == "Private"


def test_revoked_by_the_owner_or_removed_by_the_recipient_grants_nothing(journal, shares, reads):
    owner, friend, other = person(), person(), person()
    entry = encrypted_entry(journal, owner)
    first = share(shares, owner, entry["entryId"], friend)
    second = share(shares, owner, entry["entryId"], other)

    with pytest.raises(NotFound):  # nobody else can revoke it, not even the other recipient
        shares.revoke(other, first["shareId"])
    with requests() as log:
        shares.revoke(owner, first["shareId"])
    assert log.operations == ["BatchGetItem", "TransactWriteItems"]
    assert_hidden(reads, friend, entry["entryId"])
    assert listed(shares, friend) == []
    with pytest.raises(NotFound) as again:
        shares.revoke(owner, first["shareId"])
    assert again.value.code == "SHARE_NOT_FOUND"

    shares.revoke(other, second["shareId"])  # the recipient removes it
    assert_hidden(reads, other, entry["entryId"])
    stored = reads.get(owner, entry["entryId"])
    assert (stored["sharedWith"], stored["isShared"]) == ([], False)
    assert stored["version"] == entry["version"] + 4
    assert listed(shares, owner) == []
    for odd in ("share_", "share_zz", "x" * 500, first["shareId"].upper()):
        with pytest.raises(NotFound):
            shares.revoke(owner, odd)


def test_an_expired_share_grants_nothing_but_the_owner_still_sees_it(journal, shares, reads):
    owner, friend = person(), person()
    entry = encrypted_entry(journal, owner)
    earlier = ShareService(ShareRepository(), now=lambda: utc_now() - timedelta(hours=2))
    made = share(earlier, owner, entry["entryId"], friend, expiresInHours=1)
    assert_hidden(reads, friend, entry["entryId"])
    assert listed(shares, friend) == []
    assert listed(shares, owner) == []
    [kept] = listed(shares, owner, includeExpired="true")
    assert (kept["id"], kept["isExpired"]) == (made["shareId"], True)
    [wrapper] = journal_list(reads, owner, "shared-by-me")
    assert wrapper["shareInfo"]["expiresAt"] == made["expiresAt"]
    shares.revoke(owner, made["shareId"])  # kept until revoked
    assert listed(shares, owner, includeExpired="true") == []


def test_an_owners_edit_marks_it_stale_and_sharing_again_replaces_it(journal, shares, reads):
    owner, friend = person(), person()
    entry = encrypted_entry(journal, owner)
    old = share(shares, owner, entry["entryId"], friend)
    reads.get(friend, entry["entryId"])
    journal.update(
        owner,
        entry["entryId"],
        parse(
            EntryFields,
            {"content": "bmV3", "wordCount": 1, "encryptedKey": "bmV3a2V5", "encryptionIv": "aQ=="},
        ),
    )
    [stale] = listed(shares, owner)
    assert stale["needsReshare"] is True
    assert reads.get(friend, entry["entryId"])["encryptedKey"] == wrapped_for(friend)

    new = share(shares, owner, entry["entryId"], friend, encryptedKey="cmV3cmFwcGVk")
    assert new["shareId"] != old["shareId"]
    [fresh] = listed(shares, owner)
    assert (fresh["id"], fresh["needsReshare"], fresh["accessCount"]) == (
        new["shareId"],
        False,
        0,
    )
    assert reads.get(friend, entry["entryId"])["encryptedKey"] == "cmV3cmFwcGVk"
    assert reads.get(owner, entry["entryId"])["sharedWith"] == [friend]
    with pytest.raises(NotFound):  # the replaced share's id names nothing any more
        shares.revoke(owner, old["shareId"])


def test_a_key_reset_of_either_party_ends_the_share(journal, shares, reads):
    owner, friend, other = person(), person(), person()
    entry = encrypted_entry(journal, owner)
    share(shares, owner, entry["entryId"], friend)
    share(shares, owner, entry["entryId"], other)
    with_keys(friend)  # the recipient set up new keys: a new key set id
    assert_hidden(reads, friend, entry["entryId"])
    assert listed(shares, friend) == []
    assert [shown["recipientId"] for shown in listed(shares, owner)] == [other]
    dynamo.client().delete_item(
        TableName=dynamo.table_name(),
        Key=dynamo.serialize({"PK": f"USER#{owner}", "SK": "ENCRYPTION_KEYS"}),
    )  # the owner deleted their keys
    assert_hidden(reads, other, entry["entryId"])
    assert listed(shares, owner) == []


def test_deleting_the_entry_deletes_its_shares(journal, shares, reads):
    owner, friend = person(), person()
    entry = encrypted_entry(journal, owner)
    made = share(shares, owner, entry["entryId"], friend)
    journal.delete(owner, entry["entryId"])
    assert dynamo.get_item(share_key(owner, entry["entryId"], friend)) is None
    # The recipient's pointer goes too: nothing in the friend's partition names the owner
    # any more (an account deletion could not find it later).
    assert dynamo.get_item(pointer_key(friend, entry["entryId"])) is None
    assert_hidden(reads, friend, entry["entryId"])
    assert listed(shares, owner, includeExpired="true") == []
    assert listed(shares, friend) == []
    with pytest.raises(NotFound):
        shares.revoke(friend, made["shareId"])


def test_a_third_user_sees_nothing(journal, shares, reads):
    owner, friend, stranger = person(), person(), person()
    entry = encrypted_entry(journal, owner)
    made = share(shares, owner, entry["entryId"], friend)
    assert_hidden(reads, stranger, entry["entryId"])
    assert listed(shares, stranger) == []
    assert journal_list(reads, stranger, "shared-by-me") == []
    with pytest.raises(NotFound):
        shares.revoke(stranger, made["shareId"])
    with pytest.raises(NotFound):  # nor share another's entry
        share(shares, stranger, entry["entryId"], friend)
    assert reads.get(owner, entry["entryId"])["sharedWith"] == [friend]


def test_what_a_share_refuses(journal, shares, reads):
    owner, friend, keyless = person(), person(), person(keys=False)
    entry = encrypted_entry(journal, owner)
    plain = dict(journal.create(owner, parse(EntryCreate, {"title": "P", "content": "x"})).body)

    def refused(entry_id: str, recipient: str, **fields: Any) -> AppError:
        with pytest.raises(AppError) as caught:
            share(shares, owner, entry_id, recipient, **fields)
        return caught.value

    assert refused(entry["entryId"], owner).status == 400  # yourself
    assert refused(entry["entryId"], keyless).code == "RECIPIENT_NOT_READY"
    assert refused(entry["entryId"], str(uuid.uuid4())).code == "RECIPIENT_NOT_READY"
    assert refused(entry["entryId"], friend, encryptedKey=None).status == 400
    assert refused(plain["entryId"], friend).status == 400  # a key for an unencrypted entry
    assert refused(str(uuid.uuid4()), friend).code == "ENTRY_NOT_FOUND"
    made = share(shares, owner, plain["entryId"], friend, encryptedKey=None)
    assert made["isEncrypted"] is False
    assert reads.get(friend, plain["entryId"])["encryptedKey"] is None
    bad_bodies: list[dict[str, Any]] = [
        {"itemType": "goal"},
        {"permissions": ["write"]},
        {"permissions": []},
        {"expiresInHours": 0},
        {"expiresInHours": 721},
        {"encryptedKey": "not base64!"},
        {"recipientId": "not-a-uuid"},
    ]
    for body in bad_bodies:
        with pytest.raises(ValidationFailed):
            parse(
                ShareCreate, {"itemType": "journal", "itemId": "x", "recipientId": friend, **body}
            )
    # Nobody but the share routes changes who it is shared with.
    with pytest.raises(ValidationFailed):
        journal.update(owner, plain["entryId"], parse(EntryFields, {"sharedWith": []}))
    journal.update(owner, plain["entryId"], parse(EntryFields, {"sharedWith": [friend]}))


def test_bad_shares_never_hide_good_ones(journal, shares, reads):
    owner, friend = person(), person()
    good = encrypted_entry(journal, owner)
    made = share(shares, owner, good["entryId"], friend)
    gone = encrypted_entry(journal, owner)
    share(shares, owner, gone["entryId"], friend)
    dynamo.client().delete_item(  # an entry gone without its shares (written before deletes)
        TableName=dynamo.table_name(),
        Key=dynamo.serialize({"PK": f"USER#{owner}", "SK": f"JOURNAL#{gone['entryId']}"}),
    )
    broken = str(uuid.uuid4())
    for item in (
        # Not shares at all, or with dates the client cannot parse.
        {**share_key(owner, broken, friend), "shareId": "share_x"},
        {
            **share_key(owner, good["entryId"], str(uuid.uuid4())),
            "shareId": "share_y",
            "itemId": good["entryId"],
            "ownerId": owner,
            "recipientId": "someone",
            "createdAt": "yesterday",
        },
        {**pointer_key(friend, broken), "ownerId": owner, "shareId": "share_x"},
        {**pointer_key(friend, str(uuid.uuid4())), "ownerId": 7},
        {**pointer_key(friend, str(uuid.uuid4())), "ownerId": owner, "shareId": "share_z"},
    ):
        dynamo.client().put_item(TableName=dynamo.table_name(), Item=dynamo.serialize(item))
    assert [shown["id"] for shown in listed(shares, friend)] == [made["shareId"]]
    assert [shown["id"] for shown in listed(shares, owner)] == [made["shareId"]]
    [incoming] = journal_list(reads, friend, "shared-with-me")
    assert incoming["shareInfo"]["shareId"] == made["shareId"]
    assert [
        wrapper["shareInfo"]["shareId"] for wrapper in journal_list(reads, owner, "shared-by-me")
    ] == [made["shareId"]]
    assert reads.get(friend, good["entryId"])["shareAccess"]["shareId"] == made["shareId"]
    assert_hidden(reads, friend, broken)


def _goals_that_complete(owner: str, first: int = 0) -> list[str]:
    goal_ids = []
    for index in range(first, first + 10):
        goal = wiring.goals().create(
            owner,
            parse(
                GoalCreate,
                {
                    "title": f"Goal {index}",
                    "goalPattern": "milestone",
                    "target": {"value": 1, "unit": "x"},
                },
            ),
        )
        goal_ids.append(goal.body["goalId"])
    return goal_ids


def test_50_recipients_of_the_largest_entry_then_its_delete_fit_in_one_transaction(
    journal, shares, reads
):
    """The delete's worst case: the entry, its stats and month stats, 10 goal links that each
    completed their goal (activity, day, goal, title lock), and 50 share items."""
    owner = person()
    goal_ids = _goals_that_complete(owner)
    entry = encrypted_entry(
        journal,
        owner,
        content="A" * 190_000,
        linkedGoalIds=goal_ids,
        goalProgress=[
            {"goalId": goal_id, "progressValue": 1, "completed": True} for goal_id in goal_ids
        ],
    )
    recipients = [person() for _ in range(MAX_RECIPIENTS)]
    for recipient in recipients:
        share(shares, owner, entry["entryId"], recipient)
    with pytest.raises(BusinessRuleViolation) as full:
        share(shares, owner, entry["entryId"], person())
    assert full.value.code == "TOO_MANY_RECIPIENTS"
    share(shares, owner, entry["entryId"], recipients[7], encryptedKey="YWdhaW4=")  # replaces
    assert len(reads.get(owner, entry["entryId"])["sharedWith"]) == MAX_RECIPIENTS
    seen = reads.get(recipients[-1], entry["entryId"])
    assert len(seen["content"]) == 190_000
    assert len(listed(shares, owner)) == MAX_RECIPIENTS

    with requests() as log:
        journal.delete(owner, entry["entryId"])
    assert log.operations.count("TransactWriteItems") == 1
    assert listed(shares, owner, includeExpired="true") == []
    for recipient in (recipients[0], recipients[-1]):
        assert_hidden(reads, recipient, entry["entryId"])


def test_the_largest_create_the_api_accepts_fits_in_one_transaction(journal):
    """The worst create: a body just under the 256 KB limit, all of it 4-byte characters (which
    a JSON record of the response would escape to 12 bytes each), 10 linked goals that each
    complete (activity, day, goal, title lock; and the quota counter), 20 tags (32 label
    pointers in all), and an idempotency record. It must be written, and replayed, in one
    transaction."""
    owner = person()
    goal_ids = _goals_that_complete(owner)
    body: dict[str, Any] = {
        "title": "🙂" * 200,
        "isEncrypted": True,
        "wordCount": 1,
        "encryptedKey": "k" * 2000,
        "encryptionIv": "i" * 2000,
        # Each tag, the mood, the template and each linked goal has a label pointer too.
        "tags": [f"{index:02d}" + "🙂" * 28 for index in range(20)],
        "mood": "🙂" * 50,
        "linkedGoalIds": goal_ids,
        "goalProgress": [
            {"goalId": goal_id, "progressValue": 1, "completed": True, "notes": "🙂" * 500}
            for goal_id in goal_ids
        ],
    }
    room = (
        MAX_BODY_BYTES - 1 - len(json.dumps({**body, "content": ""}, ensure_ascii=False).encode())
    )
    body["content"] = "🙂" * (room // 4)
    assert MAX_BODY_BYTES - 4 <= len(json.dumps(body, ensure_ascii=False).encode()) < MAX_BODY_BYTES
    with requests() as log:
        key = key_from("worst-case", owner, "POST /journal", body)
        created = journal.create(owner, parse(EntryCreate, body), idempotency=key)
        replayed = journal.create(owner, parse(EntryCreate, body), idempotency=key)
    assert replayed == created
    assert log.operations.count("TransactWriteItems") == 1
    assert all(wiring.goals().get(owner, goal_id)["status"] == "completed" for goal_id in goal_ids)


def test_an_edit_that_moves_10_completed_goal_links_and_20_tags_succeeds_with_exact_pointers(
    journal, reads
):
    """The label index's price at the extreme (README, "Label index"): an edit that moves 10
    completed goal links to 10 other goals that complete (80 items of goal links, 83 with the
    entry and its stats, as before the index) also moves 20 goal pointers and 40 tag
    pointers. It fitted before the index and must still succeed: its transaction takes the
    pointer changes that fit, and the rest are written right after it. Afterwards the
    pointers are exactly the entry's labels and each filter lists it."""
    owner = person()
    before_goals, after_goals = _goals_that_complete(owner), _goals_that_complete(owner, 10)

    def fields(goal_ids: list[str], tag: str) -> dict[str, Any]:
        return {
            "tags": [f"{tag}{index}" for index in range(20)],
            "linkedGoalIds": goal_ids,
            "goalProgress": [
                {"goalId": goal_id, "progressValue": 1, "completed": True} for goal_id in goal_ids
            ],
        }

    entry = journal.create(
        owner, parse(EntryCreate, {"title": "T", "content": "c", **fields(before_goals, "a")})
    ).body
    with requests() as log:
        edited = journal.update(
            owner, entry["entryId"], parse(EntryFields, fields(after_goals, "b"))
        )
    assert log.operations.count("TransactWriteItems") == 1
    assert reads.get(owner, entry["entryId"]) == edited
    assert edited["linkedGoalIds"] == after_goals
    assert all(
        wiring.goals().get(owner, goal_id)["status"] == "completed" for goal_id in after_goals
    )
    partition = dynamo.user_pk(owner)
    stored = dynamo.query_all(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues=dynamo.serialize({":pk": partition, ":prefix": "JLABEL#"}),
        ConsistentRead=True,
    )
    now = entry_of(dynamo.get_item({"PK": partition, "SK": f"JOURNAL#{entry['entryId']}"}) or {})
    assert {item["SK"] for item in stored} == {key["SK"] for key in labels.pointers_of(owner, now)}
    for filters in ({"tag": "B7"}, {"goalId": after_goals[9]}):
        listed = reads.list_entries(owner, page=Page(1, 20), filters=filters)
        assert [shown["entryId"] for shown in listed["entries"]] == [entry["entryId"]]
    for filters in ({"tag": "a7"}, {"goalId": before_goals[0]}):
        assert reads.list_entries(owner, page=Page(1, 20), filters=filters)["entries"] == []


def _share_after_the_first_read(
    journal: JournalService,
    shares: ShareService,
    monkeypatch: Any,
    owner: str,
    entry: Any,
    friend: str,
) -> list[str]:
    """Make the journal's next write race a share: right after it reads the entry, the owner
    shares it with `friend`. The share's id, once made."""
    read = journal._entries.load_for_write
    raced: list[str] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        context = read(*args, **kwargs)
        if not raced:
            raced.append(share(shares, owner, entry["entryId"], friend)["shareId"])
        return context

    monkeypatch.setattr(journal._entries, "load_for_write", racing)
    return raced


def test_a_share_made_while_its_entry_is_deleted_goes_with_it(journal, shares, monkeypatch, reads):
    """The delete read the entry before the share was made: its commit must not delete the
    entry with the old `sharedWith` and leave the new share behind (it reads again)."""
    owner, friend = person(), person()
    entry = encrypted_entry(journal, owner)
    raced = _share_after_the_first_read(journal, shares, monkeypatch, owner, entry, friend)
    journal.delete(owner, entry["entryId"])
    assert raced
    assert dynamo.get_item(share_key(owner, entry["entryId"], friend)) is None
    assert listed(shares, owner, includeExpired="true") == []


def test_an_edit_that_read_the_entry_before_a_share_keeps_the_share(
    journal, shares, monkeypatch, reads
):
    owner, friend = person(), person()
    entry = encrypted_entry(journal, owner)
    raced = _share_after_the_first_read(journal, shares, monkeypatch, owner, entry, friend)
    edited = journal.update(owner, entry["entryId"], parse(EntryFields, {"title": "Renamed"}))
    assert raced  # the share did land between the edit's read and its write
    assert (edited["title"], edited["sharedWith"]) == ("Renamed", [friend])
    assert reads.get(friend, entry["entryId"])["title"] == "Renamed"
    with pytest.raises(AppError) as stale:  # a client that read before the share: 412
        journal.update(owner, entry["entryId"], parse(EntryFields, {"title": "x"}), if_match='"1"')
    assert stale.value.status == 412
