"""A log dated today advances the stored state without reading aggregates; it must give exactly
what a full recomputation from every aggregate gives."""

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.goals import aggregates as agg
from chalicelib.goals.progress_state import current_progress, logged_today, recompute
from tests.progress_helpers import BERLIN, PATTERN_TARGETS, berlin_activity, random_goal


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("pattern", PATTERN_TARGETS)
def test_the_quick_path_equals_a_full_recomputation(pattern, seed):
    rng = random.Random(f"{pattern}-{seed}")
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    goal = random_goal(pattern, rng, "2026-11-18T10:00:00Z")
    days: dict[date, agg.DayAggregate] = {}
    goal = replace(goal, progress_state=recompute(goal, [], now, BERLIN).state)
    quick_paths = 0
    for _ in range(40):
        now += timedelta(hours=rng.choice([1, 3, 7, 20, 30, 50]))
        backdated = rng.random() < 0.15
        moment = now - timedelta(days=rng.randint(1, 5)) if backdated else now
        kind = rng.choice(["progress", "progress", "completed", "partial", "skipped"])
        activity = berlin_activity(
            moment, float(rng.choice([0, 1, 2.5, 40, 80, 150])), kind, timed=rng.random() < 0.8
        )
        before = days.get(activity.local_date) or agg.empty_day(BERLIN.local_date(moment))
        days[activity.local_date] = agg.add_activity(before, activity)
        full = recompute(goal, list(days.values()), now, BERLIN).state
        quick = logged_today(goal, activity, now, BERLIN)
        if backdated:
            assert quick is None
        if quick is not None:
            quick_paths += 1
            (state, *_), day = quick
            assert day == days[activity.local_date]
            # The sampled values are exact in binary floating point, so equality is exact too.
            for later in (now, now + timedelta(days=2, hours=5)):
                assert current_progress(
                    replace(goal, progress_state=state), later, BERLIN
                ) == current_progress(replace(goal, progress_state=full), later, BERLIN)
        goal = replace(goal, progress_state=full)
    assert quick_paths > 20


def _random_pauses(rng: random.Random, around: date) -> list[dict[str, Any]]:
    """Up to three non-overlapping pauses near `around`, past and future, the last maybe open."""
    pauses: list[dict[str, Any]] = []
    start = around - timedelta(days=rng.randint(0, 6))
    for index in range(rng.randint(1, 3)):
        length = rng.randint(0, 9)
        open_ended = index == 2 and rng.random() < 0.5
        until = None if open_ended else (start + timedelta(days=length)).isoformat()
        pauses.append({"from": start.isoformat(), "until": until})
        start += timedelta(days=length + rng.randint(1, 8))
    return pauses


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("pattern", PATTERN_TARGETS)
def test_the_quick_path_equals_a_full_recomputation_with_pauses(pattern, seed):
    """Pauses and vacations, past and future, some added mid-way (a pause write recomputes, as
    GoalService.change_pauses does): the quick path still equals a full recomputation."""
    rng = random.Random(f"pauses-{pattern}-{seed}")
    now = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # runs across the end of summer time
    goal = random_goal(
        pattern,
        rng,
        "2026-10-18T10:00:00Z",
        pauses=_random_pauses(rng, date(2026, 10, 24)),
        vacations=[{"from": "2026-11-02", "until": "2026-11-04"}] if rng.random() < 0.5 else [],
    )
    days: dict[date, agg.DayAggregate] = {}
    goal = replace(goal, progress_state=recompute(goal, [], now, BERLIN).state)
    quick_paths = excused = 0
    for step in range(40):
        now += timedelta(hours=rng.choice([1, 3, 7, 20, 30, 50]))
        if step == 20:  # a pause written now, backdated or ahead: the write recomputes
            goal = replace(goal, pauses=_random_pauses(rng, BERLIN.local_date(now)))
            goal = replace(
                goal, progress_state=recompute(goal, list(days.values()), now, BERLIN).state
            )
        backdated = rng.random() < 0.15
        moment = now - timedelta(days=rng.randint(1, 5)) if backdated else now
        kind = rng.choice(["progress", "progress", "completed", "partial", "skipped"])
        activity = berlin_activity(
            moment, float(rng.choice([0, 1, 2.5, 40, 80, 150])), kind, timed=rng.random() < 0.8
        )
        before = days.get(activity.local_date) or agg.empty_day(BERLIN.local_date(moment))
        days[activity.local_date] = agg.add_activity(before, activity)
        full = recompute(goal, list(days.values()), now, BERLIN).state
        quick = logged_today(goal, activity, now, BERLIN)
        if quick is not None:
            quick_paths += 1
            (state, *_), day = quick
            assert day == days[activity.local_date]
            for later in (now, now + timedelta(days=2, hours=5)):
                shown = current_progress(replace(goal, progress_state=state), later, BERLIN)
                assert shown == current_progress(replace(goal, progress_state=full), later, BERLIN)
                excused += sum(entry["excused"] for entry in shown["periodHistory"])
        goal = replace(goal, progress_state=full)
    assert quick_paths > 20
    assert excused > 0  # the pauses were on days the progress showed
