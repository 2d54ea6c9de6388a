"""The import job's rules on the service, with in-memory fakes for its records, the bucket,
the queue and the writer: a file imported before is answered from its first import, a file
that cannot be read fails the import (never retried), a run cut short continues, and an
ended, unknown or orphaned job does nothing. The writing itself runs on moto and DynamoDB
Local (tests/unit/test_import_routes.py, tests/e2e/test_import_journey.py)."""

import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.account.imports import records, service
from chalicelib.account.imports.plan import ImportPlan
from chalicelib.account.imports.records import ImportRecord, job_key_of
from chalicelib.account.imports.service import Continue, Done, ImportService
from chalicelib.account.imports.writer import Report
from chalicelib.account.messages import ImportMessage, import_message, parse
from chalicelib.core import storage
from chalicelib.core.idempotency import Created

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
USER = "01a00000-0000-7000-8000-00000000000a"


class FakeRecords:
    def __init__(self) -> None:
        self.imports: dict[str, ImportRecord] = {}
        self.pointers: dict[str, tuple[str, str]] = {}
        self.files: dict[str, str] = {}

    def get(self, user_id: str, import_id: str) -> ImportRecord | None:
        return self.imports.get(import_id)

    def unfinished(self, user_id: str) -> ImportRecord | None:
        return next((r for r in self.imports.values() if r.is_unfinished), None)

    def create(self, record: ImportRecord) -> None:
        self.imports[record.import_id] = record
        self.pointers[job_key_of(record.user_id, record.import_id)] = (
            record.user_id,
            record.import_id,
        )

    def job(self, job_key: str) -> tuple[str, str] | None:
        return self.pointers.get(job_key)

    def move(
        self, record: ImportRecord, to: str, *, expected: tuple[str, ...], **changes: Any
    ) -> bool:
        current = self.imports[record.import_id]
        if current.status not in expected:
            return False
        names = {"startedAt": "started_at", "completedAt": "completed_at"}
        fields = {names.get(k, k): v for k, v in changes.items()}
        self.imports[record.import_id] = replace(current, status=to, **fields)
        return True

    def end(self, record: ImportRecord) -> None:
        self.pointers.pop(job_key_of(record.user_id, record.import_id), None)

    def completed_with(self, user_id: str, digest: str) -> str | None:
        return self.files.get(digest)

    def remember_file(self, user_id: str, digest: str, import_id: str, at: datetime) -> None:
        self.files.setdefault(digest, import_id)


class FakeWriter:
    def __init__(self) -> None:
        self.runs = 0
        self.stop_first = False

    def write(self, user_id: str, digest: str, plan: ImportPlan, should_stop: Any) -> Report | None:
        self.runs += 1
        if self.stop_first and self.runs == 1:
            return None
        return Report(goals=len(plan.goals))


class World:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.records = FakeRecords()
        self.writer = FakeWriter()
        self.queued: list[str] = []
        self.uploads: dict[str, bytes] = {}
        self.profile_exists = True
        self.parser: Any = lambda data: ImportPlan(source_format="ai-lifestyle-json", goals=())
        monkeypatch.setattr(
            storage,
            "head",
            lambda key: len(self.uploads[key]) if key in self.uploads else None,
        )
        monkeypatch.setattr(storage, "open_read", lambda key: io.BytesIO(self.uploads[key]))
        monkeypatch.setattr(
            storage,
            "presigned_post",
            lambda key, *, max_bytes, expires_in: {"url": "https://bucket", "fields": {"key": key}},
        )

        class Profiles:
            def get(inner, user_id: str) -> object | None:
                return object() if self.profile_exists else None

        class Limit:
            def spend(inner, user_id: str) -> None:
                pass

        self.service = ImportService(
            self.records,  # type: ignore[arg-type]
            Profiles(),  # type: ignore[arg-type]
            Limit(),  # type: ignore[arg-type]
            lambda: self.writer,  # type: ignore[arg-type,return-value]
            self.queued.append,
            now=lambda: NOW,
            parsers=lambda source_format: self.parser,
        )

    def started(self, data: bytes) -> tuple[str, str]:
        created = self.service.create(USER, "ai-lifestyle-json", None)
        assert isinstance(created, Created)
        import_id = created.body["importId"]
        self.uploads[records.upload_key(USER, import_id)] = data
        assert self.service.start(USER, import_id)["status"] == "queued"
        return import_id, self.queued[-1]

    def status(self, import_id: str) -> dict[str, Any]:
        return self.service.status(USER, import_id)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    return World(monkeypatch)


def test_the_same_file_again_completes_with_the_first_report_and_writes_nothing(world):
    first, job = world.started(b"one file")
    assert world.service.run(job, lambda: False) == Done()
    second, job = world.started(b"one file")
    assert world.service.run(job, lambda: False) == Done()
    assert world.writer.runs == 1
    shown = world.status(second)
    assert shown["status"] == "completed"
    assert shown["report"]["duplicateOf"] == first
    assert shown["report"]["imported"] == world.status(first)["report"]["imported"]
    assert world.records.pointers == {}  # both ended: nothing names the user outside


def test_a_file_the_parser_cannot_read_fails_the_import_at_once(world):
    def broken(data: bytes) -> ImportPlan:
        raise KeyError("Habits.csv")  # whatever a parser trips over

    world.parser = broken
    import_id, job = world.started(b"garbage")
    assert world.service.run(job, lambda: False) == Done()
    shown = world.status(import_id)
    assert shown["status"] == "failed"
    assert shown["error"]["code"] == "IMPORT_FILE_UNREADABLE"
    assert "Habits" not in shown["error"]["message"]
    assert world.writer.runs == 0
    assert world.records.pointers == {}


def test_a_run_cut_short_queues_its_continuation(world):
    world.writer.stop_first = True
    import_id, job = world.started(b"big file")
    world.queued.clear()
    assert world.service.resume(job, lambda: 0) == Continue()
    assert world.queued == [job]
    assert world.status(import_id)["status"] == "running"
    assert world.service.resume(job, lambda: 10**6) == Done()
    assert world.status(import_id)["status"] == "completed"


def test_an_unknown_ended_or_orphaned_job_does_nothing(world):
    assert world.service.run("f" * 64, lambda: False) == Done()
    _, job = world.started(b"file")
    world.profile_exists = False  # the account was deleted meanwhile
    assert world.service.run(job, lambda: False) == Done()
    assert world.writer.runs == 0
    world.profile_exists = True
    assert world.service.run(job, lambda: False) == Done()
    assert world.service.run(job, lambda: False) == Done()  # ended: the pointer is gone
    assert world.writer.runs == 1


def test_an_upload_over_the_limit_fails_without_being_read(world, monkeypatch):
    monkeypatch.setitem(service.MAX_BYTES, "ai-lifestyle-json", 4)
    import_id, job = world.started(b"too large")
    world.service.run(job, lambda: False)
    assert world.status(import_id)["error"]["code"] == "IMPORT_FILE_TOO_LARGE"


def test_the_import_message_names_a_digest_and_nothing_else():
    key = job_key_of(USER, "01a00000-0000-7000-8000-0000000000bb")
    assert USER not in json.dumps(import_message(key))
    assert parse(json.dumps(import_message(key))) == ImportMessage(key)
    for body in (
        '{"import": "x"}',
        '{"import": 1}',
        f'{{"import": "{key}", "deletion": "{key}"}}',
        "[]",
    ):
        assert parse(body) is None


def test_each_format_has_its_parser():
    from chalicelib.account.imports.json_document import parse_json_export
    from chalicelib.account.imports.loop import parse_loop_archive

    assert service.parser_for("ai-lifestyle-json") is parse_json_export
    assert service.parser_for("loop-csv") is parse_loop_archive


def test_a_loop_archive_error_fails_the_import_with_its_own_words(world):
    from chalicelib.account.imports.loop import LoopArchiveError

    def refuse(data: bytes) -> ImportPlan:
        raise LoopArchiveError("The ZIP holds no Habits.csv.")

    world.parser = refuse
    import_id, job = world.started(b"not loop")
    world.service.run(job, lambda: False)
    error = world.status(import_id)["error"]
    assert error == {"code": "INVALID_LOOP_ARCHIVE", "message": "The ZIP holds no Habits.csv."}
