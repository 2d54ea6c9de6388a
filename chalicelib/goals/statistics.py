"""`statistics` and `insights` of GET /goals/{id}/progress, from the summary of a window's days
(goals/summaries.py: day aggregates and month rollups turn into the same summary)."""

import calendar
from datetime import date, timedelta
from typing import Any

from chalicelib.core.local_time import PeriodUnit, period_key, period_start
from chalicelib.goals.aggregates import TIMES_OF_DAY
from chalicelib.goals.numbers import tidy
from chalicelib.goals.summaries import Summary, mean

WINDOW_DAYS = {"week": 7, "month": 30, "quarter": 90, "year": 365}


def window(period: str, today: date, first_day: date, unit: PeriodUnit) -> tuple[date, date]:
    """The local days a `period` parameter covers, never before the goal's first day."""
    if period == "current":
        start = period_start(today, unit)
    elif period == "all":
        start = first_day
    else:
        start = today - timedelta(days=WINDOW_DAYS[period] - 1)
    return max(start, first_day), today


def expected_days(schedule: dict[str, Any], unit: PeriodUnit, start: date, end: date) -> int:
    """How many days of activity the schedule asks for between start and end (inclusive)."""
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    frequency = schedule.get("frequency") or "daily"
    weekdays = schedule.get("daysOfWeek") or []
    if frequency == "daily" and not weekdays and unit == "day":
        return len(days)
    if weekdays:
        # daysOfWeek counts 0 as Sunday, like JavaScript's Date.getDay().
        return sum(1 for day in days if (day.weekday() + 1) % 7 in weekdays)
    return len({period_key(day, unit) for day in days})


def statistics(summary: Summary, expected: int) -> dict[str, Any]:
    valued = summary.valued
    skipped = summary.count_of("skipped")
    active_days = summary.active_days
    statistics: dict[str, Any] = tidy(
        {
            "totalActivities": valued + skipped,
            "completedActivities": summary.count_of("completed"),  # of type `completed` only
            "skippedActivities": skipped,
            "averageValue": round(float(mean(summary.total, valued)), 4) if valued else 0,
            "bestValue": summary.highest if summary.highest is not None else 0,
            "worstValue": summary.lowest if summary.lowest is not None else 0,
            "consistency": round(min(100.0, active_days / expected * 100), 2) if expected else 0.0,
        }
    )
    return statistics


def _best_day_of_week(summary: Summary) -> str | None:
    means = {
        day: mean(summary.weekday_totals[day], count)
        for day, count in enumerate(summary.weekday_values)
        if count >= 2
    }
    if not means:
        return None
    return calendar.day_name[max(sorted(means), key=lambda day: means[day])]


def _best_time_of_day(summary: Summary) -> str | None:
    counts = dict(zip(TIMES_OF_DAY, summary.time_of_day, strict=True))
    best = max(TIMES_OF_DAY, key=lambda bucket: counts[bucket])
    return best if counts[best] else None


def insights(
    summary: Summary, stats: dict[str, Any], progress: dict[str, Any], pattern: str
) -> dict[str, Any]:
    best_day = _best_day_of_week(summary)
    best_time = _best_time_of_day(summary)
    patterns = []
    if best_day:
        patterns.append(f"Your best results come on {best_day}s.")
    if best_time:
        patterns.append(f"You are most active in the {best_time.replace('-', ' ')}.")
    if progress["currentStreak"] >= 3 and pattern in {"recurring", "streak", "limit"}:
        patterns.append(f"You are on a streak of {progress['currentStreak']} periods.")
    return {
        "bestTimeOfDay": best_time,
        "bestDayOfWeek": best_day,
        "successPatterns": patterns,
        "recommendations": recommendations(stats, progress, pattern, best_time),
    }


def recommendations(
    stats: dict[str, Any], progress: dict[str, Any], pattern: str, best_time: str | None
) -> list[str]:
    """Up to three plain sentences, from these rules in this order."""
    advice = []
    if stats["totalActivities"] == 0:
        advice.append("Log your first activity to start seeing your progress.")
    if pattern == "limit" and progress["daysOverLimit"] > 0:
        advice.append(
            "You went over your limit recently: plan ahead for the days that usually go over."
        )
    if progress["trend"] == "declining":
        advice.append(
            "Your recent periods are trending the wrong way: try a smaller, steadier step."
        )
    if stats["totalActivities"] and stats["consistency"] < 50:
        advice.append("Activity on more of your scheduled days would build the habit faster.")
    if best_time and stats["consistency"] < 80:
        advice.append(
            f"Schedule it for the {best_time.replace('-', ' ')}, when you are most active."
        )
    return advice[:3]
