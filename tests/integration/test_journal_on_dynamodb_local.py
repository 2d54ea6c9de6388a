"""The journal on DynamoDB Local: stats across days and time zones as entries come, change and
go; goal progress following linked entries; one request per read; the entry quota."""

import uuid
from typing import Any

import pytest

from chalicelib.core import dynamo
from chalicelib.core.http import Page
from chalicelib.core.validation import parse
from chalicelib.goals.service import GoalService
from chalicelib.journal.models import EntryFields
from chalicelib.journal.reads import JournalReads
from chalicelib.journal.service import JournalService
from tests.helpers import Clock, RequestLog, journal_and_goal_services, journal_reads, written_entry

LOS_ANGELES = "America/Los_Angeles"


@pytest.fixture
def clock() -> Clock:
    return Clock("2026-11-20T18:00:00")  # a Friday; 10:00 in Los Angeles


@pytest.fixture
def services(stack_env, clock) -> tuple[JournalService, GoalService]:
    return journal_and_goal_services(clock)


@pytest.fixture
def reads(stack_env, clock) -> JournalReads:
    return journal_reads(clock)


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


def test_reads_are_one_request_each(services, user, reads):
    journal, _ = services
    entry = written_entry(journal, user, LOS_ANGELES, tags=["a"])
    log = RequestLog()
    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", log)
    try:
        reads.get(user, entry["entryId"])
        # The entry with the pointer and key record a recipient's read would need, together.
        assert log.operations == ["BatchGetItem"]
        log.operations.clear()
        listed = reads.list_entries(user, page=Page(1, 20), filters={})
        assert log.operations == ["Query"]
        assert listed["total"] == 1
        log.operations.clear()
        reads.stats(user)
        assert log.operations == ["Query"]  # the main stats item and its month items
    finally:
        events.unregister("before-call.dynamodb", log)


def test_changing_an_entry_without_goal_links_reads_once(services, user):
    journal, _ = services
    entry = written_entry(journal, user, LOS_ANGELES)
    log = RequestLog()
    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", log)
    try:
        journal.update(user, entry["entryId"], parse(EntryFields, {"mood": "calm"}))
        assert log.operations == ["BatchGetItem", "TransactWriteItems"]
        log.operations.clear()
        journal.delete(user, entry["entryId"])
        assert log.operations == ["BatchGetItem", "TransactWriteItems"]
    finally:
        events.unregister("before-call.dynamodb", log)


def _measured(reads: JournalReads, user: str, page: Page, filters: dict[str, str]) -> Any:
    from bench.meter import Meter

    meter = Meter(dynamo.client())
    try:
        with meter.measuring() as usage:
            listed = reads.list_entries(user, page=page, filters=filters)
    finally:
        meter.close()
    return listed, usage


def test_listing_costs_what_the_page_holds_on_dynamodb_local(services, user, reads):
    """Issue 15: the web client's list of 100 whole entries costs at most the older system's
    12 RCU (compact items, read eventually consistent), and a list filtered by one label
    costs the same at 10 entries and at 100 (its pointers, then the page's entries)."""
    from bench.run import _entry_body

    journal, _ = services
    costs: dict[int, dict[str, float]] = {}
    written = 0
    for size in (10, 100):
        for index in range(written, size):
            written_entry(journal, user, LOS_ANGELES, **_entry_body(index))
        written = size
        listed, usage = _measured(reads, user, Page(1, 100), {})
        assert (len(listed["entries"]), usage.operations) == (size, ["Query"])
        costs[size] = {"web": usage.rcu}
        for name, filters, page in (
            ("tag", {"tag": "RARE"}, Page(1, 1)),
            ("mood", {"mood": "calm"}, Page(1, 3)),
        ):
            listed, usage = _measured(reads, user, page, filters)
            assert len(listed["entries"]) == page.limit
            assert usage.operations == ["GetItem", "Query", "BatchGetItem"]
            costs[size][name] = usage.rcu
    assert listed["total"] == 33  # every third of 100 entries is calm
    assert costs[100]["web"] <= 12, costs
    assert costs[10]["tag"] == costs[100]["tag"], costs
    assert costs[10]["mood"] == costs[100]["mood"], costs


def test_an_entry_write_changes_only_the_pointers_of_the_labels_it_changes(services, user):
    """The label index's price (README, "Label index"): a bench entry (two tags, a mood, a
    template) puts four pointers in its transaction; an edit of one tag deletes one and puts
    one; an edit of its text touches none."""
    from bench.run import _entry_body

    journal, _ = services
    written_entry(journal, user, LOS_ANGELES, **_entry_body(1))  # the stats items exist
    sent: list[list[str]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        bodies = [next(iter(item.values())) for item in params["TransactItems"]]
        sent.append([str((body.get("Key") or body["Item"])["SK"]["S"]) for body in bodies])

    events = dynamo.client().meta.events
    events.register("provide-client-params.dynamodb.TransactWriteItems", record)
    try:
        entry = written_entry(journal, user, LOS_ANGELES, **_entry_body(2))
        journal.update(user, entry["entryId"], parse(EntryFields, {"tags": ["bench", "other"]}))
        journal.update(user, entry["entryId"], parse(EntryFields, {"content": "<p>new</p>"}))
        journal.delete(user, entry["entryId"])
    finally:
        events.unregister("provide-client-params.dynamodb.TransactWriteItems", record)
    pointers = [[sk for sk in keys if sk.startswith("JLABEL#")] for keys in sent]
    assert [len(found) for found in pointers] == [4, 2, 0, 4]
    assert {sk.split("#")[2] for sk in pointers[1]} == {"tag2", "other"}


def test_the_backfill_script_indexes_a_journal_from_before_the_index(services, user, reads):
    """scripts/backfill_journal_labels.py on DynamoDB Local: a journal stored as before the
    index (no pointers, no mark) is listed by a full read; the dry run writes nothing; the
    run gives every entry its pointers and marks the journal, whose filtered lists then read
    a page."""
    from chalicelib.journal import labels
    from chalicelib.journal.keys import stats_key
    from chalicelib.journal.repository import entry_of
    from scripts import backfill_journal_labels

    journal, _ = services
    for tags in (["calm"], ["Calm", "x"], []):
        written_entry(journal, user, LOS_ANGELES, tags=tags, mood="ok")
    partition = dynamo.user_pk(user)

    def items(prefix: str) -> list[dict[str, Any]]:
        return dynamo.query_all(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=dynamo.serialize({":pk": partition, ":prefix": prefix}),
            ConsistentRead=True,
        )

    expected = {
        pointer["SK"]
        for item in items("JOURNAL#")
        for pointer in labels.pointers_of(user, entry_of(item))
    }
    assert {item["SK"] for item in items(labels.LABEL_PREFIX)} == expected
    dynamo.delete_keys([{"PK": partition, "SK": sk} for sk in expected])
    dynamo.client().update_item(
        TableName=dynamo.table_name(),
        Key=dynamo.serialize(stats_key(user)),
        UpdateExpression="REMOVE labelsIndexed",
    )
    assert reads.list_entries(user, page=Page(1, 20), filters={"tag": "calm"})["total"] == 2

    assert backfill_journal_labels.backfill(dry_run=True)["journals"] >= 1
    assert items(labels.LABEL_PREFIX) == []
    report = backfill_journal_labels.backfill(dry_run=False)

    assert report["unfinished"] == []
    assert {item["SK"] for item in items(labels.LABEL_PREFIX)} == expected
    assert (dynamo.get_item(stats_key(user)) or {}).get(labels.INDEXED) is True
    assert user not in set(backfill_journal_labels.unindexed_journals())
    listed, usage = _measured(reads, user, Page(1, 20), {"tag": "calm"})
    assert (listed["total"], usage.operations) == (2, ["GetItem", "Query", "BatchGetItem"])

    # What a crash between an edit's commit and its leftover pointer changes can leave: a
    # pointer missing and one stale. The marked journal is repaired when named (or `--all`).
    missing = min(sk for sk in expected if "#tag#calm#" in sk)
    stale = missing.replace("#tag#calm#", "#tag#stale#")
    dynamo.delete_keys([{"PK": partition, "SK": missing}])
    dynamo.put_items([{"PK": partition, "SK": stale}])
    report = backfill_journal_labels.backfill(dry_run=False, users=[user])
    assert (report["pointers"], report["removed"], report["unfinished"]) == (1, 1, [])
    assert {item["SK"] for item in items(labels.LABEL_PREFIX)} == expected
