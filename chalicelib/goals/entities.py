"""The goal domain's entities as typed values: what a stored item holds, with attributes.

The repository converts items with `from_item` and `to_item` (the stored attribute names are
those existing items hold and must not change); presenters turn entities into the wire shape.
No progress rules live here: the repository imports this module, and the journal the
repository, so a journal read never loads the progress engine.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.goals import compact

# What every goal is created with unless the client says otherwise (goals/service.py).
DEFAULT_VISIBILITY = "private"


@dataclass(frozen=True)
class Activity:
    """One thing a person did towards a goal. `activity_date` is its instant as stored (ISO,
    UTC; it orders the goal's activities); `local_date` and `local_hour` place it in the
    person's day when it was written (`local_hour` is None when it was given as a date alone:
    it then counts in no time-of-day bucket)."""

    activity_id: str
    goal_id: str
    user_id: str
    value: float  # 0 for a skipped day
    activity_type: str
    activity_date: str
    logged_at: str
    timezone: str
    local_date: date
    local_hour: int | None = None
    unit: str = ""
    location: Any = None  # free text or a small object, as the client sent it
    context: Mapping[str, Any] | None = None
    note: str | None = None
    attachments: list[Any] = field(default_factory=list)
    source: str = "manual"

    @property
    def carries_value(self) -> bool:
        """A skipped day is counted, but adds no value."""
        return self.activity_type != "skipped"

    def to_item(self) -> dict[str, Any]:
        return {
            "activityId": self.activity_id,
            "goalId": self.goal_id,
            "userId": self.user_id,
            "value": self.value,
            "unit": self.unit,
            "activityType": self.activity_type,
            "activityDate": self.activity_date,
            "loggedAt": self.logged_at,
            "timezone": self.timezone,
            "location": self.location,
            "context": self.context,
            "note": self.note,
            "attachments": self.attachments,
            "source": self.source,
            "localDate": self.local_date.isoformat(),
            "localHour": self.local_hour,
        }

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> "Activity":
        hour = item.get("localHour")
        return cls(
            activity_id=item["activityId"],
            goal_id=item["goalId"],
            user_id=item["userId"],
            value=item["value"],
            activity_type=item["activityType"],
            activity_date=item["activityDate"],
            logged_at=item["loggedAt"],
            timezone=item["timezone"],
            local_date=date.fromisoformat(item["localDate"]),
            local_hour=None if hour is None else int(hour),
            unit=item.get("unit") or "",
            location=item.get("location"),
            context=item.get("context"),
            note=item.get("note"),
            attachments=item.get("attachments") or [],
            source=item.get("source") or "manual",
        )


@dataclass(frozen=True)
class Goal:
    """A goal as its item stores it. `target`, `schedule`, `context`, `rewards` and `metadata`
    stay the maps a client sent (an update merges into them key by key, and typing them would
    add keys to stored items); `progress_state` is the stored map, read through
    `progress_state.stored_state` (kept a map here so that reading a goal never loads the
    progress engine). None where a client may clear a field."""

    goal_id: str
    user_id: str
    title: str
    goal_pattern: str
    status: str
    target: dict[str, Any]
    created_at: str
    updated_at: str
    version: int
    description: str | None = None
    category: str = "general"
    icon: str | None = None
    color: str | None = None
    visibility: str | None = DEFAULT_VISIBILITY
    schedule: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    rewards: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] | None = field(default_factory=dict)
    is_journal_linked: bool | None = False
    initial_current_value: float | None = None
    completed_at: str | None = None
    activity_count: int = 0
    progress_state: dict[str, Any] | None = None  # None only before a goal's first write
    # Local date ranges on which the goal is excused (goals/pauses.py).
    pauses: list[dict[str, Any]] = field(default_factory=list)
    # A copy of the person's vacations (the profile's), kept on every active goal by the
    # vacation writes so that reading a goal still needs no profile (goals/vacations.py).
    vacations: list[dict[str, Any]] = field(default_factory=list)
    # {"enabled", "localTime"}: the goal's reminder (goals/reminders.py), absent until set;
    # `reminder_at` is the UTC minute its index item was armed for by the last goal write.
    reminder: dict[str, Any] | None = None
    reminder_at: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def to_item(self) -> dict[str, Any]:
        """The goal's attributes, without its owner (the item's key names them: `from_item`
        is given them) and without what reading it back restores: the item is rewritten on
        every log, and every byte of it bills on each write and each list read (a goal over
        1 KB costs twice as much to write)."""
        item: dict[str, Any] = {
            "goalId": self.goal_id,
            "title": self.title,
            "category": self.category,
            "goalPattern": self.goal_pattern,
            "status": self.status,
            "target": self.target,
            "createdAt": compact.pack_instant(self.created_at),
            "updatedAt": compact.pack_instant(self.updated_at),
            "version": self.version,
            "activityCount": self.activity_count,
        }
        # Left out at the value every goal was created with (reading them back gives it; a
        # visibility a client cleared stays a stored null), and empty maps.
        if self.visibility != DEFAULT_VISIBILITY:
            item["visibility"] = self.visibility
        if self.is_journal_linked:
            item["isJournalLinked"] = self.is_journal_linked
        maps = {
            "schedule": self.schedule,
            "context": self.context,
            "rewards": self.rewards,
            "metadata": self.metadata,
        }
        item |= {name: value for name, value in maps.items() if value}
        # Left out while null (reading them back gives null).
        optional = {
            "description": self.description,
            "icon": self.icon,
            "color": self.color,
            "initialCurrentValue": self.initial_current_value,
            "completedAt": compact.pack_instant(self.completed_at),
        }
        item |= {name: value for name, value in optional.items() if value is not None}
        if self.progress_state is not None:
            item["progressState"] = self.progress_state
        if self.pauses:
            item["pauses"] = self.pauses
        if self.vacations:
            item["vacations"] = self.vacations
        if self.reminder is not None:
            item["reminder"] = self.reminder
        if self.reminder_at is not None:
            item["reminderAt"] = self.reminder_at
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any], user_id: str) -> "Goal":
        """`user_id`: the owner, whose partition the item was read from (items stored before
        goals left it out also hold it as `userId`, the same id)."""
        return cls(
            goal_id=item["goalId"],
            user_id=user_id,
            title=item["title"],
            goal_pattern=item["goalPattern"],
            status=item["status"],
            target=item["target"],
            created_at=str(compact.unpack_instant(item["createdAt"])),
            updated_at=str(compact.unpack_instant(item["updatedAt"])),
            version=int(item["version"]),
            description=item.get("description"),
            category=item.get("category") or "general",
            icon=item.get("icon"),
            color=item.get("color"),
            visibility=item.get("visibility", DEFAULT_VISIBILITY),
            schedule=item.get("schedule") or {},
            context=item.get("context") or {},
            rewards=item.get("rewards") or {},
            metadata=item.get("metadata", {}),
            is_journal_linked=item.get("isJournalLinked", False),
            initial_current_value=item.get("initialCurrentValue"),
            completed_at=compact.unpack_instant(item.get("completedAt")),
            activity_count=int(item.get("activityCount", 0)),
            progress_state=item.get("progressState"),
            pauses=list(item.get("pauses") or []),
            vacations=list(item.get("vacations") or []),
            reminder=item.get("reminder"),
            reminder_at=item.get("reminderAt"),
        )
