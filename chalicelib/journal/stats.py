"""Journal statistics as pure functions.

The stats item holds only counters (entries and words, entries per local day, per template,
mood, tag and linked goal). Every write adds the difference between an entry's old and new
versions with atomic additions, so concurrent writes never lose a count, and the item is read
with one request. Streaks, "this week" and "this month" are derived when read, in the user's
time zone, so they stay right on days without new entries.
"""

from collections import Counter
from datetime import date, timedelta
from typing import Any

from chalicelib.goals.periods import period_start

TOP_TAGS = 10


def _counters(entry: dict[str, Any] | None) -> Counter[str]:
    if entry is None:
        return Counter()
    counts: Counter[str] = Counter({"totalEntries": 1, "totalWords": entry["wordCount"],
                                    f"day#{entry['localDate']}": 1,
                                    f"template#{entry['template']}": 1})
    if entry.get("mood"):
        counts[f"mood#{entry['mood']}"] += 1
    counts.update(f"tag#{tag}" for tag in entry["tags"])
    counts.update(f"goal#{goal_id}" for goal_id in entry["linkedGoalIds"])
    return counts


def counter_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, int]:
    """What each counter gains (or loses) when `old` becomes `new` (None: absent)."""
    before, after = _counters(old), _counters(new)
    return {name: after[name] - before[name] for name in before.keys() | after.keys()
            if after[name] != before[name]}


def _prefixed(item: dict[str, Any], prefix: str) -> dict[str, int]:
    return {name[len(prefix):]: int(value) for name, value in item.items()
            if name.startswith(prefix) and int(value) > 0}


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
        "lastEntryDate": day_start(days[-1]) if days else None,
        "goalsTracked": len(goals),
        "goalsCompleted": len(completed & goals.keys()),
        "templateUsage": [{"template": name, "count": count,
                           "lastUsed": item.get(f"templateUsed#{name}")}
                          for name, count in sorted(templates.items(),
                                                    key=lambda pair: (-pair[1], pair[0]))],
        "entriesThisWeek": sum(n for day, n in per_day.items() if week <= day <= today),
        "entriesThisMonth": sum(n for day, n in per_day.items() if month <= day <= today),
        "averageWordsPerEntry": average,
        "averageWordCount": average,
        "moodDistribution": _prefixed(item, "mood#"),
        "topTags": [{"tag": tag, "count": count} for tag, count in
                    sorted(tags.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_TAGS]],
    }
