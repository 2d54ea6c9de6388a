"""The journal repository's edge: a typed entry becomes a compact item (nothing that reads back
as its default, no copy of the text), and items of every age (the full shape with
`searchText`, before `searchText`, before `localDate`) read back typed."""

import json
from dataclasses import replace

from chalicelib.journal.entry import GoalProgress, JournalEntry
from chalicelib.journal.repository import entry_item, entry_of

ENTRY = JournalEntry(
    entry_id="0190a000-0000-7000-8000-000000000001",
    user_id="u1",
    title="Evening",
    content="<p>Quiet day</p>",
    created_at="2026-03-04T20:00:00.000Z",
    updated_at="2026-03-05T08:00:00.000Z",
    version=2,
    local_date="2026-03-04",
    template="gratitude",
    word_count=2,
    tags=("calm",),
    mood="content",
    linked_goal_ids=("g1",),
    goal_progress=(GoalProgress("g1", progress_value=3, notes="ran", activity_id="a1"),),
    is_shared=True,
    shared_with=("friend@example.com",),
)
# An item as entries were stored before they were compact: every attribute, defaults too,
# and the lower-cased text beside the content.
FULL_SHAPE = {
    "entryId": "0190a000-0000-7000-8000-000000000002",
    "userId": "u1",
    "title": "Morning",
    "content": "<p>Quiet day</p>",
    "template": "blank",
    "wordCount": 2,
    "tags": [],
    "mood": None,
    "linkedGoalIds": [],
    "goalProgress": [
        {
            "goalId": "g1",
            "progressValue": None,
            "notes": None,
            "completed": False,
            "activityId": None,
        }
    ],
    "isEncrypted": False,
    "isShared": False,
    "encryptedKey": None,
    "encryptionIv": None,
    "sharedWith": [],
    "createdAt": "2026-03-04T20:00:00.000Z",
    "updatedAt": "2026-03-04T20:00:00.000Z",
    "version": 1,
    "localDate": "2026-03-04",
    "searchText": "quiet day",
}


def test_an_entry_and_its_item_convert_both_ways():
    item = entry_item(ENTRY)
    assert item["goalProgress"] == [
        {
            "goalId": "g1",
            "progressValue": 3,
            "notes": "ran",
            "activityId": "a1",
        }
    ]
    assert item["sharedWith"] == ["friend@example.com"]
    assert entry_of(item) == ENTRY
    assert entry_of({**item, "PK": "USER#u1", "SK": "JOURNAL#x"}) == ENTRY


def test_an_item_in_the_full_shape_reads_the_same_and_is_rewritten_compact():
    old = entry_of(FULL_SHAPE)
    assert old.search_text == "quiet day"
    assert old.goal_progress == (GoalProgress("g1"),)
    rewritten = entry_item(old)
    assert "searchText" not in rewritten
    assert entry_of(rewritten) == replace(old, search_text=None)
    assert entry_of({**FULL_SHAPE, "searchText": None}) == entry_of(rewritten)


def test_what_reads_as_its_default_is_not_stored():
    plain = entry_of(FULL_SHAPE)
    assert set(entry_item(plain)) == {
        "entryId",
        "userId",
        "title",
        "content",
        "template",
        "wordCount",
        "goalProgress",
        "createdAt",
        "version",
        "localDate",
    }
    assert entry_item(plain)["goalProgress"] == [{"goalId": "g1"}]
    assert len(json.dumps(entry_item(plain))) < len(json.dumps(FULL_SHAPE)) * 0.6
    # Falsy values that are not defaults are kept: an empty note, a zero value.
    noted = replace(
        plain, goal_progress=(GoalProgress("g1", progress_value=0, notes=""),), search_text=None
    )
    assert entry_item(noted)["goalProgress"] == [{"goalId": "g1", "progressValue": 0, "notes": ""}]
    assert entry_of(entry_item(noted)) == noted


def test_an_item_without_optional_attributes_reads_with_defaults():
    old = entry_of(
        {
            "entryId": "e1",
            "userId": "u1",
            "title": "Old",
            "content": "<p>old</p>",
            "createdAt": "2025-01-02T03:04:05.000Z",
            "wordCount": 1,
        }
    )
    assert old.local_date == "2025-01-02"
    assert old.updated_at == "2025-01-02T03:04:05.000Z"
    assert (old.tags, old.goal_progress, old.is_shared, old.mood) == ((), (), False, None)
