"""The wire shape of goals and activities: every field of the contract present, in order
(docs/api.md: optional fields are null, never missing)."""

from typing import Any

from chalicelib.goals.entities import Activity, Goal

GOAL_FIELDS = (
    "goalId",
    "userId",
    "title",
    "description",
    "category",
    "icon",
    "color",
    "goalPattern",
    "status",
    "visibility",
    "target",
    "schedule",
    "progress",
    "dueToday",
    "atRisk",
    "nextDueAt",
    "requiredPerPeriod",
    "bufferDays",
    "reminder",
    "context",
    "rewards",
    "metadata",
    "isJournalLinked",
    "createdAt",
    "updatedAt",
    "completedAt",
    "version",
    "pauses",
)
TARGET_FIELDS = (
    "metric",
    "value",
    "unit",
    "period",
    "targetDate",
    "startValue",
    "currentValue",
    "direction",
    "targetType",
    "minValue",
    "maxValue",
)
SCHEDULE_DEFAULTS: dict[str, Any] = {
    "frequency": "daily",
    "daysOfWeek": [],
    "preferredTimes": [],
    "checkInFrequency": None,
    "allowSkipDays": 0,
    "catchUpAllowed": False,
}
CONTEXT_DEFAULTS: dict[str, Any] = {
    "motivation": None,
    "importanceLevel": None,
    "supportingGoals": [],
    "conflictingGoals": [],
    "obstacles": [],
    "successFactors": [],
    "preferredActivities": [],
    "avoidActivities": [],
}
REWARDS_DEFAULTS: dict[str, Any] = {"pointsPerActivity": 0, "milestoneRewards": [], "badges": []}
ACTIVITY_FIELDS = (
    "activityId",
    "goalId",
    "userId",
    "value",
    "unit",
    "activityType",
    "activityDate",
    "loggedAt",
    "timezone",
    "location",
    "context",
    "note",
    "attachments",
    "source",
)


def _with_defaults(stored: dict[str, Any] | None, defaults: dict[str, Any]) -> dict[str, Any]:
    stored = stored or {}
    return {
        name: stored.get(name, default) if stored.get(name) is not None else default
        for name, default in defaults.items()
    }


def present_target(target: dict[str, Any]) -> dict[str, Any]:
    shown = {name: target.get(name) for name in TARGET_FIELDS}
    if shown["targetDate"]:
        shown["targetDate"] = f"{shown['targetDate']}T00:00:00.000Z"
    return shown


# What a goal shows as due when nothing was computed (an export, a progress that failed).
NOTHING_DUE: dict[str, Any] = {
    "dueToday": False,
    "atRisk": False,
    "nextDueAt": None,
    "requiredPerPeriod": None,
    "bufferDays": None,
}
REMINDER_DEFAULTS: dict[str, Any] = {"enabled": False, "localTime": None}


def present_goal(
    goal: Goal, progress: dict[str, Any], due: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`due` is goals/due.py's `Due.to_wire`."""
    return {
        "goalId": goal.goal_id,
        "userId": goal.user_id,
        "title": goal.title,
        "description": goal.description,
        "category": goal.category,
        "icon": goal.icon,
        "color": goal.color,
        "goalPattern": goal.goal_pattern,
        "status": goal.status,
        "visibility": goal.visibility,
        "target": present_target(goal.target),
        "schedule": _with_defaults(goal.schedule, SCHEDULE_DEFAULTS),
        "progress": progress,
        **(due or NOTHING_DUE),
        "reminder": _with_defaults(goal.reminder, REMINDER_DEFAULTS),
        "context": _with_defaults(goal.context, CONTEXT_DEFAULTS),
        "rewards": _with_defaults(goal.rewards, REWARDS_DEFAULTS),
        "metadata": goal.metadata or {},
        "isJournalLinked": bool(goal.is_journal_linked),
        "createdAt": goal.created_at,
        "updatedAt": goal.updated_at,
        "completedAt": goal.completed_at,
        "version": goal.version,
        "pauses": [
            {"from": p["from"], "until": p.get("until"), "reason": p.get("reason")}
            for p in goal.pauses
        ],
    }


def present_activity(activity: Activity) -> dict[str, Any]:
    return {
        "activityId": activity.activity_id,
        "goalId": activity.goal_id,
        "userId": activity.user_id,
        "value": activity.value,
        "unit": activity.unit,
        "activityType": activity.activity_type,
        "activityDate": activity.activity_date,
        "loggedAt": activity.logged_at,
        "timezone": activity.timezone,
        "location": activity.location,
        "context": activity.context,
        "note": activity.note,
        "attachments": activity.attachments,
        "source": activity.source,
    }
