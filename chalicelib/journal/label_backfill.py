"""Index a journal written before label pointers existed (labels.py): give every entry its
pointers, then mark the journal indexed, so its filtered lists read a page, not everything.
scripts/backfill_journal_labels.py runs it for every journal that is not marked yet; running
it again is harmless (a pointer put twice is the same item).

It runs beside live writes. Each entry's pointers are put in a transaction conditioned on the
version read, so an edit that commits in between makes it read the entry again, and a delete
makes it skip the entry (the transaction fails whole: no pointer outlives it). Entries written
meanwhile get their pointers from the write itself (every write stages the pointers it adds),
and an entry not reached yet may hold some of its pointers (those its edits added) until it
is: the mark is set only after every entry was given all of its own.
"""

from dataclasses import dataclass

from chalicelib.core import dynamo
from chalicelib.core.dynamo import Transaction
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.unit_of_work import run_write
from chalicelib.journal import labels
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.keys import ENTRY_PREFIX, STATS_SK, entry_key, stats_key
from chalicelib.journal.repository import entry_of


@dataclass
class Backfilled:
    entries: int = 0
    pointers: int = 0
    skipped: int = 0  # deleted while being indexed
    unfinished: int = 0  # changed on every attempt of the unit of work: left unmarked

    @property
    def marked(self) -> bool:
        return self.unfinished == 0


def index_journal(user_id: str) -> Backfilled:
    done = Backfilled()
    for page in dynamo.query_pages(
        **dynamo.sort_key_range(dynamo.user_pk(user_id), ENTRY_PREFIX, STATS_SK),
        ConsistentRead=True,
    ):
        for item in page:
            if str(item["SK"]).startswith(ENTRY_PREFIX):
                _index_entry(user_id, entry_of(item), done)
    if done.marked:
        _mark(user_id)
    return done


def _index_entry(user_id: str, read: JournalEntry, done: Backfilled) -> None:
    """One entry's pointers, in one unit of work: a lost race (the entry changed since it
    was read) reads it again; an entry deleted meanwhile is skipped."""
    first = [read]

    def attempt(tx: Transaction) -> int | None:
        entry = first.pop() if first else _entry(user_id, read.entry_id)
        if entry is None:
            return None
        tx.check(
            "entry",
            entry_key(user_id, entry.entry_id),
            "#version = :version",
            names={"#version": "version"},
            values={":version": entry.version},
        )
        pointers = labels.pointers_of(user_id, entry)
        for pointer in pointers:
            tx.put("journal-label", pointer)
        return len(pointers)

    try:
        indexed = run_write(attempt)
    except ServiceUnavailable:  # changed on every attempt
        done.unfinished += 1
        return
    if indexed is None:
        done.skipped += 1
    else:
        done.entries += 1
        done.pointers += indexed


def _entry(user_id: str, entry_id: str) -> JournalEntry | None:
    found = dynamo.get_item(entry_key(user_id, entry_id))
    return None if found is None else entry_of(found)


def _mark(user_id: str) -> None:
    """Mark the journal indexed (its stats item exists: it has, or had, entries)."""
    dynamo.client().update_item(
        TableName=dynamo.table_name(),
        Key=dynamo.serialize(stats_key(user_id)),
        UpdateExpression="SET #indexed = :indexed",
        ExpressionAttributeNames={"#indexed": labels.INDEXED},
        ExpressionAttributeValues=dynamo.serialize({":indexed": True}),
    )
