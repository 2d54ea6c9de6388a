"""The files of an export archive, each as small pure pieces: the CSV rows, a journal entry's
Markdown (front matter, then the content), its file name, the README.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) are prefixed with an apostrophe (OWASP's advice against CSV injection): a
number such as -3 is written as a number, not as text, and stays one.
"""

import json
import re
import unicodedata
from typing import Any

from chalicelib.goals.aggregates import DayAggregate
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.presenter import TARGET_FIELDS
from chalicelib.journal.entry import JournalEntry

ARCHIVE_PREFIX = "ai-lifestyle-export-"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

GOAL_COLUMNS = (
    "goalId",
    "title",
    "description",
    "category",
    "goalPattern",
    "status",
    "visibility",
    *(f"target.{name}" for name in TARGET_FIELDS),
    "isJournalLinked",
    "createdAt",
    "updatedAt",
    "completedAt",
)
ACTIVITY_COLUMNS = (
    "activityId",
    "goalId",
    "goalTitle",
    "localDate",
    "activityDate",
    "loggedAt",
    "timezone",
    "activityType",
    "value",
    "unit",
    "note",
    "source",
)
DAY_COLUMNS = (
    "goalId",
    "goalTitle",
    "localDate",
    "total",
    "valueCount",
    "positiveCount",
    "skipped",
    "progressCount",
    "completedCount",
    "partialCount",
    "min",
    "max",
    "lastValue",
    "lastAt",
)

README = """\
Your AI Lifestyle data, exported on {date}.

export.json          Everything, in one document: your profile, your encryption keys (as
                     stored: wrapped by your password, which the server never had), your
                     goals each with its activities, your journal entries, and which entries
                     you shared with whom. It can be imported again (POST /users/me/imports,
                     format "ai-lifestyle-json", this ZIP or export.json alone).
goals.csv            One row per goal.
activities.csv       One row per logged activity; localDate is the day it counts on in your
                     time zone, as progress counts it.
daily-progress.csv   One row per goal and local day: what that day's activities add up to.
journal/             One Markdown file per journal entry: its details between the --- lines
                     (YAML), then its text. Encrypted entries stay encrypted: their text is
                     the ciphertext, which only your keys open.

Cells of the CSV files that a spreadsheet would read as a formula start with an apostrophe.
"""


def archive_name(day: str) -> str:
    """`ai-lifestyle-export-YYYY-MM-DD.zip` for the day (UTC) the export was requested."""
    return f"{ARCHIVE_PREFIX}{day}.zip"


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would evaluate gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def goal_row(goal: Goal) -> list[Any]:
    target = goal.target or {}
    values = [
        goal.goal_id,
        goal.title,
        goal.description,
        goal.category,
        goal.goal_pattern,
        goal.status,
        goal.visibility,
        *(target.get(name) for name in TARGET_FIELDS),
        bool(goal.is_journal_linked),
        goal.created_at,
        goal.updated_at,
        goal.completed_at,
    ]
    return [csv_cell(value) for value in values]


def activity_row(goal_title: str, activity: Activity) -> list[Any]:
    values = [
        activity.activity_id,
        activity.goal_id,
        goal_title,
        activity.local_date.isoformat(),
        activity.activity_date,
        activity.logged_at,
        activity.timezone,
        activity.activity_type,
        activity.value,
        activity.unit,
        activity.note,
        activity.source,
    ]
    return [csv_cell(value) for value in values]


def day_row(goal: Goal, day: DayAggregate) -> list[Any]:
    values = [
        goal.goal_id,
        goal.title,
        day.day.isoformat(),
        day.total,
        day.value_count,
        day.positive_count,
        day.skipped,
        day.count_of("progress"),
        day.count_of("completed"),
        day.count_of("partial"),
        day.lowest,
        day.highest,
        day.last_value,
        day.last_at,
    ]
    return [csv_cell(value) for value in values]


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:40].rstrip("-") or "entry"


def entry_file_name(entry: JournalEntry) -> str:
    """`journal/YYYY-MM-DD-<slug>-<entryId>.md`: the local day it was written on, its title
    made safe for every file system (an encrypted entry's title is not put in a name), and
    its id, so no two names clash."""
    slug = "encrypted" if entry.is_encrypted else _slug(entry.title)
    return f"journal/{entry.local_date}-{slug}-{entry.entry_id}.md"


def _yaml(value: Any) -> str:
    # JSON's strings, numbers, booleans, null and arrays are valid YAML flow scalars and
    # sequences, with every character escaped as YAML reads it back.
    return json.dumps(value, ensure_ascii=False)


def entry_markdown(entry: JournalEntry) -> str:
    """Front matter (YAML between `---` lines), then the content as written (ciphertext for
    an encrypted entry)."""
    fields: list[tuple[str, Any]] = [
        ("id", entry.entry_id),
        ("title", entry.title),
        ("createdAt", entry.created_at),
        ("updatedAt", entry.updated_at),
        ("mood", entry.mood),
        ("tags", list(entry.tags)),
        ("template", entry.template),
        ("linkedGoalIds", list(entry.linked_goal_ids)),
        ("isEncrypted", entry.is_encrypted),
    ]
    if entry.is_encrypted:
        fields += [("encryptedKey", entry.encrypted_key), ("encryptionIv", entry.encryption_iv)]
    front = "\n".join(f"{name}: {_yaml(value)}" for name, value in fields)
    return f"---\n{front}\n---\n\n{entry.content}\n"
