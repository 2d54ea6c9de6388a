"""Activity rules: logging, editing, deleting and listing what a person did towards a goal.

Every write is a unit of work (core/unit_of_work.py): it reads what it needs first (the
profile, the goal, an idempotency record: one request), then commits one transaction with the
activity, its day aggregate and the goal's new progress, the goal conditioned on the version
it read. A write that loses a race reads again and retries, so concurrent logs never lose an
update and totals stay exact. The journal stages
its goal-linked activities through the same methods.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core import errors, metrics
from chalicelib.core.clock import parse_instant, to_iso, utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.http import Page
from chalicelib.core.idempotency import Created, IdempotencyKey, add_record, replay
from chalicelib.core.ids import uuid7
from chalicelib.core.local_time import LocalTime, instant_bound, local_time_of
from chalicelib.core.unit_of_work import run_write
from chalicelib.core.validation import dump
from chalicelib.goals import aggregates as agg
from chalicelib.goals.completions import CompletionLog, stage_completion, with_progress
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.fold_checkpoints import MAX_CHECKPOINT_WRITES
from chalicelib.goals.links import ENTRY_LINK
from chalicelib.goals.models import ActivityFields
from chalicelib.goals.presenter import present_activity
from chalicelib.goals.progress_state import (
    CheckpointReader,
    DayReader,
    Progressed,
    progress_after_log,
    refold,
    stored_local_time,
)
from chalicelib.goals.repository import GoalRepository, WriteContext
from chalicelib.goals.rollups import stage_month_rollups
from chalicelib.goals.rules import check_accepts_activities, not_found

# An activity may be stamped a little ahead of the server's clock (clients' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


def owning_entry(activity: Activity) -> str | None:
    """The journal entry that logged this activity and alone may change it, if any."""
    if activity.source != "journal":
        return None
    entry_id = (activity.context or {}).get(ENTRY_LINK)
    return str(entry_id) if entry_id else None


def advanced(goal: Goal, progressed: Progressed, now: datetime, count_change: int) -> Goal:
    """The goal with its new progress (completed when it says so) and activity count, at the
    version it was read: `stage_goal_change` writes it as the next one."""
    return replace(
        with_progress(goal, progressed, now),
        updated_at=to_iso(now),
        activity_count=goal.activity_count + count_change,
    )


def client_fields(request: ActivityFields) -> dict[str, Any]:
    """What a client sent to the activity routes. Only the journal links an activity to an
    entry: a claimed link would lock the activity away from these routes."""
    fields = dump(request)
    if ENTRY_LINK in (fields.get("context") or {}):
        raise ValidationFailed(
            [
                FieldError(
                    f"context.{ENTRY_LINK}",
                    "is set only by the journal entry that logs the activity",
                )
            ]
        )
    return fields


class ActivityService:
    def __init__(
        self,
        repository: GoalRepository,
        *,
        completions: CompletionLog,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._goals = repository
        self._completions = completions
        self._now = now
        self._sleep = sleep

    def log_activity(
        self,
        user_id: str,
        goal_id: str,
        request: ActivityFields,
        *,
        idempotency: IdempotencyKey | None = None,
        timezone: str | None = None,
    ) -> Created:
        fields = client_fields(request)

        def attempt(tx: Transaction) -> Created:
            context = self._goals.load_for_write(user_id, goal_id, idempotency)
            replayed = replay(idempotency, context.idempotency_record)
            if replayed:
                return replayed  # a concurrent twin's response, once it won
            goal = self._writable_goal(context)
            local = local_time_of(context.profile, timezone)
            activity = self.stage_logged_activity(tx, user_id, goal, fields, local, self._now())
            response = Created(
                present_activity(activity),
                f"/goals/{goal_id}/activities/{activity.activity_id}",
            )
            add_record(tx, idempotency, response)
            return response

        return run_write(attempt, sleep=self._sleep)

    def _writable_goal(self, context: WriteContext) -> Goal:
        if context.goal is None:
            raise not_found()
        check_accepts_activities(context.goal)
        return context.goal

    def stage_logged_activity(
        self,
        tx: Transaction,
        user_id: str,
        goal: Goal,
        fields: dict[str, Any],
        local: LocalTime,
        now: datetime,
        max_checkpoints: int = MAX_CHECKPOINT_WRITES,
    ) -> Activity:
        """Add a new activity, its day aggregate and the goal's progress to `tx` (which the
        caller commits). Reads the goal's day aggregates only when the activity is not dated
        today (then the stored state cannot simply be advanced): those since the fold
        checkpoint before its week (writing at most `max_checkpoints` of them)."""
        check_accepts_activities(goal)
        activity = self.new_activity(user_id, goal, fields, local, now)
        progressed, updated_day = progress_after_log(
            goal, activity, now, local, *self._readers(user_id, goal.goal_id), max_checkpoints
        )
        self._goals.put_activity(tx, user_id, activity)
        tx.emits(metrics.ACTIVITY_LOGGED)
        self._goals.put_day(tx, user_id, goal.goal_id, updated_day)
        stage_month_rollups(tx, self._goals, user_id, goal, [updated_day], local.local_date(now))
        self._put_progress(tx, user_id, goal, progressed, now, count_change=1)
        return activity

    def stage_activity_change(
        self,
        tx: Transaction,
        user_id: str,
        goal: Goal,
        old: Activity,
        fields: dict[str, Any] | None,
        local: LocalTime,
        now: datetime,
        max_checkpoints: int = MAX_CHECKPOINT_WRITES,
    ) -> Activity | None:
        """Add an edit (`fields`) or a deletion (None) of an activity, the rebuilt days and
        the goal's progress (at most `max_checkpoints` fold checkpoints) to `tx`. The changed
        activity, or None when deleted."""
        new = (
            None
            if fields is None
            else self.new_activity(user_id, goal, fields, local, now, existing=old)
        )
        if new is None or new.activity_date != old.activity_date:
            self._goals.delete_activity(tx, user_id, old, moved=new is not None)
        if new is not None:
            self._goals.put_activity(tx, user_id, new)
        self._rebuild_days(tx, user_id, goal, old, new, now, local, max_checkpoints)
        return new

    def imported_activity(
        self,
        user_id: str,
        goal: Goal,
        request: ActivityFields,
        local: LocalTime,
        *,
        activity_id: str,
    ) -> Activity:
        """An activity of an imported goal (account/imports/writer.py), checked as a log is,
        with the id the import derives; the caller writes it and recomputes the goal once."""
        fields = dump(request)
        context = {k: v for k, v in (fields.get("context") or {}).items() if k != ENTRY_LINK}
        if "context" in fields:
            # The entry that logged it is another account's id now: the activity is the
            # person's own, as a manual log is.
            fields["context"] = context or None
        activity = self.new_activity(user_id, goal, fields, local, self._now())
        return replace(activity, activity_id=activity_id)

    def _readers(self, user_id: str, goal_id: str) -> tuple[DayReader, CheckpointReader]:
        """What a refold of the goal reads (progress_state.refold)."""
        return (
            lambda first: self._goals.day_aggregates(user_id, goal_id, first),
            lambda day: self._goals.checkpoint_before(user_id, goal_id, day),
        )

    def _put_progress(
        self,
        tx: Transaction,
        user_id: str,
        goal: Goal,
        progressed: Progressed,
        now: datetime,
        count_change: int,
    ) -> None:
        self._goals.put_checkpoints(tx, user_id, goal.goal_id, progressed.checkpoints)
        self.stage_goal_change(tx, user_id, goal, advanced(goal, progressed, now, count_change))

    def stage_goal_change(self, tx: Transaction, user_id: str, before: Goal, after: Goal) -> None:
        """Write the goal as `after` (the next version of `before`, conditioned on it) with its
        active slot and completion, in `tx`."""
        updated = replace(after, version=before.version + 1)
        self._goals.put_goal(tx, user_id, updated, expected_version=before.version)
        self._goals.change_active_slot(tx, user_id, before.goal_id, before, updated)
        stage_completion(tx, self._completions, user_id, before, updated)

    def new_activity(
        self,
        user_id: str,
        goal: Goal,
        fields: dict[str, Any],
        local: LocalTime,
        now: datetime,
        existing: Activity | None = None,
    ) -> Activity:
        """The activity `fields` make (a new one, or `existing` edited), or the client error
        its fields break."""

        def sent_or_kept(name: str, kept: Any) -> Any:
            """What the client sent for `name`, else what the activity had (an edit)."""
            sent = fields.get(name)
            return kept if sent is None else sent

        kind = sent_or_kept("activityType", existing and existing.activity_type) or "progress"
        problems: list[FieldError] = []
        value = sent_or_kept("value", existing and existing.value)
        if kind == "skipped":
            value = 0
        elif value is None:
            problems.append(FieldError("value", "is required unless activityType is skipped"))
        elif value < 0 and goal.goal_pattern != "target":
            problems.append(FieldError("value", "must be 0 or more"))
        at = self._activity_instant(fields.get("activityDate"), existing, local, now, problems)
        timed = self._has_time_of_day(fields.get("activityDate"), existing)
        if problems:
            raise ValidationFailed(problems)
        unit = (sent_or_kept("unit", existing and existing.unit) or "").strip()
        goal_unit = goal.target.get("unit") or ""
        if unit and unit.lower() != goal_unit.lower():
            raise errors.BusinessRuleViolation(
                f"This goal is measured in '{goal_unit}', not '{unit}'.", code="UNIT_MISMATCH"
            )
        return Activity(
            activity_id=existing.activity_id if existing else uuid7(),
            goal_id=goal.goal_id,
            user_id=user_id,
            value=value,
            unit=goal_unit,
            activity_type=kind,
            activity_date=to_iso(at),
            logged_at=existing.logged_at if existing else to_iso(now),
            timezone=local.timezone,
            location=sent_or_kept("location", existing and existing.location),
            context=sent_or_kept("context", existing and existing.context),
            note=sent_or_kept("note", existing and existing.note),
            attachments=sent_or_kept("attachments", existing and existing.attachments) or [],
            source=sent_or_kept("source", existing and existing.source) or "manual",
            local_date=local.local_date(at),
            # None: a date alone has no time of day, so it counts in no time-of-day bucket.
            local_hour=local.local_hour(at) if timed else None,
        )

    @staticmethod
    def _has_time_of_day(sent: str | None, existing: Activity | None) -> bool:
        """Whether the activity's instant was given with a time (an edit that leaves the
        date alone keeps what the activity had)."""
        if sent is None:
            return existing is None or existing.local_hour is not None
        return len(sent) != 10

    def _activity_instant(
        self,
        sent: str | None,
        existing: Activity | None,
        local: LocalTime,
        now: datetime,
        problems: list[FieldError],
    ) -> datetime:
        if sent is None:
            if existing:
                return parse_instant(existing.activity_date)
            return now
        # A date alone means the start of that local day.
        at = local.day_start(date.fromisoformat(sent)) if len(sent) == 10 else parse_instant(sent)
        if at > now + FUTURE_TOLERANCE:
            problems.append(FieldError("activityDate", "cannot be in the future"))
        if at.year < 2000:
            problems.append(FieldError("activityDate", "must be in the year 2000 or later"))
        return at

    def update_activity(
        self,
        user_id: str,
        goal_id: str,
        activity_id: str,
        request: ActivityFields,
        *,
        timezone: str | None = None,
    ) -> dict[str, Any]:
        fields = client_fields(request)
        new = run_write(
            lambda tx: self._stage_change(tx, user_id, goal_id, activity_id, fields, timezone),
            sleep=self._sleep,
        )
        assert new is not None  # noqa: S101 - an edit always has a result
        return present_activity(new)

    def delete_activity(
        self, user_id: str, goal_id: str, activity_id: str, *, timezone: str | None = None
    ) -> dict[str, str]:
        run_write(
            lambda tx: self._stage_change(tx, user_id, goal_id, activity_id, None, timezone),
            sleep=self._sleep,
        )
        return {"message": "The activity was deleted."}

    def _stage_change(
        self,
        tx: Transaction,
        user_id: str,
        goal_id: str,
        activity_id: str,
        fields: dict[str, Any] | None,
        timezone: str | None,
    ) -> Activity | None:
        """One attempt at an edit (`fields`) or a deletion (None) through the routes."""
        context, old = self._activity_context(user_id, goal_id, activity_id)
        goal = self._editable_goal(context)
        local = local_time_of(context.profile, timezone)
        return self.stage_activity_change(tx, user_id, goal, old, fields, local, self._now())

    def _activity_context(
        self, user_id: str, goal_id: str, activity_id: str
    ) -> tuple[WriteContext, Activity]:
        context = self._goals.load_for_write(user_id, goal_id, None)
        if context.goal is None:
            raise not_found()
        activity = self._goals.find_activity(user_id, goal_id, activity_id)
        if activity is None:
            raise errors.NotFound("The activity was not found.", code="ACTIVITY_NOT_FOUND")
        entry_id = owning_entry(activity)
        if entry_id:
            # Changed here, the entry would show one value and the goal count another.
            raise errors.Conflict(
                "A journal entry logged this activity: change or remove it through the entry.",
                code="ACTIVITY_OWNED_BY_JOURNAL_ENTRY",
                details={"journalEntryId": entry_id},
            )
        return context, activity

    def _editable_goal(self, context: WriteContext) -> Goal:
        assert context.goal is not None  # noqa: S101 - checked by _activity_context
        if context.goal.status == "archived":
            raise errors.BusinessRuleViolation(
                "An archived goal cannot change.", code="GOAL_NOT_ACTIVE"
            )
        return context.goal

    def _rebuild_days(
        self,
        tx: Transaction,
        user_id: str,
        goal: Goal,
        old: Activity,
        new: Activity | None,
        now: datetime,
        local: LocalTime,
        max_checkpoints: int,
    ) -> None:
        """Rebuild the day aggregates an edit or delete touches from those days' activities,
        so min, max and the latest measurement stay exact; then the goal's progress, refolded
        from the fold checkpoint before the earliest of them."""
        goal_id = goal.goal_id
        days = {old.local_date, *([new.local_date] if new else [])}
        starts = [local.day_start(day) for day in days]
        siblings = [
            a
            for a in self._goals.activities_of_days(user_id, goal_id, days, starts)
            if a.activity_id != old.activity_id
        ]
        if new is not None:
            siblings.append(new)
        rebuilt: dict[date, agg.DayAggregate] = {}
        for day in days:
            rebuilt[day] = agg.rebuild_day(day, [a for a in siblings if a.local_date == day])
            if rebuilt[day].is_empty:
                self._goals.delete_day(tx, user_id, goal_id, day)
            else:
                self._goals.put_day(tx, user_id, goal_id, rebuilt[day])
        stage_month_rollups(tx, self._goals, user_id, goal, rebuilt.values(), local.local_date(now))
        progressed, _ = refold(
            goal,
            min(days),
            lambda _: rebuilt,
            now,
            local,
            *self._readers(user_id, goal_id),
            max_checkpoints,
        )
        self._put_progress(tx, user_id, goal, progressed, now, count_change=0 if new else -1)

    def list_activities(
        self,
        user_id: str,
        goal_id: str,
        *,
        page: Page,
        start: str | None = None,
        end: str | None = None,
        types: Sequence[str] = (),
        timezone: str | None = None,
    ) -> dict[str, Any]:
        goal = self._goals.get(user_id, goal_id)
        if goal is None:
            raise not_found()
        local = stored_local_time(goal, timezone)
        problems = [
            FieldError("activityType", f"unknown type '{kind}'")
            for kind in types
            if kind not in agg.ACTIVITY_TYPES
        ]
        low = self._bound("startDate", start, local, problems, end_of_day=False)
        high = self._bound("endDate", end, local, problems, end_of_day=True)
        if problems:
            raise ValidationFailed(problems)
        if low is not None and high is not None and low > high:
            # Ends before it starts (also after clamping at the calendar's ends): nothing in
            # it, and DynamoDB would refuse the reversed BETWEEN.
            return {"activities": [], "pagination": page.describe(0)}
        items, total = self._goals.activities_page(
            user_id, goal_id, low, high, list(types), page.offset, page.limit
        )
        count = goal.activity_count if total is None else total
        return {
            "activities": [present_activity(item) for item in items],
            "pagination": page.describe(count),
        }

    @staticmethod
    def _bound(
        name: str, raw: str | None, local: LocalTime, problems: list[FieldError], end_of_day: bool
    ) -> str | None:
        if not raw:
            return None
        try:
            return instant_bound(raw, local, end_of_day)
        except ValueError:
            problems.append(FieldError(name, "must be a date or an ISO-8601 date-time"))
            return None
