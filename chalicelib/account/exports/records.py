"""The export job's items.

| item | PK | SK |
|---|---|---|
| an export | `USER#{userId}` | `EXPORT#{exportId}` |
| the export running now | `USER#{userId}` | `EXPORTACTIVE` |
| the job's pointer | `EXPORTJOB#{jobKey}` | `JOB` |

The export and the "running now" item live in the user's partition, so account deletion
erases them with everything else; the eraser deletes the pointer when it meets the export
(account/eraser.py). The pointer lets the job find its user from the queue message, which
carries only `jobKey`, a digest of the user id and the export id. Export ids are UUIDv7:
newest first is a backwards Query. Every item expires by TTL (`expiresAt`) a day after the
archive does; the archive's own expiry is `archiveExpiresAt`.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import dynamo
from chalicelib.core.aws import error_code
from chalicelib.core.clock import parse_instant
from chalicelib.core.dynamo import Transaction

EXPORT_PREFIX = "EXPORT#"
ACTIVE_SK = "EXPORTACTIVE"
QUEUED, RUNNING, READY, FAILED, EXPIRED = "queued", "running", "ready", "failed", "expired"
ARCHIVE_LIFETIME = timedelta(days=7)  # the bucket's lifecycle rule deletes it then
KEPT_AFTER_ARCHIVE = timedelta(days=1)
# A job still queued or running this long after it was requested has stopped for good (its
# message went to the dead-letter queue after five failed runs): it shows as failed, and
# no longer keeps the user from starting another.
STALE_AFTER = timedelta(hours=12)


def export_job_key(user_id: str, export_id: str) -> str:
    return hashlib.sha256(f"account-export:{user_id}:{export_id}".encode()).hexdigest()


def export_key(user_id: str, export_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"{EXPORT_PREFIX}{export_id}"}


def active_key(user_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": ACTIVE_SK}


def pointer_key(job_key: str) -> dict[str, str]:
    return {"PK": f"EXPORTJOB#{job_key}", "SK": "JOB"}


@dataclass(frozen=True)
class ExportJob:
    user_id: str
    export_id: str
    status: str
    requested_at: str
    started_at: str | None = None
    completed_at: str | None = None
    archive_expires_at: str | None = None
    object_key: str | None = None
    file_name: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    runs: int = 0

    @property
    def job_key(self) -> str:
        return export_job_key(self.user_id, self.export_id)

    def is_unfinished(self) -> bool:
        return self.status in {QUEUED, RUNNING}

    def shown_status(self, now: datetime) -> str:
        if self.is_unfinished() and now - parse_instant(self.requested_at) > STALE_AFTER:
            return FAILED
        expires = self.archive_expires_at
        if self.status == READY and expires is not None and now >= parse_instant(expires):
            return EXPIRED
        return self.status


def _expiry_epoch(requested_at: datetime) -> int:
    return int((requested_at + ARCHIVE_LIFETIME + KEPT_AFTER_ARCHIVE).timestamp())


def job_of(item: dict[str, Any]) -> ExportJob:
    def text(name: str) -> str | None:
        value = item.get(name)
        return value if isinstance(value, str) else None

    size = item.get("bytes")
    return ExportJob(
        user_id=str(item["userId"]),
        export_id=str(item["exportId"]),
        status=str(item.get("status", QUEUED)),
        requested_at=str(item["requestedAt"]),
        started_at=text("startedAt"),
        completed_at=text("completedAt"),
        archive_expires_at=text("archiveExpiresAt"),
        object_key=text("objectKey"),
        file_name=text("fileName"),
        bytes=int(size) if isinstance(size, int | float) else None,
        sha256=text("sha256"),
        counts={str(k): int(v) for k, v in (item.get("counts") or {}).items()},
        runs=int(item.get("runs") or 0),
    )


@dataclass(frozen=True)
class Overview:
    """What a new export request must know: which export holds the "running now" item (and
    until when), and the newest exports."""

    active_export_id: str | None
    active_stale_at: int | None
    newest: list[ExportJob]


class ExportRecords:
    def overview(self, user_id: str, count: int) -> Overview:
        """The "running now" item and the `count` newest exports, in one Query: read
        backwards, `EXPORTACTIVE` sorts just after every `EXPORT#` key."""
        page = dynamo.client().query(
            TableName=dynamo.table_name(),
            **dynamo.sort_key_range(dynamo.user_pk(user_id), EXPORT_PREFIX, ACTIVE_SK),
            ScanIndexForward=False,
            Limit=count + 1,
            ConsistentRead=True,
        )
        items = [dynamo.deserialize(item) for item in page.get("Items", [])]
        active = next((item for item in items if item["SK"] == ACTIVE_SK), None)
        jobs = [job_of(item) for item in items if item["SK"] != ACTIVE_SK]
        stale_at = active.get("staleAt") if active else None
        return Overview(
            active_export_id=str(active["exportId"]) if active else None,
            active_stale_at=int(stale_at) if isinstance(stale_at, int | float) else None,
            newest=jobs[:count],
        )

    def newest(self, user_id: str, count: int) -> list[ExportJob]:
        """The user's `count` newest exports, newest first."""
        page = dynamo.client().query(
            TableName=dynamo.table_name(),
            **dynamo.sort_key_range(
                dynamo.user_pk(user_id), EXPORT_PREFIX, f"{EXPORT_PREFIX}{dynamo.KEY_END}"
            ),
            ScanIndexForward=False,
            Limit=count,
            ConsistentRead=True,
        )
        return [job_of(dynamo.deserialize(item)) for item in page.get("Items", [])]

    def get(self, user_id: str, export_id: str) -> ExportJob | None:
        item = dynamo.get_item(export_key(user_id, export_id))
        return job_of(item) if item else None

    def by_job_key(self, job_key: str) -> ExportJob | None:
        pointer = dynamo.get_item(pointer_key(job_key))
        if pointer is None:
            return None
        job = self.get(str(pointer["userId"]), str(pointer["exportId"]))
        # A pointer names its export only if the digest agrees (nobody forges a pointer, but
        # a record is trusted only for the user whose id made its key).
        return job if job is not None and job.job_key == job_key else None

    def stage_new(self, tx: Transaction, job: ExportJob, now: datetime) -> None:
        """The export, its pointer, and the user's "running now" item, which must be free
        (absent, or held by a stale job): the transaction fails on `active` otherwise."""
        expires = _expiry_epoch(now)
        tx.put(
            "export",
            {
                **export_key(job.user_id, job.export_id),
                "userId": job.user_id,
                "exportId": job.export_id,
                "status": job.status,
                "requestedAt": job.requested_at,
                "runs": 0,
                "expiresAt": expires,
            },
            condition="attribute_not_exists(PK)",
        )
        tx.put(
            "pointer",
            {
                **pointer_key(job.job_key),
                "userId": job.user_id,
                "exportId": job.export_id,
                "expiresAt": expires,
            },
        )
        tx.put(
            "active",
            {
                **active_key(job.user_id),
                "exportId": job.export_id,
                "staleAt": int((now + STALE_AFTER).timestamp()),
                "expiresAt": expires,
            },
            condition="attribute_not_exists(PK) OR staleAt < :now",
            values={":now": int(now.timestamp())},
        )

    def mark_running(self, job: ExportJob, at: str) -> None:
        self._update(
            job,
            "SET #status = :running, startedAt = :at ADD runs :one",
            {":running": RUNNING, ":at": at, ":one": 1},
        )

    def mark_ready(
        self,
        job: ExportJob,
        *,
        completed_at: str,
        archive_expires_at: str,
        object_key: str,
        file_name: str,
        size: int,
        sha256: str,
        counts: dict[str, int],
    ) -> None:
        self._update(
            job,
            "SET #status = :ready, completedAt = :at, archiveExpiresAt = :expires, "
            "objectKey = :key, fileName = :name, #bytes = :bytes, sha256 = :sha, counts = :counts",
            {
                ":ready": READY,
                ":at": completed_at,
                ":expires": archive_expires_at,
                ":key": object_key,
                ":name": file_name,
                ":bytes": size,
                ":sha": sha256,
                ":counts": counts,
            },
            extra_names={"#bytes": "bytes"},
        )
        self.release(job)

    def mark_failed(self, job: ExportJob, at: str) -> None:
        self._update(
            job, "SET #status = :failed, completedAt = :at", {":failed": FAILED, ":at": at}
        )
        self.release(job)

    def release(self, job: ExportJob) -> None:
        """Free the user's "running now" item, if this export still holds it."""
        dynamo.delete_if(active_key(job.user_id), "exportId = :id", {":id": job.export_id})

    def _update(
        self,
        job: ExportJob,
        expression: str,
        values: dict[str, Any],
        extra_names: dict[str, str] | None = None,
    ) -> None:
        try:
            dynamo.client().update_item(
                TableName=dynamo.table_name(),
                Key=dynamo.serialize(export_key(job.user_id, job.export_id)),
                UpdateExpression=expression,
                # Gone (the account was deleted meanwhile): nothing to record.
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#status": "status", **(extra_names or {})},
                ExpressionAttributeValues=dynamo.serialize(values),
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
