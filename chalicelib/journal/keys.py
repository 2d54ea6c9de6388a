"""The journal's keys, shared with the goals domain, which records goal completions on the
journal's stats item (so `goalsCompleted` needs no extra read)."""

from chalicelib.core import dynamo

STATS_SK = "JOURNALSTATS"
ENTRY_PREFIX = "JOURNAL#"
COMPLETED_GOALS = "completedGoals"


def stats_key(user_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": STATS_SK}


def entry_key(user_id: str, entry_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"{ENTRY_PREFIX}{entry_id}"}


def share_key(email: str, entry_id: str) -> dict[str, str]:
    return {"PK": f"SHARE#{email}", "SK": f"{ENTRY_PREFIX}{entry_id}"}
