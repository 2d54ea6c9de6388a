"""The journal repository's edge: a typed entry becomes the item it has always been stored as,
and items of every age (before `searchText`, before `localDate`) read back typed."""

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
    search_text="quiet day",
)


def test_an_entry_and_its_item_convert_both_ways():
    item = entry_item(ENTRY)
    assert item["goalProgress"] == [
        {
            "goalId": "g1",
            "progressValue": 3,
            "notes": "ran",
            "completed": False,
            "activityId": "a1",
        }
    ]
    assert item["sharedWith"] == ["friend@example.com"]
    assert entry_of(item) == ENTRY
    assert entry_of({**item, "PK": "USER#u1", "SK": "JOURNAL#x"}) == ENTRY


def test_an_item_from_before_the_search_text_reads_with_none_and_stores_none():
    item = entry_item(ENTRY)
    del item["searchText"]
    old = entry_of(item)
    assert old.search_text is None
    assert "searchText" not in entry_item(old)


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
