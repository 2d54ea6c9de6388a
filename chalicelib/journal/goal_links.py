"""An entry's `goalProgress` values kept in step with the activities behind them.

Each value with a `progressValue` is an activity on its goal (source `journal`), logged,
changed or removed in the entry's own transaction through the goals' own staging
(goals/links.py), so the goal's progress follows its journal exactly as it follows its
activities. The entry owns that activity: the activity routes refuse to change it.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib.core.dynamo import Transaction
from chalicelib.core.local_time import LocalTime
from chalicelib.goals.links import ENTRY_LINK, GoalLinks
from chalicelib.journal.entry import GoalProgress, JournalEntry


def stage_goal_links(
    tx: Transaction,
    links: GoalLinks,
    user_id: str,
    old: JournalEntry | None,
    new: JournalEntry | None,
    goals: dict[str, dict[str, Any]],
    local: LocalTime,
    now: datetime,
) -> JournalEntry | None:
    """Log, change or remove the activity behind each goalProgress value of `old` -> `new`
    (None: absent); `new` with the ids of the activities its values now stand for."""
    before = {value.goal_id: value for value in old.goal_progress} if old else {}
    entry = new or old
    if entry is None:
        return None
    staging = _Staging(tx, links, user_id, local, now, entry.entry_id)
    after = {value.goal_id for value in new.goal_progress} if new else set()
    for goal_id in before.keys() - after:
        goal = goals.get(goal_id)
        if goal is not None:  # a goal that is gone has nothing left to keep in step
            staging.one(goal, before[goal_id], None)
    if new is None:
        return None
    kept = []
    for value in new.goal_progress:
        goal = goals.get(value.goal_id)
        if goal is None:
            kept.append(value)
        else:
            kept.append(staging.one(goal, before.get(value.goal_id), value) or value)
    return replace(new, goal_progress=tuple(kept))


@dataclass(frozen=True)
class _Staging:
    """What every goal link of one entry write is staged with."""

    tx: Transaction
    links: GoalLinks
    user_id: str
    local: LocalTime
    now: datetime
    entry_id: str

    def one(
        self,
        goal: dict[str, Any],
        previous: GoalProgress | None,
        current: GoalProgress | None,
    ) -> GoalProgress | None:
        """Keep the activity behind one goal's value in step: `previous` was stored, `current`
        is wanted (None: absent); `current` with the id of the activity it now stands for."""
        fields = _activity_fields(current, self.entry_id)
        activity_id = previous.activity_id if previous else None
        existing = (
            self.links.linked_activity(self.user_id, goal["goalId"], activity_id)
            if activity_id
            else None
        )
        if existing is not None:
            return self._change(goal, existing, fields, current)
        if current is not None:
            # A new link, or one whose activity is gone (the activity routes could delete it
            # before entries owned their activities): log it (again).
            return self._log(goal, fields, current)
        return None

    def _change(
        self,
        goal: dict[str, Any],
        existing: dict[str, Any],
        fields: dict[str, Any],
        current: GoalProgress | None,
    ) -> GoalProgress | None:
        """Change or (when the value is gone) remove the activity the entry logged before."""
        if fields["value"] is None:
            self.links.stage_change(
                self.tx, self.user_id, goal, existing, None, self.local, self.now
            )
            return replace(current, activity_id=None) if current is not None else None
        if not _same_activity(existing, fields):
            self.links.stage_change(
                self.tx, self.user_id, goal, existing, fields, self.local, self.now
            )
        return current

    def _log(
        self, goal: dict[str, Any], fields: dict[str, Any], current: GoalProgress
    ) -> GoalProgress:
        if fields["value"] is None:
            return replace(current, activity_id=None)
        logged = self.links.stage_log(self.tx, self.user_id, goal, fields, self.local, self.now)
        return replace(current, activity_id=logged["activityId"])


def _activity_fields(current: GoalProgress | None, entry_id: str) -> dict[str, Any]:
    """The activity a goalProgress value stands for (its value is None when there is none)."""
    return {
        "value": current.progress_value if current else None,
        "activityType": "completed" if current and current.completed else "progress",
        "note": current.notes if current else None,
        "source": "journal",
        "context": {ENTRY_LINK: entry_id},
    }


def _same_activity(existing: dict[str, Any], fields: dict[str, Any]) -> bool:
    """Whether the stored activity already says what the value says (nothing to write)."""
    return bool(
        existing["value"] == fields["value"] and existing["activityType"] == fields["activityType"]
    )
