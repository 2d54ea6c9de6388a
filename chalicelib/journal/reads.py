"""Journal reads: one entry (the reader's own, or one shared with them), the list and search of
`GET /journal`, and the stats. Nothing here writes but the count of a recipient's opens.

What a list or search keeps is search.py's; whether a share grants anything is resolve.py's.
Built apart from the writes (service.py), so a read never loads the goal links.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.http import Page
from chalicelib.core.local_time import local_time_of
from chalicelib.journal import resolve, search
from chalicelib.journal.entry import entry_not_found
from chalicelib.journal.presenter import present_entry
from chalicelib.journal.repository import JournalRepository
from chalicelib.journal.share_presenter import present_received, share_access
from chalicelib.journal.share_repository import ShareRepository
from chalicelib.journal.stats import stats_view


class JournalReads:
    def __init__(
        self,
        entries: JournalRepository,
        shares: ShareRepository,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._entries = entries
        self._shares = shares
        self._now = now

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
            raise entry_not_found()
        if not self._shares.count_access(shown.share, to_iso(now)):
            raise entry_not_found()  # revoked or replaced since it was read
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
