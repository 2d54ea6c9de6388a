"""The label index (journal/labels.py) on random journals: after random creates, edits and
deletes, the pointers are exactly those of the live entries' labels, and a list filtered by
one tag, mood, template or goal, read through them, equals today's full read and filter (the
oracle: search.py with the index path switched off) on every page. A journal from before the
index is filtered by the full read until the backfill (journal/label_backfill.py) marks it."""

import random
import time
import uuid
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.dynamo import MAX_TRANSACTION_ITEMS, Transaction
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.http import Page
from chalicelib.core.validation import parse
from chalicelib.journal import label_backfill, labels, search
from chalicelib.journal.keys import stats_key
from chalicelib.journal.models import EntryFields
from chalicelib.journal.repository import JournalRepository, entry_of
from tests.helpers import new_goal, written_entry

TAGS = ("Run", "run", "sleep", "a#b", "Café", "rare")
MOODS = ("happy", "tired", "Happy")
TEMPLATES = ("blank", "gratitude", "daily_reflection")
TITLES = ("Run day", "Quiet", "walked far", "E", "Rare find")
PAGES = (Page(1, 1), Page(1, 2), Page(2, 2), Page(3, 2), Page(1, 5), Page(2, 5), Page(1, 20))


@pytest.fixture
def user(table) -> str:
    return str(uuid.uuid4())


def _fields(rng: random.Random, goal_ids: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": rng.choice(TITLES),
        "content": f"<p>{rng.choice(TITLES)} <em>{rng.choice(TITLES)}</em></p>",
        "tags": rng.sample(TAGS[:-1], rng.randint(0, 3)) + (["rare"] if rng.random() < 0.1 else []),
        "template": rng.choice(TEMPLATES),
        "linkedGoalIds": rng.sample(goal_ids, rng.randint(0, len(goal_ids))),
    }
    mood = rng.choice((None, *MOODS))
    if mood or rng.random() < 0.5:
        fields["mood"] = mood
    return fields


def _random_journal(rng: random.Random, user: str, goal_ids: list[str], steps: int) -> None:
    journal, live = wiring.journal(), list[str]()
    for _ in range(steps):
        action = rng.random()
        if not live or action < 0.5:
            created = written_entry(journal, user, **_fields(rng, goal_ids))
            live.append(created["entryId"])
            time.sleep(0.002)  # now and then two share a millisecond: the order still holds
        elif action < 0.85:
            journal.update(user, rng.choice(live), parse(EntryFields, _fields(rng, goal_ids)))
        else:
            gone = live.pop(rng.randrange(len(live)))
            journal.delete(user, gone)


def _pointers(table, user: str) -> set[str]:
    return {
        item["SK"]
        for item in table.partition(dynamo.user_pk(user))
        if item["SK"].startswith(labels.LABEL_PREFIX)
    }


def _expected_pointers(table, user: str) -> set[str]:
    return {
        pointer["SK"]
        for item in table.partition(dynamo.user_pk(user))
        if item["SK"].startswith("JOURNAL#")
        for pointer in labels.pointers_of(user, entry_of(item))
    }


def _listed(user: str, page: Page, filters: dict[str, str]) -> dict[str, Any]:
    return wiring.journal_reads().list_entries(user, page=page, filters=filters)


def _oracle(monkeypatch, user: str, page: Page, filters: dict[str, str]) -> dict[str, Any]:
    with monkeypatch.context() as patched:
        patched.setattr(search, "_labelled_page", lambda *args: None)
        return _listed(user, page, filters)


def _queries(goal_ids: list[str]) -> list[dict[str, str]]:
    return [
        *({"tag": tag} for tag in (*TAGS, " RUN ", "CAFÉ", "none")),
        *({"mood": mood} for mood in (*MOODS, "none")),
        *({"template": template} for template in TEMPLATES),
        *({"goalId": goal_id} for goal_id in (*goal_ids, str(uuid.uuid4()))),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_filtered_lists_through_the_index_equal_the_full_read(table, user, monkeypatch, seed):
    rng = random.Random(seed)
    goal_ids = [new_goal(user)["goalId"] for _ in range(2)]
    _random_journal(rng, user, goal_ids, steps=40)
    assert _pointers(table, user) == _expected_pointers(table, user)
    # Keys only: no change stamp (GET /sync never lists them), nothing of the entry's text.
    assert {
        tuple(sorted(item))
        for item in table.partition(dynamo.user_pk(user))
        if item["SK"].startswith(labels.LABEL_PREFIX)
    } == {("PK", "SK")}
    reads: list[str] = []
    whole = JournalRepository.all_entries

    def counted(self: JournalRepository, user_id: str) -> Any:
        reads.append(user_id)
        return whole(self, user_id)

    monkeypatch.setattr(JournalRepository, "all_entries", counted)
    for filters in _queries(goal_ids):
        for page in PAGES:
            reads.clear()
            indexed = _listed(user, page, filters)
            assert reads == [], "an indexed journal's one-label filter reads no whole journal"
            assert indexed == _oracle(monkeypatch, user, page, filters), (filters, page)
            assert reads == [user]  # the oracle did read it whole


def _combinations(goal_ids: list[str]) -> list[dict[str, str]]:
    """Several parameters: driven by the rarest label when it is rare enough, else read
    whole; either way the same answer."""
    return [
        {"tag": "rare", "mood": "happy"},
        {"tag": "RARE", "q": "a"},
        {"tag": "rare", "template": "gratitude", "q": "run"},
        {"tag": "run", "mood": "tired"},
        {"mood": "Happy", "template": "blank"},
        {"goalId": goal_ids[0], "q": "quiet"},
        {"tag": "rare", "from": "2000-01-01"},
        {"tag": "rare", "to": "2000-01-01"},
        {"template": "daily_reflection", "q": "em"},  # markup is not text
    ]


@pytest.mark.parametrize("seed", range(6))
def test_combined_filters_equal_the_full_read(table, user, monkeypatch, seed):
    rng = random.Random(1000 + seed)
    goal_ids = [new_goal(user)["goalId"] for _ in range(2)]
    _random_journal(rng, user, goal_ids, steps=60)
    reads: list[str] = []
    whole = JournalRepository.all_entries

    def counted(self: JournalRepository, user_id: str) -> Any:
        reads.append(user_id)
        return whole(self, user_id)

    monkeypatch.setattr(JournalRepository, "all_entries", counted)
    through_the_index = 0
    for filters in _combinations(goal_ids):
        for page in PAGES:
            reads.clear()
            indexed = _listed(user, page, filters)
            through_the_index += not reads
            assert indexed == _oracle(monkeypatch, user, page, filters), (filters, page)
    assert through_the_index > 0
    with pytest.raises(ValidationFailed):
        _listed(user, PAGES[0], {"tag": "rare", "from": "not a date"})


def test_a_journal_from_before_the_index_is_read_whole_until_the_backfill(table, user, monkeypatch):
    rng = random.Random(99)
    goal_ids = [new_goal(user)["goalId"]]
    _random_journal(rng, user, goal_ids, steps=25)
    # As journals were stored before the index: no pointers, no mark.
    partition = dynamo.user_pk(user)
    for item in table.partition(partition):
        if item["SK"].startswith(labels.LABEL_PREFIX):
            del table.items[(partition, item["SK"])]
    del table.items[(partition, stats_key(user)["SK"])][labels.INDEXED]
    # An edit before the backfill adds only the pointers of the labels it adds.
    some = next(item for item in table.partition(partition) if item["SK"].startswith("JOURNAL#"))
    wiring.journal().update(user, some["entryId"], parse(EntryFields, {"tags": ["fresh"]}))
    assert _pointers(table, user) == {
        pointer for pointer in _expected_pointers(table, user) if "#tag#fresh#" in pointer
    }
    for filters in _queries(goal_ids):
        assert _listed(user, Page(1, 3), filters) == _oracle(monkeypatch, user, Page(1, 3), filters)

    done = label_backfill.index_journal(user)

    assert done.marked
    assert done.skipped == 0
    assert _pointers(table, user) == _expected_pointers(table, user)
    assert table.items[(partition, stats_key(user)["SK"])][labels.INDEXED] is True
    for filters in _queries(goal_ids):
        for page in PAGES:
            assert _listed(user, page, filters) == _oracle(monkeypatch, user, page, filters)
    # Running it again changes nothing.
    before = dict(table.items)
    assert label_backfill.index_journal(user).marked
    assert {key: item for key, item in table.items.items() if key[1] != stats_key(user)["SK"]} == {
        key: item for key, item in before.items() if key[1] != stats_key(user)["SK"]
    }


def test_the_backfill_reads_an_entry_edited_meanwhile_again(table, user):
    written_entry(wiring.journal(), user, title="E", tags=["old"])
    partition = dynamo.user_pk(user)
    [entry] = [item for item in table.partition(partition) if item["SK"].startswith("JOURNAL#")]
    for item in table.partition(partition):
        if item["SK"].startswith(labels.LABEL_PREFIX):
            del table.items[(partition, item["SK"])]
    stale = entry_of(entry)
    wiring.journal().update(user, stale.entry_id, parse(EntryFields, {"tags": ["new"]}))
    done = label_backfill.Backfilled()

    # Read before the edit committed, when the entry had no pointers.
    label_backfill._index_entry(user, stale.entry_id, stale, set(), done)

    assert (done.entries, done.unfinished) == (1, 0)
    assert _pointers(table, user) == _expected_pointers(table, user)
    assert not any("#tag#old#" in pointer for pointer in _pointers(table, user))


def _many_labels(user: str, tag: str) -> Any:
    return entry_of(
        {
            "entryId": "0190a000-0000-7000-8000-000000000001",
            "userId": user,
            "title": "T",
            "content": "c",
            "createdAt": "2026-03-04T20:00:00.000Z",
            "tags": [f"{tag}{index}" for index in range(9)],  # with the template: 10 labels
        }
    )


def _nearly_full(free: int) -> Transaction:
    tx = Transaction()
    for index in range(MAX_TRANSACTION_ITEMS - free):
        tx.put("filler", {"PK": "X", "SK": str(index)})
    return tx


def test_a_delete_removes_the_pointers_that_fit_and_returns_the_rest(table, user):
    entry = _many_labels(user, "t")
    tx = _nearly_full(4)

    left = labels.stage_changes(tx, user, entry, None)

    assert tx.item_count == MAX_TRANSACTION_ITEMS
    assert left == labels.Leftover(deletes=tuple(labels.pointers_of(user, entry)[4:]))


def test_an_edit_stages_the_puts_first_and_returns_what_does_not_fit(table, user):
    """Puts take the room first: a put that waits hides an entry from its label's list, a
    delete that waits only leaves a pointer that reads skip."""
    old, new = _many_labels(user, "a"), _many_labels(user, "b")
    added = [key for key in labels.pointers_of(user, new) if "#tag#b" in key["SK"]]
    removed = [key for key in labels.pointers_of(user, old) if "#tag#a" in key["SK"]]
    for free, puts_left, deletes_left in ((20, 0, 0), (12, 0, 6), (4, 5, 9)):
        tx = _nearly_full(free)

        left = labels.stage_changes(tx, user, old, new)

        assert tx.item_count == MAX_TRANSACTION_ITEMS - free + 18 - puts_left - deletes_left
        assert left == labels.Leftover(
            puts=tuple(added[len(added) - puts_left :] if puts_left else ()),
            deletes=tuple(removed[len(removed) - deletes_left :] if deletes_left else ()),
        )


def test_leftover_deletes_put_back_a_label_an_edit_gave_back_meanwhile(table, user):
    """The entry's later edit committed between the commit and the leftover's deletes and
    carries `a0` again: its pointer must stay; the others are deleted, the puts written."""
    old, new = _many_labels(user, "a"), _many_labels(user, "b")
    dynamo.put_items(labels.pointers_of(user, old))
    left = labels.stage_changes(_nearly_full(0), user, old, new)
    gave_back = replace(new, tags=(*new.tags, "A0"))

    labels.write_leftover(user, left, lambda: gave_back)

    assert _pointers(table, user) == {key["SK"] for key in labels.pointers_of(user, gave_back)}


def test_a_filtered_list_never_shows_an_entry_without_the_label(table, user):
    """A pointer left stale (a crash between an edit's commit and its leftover deletes) shows
    nothing, even on a label other entries carry; the backfill deletes it and puts a missing
    one back."""
    older = written_entry(wiring.journal(), user, title="Older", tags=["gone"])
    time.sleep(0.002)
    entry = written_entry(wiring.journal(), user, title="E", tags=["kept", "gone"])
    wiring.journal().update(user, entry["entryId"], parse(EntryFields, {"tags": ["kept", "new"]}))
    partition = dynamo.user_pk(user)
    [new_sk] = [
        sk
        for sk in _expected_pointers(table, user)
        if "#tag#new#" in sk and sk.endswith(entry["entryId"])
    ]
    stale_sk = new_sk.replace("#tag#new#", "#tag#gone#")
    table.items[(partition, stale_sk)] = {"PK": partition, "SK": stale_sk}
    del table.items[(partition, new_sk)]
    for tag, page, shown in (
        ("gone", Page(1, 1), []),  # the stale pointer is the newest: a short page
        ("gone", Page(1, 20), [older["entryId"]]),
        ("kept", Page(1, 20), [entry["entryId"]]),
    ):
        listed = _listed(user, page, {"tag": tag})
        assert [found["entryId"] for found in listed["entries"]] == shown, (tag, page)

    done = label_backfill.index_journal(user)

    assert (done.pointers, done.removed, done.marked) == (1, 1, True)
    assert _pointers(table, user) == _expected_pointers(table, user)
    for tag, shown in (("gone", [older["entryId"]]), ("new", [entry["entryId"]])):
        listed = _listed(user, Page(1, 1), {"tag": tag})
        assert [found["entryId"] for found in listed["entries"]] == shown, tag


def test_repairing_a_user_without_a_journal_writes_nothing(table, user):
    done = label_backfill.index_journal(user)

    assert (done.entries, done.pointers, done.removed, done.marked) == (0, 0, 0, True)
    assert table.partition(dynamo.user_pk(user)) == []
