"""Journal writes: an entry, its stats, its goal links and (on delete) its shares change in one
transaction.

What an entry becomes is revisions.py's; what a write reads and stages beside the entry is
staging.py's; reads are reads.py's; shares are made and revoked by share_service.py. This
module decides and commits.
"""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import errors, metrics
from chalicelib.core.clock import utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.http import refuse_if_matched
from chalicelib.core.idempotency import Created, IdempotencyKey, add_record, replay
from chalicelib.core.local_time import LocalTime, local_time_of
from chalicelib.core.logging import logger
from chalicelib.core.unit_of_work import run_write
from chalicelib.core.validation import dump
from chalicelib.goals.links import GoalLinks
from chalicelib.journal import labels
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.models import EntryCreate, EntryFields
from chalicelib.journal.presenter import present_entry
from chalicelib.journal.repository import JournalContext, JournalRepository
from chalicelib.journal.revisions import revised_entry
from chalicelib.journal.share_repository import ShareRepository
from chalicelib.journal.staging import CHANGED, load_entry, stage_entry_change


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

    # Each write is a unit of work (core/unit_of_work.py). A failed condition (a counter
    # removed at zero, the quota, the version) means a concurrent write: reading again sees
    # it, and refuses when the quota is reached.

    def create(
        self,
        user_id: str,
        request: EntryCreate,
        *,
        idempotency: IdempotencyKey | None = None,
        timezone: str | None = None,
    ) -> Created:
        fields = dump(request)

        def attempt(tx: Transaction) -> tuple[Created, str, labels.Leftover]:
            context = self._entries.load_for_write(
                user_id, None, fields.get("linkedGoalIds") or [], idempotency
            )
            replayed = replay(idempotency, context.idempotency_record)
            if replayed:
                # A concurrent twin's response, once it won (it wrote the pointers).
                return replayed, "", labels.Leftover()
            local, now = local_time_of(context.profile, timezone), self._now()
            entry = revised_entry(user_id, fields, None, context.goals, now, local)
            tx.emits(metrics.JOURNAL_ENTRY_WRITTEN)
            template_used = (entry.template, entry.created_at)
            entry = self._stage(tx, context, None, entry, template_used, local, now) or entry
            response = Created(present_entry(entry), f"/journal/{entry.entry_id}")
            add_record(tx, idempotency, response)
            return response, entry.entry_id, labels.stage_changes(tx, user_id, None, entry)

        created, entry_id, leftover = run_write(attempt, sleep=self._sleep)
        self._after_commit(user_id, entry_id, leftover)
        return created

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

        def attempt(tx: Transaction) -> tuple[JournalEntry, labels.Leftover]:
            old, context = load_entry(self._entries, user_id, entry_id, fields, if_match)
            local, now = local_time_of(context.profile, timezone), self._now()
            new = revised_entry(user_id, fields, old, context.goals, now, local)
            changed = (new.template, new.updated_at) if new.template != old.template else None
            tx.emits(metrics.JOURNAL_ENTRY_WRITTEN)
            new = self._stage(tx, context, old, new, changed, local, now) or new
            return new, labels.stage_changes(tx, user_id, old, new)

        new, leftover = run_write(
            attempt, sleep=self._sleep, on_lost_race=refuse_if_matched(if_match, CHANGED)
        )
        self._after_commit(user_id, entry_id, leftover)
        return present_entry(new)

    def delete(self, user_id: str, entry_id: str) -> None:
        def attempt(tx: Transaction) -> tuple[tuple[str, ...], labels.Leftover]:
            old, context = load_entry(self._entries, user_id, entry_id, {}, None)
            self._stage(tx, context, old, None, None, local_time_of(context.profile), self._now())
            # Its shares go with it (recipients then read 404).
            self._shares.delete_entry_shares(tx, user_id, entry_id, old.shared_with)
            return old.shared_with, labels.stage_changes(tx, user_id, old, None)

        recipients, leftover = run_write(attempt, sleep=self._sleep)
        # Then the recipients' pointers: hints that every read confirms against a share, now
        # gone, so they show nothing either way. Removed after the commit because 50 of them
        # beside 50 shares would not fit in the entry's transaction; one a crash leaves here
        # stays a dead hint, and so does one this fails to remove: the entry is gone either way.
        self._after_commit(
            user_id, entry_id, leftover, lambda: self._shares.forget_pointers(entry_id, recipients)
        )

    def _after_commit(
        self,
        user_id: str,
        entry_id: str,
        leftover: labels.Leftover,
        *more: Callable[[], None],
    ) -> None:
        """What an entry's transaction had no room for, written right after it commits: any
        `more` (a delete's recipient pointers) and the label pointer changes (labels.py,
        which reads the entry again when it deletes any). A failure is logged, not answered:
        the entry's write is done, and the label pointers it leaves are repaired by
        scripts/backfill_journal_labels.py (README, "Label index")."""
        steps: tuple[Callable[[], None], ...] = (
            *more,
            lambda: labels.write_leftover(
                user_id, leftover, lambda: self._entries.entry(user_id, entry_id)
            ),
        )
        for step in steps:
            try:
                step()
            except (errors.ServiceUnavailable, ClientError) as failure:
                logger.warning(
                    "pointers left after an entry write",
                    extra={"user_id": user_id, "error": type(failure).__name__},
                )

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
        return stage_entry_change(
            tx,
            self._entries,
            self._goal_links,
            context,
            old,
            new,
            template_used=template_used,
            local=local,
            now=now,
        )
