"""The progress state a goal item stores, between the item and the progress engine: the goal's
rules, the state to store after a write (with the progress it shows), and progress as of now.
Pure functions; no I/O."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from chalicelib.core.clock import parse_instant, to_iso
from chalicelib.core.local_time import LocalTime, PeriodUnit, local_time_of
from chalicelib.goals import aggregates as agg
from chalicelib.goals import compact
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.fold_checkpoints import (
    MAX_CHECKPOINT_WRITES,
    Checkpoint,
    rules_digest,
    week_ends_between,
    week_start,
)
from chalicelib.goals.numbers import tidy
from chalicelib.goals.pauses import excused_ranges
from chalicelib.goals.progress import (
    EMPTY_DAY,
    DayTotals,
    Fold,
    Rules,
    Totals,
    fold_until,
    summarize,
    view,
)

_FREQUENCY_UNITS: dict[str, PeriodUnit] = {"daily": "day", "weekly": "week", "monthly": "month"}
_DAYS_IN: dict[str, float] = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
COMPLETING_PATTERNS = {"milestone", "target", "streak"}


def period_unit(goal: Goal) -> PeriodUnit:
    """A goal's period: `target.period`; for streaks, else the schedule's frequency; weeks for
    milestone and target goals (their history and trend are weekly)."""
    target, schedule = goal.target, goal.schedule
    if target.get("period"):
        unit: PeriodUnit = target["period"]
        return unit
    if goal.goal_pattern == "streak":
        return _FREQUENCY_UNITS.get(schedule.get("frequency") or "daily", "day")
    return "week" if goal.goal_pattern in {"milestone", "target"} else "day"


def _checkins_per_day(goal: Goal, unit: PeriodUnit) -> float:
    weekdays = goal.schedule.get("daysOfWeek") or []
    if weekdays and unit in {"day", "week"}:
        return len(set(weekdays)) / 7
    return 1 / _DAYS_IN[unit]


def day_totals(aggregate: agg.DayAggregate) -> DayTotals:
    """What progress needs of a day's aggregate."""
    return DayTotals(
        total=aggregate.total,
        value_count=aggregate.value_count,
        positive_count=aggregate.positive_count,
        skipped=aggregate.skipped,
        last_value=aggregate.last_value,
    )


@dataclass(frozen=True)
class ProgressState:
    """What a goal item stores of its progress (`progressState`) at every write: the fold
    through the last ended day, the day that was open then with its whole aggregate (so that a
    log later that day needs no aggregate read), the totals over every activity, and the clock
    of that write. Stored attribute names are those of existing items."""

    fold: Fold
    open_day: date
    open_aggregate: agg.DayAggregate
    totals: Totals
    first_day: date
    timezone: str | None
    day_start_hour: int | None
    longest_ever: int = 0  # the longest streak ever seen: it never decreases
    # What the goal's fold checkpoints must carry to be valid (goals/fold_checkpoints.py):
    # every recomputation that does not rewrite them bumps the generation. Items stored
    # before checkpoints have generation 0 and no digest (no checkpoint is valid for them).
    generation: int = 0
    rules_digest: str | None = None

    def to_item(self) -> dict[str, Any]:
        """Compact (goals/compact.py): the open aggregate without its day (the open day) and
        under short names (`compact.OPEN_DAY_NAMES`; states stored before hold the long), the
        fold without the day it ran through when that is the day before the open one (as
        every write leaves it), the clock and the longest streak only when not UTC, 0 and 0
        (what their absence means: local_time.local_time_of reads the clock from this map
        too)."""
        open_aggregate = self.open_aggregate.to_item()
        if open_aggregate["day"] == self.open_day.isoformat():
            del open_aggregate["day"]
        open_aggregate = compact.pack(open_aggregate, compact.OPEN_DAY_NAMES, {})
        fold = self.fold.to_item()
        if self.fold.through is None:
            fold["t"] = None  # said, because an absent `t` means the day before the open day
        elif self.fold.through == self._day_before_open:
            del fold["t"]
        item: dict[str, Any] = {
            "fold": fold,
            "openDay": self.open_day.isoformat(),
            "openAggregate": open_aggregate,
            "totals": self.totals.to_item(),
            "firstDay": self.first_day.isoformat(),
        }
        if self.timezone != _DEFAULT_TIMEZONE:
            item["timezone"] = self.timezone
        if self.day_start_hour != 0:
            item["dayStartHour"] = self.day_start_hour
        if self.longest_ever:
            item["longestEver"] = self.longest_ever
        if self.generation:
            item["generation"] = self.generation
        if self.rules_digest is not None:
            item["rulesDigest"] = self.rules_digest
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> "ProgressState":
        """From either stored shape (states stored before the compact one hold every key)."""
        fold = item["fold"]
        if "t" not in fold and "through" not in fold:
            fold = {
                **fold,
                "t": (date.fromisoformat(item["openDay"]) - timedelta(days=1)).isoformat(),
            }
        return cls(
            fold=Fold.from_item(fold),
            open_day=date.fromisoformat(item["openDay"]),
            open_aggregate=agg.DayAggregate.from_item(
                {
                    "day": item["openDay"],
                    **compact.unpack(item["openAggregate"], compact.OPEN_DAY_NAMES),
                }
            ),
            totals=Totals.from_item(item["totals"]),
            first_day=date.fromisoformat(item["firstDay"]),
            timezone=item.get("timezone", _DEFAULT_TIMEZONE),
            day_start_hour=item.get("dayStartHour", 0),
            longest_ever=int(item.get("longestEver", 0)),
            generation=int(item.get("generation", 0)),
            rules_digest=item.get("rulesDigest"),
        )

    @property
    def _day_before_open(self) -> str:
        return (self.open_day - timedelta(days=1)).isoformat()


_DEFAULT_TIMEZONE = "UTC"


def stored_state(goal: Goal) -> ProgressState:
    """The progress state stored on a goal item."""
    if goal.progress_state is None:
        raise ValueError(f"goal {goal.goal_id} has no stored progress state")
    return ProgressState.from_item(goal.progress_state)


class Progressed(NamedTuple):
    """A goal's new progress state (as stored) and the progress it shows: computed together,
    once a write; and the fold checkpoints the write must store with it."""

    state: dict[str, Any]
    progress: dict[str, Any]
    checkpoints: tuple[Checkpoint, ...] = ()


# Reads a refold needs, given by the caller: the stored day aggregates from a day on (None:
# all of them), in key order; the latest fold checkpoint of a week ending before a day.
DayReader = Callable[[date | None], list[agg.DayAggregate]]
CheckpointReader = Callable[[date], Checkpoint | None]


def default_target_type(pattern: str) -> str:
    return "maximum" if pattern == "limit" else "minimum"


def rules_for(goal: Goal, first_day: date) -> Rules:
    """The goal's rules; its pauses, and the vacations its progress state carries, excuse days."""
    target = goal.target
    unit = period_unit(goal)
    return Rules(
        pattern=goal.goal_pattern,
        unit=unit,
        value=float(target["value"]),
        target_type=target.get("targetType") or default_target_type(goal.goal_pattern),
        min_value=target.get("minValue"),
        max_value=target.get("maxValue"),
        start_value=float(target.get("startValue") or 0),
        initial_current=goal.initial_current_value,
        allow_skips=int(goal.schedule.get("allowSkipDays") or 0),
        checkins_per_day=_checkins_per_day(goal, unit),
        first_day=first_day,
        excused=excused_ranges(goal, ()),
    )


def _created_day(goal: Goal, local: LocalTime) -> date:
    return local.local_date(parse_instant(goal.created_at))


def recompute(
    goal: Goal,
    aggregates: list[agg.DayAggregate],
    now: datetime,
    local: LocalTime,
    *,
    changed_from: date | None = None,
    max_checkpoints: int = MAX_CHECKPOINT_WRITES,
) -> Progressed:
    """The progress state to store on the goal after a write, from all its day aggregates,
    and the fold checkpoints of the last weeks that ended (a few, so that the next writes
    dated in them find one). The state's generation is bumped: the goal's other checkpoints
    may no longer hold (its rules, pauses or days changed). Unless the write changed only
    days from `changed_from` on, with the stored state's rules and clock: then the checkpoints
    of the weeks ending since are all rewritten, when they are few enough, and the older ones
    still hold (the generation is kept)."""
    days = {a.day: day_totals(a) for a in aggregates}
    first_day = min([_created_day(goal, local), *days])
    rules = rules_for(goal, first_day)
    today = local.local_date(now)
    generation = int((goal.progress_state or {}).get("generation", 0))
    digest = rules_digest(rules)
    yesterday = today - timedelta(days=1)
    week_ends = week_ends_between(first_day - timedelta(days=1), yesterday)
    rewritten = [end for end in week_ends if changed_from and end >= changed_from]
    if changed_from is None or len(rewritten) > max_checkpoints:
        generation, rewritten = generation + 1, week_ends[-max_checkpoints:]
    checkpoints = _checkpoints(rules, Fold(), None, aggregates, rewritten, (generation, digest))
    start = checkpoints[-1].fold if checkpoints else Fold()  # the same fold, not done twice
    state = ProgressState(
        fold=fold_until(rules, start, yesterday, days),
        open_day=today,
        open_aggregate=next((a for a in aggregates if a.day == today), agg.empty_day(today)),
        totals=_totals(days, aggregates),
        first_day=first_day,
        timezone=local.timezone,
        day_start_hour=local.day_start_hour,
        generation=generation,
        rules_digest=digest,
    )
    return _with_longest(goal, state, now, local, checkpoints)


def _checkpoints(
    rules: Rules,
    fold: Fold,
    base: Totals | None,
    aggregates: list[agg.DayAggregate],
    week_ends: list[date],
    validity: tuple[int, str],
) -> tuple[Checkpoint, ...]:
    """The checkpoints at `week_ends` (ascending), folding on from `fold` and `base` (the
    fold and totals of the days before `aggregates`)."""
    days = {a.day: day_totals(a) for a in aggregates}
    made: list[Checkpoint] = []
    for end in week_ends:
        fold = fold_until(rules, fold, end, days)
        upto = [a for a in aggregates if a.day <= end]
        totals = summarize({a.day: days[a.day] for a in upto}, agg.latest_activity_at(upto), base)
        made.append(Checkpoint(end, fold, totals, *validity))
    return tuple(made)


def _with_longest(
    goal: Goal,
    state: ProgressState,
    now: datetime,
    local: LocalTime,
    checkpoints: tuple[Checkpoint, ...] = (),
) -> Progressed:
    """The state with the longest streak ever seen (it never decreases, even after a delete),
    and its progress. That progress is what the new state shows too: `longestStreak` is
    already the larger of the stored and the computed longest streak."""
    # Only this of the stored state, without reading the rest: a recomputation replaces it all.
    previous = int((goal.progress_state or {}).get("longestEver", 0))
    progress = _progress_of(goal, replace(state, longest_ever=previous), now, local)
    longest = max(previous, progress["longestStreak"])
    return Progressed(replace(state, longest_ever=longest).to_item(), progress, checkpoints)


def logged_today(
    goal: Goal, activity: Activity, now: datetime, local: LocalTime
) -> tuple[Progressed, agg.DayAggregate] | None:
    """The state and today's aggregate after logging `activity`, from the goal's stored state
    alone (no aggregate read): the common case of an activity dated today. None when a full
    recomputation is needed: a backdated activity, or a clock that differs from the stored one.
    """
    if "openAggregate" not in (goal.progress_state or {}):
        return None  # a state stored before it kept the open day's aggregate: recompute it
    state = stored_state(goal)
    today = local.local_date(now)
    if (
        activity.local_date != today
        or state.timezone != local.timezone
        or state.day_start_hour != local.day_start_hour
        or state.open_day > today
    ):
        return None
    rules = rules_for(goal, state.first_day)
    open_day = state.open_day
    fold = state.fold
    before = state.open_aggregate
    checkpoints: tuple[Checkpoint, ...] = ()
    if open_day < today:
        ended = {open_day: day_totals(before)}
        # Days that passed: once a week, the checkpoint of the last week end they crossed.
        crossed = week_ends_between(open_day - timedelta(days=1), today - timedelta(days=1))
        if crossed and state.rules_digest == rules_digest(rules):
            fold = fold_until(rules, fold, crossed[-1], ended)
            checkpoints = (
                Checkpoint(crossed[-1], fold, state.totals, state.generation, state.rules_digest),
            )
        fold = fold_until(rules, fold, today - timedelta(days=1), ended)
        before = agg.empty_day(today)
    after = agg.add_activity(before, activity)
    totals = state.totals
    carrying = activity.carries_value
    totals = replace(
        totals,
        total_values=totals.total_values + (activity.value if carrying else 0),
        value_count=totals.value_count + (1 if carrying else 0),
        first_activity_day=totals.first_activity_day or (today.isoformat() if carrying else None),
        last_activity_at=max(filter(None, (totals.last_activity_at, activity.activity_date))),
    )
    if after.last_value is not None and after.last_value != before.last_value:
        totals = totals.with_measurement(today, before.last_value, after.last_value)
    updated = replace(state, fold=fold, open_day=today, open_aggregate=after, totals=totals)
    return _with_longest(goal, updated, now, local, checkpoints), after


def progress_after_log(
    goal: Goal,
    activity: Activity,
    now: datetime,
    local: LocalTime,
    read_days: DayReader,
    read_checkpoint: CheckpointReader,
    max_checkpoints: int = MAX_CHECKPOINT_WRITES,
) -> tuple[Progressed, agg.DayAggregate]:
    """The goal's state and the activity's day after logging it: from the stored state alone
    when it is dated today (`logged_today`), else refolded from the checkpoint before the
    activity's week (`refold`), which reads only then."""
    quick = logged_today(goal, activity, now, local)
    if quick is not None:
        return quick
    day = activity.local_date

    def logged(stored: dict[date, agg.DayAggregate]) -> dict[date, agg.DayAggregate]:
        return {day: agg.add_activity(stored.get(day) or agg.empty_day(day), activity)}

    progressed, changed = refold(
        goal, day, logged, now, local, read_days, read_checkpoint, max_checkpoints
    )
    return progressed, changed[day]


def refold(
    goal: Goal,
    earliest: date,
    change: Callable[[dict[date, agg.DayAggregate]], dict[date, agg.DayAggregate]],
    now: datetime,
    local: LocalTime,
    read_days: DayReader,
    read_checkpoint: CheckpointReader,
    max_checkpoints: int = MAX_CHECKPOINT_WRITES,
) -> tuple[Progressed, dict[date, agg.DayAggregate]]:
    """The goal's state after a write that changes days from `earliest` on, and the changed
    days: `change` makes them from the stored days it is given (every stored day from
    `earliest` on); an emptied day is given as empty. The fold and totals go on from the
    latest valid checkpoint of a week before `earliest`'s, over the days after it, and the
    checkpoints of the weeks that passed since are rewritten (at most `max_checkpoints`; more
    bump the generation). Without a valid checkpoint, or when the stored state cannot be
    carried on (another clock, other rules, days before the first), every day is read and
    the goal recomputed."""
    state = stored_state(goal) if "openAggregate" in (goal.progress_state or {}) else None
    rules = rules_for(goal, state.first_day) if state else None
    checkpoint = None
    looked_up = False  # the stored state can be carried on: a checkpoint was looked for
    if (
        state is not None
        and rules is not None
        and state.rules_digest == rules_digest(rules)
        and (state.timezone, state.day_start_hour) == (local.timezone, local.day_start_hour)
        and state.open_day <= local.local_date(now)
        and earliest >= state.first_day
    ):
        looked_up = True
        found = read_checkpoint(week_start(earliest))
        if found and found.valid_for(state.generation, state.rules_digest):
            checkpoint = found if found.week_end >= state.first_day else None
    if checkpoint is None or state is None or rules is None:
        stored = read_days(None)
        changed = change({a.day: a for a in stored})
        # Only the days from `earliest` on changed, under the stored rules and clock: the
        # checkpoints before them still hold.
        kept = earliest if looked_up else None
        merged = _merged(stored, changed)
        progressed = recompute(
            goal, merged, now, local, changed_from=kept, max_checkpoints=max_checkpoints
        )
        return progressed, changed
    after = read_days(checkpoint.week_end + timedelta(days=1))
    changed = change({a.day: a for a in after})
    merged = _merged(after, changed)
    today = local.local_date(now)
    yesterday = today - timedelta(days=1)
    week_ends = week_ends_between(checkpoint.week_end, yesterday)
    generation = state.generation
    if len(week_ends) > max_checkpoints:
        # The older ones would stay stale: invalidate them all, write the latest.
        generation, week_ends = generation + 1, week_ends[-max_checkpoints:]
    assert state.rules_digest is not None  # noqa: S101 - checked above, for the type checker
    checkpoints = _checkpoints(
        rules,
        checkpoint.fold,
        checkpoint.totals,
        merged,
        week_ends,
        (generation, state.rules_digest),
    )
    days = {a.day: day_totals(a) for a in merged}
    start = checkpoints[-1].fold if checkpoints else checkpoint.fold
    updated = replace(
        state,
        fold=fold_until(rules, start, yesterday, days),
        open_day=today,
        open_aggregate=next((a for a in merged if a.day == today), agg.empty_day(today)),
        totals=summarize(days, agg.latest_activity_at(merged), checkpoint.totals),
        generation=generation,
    )
    return _with_longest(goal, updated, now, local, checkpoints), changed


def _merged(
    stored: list[agg.DayAggregate], changed: dict[date, agg.DayAggregate]
) -> list[agg.DayAggregate]:
    """The stored days with the changed ones in their place (emptied ones gone), in key
    order, as a Query gives them: sums then add up in the same order, to the last bit."""
    kept = {a.day: a for a in stored if a.day not in changed}
    kept.update({day: a for day, a in changed.items() if not a.is_empty})
    return [kept[day] for day in sorted(kept)]


def _totals(days: dict[date, DayTotals], aggregates: list[agg.DayAggregate]) -> Totals:
    return summarize(days, agg.latest_activity_at(aggregates))


def stored_local_time(goal: Goal, timezone_header: str | None) -> LocalTime:
    """The clock of the goal's last write (reads need no profile), or the request's zone."""
    return local_time_of(goal.progress_state, timezone_header)


def current_progress(goal: Goal, now: datetime, local: LocalTime) -> dict[str, Any]:
    """Progress as of `now`: the stored fold advanced over the days that passed since."""
    return _progress_of(goal, stored_state(goal), now, local)


def _progress_of(
    goal: Goal, state: ProgressState, now: datetime, local: LocalTime
) -> dict[str, Any]:
    rules = rules_for(goal, state.first_day)
    today = local.local_date(now)
    open_day = state.open_day
    open_totals = day_totals(state.open_aggregate)
    fold = state.fold
    if today > open_day:
        fold = fold_until(rules, fold, today - timedelta(days=1), {open_day: open_totals})
        open_totals = EMPTY_DAY
    elif today < open_day:  # the clock or time zone moved back: show the stored moment
        today = open_day
    result = view(
        rules,
        fold,
        open_totals,
        today,
        state.totals,
        longest_ever=state.longest_ever,
    )
    return _on_the_wire(result.progress, local)


def unavailable_progress() -> dict[str, Any]:
    """What a goal shows in a list when its progress cannot be computed: nothing yet."""
    return {
        "percentComplete": 0.0,
        "lastActivityDate": None,
        "currentPeriodValue": None,
        "periodHistory": [],
        "totalAccumulated": 0.0,
        "remainingToGoal": None,
        "currentStreak": 0,
        "longestStreak": 0,
        "targetStreak": None,
        "averageValue": 0.0,
        "daysOverLimit": 0,
        "trend": "stable",
        "projectedCompletion": None,
        "successRate": 0.0,
        "strength": None,
    }


def _on_the_wire(progress: dict[str, Any], local: LocalTime) -> dict[str, Any]:
    """Dates become instants (the local start of the day or period), and numbers lose their
    floating-point noise: the one place progress numbers leave the engine."""
    projected = progress["projectedCompletion"]
    history = [
        {
            "period": entry["period"],
            "achieved": entry["achieved"],
            "value": entry["value"],
            "excused": entry["excused"],
            "date": to_iso(local.day_start(date.fromisoformat(entry["start"]))),
        }
        for entry in progress["periodHistory"]
    ]
    shown: dict[str, Any] = tidy({**progress, "periodHistory": history})
    shown["projectedCompletion"] = to_iso(local.day_start(projected)) if projected else None
    return shown


def reaches_completion(goal: Goal, progress: dict[str, Any]) -> bool:
    return (
        goal.goal_pattern in COMPLETING_PATTERNS
        and goal.status in {"active", "paused"}
        and progress["percentComplete"] >= 100
    )


def measured_value(goal: Goal, progress: dict[str, Any]) -> float | None:
    """What `target.currentValue` shows: a milestone's total, a target goal's measurement."""
    if goal.goal_pattern == "milestone":
        value: float = progress["totalAccumulated"]
        return value
    if goal.goal_pattern == "target":
        current: float = progress["currentPeriodValue"]
        return current
    given: float | None = goal.target.get("currentValue")
    return given
