"""What every write leaves in the change feed (core/changes.py), on the real repositories and
an in-memory table: stamps on what changed, a tombstone for what is gone, none for an activity
that only moved to another date."""

import uuid

import pytest

from chalicelib import wiring
from chalicelib.core import changes, dynamo
from chalicelib.core.validation import parse
from chalicelib.goals.models import ActivityFields
from tests.helpers import logged, new_goal, written_entry


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


def _stamped(table) -> dict[tuple[str, str], dict]:
    """The feed: each stamped item by (kind, id), as the index would hold it."""
    feed: dict[tuple[str, str], dict] = {}
    for item in table.all_items():
        if changes.SEQUENCE_ATTRIBUTE in item:
            plain = item
            _, kind, item_id = changes.parse_sequence(plain[changes.SEQUENCE_ATTRIBUTE])
            feed[(kind, item_id)] = plain
    return feed


def test_activity_writes_stamp_it_and_its_goal_and_a_delete_leaves_a_tombstone(table, user):
    goal = new_goal(user)
    goal_key = ("goal", goal["goalId"])
    made = _stamped(table)[goal_key][changes.SEQUENCE_ATTRIBUTE]
    activity = logged(user, goal["goalId"], {"value": 4})
    key = ("activity", activity["activityId"])
    feed = _stamped(table)
    assert feed[key][changes.USER_ATTRIBUTE] == user
    assert feed[goal_key][changes.SEQUENCE_ATTRIBUTE] >= made  # its progress moved
    activities = wiring.activities()

    activities.update_activity(
        user,
        goal["goalId"],
        activity["activityId"],
        parse(ActivityFields, {"activityDate": "2026-11-01T12:00:00Z"}),
    )
    feed = _stamped(table)
    assert not changes.is_tombstone(feed[key])  # moved, not gone
    assert not [item for item in table.all_items() if changes.is_tombstone(item)]
    assert feed[key]["activityDate"].startswith("2026-11-01")

    activities.delete_activity(user, goal["goalId"], activity["activityId"])
    tombstone = _stamped(table)[key]
    assert changes.is_tombstone(tombstone)
    assert tombstone["goalId"] == goal["goalId"]
    assert tombstone["PK"] == dynamo.user_pk(user)
    assert tombstone[changes.TTL_ATTRIBUTE] > 0


def test_an_entry_is_stamped_when_written_and_tombstoned_when_deleted(table, user):
    journal = wiring.journal()
    entry = written_entry(journal, user)
    key = ("journalEntry", entry["entryId"])
    assert not changes.is_tombstone(_stamped(table)[key])
    journal.delete(user, entry["entryId"])
    assert changes.is_tombstone(_stamped(table)[key])


def test_nothing_but_the_callers_own_items_carry_the_callers_id(table, user):
    other = str(uuid.uuid4())
    logged(user, new_goal(user)["goalId"], {"value": 1})
    logged(other, new_goal(other)["goalId"], {"value": 1})
    for item in _stamped(table).values():
        owner = item[changes.USER_ATTRIBUTE]
        assert str(item["PK"]).startswith(dynamo.user_pk(owner))
