"""Writes one export archive (a ZIP) into a stream, reading the account once, page by page.

A ZIP is written one member at a time, and export.json holds everything; so export.json is the
member written while the account is read, and what the other files need is spooled meanwhile
to temporary files (the CSV files, and the journal's Markdown files in a compressed spool ZIP),
then copied in. Memory stays bounded by a page of items and the upload's part buffer; the
temporary files hold about the size of the CSVs plus the journal's compressed text.

export.json (format "ai-lifestyle-export", version 1; account/imports reads it back):

    {"format", "version", "exportedAt", "account": {"userId", "email"},
     "profile": GET /users/profile's body without its encryption fields,
     "encryption": null | {"salt", "encryptedPrivateKey", "publicKey", "publicKeyId",
                           "keySetId", "createdAt", "recovery": null | [opaque methods]},
     "vacations": [GET /users/me/vacations' items: {"from", "until", "reason"}],
     "goals": [GET /goals/{id}'s body (with its "pauses" and "reminder")
               + "activities": [GET /goals/{id}/activities' items]],
     "journal": [GET /journal/{id}'s body, as its owner reads it],
     "sharesGiven": [...], "sharesReceived": [...]}   (who, which entry, when; no keys)
"""

import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from chalicelib.account.exports import files
from chalicelib.core.logging import logger
from chalicelib.goals.aggregates import DayAggregate
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.presenter import present_activity, present_goal
from chalicelib.goals.progress_state import (
    current_progress,
    stored_local_time,
    unavailable_progress,
)
from chalicelib.goals.vacations import present_vacations
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.presenter import present_entry
from chalicelib.users.keys import KeyRecord
from chalicelib.users.presenter import present_profile
from chalicelib.users.profile import Profile

FORMAT = "ai-lifestyle-export"
VERSION = 1
# Derived from the key record, which "encryption" carries itself.
_PROFILE_ENCRYPTION_FIELDS = ("encryptionEnabled", "encryptionSetupDate", "encryptionKeyId")
_COPY_CHUNK = 1024 * 1024


class Source(Protocol):
    """One user's data, page by page (exports/source.py's AccountSource)."""

    @property
    def user_id(self) -> str: ...
    def profile(self) -> Profile | None: ...
    def vacations(self) -> list[dict[str, Any]]: ...
    def keys(self) -> KeyRecord | None: ...
    def goals(self) -> Iterator[Goal]: ...
    def activities(self, goal_id: str) -> Iterator[Activity]: ...
    def days(self, goal_id: str) -> Iterator[DayAggregate]: ...
    def entries(self) -> Iterator[JournalEntry]: ...
    def shares_given(self) -> Iterator[dict[str, Any]]: ...
    def shares_received(self) -> Iterator[dict[str, Any]]: ...


@dataclass
class Counts:
    goals: int = 0
    activities: int = 0
    daily_progress: int = 0
    journal_entries: int = 0
    shares_given: int = 0
    shares_received: int = 0

    def as_wire(self) -> dict[str, int]:
        return {
            "goals": self.goals,
            "activities": self.activities,
            "dailyProgress": self.daily_progress,
            "journalEntries": self.journal_entries,
            "sharesGiven": self.shares_given,
            "sharesReceived": self.shares_received,
        }


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def profile_body(profile: Profile | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    body = present_profile(profile)
    for name in _PROFILE_ENCRYPTION_FIELDS:
        body.pop(name, None)
    return body


def encryption_body(record: KeyRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    recovery = [
        {
            "method": method.method,
            "encryptedRecoveryKey": method.encrypted_recovery_key,
            "setUpAt": method.set_up_at,
        }
        for method in record.recovery
    ]
    return {
        "salt": record.salt,
        "encryptedPrivateKey": record.encrypted_private_key,
        "publicKey": record.public_key,
        "publicKeyId": record.public_key_id,
        "keySetId": record.key_set_id,
        "createdAt": record.created_at,
        "recovery": recovery or None,
    }


def goal_body(goal: Goal, now: datetime) -> dict[str, Any]:
    """GET /goals/{id}'s body (progress and what is due as of the export, for people reading
    the file)."""
    from chalicelib.goals.due import due_state

    local = stored_local_time(goal, None)
    try:
        progress = current_progress(goal, now, local)
        due = due_state(goal, progress, now, local).to_wire(local)
    except Exception:  # a derived number must never cost the user their export
        logger.exception("goal progress failed in an export", extra={"goalId": goal.goal_id})
        return present_goal(goal, unavailable_progress())
    return present_goal(goal, progress, due)


def share_given_body(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "shareId": item.get("shareId"),
        "entryId": item.get("itemId"),
        "recipientId": item.get("recipientId"),
        "permissions": item.get("permissions") or [],
        "isEncrypted": bool(item.get("isEncrypted")),
        "createdAt": item.get("createdAt"),
        "expiresAt": item.get("expiry"),
    }


def share_received_body(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "shareId": item.get("shareId"),
        "entryId": str(item["SK"]).rsplit("#", 1)[-1],
        "ownerId": item.get("ownerId"),
        "createdAt": item.get("createdAt"),
    }


@dataclass
class _Spool:
    """The files written beside export.json while the account is read."""

    folder: Path
    goals: Any = None
    activities: Any = None
    days: Any = None
    journal: zipfile.ZipFile | None = None
    _handles: list[IO[str]] = field(default_factory=list)

    def open(self) -> None:
        self.goals = self._csv("goals.csv", files.GOAL_COLUMNS)
        self.activities = self._csv("activities.csv", files.ACTIVITY_COLUMNS)
        self.days = self._csv("daily-progress.csv", files.DAY_COLUMNS)
        self.journal = zipfile.ZipFile(self.folder / "journal.zip", "w", zipfile.ZIP_DEFLATED)

    def _csv(self, name: str, columns: tuple[str, ...]) -> Any:
        # utf-8-sig: spreadsheets then read the text as UTF-8, not the system's code page.
        handle = (self.folder / name).open("w", encoding="utf-8-sig", newline="")
        self._handles.append(handle)
        writer = csv.writer(handle)
        writer.writerow(columns)
        return writer

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
        if self.journal is not None:
            self.journal.close()

    def csv_files(self) -> list[Path]:
        names = ("goals.csv", "activities.csv", "daily-progress.csv")
        return [self.folder / name for name in names]


class ArchiveWriter:
    def __init__(self, source: Source, now: Callable[[], datetime]) -> None:
        self._source = source
        self._now = now
        self.counts = Counts()

    def write(self, sink: IO[bytes], *, exported_at: str) -> Counts:
        """The whole archive into `sink` (written forward only: an upload stream will do)."""
        with tempfile.TemporaryDirectory(prefix="export-") as folder:
            spool = _Spool(Path(folder))
            spool.open()
            try:
                with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
                    archive.writestr("README.txt", files.README.format(date=exported_at[:10]))
                    # Its size is unknown until written: ZIP64 fields from the start, so a
                    # document over 2 GiB (10,000 long entries) is still a valid member.
                    member = archive.open("export.json", "w", force_zip64=True)
                    with io.TextIOWrapper(member, encoding="utf-8") as document:
                        self._document(document, spool, exported_at=exported_at)
                    spool.close()
                    self._copy_spool(archive, spool)
            finally:
                spool.close()
        return self.counts

    def _document(self, out: IO[str], spool: _Spool, *, exported_at: str) -> None:
        source = self._source
        profile = source.profile()
        head = {
            "format": FORMAT,
            "version": VERSION,
            "exportedAt": exported_at,
            "account": {"userId": source.user_id, "email": profile.email if profile else None},
            "profile": profile_body(profile),
            "encryption": encryption_body(source.keys()),
            **present_vacations(source.vacations()),
        }
        out.write(_json(head)[:-1])
        out.write(',"goals":[')
        self._goals(out, spool)
        out.write('],"journal":[')
        self._journal(out, spool)
        out.write('],"sharesGiven":[')
        self.counts.shares_given = _write_list(
            out, (share_given_body(item) for item in source.shares_given())
        )
        out.write('],"sharesReceived":[')
        self.counts.shares_received = _write_list(
            out, (share_received_body(item) for item in source.shares_received())
        )
        out.write("]}")

    def _goals(self, out: IO[str], spool: _Spool) -> None:
        now = self._now()
        for index, goal in enumerate(self._source.goals()):
            self.counts.goals += 1
            out.write("," if index else "")
            out.write(_json(goal_body(goal, now))[:-1])
            out.write(',"activities":[')
            for position, activity in enumerate(self._source.activities(goal.goal_id)):
                out.write("," if position else "")
                out.write(_json(present_activity(activity)))
                spool.activities.writerow(files.activity_row(goal.title, activity))
                self.counts.activities += 1
            out.write("]}")
            spool.goals.writerow(files.goal_row(goal))
            for day in self._source.days(goal.goal_id):
                spool.days.writerow(files.day_row(goal, day))
                self.counts.daily_progress += 1

    def _journal(self, out: IO[str], spool: _Spool) -> None:
        assert spool.journal is not None  # noqa: S101 (opened by write)
        for index, entry in enumerate(self._source.entries()):
            out.write("," if index else "")
            out.write(_json(present_entry(entry)))
            spool.journal.writestr(files.entry_file_name(entry), files.entry_markdown(entry))
            self.counts.journal_entries += 1

    @staticmethod
    def _copy_spool(archive: zipfile.ZipFile, spool: _Spool) -> None:
        for path in spool.csv_files():
            archive.write(path, path.name)
        with zipfile.ZipFile(spool.folder / "journal.zip") as journal:
            for member in journal.infolist():
                with journal.open(member) as source, archive.open(member.filename, "w") as target:
                    shutil.copyfileobj(source, target, _COPY_CHUNK)


def _write_list(out: IO[str], bodies: Iterator[dict[str, Any]]) -> int:
    count = 0
    for body in bodies:
        out.write("," if count else "")
        out.write(_json(body))
        count += 1
    return count
