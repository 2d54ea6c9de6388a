"""Logging many activities on one goal at once (`POST /goals/{goalId}/activities/batch`): a
phone that was offline sends its day in one request.

Each item comes to exactly what logging it alone, in request order, would have: written (201),
replayed by its idempotency key (200), or refused with the error a single log answers (4xx):
an item after the one that completes a goal is refused as a log to a completed goal would be.
The items are decided one by one on the goal as the items before them left it (in memory,
with the same functions a single log uses), so the goal's progress ends exactly where single
logs would have taken it.

Cost: the goal, the profile and every item's idempotency record are read once (one
BatchGetItem per 100 keys: two for a full batch), the goal's day aggregates at most once (only
when an item is not dated today; a batch recomputes its goal from every day rather than from
a fold checkpoint, since the checkpoints its own earlier items would move are not stored yet;
a transaction that crosses a month's end without them reads the days of the month that ended,
once, to build its rollup: goals/rollups.py). The written items are staged into as few
transactions as DynamoDB's 100-item limit allows: an item adds its activity and idempotency
record, its day aggregate when the day is new to that transaction, and its month's rollup when
the month is new to it; the goal, its active slot (two items at most: completing frees the
title lock and the quota), the completion count and the rollups of months that ended since the
last write (two at most) are written once per transaction, and the fold checkpoint of the week
that last ended when the transaction has room left for it (it is only a cache: a write may
skip it). So a transaction holds at least 23 items (45 when they share a day, 30 on
consecutive days): a full batch on consecutive days takes 4 transactions, one on 100
different months 5. Their size stays far below DynamoDB's 4 MB: the whole request is at most
256 KB, each item is written twice (the activity and its stored response), and a goal item is
at most 400 KB.

Each transaction is a unit of work (core/unit_of_work.py): the goal is conditioned on the
version the batch read or last wrote, so a concurrent write makes it read everything again and
decide the remaining items afresh. A batch that fails part way (503 after repeated races, a
timeout) has committed whole transactions only; sending it again replays what was written
(each item has its key) and writes the rest.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from chalicelib.core import metrics
from chalicelib.core.batch import BatchItem, ItemResult, refused, replayed, written
from chalicelib.core.clock import utc_now
from chalicelib.core.dynamo import MAX_TRANSACTION_ITEMS, Transaction
from chalicelib.core.errors import AppError
from chalicelib.core.idempotency import Created, add_record, record, replay
from chalicelib.core.local_time import local_time_of
from chalicelib.core.unit_of_work import run_write
from chalicelib.goals.activities import ActivityService, advanced, client_fields
from chalicelib.goals.aggregates import DayAggregate
from chalicelib.goals.entities import Goal
from chalicelib.goals.fold_checkpoints import Checkpoint
from chalicelib.goals.models import ActivityFields
from chalicelib.goals.presenter import present_activity
from chalicelib.goals.progress_state import progress_after_log
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.rollups import MONTHS_PER_TRANSACTION, stage_month_rollups
from chalicelib.goals.rules import check_accepts_activities, not_found

# Written once per transaction, whatever it holds: the goal, the title lock and the quota
# counter its completion frees, and the journal's count of completed goals.
# And the month rollups of months that ended since the goal's last write (goals/rollups.py).
_PER_TRANSACTION = 4 + MONTHS_PER_TRANSACTION
# The most one item adds: its activity, its idempotency record, its day aggregate and the
# rollup of its month.
_PER_ITEM = 4


@dataclass
class _Known:
    """What the batch knows of the goal: as read, or as its last transaction wrote it (then the
    next one needs no read). `days` is None until an item needed the aggregates."""

    profile: dict[str, Any] | None
    goal: Goal
    records: dict[str, dict[str, Any]]  # idempotency records by key
    days: dict[date, DayAggregate] | None = None


@dataclass
class _Chunk:
    """One transaction's worth of items, decided in request order."""

    start: Goal
    goal: Goal
    results: list[ItemResult] = field(default_factory=list)
    days: dict[date, DayAggregate] = field(default_factory=dict)  # the days it writes
    checkpoints: dict[date, Checkpoint] = field(default_factory=dict)  # the last made, by week
    written: int = 0

    @property
    def item_count(self) -> int:
        months = {(day.year, day.month) for day in self.days}  # each may rebuild its rollup
        return 2 * self.written + len(self.days) + len(months) + _PER_TRANSACTION

    @property
    def full(self) -> bool:
        return self.item_count + _PER_ITEM > MAX_TRANSACTION_ITEMS


class ActivityBatchService:
    def __init__(
        self,
        repository: GoalRepository,
        activities: ActivityService,
        *,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._goals = repository
        self._activities = activities
        self._now = now
        self._sleep = sleep

    def log_batch(
        self,
        user_id: str,
        goal_id: str,
        items: Sequence[BatchItem[ActivityFields]],
        *,
        timezone: str | None = None,
    ) -> list[ItemResult]:
        """One result per item, in request order. 404 (nothing written) when the goal is not
        the caller's."""
        results: dict[int, ItemResult] = {
            item.index: refused(item, item.refusal) for item in items if item.refusal is not None
        }
        pending = [item for item in items if item.refusal is None]
        # What the last commit left, for the next transaction's first attempt only: a retry
        # after a lost race finds it taken and reads everything again.
        known: list[_Known] = []

        def attempt(tx: Transaction) -> tuple[_Chunk, _Known]:
            state = known.pop() if known else self._read(user_id, goal_id, pending)
            chunk = self._decide(tx, user_id, state, pending, timezone)
            return chunk, state

        if not pending:
            self._read(user_id, goal_id, [])  # the goal must be the caller's all the same
        while pending:
            chunk, state = run_write(attempt, sleep=self._sleep)
            results.update((result.index, result) for result in chunk.results)
            pending = pending[len(chunk.results) :]
            state.goal = chunk.goal if not chunk.written else self._as_written(chunk)
            known.append(state)
        return [results[index] for index in sorted(results)]

    def _read(self, user_id: str, goal_id: str, items: Sequence[BatchItem[Any]]) -> _Known:
        keys = list({item.key.key: item.key for item in items if item.key}.values())
        context = self._goals.load_for_write_many(user_id, goal_id, keys)
        if context.goal is None:
            raise not_found()
        return _Known(context.profile, context.goal, dict(context.idempotency_records))

    def _decide(
        self,
        tx: Transaction,
        user_id: str,
        state: _Known,
        pending: Sequence[BatchItem[ActivityFields]],
        timezone: str | None,
    ) -> _Chunk:
        """Decide the next items into `tx` until it is full; the chunk they make. `state` is
        brought up to date with what the chunk stages (the caller keeps it only once the
        transaction commits)."""
        local = local_time_of(state.profile, timezone)
        now = self._now()
        today = local.local_date(now)
        chunk = _Chunk(start=state.goal, goal=state.goal)

        def aggregates(first: date | None) -> list[DayAggregate]:
            # `first` is None: the batch gives no checkpoint, so its refolds read every day.
            if state.days is None:
                read = self._goals.day_aggregates(user_id, chunk.start.goal_id)
                state.days = {aggregate.day: aggregate for aggregate in read}
                state.days.update(chunk.days)  # what this chunk decided before it needed them
            # In key order, as the Query gives them to a single log: sums then add up in the
            # same order, to the last bit.
            return sorted(state.days.values(), key=lambda aggregate: aggregate.day)

        for item in pending:
            if chunk.full:
                break
            command, key = item.command, item.key
            assert command is not None  # noqa: S101 - items with a refusal are not pending
            assert key is not None  # noqa: S101
            try:
                first = replay(key, state.records.get(key.key))
                if first is not None:
                    chunk.results.append(replayed(item, first))
                    continue
                check_accepts_activities(chunk.goal)
                activity = self._activities.new_activity(
                    user_id, chunk.goal, client_fields(command), local, now
                )
            except AppError as error:
                chunk.results.append(refused(item, error))
                continue
            progressed, day = progress_after_log(
                chunk.goal, activity, now, local, aggregates, lambda _: None
            )
            chunk.checkpoints.update((made.week_end, made) for made in progressed.checkpoints)
            chunk.goal = advanced(chunk.goal, progressed, now, count_change=1)
            chunk.days[day.day] = day
            if state.days is not None:
                state.days[day.day] = day
            chunk.written += 1
            self._goals.put_activity(tx, user_id, activity)
            tx.emits(metrics.ACTIVITY_LOGGED)
            response = Created(
                present_activity(activity),
                f"/goals/{activity.goal_id}/activities/{activity.activity_id}",
            )
            add_record(tx, key, response)
            state.records[key.key] = record(key, response)  # a later item with this key replays
            chunk.results.append(written(item, response))
        if chunk.written:
            for day in chunk.days.values():
                self._goals.put_day(tx, user_id, chunk.start.goal_id, day)
            stage_month_rollups(
                tx, self._goals, user_id, chunk.start, chunk.days.values(), today, known=state.days
            )
            self._goals.put_checkpoints(tx, user_id, chunk.start.goal_id, _storable(chunk))
            self._activities.stage_goal_change(tx, user_id, chunk.start, chunk.goal)
        return chunk

    @staticmethod
    def _as_written(chunk: _Chunk) -> Goal:
        """The goal as the chunk's transaction wrote it (its next version)."""
        return replace(chunk.goal, version=chunk.start.version + 1)


def _storable(chunk: _Chunk) -> list[Checkpoint]:
    """The chunk's checkpoints that hold for the goal it writes (a later item's recomputation
    bumped the generation of earlier ones), if the transaction has room for them. Skipping
    them is safe: the batch makes only new ones (a today log's week end, a recomputation's)."""
    generation = int((chunk.goal.progress_state or {}).get("generation", 0))
    current = [made for made in chunk.checkpoints.values() if made.generation == generation]
    return current if chunk.item_count + len(current) <= MAX_TRANSACTION_ITEMS else []
