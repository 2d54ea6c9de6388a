"""Journal rules: an entry, its stats, its goal links and (on delete) its shares change in one
transaction.

What an entry becomes is revisions.py's, its goal links goal_links.py's, lists and search
search.py's; shares are made and revoked by share_service.py, and whether one grants anything
is resolve.py's. This module reads, decides and commits.
"""

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import errors, metrics, retry
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.http import Page, check_if_match, refuse_if_matched
from chalicelib.core.idempotency import IdempotencyKey, StoredResponse, add_record, replay
from chalicelib.core.local_time import LocalTime, local_time_of
from chalicelib.core.logging import logger
from chalicelib.core.unit_of_work import run_write
from chalicelib.core.validation import dump
from chalicelib.goals.links import GoalLinks
from chalicelib.journal import resolve, search
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.goal_links import stage_goal_links
from chalicelib.journal.models import EntryCreate, EntryFields
from chalicelib.journal.presenter import present_entry
from chalicelib.journal.repository import JournalContext, JournalRepository
from chalicelib.journal.revisions import revised_entry
from chalicelib.journal.share_presenter import present_received, share_access
from chalicelib.journal.share_repository import ShareRepository
from chalicelib.journal.stats import stats_view

CHANGED = "The entry has changed since it was read."


def _not_found() -> errors.AppError:
    return errors.NotFound("The journal entry was not found.", code="ENTRY_NOT_FOUND")


class JournalService:
    def __init__(
        self,
        entries: JournalRepository,
        goal_links: GoalLinks,
        shares: ShareRepository,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._entries = entries
        self._goal_links = goal_links
        self._shares = shares
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
            entry = revised_entry(user_id, fields, None, context.goals, now, local)
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
            new = revised_entry(user_id, fields, old, context.goals, now, local)
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
            return new

        new = run_write(
            attempt, sleep=self._sleep, on_lost_race=refuse_if_matched(if_match, CHANGED)
        )
        return present_entry(new)

    def delete(self, user_id: str, entry_id: str) -> None:
        def attempt(tx: Transaction) -> tuple[str, ...]:
            old, context = self._load(user_id, entry_id, {}, None)
            self._stage(tx, context, old, None, None, local_time_of(context.profile), self._now())
            # Its shares go with it (recipients then read 404).
            self._shares.delete_entry_shares(tx, user_id, entry_id, old.shared_with)
            return old.shared_with

        recipients = run_write(attempt, sleep=self._sleep)
        # Then the recipients' pointers: hints that every read confirms against a share, now
        # gone, so they show nothing either way. Removed after the commit because 50 of them
        # beside 50 shares would not fit in the entry's transaction; one a crash leaves here
        # stays a dead hint, and so does one this fails to remove: the entry is gone either way.
        try:
            self._shares.forget_pointers(entry_id, recipients)
        except (errors.ServiceUnavailable, ClientError) as failure:
            logger.warning(
                "pointers of a deleted entry left", extra={"error": type(failure).__name__}
            )

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
        """The entry's change with its stats and goal links; the entry as written (with
        the ids of the activities its goal values logged)."""
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
        """The reader's own entry, or one shared with them through a live, unexpired share:
        the owner's entry with the share's wrapped key and `shareAccess` (each open counted).
        Anything else is the same 404, so an entry's existence is never revealed. The owner's
        read is one request (own entry, pointer and key record together)."""
        own, pointer, own_keys = self._entries.open(user_id, entry_id)
        if own is not None:
            return present_entry(own)
        shown = resolve.opened(self._shares, pointer, own_keys) if pointer else None
        now = self._now()
        if shown is None or shown.entry is None or shown.share.is_expired(now):
            raise _not_found()
        if not self._shares.count_access(shown.share, to_iso(now)):
            raise _not_found()  # revoked or replaced since it was read
        return {
            **present_received(shown.share, shown.entry),
            "shareAccess": share_access(shown.share),
        }

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
        return search.list_entries(self._entries, self._shares, user_id, page, filters, timezone)
