"""What is due: a goal's `dueToday`, `atRisk`, `nextDueAt` and, for target goals with a
`targetDate`, `requiredPerPeriod` and `bufferDays` (docs/progress-rules.md, "What is due").

Pure functions of the goal, the progress it shows now, the local clock and the user's
vacations; the goal reads, `GET /goals?due=today` and the reminder job all ask here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import floor
from typing import Any

from chalicelib.core.clock import to_iso
from chalicelib.core.local_time import LocalTime, next_period_start, period_end
from chalicelib.goals import compact
from chalicelib.goals.entities import Goal
from chalicelib.goals.pauses import DateRange, excused_day
from chalicelib.goals.progress_state import period_unit

# How far ahead `nextDueAt` looks for a due day (a goal paused longer shows null).
LOOKAHEAD_DAYS = 400
_DAYS_IN = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
# Patterns whose periods must each be achieved; limits never need a log, milestone and target
# goals want a log on each scheduled day until they are complete.
_PERIODIC = {"recurring", "streak"}
_MEASURED = {"milestone", "target"}


def _scheduled(goal: Goal, day: date) -> bool:
    """`schedule.daysOfWeek` (0 = Monday, as Python counts) limits the days something is due;
    empty means every day."""
    weekdays = goal.schedule.get("daysOfWeek") or []
    return not weekdays or day.weekday() in weekdays


def _logged_on(goal: Goal, day: date) -> bool:
    """Whether anything (a value or a skip) was logged on the local date `day`, from the
    stored open day alone: no aggregate read."""
    state = goal.progress_state or {}
    if state.get("openDay") != day.isoformat():
        return False
    aggregate = compact.unpack(state.get("openAggregate"), compact.OPEN_DAY_NAMES)
    return bool(aggregate.get("valueCount") or aggregate.get("skipped"))


@dataclass(frozen=True)
class Due:
    due_today: bool
    at_risk: bool
    next_due_day: date | None
    required_per_period: float | None = None
    buffer_days: int | None = None

    def to_wire(self, local: LocalTime) -> dict[str, Any]:
        next_due = self.next_due_day
        return {
            "dueToday": self.due_today,
            "atRisk": self.at_risk,
            "nextDueAt": to_iso(local.day_start(next_due)) if next_due else None,
            "requiredPerPeriod": self.required_per_period,
            "bufferDays": self.buffer_days,
        }


NOTHING_DUE = Due(due_today=False, at_risk=False, next_due_day=None)


def due_state(
    goal: Goal,
    progress: dict[str, Any],
    now: datetime,
    local: LocalTime,
    vacations: Sequence[DateRange] = (),
) -> Due:
    """What is due for `goal` at `now`, given the progress it shows now."""
    target_rate = _target_rate(goal, progress, local.local_date(now))
    if goal.status not in {"active", "paused"} or goal.goal_pattern == "limit":
        return NOTHING_DUE
    today = local.local_date(now)
    if goal.goal_pattern in _PERIODIC:
        due = _periodic_due(goal, progress, today, vacations)
    else:
        due = _measured_due(goal, progress, today, vacations, target_rate)
    if target_rate is None:
        return due
    required, buffer = target_rate
    return Due(due.due_today, due.at_risk, due.next_due_day, required, buffer)


def _open_period_achieved(progress: dict[str, Any]) -> bool:
    history = progress.get("periodHistory") or []
    return bool(history and history[-1]["achieved"])


def due_day(goal: Goal, day: date, vacations: Sequence[DateRange] = ()) -> bool:
    """A day on which the goal wants a log, if its period is not achieved yet."""
    return _scheduled(goal, day) and not excused_day(goal, day, vacations)


def _periodic_due(
    goal: Goal, progress: dict[str, Any], today: date, vacations: Sequence[DateRange]
) -> Due:
    """A recurring or streak goal is due on each scheduled, not excused day of a period not
    yet achieved; at risk when today is the period's last such day."""
    unit = period_unit(goal)
    achieved = _open_period_achieved(progress)
    due_today = not achieved and due_day(goal, today, vacations)
    last_day = period_end(today, unit)
    later_chance = any(
        due_day(goal, today + timedelta(days=offset), vacations)
        for offset in range(1, (last_day - today).days + 1)
    )
    at_risk = due_today and not later_chance
    first = today if not achieved else next_period_start(today, unit)
    return Due(due_today, at_risk, _firstdue_day(goal, first, vacations))


def _measured_due(
    goal: Goal,
    progress: dict[str, Any],
    today: date,
    vacations: Sequence[DateRange],
    target_rate: tuple[float, int] | None,
) -> Due:
    """A milestone or target goal not yet complete wants a log on each scheduled, not excused
    day; a target goal is at risk once its safety buffer is spent."""
    if float(progress.get("percentComplete") or 0) >= 100:
        return NOTHING_DUE
    due_today = not _logged_on(goal, today) and due_day(goal, today, vacations)
    at_risk = due_today and target_rate is not None and target_rate[1] == 0
    first = today if due_today or not _logged_on(goal, today) else today + timedelta(days=1)
    return Due(due_today, at_risk, _firstdue_day(goal, first, vacations))


def _firstdue_day(goal: Goal, first: date, vacations: Sequence[DateRange]) -> date | None:
    for offset in range(LOOKAHEAD_DAYS):
        day = first + timedelta(days=offset)
        if due_day(goal, day, vacations):
            return day
    return None


def _target_rate(goal: Goal, progress: dict[str, Any], today: date) -> tuple[float, int] | None:
    """(requiredPerPeriod, bufferDays) of a target goal with a targetDate, else None.

    requiredPerPeriod: the change still needed (towards the target, never negative) divided by
    the goal's periods left until the target date (days left / days per period, at least
    one period). bufferDays: how many days could pass with nothing logged before the days
    left, at the pace so far (the change per day since the goal's first day), no longer
    suffice: floor(days left - remaining / pace), never below 0; every day left when the
    target is reached; 0 when the pace is nil or goes the wrong way."""
    target = goal.target
    if goal.goal_pattern != "target" or not target.get("targetDate"):
        return None
    goal_value = float(target["value"])
    start = float(target.get("startValue") or 0)
    current = float(progress.get("currentPeriodValue") or start)
    towards = 1.0 if goal_value >= start else -1.0
    remaining = max(0.0, (goal_value - current) * towards)
    days_left = max(0, (date.fromisoformat(target["targetDate"]) - today).days)
    periods_left = max(1.0, days_left / _DAYS_IN[period_unit(goal)])
    required = round(remaining / periods_left, 4)
    if remaining == 0:
        return required, days_left
    first_day = date.fromisoformat((goal.progress_state or {}).get("firstDay") or today.isoformat())
    elapsed = max(1, (today - first_day).days)
    pace = (current - start) * towards / elapsed
    if pace <= 0:
        return required, 0
    return required, max(0, floor(days_left - remaining / pace))
