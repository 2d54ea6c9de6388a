"""The account-jobs queue's messages: JSON with exactly one key naming the kind,
`{"deletion": <subject>}` or `{"import": <job key>}`. Neither carries anything personal: both
are digests (account/jobs.py, account/imports/records.py)."""

import json
import re
from dataclasses import dataclass

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class DeletionMessage:
    subject: str


@dataclass(frozen=True)
class ImportMessage:
    job_key: str


AccountJobMessage = DeletionMessage | ImportMessage


def message_for(subject: str) -> dict[str, str]:
    return {"deletion": subject}


def import_message_for(job_key: str) -> dict[str, str]:
    return {"import": job_key}


def parse(body: str) -> AccountJobMessage | None:
    """The job a message names, or None when it is not one of ours."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict) or len(message) != 1:
        return None
    ((kind, value),) = message.items()
    if not isinstance(value, str) or not _DIGEST.match(value):
        return None
    if kind == "deletion":
        return DeletionMessage(value)
    if kind == "import":
        return ImportMessage(value)
    return None


def subject_in(body: str) -> str | None:
    """The deletion job a message names, or None."""
    message = parse(body)
    return message.subject if isinstance(message, DeletionMessage) else None
