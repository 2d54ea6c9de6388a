"""Index a journal written before label pointers existed (labels.py), or repair one's pointers:
give every entry the pointers it lacks, delete those no entry carries (an entry's label or
the entry itself gone), then mark the journal indexed, so its filtered lists read a page,
not everything. scripts/backfill_journal_labels.py runs it for every journal that is not
marked yet, or for those it is told to repair; running it again is harmless (it writes only
what differs).

What it repairs: an entry write stages its pointer changes last in its transaction, as far
as they fit, and writes the rest right after the commit (labels.py); a crash in between, or
an edit racing those writes, can leave a pointer missing (that entry is absent from the
label's filtered list) or stale (reads skip it). Journals from before the index miss all.

It runs beside live writes. Each entry's repair is a transaction conditioned on the version
read (or, for pointers whose entry was not found, on the entry's absence), so an edit that
commits in between makes it read the entry again, and a delete leaves its pointers to be
deleted as stale. Entries written meanwhile get their pointers from the write itself, and an
entry not reached yet may hold some of its pointers (those its edits added) until it is: the
mark is set only after every entry was given all of its own.
"""

from collections import defaultdict
from dataclasses import dataclass

from botocore.exceptions import ClientError

from chalicelib.core import dynamo
from chalicelib.core.dynamo import MAX_TRANSACTION_ITEMS, Transaction
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.unit_of_work import run_write
from chalicelib.journal import labels
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.keys import ENTRY_PREFIX, STATS_SK, entry_key, stats_key
from chalicelib.journal.repository import JournalRepository, entry_of


@dataclass
class Backfilled:
    entries: int = 0
    pointers: int = 0  # put (missing)
    removed: int = 0  # deleted (stale)
    skipped: int = 0  # deleted while being indexed
    unfinished: int = 0  # changed on every attempt of the unit of work: left unmarked

    @property
    def marked(self) -> bool:
        return self.unfinished == 0


def index_journal(user_id: str) -> Backfilled:
    done = Backfilled()
    pointed = _pointers_by_entry(user_id)
    for page in dynamo.query_pages(
        **dynamo.sort_key_range(dynamo.user_pk(user_id), ENTRY_PREFIX, STATS_SK),
        ConsistentRead=True,
    ):
        for item in page:
            if str(item["SK"]).startswith(ENTRY_PREFIX):
                entry = entry_of(item)
                _index_entry(
                    user_id, entry.entry_id, entry, pointed.pop(entry.entry_id, set()), done
                )
    for entry_id, existing in pointed.items():  # no entry read: deleted, or written since
        _index_entry(user_id, entry_id, None, existing, done)
    if done.marked:
        _mark(user_id)
    return done


def _pointers_by_entry(user_id: str) -> dict[str, set[str]]:
    """The sort keys of the journal's label pointers, by the entry each points at."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for page in dynamo.query_pages(
        **dynamo.sort_key_range(
            dynamo.user_pk(user_id), labels.LABEL_PREFIX, f"{labels.LABEL_PREFIX}{dynamo.KEY_END}"
        ),
        ConsistentRead=True,
    ):
        for item in page:
            found[labels.entry_id_of(str(item["SK"]))].add(str(item["SK"]))
    return found


def _index_entry(
    user_id: str,
    entry_id: str,
    read: JournalEntry | None,
    existing: set[str],
    done: Backfilled,
) -> None:
    """Put the pointers an entry lacks and delete those it does not carry (`existing`: the
    sort keys of the pointers at it, as read), in one unit of work conditioned on the entry
    as read (`read`; None: not found, then every pointer at it is stale): a lost race reads
    it again. An entry deleted meanwhile is skipped; its pointers are stale on the next run."""
    first = [read]

    def attempt(tx: Transaction) -> tuple[int, int, bool] | None:
        entry = first.pop() if first else JournalRepository().entry(user_id, entry_id)
        if entry is None and read is not None:
            return None
        wanted = {key["SK"]: key for key in labels.pointers_of(user_id, entry)} if entry else {}
        puts = [key for sk, key in wanted.items() if sk not in existing]
        deletes = [
            {"PK": dynamo.user_pk(user_id), "SK": sk} for sk in sorted(existing - set(wanted))
        ]
        if not puts and not deletes:
            return 0, 0, True
        if entry is None:
            tx.check("entry", entry_key(user_id, entry_id), "attribute_not_exists(PK)")
        else:
            tx.check(
                "entry",
                entry_key(user_id, entry_id),
                "#version = :version",
                names={"#version": "version"},
                values={":version": entry.version},
            )
        room = MAX_TRANSACTION_ITEMS - tx.item_count  # the rest on the next run
        staged_puts, staged_deletes = puts[:room], deletes[: max(0, room - len(puts))]
        for key in staged_puts:
            tx.put("journal-label", key)
        for key in staged_deletes:
            tx.delete("journal-label", key)
        complete = len(staged_puts) + len(staged_deletes) == len(puts) + len(deletes)
        return len(staged_puts), len(staged_deletes), complete

    try:
        indexed = run_write(attempt)
    except ServiceUnavailable:  # changed on every attempt
        done.unfinished += 1
        return
    if indexed is None:
        done.skipped += 1
        return
    put, removed, complete = indexed
    done.entries += read is not None
    done.pointers += put
    done.removed += removed
    done.unfinished += not complete


def _mark(user_id: str) -> None:
    """Mark the journal indexed, when its stats item exists (it has, or had, entries; a user
    named to the script who never wrote one gets none)."""
    try:
        dynamo.client().update_item(
            TableName=dynamo.table_name(),
            Key=dynamo.serialize(stats_key(user_id)),
            UpdateExpression="SET #indexed = :indexed",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#indexed": labels.INDEXED},
            ExpressionAttributeValues=dynamo.serialize({":indexed": True}),
        )
    except ClientError as failure:
        if failure.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
