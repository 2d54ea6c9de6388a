"""The account-jobs queue's messages: JSON with exactly one key, naming the kind of job, whose
value is the job's key: a SHA-256 digest, nothing personal.

    {"deletion": <subject>}   account deletion (account/jobs.py's subject_of)
    {"export": <job key>}     an export (account/exports/records.py's export_job_key)
    {"import": <job key>}     an import

`parse` turns a body into one typed message, or None when it is not one of ours (app.py's
handler drops those with a warning: a poison message must not come back forever).
"""

import json
import re
from dataclasses import dataclass

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class DeletionMessage:
    subject: str


@dataclass(frozen=True)
class ExportMessage:
    job_key: str


@dataclass(frozen=True)
class ImportMessage:
    job_key: str


AccountJobMessage = DeletionMessage | ExportMessage | ImportMessage
_KINDS: dict[str, type[AccountJobMessage]] = {
    "deletion": DeletionMessage,
    "export": ExportMessage,
    "import": ImportMessage,
}


def message_for(subject: str) -> dict[str, str]:
    """The deletion job's message."""
    return {"deletion": subject}


def export_message(job_key: str) -> dict[str, str]:
    return {"export": job_key}


def import_message(job_key: str) -> dict[str, str]:
    return {"import": job_key}


def parse(body: str) -> AccountJobMessage | None:
    """The job a message names, or None when it is not one of ours."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict) or len(message) != 1:
        return None
    [(kind, key)] = message.items()
    kind_of = _KINDS.get(kind)
    if kind_of is None or not isinstance(key, str) or not _DIGEST.match(key):
        return None
    return kind_of(key)
