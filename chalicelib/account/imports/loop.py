"""Loop Habit Tracker's CSV export (the ZIP its "Export as CSV" makes) -> an `ImportPlan`.

The archive, as Loop's HabitsCSVExporter writes it (uhabits-core, checked against its source):
- `Habits.csv`: one row per habit. Since Loop 2.3: Position, Name, Type (YES_NO or
  NUMERICAL), Question, Description, FrequencyNumerator, FrequencyDenominator, Color, Unit,
  Target Type (AT_LEAST or AT_MOST), Target Value, Archived?. Before: Position, Name,
  [Question,] Description, NumRepetitions, Interval, Color (no type, unit, target or archive).
- `NNN Name/Checkmarks.csv` per exported habit, NNN being its Position: since 2.3 a header
  `Date,Value,Notes` and values named YES_MANUAL (2), YES_AUTO (1), NO (0), SKIP (3), UNKNOWN
  (-1) or, for numeric habits, the amount times 1000; before, `date,integer` rows and no header.
- `NNN Name/Scores.csv`, and the root `Checkmarks.csv`/`Scores.csv` (one column per habit):
  derived from the above, so they are not read.

How habits map to goals, and what is left out, is the README's "Importing from Loop Habit
Tracker". A file that is not such an archive, or one too large to be one, is refused whole
(`LoopArchiveError`); a habit or a row that cannot be used is a `Skipped` with its reason.
"""

import csv
import io
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from math import floor
from typing import Any

from pydantic import ValidationError

from chalicelib.account.imports.plan import (
    FinalStatus,
    ImportedActivity,
    ImportedGoal,
    ImportPlan,
    Skipped,
)
from chalicelib.core.clock import utc_now
from chalicelib.core.errors import BadRequest, FieldError
from chalicelib.core.validation import field_errors
from chalicelib.goals.models import ActivityFields, GoalCreate, pattern_errors
from chalicelib.goals.repository import title_key

# Bounds on what is read, whatever the archive claims: Loop's export of ten years of daily
# check-ins for 50 habits is about 200,000 rows and a few megabytes.
MAX_ARCHIVE_BYTES = 10 * 1024 * 1024  # the upload limit of a Loop import
MAX_MEMBERS = 5_000
MAX_FILE_BYTES = 16 * 1024 * 1024  # one CSV, uncompressed
MAX_TOTAL_BYTES = 48 * 1024 * 1024  # every CSV read, uncompressed
MAX_HABITS = 1_000
MAX_CHECKMARK_ROWS = 250_000
MAX_NOTE = 500  # ActivityFields.note
MAX_TITLE = 200  # Title
MAX_SHORT_TEXT = 50  # ShortText: unit, color
MAX_DESCRIPTION = 1000  # GoalFields.description
EARLIEST_DATE = date(2000, 1, 1)  # activities before 2000 are refused (progress-rules.md)

# Entry values (uhabits-core models/Entry.kt).
UNKNOWN, NO, YES_AUTO, YES_MANUAL, SKIP = -1, 0, 1, 2, 3
_NAMED_VALUES = {
    "UNKNOWN": UNKNOWN,
    "NO": NO,
    "YES_AUTO": YES_AUTO,
    "YES_MANUAL": YES_MANUAL,
    "SKIP": SKIP,
}
_BOOLEAN_VALUES = frozenset(_NAMED_VALUES.values())
NUMERIC_SCALE = 1000  # a numeric habit's amounts are stored times 1000

# ASCII digits only: \d would take any script's digits.
_HABIT_FOLDER = re.compile(r"^([0-9]{1,6})(?: [^/]*)?/Checkmarks\.csv$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# What reading a damaged or hostile ZIP can raise, from zipfile and its decompressors.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,  # a compression method Python lacks
    RuntimeError,  # an encrypted member
    ValueError,
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
)
ARCHIVE_HINT = 'Upload the ZIP file that Loop\'s "Export as CSV" makes, unchanged.'


class LoopArchiveError(BadRequest):
    """The file cannot be read as Loop's CSV export at all; `message` says why, for the
    user. Nothing of the file is imported."""

    code = "INVALID_LOOP_ARCHIVE"


@dataclass(frozen=True)
class _Habit:
    line: int  # in Habits.csv
    position: int
    name: str
    numeric: bool | None  # None: an export from before Loop 2.3, which does not say
    question: str
    description: str
    numerator: int
    denominator: int
    color: str
    unit: str
    at_most: bool
    target_value: float
    archived: bool

    @property
    def where(self) -> str:
        return _habit_where(self.line, self.name)


def _habit_where(line: int, name: str) -> str:
    shown = name if len(name) <= 60 else name[:59] + "…"
    return f"Habits.csv line {line} ({shown or 'no name'})"


@dataclass(frozen=True)
class _Checkmark:
    where: str
    day: date
    value: int
    notes: str


@dataclass
class _Budget:
    """What the archive may still cost (uncompressed bytes, checkmark rows), and the clock
    read once for it."""

    bytes_left: int
    rows_left: int
    # The last local date that has begun anywhere: UTC's tomorrow (UTC+14).
    latest_day: date


def parse_loop_archive(data: bytes) -> ImportPlan:
    """The goals and activities a Loop CSV export holds. Raises `LoopArchiveError` when the
    file is not one (or is too large to be one); anything smaller is a `Skipped`."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise LoopArchiveError(
            f"The file is larger than {MAX_ARCHIVE_BYTES // (1024 * 1024)} MiB, which no Loop "
            "export is."
        )
    budget = _Budget(
        bytes_left=MAX_TOTAL_BYTES,
        rows_left=MAX_CHECKMARK_ROWS,
        latest_day=utc_now().date() + timedelta(days=1),
    )
    with _open_zip(data) as archive:
        root, folders, extra = _locate(archive)
        habits_csv = _read_text(archive, root + "Habits.csv", budget)
        habits, skipped, listed = _read_habits(habits_csv)
        goals: list[ImportedGoal] = []
        titles: set[str] = set()
        for habit in habits:
            member = folders.pop(habit.position, None)
            if member is None:
                skipped.append(_not_exported(habit))
                continue
            text = _read_text(archive, member, budget)
            goal, problems = _habit_goal(habit, member.removeprefix(root), text, budget, titles)
            skipped.extend(problems)
            if goal is not None:
                goals.append(goal)
    skipped.extend(_orphan_folders(folders, listed, root))
    skipped.extend(extra)
    return ImportPlan(source_format="loop-csv", goals=tuple(goals), skipped=tuple(skipped))


# --- the ZIP ---------------------------------------------------------------------------------


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise LoopArchiveError(f"The file is not a readable ZIP archive. {ARCHIVE_HINT}") from exc
    if len(archive.infolist()) > MAX_MEMBERS:
        archive.close()
        raise LoopArchiveError(
            f"The archive holds more than {MAX_MEMBERS:,} files, which no Loop export does."
        )
    return archive


def _member_names(archive: zipfile.ZipFile) -> list[str]:
    # Archives zipped again on macOS carry resource forks under __MACOSX/: never Loop's.
    return [
        info.filename
        for info in archive.infolist()
        if not info.is_dir() and not info.filename.startswith("__MACOSX/")
    ]


def _locate(archive: zipfile.ZipFile) -> tuple[str, dict[int, str], list[Skipped]]:
    """The folder holding Habits.csv (the archive's root, or one folder if the user unzipped
    and zipped it again), each habit folder's Checkmarks.csv by the habit's position, and
    the folders that name a position twice."""
    names = _member_names(archive)
    roots = sorted(name.removesuffix("Habits.csv") for name in names if _is_habits_csv(name))
    if not roots:
        raise LoopArchiveError(
            f"The archive has no Habits.csv, so it is not Loop's export. {ARCHIVE_HINT}"
        )
    if len(roots) > 1:
        raise LoopArchiveError("The archive holds more than one Habits.csv; upload one export.")
    root = roots[0]
    folders: dict[int, str] = {}
    skipped: list[Skipped] = []
    for name in names:
        match = _HABIT_FOLDER.match(name.removeprefix(root)) if name.startswith(root) else None
        if match is None:
            continue
        position = int(match.group(1))
        if position in folders:
            reason = f"another folder already holds habit {position}'s checkmarks"
            skipped.append(Skipped("file", name.removeprefix(root), reason))
        else:
            folders[position] = name
    return root, folders, skipped


def _is_habits_csv(name: str) -> bool:
    return name == "Habits.csv" or (name.endswith("/Habits.csv") and name.count("/") == 1)


def _read_text(archive: zipfile.ZipFile, name: str, budget: _Budget) -> str:
    """A member as text, read at most to its bounds (a ZIP's sizes are claims, not facts)."""
    limit = min(MAX_FILE_BYTES, budget.bytes_left)
    try:
        with archive.open(name) as member:
            raw = member.read(limit + 1)
    except _ZIP_ERRORS as exc:
        raise LoopArchiveError(f"{name} in the archive cannot be read: it is damaged.") from exc
    if len(raw) > limit:
        raise LoopArchiveError(
            f"The archive unpacks to more than Loop's export of any real history would "
            f"({name} passes the limit of {limit // (1024 * 1024)} MiB)."
        )
    budget.bytes_left -= len(raw)
    try:
        # Loop writes UTF-8; a spreadsheet may have saved it with a byte order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoopArchiveError(f"{name} is not UTF-8 text, as Loop writes it.") from exc


def _rows(text: str, where: str) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the line each starts on; a row that breaks the CSV syntax ends the file
    as a LoopArchiveError naming the line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    try:
        for row in reader:
            yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise LoopArchiveError(f"{where} is not valid CSV at line {line}: {exc}.") from exc


# --- Habits.csv ------------------------------------------------------------------------------

# Column names across Loop's versions: the frequency was NumRepetitions/Interval before 2.3.
_COLUMNS = {
    "position": ("Position",),
    "name": ("Name",),
    "type": ("Type",),
    "question": ("Question",),
    "description": ("Description",),
    "numerator": ("FrequencyNumerator", "NumRepetitions"),
    "denominator": ("FrequencyDenominator", "Interval"),
    "color": ("Color",),
    "unit": ("Unit",),
    "target_type": ("Target Type",),
    "target_value": ("Target Value",),
    "archived": ("Archived?",),
}
_REQUIRED = ("position", "name", "numerator", "denominator")


def _read_habits(text: str) -> tuple[list[_Habit], list[Skipped], set[int]]:
    """The usable habits, the rows that are not, and every position a row names (a row
    skipped here has its folder skipped with it, not reported again)."""
    rows = _rows(text, "Habits.csv")
    header = next(rows, None)
    columns = _column_indexes(header[1] if header else [])
    habits: list[_Habit] = []
    skipped: list[Skipped] = []
    listed: set[int] = set()
    for count, (line, row) in enumerate(filter(lambda item: any(item[1]), rows), start=1):
        if count > MAX_HABITS:
            raise LoopArchiveError(f"Habits.csv lists more than {MAX_HABITS:,} habits.")
        habit = _habit(line, row, columns)
        if isinstance(habit, Skipped):
            skipped.append(habit)
        elif habit.position in listed:
            skipped.append(Skipped("habit", habit.where, "another habit has the same Position"))
        else:
            habits.append(habit)
        listed.add(_position(row, columns))
    return habits, skipped, listed


def _position(row: list[str], columns: dict[str, int]) -> int:
    index = columns["position"]
    position = _whole(row[index]) if index < len(row) else None
    return position or 0


def _whole(text: str) -> int | None:
    """A count Loop wrote (ASCII digits only: int() would also take "1_0" or "٣")."""
    text = text.strip()
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def _column_indexes(header: list[str]) -> dict[str, int]:
    found = {cell.strip(): index for index, cell in enumerate(header)}
    columns = {
        key: found[name] for key, names in _COLUMNS.items() for name in names if name in found
    }
    missing = [_COLUMNS[key][0] for key in _REQUIRED if key not in columns]
    if missing:
        raise LoopArchiveError(
            f"Habits.csv lacks the column(s) {', '.join(missing)}, so it is not Loop's export."
        )
    return columns


def _habit(line: int, row: list[str], columns: dict[str, int]) -> _Habit | Skipped:
    def cell(key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    where = _habit_where(line, cell("name"))
    if len(row) <= max(columns[key] for key in _REQUIRED):
        return Skipped("habit", where, "the row has fewer columns than the header")
    position, numerator = _whole(cell("position")), _whole(cell("numerator"))
    denominator = _whole(cell("denominator"))
    if position is None or numerator is None or denominator is None:
        return Skipped("habit", where, "its Position or frequency is not a whole number")
    if position < 1 or not 1 <= numerator <= 10_000 or not 1 <= denominator <= 10_000:
        return Skipped("habit", where, "its Position or frequency is out of range")
    kind = cell("type") if "type" in columns else None
    if kind not in {None, "YES_NO", "NUMERICAL"}:
        return Skipped("habit", where, f"its type {kind!r} is not one Loop has")
    target = (
        _numeric_target(cell("target_type"), cell("target_value"))
        if kind == "NUMERICAL"
        else (False, 0.0)
    )
    if target is None:
        return Skipped("habit", where, "its target type or target value cannot be read")
    return _Habit(
        line=line,
        position=position,
        name=cell("name"),
        numeric=None if kind is None else kind == "NUMERICAL",
        question=cell("question"),
        description=cell("description"),
        numerator=numerator,
        denominator=denominator,
        color=cell("color"),
        unit=cell("unit"),
        at_most=target[0],
        target_value=target[1],
        archived=cell("archived").lower() == "true",
    )


def _numeric_target(target_type: str, target_value: str) -> tuple[bool, float] | None:
    """(at most?, value) of a numeric habit; Loop writes the value as a Java double."""
    if target_type not in {"AT_LEAST", "AT_MOST"} or len(target_value) > 40:
        return None
    try:
        value = float(target_value)
    except ValueError:
        return None
    return target_type == "AT_MOST", value


def _not_exported(habit: _Habit) -> Skipped:
    return Skipped(
        "habit",
        habit.where,
        "its checkmarks are not in the archive (Loop exports the folders of the habits "
        "selected for export only)",
    )


def _orphan_folders(folders: dict[int, str], listed: set[int], root: str) -> list[Skipped]:
    return [
        Skipped("file", name.removeprefix(root), f"no habit in Habits.csv has position {position}")
        for position, name in sorted(folders.items())
        if position not in listed
    ]


# --- a habit's Checkmarks.csv ----------------------------------------------------------------


def _read_checkmarks(
    text: str, path: str, budget: _Budget
) -> tuple[list[_Checkmark], list[Skipped]]:
    checkmarks: list[_Checkmark] = []
    skipped: list[Skipped] = []
    seen: set[date] = set()
    for line, row in _rows(text, path):
        if line == 1 and row and row[0].strip() == "Date":
            continue  # the header Loop 2.3 added
        if not any(cell.strip() for cell in row):
            continue
        budget.rows_left -= 1
        if budget.rows_left < 0:
            raise LoopArchiveError(
                f"The archive holds more than {MAX_CHECKMARK_ROWS:,} checkmarks, more than "
                "this import takes at once."
            )
        item = _checkmark(f"{path} line {line}", row, budget.latest_day)
        if isinstance(item, _Checkmark) and item.day in seen:
            item = Skipped("checkmark", item.where, f"{item.day} appears twice; the first is kept")
        if isinstance(item, Skipped):
            skipped.append(item)
        else:
            seen.add(item.day)
            checkmarks.append(item)
    return checkmarks, skipped


def _checkmark(where: str, row: list[str], latest_day: date) -> _Checkmark | Skipped:
    if len(row) < 2:
        return Skipped("checkmark", where, "the row has no value")
    day_text, value_text = row[0].strip(), row[1].strip()
    day = _date(day_text)
    if day is None:
        return Skipped("checkmark", where, f"{day_text[:40]!r} is not a date (YYYY-MM-DD)")
    problem = _date_problem(day, latest_day)
    if problem:
        return Skipped("checkmark", where, problem)
    value = _NAMED_VALUES.get(value_text)
    if value is None:
        value = _integer(value_text)
    if value is None:
        return Skipped("checkmark", where, f"{value_text[:40]!r} is not a value Loop writes")
    return _Checkmark(where, day, value, row[2].strip() if len(row) > 2 else "")


def _date(text: str) -> date | None:
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _date_problem(day: date, latest_day: date) -> str | None:
    """Why an activity cannot be logged on `day`, which the activity routes would refuse."""
    if day < EARLIEST_DATE:
        return f"{day} is before 2000, which goals do not accept"
    if day > latest_day:
        return f"{day} lies in the future"
    return None


def _integer(text: str) -> int | None:
    if not re.fullmatch(r"-?[0-9]{1,16}", text):
        return None
    return int(text)


# --- a habit -> a goal -----------------------------------------------------------------------


def _habit_goal(
    habit: _Habit, path: str, text: str, budget: _Budget, titles: set[str]
) -> tuple[ImportedGoal | None, list[Skipped]]:
    checkmarks, skipped = _read_checkmarks(text, path, budget)
    numeric = habit.numeric
    if numeric is None and any(mark.value not in _BOOLEAN_VALUES for mark in checkmarks):
        reason = (
            "it is a numeric habit, and Loop exports before version 2.3 leave out its unit "
            "and target: export again from an up-to-date Loop to import it"
        )
        return None, [Skipped("habit", habit.where, reason)]
    definition = _definition(habit, _unique_title(habit, titles))
    if isinstance(definition, Skipped):
        # The habit's rows go with it: their own problems no longer matter.
        return None, [definition]
    activities: list[ImportedActivity] = []
    for mark in checkmarks:
        activity, problems = _activity(habit, mark, bool(numeric))
        skipped.extend(problems)
        if activity is not None:
            activities.append(activity)
    first = min((mark.day for mark in checkmarks), default=None)
    goal = ImportedGoal(
        source_id=f"habit:{habit.position}",
        definition=definition,
        status=_final_status(habit),
        # The habit began by its first checkmark; its history then falls in the goal's
        # periods. Midnight UTC is on or before that local day in every zone.
        created_at=f"{first.isoformat()}T00:00:00Z" if first else None,
        activities=tuple(activities),
    )
    return goal, skipped


def _final_status(habit: _Habit) -> FinalStatus:
    return "archived" if habit.archived else "active"


def _unique_title(habit: _Habit, titles: set[str]) -> str:
    """The habit's name as a goal title, made unique within the file: Loop allows two
    habits of one name, while two active goals may not share a title."""
    base = (habit.name or f"Loop habit {habit.position}")[: MAX_TITLE - 6].strip()
    title, number = base, 1
    while title_key(title) in titles:
        number += 1
        title = f"{base} ({number})"
    titles.add(title_key(title))
    return title


# The periods a goal can count in, with their length in days, shortest first.
_PERIODS = (("day", 1), ("week", 7), ("month", 30), ("quarter", 91), ("year", 365))
_FREQUENCIES = {"day": "daily", "week": "weekly", "month": "monthly"}


def _period(denominator: int) -> tuple[str, float]:
    """The goal period for Loop's "per `denominator` days", and how many of Loop's intervals
    fit in it. 1, 7 and 30 (or 31) days are a day, a week and a month exactly; other
    intervals take the shortest period that holds them, with the target scaled to it."""
    if denominator in {30, 31}:
        return "month", 1.0
    for period, days in _PERIODS:
        if denominator <= days:
            return period, days / denominator
    return "year", 365 / denominator


def _definition(habit: _Habit, title: str) -> GoalCreate | Skipped:
    period, scale = _period(habit.denominator)
    if habit.numeric:
        pattern = "limit" if habit.at_most else "recurring"
        target: dict[str, Any] = {
            "metric": "custom",
            "value": round(habit.target_value * scale, 4),
            "period": period,
            "targetType": "maximum" if habit.at_most else "minimum",
        }
        if habit.unit:
            target["unit"] = habit.unit[:MAX_SHORT_TEXT]
    else:
        pattern = "recurring"
        # "N times in D days" as whole check-ins per period, rounded half up, at least one.
        times = max(1, floor(habit.numerator * scale + 0.5))
        target = {"metric": "count", "value": times, "period": period, "targetType": "minimum"}
    body: dict[str, Any] = {
        "title": title,
        "goalPattern": pattern,
        "target": target,
        "schedule": {"frequency": _FREQUENCIES.get(period, "custom")},
        "metadata": _metadata(habit),
    }
    description = _description(habit)
    if description:
        body["description"] = description
    if habit.color:
        body["color"] = habit.color[:MAX_SHORT_TEXT]
    return _validated_goal(habit, body)


def _description(habit: _Habit) -> str:
    text = "\n\n".join(part for part in (habit.question, habit.description) if part)
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _metadata(habit: _Habit) -> dict[str, Any]:
    """What Loop said that the goal's fields do not hold exactly (small: metadata is at most
    4 KB)."""
    loop: dict[str, Any] = {
        "position": habit.position,
        "frequency": f"{habit.numerator}/{habit.denominator}",
    }
    if habit.numeric:
        loop["targetValue"] = habit.target_value
        loop["targetType"] = "AT_MOST" if habit.at_most else "AT_LEAST"
    return {"importedFrom": "Loop Habit Tracker", "loop": loop}


def _validated_goal(habit: _Habit, body: dict[str, Any]) -> GoalCreate | Skipped:
    """The goal as POST /goals would validate it: the model, then the pattern's rules."""
    try:
        definition = GoalCreate.model_validate(body)
    except ValidationError as exc:
        return Skipped("habit", habit.where, _problems("a goal", field_errors(exc)))
    target = definition.target.model_dump(by_alias=True, exclude_none=True, mode="json")
    errors = pattern_errors(definition.goal_pattern, target, utc_now().date(), False)
    if errors:
        return Skipped("habit", habit.where, _problems("a goal", errors))
    return definition


def _problems(what: str, errors: list[FieldError]) -> str:
    listed = "; ".join(f"{error['field']} {error['message']}" for error in errors[:3])
    return f"it cannot be {what} here: {listed}"


# --- a checkmark -> an activity --------------------------------------------------------------


def _activity(
    habit: _Habit, mark: _Checkmark, numeric: bool
) -> tuple[ImportedActivity | None, list[Skipped]]:
    """The activity a checkmark is, if any. Done (YES_MANUAL, or a numeric amount, 0
    included) is a logged value; SKIP is a skipped activity, which excuses its period as
    Loop excuses the day. YES_AUTO (Loop's own fill-in between check-ins of a non-daily
    habit), NO and UNKNOWN record that nothing was done: no activity, and nothing to report
    unless the day carries a note, which would be lost."""
    if mark.value == SKIP:
        body: dict[str, Any] = {"activityType": "skipped"}
    elif numeric and mark.value >= 0:
        body = {"activityType": "progress", "value": mark.value / NUMERIC_SCALE}
    elif not numeric and mark.value == YES_MANUAL:
        body = {"activityType": "completed", "value": 1}
    elif mark.value in _BOOLEAN_VALUES:
        if not mark.notes:
            return None, []
        reason = "a note on a day the habit was not done has no activity to keep it"
        return None, [Skipped("note", mark.where, reason)]
    else:
        reason = "a negative amount" if numeric else "not a yes/no value"
        return None, [Skipped("checkmark", mark.where, f"{mark.value} is {reason}")]
    return _validated_activity(habit, mark, body)


def _validated_activity(
    habit: _Habit, mark: _Checkmark, body: dict[str, Any]
) -> tuple[ImportedActivity | None, list[Skipped]]:
    skipped: list[Skipped] = []
    body = {**body, "activityDate": mark.day.isoformat(), "source": "import"}
    if mark.notes:
        body["note"] = mark.notes
        if len(mark.notes) > MAX_NOTE:
            body["note"] = mark.notes[: MAX_NOTE - 1] + "…"
            reason = f"its note is longer than {MAX_NOTE} characters; the start is kept"
            skipped.append(Skipped("note", mark.where, reason))
    try:
        fields = ActivityFields.model_validate(body)
    except ValidationError as exc:
        return None, [Skipped("checkmark", mark.where, _problems("an activity", field_errors(exc)))]
    source_id = f"habit:{habit.position}:{mark.day.isoformat()}"
    return ImportedActivity(source_id=source_id, fields=fields), skipped
