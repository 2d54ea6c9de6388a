"""Listing and searching entries: the filters of `GET /journal`, and its date bounds.

The plain list of one's own entries is read page by page, newest first, with the total from
the stats item. Filters and search read the user's entries (at most 10,000) and the entries
shared with them, and keep those that match.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.http import Page
from chalicelib.core.local_time import LocalTime, instant_bound, local_time_of
from chalicelib.journal import sharing, text
from chalicelib.journal.entry import JournalEntry, ReceivedEntry, listed_entry
from chalicelib.journal.presenter import present_listed
from chalicelib.journal.repository import JournalRepository
from chalicelib.users.profile import Profile

FILTERS = ("owned", "all", "shared-with-me", "shared-by-me")
SEARCH_PARAMETERS = ("goalId", "tag", "mood", "template", "from", "to", "q")


def list_entries(
    entries: JournalRepository,
    user_id: str,
    page: Page,
    query: Mapping[str, str | None],
    timezone_header: str | None,
) -> dict[str, Any]:
    chosen = query.get("filter") or "owned"
    if chosen not in FILTERS:
        raise ValidationFailed([FieldError("filter", "must be one of " + ", ".join(FILTERS))])
    searching = any(query.get(name) for name in SEARCH_PARAMETERS)
    if chosen == "owned" and not searching:
        stats, newest = entries.newest(user_id, page.offset + page.limit)
        total = stats.total_entries if stats else 0
        shown: Sequence[JournalEntry | ReceivedEntry] = newest[page.offset :]
    else:
        matching = _matching(entries, user_id, chosen, query, timezone_header)
        total, shown = len(matching), matching[page.offset : page.offset + page.limit]
    return {
        "entries": [present_listed(entry) for entry in shown],
        "total": total,
        "page": page.number,
        "limit": page.limit,
        "hasMore": page.offset + len(shown) < total,
        "filter": chosen,
    }


def _matching(
    entries: JournalRepository,
    user_id: str,
    chosen: str,
    query: Mapping[str, str | None],
    timezone_header: str | None,
) -> list[JournalEntry | ReceivedEntry]:
    # Dates are the profile's local days, as the entries' own dates are; recipients are
    # found by the profile's address. One read serves both, and only when needed.
    dated = bool(query.get("from") or query.get("to"))
    receiving = chosen in {"all", "shared-with-me"}
    profile = entries.profile(user_id) if dated or receiving else None
    criteria = _Criteria.of(query, local_time_of(profile if dated else None, timezone_header))
    kept = [
        listed
        for listed in _candidates(entries, user_id, chosen, profile)
        if criteria.keeps(listed_entry(listed))
    ]
    return sorted(kept, key=lambda listed: listed_entry(listed).created_at, reverse=True)


def _candidates(
    entries: JournalRepository, user_id: str, chosen: str, profile: Profile | None
) -> list[JournalEntry | ReceivedEntry]:
    """The entries `filter` names, before the search parameters."""
    found: list[JournalEntry | ReceivedEntry] = []
    if chosen in {"owned", "all", "shared-by-me"}:
        owned = entries.all_entries(user_id)
        found = [entry for entry in owned if chosen != "shared-by-me" or entry.is_shared]
    if chosen in {"all", "shared-with-me"}:
        # Owned entries first: an entry that was also shared with its author shows once.
        found = sharing.without_duplicates([*found, *sharing.received(entries, profile)])
    return found


@dataclass(frozen=True)
class _Criteria:
    """The search parameters of `GET /journal`; an empty one keeps every entry."""

    goal_id: str | None
    tag: str
    mood: str | None
    template: str | None
    low: str | None
    high: str | None
    wanted: str

    @classmethod
    def of(cls, query: Mapping[str, str | None], local: LocalTime) -> "_Criteria":
        low, high = query_bounds(query.get("from"), query.get("to"), local)
        return cls(
            goal_id=query.get("goalId"),
            tag=(query.get("tag") or "").strip().lower(),
            mood=query.get("mood"),
            template=query.get("template"),
            low=low,
            high=high,
            wanted=(query.get("q") or "").strip().lower(),
        )

    def keeps(self, entry: JournalEntry) -> bool:
        # The text search reads the most: it runs last, on what the other criteria kept.
        return (
            self._labels_match(entry)
            and self._in_dates(entry)
            and (not self.wanted or mentions(entry, self.wanted))
        )

    def _labels_match(self, entry: JournalEntry) -> bool:
        return (
            (not self.goal_id or self.goal_id in entry.linked_goal_ids)
            and (not self.tag or self.tag in {own.lower() for own in entry.tags})
            and (not self.mood or entry.mood == self.mood)
            and (not self.template or entry.template == self.template)
        )

    def _in_dates(self, entry: JournalEntry) -> bool:
        return (self.low is None or entry.created_at >= self.low) and (
            self.high is None or entry.created_at <= self.high
        )


def mentions(entry: JournalEntry, wanted: str) -> bool:
    """Whether the title or the text (never the markup) of an entry holds `wanted`."""
    if wanted in entry.title.lower():
        return True
    if entry.is_encrypted:
        return False
    # Entries written before the text was stored are parsed here (linear, see text.py).
    searchable = entry.search_text
    if searchable is None:
        searchable = text.plain_text(entry.content).lower()
    return wanted in searchable


def query_bounds(
    start: str | None, end: str | None, local: LocalTime
) -> tuple[str | None, str | None]:
    """`from` and `to` as inclusive UTC instants (a date means that whole local day)."""
    problems: list[FieldError] = []
    bounds: list[str | None] = []
    for name, raw, last in (("from", start, False), ("to", end, True)):
        try:
            bounds.append(instant_bound(raw, local, last) if raw else None)
        except ValueError:
            problems.append(FieldError(name, "must be a date or an ISO-8601 date-time"))
    if problems:
        raise ValidationFailed(problems)
    return bounds[0], bounds[1]
