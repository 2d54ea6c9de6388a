"""What the journal may use of goals: the one module of this domain it imports.

A journal entry's `goalProgress` value is an activity on that goal, logged, changed or removed
in the entry's own transaction through the activities' own staging. The journal reads the
goals with its entry (hence `goal_key`), finds the activity an entry logged, and stages its
changes; nothing else. The activity service is asked for only when a link changes, so a
journal read never loads the progress engine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.core.dynamo import Transaction
from chalicelib.core.local_time import LocalTime
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.repository import GoalRepository, goal_key

# A journal entry logs to up to 10 linked goals in one transaction: each writes at most this
# many fold checkpoints (goals/fold_checkpoints.py), so the transaction stays inside
# DynamoDB's 100 items.
CHECKPOINT_WRITES_PER_LINKED_GOAL = 2

if TYPE_CHECKING:
    from chalicelib.goals.activities import ActivityService

__all__ = ["ENTRY_LINK", "GoalLinks", "goal_key"]

# Where an activity that a journal entry logged names its entry (`context.journalEntryId`).
ENTRY_LINK = "journalEntryId"


class GoalLinks:
    def __init__(self, goals: GoalRepository, activities: Callable[[], ActivityService]) -> None:
        self._goals = goals
        self._activities = activities

    # The journal sees goals and activities as their stored items (it reads a goal's id, an
    # activity's `value` and `activityType`, and hands them back): converted here, its one way
    # into goals.

    def linked_activity(
        self, user_id: str, goal_id: str, activity_id: str
    ) -> dict[str, Any] | None:
        activity = self._goals.find_activity(user_id, goal_id, activity_id)
        return None if activity is None else activity.to_item()

    def stage_log(
        self,
        tx: Transaction,
        user_id: str,
        goal: dict[str, Any],
        fields: dict[str, Any],
        local: LocalTime,
        now: datetime,
    ) -> dict[str, Any]:
        """Log an activity on `goal` in `tx`; the new activity."""
        logged = self._activities().stage_logged_activity(
            tx,
            user_id,
            Goal.from_item(goal, user_id),
            fields,
            local,
            now,
            CHECKPOINT_WRITES_PER_LINKED_GOAL,
        )
        return logged.to_item()

    def stage_change(
        self,
        tx: Transaction,
        user_id: str,
        goal: dict[str, Any],
        activity: dict[str, Any],
        fields: dict[str, Any] | None,
        local: LocalTime,
        now: datetime,
    ) -> None:
        """Change (`fields`) or remove (None) an activity the entry logged, in `tx`."""
        self._activities().stage_activity_change(
            tx,
            user_id,
            Goal.from_item(goal, user_id),
            Activity.from_item(activity),
            fields,
            local,
            now,
            CHECKPOINT_WRITES_PER_LINKED_GOAL,
        )
