"""An entry's `goalProgress` values kept in step with the activities behind them.

Each value with a `progressValue` is an activity on its goal (source `journal`), logged,
changed or removed in the entry's own transaction through the goals' own staging
(goals/links.py), so the goal's progress follows its journal exactly as it follows its
activities. The entry owns that activity: the activity routes refuse to change it.
"""

from datetime import datetime
from typing import Any

from chalicelib.core.dynamo import Transaction
from chalicelib.core.local_time import LocalTime
from chalicelib.goals.links import ENTRY_LINK, GoalLinks


def stage_goal_links(tx: Transaction, links: GoalLinks, user_id: str,
                     old: dict[str, Any] | None, new: dict[str, Any] | None,
                     goals: dict[str, dict[str, Any]], local: LocalTime, now: datetime) -> None:
    """Log, change or remove the activity behind each goalProgress value of `old` -> `new`
    (None: absent), recording the new activity ids on `new`'s values."""
    before = {item["goalId"]: item for item in (old or {}).get("goalProgress") or []}
    after = {item["goalId"]: item for item in (new or {}).get("goalProgress") or []}
    entry_id = (new or old or {}).get("entryId")
    for goal_id in before.keys() | after.keys():
        goal = goals.get(goal_id)
        if goal is None:
            continue  # the goal itself is gone: nothing left to keep in step
        _stage_one(tx, links, user_id, goal, entry_id, before.get(goal_id), after.get(goal_id),
                   local, now)


def _stage_one(tx: Transaction, links: GoalLinks, user_id: str, goal: dict[str, Any],
               entry_id: str | None, previous: dict[str, Any] | None,
               current: dict[str, Any] | None, local: LocalTime, now: datetime) -> None:
    activity_id = (previous or {}).get("activityId")
    value = (current or {}).get("progressValue")
    fields = {"value": value, "activityType": "completed"
              if (current or {}).get("completed") else "progress",
              "note": (current or {}).get("notes"), "source": "journal",
              "context": {ENTRY_LINK: entry_id}}
    existing = links.linked_activity(user_id, goal["goalId"], activity_id) \
        if activity_id else None
    if existing is not None:
        change = None if value is None else fields
        if change is not None and existing["value"] == value and (
                existing["activityType"] == fields["activityType"]):
            return
        links.stage_change(tx, user_id, goal, existing, change, local, now)
        if change is None and current is not None:
            current["activityId"] = None
    elif current is not None:
        # A new link, or one whose activity is gone (the activity routes could delete it
        # before entries owned their activities): log it (again).
        current["activityId"] = None
        if value is not None:
            current["activityId"] = links.stage_log(tx, user_id, goal, fields, local,
                                                    now)["activityId"]
