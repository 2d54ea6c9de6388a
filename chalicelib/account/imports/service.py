"""Importing data into one's account: the three routes and the job.

1. `POST /users/me/imports` records an import (`awaiting_upload`) and answers a presigned POST
   to its own object, `imports/{subject}/{importId}/upload`, of at most `MAX_BYTES[format]`
   (S3 enforces it). While another import of the user is queued or running, it answers that
   one instead (200), and writes nothing.
2. `POST /users/me/imports/{importId}/start` checks the upload is there (else 404
   `IMPORT_UPLOAD_NOT_FOUND`), moves the import to `queued` and queues the job on the
   account-jobs queue (`{"import": <job key>}`). A repeated start answers the import as it is.
3. `GET /users/me/imports/{importId}`: status and report.

The job reads the upload while computing its SHA-256. When this user already completed an
import of the same file, it completes at once with that import's report and `duplicateOf`.
Otherwise the file's parser turns it into an `ImportPlan` and the writer writes it; a run cut
short by its time limit queues itself again and resumes (the writer never writes a record
twice). A file that cannot be read fails the import with a clear error; any other failure
is retried by SQS (and after 5 receives the message waits in the dead-letter queue).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.account.imports import records
from chalicelib.account.imports.failures import ImportFileRefused
from chalicelib.account.imports.limit import ImportLimit
from chalicelib.account.imports.plan import ImportPlan
from chalicelib.account.imports.records import ImportRecord, ImportRecords
from chalicelib.account.imports.writer import ImportWriter, Report
from chalicelib.core import errors, storage
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.idempotency import Created
from chalicelib.core.ids import could_be_issued, uuid7
from chalicelib.core.logging import logger
from chalicelib.users.repository import ProfileRepository

MIB = 1024 * 1024
MAX_BYTES = {"ai-lifestyle-json": 100 * MIB, "loop-csv": 10 * MIB}
UPLOAD_SECONDS = 3600  # how long the presigned POST may be used
STATUS_PATH = "/users/me/imports"
# A run stops this long before its time limit, and queues its continuation.
STOP_MARGIN_MS = 120_000
_READ_CHUNK = 1024 * 1024

Enqueue = Callable[[str], None]
Parser = Callable[[bytes], ImportPlan]


def parser_for(source_format: str) -> Parser:
    """The parser of a format (loaded on first use: a job reads one format)."""
    if source_format == "loop-csv":
        from chalicelib.account.imports.loop import parse_loop_archive

        return parse_loop_archive
    from chalicelib.account.imports.json_document import parse_json_export

    return parse_json_export


@dataclass(frozen=True)
class Continue:
    """Run again (the time ran low)."""


@dataclass(frozen=True)
class Done:
    pass


def _not_found() -> errors.AppError:
    return errors.NotFound("The import was not found.", code="IMPORT_NOT_FOUND")


def present_import(record: ImportRecord) -> dict[str, Any]:
    return {
        "importId": record.import_id,
        "format": record.source_format,
        "fileName": record.file_name,
        "status": record.status,
        "createdAt": record.created_at,
        "startedAt": record.started_at,
        "completedAt": record.completed_at,
        "report": record.report,
        "error": record.error,
        "statusUrl": f"{STATUS_PATH}/{record.import_id}",
    }


class ImportService:
    def __init__(
        self,
        imports: ImportRecords,
        profiles: ProfileRepository,
        limit: ImportLimit,
        writer: Callable[[], ImportWriter],
        enqueue: Enqueue,
        *,
        now: Callable[[], datetime] = utc_now,
        parsers: Callable[[str], Parser] = parser_for,
    ) -> None:
        self._imports = imports
        self._profiles = profiles
        self._limit = limit
        self._writer = writer
        self._enqueue = enqueue
        self._now = now
        self._parsers = parsers

    # Routes.

    def create(
        self, user_id: str, source_format: str, file_name: str | None
    ) -> Created | dict[str, Any]:
        """The new import with its upload form, or the import already under way (then
        nothing is made)."""
        running = self._imports.unfinished(user_id)
        if running is not None:
            return present_import(running)
        self._limit.spend(user_id)
        now = self._now()
        record = ImportRecord(
            import_id=uuid7(),
            user_id=user_id,
            source_format=source_format,
            status=records.AWAITING_UPLOAD,
            created_at=to_iso(now),
            file_name=file_name,
        )
        self._imports.create(record)
        max_bytes = MAX_BYTES[source_format]
        post = storage.presigned_post(
            records.upload_key(user_id, record.import_id),
            max_bytes=max_bytes,
            expires_in=UPLOAD_SECONDS,
        )
        logger.info("import created", extra={"format": source_format})
        shown = present_import(record)
        upload = {
            "url": post["url"],
            "fields": post["fields"],
            "expiresAt": to_iso(now + timedelta(seconds=UPLOAD_SECONDS)),
            "maxBytes": max_bytes,
        }
        return Created({**shown, "upload": upload}, shown["statusUrl"])

    def start(self, user_id: str, import_id: str) -> dict[str, Any]:
        record = self._record(user_id, import_id)
        if record.status != records.AWAITING_UPLOAD:
            return present_import(record)  # started already: a repeated request
        if storage.head(records.upload_key(user_id, import_id)) is None:
            raise errors.NotFound(
                "Nothing was uploaded for this import yet: upload the file with the form "
                "its creation answered, then start it.",
                code="IMPORT_UPLOAD_NOT_FOUND",
            )
        running = self._imports.unfinished(user_id)
        if running is not None and running.import_id != import_id:
            raise errors.Conflict(
                "Another import is under way; start this one when it has ended.",
                code="IMPORT_ALREADY_RUNNING",
                details={"importId": running.import_id},
            )
        if not self._imports.move(record, records.QUEUED, expected=(records.AWAITING_UPLOAD,)):
            return present_import(self._record(user_id, import_id))  # a concurrent start won
        self._enqueue(records.job_key_of(user_id, import_id))
        return present_import(replace(record, status=records.QUEUED))

    def status(self, user_id: str, import_id: str) -> dict[str, Any]:
        return present_import(self._record(user_id, import_id))

    def _record(self, user_id: str, import_id: str) -> ImportRecord:
        record = self._imports.get(user_id, import_id) if could_be_issued(import_id) else None
        if record is None:
            raise _not_found()
        return record

    # The job.

    def resume(self, job_key: str, remaining_ms: Callable[[], int]) -> Continue | Done:
        """One queue message's run of the job, until `STOP_MARGIN_MS` before the time limit;
        then its continuation is queued."""
        outcome = self.run(job_key, lambda: remaining_ms() < STOP_MARGIN_MS)
        if isinstance(outcome, Continue):
            self._enqueue(job_key)
        return outcome

    def run(self, job_key: str, should_stop: Callable[[], bool]) -> Continue | Done:
        found = self._imports.job(job_key)
        if found is None:
            return Done()  # ended, expired or erased: nothing to do
        user_id, import_id = found
        record = self._imports.get(user_id, import_id)
        if record is None or not record.is_unfinished or self._profiles.get(user_id) is None:
            return Done()
        if record.status == records.QUEUED:
            self._imports.move(
                record,
                records.RUNNING,
                expected=(records.QUEUED,),
                startedAt=to_iso(self._now()),
            )
        try:
            data, digest = self._read_upload(user_id, import_id, record.source_format)
            earlier = self._imports.completed_with(user_id, digest)
            if earlier is not None and earlier != import_id:
                return self._duplicate(record, digest, earlier)
            plan = self._parse(record.source_format, data)
        except ImportFileRefused as refused:
            return self._fail(record, refused.code, refused.message)
        report = self._writer().write(user_id, digest, plan, should_stop)
        if report is None:
            logger.info("import continues")
            return Continue()
        return self._complete(record, digest, report)

    def _parse(self, source_format: str, data: bytes) -> ImportPlan:
        """The file's plan. Parsing reads nothing but the file, so a parser's failure is the
        file's and would fail again on every retry: the import fails with it (a parser's own
        words when it gives them, else a general reason; never the file's content)."""
        try:
            return self._parsers(source_format)(data)
        except ImportFileRefused:
            raise
        except errors.AppError as refusal:
            raise ImportFileRefused(refusal.message, code=refusal.code) from refusal
        except Exception as failure:  # any parser failure is the file's
            logger.warning("import file unreadable", extra={"error": type(failure).__name__})
            raise ImportFileRefused(
                "The file could not be read as this format's export."
            ) from failure

    def _read_upload(self, user_id: str, import_id: str, source_format: str) -> tuple[bytes, str]:
        key = records.upload_key(user_id, import_id)
        size = storage.head(key)
        if size is None:
            raise ImportFileRefused(
                "The uploaded file is gone (uploads are kept for 2 days); upload it again.",
                code="IMPORT_UPLOAD_NOT_FOUND",
            )
        if size > MAX_BYTES[source_format]:
            # S3 refuses a larger form upload itself; this holds should one get there anyway.
            raise ImportFileRefused(
                f"The file is larger than {MAX_BYTES[source_format] // MIB} MiB.",
                code="IMPORT_FILE_TOO_LARGE",
            )
        digest = hashlib.sha256()
        chunks = []
        body = storage.open_read(key)
        try:
            while chunk := body.read(_READ_CHUNK):
                digest.update(chunk)
                chunks.append(chunk)
        finally:
            body.close()
        return b"".join(chunks), digest.hexdigest()

    def _duplicate(self, record: ImportRecord, digest: str, earlier: str) -> Done:
        first = self._imports.get(record.user_id, earlier)
        report = {**((first.report if first else None) or {}), "duplicateOf": earlier}
        self._finish(record, records.COMPLETED, digest=digest, report=report)
        logger.info("import completed: a file imported before")
        return Done()

    def _complete(self, record: ImportRecord, digest: str, report: Report) -> Done:
        # Remembered before the import shows completed: a later import of the same file
        # then always finds it.
        self._imports.remember_file(record.user_id, digest, record.import_id, self._now())
        self._finish(record, records.COMPLETED, digest=digest, report=report.to_wire())
        logger.info(
            "import completed",
            extra={
                "goals": report.goals,
                "activities": report.activities,
                "journal_entries": report.entries,
                "skipped": len(report.skipped),
            },
        )
        return Done()

    def _fail(self, record: ImportRecord, code: str, message: str) -> Done:
        self._finish(record, records.FAILED, error={"code": code, "message": message})
        logger.info("import failed", extra={"code": code})
        return Done()

    def _finish(self, record: ImportRecord, status: str, **changes: Any) -> None:
        self._imports.move(
            record,
            status,
            expected=records.UNFINISHED,
            completedAt=to_iso(self._now()),
            **changes,
        )
        self._imports.end(record)
