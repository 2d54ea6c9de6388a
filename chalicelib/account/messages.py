"""The account-deletion queue's messages: `{"deletion": <the job's subject>}`, nothing
personal (the subject is a digest of the user id, account/jobs.py)."""

import json
import re

_SUBJECT = re.compile(r"^[0-9a-f]{64}$")


def message_for(subject: str) -> dict[str, str]:
    return {"deletion": subject}


def subject_in(body: str) -> str | None:
    """The job a message names, or None when it is not one of ours."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    subject = message.get("deletion") if isinstance(message, dict) else None
    return subject if isinstance(subject, str) and _SUBJECT.match(subject) else None
