"""Listing and searching entries: the filters of `GET /journal`, and its date bounds.

The plain list of one's own entries is read page by page, newest first, with the total from
the stats item; so is a list of one's own entries filtered by one label (tag, mood, template
or goal), through that label's pointers (labels.py), and one filtered by a label and more
reads the rarest label's entries when they are few. Other filters and search read the user's
entries (at most 10,000) and the live shares made by or to them (resolve.py), and keep those
that match. A shared entry is listed
as a wrapper (`{entry, shareInfo, isIncoming}`, docs/api.md), one per share.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.core.clock import utc_now
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.http import Page
from chalicelib.core.local_time import LocalTime, instant_bound, local_time_of
from chalicelib.journal import labels, resolve, text
from chalicelib.journal.entry import JournalEntry, SharedEntry, listed_entry
from chalicelib.journal.repository import JournalRepository
from chalicelib.journal.share_presenter import as_received, present_listed
from chalicelib.journal.share_repository import ShareRepository
from chalicelib.journal.stats import MAX_ENTRIES, JournalStats

FILTERS = ("owned", "all", "shared-with-me", "shared-by-me")
SEARCH_PARAMETERS = ("goalId", "tag", "mood", "template", "from", "to", "q")


def list_entries(
    entries: JournalRepository,
    shares: ShareRepository,
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
        shown: Sequence[JournalEntry | SharedEntry] = newest[page.offset :]
    elif chosen == "owned" and (
        labelled := _labelled_page(entries, user_id, page, query, timezone_header)
    ):
        total, shown = labelled
    else:
        matching = _matching(entries, shares, user_id, chosen, query, timezone_header)
        total, shown = len(matching), matching[page.offset : page.offset + page.limit]
    return {
        "entries": [present_listed(entry) for entry in shown],
        "total": total,
        "page": page.number,
        "limit": page.limit,
        "hasMore": page.offset + len(shown) < total,
        "filter": chosen,
    }


# A BatchGetItem bills every entry (about 1 KB) as a whole 4 KB, a Query only its bytes: a
# label's entries are read one by one only while they are at most this share of the journal.
LABEL_READ_SHARE = 4


def _labelled_page(
    entries: JournalRepository,
    user_id: str,
    page: Page,
    query: Mapping[str, str | None],
    timezone_header: str | None,
) -> tuple[int, list[JournalEntry]] | None:
    """A list of one's own entries filtered by at least one label (tag, mood, template or
    goal), read through the labels' pointers (labels.py). By one label and nothing else: the
    page's pointers and entries, with the total from the label's stats counter (written in
    the same transactions), so it costs the page, whatever the journal's size. With more
    parameters: every entry of the rarest label given, filtered by the rest, when they are
    few enough to be cheaper than the journal. None otherwise, or when the journal is not
    indexed yet: then every entry is read and filtered."""
    wanted = [
        labels.Label(kind, value)
        for name, kind in labels.KINDS.items()
        if (value := _label_value(name, query.get(name))) is not None
    ]
    if not wanted:
        return None
    stats = entries.main_stats(user_id)
    if not stats.labels_indexed:
        return None
    counts = {label: _label_total(stats, label) for label in wanted}
    rarest = min(wanted, key=lambda label: counts[label])
    if len(wanted) == 1 and not any(query.get(name) for name in ("from", "to", "q")):
        total = counts[rarest]
        if page.offset >= total:
            return total, []
        return total, entries.labelled(user_id, rarest, page.offset, page.limit)
    criteria = _criteria_of(entries, user_id, query, timezone_header)  # 400 before any read
    if counts[rarest] * LABEL_READ_SHARE > stats.total_entries:
        return None
    # Newest first, as the full read sorts them (ties: the larger entry id first). Every
    # pointer of the label, not just as many as its counter: a stale one (labels.py) among
    # them would push a live one out.
    kept = [
        entry
        for entry in entries.labelled(user_id, rarest, 0, MAX_ENTRIES)
        if criteria.keeps(entry)
    ]
    return len(kept), kept[page.offset : page.offset + page.limit]


def _label_total(stats: JournalStats, label: labels.Label) -> int:
    """How many entries have the label: its stats counter (tags: every spelling of it, as the
    filter ignores case; an entry has at most one of them)."""
    if label.kind != "tag":
        return stats.count(f"{label.kind}#{label.value}")
    return sum(
        count
        for counter, count in stats.counters.items()
        if counter.startswith("tag#") and counter.removeprefix("tag#").lower() == label.value
    )


def _label_value(name: str, raw: str | None) -> str | None:
    """The label a query parameter filters by, as _Criteria compares it (None: no filter)."""
    value = (raw or "").strip().lower() if name == "tag" else raw
    return value or None


def _matching(
    entries: JournalRepository,
    shares: ShareRepository,
    user_id: str,
    chosen: str,
    query: Mapping[str, str | None],
    timezone_header: str | None,
) -> list[JournalEntry | SharedEntry]:
    criteria = _criteria_of(entries, user_id, query, timezone_header)
    kept = [
        listed
        for listed in _candidates(entries, shares, user_id, chosen)
        if criteria.keeps(listed_entry(listed))
    ]
    return sorted(kept, key=lambda listed: listed_entry(listed).created_at, reverse=True)


def _criteria_of(
    entries: JournalRepository,
    user_id: str,
    query: Mapping[str, str | None],
    timezone_header: str | None,
) -> "_Criteria":
    # Dates are the profile's local days, as the entries' own dates are.
    dated = bool(query.get("from") or query.get("to"))
    profile = entries.profile(user_id) if dated else None
    return _Criteria.of(query, local_time_of(profile, timezone_header))


def _candidates(
    entries: JournalRepository, shares: ShareRepository, user_id: str, chosen: str
) -> list[JournalEntry | SharedEntry]:
    """The entries `filter` names, before the search parameters: `owned` and `all` list one's
    own entries plainly, `shared-by-me` one wrapper per share made (expired ones too, until
    revoked), `shared-with-me` and `all` one wrapper per live, unexpired share received."""
    found: list[JournalEntry | SharedEntry] = []
    if chosen in {"owned", "all"}:
        found += entries.all_entries(user_id)
    if chosen == "shared-by-me":
        found += [
            SharedEntry(entry, share, incoming=False)
            for share, entry in resolve.entries_of(resolve.sent(shares, user_id, full=True))
        ]
    if chosen in {"all", "shared-with-me"}:
        now = utc_now()
        found += [
            SharedEntry(as_received(entry), share, incoming=True)
            for share, entry in resolve.entries_of(resolve.received(shares, user_id, full=True))
            if not share.is_expired(now)
        ]
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
    # The text is extracted here (one linear pass, text.py), but on entries stored while a
    # copy of it was kept.
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
