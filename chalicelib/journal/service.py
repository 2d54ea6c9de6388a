"""Journal rules: an entry, its stats, its goal links and its shares change in one transaction.

What an entry becomes is revisions.py's, its goal links goal_links.py's, its shares
sharing.py's, lists and search search.py's; this module reads, decides and commits.
"""

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from chalicelib.core import errors, metrics, retry
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.http import Page, check_if_match, refuse_if_matched
from chalicelib.core.idempotency import IdempotencyKey, StoredResponse, add_record, replay
from chalicelib.core.local_time import LocalTime, local_time_of
from chalicelib.core.unit_of_work import run_write
from chalicelib.core.validation import dump
from chalicelib.goals.links import GoalLinks
from chalicelib.journal import search, sharing
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.goal_links import stage_goal_links
from chalicelib.journal.models import EntryCreate, EntryFields
from chalicelib.journal.presenter import present_entry
from chalicelib.journal.repository import JournalContext, JournalRepository
from chalicelib.journal.revisions import revised_entry
from chalicelib.journal.stats import stats_view

CHANGED = "The entry has changed since it was read."


def _not_found() -> errors.AppError:
    return errors.NotFound("The journal entry was not found.", code="ENTRY_NOT_FOUND")


class JournalService:
    def __init__(
        self,
        entries: JournalRepository,
        goal_links: GoalLinks,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._entries = entries
        self._goal_links = goal_links
        self._now = now
        self._sleep = sleep

    # Writes: each a unit of work (core/unit_of_work.py). A failed condition (a counter
    # removed at zero, the quota, the version) means a concurrent write: reading again sees
    # it, and refuses when the quota is reached.

    def create(
        self,
        user_id: str,
        request: EntryCreate,
        *,
        idempotency: IdempotencyKey | None = None,
        timezone: str | None = None,
    ) -> StoredResponse:
        fields = dump(request)

        def attempt(tx: Transaction) -> StoredResponse:
            context = self._entries.load_for_write(
                user_id, None, fields.get("linkedGoalIds") or [], idempotency
            )
            replayed = replay(idempotency, context.idempotency_record)
            if replayed:
                return replayed  # a concurrent twin's response, once it won
            local, now = local_time_of(context.profile, timezone), self._now()
            entry = revised_entry(user_id, fields, None, context.profile, context.goals, now, local)
            entry = (
                self._stage(
                    tx.emits(metrics.JOURNAL_ENTRY_WRITTEN),
                    context,
                    None,
                    entry,
                    (entry.template, entry.created_at),
                    local,
                    now,
                )
                or entry
            )
            response = StoredResponse(201, present_entry(entry), f"/journal/{entry.entry_id}")
            add_record(tx, idempotency, response)
            sharing.stage(tx, self._entries, None, entry, context.profile)
            return response

        return run_write(attempt, sleep=self._sleep)

    def update(
        self,
        user_id: str,
        entry_id: str,
        request: EntryFields,
        *,
        if_match: str | None = None,
        timezone: str | None = None,
    ) -> dict[str, Any]:
        fields = dump(request)

        def attempt(tx: Transaction) -> JournalEntry:
            old, context = self._load(user_id, entry_id, fields, if_match)
            local, now = local_time_of(context.profile, timezone), self._now()
            new = revised_entry(user_id, fields, old, context.profile, context.goals, now, local)
            changed_template = (
                (new.template, new.updated_at) if new.template != old.template else None
            )
            new = (
                self._stage(
                    tx.emits(metrics.JOURNAL_ENTRY_WRITTEN),
                    context,
                    old,
                    new,
                    changed_template,
                    local,
                    now,
                )
                or new
            )
            sharing.stage(tx, self._entries, old, new, context.profile)
            return new

        new = run_write(
            attempt, sleep=self._sleep, on_lost_race=refuse_if_matched(if_match, CHANGED)
        )
        return present_entry(new)

    def delete(self, user_id: str, entry_id: str) -> None:
        def attempt(tx: Transaction) -> None:
            old, context = self._load(user_id, entry_id, {}, None)
            self._stage(tx, context, old, None, None, local_time_of(context.profile), self._now())
            sharing.stage(tx, self._entries, old, None, context.profile)

        run_write(attempt, sleep=self._sleep)

    def _load(
        self, user_id: str, entry_id: str, fields: dict[str, Any], if_match: str | None
    ) -> tuple[JournalEntry, JournalContext]:
        """The entry as read, and what its write reads with it: its goals (old and new links)
        in a second read, only when there are any."""
        first = self._entries.load_for_write(user_id, entry_id, [], None)
        old = first.entry
        if old is None:
            raise _not_found()
        check_if_match(if_match, old.version, CHANGED)
        goal_ids = [*fields.get("linkedGoalIds", old.linked_goal_ids), *old.linked_goal_ids]
        if not goal_ids:
            return old, first
        context = self._entries.load_for_write(user_id, entry_id, goal_ids, None)
        if context.entry is None or context.entry.version != old.version:
            raise retry.Conflict()  # changed between the two reads: read again
        return old, context

    def _stage(
        self,
        tx: Transaction,
        context: JournalContext,
        old: JournalEntry | None,
        new: JournalEntry | None,
        template_used: tuple[str, str] | None,
        local: LocalTime,
        now: datetime,
    ) -> JournalEntry | None:
        """The entry's change with its stats and goal links (shares are staged last); the
        entry as written (with the ids of the activities its goal values logged)."""
        changed = new or old
        if changed is None:
            return None
        user_id = changed.user_id
        self._entries.change_stats(
            tx,
            user_id,
            context.stats,
            old,
            new,
            template_used,
            (local.timezone, local.day_start_hour),
        )
        new = stage_goal_links(tx, self._goal_links, user_id, old, new, context.goals, local, now)
        if new is None and old is not None:
            self._entries.delete_entry(tx, old)
        elif new is not None:
            self._entries.put_entry(tx, new, expected_version=None if old is None else old.version)
        return new

    # Reads.

    def get(self, user_id: str, entry_id: str) -> dict[str, Any]:
        entry = self._entries.get(user_id, entry_id)
        if entry is None:
            raise _not_found()
        return present_entry(entry)

    def stats(self, user_id: str, *, timezone: str | None = None) -> dict[str, Any]:
        item = self._entries.stats(user_id)
        local = local_time_of(item, timezone)
        return stats_view(
            item, local.local_date(self._now()), lambda day: to_iso(local.day_start(day))
        )

    def list_entries(
        self,
        user_id: str,
        *,
        page: Page,
        filters: Mapping[str, str | None],
        timezone: str | None = None,
    ) -> dict[str, Any]:
        return search.list_entries(self._entries, user_id, page, filters, timezone)
