"""What an import will write, whatever file it came from: the parsers (the JSON export,
Loop Habit Tracker's CSV) turn a file into an `ImportPlan`, and one writer turns a plan into
goals, activities and journal entries. Every record is already validated by the same wire
models the routes use, so an imported goal obeys exactly the rules a created one does.

`source_id` names a record within its file (an exported id, or a Loop habit's name and date).
With the file's digest it makes the ids the writer gives, so running an import twice, or
resuming one after a crash, writes each record once.
"""

from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.goals.models import ActivityFields, GoalCreate
from chalicelib.journal.models import EntryCreate
from chalicelib.users.models import KeySetup, ProfileUpdate

SourceFormat = Literal["ai-lifestyle-json", "loop-csv"]
# What a goal ends as: created as `definition.status` allows, then moved here (archived and
# completed goals keep their history but are not active).
FinalStatus = Literal["draft", "active", "paused", "completed", "archived"]


@dataclass(frozen=True)
class ImportedActivity:
    source_id: str
    fields: ActivityFields  # as a log's body: value, unit, activityDate, note, ...


@dataclass(frozen=True)
class ImportedGoal:
    source_id: str
    definition: GoalCreate  # as POST /goals' body
    status: FinalStatus
    # When the goal began (ISO 8601, UTC), kept so its periods and streaks begin where they
    # did; None means now.
    created_at: str | None
    activities: tuple[ImportedActivity, ...]
    # The longest streak the goal ever reached: a record that never goes down, even when the
    # activities that made it are gone (docs/progress-rules.md), so it is carried over rather
    # than recomputed; 0 when the file does not say.
    longest_streak: int = 0
    # The goal's pauses as the goal item keeps them ({"from", "until", "reason"?}, local
    # dates), already checked against the pause rules; set before its progress is computed,
    # so its excused days stay excused.
    pauses: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ImportedEntry:
    source_id: str
    fields: EntryCreate  # as POST /journal's body; encrypted entries stay ciphertext
    created_at: str | None
    # Goals of the same file this entry links to, by their source ids (the writer maps
    # them to the new goals' ids).
    goal_source_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """One record left out, and why, in words a user understands."""

    kind: str  # "goal", "activity", "entry", "share", "habit", "checkmark", "file", ...
    source: str  # where in the file: "Habits.csv row 3", "goals[2].activities[5]"
    reason: str


@dataclass(frozen=True)
class ImportPlan:
    source_format: SourceFormat
    goals: tuple[ImportedGoal, ...]
    entries: tuple[ImportedEntry, ...] = ()
    # The profile's own settings (time zone, day start, preferences); None leaves them.
    profile: ProfileUpdate | None = None
    # The exported key record (public key, password-wrapped private key, salt): restored only
    # into an account without keys, so encrypted entries open with the same password.
    keys: KeySetup | None = None
    # The person's vacations, as the profile item keeps them (same shape as a pause), checked
    # against the vacation rules; they excuse every goal of the account.
    vacations: tuple[dict[str, Any], ...] = ()
    skipped: tuple[Skipped, ...] = ()
