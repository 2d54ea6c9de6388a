"""Account data export: the request (`POST /users/me/exports`), its status and list, and the
job that writes the archive.

A request records the export (queued) and sends the job's message to the account-jobs
queue; app.py's handler runs `run`. One export runs at a time per user (asking again while
one is queued or running answers that one), and at most `DAILY_LIMIT` may be started per 24
hours (429 with Retry-After).

The job reads the account once, page by page, writes the ZIP (exports/archive.py) straight
into a multipart upload (`exports/{subject}/{exportId}/ai-lifestyle-export-YYYY-MM-DD.zip`),
then records the archive's size, SHA-256 and counts. A run that crashes starts over when
SQS delivers the message again: the key is the same, so the new upload simply replaces
the unfinished one (which S3 never showed; the bucket aborts it after a day). A run that fails
`MAX_RUNS` times is recorded as failed.

Every read of a ready export signs a fresh download URL valid `DOWNLOAD_SECONDS`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.account.exports.archive import ArchiveWriter, Source
from chalicelib.account.exports.files import archive_name
from chalicelib.account.exports.records import (
    ARCHIVE_LIFETIME,
    QUEUED,
    READY,
    RUNNING,
    STALE_AFTER,
    ExportJob,
    ExportRecords,
)
from chalicelib.account.jobs import subject_of
from chalicelib.core import errors
from chalicelib.core.clock import parse_instant, to_iso, utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.ids import could_be_issued, uuid7
from chalicelib.core.logging import logger
from chalicelib.core.unit_of_work import run_write

DAILY_LIMIT = 5
WINDOW = timedelta(hours=24)
DOWNLOAD_SECONDS = 15 * 60
LISTED = 20
# SQS moves the message to the dead-letter queue after five receives (scripts/resources.py):
# the fifth failed run records the failure itself.
MAX_RUNS = 5
# A run lasts at most the handler's timeout; a message arriving while one is under way (a
# duplicate) leaves it alone. SQS redelivers a message only after its visibility timeout
# (six times as long), so a crashed run is never mistaken for a live one.
RUN_LIMIT = timedelta(seconds=900 + 60)
# Asking again for an export still queued this long sends its message again (the first send
# may have failed after the export was recorded); sooner, it would only duplicate it.
RESEND_AFTER = timedelta(minutes=5)
COLLECTION_PATH = "/users/me/exports"


@dataclass(frozen=True)
class Storage:
    """The bucket, as the export uses it (core/storage.py's functions; fakes in tests)."""

    put_stream: Callable[[str, str], Any]
    presigned_get: Callable[[str, str, int], str]


def _not_found() -> errors.AppError:
    return errors.NotFound("The export was not found.", code="EXPORT_NOT_FOUND")


def object_key(user_id: str, export_id: str, file_name: str) -> str:
    return f"exports/{subject_of(user_id)}/{export_id}/{file_name}"


class ExportService:
    def __init__(
        self,
        records: ExportRecords,
        storage: Storage,
        sources: Callable[[str], Source],
        enqueue: Callable[[str], None],
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._records = records
        self._storage = storage
        self._sources = sources
        self._enqueue = enqueue
        self._now = now

    # The routes.

    def request(self, user_id: str) -> dict[str, Any]:
        now = self._now()

        def attempt(tx: Transaction) -> tuple[ExportJob, bool]:
            overview = self._records.overview(user_id, DAILY_LIMIT)
            running = self._running(overview.active_export_id, overview.newest, now)
            if running is not None:
                return running, False
            self._check_daily_limit(overview.newest, now)
            job = ExportJob(
                user_id=user_id, export_id=uuid7(), status=QUEUED, requested_at=to_iso(now)
            )
            self._records.stage_new(tx, job, now)
            return job, True

        # A concurrent request that took the "running now" item first makes this one's
        # commit fail; the next attempt reads it and answers it.
        job, created = run_write(attempt)
        waiting = job.status == QUEUED and now - parse_instant(job.requested_at) > RESEND_AFTER
        if created or waiting:
            self._enqueue(job.job_key)
            logger.info("account export queued", extra={"exportId": job.export_id})
        return self._present(job, now)

    def _running(
        self, active_id: str | None, newest: list[ExportJob], now: datetime
    ) -> ExportJob | None:
        if active_id is None:
            return None
        job = next((job for job in newest if job.export_id == active_id), None)
        if job is None or not job.is_unfinished():
            return None  # a leftover of a finished export: the write replaces it
        stale = now - parse_instant(job.requested_at) > STALE_AFTER
        return None if stale else job

    @staticmethod
    def _check_daily_limit(newest: list[ExportJob], now: datetime) -> None:
        recent = [job for job in newest if now - parse_instant(job.requested_at) < WINDOW]
        if len(recent) < DAILY_LIMIT:
            return
        oldest = min(parse_instant(job.requested_at) for job in recent)
        wait = max(1, int((oldest + WINDOW - now).total_seconds()) + 1)
        raise errors.TooManyRequests(
            f"At most {DAILY_LIMIT} exports can be started per 24 hours; "
            f"try again in {wait} seconds.",
            retry_after=wait,
        )

    def status(self, user_id: str, export_id: str) -> dict[str, Any]:
        if not could_be_issued(export_id):
            raise _not_found()
        job = self._records.get(user_id, export_id)
        if job is None:
            raise _not_found()
        return self._present(job, self._now())

    def list_exports(self, user_id: str) -> dict[str, Any]:
        now = self._now()
        jobs = self._records.newest(user_id, LISTED)
        return {"exports": [self._present(job, now) for job in jobs]}

    def _present(self, job: ExportJob, now: datetime) -> dict[str, Any]:
        status = job.shown_status(now)
        download = None
        if status == READY and job.object_key and job.file_name:
            expires = min(
                now + timedelta(seconds=DOWNLOAD_SECONDS),
                parse_instant(job.archive_expires_at or to_iso(now)),
            )
            seconds = max(1, int((expires - now).total_seconds()))
            download = {
                "url": self._storage.presigned_get(job.object_key, job.file_name, seconds),
                "expiresAt": to_iso(now + timedelta(seconds=seconds)),
                "fileName": job.file_name,
                "bytes": job.bytes,
                "sha256": job.sha256,
            }
        return {
            "exportId": job.export_id,
            "status": status,
            "requestedAt": job.requested_at,
            "completedAt": job.completed_at,
            "expiresAt": job.archive_expires_at,
            "counts": job.counts or None,
            "download": download,
            "statusUrl": f"{COLLECTION_PATH}/{job.export_id}",
        }

    # The job.

    def run(self, job_key: str) -> None:
        """One run of the export `job_key`: the whole archive, or an exception (SQS then
        delivers the message again, and the next run starts over)."""
        job = self._records.by_job_key(job_key)
        if job is None or not job.is_unfinished():
            return  # unknown, erased with its account, or done: running again changes nothing
        now = self._now()
        started = parse_instant(job.started_at) if job.started_at else None
        if job.status == RUNNING and started is not None and now - started < RUN_LIMIT:
            return  # a duplicate message: the run under way finishes the export
        if job.runs >= MAX_RUNS or now - parse_instant(job.requested_at) > STALE_AFTER:
            self._records.mark_failed(job, to_iso(now))
            logger.warning("account export failed", extra={"exportId": job.export_id})
            return
        self._records.mark_running(job, to_iso(now))
        file_name = archive_name(job.requested_at[:10])
        key = object_key(job.user_id, job.export_id, file_name)
        upload = self._storage.put_stream(key, "application/zip")
        try:
            counts = ArchiveWriter(self._sources(job.user_id), self._now).write(
                upload, exported_at=to_iso(self._now())
            )
            upload.close()
        except Exception:
            upload.abort()
            if job.runs + 1 < MAX_RUNS:
                raise  # SQS delivers the message again: the next run starts over
            logger.exception("account export failed", extra={"exportId": job.export_id})
            self._records.mark_failed(job, to_iso(self._now()))
            return
        completed = self._now()
        self._records.mark_ready(
            job,
            completed_at=to_iso(completed),
            archive_expires_at=to_iso(completed + ARCHIVE_LIFETIME),
            object_key=key,
            file_name=file_name,
            size=upload.bytes,
            sha256=upload.sha256,
            counts=counts.as_wire(),
        )
        logger.info(
            "account export ready", extra={"exportId": job.export_id, "bytes": upload.bytes}
        )
