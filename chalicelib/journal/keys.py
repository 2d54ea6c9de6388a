"""The journal's keys."""

from chalicelib.core import dynamo

STATS_SK = "JOURNALSTATS"  # the main stats item; per-month day counters sort right after it
ENTRY_PREFIX = "JOURNAL#"
COMPLETED_GOALS = "completedGoals"


def stats_key(user_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": STATS_SK}


def month_stats_key(user_id: str, month: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"{STATS_SK}#{month}"}


def entry_key(user_id: str, entry_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"{ENTRY_PREFIX}{entry_id}"}
