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
