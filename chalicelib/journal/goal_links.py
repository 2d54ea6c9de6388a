"""An entry's `goalProgress` values kept in step with the activities behind them.

Each value with a `progressValue` is an activity on its goal (source `journal`), logged,
changed or removed in the entry's own transaction through the goals' own staging
(goals/links.py), so the goal's progress follows its journal exactly as it follows its
activities. The entry owns that activity: the activity routes refuse to change it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.core.dynamo import Transaction
from chalicelib.core.local_time import LocalTime
from chalicelib.goals.links import ENTRY_LINK, GoalLinks


def stage_goal_links(
    tx: Transaction,
    links: GoalLinks,
    user_id: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    goals: dict[str, dict[str, Any]],
    local: LocalTime,
    now: datetime,
) -> None:
    """Log, change or remove the activity behind each goalProgress value of `old` -> `new`
    (None: absent), recording the new activity ids on `new`'s values."""
    before = {item["goalId"]: item for item in (old or {}).get("goalProgress") or []}
    after = {item["goalId"]: item for item in (new or {}).get("goalProgress") or []}
    entry_id = (new or old or {}).get("entryId")
    staging = _Staging(tx, links, user_id, local, now)
    for goal_id in before.keys() | after.keys():
        goal = goals.get(goal_id)
        if goal is None:
            continue  # the goal itself is gone: nothing left to keep in step
        staging.one(goal, entry_id, before.get(goal_id), after.get(goal_id))


@dataclass(frozen=True)
class _Staging:
    """What every goal link of one entry write is staged with."""

    tx: Transaction
    links: GoalLinks
    user_id: str
    local: LocalTime
    now: datetime

    def one(
        self,
        goal: dict[str, Any],
        entry_id: str | None,
        previous: dict[str, Any] | None,
        current: dict[str, Any] | None,
    ) -> None:
        """Keep the activity behind one goal's value in step: `previous` was stored, `current`
        is wanted (None: absent)."""
        fields = _activity_fields(current, entry_id)
        activity_id = (previous or {}).get("activityId")
        existing = (
            self.links.linked_activity(self.user_id, goal["goalId"], activity_id)
            if activity_id
            else None
        )
        if existing is not None:
            self._change(goal, existing, fields, current)
        elif current is not None:
            # A new link, or one whose activity is gone (the activity routes could delete it
            # before entries owned their activities): log it (again).
            self._log(goal, fields, current)

    def _change(
        self,
        goal: dict[str, Any],
        existing: dict[str, Any],
        fields: dict[str, Any],
        current: dict[str, Any] | None,
    ) -> None:
        """Change or (when the value is gone) remove the activity the entry logged before."""
        if fields["value"] is None:
            self.links.stage_change(
                self.tx, self.user_id, goal, existing, None, self.local, self.now
            )
            if current is not None:
                current["activityId"] = None
        elif not _same_activity(existing, fields):
            self.links.stage_change(
                self.tx, self.user_id, goal, existing, fields, self.local, self.now
            )

    def _log(self, goal: dict[str, Any], fields: dict[str, Any], current: dict[str, Any]) -> None:
        current["activityId"] = None
        if fields["value"] is not None:
            logged = self.links.stage_log(self.tx, self.user_id, goal, fields, self.local, self.now)
            current["activityId"] = logged["activityId"]


def _activity_fields(current: dict[str, Any] | None, entry_id: str | None) -> dict[str, Any]:
    """The activity a goalProgress value stands for (its value is None when there is none)."""
    wanted = current or {}
    return {
        "value": wanted.get("progressValue"),
        "activityType": "completed" if wanted.get("completed") else "progress",
        "note": wanted.get("notes"),
        "source": "journal",
        "context": {ENTRY_LINK: entry_id},
    }


def _same_activity(existing: dict[str, Any], fields: dict[str, Any]) -> bool:
    """Whether the stored activity already says what the value says (nothing to write)."""
    return bool(
        existing["value"] == fields["value"] and existing["activityType"] == fields["activityType"]
    )
