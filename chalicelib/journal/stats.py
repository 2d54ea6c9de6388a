"""Journal statistics as pure functions.

The stats items hold only counters (entries and words, entries per local day, per template,
mood, tag and linked goal). Every write adds the difference between an entry's old and new
versions in the entry's own transaction, so concurrent writes never lose a count, and all the
items are read with one request. Streaks, "this week" and "this month" are derived when read,
in the user's time zone, so they stay right on days without new entries.

The items stay far below DynamoDB's 400 KB, for any number of years:
- per-day counters live in one item per local month (`JOURNALSTATS#YYYY-MM`, at most 31 of
  them, about 0.6 KB);
- the main item (`JOURNALSTATS`) holds the rest; a counter that reaches zero is removed in the
  same transaction (conditioned on the value read, so a concurrent change retries), so it holds
  only what live entries use, and distinct live tags, moods and linked goals are capped
  (`MAX_DISTINCT`, 422 `JOURNAL_LIMIT_EXCEEDED`), which bounds it to about 175 KB plus the
  goals domain's `completedGoals` set (36 bytes a completed goal).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from chalicelib.core import errors
from chalicelib.core.local_time import period_start
from chalicelib.journal.entry import JournalEntry

TOP_TAGS = 10
MAX_ENTRIES = 10_000
DAY = "day#"
# Live distinct names a journal may use at once: with the longest names (30 and 50 characters
# of up to 4 bytes, goal ids of 36) the main stats item stays under about 175 KB.
MAX_DISTINCT = {"tag#": 1_000, "mood#": 100, "goal#": 500}
COUNTER_PREFIXES = (DAY, "template#", "mood#", "tag#", "goal#")
TEMPLATE_USED = "templateUsed#"


@dataclass(frozen=True)
class JournalStats:
    """The stats as read: the main item, or (for the stats view) the main item with every
    month item's day counters added in. Items become stats only in journal/repository.py."""

    total_entries: int = 0
    total_words: int = 0
    # Every `day#`, `template#`, `mood#`, `tag#` and `goal#` counter by its stored name,
    # zeros included (a write removes those a concurrent write left behind).
    counters: Mapping[str, int] = field(default_factory=dict)
    template_used: Mapping[str, str] = field(default_factory=dict)  # last use, by template
    completed_goals: frozenset[str] = frozenset()  # kept by the goals' completions
    # The clock of the last write, which the view counts days with when no header says.
    timezone: str | None = None
    day_start_hour: int = 0
    last_entry_at: str | None = None
    # Whether every entry has its label pointers (labels.py): filters may read through them.
    labels_indexed: bool = False

    def count(self, name: str) -> int:
        """A counter (or total) by its stored name; 0 when absent."""
        if name == "totalEntries":
            return self.total_entries
        if name == "totalWords":
            return self.total_words
        return self.counters.get(name, 0)


NO_STATS = JournalStats()


def _counters(entry: JournalEntry | None) -> Counter[str]:
    if entry is None:
        return Counter()
    counts: Counter[str] = Counter(
        {
            "totalEntries": 1,
            "totalWords": entry.word_count or 0,
            f"day#{entry.local_date}": 1,
            f"template#{entry.template}": 1,
        }
    )
    if entry.mood:
        counts[f"mood#{entry.mood}"] += 1
    counts.update(f"tag#{tag}" for tag in entry.tags)
    counts.update(f"goal#{goal_id}" for goal_id in entry.linked_goal_ids)
    return counts


def counter_changes(old: JournalEntry | None, new: JournalEntry | None) -> dict[str, int]:
    """What each counter gains (or loses) when `old` becomes `new` (None: absent)."""
    before, after = _counters(old), _counters(new)
    return {
        name: after[name] - before[name]
        for name in before.keys() | after.keys()
        if after[name] != before[name]
    }


@dataclass
class ItemChange:
    """What one stats item gets: additions, and counters to remove (with the value read)."""

    adds: dict[str, int] = field(default_factory=dict)
    removes: dict[str, int] = field(default_factory=dict)


@dataclass
class StatsPlan:
    main: ItemChange
    months: dict[str, ItemChange]  # by local month, YYYY-MM


def month_of(counter: str) -> str:
    return counter[len(DAY) : len(DAY) + 7]


def plan(main: JournalStats | None, changes: dict[str, int]) -> StatsPlan:
    """Where each counter change goes, given the main item as read: a main-item counter that
    would reach zero is removed instead, and zeros a concurrent write left behind go too.
    Day counters go to their month's item (those of entries from before month items, still on
    the main item, stay there until they reach zero)."""
    main = main or NO_STATS
    result = StatsPlan(ItemChange(), {})
    for name, amount in changes.items():
        if name.startswith(DAY) and name not in main.counters:
            result.months.setdefault(month_of(name), ItemChange()).adds[name] = amount
            continue
        current = main.count(name)
        if name in main.counters and current + amount <= 0:
            result.main.removes[name] = current
        else:
            result.main.adds[name] = amount
    for name, value in main.counters.items():
        if value == 0 and name not in changes:
            result.main.removes[name] = 0
    return result


def check_bounds(main: JournalStats | None, changes: dict[str, int], adds_entry: bool) -> None:
    """Refuse (422) a write that would pass the entry quota or a distinct-names cap, judged on
    the main item as read; the write's conditions catch what a concurrent write changes."""
    main = main or NO_STATS
    if adds_entry and main.total_entries >= MAX_ENTRIES:
        raise errors.BusinessRuleViolation(
            f"A journal holds at most {MAX_ENTRIES:,} entries.", code="JOURNAL_QUOTA_EXCEEDED"
        )
    for prefix, limit in MAX_DISTINCT.items():
        added = [
            name
            for name, amount in changes.items()
            if name.startswith(prefix) and amount > 0 and main.count(name) <= 0
        ]
        if not added:
            continue  # a write that adds no new name is never refused for one
        gone = [
            name
            for name, amount in changes.items()
            if name.startswith(prefix) and amount < 0 and main.count(name) + amount <= 0
        ]
        live = sum(
            1 for name, value in main.counters.items() if name.startswith(prefix) and value > 0
        )
        if live + len(added) - len(gone) > limit:
            kind = prefix.rstrip("#")
            raise errors.BusinessRuleViolation(
                f"A journal uses at most {limit:,} different {kind}s across its entries.",
                code="JOURNAL_LIMIT_EXCEEDED",
                details={"field": f"{kind}s", "max": limit},
            )


def merged(items: Iterable[JournalStats]) -> JournalStats:
    """The first (main) item with every item's day counters added in (as the view reads
    them): day counters of entries from before month items are still on the main item."""
    read = list(items)
    if not read:
        return NO_STATS
    days: Counter[str] = Counter()
    for item in read:
        for name, value in item.counters.items():
            if name.startswith(DAY):
                days[name] += value
    others = {name: value for name, value in read[0].counters.items() if not name.startswith(DAY)}
    return replace(read[0], counters={**others, **days})


def _prefixed(item: JournalStats, prefix: str) -> dict[str, int]:
    return {
        name[len(prefix) :]: value
        for name, value in item.counters.items()
        if name.startswith(prefix) and value > 0
    }


def _runs(days: list[date]) -> tuple[int, int]:
    """(longest run of consecutive days, run ending at the last day)."""
    longest = run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return longest, run


def stats_view(item: JournalStats | None, today: date, day_start: Any) -> dict[str, Any]:
    """The stats response; `day_start` turns a local date into its starting instant."""
    item = item or NO_STATS
    total = item.total_entries
    words = item.total_words
    days = sorted(date.fromisoformat(day) for day in _prefixed(item, "day#"))
    per_day = {date.fromisoformat(day): count for day, count in _prefixed(item, "day#").items()}
    longest, last_run = _runs(days)
    # Today is not over: a streak that reached yesterday is still current.
    current = last_run if days and days[-1] >= today - timedelta(days=1) else 0
    week, month = period_start(today, "week"), period_start(today, "month")
    goals = _prefixed(item, "goal#")
    completed = item.completed_goals
    templates = _prefixed(item, "template#")
    tags = _prefixed(item, "tag#")
    average = round(words / total, 1) if total else 0
    return {
        "totalEntries": total,
        "totalWords": words,
        "currentStreak": current,
        "longestStreak": longest,
        # Items from before `lastEntryAt` was kept show the start of the last day instead.
        "lastEntryDate": (item.last_entry_at or day_start(days[-1])) if days else None,
        "goalsTracked": len(goals),
        "goalsCompleted": len(completed & goals.keys()),
        "templateUsage": [
            {"template": name, "count": count, "lastUsed": item.template_used.get(name)}
            for name, count in sorted(templates.items(), key=lambda pair: (-pair[1], pair[0]))
        ],
        "entriesThisWeek": sum(n for day, n in per_day.items() if week <= day <= today),
        "entriesThisMonth": sum(n for day, n in per_day.items() if month <= day <= today),
        "averageWordsPerEntry": average,
        "averageWordCount": average,
        "moodDistribution": _prefixed(item, "mood#"),
        "topTags": [
            {"tag": tag, "count": count}
            for tag, count in sorted(tags.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_TAGS]
        ],
    }
