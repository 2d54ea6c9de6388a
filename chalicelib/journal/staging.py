"""What every entry write (create, update, delete) reads and stages, so service.py only decides:
the entry as read with its goals, then its change with the stats and goal links it moves."""

from datetime import datetime
from typing import Any

from chalicelib.core import retry
from chalicelib.core.dynamo import Transaction
from chalicelib.core.http import check_if_match
from chalicelib.core.local_time import LocalTime
from chalicelib.goals.links import GoalLinks
from chalicelib.journal.entry import JournalEntry, entry_not_found
from chalicelib.journal.goal_links import stage_goal_links
from chalicelib.journal.repository import JournalContext, JournalRepository

CHANGED = "The entry has changed since it was read."


def load_entry(
    entries: JournalRepository,
    user_id: str,
    entry_id: str,
    fields: dict[str, Any],
    if_match: str | None,
) -> tuple[JournalEntry, JournalContext]:
    """The entry as read, and what its write reads with it: its goals (old and new links)
    in a second read, only when there are any."""
    first = entries.load_for_write(user_id, entry_id, [], None)
    old = first.entry
    if old is None:
        raise entry_not_found()
    check_if_match(if_match, old.version, CHANGED)
    goal_ids = [*fields.get("linkedGoalIds", old.linked_goal_ids), *old.linked_goal_ids]
    if not goal_ids:
        return old, first
    context = entries.load_for_write(user_id, entry_id, goal_ids, None)
    if context.entry is None or context.entry.version != old.version:
        raise retry.Conflict()  # changed between the two reads: read again
    return old, context


def stage_entry_change(
    tx: Transaction,
    entries: JournalRepository,
    goal_links: GoalLinks,
    context: JournalContext,
    old: JournalEntry | None,
    new: JournalEntry | None,
    *,
    template_used: tuple[str, str] | None,
    local: LocalTime,
    now: datetime,
) -> JournalEntry | None:
    """The entry's change with its stats and goal links; the entry as written (with the ids
    of the activities its goal values logged), None when it was deleted."""
    changed = new or old
    if changed is None:
        return None
    user_id = changed.user_id
    entries.change_stats(
        tx,
        user_id,
        context.stats,
        old,
        new,
        template_used,
        (local.timezone, local.day_start_hour),
    )
    new = stage_goal_links(tx, goal_links, user_id, old, new, context.goals, local, now)
    if new is None and old is not None:
        entries.delete_entry(tx, old)
    elif new is not None:
        entries.put_entry(tx, new, expected_version=None if old is None else old.version)
    return new
