"""Backdated logs, edits and deletes refold from the stored fold checkpoint before their week
(progress_state.refold), and today's logs advance the stored state (logged_today). Whatever
the order, the stored state and the progress it shows must be exactly what a full
recomputation from every day gives, and every checkpoint still valid must be exactly the fold
and totals of the days up to its week end: a checkpoint is a cache that is never stale."""

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.goals import aggregates as agg
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.fold_checkpoints import (
    MAX_CHECKPOINT_WRITES,
    Checkpoint,
    rules_digest,
    week_ends_between,
)
from chalicelib.goals.progress import Fold, fold_until, summarize
from chalicelib.goals.progress_state import (
    Progressed,
    ProgressState,
    current_progress,
    day_totals,
    progress_after_log,
    recompute,
    refold,
    rules_for,
    stored_state,
)
from tests.progress_helpers import BERLIN, PATTERN_TARGETS, berlin_activity, random_goal

# How far back a write goes: mostly this week or last, sometimes weeks back (which may find no
# valid checkpoint and recompute: the proof covers both).
_DAYS_BACK = (0, 1, 1, 2, 3, 4, 6, 8, 11, 15, 20)
# Old states and checkpoints differ from a recomputation's in these alone.
_VALIDITY = {"generation", "rulesDigest"}


class _Store:
    """The goal's partition in memory: day aggregates, activities and fold checkpoints, and
    what the refolds read."""

    def __init__(self, goal: Goal) -> None:
        self.goal = goal
        self.days: dict[date, agg.DayAggregate] = {}
        self.activities: list[Activity] = []
        self.checkpoints: dict[date, Checkpoint] = {}
        self.days_read: list[int] = []

    def read_days(self, first: date | None) -> list[agg.DayAggregate]:
        read = [self.days[day] for day in sorted(self.days) if first is None or day >= first]
        self.days_read.append(len(read) if first is not None else -1)
        return read

    def read_checkpoint(self, before: date) -> Checkpoint | None:
        earlier = [end for end in self.checkpoints if end < before]
        return self.checkpoints[max(earlier)] if earlier else None

    def commit(self, progressed: Progressed, changed: dict[date, agg.DayAggregate]) -> None:
        for day, aggregate in changed.items():
            if aggregate.is_empty:
                self.days.pop(day, None)
            else:
                self.days[day] = aggregate
        self.checkpoints.update((made.week_end, made) for made in progressed.checkpoints)
        self.goal = replace(self.goal, progress_state=progressed.state)


def _goal(pattern: str, rng: random.Random, created: datetime) -> Goal:
    return random_goal(pattern, rng, created.isoformat().replace("+00:00", "Z"))


def _rebuilt(store: _Store, days: set[date]) -> dict[date, agg.DayAggregate]:
    return {
        day: agg.rebuild_day(day, [a for a in store.activities if a.local_date == day])
        for day in days
    }


def _check(store: _Store, now: datetime) -> None:
    goal = store.goal
    full = recompute(goal, [store.days[d] for d in sorted(store.days)], now, BERLIN).state
    stored = {k: v for k, v in (goal.progress_state or {}).items() if k not in _VALIDITY}
    assert stored == {k: v for k, v in full.items() if k not in _VALIDITY}
    for later in (now, now + timedelta(days=9, hours=5)):
        assert current_progress(goal, later, BERLIN) == current_progress(
            replace(goal, progress_state=full), later, BERLIN
        )
    state = stored_state(goal)
    rules = rules_for(goal, state.first_day)
    totals = {day: day_totals(a) for day, a in store.days.items()}
    fold = Fold()
    for end in sorted(store.checkpoints):
        made = store.checkpoints[end]
        fold = fold_until(rules, fold, end, totals)  # one pass over the days for them all
        if not made.valid_for(state.generation, state.rules_digest):
            continue
        upto = [store.days[d] for d in sorted(store.days) if d <= end]
        assert made.fold == fold, end
        assert made.totals == summarize(
            {a.day: day_totals(a) for a in upto}, agg.latest_activity_at(upto)
        ), end


def _step(store: _Store, rng: random.Random, now: datetime) -> str:
    """One random write, as the service makes it; the kind of write it was."""
    goal, today = store.goal, BERLIN.local_date(now)
    choice = rng.random()
    readers = (store.read_days, store.read_checkpoint)
    if store.activities and choice < 0.3:
        old = rng.choice(store.activities)
        store.activities.remove(old)
        kind = "delete"
        days = {old.local_date}
        if choice < 0.18:  # an edit: a new value, maybe another date
            kind = "edit"
            moment = now - timedelta(days=rng.choice(_DAYS_BACK), hours=rng.randint(0, 5))
            moved = berlin_activity(
                moment, float(rng.choice([0, 1, 2.5, 40, 150])), old.activity_type
            )
            new = replace(moved, activity_id=old.activity_id) if rng.random() < 0.5 else old
            new = replace(new, value=moved.value)
            store.activities.append(new)
            days.add(new.local_date)
        rebuilt = _rebuilt(store, days)
        progressed, changed = refold(goal, min(days), lambda _: rebuilt, now, BERLIN, *readers)
        store.commit(progressed, changed)
        return kind
    backdated = choice < 0.65
    back = timedelta(days=rng.choice(_DAYS_BACK[1:]), hours=rng.randint(0, 3))
    moment = now - back if backdated else now
    kind = rng.choice(["progress", "progress", "completed", "partial", "skipped"])
    activity = berlin_activity(
        moment, float(rng.choice([0, 1, 2.5, 40, 80, 150])), kind, timed=rng.random() < 0.8
    )
    store.activities.append(activity)
    progressed, day = progress_after_log(goal, activity, now, BERLIN, *readers)
    store.commit(progressed, {day.day: day})
    return "backdated" if activity.local_date != today else "today"


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("pattern", PATTERN_TARGETS)
def test_writes_in_any_order_equal_a_full_recomputation(pattern, seed):
    rng = random.Random(f"checkpoints-{pattern}-{seed}")
    now = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)  # runs across the end of summer time
    store = _Store(_goal(pattern, rng, now))
    store.goal = replace(store.goal, progress_state=recompute(store.goal, [], now, BERLIN).state)
    kinds: list[str] = []
    for step in range(70):
        now += timedelta(hours=rng.choice([1, 3, 7, 20, 30, 50, 170]))
        if step == 35:  # a pause written now: the goal is recomputed, checkpoints invalidated
            pause = {"from": (BERLIN.local_date(now) - timedelta(days=10)).isoformat()}
            store.goal = replace(store.goal, pauses=[{**pause, "until": None}])
            full = recompute(store.goal, [store.days[d] for d in sorted(store.days)], now, BERLIN)
            store.commit(full, {})
        kinds.append(_step(store, rng, now))
        _check(store, now)
    incremental = [count for count in store.days_read if count >= 0]
    assert {"today", "backdated", "edit", "delete"} <= set(kinds)
    # Many old writes read only the days since the checkpoint before their week (the clock
    # here leaps weeks at a time, so many find none valid and recompute: both are proved).
    assert len(incremental) > len(store.days_read) / 2
    assert max(incremental) <= 21 + 14


def test_a_backdated_log_reads_only_the_days_since_the_checkpoint():
    """A log dated yesterday after months of logs: the checkpoint of the week before and the
    days since, whatever the history."""
    rng = random.Random(1)
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    store = _Store(_goal("recurring", rng, now))
    store.goal = replace(store.goal, progress_state=recompute(store.goal, [], now, BERLIN).state)
    for _ in range(300):
        now += timedelta(days=1)
        activity = berlin_activity(now, 2.5, "progress")
        store.activities.append(activity)
        progressed, day = progress_after_log(
            store.goal, activity, now, BERLIN, store.read_days, store.read_checkpoint
        )
        store.commit(progressed, {day.day: day})
    assert store.days_read == []  # logs dated today read nothing
    assert len(store.checkpoints) >= 40  # one a week, from the logs that crossed a week's end
    yesterday = berlin_activity(now - timedelta(days=1), 1, "progress")
    store.activities.append(yesterday)
    progressed, day = progress_after_log(
        store.goal, yesterday, now, BERLIN, store.read_days, store.read_checkpoint
    )
    store.commit(progressed, {day.day: day})
    assert 0 < store.days_read[-1] <= 8
    assert len(progressed.checkpoints) <= 1
    _check(store, now)


def test_a_state_stored_before_checkpoints_is_recomputed_and_then_checkpointed():
    """An existing goal item (no generation, no digest): its first backdated write reads every
    day, bumps the generation and stores the checkpoint of the last week that ended."""
    rng = random.Random(2)
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    store = _Store(_goal("milestone", rng, now - timedelta(days=30)))
    for back in range(30, 0, -3):
        activity = berlin_activity(now - timedelta(days=back), 4, "progress")
        store.activities.append(activity)
        store.days[activity.local_date] = agg.add_activity(
            store.days.get(activity.local_date) or agg.empty_day(activity.local_date), activity
        )
    state = recompute(store.goal, list(store.days.values()), now, BERLIN).state
    old: dict[str, Any] = {k: v for k, v in state.items() if k not in _VALIDITY}
    store.goal = replace(store.goal, progress_state=old)
    assert ProgressState.from_item(old).generation == 0
    activity = berlin_activity(now - timedelta(days=2), 1, "progress")
    store.activities.append(activity)
    progressed, day = progress_after_log(
        store.goal, activity, now, BERLIN, store.read_days, store.read_checkpoint
    )
    store.commit(progressed, {day.day: day})
    assert store.days_read == [-1]
    assert stored_state(store.goal).generation == 1
    since = stored_state(store.goal).first_day - timedelta(days=1)
    assert [made.week_end for made in progressed.checkpoints] == week_ends_between(
        since, BERLIN.local_date(now) - timedelta(days=1)
    )[-MAX_CHECKPOINT_WRITES:]
    _check(store, now)


def test_the_rules_digest_is_the_same_for_a_goal_read_back_from_dynamodb():
    """DynamoDB gives back 5 for a 5.0 written: the digest must not change (else no
    checkpoint would ever be valid after the goal's first read)."""
    goal = replace(
        _goal("recurring", random.Random(3), datetime(2026, 3, 2, tzinfo=UTC)),
        target={"value": 5.0, "period": "week", "targetType": "range", "minValue": 3.0},
        initial_current_value=2.0,
    )
    read_back = replace(
        goal, target={"value": 5, "period": "week", "targetType": "range", "minValue": 3}
    )
    read_back = replace(read_back, initial_current_value=2)
    first = date(2026, 3, 2)
    assert rules_digest(rules_for(goal, first)) == rules_digest(rules_for(read_back, first))
    assert rules_digest(rules_for(goal, first)) != rules_digest(
        rules_for(goal, first + timedelta(days=1))
    )
