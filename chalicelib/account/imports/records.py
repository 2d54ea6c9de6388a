"""The import job's records: what the status route shows, and how the queued job finds it.

| item | PK | SK |
|---|---|---|
| import | `USER#{userId}` | `IMPORT#{importId}` |
| a completed file | `USER#{userId}` | `IMPORTED#{sha256 of the file}` |
| the job's pointer | `IMPORTJOB#{jobKey}` | `JOB` |
| the day's count | `USER#{userId}` | `IMPORTS#{day start}` (limit.py) |

The import and the file record live in the user's partition, so account deletion erases them
with everything else. The queue message names only the job key (a digest of the user id and
the import id, nothing personal); the pointer item turns it back into the user and import,
and exists only while the import has not ended (it is deleted when the import completes or
fails, expires by TTL otherwise, and account deletion removes it with the import record).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.account.jobs import subject_of
from chalicelib.core import dynamo
from chalicelib.core.aws import error_code
from chalicelib.core.clock import parse_instant
from chalicelib.core.dynamo import Transaction
from chalicelib.core.unit_of_work import run_write

IMPORT_PREFIX = "IMPORT#"
IMPORTED_PREFIX = "IMPORTED#"
JOB_PREFIX = "IMPORTJOB#"
AWAITING_UPLOAD = "awaiting_upload"
QUEUED = "queued"
RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
UNFINISHED = (QUEUED, RUNNING)
# Reports stay readable this long; the upload itself is gone after 2 days (bucket lifecycle).
KEPT = timedelta(days=30)
# The pointer outlives the upload's lifecycle expiry with a margin for a job still running.
POINTER_KEPT = timedelta(days=3)


def upload_key(user_id: str, import_id: str) -> str:
    """The upload's object: under the user's subject (a digest, so keys name nobody), where
    account deletion erases it (account/eraser.py)."""
    return f"{imports_prefix(user_id)}{import_id}/upload"


def imports_prefix(user_id: str) -> str:
    return f"imports/{subject_of(user_id)}/"


def job_key_of(user_id: str, import_id: str) -> str:
    return hashlib.sha256(f"account-import:{user_id}:{import_id}".encode()).hexdigest()


def import_key(user_id: str, import_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"{IMPORT_PREFIX}{import_id}"}


def imported_key(user_id: str, digest: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"{IMPORTED_PREFIX}{digest}"}


def pointer_key(job_key: str) -> dict[str, str]:
    return {"PK": f"{JOB_PREFIX}{job_key}", "SK": "JOB"}


@dataclass(frozen=True)
class ImportRecord:
    import_id: str
    user_id: str
    source_format: str
    status: str
    created_at: str
    file_name: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    digest: str | None = None
    report: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_unfinished(self) -> bool:
        return self.status in UNFINISHED

    @property
    def has_ended(self) -> bool:
        return self.status in (COMPLETED, FAILED)


_LISTED = ("importId", "userId", "format", "status", "createdAt", "fileName")


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) else None


def record_of(item: dict[str, Any]) -> ImportRecord:
    report = item.get("report")
    error = item.get("error")
    return ImportRecord(
        import_id=str(item["importId"]),
        user_id=str(item["userId"]),
        source_format=str(item["format"]),
        status=str(item["status"]),
        created_at=str(item["createdAt"]),
        file_name=_text(item, "fileName"),
        started_at=_text(item, "startedAt"),
        completed_at=_text(item, "completedAt"),
        digest=_text(item, "digest"),
        report=report if isinstance(report, dict) else None,
        error={str(k): str(v) for k, v in error.items()} if isinstance(error, dict) else None,
    )


class ImportRecords:
    def get(self, user_id: str, import_id: str) -> ImportRecord | None:
        item = dynamo.get_item(import_key(user_id, import_id))
        return record_of(item) if item else None

    def unfinished(self, user_id: str) -> ImportRecord | None:
        """The user's queued or running import, if any. Reads the imports still kept (at most
        10 a day for 30 days), their status alone, not their reports."""
        names = {f"#a{i}": n for i, n in enumerate(_LISTED)}
        items = dynamo.query_all(
            **dynamo.sort_key_range(
                dynamo.user_pk(user_id), IMPORT_PREFIX, f"{IMPORT_PREFIX}{dynamo.KEY_END}"
            ),
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
            ConsistentRead=True,
        )
        records = [record_of(item) for item in items]
        return next((record for record in records if record.is_unfinished), None)

    def create(self, record: ImportRecord) -> None:
        expires = int((parse_instant(record.created_at) + KEPT).timestamp())
        pointer_expires = int((parse_instant(record.created_at) + POINTER_KEPT).timestamp())

        def attempt(tx: Transaction) -> None:
            self._stage_new(tx, record, expires, pointer_expires)

        run_write(attempt)

    def _stage_new(
        self, tx: Transaction, record: ImportRecord, expires: int, pointer_expires: int
    ) -> None:
        tx.put(
            "import",
            {
                **import_key(record.user_id, record.import_id),
                "importId": record.import_id,
                "userId": record.user_id,
                "format": record.source_format,
                "fileName": record.file_name,
                "status": record.status,
                "createdAt": record.created_at,
                "expiresAt": expires,
            },
            condition="attribute_not_exists(PK)",
        )
        tx.put(
            "pointer",
            {
                **pointer_key(job_key_of(record.user_id, record.import_id)),
                "userId": record.user_id,
                "importId": record.import_id,
                "expiresAt": pointer_expires,
            },
        )

    def job(self, job_key: str) -> tuple[str, str] | None:
        """(user id, import id) of a queued job's key, or None when it ended or expired."""
        item = dynamo.get_item(pointer_key(job_key))
        if not item or not isinstance(item.get("userId"), str):
            return None
        return str(item["userId"]), str(item["importId"])

    def move(
        self, record: ImportRecord, to: str, *, expected: tuple[str, ...], **changes: Any
    ) -> bool:
        """Set the import's status to `to` (and the other attributes given) if its status is
        still one of `expected`; False when it is not (a concurrent request moved it)."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":to": to}
        sets = ["#status = :to"]
        for index, (name, value) in enumerate(changes.items()):
            names[f"#c{index}"] = name
            values[f":c{index}"] = value
            sets.append(f"#c{index} = :c{index}")
        conditions = []
        for index, status in enumerate(expected):
            values[f":e{index}"] = status
            conditions.append(f"#status = :e{index}")
        try:
            dynamo.client().update_item(
                TableName=dynamo.table_name(),
                Key=dynamo.serialize(import_key(record.user_id, record.import_id)),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=f"attribute_exists(PK) AND ({' OR '.join(conditions)})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=dynamo.serialize(values),
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def end(self, record: ImportRecord) -> None:
        """The job ended: its pointer goes (nothing then names the user outside their
        partition)."""
        dynamo.delete_keys([pointer_key(job_key_of(record.user_id, record.import_id))])

    def completed_with(self, user_id: str, digest: str) -> str | None:
        """The import that already completed this file for this user, if any."""
        item = dynamo.get_item(imported_key(user_id, digest))
        return _text(item, "importId") if item else None

    def remember_file(self, user_id: str, digest: str, import_id: str, at: datetime) -> None:
        """This file is imported: a later import of it answers this one's report. The first
        import of a file keeps the record (a concurrent twin writes nothing new either)."""
        try:
            dynamo.client().put_item(
                TableName=dynamo.table_name(),
                Item=dynamo.serialize(
                    {
                        **imported_key(user_id, digest),
                        "importId": import_id,
                        "expiresAt": int((at + KEPT).timestamp()),
                    }
                ),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
