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
from collections.abc import Iterable
from dataclasses import dataclass, field
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
_COUNTER_PREFIXES = (DAY, "template#", "mood#", "tag#", "goal#")


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


def plan(main: dict[str, Any] | None, changes: dict[str, int]) -> StatsPlan:
    """Where each counter change goes, given the main item as read: a main-item counter that
    would reach zero is removed instead, and zeros a concurrent write left behind go too.
    Day counters go to their month's item (those of entries from before month items, still on
    the main item, stay there until they reach zero)."""
    main = main or {}
    result = StatsPlan(ItemChange(), {})
    for name, amount in changes.items():
        if name.startswith(DAY) and name not in main:
            result.months.setdefault(month_of(name), ItemChange()).adds[name] = amount
            continue
        current = int(main.get(name, 0))
        if name in main and name.startswith(_COUNTER_PREFIXES) and current + amount <= 0:
            result.main.removes[name] = current
        else:
            result.main.adds[name] = amount
    for name, value in main.items():
        if value == 0 and name.startswith(_COUNTER_PREFIXES) and name not in changes:
            result.main.removes[name] = 0
    return result


def check_bounds(main: dict[str, Any] | None, changes: dict[str, int], adds_entry: bool) -> None:
    """Refuse (422) a write that would pass the entry quota or a distinct-names cap, judged on
    the main item as read; the write's conditions catch what a concurrent write changes."""
    main = main or {}
    if adds_entry and int(main.get("totalEntries", 0)) >= MAX_ENTRIES:
        raise errors.BusinessRuleViolation(
            f"A journal holds at most {MAX_ENTRIES:,} entries.", code="JOURNAL_QUOTA_EXCEEDED"
        )
    for prefix, limit in MAX_DISTINCT.items():
        added = [
            name
            for name, amount in changes.items()
            if name.startswith(prefix) and amount > 0 and int(main.get(name, 0)) <= 0
        ]
        if not added:
            continue  # a write that adds no new name is never refused for one
        gone = [
            name
            for name, amount in changes.items()
            if name.startswith(prefix) and amount < 0 and int(main.get(name, 0)) + amount <= 0
        ]
        live = sum(1 for name, value in main.items() if name.startswith(prefix) and value > 0)
        if live + len(added) - len(gone) > limit:
            kind = prefix.rstrip("#")
            raise errors.BusinessRuleViolation(
                f"A journal uses at most {limit:,} different {kind}s across its entries.",
                code="JOURNAL_LIMIT_EXCEEDED",
                details={"field": f"{kind}s", "max": limit},
            )


def merged(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The main item with every month item's day counters added in (as the view reads them)."""
    result: dict[str, Any] = {}
    for item in items:
        for name, value in item.items():
            if name.startswith(DAY):
                result[name] = int(result.get(name, 0)) + int(value)
            elif name not in result:
                result[name] = value
    return result


def _prefixed(item: dict[str, Any], prefix: str) -> dict[str, int]:
    return {
        name[len(prefix) :]: int(value)
        for name, value in item.items()
        if name.startswith(prefix) and int(value) > 0
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


def stats_view(item: dict[str, Any] | None, today: date, day_start: Any) -> dict[str, Any]:
    """The stats response; `day_start` turns a local date into its starting instant."""
    item = item or {}
    total = int(item.get("totalEntries", 0))
    words = int(item.get("totalWords", 0))
    days = sorted(date.fromisoformat(day) for day in _prefixed(item, "day#"))
    per_day = {date.fromisoformat(day): count for day, count in _prefixed(item, "day#").items()}
    longest, last_run = _runs(days)
    # Today is not over: a streak that reached yesterday is still current.
    current = last_run if days and days[-1] >= today - timedelta(days=1) else 0
    week, month = period_start(today, "week"), period_start(today, "month")
    goals = _prefixed(item, "goal#")
    completed = set(item.get("completedGoals") or [])
    templates = _prefixed(item, "template#")
    tags = _prefixed(item, "tag#")
    average = round(words / total, 1) if total else 0
    return {
        "totalEntries": total,
        "totalWords": words,
        "currentStreak": current,
        "longestStreak": longest,
        # Items from before `lastEntryAt` was kept show the start of the last day instead.
        "lastEntryDate": (item.get("lastEntryAt") or day_start(days[-1])) if days else None,
        "goalsTracked": len(goals),
        "goalsCompleted": len(completed & goals.keys()),
        "templateUsage": [
            {"template": name, "count": count, "lastUsed": item.get(f"templateUsed#{name}")}
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
