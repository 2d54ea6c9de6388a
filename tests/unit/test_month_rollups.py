"""Month rollups (goals/rollups.py): statistics and insights from rollups and edge days equal
those from every day, for random windows; and writes keep every rollup exact, for random
sequences of logs, backdated changes, deletions and clocks that move back."""

import random
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, cast

import pytest

from chalicelib.core.dynamo import Transaction
from chalicelib.goals import aggregates as agg
from chalicelib.goals import rollups, statistics
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.summaries import Summary, of_days
from tests.progress_helpers import make_goal

KINDS = ("progress", "completed", "partial", "skipped")
PROGRESS = {
    "currentStreak": 0,
    "daysOverLimit": 0,
    "trend": "stable",
}


class FakeGoals:
    """The repository methods rollups use, over dicts; writes apply at once (the tx is only
    passed through) and each read is counted."""

    def __init__(self) -> None:
        self.days: dict[date, agg.DayAggregate] = {}
        self.rolled: dict[str, Summary] = {}
        self.reads = 0

    def day_aggregates(
        self, user_id: str, goal_id: str, first: date, last: date
    ) -> list[agg.DayAggregate]:
        assert first <= last
        self.reads += 1
        return [self.days[day] for day in sorted(self.days) if first <= day <= last]

    def month_rollups(self, user_id: str, goal_id: str, first: str, last: str) -> dict[str, Any]:
        assert first <= last
        self.reads += 1
        return {month: s for month, s in self.rolled.items() if first <= month <= last}

    def days_and_rollups(
        self, user_id: str, goal_id: str, first_day: date, last_month: str
    ) -> tuple[list[agg.DayAggregate], dict[str, Summary]]:
        self.reads += 1
        days = [self.days[day] for day in sorted(self.days) if first_day <= day]
        return days, {month: s for month, s in self.rolled.items() if month <= last_month}

    def put_month_rollup(
        self, tx: object, user_id: str, goal_id: str, month: str, summary: Summary
    ) -> None:
        self.rolled[month] = summary

    def delete_month_rollup(self, tx: object, user_id: str, goal_id: str, month: str) -> None:
        self.rolled.pop(month, None)


def _repository(fake: FakeGoals) -> GoalRepository:
    return cast(GoalRepository, fake)


def _activity(rng: random.Random, day: date) -> Activity:
    kind = rng.choice(KINDS)
    stamp = f"{day.isoformat()}T{rng.randrange(24):02d}:00:00Z"
    return Activity(
        activity_id=stamp,
        goal_id="g",
        user_id="u",
        value=0 if kind == "skipped" else rng.choice([0, 1, 2.5, 0.1, 0.2, 7, 12.35]),
        activity_type=kind,
        activity_date=stamp,
        logged_at=stamp,
        timezone="UTC",
        local_date=day,
        local_hour=rng.choice([None, rng.randrange(24)]),
    )


def _random_days(rng: random.Random, first: date, last: date) -> dict[date, agg.DayAggregate]:
    days: dict[date, agg.DayAggregate] = {}
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if day in (first, last) or rng.random() < 0.4:
            days[day] = agg.rebuild_day(
                day, [_activity(rng, day) for _ in range(rng.randint(1, 3))]
            )
    return days


def _report(summary: Summary) -> tuple[dict[str, Any], dict[str, Any]]:
    stats = statistics.statistics(summary, 30)
    return stats, statistics.insights(summary, stats, PROGRESS, "recurring")


@pytest.mark.parametrize("seed", range(40))
def test_windows_read_from_rollups_equal_windows_read_day_by_day(seed: int) -> None:
    rng = random.Random(seed)
    first_day = date(2025, 1, 1) + timedelta(days=rng.randrange(200))
    open_day = first_day + timedelta(days=rng.randrange(30, 500))
    fake = FakeGoals()
    fake.days = _random_days(rng, first_day, open_day)
    fake.rolled = rollups.closed_month_rollups(fake.days.values(), open_day)
    for month in list(fake.rolled):  # months written before rollups existed have none
        if rng.random() < 0.2:
            del fake.rolled[month]
    for _ in range(10):
        start = first_day + timedelta(days=rng.randrange((open_day - first_day).days + 1))
        if rng.random() < 0.3:
            start = first_day  # period=all: the first month counts whole
        fake.reads = 0
        summary = rollups.window_summary(
            _repository(fake), "u", "g", start, open_day, first_day=first_day, open_day=open_day
        )
        expected = of_days(fake.days[day] for day in sorted(fake.days) if start <= day)
        assert summary == expected
        assert _report(summary) == _report(expected)
        assert fake.reads <= 3
        if (
            start == first_day
            and len(fake.rolled) == len(set(map(rollups.month_of, fake.days))) - 1
        ):
            assert fake.reads == 1  # period=all with every closed month rolled up


def test_all_time_reads_the_rollups_and_the_current_month() -> None:
    rng = random.Random(7)
    fake = FakeGoals()
    fake.days = _random_days(rng, date(2025, 3, 17), date(2026, 3, 12))
    fake.rolled = rollups.closed_month_rollups(fake.days.values(), date(2026, 3, 12))
    assert sorted(fake.rolled) == rollups.months("2025-03", "2026-02")
    summary = rollups.window_summary(
        _repository(fake),
        "u",
        "g",
        date(2025, 3, 17),
        date(2026, 3, 12),
        first_day=date(2025, 3, 17),
        open_day=date(2026, 3, 12),
    )
    assert fake.reads == 1  # the rollups and March's days, together
    assert summary == of_days(fake.days.values())


def test_summary_round_trips_through_its_stored_shape() -> None:
    rng = random.Random(3)
    summary = of_days(_random_days(rng, date(2026, 1, 1), date(2026, 1, 31)).values())
    assert Summary.from_item(summary.to_item()) == summary
    assert len(str(summary.to_item())) < 400  # one write unit, with its key


def _goal(open_day: date) -> Goal:
    goal = make_goal("recurring", {"value": 5, "period": "week"})
    return replace(goal, progress_state={"openDay": open_day.isoformat()})


def _apply(fake: FakeGoals, changed: Iterable[agg.DayAggregate]) -> None:
    for aggregate in changed:
        if aggregate.is_empty:
            fake.days.pop(aggregate.day, None)
        else:
            fake.days[aggregate.day] = aggregate


@pytest.mark.parametrize("seed", range(40))
def test_writes_keep_every_rollup_exact(seed: int) -> None:
    """Every rollup stored lies before the open day's month and equals its month's days,
    whatever the writes: logs as the clock moves on (across months, some idle), backdated
    logs, days emptied by deletes, and a clock moved back across a month's end; reading the
    days itself or given them all (a batch)."""
    rng = random.Random(seed)
    fake = FakeGoals()
    today = date(2025, 11, 20)
    open_day = today
    tx = cast(Transaction, object())
    for _ in range(60):
        move = rng.random()
        if move < 0.45:
            today += timedelta(days=rng.choice([0, 0, 1, 3, 12, 40]))
        elif move < 0.5:
            today -= timedelta(days=1)  # a time zone further west at a month's end
        roll = rng.random()
        day = today if roll < 0.5 else today - timedelta(days=rng.randrange(1, 120))
        if roll > 0.85 and fake.days:
            day = rng.choice(sorted(fake.days))
            changed = [agg.empty_day(day)]  # its last activity deleted
        else:
            before = fake.days.get(day, agg.empty_day(day))
            changed = [agg.add_activity(before, _activity(rng, day))]
        known = dict(fake.days) if rng.random() < 0.3 else None  # a batch read them all
        reads = fake.reads
        rollups.stage_month_rollups(
            tx, _repository(fake), "u", _goal(open_day), changed, today, known=known
        )
        assert known is None or fake.reads == reads
        _apply(fake, changed)
        open_day = today
        closed = rollups.month_of(open_day)
        for month, summary in fake.rolled.items():
            assert month < closed
            month_days = [a for d, a in sorted(fake.days.items()) if rollups.month_of(d) == month]
            assert summary == of_days(month_days)
        # And here every closed month with days has one (each was written through these).
        assert {m for m in map(rollups.month_of, fake.days) if m < closed} == set(fake.rolled)
