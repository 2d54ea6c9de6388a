"""Goal reminders: when a goal's next reminder fires, and the sparse index that lets the
scheduled job find what fires in a minute without scanning (docs/api.md, "Reminders").

| item | PK | SK |
|---|---|---|
| armed reminder | `REMINDER#{yyyy-mm-ddThh:mm}` (UTC minute) | `{userId}#{goalId}` |
| its pointer | `USER#{userId}` | `REMINDERAT#{goalId}#{yyyy-mm-ddThh:mm}` |
| sent marker | `USER#{userId}` | `REMINDERSENT#{goalId}#{local date}` (expires after 3 days) |

DST: a reminder fires once per calendar date, at the wall-clock time read with `fold=0`.
On a spring-forward day a time inside the gap (02:30 in New York) does not exist: it fires
at the instant the clock would show it had it not jumped (03:30 new time, the gap's length
later). On a fall-back day a time that happens twice (01:30) fires at its first occurrence.
The sent marker per goal and date makes a second send impossible either way.

An armed reminder lives outside its owner's partition, and names them. Each one has a pointer
in the partition, put and deleted in the same transaction as it (`stage_armed`,
`stage_disarmed`), so account deletion, which erases the partition, finds every one.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.core import dynamo
from chalicelib.core.dynamo import Transaction
from chalicelib.core.local_time import LocalTime
from chalicelib.goals.due import LOOKAHEAD_DAYS, due_day
from chalicelib.goals.entities import Goal

PARTITION_PREFIX = "REMINDER#"
SENT_MARKER_DAYS = 3


def minute_key(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def index_key(minute: str, user_id: str, goal_id: str) -> dict[str, str]:
    return {"PK": f"{PARTITION_PREFIX}{minute}", "SK": f"{user_id}#{goal_id}"}


POINTER_PREFIX = "REMINDERAT#"


def pointer_key(user_id: str, goal_id: str, minute: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"{POINTER_PREFIX}{goal_id}#{minute}"}


def index_key_of_pointer(user_id: str, pointer_sk: str) -> dict[str, str]:
    """The armed reminder a pointer (its sort key) names."""
    goal_id, minute = pointer_sk.removeprefix(POINTER_PREFIX).split("#", 1)
    return index_key(minute, user_id, goal_id)


def _minute_of(index: dict[str, Any]) -> str:
    return str(index["PK"]).removeprefix(PARTITION_PREFIX)


def stage_armed(tx: Transaction, label: str, index: dict[str, Any]) -> None:
    """Arm a reminder: its index item, and its pointer in the owner's partition."""
    tx.put(label, index)
    tx.put(f"{label}-pointer", pointer_key(index["userId"], index["goalId"], _minute_of(index)))


def stage_disarmed(
    tx: Transaction, label: str, index: dict[str, str], *, condition: str | None = None
) -> None:
    """Disarm a reminder (`index` is its key): the index item and its pointer."""
    user_id, goal_id = index["SK"].split("#", 1)
    tx.delete(label, index, condition=condition)
    tx.delete(f"{label}-pointer", pointer_key(user_id, goal_id, _minute_of(index)))


def disarmed_keys(index: dict[str, str]) -> list[dict[str, str]]:
    """The keys a reminder's disarming deletes (for a delete outside a transaction)."""
    user_id, goal_id = index["SK"].split("#", 1)
    return [index, pointer_key(user_id, goal_id, _minute_of(index))]


def sent_marker_key(user_id: str, goal_id: str, day: date) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"REMINDERSENT#{goal_id}#{day.isoformat()}"}


def reminder_time(goal: Goal) -> str | None:
    """The wall-clock time the goal's reminder fires, or None when it has none: its own
    `localTime`, else the schedule's first preferred time."""
    reminder = goal.reminder or {}
    if not reminder.get("enabled"):
        return None
    chosen = reminder.get("localTime") or next(
        iter(goal.schedule.get("preferredTimes") or []), None
    )
    return str(chosen) if chosen else None


def fire_instant(day: date, clock: str, local: LocalTime) -> datetime:
    """The one instant a reminder set for `clock` fires on calendar date `day` (see the
    module's DST rule), in UTC."""
    hour, minute = (int(part) for part in clock.split(":"))
    wall = datetime.combine(day, time(hour, minute), tzinfo=local.zone).replace(fold=0)
    return wall.astimezone(UTC)


def next_firing(
    goal: Goal, local: LocalTime, after: datetime, vacations: Sequence[Any] = ()
) -> tuple[datetime, date] | None:
    """The first firing strictly after `after`, on a day the goal is scheduled and not
    excused: (instant, calendar date), or None (no reminder, inactive, or none ahead)."""
    clock = reminder_time(goal)
    if clock is None or goal.status not in {"active", "paused"} or goal.goal_pattern == "limit":
        return None
    first = after.astimezone(local.zone).date() - timedelta(days=1)
    for offset in range(LOOKAHEAD_DAYS):
        day = first + timedelta(days=offset)
        instant = fire_instant(day, clock, local)
        if instant > after and due_day(goal, local.local_date(instant), vacations):
            return instant, day
    return None


def index_item(goal: Goal, instant: datetime, day: date) -> dict[str, Any]:
    return {
        **index_key(minute_key(instant), goal.user_id, goal.goal_id),
        "userId": goal.user_id,
        "goalId": goal.goal_id,
        "localDate": day.isoformat(),
        "localTime": reminder_time(goal),
    }


def armed(
    goal: Goal, local: LocalTime, now: datetime, vacations: Sequence[Any] = ()
) -> tuple[Goal, dict[str, Any] | None]:
    """The goal with `reminder_at` set to its next firing, and that firing's index item (None
    when nothing fires)."""
    from dataclasses import replace

    firing = next_firing(goal, local, now, vacations)
    if firing is None:
        return replace(goal, reminder_at=None), None
    instant, day = firing
    return replace(goal, reminder_at=minute_key(instant)), index_item(goal, instant, day)


def stage_rearm(
    tx: Transaction, before: Goal | None, after: Goal, index: dict[str, Any] | None
) -> None:
    """Move the goal's index item from the minute `before` was armed for to `after`'s."""
    old = before.reminder_at if before else None
    if old and old != after.reminder_at:
        stage_disarmed(tx, "reminder-index-old", index_key(old, after.user_id, after.goal_id))
    if index is not None:
        stage_armed(tx, "reminder-index", index)
