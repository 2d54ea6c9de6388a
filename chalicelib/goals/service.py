"""Goal rules: creating, reading, changing and archiving goals, and the progress report.

Every write is a unit of work (core/unit_of_work.py): it reads the goal, then commits one
transaction conditioned on the version it read, together with the active-goal counter and
title locks that enforce the quota and unique active titles. A write that loses a race reads
again and retries.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from chalicelib.core import errors, metrics
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.http import Page, check_if_match, refuse_if_matched
from chalicelib.core.idempotency import Created, IdempotencyKey, add_record, replay
from chalicelib.core.ids import uuid7
from chalicelib.core.local_time import LocalTime, local_time_of
from chalicelib.core.logging import logger
from chalicelib.core.unit_of_work import run_write
from chalicelib.core.validation import dump
from chalicelib.goals import pausing, reminders, rollups, statistics
from chalicelib.goals.aggregates import DayAggregate
from chalicelib.goals.completions import CompletionLog, stage_completion, with_progress
from chalicelib.goals.due import due_state
from chalicelib.goals.entities import Goal
from chalicelib.goals.models import GoalCreate, GoalUpdate, pattern_errors
from chalicelib.goals.pauses import vacations_of
from chalicelib.goals.presenter import present_goal
from chalicelib.goals.progress_state import (
    current_progress,
    default_target_type,
    period_unit,
    recompute,
    stored_local_time,
    stored_state,
    unavailable_progress,
)
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.rules import not_found

STATUS_MOVES = {
    "draft": {"draft", "active", "paused"},
    "active": {"active", "paused", "completed"},
    "paused": {"paused", "active", "completed"},
    "completed": {"completed", "active"},
    "archived": {"archived", "active"},
}
SORTS: dict[str, tuple[str, bool]] = {
    "created_asc": ("created_at", False),
    "created_desc": ("created_at", True),
    "updated_asc": ("updated_at", False),
    "updated_desc": ("updated_at", True),
    "title_asc": ("title", False),
    "title_desc": ("title", True),
}
PROGRESS_WINDOWS = ("current", "week", "month", "quarter", "year", "all")
CHANGED = "The goal has changed since it was read."


def _target_defaults(pattern: str, target: dict[str, Any]) -> dict[str, Any]:
    target = dict(target)
    if pattern == "milestone" and target.get("startValue") is None:
        current = target.get("currentValue")
        target["startValue"] = current if current and current > 0 else 0
    target["targetType"] = target.get("targetType") or default_target_type(pattern)
    if not target.get("direction"):
        less = pattern == "limit" or (
            pattern == "target"
            and target.get("value") is not None
            and target.get("startValue") is not None
            and target["value"] < target["startValue"]
        )
        target["direction"] = "decrease" if less else "increase"
    target["metric"] = target.get("metric") or "count"
    target["unit"] = target.get("unit") or ""
    if isinstance(target.get("targetDate"), date):
        target["targetDate"] = target["targetDate"].isoformat()
    return target


def vacation_copies(profile: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The profile's vacations, as a goal keeps a copy of them."""
    return [dict(item) for item in (profile or {}).get("vacations") or []]


def _checked_status(goal: Goal, changes: dict[str, Any]) -> str:
    """The status the goal will have; a pattern change or a move the goal's status does not
    allow is refused."""
    if changes.get("goalPattern") not in (None, goal.goal_pattern):
        raise ValidationFailed([FieldError("goalPattern", "cannot change")])
    status: str = changes.get("status") or goal.status
    if status not in STATUS_MOVES[goal.status]:
        raise errors.BusinessRuleViolation(
            f"A {goal.status} goal cannot become {status}.", code="INVALID_STATUS_TRANSITION"
        )
    return status


# Wire name -> Goal attribute, of the fields an update replaces whole.
_REPLACED_FIELDS = {
    "title": "title",
    "description": "description",
    "category": "category",
    "icon": "icon",
    "color": "color",
    "visibility": "visibility",
    "metadata": "metadata",
    "isJournalLinked": "is_journal_linked",
    "reminder": "reminder",
}
# Objects a client changes key by key: an update merges into what is stored.
_MERGED_FIELDS = ("schedule", "context", "rewards")


def _with_field_changes(goal: Goal, changes: dict[str, Any], status: str, now: datetime) -> Goal:
    """The goal's next version with the plain fields, `status` and `completedAt` changed."""
    updates: dict[str, Any] = {
        attribute: changes[name] for name, attribute in _REPLACED_FIELDS.items() if name in changes
    }
    for name in _MERGED_FIELDS:
        if name in changes:
            updates[name] = {**(getattr(goal, name) or {}), **(changes[name] or {})}
    updates["category"] = updates.get("category", goal.category) or "general"
    if status == "completed" and goal.status != "completed":
        updates["completed_at"] = to_iso(now)
    elif status != "completed":
        updates["completed_at"] = None
    return replace(goal, **updates, updated_at=to_iso(now), version=goal.version + 1, status=status)


def _checked_target(goal: Goal, target_changes: dict[str, Any], today: date) -> dict[str, Any]:
    """The stored target with `target_changes` merged in, checked against the pattern."""
    merged = _target_defaults(goal.goal_pattern, {**goal.target, **target_changes})
    problems = pattern_errors(goal.goal_pattern, merged, today, "targetDate" in target_changes)
    if problems:
        raise ValidationFailed(problems)
    return merged


class GoalService:
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

    # Reads: the goal item alone; progress is advanced to now from its stored state.

    def get(self, user_id: str, goal_id: str, *, timezone: str | None = None) -> dict[str, Any]:
        goal = self._goals.get(user_id, goal_id)
        if goal is None:
            raise not_found()
        return self._present(goal, timezone)

    def present(self, goal: Goal, timezone: str | None) -> dict[str, Any]:
        """A goal as GET /goals/{id} shows it (GET /sync shows goals so too)."""
        return self._present(goal, timezone)

    def _present(self, goal: Goal, timezone_header: str | None) -> dict[str, Any]:
        return self._shown(goal, self._now(), stored_local_time(goal, timezone_header))

    def _shown(self, goal: Goal, now: datetime, local: LocalTime) -> dict[str, Any]:
        """The goal on the wire with its progress and what is due, as of `now`. Reads need
        no profile, so user-wide vacations count where a write or the reminder job (which
        read it) decides; a goal's own pauses always count."""
        progress = current_progress(goal, now, local)
        return present_goal(goal, progress, due_state(goal, progress, now, local).to_wire(local))

    def list_goals(
        self,
        user_id: str,
        *,
        page: Page,
        statuses: Sequence[str] = (),
        patterns: Sequence[str] = (),
        categories: Sequence[str] = (),
        sort: str | None = None,
        timezone: str | None = None,
        due: str | None = None,
    ) -> dict[str, Any]:
        if sort and sort not in SORTS:
            raise ValidationFailed([FieldError("sort", f"must be one of {', '.join(SORTS)}")])
        if due not in (None, "today"):
            raise ValidationFailed([FieldError("due", "must be today")])
        goals = self._goals.list_goals(user_id)
        wanted_categories = {category.lower() for category in categories}
        chosen = [
            goal
            for goal in goals
            if (goal.status in statuses if statuses else goal.status != "archived")
            and (not patterns or goal.goal_pattern in patterns)
            and (not wanted_categories or goal.category.lower() in wanted_categories)
        ]
        field, descending = SORTS[sort or "updated_desc"]
        chosen.sort(
            key=lambda goal: (str(getattr(goal, field)).lower(), goal.goal_id), reverse=descending
        )
        if due is None:
            page_goals = chosen[page.offset : page.offset + page.limit]
            listed = [self._listed(goal, timezone) for goal in page_goals]
            return {"goals": listed, "pagination": page.describe(len(chosen))}
        # What is still due today: every goal of the one Query is computed, then paged.
        still_due = [item for goal in chosen if (item := self._listed(goal, timezone))["dueToday"]]
        return {
            "goals": still_due[page.offset : page.offset + page.limit],
            "pagination": page.describe(len(still_due)),
        }

    def _listed(self, goal: Goal, timezone_header: str | None) -> dict[str, Any]:
        """One goal of a list. No stored state should make its progress fail; should a bug
        prove otherwise, the error is logged with its trace and that goal shows no progress,
        so one goal never takes the whole list down. A client error (a bad X-Timezone) is
        the request's, not the goal's, and still answers."""
        try:
            return self._present(goal, timezone_header)
        except errors.AppError:
            raise
        except Exception:
            logger.exception("goal progress failed", extra={"goalId": goal.goal_id})
            return present_goal(goal, unavailable_progress())

    # Goal writes.

    def create(
        self,
        user_id: str,
        request: GoalCreate,
        *,
        idempotency: IdempotencyKey | None = None,
        timezone: str | None = None,
    ) -> Created:
        def attempt(tx: Transaction) -> Created:
            context = self._goals.load_for_write(user_id, None, idempotency)
            replayed = replay(idempotency, context.idempotency_record)
            if replayed:
                return replayed  # a concurrent twin's response, once it won
            local = local_time_of(context.profile, timezone)
            now = self._now()
            goal = self._new_goal(user_id, request, now, local, vacation_copies(context.profile))
            goal, index = reminders.armed(goal, local, now, vacations_of(context.profile))
            response = Created(self._shown(goal, now, local), f"/goals/{goal.goal_id}")
            self._stage(tx.emits(metrics.GOAL_CREATED), user_id, None, goal)
            reminders.stage_rearm(tx, None, goal, index)
            add_record(tx, idempotency, response)
            return response

        return run_write(attempt, sleep=self._sleep)

    def stage_import(
        self,
        tx: Transaction,
        user_id: str,
        request: GoalCreate,
        *,
        goal_id: str,
        created_at: str | None,
        status: str,
        local: LocalTime,
        vacations: list[dict[str, Any]],
        pauses: list[dict[str, Any]] | None = None,
    ) -> Goal:
        """An imported goal (account/imports/writer.py) made as `create` makes one, with the
        id, start, pauses and final status its file gave, the person's vacations, and its
        reminder armed. Its target date may lie in the past: the goal was made before. Its
        activities and progress are written after it."""
        now = self._now()
        goal = self._new_goal(
            user_id,
            request,
            now,
            local,
            vacations,
            goal_id=goal_id,
            created_at=created_at,
            imported=True,
        )
        goal = replace(
            goal,
            status=status,
            completed_at=to_iso(now) if status == "completed" else None,
            pauses=list(pauses or []),
        )
        goal, index = reminders.armed(goal, local, now)  # its copy of the vacations counts
        self._stage(tx, user_id, None, goal)
        reminders.stage_rearm(tx, None, goal, index)
        return goal

    def _new_goal(
        self,
        user_id: str,
        request: GoalCreate,
        now: datetime,
        local: LocalTime,
        vacations: list[dict[str, Any]],
        *,
        goal_id: str | None = None,
        created_at: str | None = None,
        imported: bool = False,
    ) -> Goal:
        fields = dump(request)
        pattern = request.goal_pattern
        target = _target_defaults(pattern, fields["target"])
        problems = pattern_errors(pattern, target, local.local_date(now), not imported)
        if problems:
            raise ValidationFailed(problems)
        stamp = to_iso(now)
        goal = Goal(
            goal_id=goal_id or uuid7(),
            user_id=user_id,
            title=request.title,
            description=fields.get("description"),
            category=fields.get("category") or "general",
            icon=fields.get("icon"),
            color=fields.get("color"),
            goal_pattern=pattern,
            status=request.status,
            visibility=fields.get("visibility") or "private",
            target=target,
            schedule=fields.get("schedule") or {},
            context=fields.get("context") or {},
            rewards=fields.get("rewards") or {},
            metadata=fields.get("metadata") or {},
            is_journal_linked=bool(fields.get("isJournalLinked")),
            initial_current_value=target.get("currentValue"),
            created_at=created_at or stamp,
            updated_at=stamp,
            completed_at=None,
            version=1,
            activity_count=0,
            vacations=vacations,
            reminder=fields.get("reminder"),
        )
        return self._with_progress(goal, [], now, local)

    def _with_progress(
        self, goal: Goal, aggregates: list[DayAggregate], now: datetime, local: LocalTime
    ) -> Goal:
        return with_progress(goal, recompute(goal, aggregates, now, local), now)

    def update(
        self,
        user_id: str,
        goal_id: str,
        request: GoalUpdate,
        *,
        if_match: str | None = None,
        timezone: str | None = None,
    ) -> dict[str, Any]:
        changes = dump(request)

        def attempt(tx: Transaction) -> Goal:
            context = self._goals.load_for_write(user_id, goal_id, None)
            goal = context.goal
            if goal is None:
                raise not_found()
            check_if_match(
                if_match, goal.version, CHANGED, details={"currentVersion": goal.version}
            )
            local = local_time_of(context.profile, timezone)
            vacations = vacation_copies(context.profile)
            changed = self._changed_goal(user_id, goal, changes, local, vacations)
            changed, index = reminders.armed(
                changed, local, self._now(), vacations_of(context.profile)
            )
            self._stage(tx, user_id, goal, changed)
            reminders.stage_rearm(tx, goal, changed, index)
            return changed

        changed = run_write(
            attempt, sleep=self._sleep, on_lost_race=refuse_if_matched(if_match, CHANGED)
        )
        return self._present(changed, timezone)

    def _changed_goal(
        self,
        user_id: str,
        goal: Goal,
        changes: dict[str, Any],
        local: LocalTime,
        vacations: list[dict[str, Any]],
    ) -> Goal:
        now = self._now()
        status = _checked_status(goal, changes)
        changed = _with_field_changes(goal, changes, status, now)
        changed = replace(
            changed,
            pauses=pausing.pauses_for_status(goal, status, local.local_date(now)),
            vacations=vacations,  # a goal that was not active may have missed a vacation
        )
        target_changes = changes.get("target") or {}
        if target_changes:
            changed = replace(
                changed, target=_checked_target(goal, target_changes, local.local_date(now))
            )
        if target_changes or "schedule" in changes or vacations != goal.vacations:
            changed = self._with_new_rules(
                user_id,
                goal,
                changed,
                now,
                local,
                client_status=status if "status" in changes else None,
            )
        return changed

    def _with_new_rules(
        self,
        user_id: str,
        goal: Goal,
        changed: Goal,
        now: datetime,
        local: LocalTime,
        *,
        client_status: str | None,
    ) -> Goal:
        """`changed` with its progress recomputed from every day, since its target or
        schedule changed."""
        aggregates = self._goals.day_aggregates(user_id, goal.goal_id)
        changed = self._with_progress(changed, aggregates, now, local)
        if client_status is not None and changed.status != client_status:
            # The client chose the status (a reopen, say): keep it.
            changed = replace(
                changed,
                status=client_status,
                completed_at=goal.completed_at if client_status == "completed" else None,
            )
        return changed

    def _stage(self, tx: Transaction, user_id: str, before: Goal | None, after: Goal) -> None:
        """Replace `before` (None: a new goal) with `after`, and the quota, title and
        completion records with it, conditioned on the version read."""
        expected = None if before is None else before.version
        self._goals.put_goal(tx, user_id, after, expected_version=expected)
        opened = rollups.stored_open_day(after)
        if before is not None and opened is not None:
            # A recomputation moves the open day (goals/rollups.py keeps rollups behind it).
            rollups.stage_reopened_months(tx, self._goals, user_id, before, opened)
        self._goals.change_active_slot(tx, user_id, after.goal_id, before, after)
        stage_completion(tx, self._completions, user_id, before, after)

    def change_pauses(
        self,
        user_id: str,
        goal_id: str,
        change: "pausing.PauseChange",
        *,
        timezone: str | None = None,
    ) -> dict[str, Any]:
        """Pause, resume or cancel a pause (goals/pausing.py decides the new pauses and status),
        and recompute the goal's progress from every day in the same write: a pause may reach
        back into days already counted."""

        def attempt(tx: Transaction) -> Goal:
            context = self._goals.load_for_write(user_id, goal_id, None)
            goal = context.goal
            if goal is None:
                raise not_found()
            local = local_time_of(context.profile, timezone)
            now = self._now()
            pauses, status = change(goal, local.local_date(now), stored_state(goal).first_day)
            vacations = vacation_copies(context.profile)
            if (pauses, status, vacations) == (goal.pauses, goal.status, goal.vacations):
                return goal  # nothing to change (a second resume): nothing is written
            changed = replace(
                goal,
                pauses=pauses,
                status=status,
                vacations=vacations,
                updated_at=to_iso(now),
                version=goal.version + 1,
            )
            aggregates = self._goals.day_aggregates(user_id, goal_id)
            changed = self._with_progress(changed, aggregates, now, local)
            self._stage(tx, user_id, goal, changed)
            return changed

        return self._present(run_write(attempt, sleep=self._sleep), timezone)

    def stage_vacations(
        self,
        tx: Transaction,
        user_id: str,
        vacations: list[dict[str, Any]],
        local: LocalTime,
        *,
        recompute: bool,
    ) -> None:
        """Copy the person's new `vacations` onto every active goal in `tx` (at most
        MAX_ACTIVE_GOALS items), recomputing their progress when a changed vacation reaches
        back into days already counted."""
        now = self._now()
        for goal in self._goals.list_goals(user_id):
            if not goal.is_active or goal.vacations == vacations:
                continue
            changed = replace(
                goal, vacations=vacations, updated_at=to_iso(now), version=goal.version + 1
            )
            if recompute:
                aggregates = self._goals.day_aggregates(user_id, goal.goal_id)
                changed = self._with_progress(changed, aggregates, now, local)
            self._stage(tx, user_id, goal, changed)

    def archive(self, user_id: str, goal_id: str) -> dict[str, str]:
        def attempt(tx: Transaction) -> None:
            goal = self._goals.get(user_id, goal_id)
            if goal is None:
                raise not_found()
            if goal.status != "archived":
                archived = replace(
                    goal,
                    status="archived",
                    updated_at=to_iso(self._now()),
                    version=goal.version + 1,
                    reminder_at=None,
                )
                self._stage(tx, user_id, goal, archived)
                reminders.stage_rearm(tx, goal, archived, None)

        run_write(attempt, sleep=self._sleep)
        return {"message": "The goal is archived."}

    def progress_report(
        self, user_id: str, goal_id: str, *, period: str | None = None, timezone: str | None = None
    ) -> dict[str, Any]:
        window = period or "current"
        if window not in PROGRESS_WINDOWS:
            raise ValidationFailed(
                [FieldError("period", "must be one of " + ", ".join(PROGRESS_WINDOWS))]
            )
        goal = self._goals.get(user_id, goal_id)
        if goal is None:
            raise not_found()
        local = stored_local_time(goal, timezone)
        now = self._now()
        progress = current_progress(goal, now, local)
        unit = period_unit(goal)
        state = stored_state(goal)
        start, end = statistics.window(window, local.local_date(now), state.first_day, unit)
        summary = rollups.window_summary(
            self._goals,
            user_id,
            goal_id,
            start,
            end,
            first_day=state.first_day,
            open_day=state.open_day,
        )
        expected = statistics.expected_days(goal.schedule, unit, start, end)
        stats = statistics.statistics(summary, expected)
        return {
            "goalId": goal_id,
            "period": window,
            "progress": progress,
            "statistics": stats,
            "insights": statistics.insights(summary, stats, progress, goal.goal_pattern),
        }
