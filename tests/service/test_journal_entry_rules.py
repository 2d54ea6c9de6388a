"""Journal rules on the in-memory table (tests/service/memory_table.py), with a clock: stats
across days and time zones as entries come, change and go; goal progress following linked
entries and the activities an entry owns; the entry quota; idempotency. Request counts stay
on DynamoDB Local (tests/integration/test_journal_on_dynamodb_local.py)."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.dynamo import Transaction
from chalicelib.core.errors import BusinessRuleViolation, Conflict, ValidationFailed
from chalicelib.core.http import Page
from chalicelib.core.idempotency import Created, key_from
from chalicelib.core.local_time import LocalTime
from chalicelib.core.validation import parse
from chalicelib.goals.models import ActivityFields, GoalCreate
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.service import GoalService
from chalicelib.journal import keys as journal_keys
from chalicelib.journal import stats as journal_stats
from chalicelib.journal.models import EntryCreate, EntryFields
from chalicelib.journal.reads import JournalReads
from chalicelib.journal.service import JournalService
from tests.helpers import Clock, journal_and_goal_services, journal_reads, written_entry

LOS_ANGELES = "America/Los_Angeles"


@pytest.fixture
def clock() -> Clock:
    return Clock("2026-11-20T18:00:00")  # a Friday; 10:00 in Los Angeles


@pytest.fixture
def services(table, clock) -> tuple[JournalService, GoalService]:
    return journal_and_goal_services(clock)


@pytest.fixture
def reads(table, clock) -> JournalReads:
    return journal_reads(clock)


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


def _linked_goal_and_entry(
    services: tuple[JournalService, GoalService], user: str, value: float
) -> tuple[str, dict[str, Any], str]:
    journal, goals = services
    goal_id = goals.create(
        user,
        parse(
            GoalCreate,
            {
                "title": "Read",
                "goalPattern": "milestone",
                "target": {"value": 100, "unit": "pages"},
            },
        ),
    ).body["goalId"]
    entry = written_entry(
        journal,
        user,
        LOS_ANGELES,
        linkedGoalIds=[goal_id],
        goalProgress=[{"goalId": goal_id, "progressValue": value}],
    )
    [activity] = wiring.activities().list_activities(user, goal_id, page=Page(1, 10))["activities"]
    return goal_id, entry, activity["activityId"]


def test_stats_follow_creates_edits_and_deletes_across_days(services, clock, user, reads):
    journal, _ = services
    first = written_entry(
        journal, user, LOS_ANGELES, template="gratitude", tags=["x", "y"], mood="happy"
    )
    clock.advance(days=1)
    second = written_entry(
        journal, user, LOS_ANGELES, template="gratitude", tags=["x"], mood="calm"
    )
    clock.advance(days=2)  # Monday: Sunday had no entry
    written_entry(
        journal, user, LOS_ANGELES, template="blank", content="<p>four words right here</p>"
    )
    stats = reads.stats(user, timezone=LOS_ANGELES)
    assert stats["totalEntries"] == 3
    assert stats["totalWords"] == 10
    assert stats["currentStreak"] == 1
    assert stats["longestStreak"] == 2
    assert stats["entriesThisWeek"] == 1  # the ISO week began on Monday
    assert stats["entriesThisMonth"] == 3
    assert stats["moodDistribution"] == {"happy": 1, "calm": 1}
    assert stats["topTags"] == [{"tag": "x", "count": 2}, {"tag": "y", "count": 1}]
    assert [(t["template"], t["count"]) for t in stats["templateUsage"]] == [
        ("gratitude", 2),
        ("blank", 1),
    ]
    assert stats["averageWordsPerEntry"] == round(10 / 3, 1)

    journal.update(user, second["entryId"], parse(EntryFields, {"mood": "happy", "tags": ["z"]}))
    journal.delete(user, first["entryId"])
    stats = reads.stats(user, timezone=LOS_ANGELES)
    assert stats["totalEntries"] == 2
    assert stats["moodDistribution"] == {"happy": 1}
    assert stats["topTags"] == [{"tag": "z", "count": 1}]
    assert stats["longestStreak"] == 1

    clock.advance(days=3)  # days later, no new entries: the streak is over
    later = reads.stats(user, timezone=LOS_ANGELES)
    assert later["currentStreak"] == 0
    assert later["entriesThisWeek"] == 1


def test_days_are_the_users_local_days(services, clock, user, reads):
    journal, _ = services
    clock.now = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)  # 22:30 on Nov 20 in Los Angeles
    written_entry(journal, user, LOS_ANGELES)
    clock.now = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)  # Nov 21 in Los Angeles
    written_entry(journal, user, LOS_ANGELES)
    stats = reads.stats(user, timezone=LOS_ANGELES)
    assert stats["currentStreak"] == 2  # two local days, though one UTC day
    assert stats["lastEntryDate"] == "2026-11-21T18:00:00.000Z"  # the entry's own instant


def test_goal_progress_follows_linked_entries(services, user, reads):
    journal, goals = services
    goal = goals.create(
        user,
        parse(
            GoalCreate,
            {"title": "Read", "goalPattern": "milestone", "target": {"value": 10, "unit": "pages"}},
        ),
    ).body
    goal_id = goal["goalId"]
    entry = written_entry(
        journal,
        user,
        LOS_ANGELES,
        linkedGoalIds=[goal_id],
        goalProgress=[{"goalId": goal_id, "progressValue": 4, "notes": "ch. 1"}],
    )
    assert goals.get(user, goal_id)["progress"]["totalAccumulated"] == 4
    [activity] = wiring.activities().list_activities(user, goal_id, page=Page(1, 10))["activities"]
    assert activity["source"] == "journal"
    assert activity["context"] == {"journalEntryId": entry["entryId"]}
    journal.update(
        user,
        entry["entryId"],
        parse(EntryFields, {"goalProgress": [{"goalId": goal_id, "progressValue": 7}]}),
    )
    assert goals.get(user, goal_id)["progress"]["totalAccumulated"] == 7
    stats = reads.stats(user)
    assert (stats["goalsTracked"], stats["goalsCompleted"]) == (1, 0)
    journal.update(
        user,
        entry["entryId"],
        parse(EntryFields, {"goalProgress": [{"goalId": goal_id, "progressValue": 10}]}),
    )
    done = goals.get(user, goal_id)
    assert done["status"] == "completed"
    assert reads.stats(user)["goalsCompleted"] == 1
    journal.delete(user, entry["entryId"])
    after = goals.get(user, goal_id)
    assert after["progress"]["totalAccumulated"] == 0
    assert reads.stats(user)["goalsTracked"] == 0


def test_an_entry_owned_activity_changes_only_through_its_entry(services, user):
    _, goals = services
    goal_id, entry, activity_id = _linked_goal_and_entry(services, user, 4)
    before = goals.get(user, goal_id)
    activities = wiring.activities()
    with pytest.raises(Conflict) as edited:
        activities.update_activity(user, goal_id, activity_id, parse(ActivityFields, {"value": 9}))
    assert edited.value.code == "ACTIVITY_OWNED_BY_JOURNAL_ENTRY"
    assert edited.value.details == {"journalEntryId": entry["entryId"]}
    with pytest.raises(Conflict) as deleted:
        activities.delete_activity(user, goal_id, activity_id)
    assert deleted.value.code == "ACTIVITY_OWNED_BY_JOURNAL_ENTRY"
    assert goals.get(user, goal_id) == before  # the version (its ETag) too


def test_a_client_cannot_claim_that_an_entry_owns_its_activity(services, user):
    goal_id, _, _ = _linked_goal_and_entry(services, user, 4)
    activities = wiring.activities()
    claimed = {"value": 1, "context": {"journalEntryId": "someone's entry"}}
    with pytest.raises(ValidationFailed) as logged:
        activities.log_activity(user, goal_id, parse(ActivityFields, claimed))
    assert [problem["field"] for problem in logged.value.errors] == ["context.journalEntryId"]
    own = activities.log_activity(user, goal_id, parse(ActivityFields, {"value": 1})).body
    with pytest.raises(ValidationFailed):
        activities.update_activity(user, goal_id, own["activityId"], parse(ActivityFields, claimed))


def test_an_entry_edit_logs_again_a_linked_activity_that_is_gone(services, clock, user):
    """Before activities owned by entries were protected, the activity routes could delete
    one; the entry then kept a dangling activityId and its edits changed nothing."""
    journal, goals = services
    goal_id, entry, activity_id = _linked_goal_and_entry(services, user, 4)
    activities = wiring.activities()
    goal_repository = GoalRepository()
    old = goal_repository.find_activity(user, goal_id, activity_id)
    context = goal_repository.load_for_write(user, goal_id, None)
    assert old is not None
    assert context.goal is not None
    tx = Transaction()
    activities.stage_activity_change(
        tx, user, context.goal, old, None, LocalTime(LOS_ANGELES, 0), clock()
    )
    tx.commit()
    assert goals.get(user, goal_id)["progress"]["totalAccumulated"] == 0
    journal.update(
        user,
        entry["entryId"],
        parse(EntryFields, {"goalProgress": [{"goalId": goal_id, "progressValue": 6}]}),
    )
    assert goals.get(user, goal_id)["progress"]["totalAccumulated"] == 6
    [relogged] = activities.list_activities(user, goal_id, page=Page(1, 10))["activities"]
    assert relogged["activityId"] != activity_id
    assert relogged["value"] == 6
    assert relogged["context"] == {"journalEntryId": entry["entryId"]}


def test_the_entry_quota_is_enforced_in_the_write(services, user, monkeypatch, reads):
    journal, _ = services
    monkeypatch.setattr(journal_stats, "MAX_ENTRIES", 2)
    written_entry(journal, user, LOS_ANGELES)
    written_entry(journal, user, LOS_ANGELES)
    with pytest.raises(BusinessRuleViolation) as caught:
        written_entry(journal, user, LOS_ANGELES)
    assert caught.value.code == "JOURNAL_QUOTA_EXCEEDED"
    assert reads.stats(user)["totalEntries"] == 2


def test_a_write_cannot_change_who_an_entry_is_shared_with(services, user):
    """isShared is ignored, and sharedWith is accepted only as stored: the share routes keep
    them (a write that named recipients would share nothing with them, and hide that)."""
    journal, _ = services
    entry = written_entry(journal, user, LOS_ANGELES, isShared=True)
    assert (entry["isShared"], entry["sharedWith"]) == (False, [])
    with pytest.raises(ValidationFailed) as refused:
        written_entry(journal, user, LOS_ANGELES, sharedWith=["friend@example.com"])
    assert refused.value.errors[0]["field"] == "sharedWith"
    with pytest.raises(ValidationFailed):
        journal.update(user, entry["entryId"], parse(EntryFields, {"sharedWith": [user]}))
    # The client's content migration PUTs the whole entry back: as read, it is accepted.
    kept = journal.update(
        user, entry["entryId"], parse(EntryFields, {"sharedWith": [], "isShared": True})
    )
    assert (kept["isShared"], kept["sharedWith"], kept["version"]) == (False, [], 2)


def test_idempotency_key_on_new_entries(services, user, reads):
    journal, _ = services
    body = {"title": "Once", "content": "<p>only once</p>"}

    def create(sent: dict[str, Any]) -> Created:
        return journal.create(
            user,
            parse(EntryCreate, sent),
            idempotency=key_from("entry-key-1", user, "POST /journal", sent),
        )

    first = create(body)
    again = create(body)
    assert again.body == first.body
    assert again.location == first.location
    with pytest.raises(Conflict):
        create({**body, "title": "Twice"})
    assert reads.stats(user)["totalEntries"] == 1


def test_stats_keep_only_live_counters_and_the_newest_entrys_time(services, clock, user, reads):
    journal, _ = services
    first = written_entry(journal, user, LOS_ANGELES, tags=["old"], mood="calm")
    clock.advance(days=40)
    second = written_entry(journal, user, LOS_ANGELES, tags=["old", "keep"])
    for round_ in range(5):
        journal.update(
            user,
            first["entryId"],
            parse(EntryFields, {"tags": [f"t{round_}"], "mood": f"m{round_}"}),
        )
    journal.delete(user, second["entryId"])
    main = dynamo.get_item(journal_keys.stats_key(user)) or {}
    counters = sorted(name for name in main if name.startswith(("tag#", "mood#", "day#")))
    assert counters == ["mood#m4", "tag#t4"]
    months = dynamo.query_all(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues=dynamo.serialize(
            {":pk": dynamo.user_pk(user), ":prefix": "JOURNALSTATS#"}
        ),
    )
    assert [item["SK"] for item in months] == ["JOURNALSTATS#2026-11", "JOURNALSTATS#2026-12"]
    stats = reads.stats(user, timezone=LOS_ANGELES)
    assert stats["lastEntryDate"] == first["createdAt"]
    assert stats["totalEntries"] == 1
    assert stats["topTags"] == [{"tag": "t4", "count": 1}]
