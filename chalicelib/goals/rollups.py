"""Month rollups: the summary (goals/summaries.py) of one local month of a goal's days, stored
as one item (`DAYS#{YYYY-MM}` in the goal's partition, sorted right after its days), so that
long progress windows read about a dozen items instead of every day.

The rule that keeps them exact: a rollup exists only for a month before the month of the
goal's stored open day (a closed month), and equals that month's day aggregates. Writes keep
it so in the same transaction as the day change (`stage_month_rollups`):
- the first write after a month ended (the stored open day lies in an earlier month) builds
  the rollups of the months that closed since, from their days (one Query, once a month);
- a write that changes a day of a closed month (backdated log, edit, delete, batch) rebuilds
  that month's rollup from its days, or deletes it when no day is left;
- a write whose clock lies in an earlier month than the stored open day (the time zone moved
  back across a month's end) deletes the rollups of the months that are open again
  (`stage_reopened_months`; the goal routes that recompute progress call it too).
A closed month without a rollup (written before rollups existed, or closed by a write that
does not touch activities) is simply read as days: correct, only slower. Rollups are derived
data: exports leave them out (they read ACTIVITY# and DAY#), sync never shows them (they are
not stamped), account deletion erases them with the goal's partition.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from chalicelib.core.dynamo import Transaction
from chalicelib.goals.aggregates import DayAggregate
from chalicelib.goals.entities import Goal
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.summaries import Summary, combine, of_day, of_days

Month = str  # YYYY-MM
Span = tuple[date, date]  # first and last day, both included
# Fewer closed months than this in a window are read as days: one Query of at most ~90 small
# items costs about what the rollups and the edges' days would, in fewer requests.
MIN_ROLLED_MONTHS = 3
# The most rollups a write stages besides those of the months it changes: the months that
# ended since the last write with days in them (the last write's month, and the next one when
# that write was dated a few minutes ahead into it), or the months a moved-back clock reopens.
MONTHS_PER_TRANSACTION = 2


def month_of(day: date) -> Month:
    return f"{day.year:04d}-{day.month:02d}"


def first_of(month: Month) -> date:
    return date.fromisoformat(f"{month}-01")


def last_of(month: Month) -> date:
    return next_month_start(first_of(month)) - timedelta(days=1)


def next_month_start(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def previous(month: Month) -> Month:
    return month_of(first_of(month) - timedelta(days=1))


def months(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included (none when `last` is earlier)."""
    found, day = [], first_of(first)
    while month_of(day) <= last:
        found.append(month_of(day))
        day = next_month_start(day)
    return found


def stored_open_day(goal: Goal) -> date | None:
    stored = (goal.progress_state or {}).get("openDay")
    return date.fromisoformat(stored) if stored else None


# Reads.


def _uncovered(start: date, end: date, rolled: set[Month]) -> list[Span]:
    """The spans of [start, end] outside the rolled-up months, in order."""
    spans: list[Span] = []
    for month in months(month_of(start), month_of(end)):
        if month in rolled:
            continue
        low, high = max(start, first_of(month)), min(end, last_of(month))
        if spans and spans[-1][1] + timedelta(days=1) == low:
            spans[-1] = (spans[-1][0], high)
        else:
            spans.append((low, high))
    return spans


def _day_reads(spans: list[Span]) -> list[Span]:
    """At most two day Queries: the first span (a window's partial first month, in the
    common case), and one over the rest (closed months without a rollup)."""
    if len(spans) <= 2:
        return spans
    return [spans[0], (spans[1][0], spans[-1][1])]


def window_summary(
    repository: GoalRepository,
    user_id: str,
    goal_id: str,
    start: date,
    end: date,
    *,
    first_day: date,
    open_day: date,
) -> Summary:
    """The summary of the goal's days from `start` to `end`. A window holding enough closed
    months reads their rollups: with the days after them in one Query (rollups sort right
    after the days; those before the window are read too and dropped, a dozen small items a
    year), and the days before them, a partial first month, in a second one. A window that
    starts on the goal's first day takes its first month whole (no day lies before it), so
    `period=all` is one Query. Closed months without a rollup are read as days (one or two
    Queries more)."""
    if start > end:
        return Summary()
    whole_from = start if start.day == 1 or start == first_day else next_month_start(start)
    whole_to = end if end == last_of(month_of(end)) else first_of(month_of(end)) - timedelta(1)
    first, last = month_of(whole_from), min(month_of(whole_to), previous(month_of(open_day)))
    if len(months(first, last)) < MIN_ROLLED_MONTHS:
        return of_days(repository.day_aggregates(user_id, goal_id, start, end))
    after = next_month_start(first_of(last))
    if after <= end:
        recent, read = repository.days_and_rollups(user_id, goal_id, after, last)
        days = [aggregate for aggregate in recent if aggregate.day <= end]
    else:
        days, read = [], repository.month_rollups(user_id, goal_id, first, last)
    rolled = {month: summary for month, summary in read.items() if first <= month <= last}
    for low, high in _day_reads(_uncovered(start, min(end, after - timedelta(1)), set(rolled))):
        read_days = repository.day_aggregates(user_id, goal_id, low, high)
        days += [aggregate for aggregate in read_days if month_of(aggregate.day) not in rolled]
    return combine([*rolled.values(), *(of_day(aggregate) for aggregate in days)])


# Writes.


def _runs(wanted: list[Month]) -> list[tuple[Month, Month]]:
    """Sorted months grouped into runs of consecutive ones (one day Query each)."""
    runs: list[tuple[Month, Month]] = []
    for month in wanted:
        if runs and month_of(next_month_start(first_of(runs[-1][1]))) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def stage_reopened_months(
    tx: Transaction, repository: GoalRepository, user_id: str, goal: Goal, today: date
) -> None:
    """When a write's local day lies in an earlier month than the goal's stored open day (its
    time zone moved back across a month's end), the months from today's on are open again:
    delete their rollups (usually none, at most a month or two), which no write would keep."""
    opened = stored_open_day(goal)
    if opened is None or month_of(opened) <= month_of(today):
        return
    for month in months(month_of(today), previous(month_of(opened))):
        repository.delete_month_rollup(tx, user_id, goal.goal_id, month)


def stage_month_rollups(
    tx: Transaction,
    repository: GoalRepository,
    user_id: str,
    goal: Goal,
    changed: Iterable[DayAggregate],
    today: date,
    known: Mapping[date, DayAggregate] | None = None,
) -> None:
    """Keep the goal's month rollups exact in `tx`, whose write changes the days `changed`
    (their new aggregates; an empty one for a day left without activities) and leaves the
    goal open on `today`. `goal` is as read (its stored open day). Reads nothing in the common
    case (a log dated in the current month, no month ended since the last write), nor when
    the caller passes every day of the goal it read already (`known`, a batch's)."""
    stage_reopened_months(tx, repository, user_id, goal, today)
    closing = month_of(today)
    new_days = {aggregate.day: aggregate for aggregate in changed}
    touched = {month_of(day) for day in new_days if month_of(day) < closing}
    opened = stored_open_day(goal)
    ended = months(month_of(opened), previous(closing)) if opened else []
    rebuild = sorted(touched | set(ended))
    if not rebuild:
        return
    days: dict[date, DayAggregate] = dict(known or {})
    for low, high in [] if known is not None else _runs(rebuild):
        read = repository.day_aggregates(user_id, goal.goal_id, first_of(low), last_of(high))
        days.update((aggregate.day, aggregate) for aggregate in read)
    days.update(new_days)  # what this write changes replaces what is stored
    by_month: dict[Month, list[DayAggregate]] = defaultdict(list)
    for day in sorted(days):
        if not days[day].is_empty:
            by_month[month_of(day)].append(days[day])
    for month in rebuild:
        if by_month[month]:
            summary = of_days(by_month[month])
            repository.put_month_rollup(tx, user_id, goal.goal_id, month, summary)
        elif month in touched:
            repository.delete_month_rollup(tx, user_id, goal.goal_id, month)


def closed_month_rollups(aggregates: Iterable[DayAggregate], today: date) -> dict[Month, Summary]:
    """The rollups of every closed month that has days (an import writes them with the days
    it rebuilt, then leaves the goal open on `today`)."""
    by_month: dict[Month, list[DayAggregate]] = defaultdict(list)
    for aggregate in sorted(aggregates, key=lambda aggregate: aggregate.day):
        if not aggregate.is_empty and month_of(aggregate.day) < month_of(today):
            by_month[month_of(aggregate.day)].append(aggregate)
    return {month: of_days(days) for month, days in by_month.items()}
