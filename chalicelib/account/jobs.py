"""The account-deletion job record: what an eraser run needs to know, and what the status
route shows.

| item | PK | SK |
|---|---|---|
| deletion job | `DELETION#{subject}` | `JOB` |

It lives outside the user's partition, which the job erases. `subject` is a SHA-256 digest of
the user id: the caller's token finds its own job (one per account, so a repeated request
finds the first), the queue message carries no personal data, and once the job completes the
record holds neither the id nor the address (both are removed then) and expires 30 days later.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import dynamo
from chalicelib.core.aws import error_code
from chalicelib.core.clock import parse_instant, to_iso

JOB_SK = "JOB"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
KEPT_AFTER_COMPLETION = timedelta(days=30)


def subject_of(user_id: str) -> str:
    return hashlib.sha256(f"account-deletion:{user_id}".encode()).hexdigest()


def job_key(subject: str) -> dict[str, str]:
    return {"PK": f"DELETION#{subject}", "SK": JOB_SK}


@dataclass(frozen=True)
class DeletionJob:
    subject: str
    status: str
    requested_at: str
    user_id: str | None  # None once completed
    email: str | None
    data_erased_at: str | None = None
    completed_at: str | None = None

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED

    def sweep_due(self, sweep_seconds: int) -> datetime:
        return parse_instant(self.requested_at) + timedelta(seconds=sweep_seconds)


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) else None


def job_of(subject: str, item: dict[str, Any]) -> DeletionJob:
    return DeletionJob(
        subject=subject,
        status=str(item.get("status", IN_PROGRESS)),
        requested_at=str(item["requestedAt"]),
        user_id=_text(item, "userId"),
        email=_text(item, "email"),
        data_erased_at=_text(item, "dataErasedAt"),
        completed_at=_text(item, "completedAt"),
    )


class DeletionJobs:
    def get(self, subject: str) -> DeletionJob | None:
        item = dynamo.get_item(job_key(subject))
        return job_of(subject, item) if item else None

    def create(self, job: DeletionJob) -> DeletionJob:
        """Write a new job; when one exists already (a concurrent twin), that one."""
        item = {
            **job_key(job.subject),
            "status": job.status,
            "requestedAt": job.requested_at,
            "userId": job.user_id,
            "email": job.email,
        }
        try:
            dynamo.client().put_item(
                TableName=dynamo.table_name(),
                Item=dynamo.serialize(item),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return self.get(job.subject) or job
        return job

    def mark_data_erased(self, subject: str, at: str) -> None:
        self._update(
            subject,
            "SET dataErasedAt = if_not_exists(dataErasedAt, :at)",
            {":at": at},
        )

    def complete(self, subject: str, at: datetime) -> None:
        """The job done: the user's id and address leave the record, which expires later."""
        self._update(
            subject,
            "SET #status = :done, completedAt = if_not_exists(completedAt, :at), "
            "expiresAt = :expires REMOVE userId, email",
            {
                ":done": COMPLETED,
                ":at": to_iso(at),
                ":expires": int((at + KEPT_AFTER_COMPLETION).timestamp()),
            },
            names={"#status": "status"},
        )

    def _update(
        self,
        subject: str,
        expression: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> None:
        params: dict[str, Any] = {
            "TableName": dynamo.table_name(),
            "Key": dynamo.serialize(job_key(subject)),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(PK)",
            "ExpressionAttributeValues": dynamo.serialize(values),
        }
        if names:
            params["ExpressionAttributeNames"] = names
        try:
            dynamo.client().update_item(**params)
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
