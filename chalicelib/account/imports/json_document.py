"""Our own export back into a plan: `export.json` alone, or the export's ZIP (which holds it).

The document is the one the export writes (README, "Your data"): `format`
"ai-lifestyle-export", `version` 1, then `profile`, `encryption`, `vacations`, `goals` (each
with its `activities`, `pauses` and `reminder`), `journal`, `sharesGiven` and
`sharesReceived`. Every record is validated by the model its route uses (unknown keys, such
as derived progress, are ignored), so an imported record obeys the rules a created one does.
A record that fails them is a `Skipped` with the reason; only a file that is not such a
document fails the import.
"""

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.account.imports.failures import ImportFileRefused
from chalicelib.account.imports.plan import (
    FinalStatus,
    ImportedActivity,
    ImportedEntry,
    ImportedGoal,
    ImportPlan,
    Skipped,
)
from chalicelib.core import errors
from chalicelib.core.validation import field_errors
from chalicelib.goals.models import ActivityFields, GoalCreate, PauseFields
from chalicelib.goals.pauses import added_range
from chalicelib.journal.models import EntryCreate
from chalicelib.users.models import KeySetup, ProfileUpdate

FORMAT = "ai-lifestyle-export"
VERSIONS = (1,)
DOCUMENT_NAME = "export.json"
# export.json inside an upload of at most 100 MiB: text compresses about tenfold, and more
# than this is no export of ours (a zip bomb is refused before it is inflated).
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
_FINAL_STATUSES: tuple[FinalStatus, ...] = ("draft", "active", "paused", "completed", "archived")
# What the goal is created as before it moves to its final status (POST /goals allows these).
_CREATED_AS = {"draft": "draft", "paused": "paused"}
# Fields a client can never send, or that name other people: left out before validation.
_ENTRY_LEFT_OUT = ("goalProgress", "linkedGoalIds", "sharedWith", "isShared")
_SHARES_SKIPPED = "shares name other people's accounts"
_REASON_LENGTH = 300
# A streak of daily periods over a century: more is no goal's record.
MAX_STREAK = 36_525


def parse_json_export(data: bytes) -> ImportPlan:
    """The plan of an export ZIP or a bare export.json; ImportFileRefused when it is
    neither, or of a version this server does not read."""
    document = _document(_document_bytes(data))
    if document.get("format") != FORMAT:
        raise ImportFileRefused(
            "This is not an AI Lifestyle export: its format is not 'ai-lifestyle-export'.",
            code="IMPORT_FORMAT_UNKNOWN",
        )
    version = document.get("version")
    if version not in VERSIONS:
        raise ImportFileRefused(
            f"This export's version ({version!r:.20}) is not one this server reads "
            f"(it reads version {', '.join(map(str, VERSIONS))}).",
            code="IMPORT_VERSION_UNSUPPORTED",
        )
    skipped: list[Skipped] = []
    goals = tuple(_goals(document.get("goals"), skipped))
    entries = tuple(_entries(document.get("journal"), skipped))
    for name in ("sharesGiven", "sharesReceived"):
        shares = document.get(name)
        for index in range(len(shares) if isinstance(shares, list) else 0):
            skipped.append(Skipped("share", f"{name}[{index}]", _SHARES_SKIPPED))
    return ImportPlan(
        source_format="ai-lifestyle-json",
        goals=goals,
        entries=entries,
        profile=_profile(document.get("profile"), skipped),
        keys=_keys(document.get("encryption"), skipped),
        vacations=_ranges(document.get("vacations"), "vacations", "vacation", skipped),
        skipped=tuple(skipped),
    )


def _document_bytes(data: bytes) -> bytes:
    if not data.startswith(b"PK\x03\x04"):
        return data
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [
            info
            for info in archive.infolist()
            if info.filename.rsplit("/", 1)[-1] == DOCUMENT_NAME and not info.is_dir()
        ]
        if not infos:
            raise ImportFileRefused(
                f"The ZIP holds no {DOCUMENT_NAME}: upload the export's ZIP as it was "
                "downloaded, or its export.json.",
                code="IMPORT_DOCUMENT_MISSING",
            )
        info = min(infos, key=lambda i: i.filename.count("/"))  # the top-most one
        if info.file_size > MAX_DOCUMENT_BYTES:
            raise ImportFileRefused(
                f"{DOCUMENT_NAME} is too large to be an export ({info.file_size} bytes).",
                code="IMPORT_FILE_TOO_LARGE",
            )
        with archive.open(info) as member:
            content = member.read(MAX_DOCUMENT_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise ImportFileRefused("The ZIP could not be read.") from exc
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ImportFileRefused(f"{DOCUMENT_NAME} is too large to be an export.")
    return content


def _document(content: bytes) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ImportFileRefused(
            "The file is neither an export ZIP nor a JSON export document."
        ) from exc
    if not isinstance(document, dict):
        raise ImportFileRefused("The export document must be a JSON object.")
    return document


def _reason(exc: ValidationError | ValueError | errors.AppError) -> str:
    if isinstance(exc, ValidationError):
        text = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
    elif isinstance(exc, errors.ValidationFailed) and exc.errors:
        text = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
    elif isinstance(exc, errors.AppError):
        text = exc.message
    else:
        text = str(exc)
    return text[:_REASON_LENGTH]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _instant(value: Any) -> str | None:
    """An ISO 8601 instant as the export wrote it, or None (then: the time of the import)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if parsed.tzinfo is not None else None


def _set_fields(record: dict[str, Any]) -> dict[str, Any]:
    """A record's fields that hold a value. The export writes every field, `null` for one
    never set, and a body must leave such a field out (a `null` would clear it, or be refused
    where a field cannot be cleared, as an activity's `location` is)."""
    return {name: value for name, value in record.items() if value is not None}


def _source_id(record: dict[str, Any], id_field: str, fallback: str) -> str:
    value = record.get(id_field)
    return value if isinstance(value, str) and 0 < len(value) <= 64 else fallback


def _objects(
    raw: Any, where: str, kind: str, noun: str, skipped: list[Skipped]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of the file's list `raw`, with where it stands (`where[i]`); anything else
    in the list is skipped as not `noun` ("a goal")."""
    for index, record in enumerate(_list(raw)):
        source = f"{where}[{index}]"
        if isinstance(record, dict):
            yield source, record
        else:
            skipped.append(Skipped(kind, source, f"is not {noun} object"))


def _goals(raw: Any, skipped: list[Skipped]) -> list[ImportedGoal]:
    goals = []
    for source, goal in _objects(raw, "goals", "goal", "a goal", skipped):
        status = goal.get("status")
        final: FinalStatus = status if status in _FINAL_STATUSES else "active"
        try:
            definition = GoalCreate.model_validate(
                {**_set_fields(goal), "status": _CREATED_AS.get(final, "active")}
            )
        except ValidationError as exc:
            count = len(_list(goal.get("activities")))
            skipped.append(Skipped("goal", source, f"{_reason(exc)} (with its {count} activities)"))
            continue
        goals.append(
            ImportedGoal(
                source_id=_source_id(goal, "goalId", source),
                definition=definition,
                status=final,
                created_at=_instant(goal.get("createdAt")),
                activities=tuple(_activities(goal.get("activities"), source, skipped)),
                longest_streak=_longest_streak(goal.get("progress")),
                pauses=_ranges(goal.get("pauses"), f"{source}.pauses", "pause", skipped),
            )
        )
    return goals


def _longest_streak(progress: Any) -> int:
    """The exported goal's longest streak, when it is a sensible count (else 0: recomputed)."""
    found = progress.get("longestStreak") if isinstance(progress, dict) else None
    if isinstance(found, int) and not isinstance(found, bool) and 0 <= found <= MAX_STREAK:
        return found
    return 0


def _ranges(raw: Any, source: str, kind: str, skipped: list[Skipped]) -> tuple[dict[str, Any], ...]:
    """A goal's pauses, or the person's vacations, as their items keep them: each one checked
    as the pause and vacation routes check it (a year at most, no overlap, at most 50), and a
    refused one skipped. A range is not refused for lying in the past: an exported one was
    accepted when it was made, and the days it excused must stay excused."""
    kept: list[dict[str, Any]] = []
    for where, item in _objects(raw, source, kind, f"a {kind}", skipped):
        if item.get("from") is None:
            skipped.append(Skipped(kind, where, "from: is required"))
            continue
        try:
            fields = PauseFields.model_validate(_set_fields(item))
            assert fields.start is not None  # noqa: S101 (checked above)
            kept = added_range(
                kept, fields.start, fields.until, fields.reason, earliest=date.min, what=kind
            )
        except (ValidationError, errors.AppError) as exc:
            skipped.append(Skipped(kind, where, _reason(exc)))
    return tuple(kept)


def _activities(raw: Any, goal_source: str, skipped: list[Skipped]) -> list[ImportedActivity]:
    activities = []
    for source, activity in _objects(
        raw, f"{goal_source}.activities", "activity", "an activity", skipped
    ):
        try:
            fields = ActivityFields.model_validate(_set_fields(activity))
        except ValidationError as exc:
            skipped.append(Skipped("activity", source, _reason(exc)))
            continue
        activities.append(ImportedActivity(_source_id(activity, "activityId", source), fields))
    return activities


def _entries(raw: Any, skipped: list[Skipped]) -> list[ImportedEntry]:
    entries = []
    for source, entry in _objects(raw, "journal", "entry", "a journal entry", skipped):
        body = {
            name: value for name, value in _set_fields(entry).items() if name not in _ENTRY_LEFT_OUT
        }
        try:
            fields = EntryCreate.model_validate(body)
        except ValidationError as exc:
            skipped.append(Skipped("entry", source, _reason(exc)))
            continue
        linked = tuple(
            goal_id for goal_id in _list(entry.get("linkedGoalIds")) if isinstance(goal_id, str)
        )
        entries.append(
            ImportedEntry(
                source_id=_source_id(entry, "entryId", source),
                fields=fields,
                created_at=_instant(entry.get("createdAt")),
                goal_source_ids=linked,
            )
        )
    return entries


def _profile(raw: Any, skipped: list[Skipped]) -> ProfileUpdate | None:
    if not isinstance(raw, dict):
        return None
    # The encryption fields are derived from the key record; the address is the account's.
    body = {
        name: value for name, value in _set_fields(raw).items() if not name.startswith("encryption")
    }
    try:
        return ProfileUpdate.model_validate(body)
    except ValidationError as exc:
        skipped.append(Skipped("profile", "profile", _reason(exc)))
        return None


def _keys(raw: Any, skipped: list[Skipped]) -> KeySetup | None:
    if not isinstance(raw, dict):
        return None
    try:
        return KeySetup.model_validate(raw)
    except ValidationError as exc:
        skipped.append(Skipped("keys", "encryption", _reason(exc)))
        return None
