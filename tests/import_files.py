"""Hand-built files for the import tests and the bench: an export.json as the export writes
it (README, "Your data": format "ai-lifestyle-export", version 1), and its ZIP.

The export itself is built in parallel; until both meet, these documents follow the format
the design fixes, with the fields a user can set, ids and timestamps."""

import io
import json
import zipfile
from datetime import date, timedelta
from typing import Any

OLD_USER = "01a00000-0000-7000-8000-000000000001"


def goal(
    goal_id: str,
    title: str,
    *,
    status: str = "active",
    days: int = 0,
    first_day: date = date(2026, 9, 1),
    pattern: str = "recurring",
    target: dict[str, Any] | None = None,
    pauses: list[Any] | None = None,
    reminder: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An exported goal with one activity a day for `days` days from `first_day`; its pauses
    and reminder as the export writes them (none, and off, unless given)."""
    return {
        "pauses": pauses or [],
        "reminder": reminder or {"enabled": False, "localTime": None},
        "goalId": goal_id,
        "title": title,
        "description": f"{title}, every day",
        "category": "health",
        "goalPattern": pattern,
        "target": target or {"metric": "count", "value": 1, "unit": "runs", "period": "day"},
        "status": status,
        "createdAt": f"{first_day.isoformat()}T07:00:00.000Z",
        "progress": {"percentComplete": 12.5},  # derived: ignored by the import
        "activities": [
            {
                "activityId": f"{goal_id}-a{index}",
                "value": 1,
                "unit": (target or {}).get("unit", "runs"),
                "activityType": "completed",
                "activityDate": (first_day + timedelta(days=index)).isoformat(),
                "note": f"day {index}",
            }
            for index in range(days)
        ],
    }


def entry(
    entry_id: str, title: str, *, linked: tuple[str, ...] = (), day: int = 1
) -> dict[str, Any]:
    return {
        "entryId": entry_id,
        "title": title,
        "content": f"<p>{title}: a plain entry</p>",
        "template": "blank",
        "tags": ["imported"],
        "mood": "good",
        "linkedGoalIds": list(linked),
        "createdAt": f"2026-10-{day:02d}T20:00:00.000Z",
        "updatedAt": f"2026-10-{day:02d}T20:05:00.000Z",
        "isEncrypted": False,
    }


def document(
    goals: list[dict[str, Any]] | None = None,
    journal: list[dict[str, Any]] | None = None,
    *,
    encryption: dict[str, Any] | None = None,
    version: int = 1,
    vacations: list[Any] | None = None,
) -> dict[str, Any]:
    return {
        "format": "ai-lifestyle-export",
        "version": version,
        "exportedAt": "2026-12-01T12:00:00.000Z",
        "account": {"userId": OLD_USER, "email": "old@example.com"},
        "profile": {"firstName": "Ada", "lastName": "Lovelace", "timezone": "Europe/London"},
        "encryption": encryption,
        "vacations": vacations or [],
        "goals": goals if goals is not None else [goal("g-run", "Run", days=10)],
        "journal": journal if journal is not None else [entry("e-1", "Day one", linked=("g-run",))],
        "sharesGiven": [{"entryId": "e-1", "userId": "01a00000-0000-7000-8000-0000000000ff"}],
        "sharesReceived": [],
    }


def as_json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def as_zip(doc: dict[str, Any]) -> bytes:
    """The export's ZIP: export.json beside the files a person reads."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", "What each file is.")
        archive.writestr("goals.csv", "goalId,title\n")
        archive.writestr("export.json", json.dumps(doc))
    return buffer.getvalue()


def loop_export() -> bytes:
    """A small Loop Habit Tracker CSV export in its current layout (Loop 2.3 and later): a
    yes/no habit with done, skipped and not-done days, and a numeric one (values x1000)."""
    habits = (
        "Position,Name,Type,Question,Description,FrequencyNumerator,FrequencyDenominator,"
        "Color,Unit,Target Type,Target Value,Archived?\n"
        "001,Meditate,YES_NO,Did you meditate?,,1,1,#FF8F00,,,,false\n"
        "002,Water,NUMERICAL,,,1,1,#00897B,ml,AT_LEAST,2000.0,false\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Habits.csv", habits)
        archive.writestr(
            "001 Meditate/Checkmarks.csv",
            "Date,Value,Notes\n2026-01-06,YES_MANUAL,\n2026-01-05,YES_MANUAL,calm\n"
            "2026-01-04,NO,\n2026-01-03,SKIP,travelling\n",
        )
        archive.writestr(
            "002 Water/Checkmarks.csv", "Date,Value,Notes\n2026-01-02,2500000,hot day\n"
        )
    return buffer.getvalue()
