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
the entry's own transaction (a delete: as many as fit, the rest right after, see
`stage_removal`), beside the stats counters of the same labels (stats.py), so a
label's counter is the number of its pointers: the filtered list's total. A journal whose
entries were all written with pointers says so on its main stats item (`labelsIndexed`): a
journal's first entry sets it; journals older than the index are marked by
scripts/backfill_journal_labels.py once every entry has its pointers, and are filtered by a
full read until then (search.py).

Pointers sort after `JOURNALSTATS#...` (`JL` > `JO`), outside every `JOURNAL#` range; they
carry no change stamp (GET /sync never shows them), exports read only `JOURNAL#` items, and
the account eraser deletes them with the rest of the partition.
"""

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


def stage_pointers(
    tx: Transaction, user_id: str, old: JournalEntry | None, new: JournalEntry | None
) -> None:
    """Put the pointers of the labels `new` adds and delete those `old` loses (None: absent).
    `createdAt` never changes, so a kept label's pointer stays as it is."""
    before, after = labels_of(old), labels_of(new)
    if old is not None:
        for label in sorted(before - after, key=_order):
            tx.delete("journal-label", label.pointer_key(user_id, old))
    if new is not None:
        for label in sorted(after - before, key=_order):
            tx.put("journal-label", label.pointer_key(user_id, new))


def stage_removal(tx: Transaction, user_id: str, old: JournalEntry) -> list[dict[str, str]]:
    """Delete a deleted entry's pointers in its transaction as far as they fit (a delete
    with 10 completed goal links and 50 shares nearly fills one); the keys of the rest, which
    the caller deletes right after the commit. One a crash leaves behind points at no entry:
    reads skip it."""
    keys = pointers_of(user_id, old)
    room = max(0, MAX_TRANSACTION_ITEMS - tx.item_count)
    for key in keys[:room]:
        tx.delete("journal-label", key)
    return keys[room:]


def pointers_of(user_id: str, entry: JournalEntry) -> list[dict[str, str]]:
    """Every pointer `entry` has (the backfill puts them)."""
    return [label.pointer_key(user_id, entry) for label in sorted(labels_of(entry), key=_order)]


def entry_id_of(pointer_sk: str) -> str:
    return pointer_sk.rsplit("#", 1)[1]


def _order(label: Label) -> tuple[str, str]:
    return label.kind, label.value
