"""Journal rules: an entry, its stats, its goal links and its shares change in one transaction.

What an entry becomes is revisions.py's, its goal links goal_links.py's, its shares
sharing.py's, lists and search search.py's; this module reads, decides and commits.
"""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.core import errors, metrics, retry
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction, TransactionCancelled
from chalicelib.core.http import Page, check_if_match, etag
from chalicelib.core.idempotency import StoredResponse, add_record, key_from, replay
from chalicelib.core.local_time import local_time_of
from chalicelib.core.validation import parse
from chalicelib.goals.links import GoalLinks
from chalicelib.journal import search, sharing
from chalicelib.journal.goal_links import stage_goal_links
from chalicelib.journal.models import EntryCreate, EntryFields
from chalicelib.journal.presenter import present_entry
from chalicelib.journal.repository import JournalRepository
from chalicelib.journal.revisions import revised_entry
from chalicelib.journal.stats import stats_view

CHANGED = "The entry has changed since it was read."


def _not_found() -> errors.AppError:
    return errors.NotFound("The journal entry was not found.", code="ENTRY_NOT_FOUND")


class JournalService:
    def __init__(self, entries: JournalRepository, goal_links: GoalLinks,
                 now: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._entries = entries
        self._goal_links = goal_links
        self._now = now
        self._sleep = sleep

    # Writes.

    def create(self, user_id: str, body: Any, idempotency_header: str | None,
               timezone_header: str | None) -> StoredResponse:
        fields = parse(EntryCreate, body).model_dump(by_alias=True, exclude_unset=True,
                                                     mode="json")
        key = key_from(idempotency_header, user_id, "POST /journal", body)
        for _ in retry.attempts(self._sleep):
            context = self._entries.load_for_write(user_id, None, fields.get("linkedGoalIds")
                                                   or [], key)
            replayed = replay(key, context.idempotency_record)
            if replayed:
                return replayed
            local = local_time_of(context.profile, timezone_header)
            now = self._now()
            entry = revised_entry(user_id, fields, None, context.profile, context.goals, now,
                                  local)
            tx = Transaction().emits(metrics.JOURNAL_ENTRY_WRITTEN)
            self._entries.change_stats(tx, user_id, context.stats, None, entry,
                                       (entry["template"], entry["createdAt"]),
                                       (local.timezone, local.day_start_hour))
            stage_goal_links(tx, self._goal_links, user_id, None, entry, context.goals, local,
                             now)
            self._entries.put_entry(tx, entry, expected_version=None)
            response = StoredResponse(201, present_entry(entry), f"/journal/{entry['entryId']}")
            add_record(tx, key, response)
            sharing.stage(tx, self._entries, None, entry, context.profile)
            try:
                self._commit(tx)
            except retry.Conflict:
                continue  # reads again; a concurrent twin's response is then replayed
            return response
        raise retry.exhausted()

    def update(self, user_id: str, entry_id: str, body: Any, if_match: str | None,
               timezone_header: str | None) -> tuple[dict[str, Any], str]:
        fields = parse(EntryFields, body).model_dump(by_alias=True, exclude_unset=True,
                                                     mode="json")
        for _ in retry.attempts(self._sleep):
            first = self._entries.load_for_write(user_id, entry_id, [], None)
            old = first.entry
            if old is None:
                raise _not_found()
            check_if_match(if_match, old["version"], CHANGED)
            goal_ids = [*fields.get("linkedGoalIds", old["linkedGoalIds"]),
                        *old["linkedGoalIds"]]
            # A second read only when there are goals to read along with the entry.
            context = self._entries.load_for_write(user_id, entry_id, goal_ids, None) \
                if goal_ids else first
            if context.entry is None or context.entry["version"] != old["version"]:
                continue
            local = local_time_of(context.profile, timezone_header)
            now = self._now()
            new = revised_entry(user_id, fields, old, context.profile, context.goals, now, local)
            tx = Transaction().emits(metrics.JOURNAL_ENTRY_WRITTEN)
            changed_template = (new["template"], new["updatedAt"]) if (
                new["template"] != old["template"]) else None
            self._entries.change_stats(tx, user_id, context.stats, old, new, changed_template,
                                       (local.timezone, local.day_start_hour))
            stage_goal_links(tx, self._goal_links, user_id, old, new, context.goals, local, now)
            self._entries.put_entry(tx, new, expected_version=old["version"])
            sharing.stage(tx, self._entries, old, new, context.profile)
            try:
                self._commit(tx)
            except retry.Conflict:
                if if_match:
                    raise errors.PreconditionFailed(CHANGED) from None
                continue
            return present_entry(new), etag(new["version"])
        raise retry.exhausted()

    def delete(self, user_id: str, entry_id: str) -> None:
        for _ in retry.attempts(self._sleep):
            first = self._entries.load_for_write(user_id, entry_id, [], None)
            old = first.entry
            if old is None:
                raise _not_found()
            context = self._entries.load_for_write(user_id, entry_id, old["linkedGoalIds"],
                                                   None) if old["linkedGoalIds"] else first
            local = local_time_of(context.profile)
            tx = Transaction()
            self._entries.change_stats(tx, user_id, context.stats, old, None, None,
                                       (local.timezone, local.day_start_hour))
            stage_goal_links(tx, self._goal_links, user_id, old, None, context.goals, local,
                             self._now())
            self._entries.delete_entry(tx, old)
            sharing.stage(tx, self._entries, old, None, context.profile)
            try:
                self._commit(tx)
            except retry.Conflict:
                continue
            return
        raise retry.exhausted()

    def _commit(self, tx: Transaction) -> None:
        try:
            tx.commit()
        except TransactionCancelled as exc:
            # A stats condition failing (the quota, a counter removed at zero) means a
            # concurrent write: reading again sees it, and refuses when the quota is reached.
            raise retry.Conflict() from exc

    # Reads.

    def get(self, user_id: str, entry_id: str) -> tuple[dict[str, Any], str]:
        entry = self._entries.get(user_id, entry_id)
        if entry is None:
            raise _not_found()
        return present_entry(entry), etag(entry["version"])

    def stats(self, user_id: str, timezone_header: str | None) -> dict[str, Any]:
        item = self._entries.stats(user_id)
        local = local_time_of(item, timezone_header)
        return stats_view(item, local.local_date(self._now()),
                          lambda day: to_iso(local.day_start(day)))

    def list_entries(self, user_id: str, page: Page, query: dict[str, str | None],
                     timezone_header: str | None) -> dict[str, Any]:
        return search.list_entries(self._entries, user_id, page, query, timezone_header)
