"""What an export reads: one user's data, page by page (never the whole account at once).

Reads are eventually consistent (half the capacity of strong ones): an export is a snapshot
taken over seconds to minutes anyway, and a write made a moment before it may or may not be
in it, as one made while it runs.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib.core import dynamo
from chalicelib.goals.aggregates import DayAggregate
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.repository import goal_partition
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.repository import entry_of
from chalicelib.journal.shares import RECEIVED_PREFIX, SHARE_PREFIX
from chalicelib.users.key_repository import KeyRepository
from chalicelib.users.keys import KeyRecord
from chalicelib.users.profile import Profile
from chalicelib.users.repository import ProfileRepository, profile_key

ENTRY_PREFIX = "JOURNAL#"  # entries; the stats item (JOURNALSTATS) sorts outside the range


def _pages(partition: str, prefix: str) -> Iterator[list[dict[str, Any]]]:
    return dynamo.query_pages(
        **dynamo.sort_key_range(partition, prefix, f"{prefix}{dynamo.KEY_END}"),
        ConsistentRead=False,
    )


@dataclass(frozen=True)
class AccountSource:
    """The user's data as an export reads it (tests substitute an in-memory one)."""

    user_id: str

    def profile(self) -> Profile | None:
        return ProfileRepository().get(self.user_id)

    def vacations(self) -> list[dict[str, Any]]:
        """The person's vacations, as the profile item keeps them (goals/vacations.py)."""
        item = dynamo.get_item(profile_key(self.user_id)) or {}
        return list(item.get("vacations") or [])

    def keys(self) -> KeyRecord | None:
        return KeyRepository().get(self.user_id)

    def goals(self) -> Iterator[Goal]:
        for page in _pages(dynamo.user_pk(self.user_id), "GOAL#"):
            yield from (Goal.from_item(item, self.user_id) for item in page)

    def activities(self, goal_id: str) -> Iterator[Activity]:
        """Oldest first (the sort key orders them by their instant)."""
        for page in _pages(goal_partition(self.user_id, goal_id), "ACTIVITY#"):
            yield from (Activity.from_item(item) for item in page)

    def days(self, goal_id: str) -> Iterator[DayAggregate]:
        for page in _pages(goal_partition(self.user_id, goal_id), "DAY#"):
            yield from (DayAggregate.from_item(item) for item in page)

    def entries(self) -> Iterator[JournalEntry]:
        """Oldest first (entry ids are time-ordered)."""
        for page in _pages(dynamo.user_pk(self.user_id), ENTRY_PREFIX):
            yield from (entry_of(item) for item in page)

    def shares_given(self) -> Iterator[dict[str, Any]]:
        for page in _pages(dynamo.user_pk(self.user_id), SHARE_PREFIX):
            yield from page

    def shares_received(self) -> Iterator[dict[str, Any]]:
        for page in _pages(dynamo.user_pk(self.user_id), RECEIVED_PREFIX):
            yield from page
