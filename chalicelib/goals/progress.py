"""Goal progress as pure functions of a goal's rules, its per-day totals and today's date
(docs/progress-rules.md).

Progress is a fold over local days. Each day adds its totals to the open period and moves the
habit-strength score; the last day of a period closes it: achieved, excused or failed,
streaks, counts, history. Only *ended* days are folded, so the current period is shown open
and is never a failure before it ends.

The fold's state is stored on the goal item after every write, with the day that was open
then. Reading a goal later folds the days that have passed since (the open one with its
totals, the rest empty), so reads never touch activities, and a read and a recomputation
agree by construction because they run the same code.
"""

import math
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any, Protocol

from chalicelib.core.local_time import (
    PeriodUnit,
    period_end,
    period_key,
    period_start,
    start_of_period_key,
)
from chalicelib.goals import compact

HISTORY_LENGTH = 30
TREND_POINTS = 5
# A projection further out than this is no projection at all: it is shown as null. It also
# keeps every projected date far inside what a date can hold (year 9999).
PROJECTION_HORIZON_DAYS = 100 * 366
# How close a period total must be to an `exact` target to meet it: totals are sums of floats.
EXACT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class DayTotals:
    """What one local day's activities add up to (one aggregate item)."""

    total: float = 0.0
    value_count: int = 0
    positive_count: int = 0
    skipped: int = 0
    last_value: float | None = None  # the day's latest measurement (target goals)

    @property
    def only_skipped(self) -> bool:
        return self.skipped > 0 and self.value_count == 0


EMPTY_DAY = DayTotals()


class Span(Protocol):
    """Local days on which a goal is excused (goals/pauses.py's DateRange)."""

    def covers(self, day: date) -> bool: ...


@dataclass(frozen=True)
class Rules:
    """The parts of a goal that progress depends on."""

    pattern: str
    unit: PeriodUnit
    value: float
    target_type: str
    min_value: float | None
    max_value: float | None
    start_value: float
    initial_current: float | None
    allow_skips: int
    checkins_per_day: float
    first_day: date
    excused: tuple[Span, ...] = ()  # pauses and vacations

    def excused_on(self, day: date) -> bool:
        return any(span.covers(day) for span in self.excused)

    @property
    def at_most(self) -> bool:
        return self.target_type == "maximum"

    @property
    def decreasing_target(self) -> bool:
        return self.pattern == "target" and self.value < self.start_value

    @property
    def less_is_better(self) -> bool:
        return self.at_most or self.decreasing_target

    @property
    def strength_applies(self) -> bool:
        return self.pattern in {"recurring", "streak", "limit"}

    def reached(self, measurement: float) -> bool:
        """A target goal's measurement is at or beyond the target, in the goal's direction."""
        if self.decreasing_target:
            return measurement <= self.value
        return measurement >= self.value

    def achieved(self, total: float, positives: int, last: float | None) -> bool:
        if self.pattern == "streak":
            return positives > 0
        if self.pattern == "milestone":
            return total > 0
        if self.pattern == "target":
            return last is not None and self.reached(last)
        if self.target_type == "maximum":
            return total <= self.value
        if self.target_type == "range":
            low = self.min_value if self.min_value is not None else -math.inf
            high = self.max_value if self.max_value is not None else math.inf
            return low <= total <= high
        if self.target_type == "exact":
            return math.isclose(total, self.value, rel_tol=EXACT_TOLERANCE, abs_tol=EXACT_TOLERANCE)
        return total >= self.value

    def day_credit(self, day: DayTotals) -> float:
        """Loop Habit Tracker's check-in value `c` for one day."""
        if self.pattern == "streak":
            return 1.0 if day.positive_count > 0 else 0.0
        if self.at_most:
            if self.value <= 0:
                return 1.0 if day.total <= 0 else 0.0
            return min(1.0, max(0.0, 1 - (day.total - self.value) / self.value))
        if self.value <= 0:
            return 1.0
        return min(1.0, day.total / self.value)

    @property
    def strength_multiplier(self) -> float:
        return float(0.5 ** (math.sqrt(self.checkins_per_day) / 13))

    @property
    def strength_start(self) -> float:
        return 1.0 if self.at_most else 0.0


@dataclass
class Fold:
    """The state of the fold after its last folded (ended) day."""

    through: str | None = None
    period_total: float = 0.0
    period_positive: int = 0
    period_skipped: bool = False
    period_last: float | None = None
    period_days: int = 0  # days of the open period folded so far
    period_excused_days: int = 0  # of which paused or on vacation
    ended: int = 0
    achieved: int = 0
    excused: int = 0
    over: int = 0
    sum_totals: float = 0.0
    run: int = 0
    run_skips: int = 0
    longest: int = 0
    score: float | None = None
    # The last ended periods as [period key, achieved, value], with a fourth element `true`
    # when the period was excused (stored as goals/compact.py packs it).
    history: list[list[Any]] = field(default_factory=list)

    @property
    def through_day(self) -> date | None:
        return date.fromisoformat(self.through) if self.through else None

    def to_item(self) -> dict[str, Any]:
        """The compact stored shape (goals/compact.py): the goal item carries it on every
        write."""
        scalars = {name: value for name, value in asdict(self).items() if name != "history"}
        item = compact.pack(scalars, _FOLD_NAMES, _defaults(Fold))
        if self.history:
            item["h"] = compact.pack_history(self.history)
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any] | None) -> "Fold":
        """From either stored shape: the compact one, or every field under its own name."""
        known = compact.unpack(item, _FOLD_NAMES)
        history = compact.unpack_history(known.pop("h", None) or known.pop("history", None))
        return cls(**known, history=history)


# The stored names of a fold's fields (the history is `h`).
_FOLD_NAMES = {
    "through": "t",
    "period_total": "pt",
    "period_positive": "pp",
    "period_skipped": "ps",
    "period_last": "pl",
    "period_days": "pd",
    "period_excused_days": "pe",
    "ended": "n",
    "achieved": "a",
    "excused": "x",
    "over": "o",
    "sum_totals": "s",
    "run": "r",
    "run_skips": "rs",
    "longest": "l",
    "score": "sc",
}


def _defaults(cls: type) -> dict[str, Any]:
    """A dataclass's fields with a plain default, by name (tuples as they are)."""
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


def _close_period(rules: Rules, fold: Fold, day: date) -> None:
    total = fold.period_total
    paused = fold.period_excused_days > 0
    wholly_paused = fold.period_excused_days == fold.period_days
    achieved = not wholly_paused and rules.achieved(total, fold.period_positive, fold.period_last)
    excused = (fold.period_skipped or paused) and not achieved
    fold.ended += 1
    fold.sum_totals += total
    if excused:
        fold.excused += 1
    elif achieved:
        fold.achieved += 1
    if rules.pattern == "limit" and not achieved and not excused:
        fold.over += 1
    _advance_run(rules, fold, achieved, excused, paused)
    value = fold.period_last if rules.pattern == "target" else total
    entry = [period_key(day, rules.unit), achieved, value, *([True] if excused else [])]
    fold.history = [*fold.history, entry][-HISTORY_LENGTH:]
    fold.period_total, fold.period_positive = 0.0, 0
    fold.period_skipped, fold.period_last = False, None
    fold.period_days, fold.period_excused_days = 0, 0


def _advance_run(rules: Rules, fold: Fold, achieved: bool, excused: bool, paused: bool) -> None:
    if achieved:
        fold.run += 1
        fold.longest = max(fold.longest, fold.run)
    elif excused and paused:
        pass  # a paused period bridges the run, however long, without adding to it
    elif excused and fold.run > 0 and fold.run_skips + 1 <= rules.allow_skips:
        fold.run_skips += 1  # a skipped period bridges the run without adding to it
    else:
        fold.run, fold.run_skips = 0, 0


def fold_day(rules: Rules, fold: Fold, day: date, totals: DayTotals) -> None:
    """Fold one ended local day into `fold` (in place)."""
    if fold.score is None:
        fold.score = rules.strength_start
    fold.period_total += totals.total
    fold.period_positive += totals.positive_count
    fold.period_skipped = fold.period_skipped or totals.skipped > 0
    if totals.last_value is not None:
        fold.period_last = totals.last_value
    excused = rules.excused_on(day)
    fold.period_days += 1
    fold.period_excused_days += 1 if excused else 0
    if not totals.only_skipped and not excused:
        multiplier = rules.strength_multiplier
        fold.score = fold.score * multiplier + rules.day_credit(totals) * (1 - multiplier)
    fold.through = day.isoformat()
    if day == period_end(day, rules.unit):
        _close_period(rules, fold, day)


def fold_until(rules: Rules, fold: Fold, last_day: date, days: dict[date, DayTotals]) -> Fold:
    """A copy of `fold` advanced through `last_day` (inclusive) using `days`' totals."""
    advanced = replace(fold, history=list(fold.history))
    start = advanced.through_day + timedelta(days=1) if advanced.through_day else rules.first_day
    day = start
    while day <= last_day:
        fold_day(rules, advanced, day, days.get(day, EMPTY_DAY))
        day += timedelta(days=1)
    return advanced


@dataclass(frozen=True)
class Totals:
    """Sums over every activity of a goal, independent of today's date. Measurements (a day's
    latest value) are kept as least-squares sums, so one more updates the fit on its own."""

    total_values: float = 0.0
    value_count: int = 0
    first_activity_day: str | None = None
    last_activity_at: str | None = None
    latest_measurement: float | None = None
    latest_measurement_day: str | None = None
    recent_measurements: tuple[float, ...] = ()
    fit_origin: str | None = None  # x is days since this, the first measured day
    fit: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)  # n, Σx, Σy, Σx², Σxy

    @property
    def measurement_slope_per_day(self) -> float | None:
        count, sum_x, sum_y, sum_xx, sum_xy = self.fit
        spread = count * sum_xx - sum_x * sum_x
        if count < 2 or spread == 0:
            return None
        return (count * sum_xy - sum_x * sum_y) / spread

    def to_item(self) -> dict[str, Any]:
        """The compact stored shape (goals/compact.py)."""
        values = {
            **asdict(self),
            "last_activity_at": compact.pack_instant(self.last_activity_at),
            "recent_measurements": list(self.recent_measurements),
            "fit": list(self.fit),
        }
        return compact.pack(values, _TOTALS_NAMES, _defaults(Totals))

    @classmethod
    def from_item(cls, item: dict[str, Any] | None) -> "Totals":
        """From either stored shape: the compact one, or every field under its own name."""
        known = {
            name: value
            for name, value in compact.unpack(item, _TOTALS_NAMES).items()
            if name in cls.__dataclass_fields__
        }
        if "last_activity_at" in known:
            known["last_activity_at"] = compact.unpack_instant(known["last_activity_at"])
        if "recent_measurements" in known:
            known["recent_measurements"] = tuple(known["recent_measurements"])
        if "fit" in known:
            known["fit"] = tuple(float(number) for number in known["fit"])
        return cls(**known)

    def with_measurement(self, day: date, replaced: float | None, value: float) -> "Totals":
        """These totals with `day`'s latest measurement now `value` (it was `replaced`), where
        `day` is the latest day with a measurement."""
        origin = date.fromisoformat(self.fit_origin) if self.fit_origin else day
        x = float((day - origin).days)
        count, sum_x, sum_y, sum_xx, sum_xy = self.fit
        if replaced is not None:
            count, sum_x, sum_y = count - 1, sum_x - x, sum_y - replaced
            sum_xx, sum_xy = sum_xx - x * x, sum_xy - x * replaced
        recent = list(self.recent_measurements)
        if recent and self.latest_measurement_day == day.isoformat():
            recent[-1] = value
        else:
            recent.append(value)
        return replace(
            self,
            latest_measurement=value,
            latest_measurement_day=day.isoformat(),
            recent_measurements=tuple(recent[-TREND_POINTS:]),
            fit_origin=origin.isoformat(),
            fit=(count + 1, sum_x + x, sum_y + value, sum_xx + x * x, sum_xy + x * value),
        )


_TOTALS_NAMES = {
    "total_values": "tv",
    "value_count": "vc",
    "first_activity_day": "fd",
    "last_activity_at": "la",
    "latest_measurement": "lm",
    "latest_measurement_day": "ld",
    "recent_measurements": "rm",
    "fit_origin": "fo",
    "fit": "fit",
}


def least_squares_slope(points: list[tuple[float, float]]) -> float | None:
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def summarize(
    days: dict[date, DayTotals], last_activity_at: str | None, base: Totals | None = None
) -> Totals:
    """The totals over `days`; with `base`, the totals over base's days (all earlier) and
    these: a fold checkpoint's totals carried forward over the days after it."""
    base = base or Totals()
    value_days = sorted(day for day, totals in days.items() if totals.value_count)
    first_day = value_days[0].isoformat() if value_days else None
    totals = replace(
        base,
        total_values=base.total_values + sum(totals.total for totals in days.values()),
        value_count=base.value_count + sum(totals.value_count for totals in days.values()),
        first_activity_day=base.first_activity_day or first_day,
        last_activity_at=max(filter(None, (base.last_activity_at, last_activity_at)), default=None),
    )
    for day in sorted(days):
        measured = days[day].last_value
        if measured is not None:
            totals = totals.with_measurement(day, None, measured)
    return totals


def trend(values: list[float], less_is_better: bool) -> str:
    slope = least_squares_slope([(float(index), value) for index, value in enumerate(values)])
    if slope is None:
        return "stable"
    mean = sum(values) / len(values)
    if abs(slope) <= 0.01 * abs(mean):
        return "stable"
    rising = slope > 0
    return "declining" if rising == less_is_better else "improving"


def _percent(part: float, whole: float) -> float:
    return round(min(100.0, part / whole * 100), 2) if whole > 0 else 100.0


def _target_current(rules: Rules, totals: Totals) -> float:
    if totals.latest_measurement is not None:
        return totals.latest_measurement
    if rules.initial_current is not None:
        return rules.initial_current
    return rules.start_value


def _target_percent(rules: Rules, current: float) -> float:
    if rules.value == rules.start_value:
        return 100.0 if current == rules.value else 0.0
    share = (current - rules.start_value) / (rules.value - rules.start_value) * 100
    return round(min(100.0, max(0.0, share)), 2)


def _projected(start: date, days_needed: float) -> date | None:
    """`start` plus `days_needed` rounded up; None beyond the horizon (or for NaN)."""
    if not 0 < days_needed <= PROJECTION_HORIZON_DAYS:
        return None
    days = math.ceil(days_needed)
    # Room for the local day's start as a UTC instant, which can fall on the next date.
    if days >= (date.max - start).days:
        return None
    return start + timedelta(days=days)


def _milestone_projection(
    rules: Rules, totals: Totals, today: date, accumulated: float
) -> date | None:
    if accumulated >= rules.value or totals.value_count < 2 or not totals.first_activity_day:
        return None
    elapsed = (today - date.fromisoformat(totals.first_activity_day)).days + 1
    rate = totals.total_values / elapsed
    if rate <= 0:
        return None
    return _projected(today, (rules.value - accumulated) / rate)


def _target_projection(rules: Rules, totals: Totals, current: float) -> date | None:
    slope = totals.measurement_slope_per_day
    if rules.reached(current) or slope is None or slope == 0 or not totals.latest_measurement_day:
        return None
    # None when the measurements move away from the target (days_needed <= 0).
    return _projected(
        date.fromisoformat(totals.latest_measurement_day), (rules.value - current) / slope
    )


@dataclass(frozen=True)
class View:
    """Progress as of `today`."""

    progress: dict[str, Any]


@dataclass(frozen=True)
class _OpenPeriod:
    """The period that holds today: what the fold carried into it plus today's totals."""

    total: float
    last: float | None
    achieved: bool
    excused: bool = False  # not achieved, and paused on one of its days so far

    @property
    def counts(self) -> int:
        """What the open period adds to the achieved periods: it is shown achieved as soon as
        it is, but never failed before it ends."""
        return 1 if self.achieved else 0


@dataclass(frozen=True)
class _ViewInputs:
    rules: Rules
    fold: Fold
    totals: Totals
    today: date
    open: _OpenPeriod
    current_streak: int


def view(
    rules: Rules,
    fold: Fold,
    open_day: DayTotals,
    today: date,
    totals: Totals,
    longest_ever: int = 0,
) -> View:
    """Progress as of `today`, given a fold through yesterday and today's totals."""
    open_period = _open_period(rules, fold, open_day, today)
    current_streak = fold.run + open_period.counts
    ended_values = [entry[2] for entry in fold.history if entry[2] is not None]
    progress: dict[str, Any] = {
        "percentComplete": 0.0,
        "lastActivityDate": totals.last_activity_at,
        "currentPeriodValue": open_period.total,
        "periodHistory": _period_history(rules, fold, today, open_period),
        "totalAccumulated": totals.total_values,
        "remainingToGoal": None,
        "currentStreak": current_streak,
        "longestStreak": max(fold.longest, current_streak, longest_ever),
        "targetStreak": None,
        "averageValue": round((fold.sum_totals + open_period.total) / (fold.ended + 1), 4),
        "daysOverLimit": 0,
        "trend": trend(ended_values[-TREND_POINTS:], rules.less_is_better),
        "projectedCompletion": None,
        "successRate": 0.0,
        "strength": _strength(rules, fold, open_day, today),
    }
    inputs = _ViewInputs(rules, fold, totals, today, open_period, current_streak)
    progress.update(_pattern_progress(inputs))
    if rules.pattern in {"milestone", "target"}:
        # Goals with one end have no periods to succeed in: their success is the share of the
        # way done, so the client's "% success" is always a number.
        progress["successRate"] = progress["percentComplete"]
    return View(progress=progress)


def _open_period(rules: Rules, fold: Fold, open_day: DayTotals, today: date) -> _OpenPeriod:
    total = fold.period_total + open_day.total
    last = open_day.last_value if open_day.last_value is not None else fold.period_last
    positives = fold.period_positive + open_day.positive_count
    excused_days = fold.period_excused_days + (1 if rules.excused_on(today) else 0)
    wholly_paused = excused_days == fold.period_days + 1
    achieved = not wholly_paused and rules.achieved(total, positives, last)
    return _OpenPeriod(total, last, achieved, excused=excused_days > 0 and not achieved)


def _strength(rules: Rules, fold: Fold, open_day: DayTotals, today: date) -> float | None:
    """The habit-strength score in percent, with today's check-in when there is one."""
    score = fold.score if fold.score is not None else rules.strength_start
    if open_day.value_count and not rules.excused_on(today):
        multiplier = rules.strength_multiplier
        score = score * multiplier + rules.day_credit(open_day) * (1 - multiplier)
    return round(score * 100, 2) if rules.strength_applies else None


def _period_history(
    rules: Rules, fold: Fold, today: date, open_period: _OpenPeriod
) -> list[dict[str, Any]]:
    """The last ended periods and the open one, oldest first."""
    ended = [
        {
            "period": entry[0],
            "achieved": entry[1],
            "value": entry[2],
            "excused": len(entry) > 3 and bool(entry[3]),
            "start": start_of_period_key(entry[0], rules.unit).isoformat(),
        }
        for entry in fold.history[-(HISTORY_LENGTH - 1) :]
    ]
    open_value = open_period.last if rules.pattern == "target" else open_period.total
    open_entry = {
        "period": period_key(today, rules.unit),
        "achieved": open_period.achieved,
        "value": open_value,
        "excused": open_period.excused,
        "start": period_start(today, rules.unit).isoformat(),
    }
    return [*ended, open_entry]


def _pattern_progress(inputs: _ViewInputs) -> dict[str, Any]:
    """The fields whose meaning depends on the goal's pattern."""
    pattern = inputs.rules.pattern
    if pattern in {"recurring", "streak"}:
        return _periodic_progress(inputs)
    if pattern == "limit":
        return _limit_progress(inputs)
    if pattern == "milestone":
        return _milestone_progress(inputs)
    return _target_progress(inputs)


def _periodic_progress(inputs: _ViewInputs) -> dict[str, Any]:
    rules, fold, open_period = inputs.rules, inputs.fold, inputs.open
    achieved = fold.achieved + open_period.counts
    counted = fold.ended - fold.excused + open_period.counts
    success = round(achieved / counted * 100, 2) if counted else 0.0
    if rules.pattern == "recurring":
        return {"successRate": success, "percentComplete": _percent(open_period.total, rules.value)}
    return {
        "successRate": success,
        "targetStreak": int(rules.value),
        "percentComplete": _percent(inputs.current_streak, int(rules.value)),
    }


def _limit_progress(inputs: _ViewInputs) -> dict[str, Any]:
    fold = inputs.fold
    # An open period already over the limit counts against the goal now (unless paused on one
    # of its days); one within it counts for it only once it has ended.
    over_now = 0 if inputs.open.achieved or inputs.open.excused else 1
    counted = fold.ended - fold.excused + over_now
    success = round(fold.achieved / counted * 100, 2) if counted else 100.0
    return {
        "daysOverLimit": fold.over + over_now,
        "successRate": success,
        "percentComplete": success,
    }


def _milestone_progress(inputs: _ViewInputs) -> dict[str, Any]:
    rules, totals = inputs.rules, inputs.totals
    accumulated = rules.start_value + totals.total_values
    return {
        "totalAccumulated": accumulated,
        "remainingToGoal": max(0.0, rules.value - accumulated),
        "percentComplete": _percent(accumulated, rules.value),
        "averageValue": _average_value(totals),
        "projectedCompletion": _milestone_projection(rules, totals, inputs.today, accumulated),
    }


def _target_progress(inputs: _ViewInputs) -> dict[str, Any]:
    rules, totals = inputs.rules, inputs.totals
    current = _target_current(rules, totals)
    return {
        "currentPeriodValue": current,
        "totalAccumulated": current,  # a measurement, not an increment: never summed
        "remainingToGoal": abs(rules.value - current),
        "percentComplete": _target_percent(rules, current),
        "averageValue": _average_value(totals),
        "trend": trend(list(totals.recent_measurements), rules.less_is_better),
        "projectedCompletion": _target_projection(rules, totals, current),
    }


def _average_value(totals: Totals) -> float:
    """The mean of every value logged (0 before the first)."""
    return round(totals.total_values / totals.value_count, 4) if totals.value_count else 0.0
