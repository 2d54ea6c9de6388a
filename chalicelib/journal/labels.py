"""The journal's label index: one small pointer item per label of an entry, so a list filtered
by one tag, mood, template or linked goal reads the pointers of one page, not the journal.

| item | PK | SK |
|---|---|---|
| label pointer | `USER#{userId}` | `JLABEL#{kind}#{value}#{createdAt}#{entryId}` (keys only) |

`kind` is `tag` (the tag lower-cased: the filter ignores case), `mood`, `template` or `goal`
(a linked goal id); `value` is percent-encoded, so a `#` in a tag cannot reach into the next
field. Within one label the pointers sort by `createdAt`: read backwards they are the label's
entries newest first, as the list shows them.

Every entry write changes the pointers of the labels it adds or removes (never the others) in
the entry's own transaction, as many as fit, and the rest right after it (`stage_changes`),
whose stats counters (stats.py) change in the transaction, so a label's counter is the
number of entries that carry it: the filtered list's total. A journal whose
entries were all written with pointers says so on its main stats item (`labelsIndexed`): a
journal's first entry sets it; journals older than the index are marked by
scripts/backfill_journal_labels.py once every entry has its pointers, and are filtered by a
full read until then (search.py).

Pointers sort after `JOURNALSTATS#...` (`JL` > `JO`), outside every `JOURNAL#` range; they
carry no change stamp (GET /sync never shows them), exports read only `JOURNAL#` items, and
the account eraser deletes them with the rest of the partition.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from chalicelib.core import dynamo
from chalicelib.core.dynamo import MAX_TRANSACTION_ITEMS, Transaction
from chalicelib.journal.entry import JournalEntry

LABEL_PREFIX = "JLABEL#"
INDEXED = "labelsIndexed"  # on the main stats item: every entry has its pointers
# The query parameter of `GET /journal` each kind answers, and its stats counter's prefix.
KINDS = {"tag": "tag", "mood": "mood", "template": "template", "goalId": "goal"}


@dataclass(frozen=True)
class Label:
    kind: str  # tag, mood, template or goal
    value: str

    @property
    def prefix(self) -> str:
        """The sort key prefix of this label's pointers (ends with `#`)."""
        return f"{LABEL_PREFIX}{self.kind}#{quote(self.value, safe='')}#"

    def pointer_key(self, user_id: str, entry: JournalEntry) -> dict[str, str]:
        return {
            "PK": dynamo.user_pk(user_id),
            "SK": f"{self.prefix}{entry.created_at}#{entry.entry_id}",
        }


def labels_of(entry: JournalEntry | None) -> set[Label]:
    """The labels a filter finds an entry by (what search.py's criteria compare)."""
    if entry is None:
        return set()
    found = {Label("template", entry.template)}
    found |= {Label("tag", tag.lower()) for tag in entry.tags}
    found |= {Label("goal", goal_id) for goal_id in entry.linked_goal_ids}
    if entry.mood:
        found.add(Label("mood", entry.mood))
    return found


@dataclass(frozen=True)
class Leftover:
    """The pointer changes an entry's transaction had no room for: `write_leftover` writes
    them right after it commits."""

    puts: tuple[dict[str, str], ...] = ()
    deletes: tuple[dict[str, str], ...] = ()


def stage_changes(
    tx: Transaction, user_id: str, old: JournalEntry | None, new: JournalEntry | None
) -> Leftover:
    """Put the pointers of the labels `new` adds and delete those `old` loses (None: absent),
    staged last in the entry's transaction, as many as fit beside the rest (DynamoDB's 100
    items: a delete with 10 completed goal links and 50 shares nearly fills one, and so does
    an edit that moves 10 completed goal links); the rest is returned for `write_leftover`.
    Puts take the room first: a put that waits is an entry missing from its label's list
    until it is written, a delete that waits only a stale pointer, which reads skip (they
    check every entry they fetch against the filter). `createdAt` never changes, so a kept
    label's pointer stays as it is."""
    before, after = labels_of(old), labels_of(new)
    puts = [] if new is None else _keys(user_id, new, after - before)
    deletes = [] if old is None else _keys(user_id, old, before - after)
    room = max(0, MAX_TRANSACTION_ITEMS - tx.item_count)
    staged_puts, staged_deletes = puts[:room], deletes[: max(0, room - len(puts))]
    for key in staged_puts:
        tx.put("journal-label", key)
    for key in staged_deletes:
        tx.delete("journal-label", key)
    return Leftover(
        puts=tuple(puts[len(staged_puts) :]), deletes=tuple(deletes[len(staged_deletes) :])
    )


def write_leftover(
    user_id: str, leftover: Leftover, reread: Callable[[], JournalEntry | None]
) -> None:
    """Write what `stage_changes` left, after the entry's transaction committed. An edit
    that commits in between may give the entry back a label whose pointer this deletes: the
    entry is read again (`reread`, strongly consistent) after the deletes, and the pointers
    of the labels it carries again are put back. A put that lands after a later edit removed
    its label, or a crash before this ends, leaves a pointer stale (reads skip it) or one
    missing (its entry is absent from that label's list): scripts/backfill_journal_labels.py
    repairs both."""
    dynamo.put_items(list(leftover.puts))
    dynamo.delete_keys(list(leftover.deletes))
    if leftover.deletes:
        entry = reread()
        carried = {key["SK"] for key in pointers_of(user_id, entry)} if entry else set()
        dynamo.put_items([key for key in leftover.deletes if key["SK"] in carried])


def pointers_of(user_id: str, entry: JournalEntry) -> list[dict[str, str]]:
    """Every pointer `entry` has (the backfill puts them)."""
    return _keys(user_id, entry, labels_of(entry))


def _keys(user_id: str, entry: JournalEntry, chosen: set[Label]) -> list[dict[str, str]]:
    return [label.pointer_key(user_id, entry) for label in sorted(chosen, key=_order)]


def entry_id_of(pointer_sk: str) -> str:
    return pointer_sk.rsplit("#", 1)[1]


def _order(label: Label) -> tuple[str, str]:
    return label.kind, label.value
