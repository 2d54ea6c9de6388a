"""Goal and activity rules: what may change, when, and what each write must keep in step.

Every write reads what it needs first (the profile, the goal, an idempotency record: one
request), then commits one transaction whose goal item is conditioned on the version it read.
A write that loses a race reads again and retries, so concurrent writers never lose an update
and totals stay exact.
"""

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core import errors, retry
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction, TransactionCancelled
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.http import Page
from chalicelib.core.idempotency import (
    IdempotencyKey,
    StoredResponse,
    add_record,
    key_from,
    replay,
)
from chalicelib.core.ids import uuid7
from chalicelib.core.validation import parse
from chalicelib.goals import aggregates as agg
from chalicelib.goals import statistics
from chalicelib.goals.models import ActivityFields, GoalCreate, GoalUpdate, pattern_errors
from chalicelib.goals.periods import LocalTime, instant_bound, local_time_of
from chalicelib.goals.presenter import etag, present_activity, present_goal
from chalicelib.goals.repository import GoalRepository, WriteContext
from chalicelib.goals.tracking import (
    current_progress,
    default_target_type,
    logged_today,
    measured_value,
    period_unit,
    reaches_completion,
    recompute,
    stored_local_time,
)

STATUS_MOVES = {
    "draft": {"draft", "active", "paused"},
    "active": {"active", "paused", "completed"},
    "paused": {"paused", "active", "completed"},
    "completed": {"completed", "active"},
    "archived": {"archived", "active"},
}
SORTS: dict[str, tuple[str, bool]] = {
    "created_asc": ("createdAt", False), "created_desc": ("createdAt", True),
    "updated_asc": ("updatedAt", False), "updated_desc": ("updatedAt", True),
    "title_asc": ("title", False), "title_desc": ("title", True),
}
PROGRESS_WINDOWS = ("current", "week", "month", "quarter", "year", "all")
# An activity may be stamped a little ahead of the server's clock (clients' clocks drift).
FUTURE_TOLERANCE = timedelta(minutes=5)


def check_accepts_activities(goal: dict[str, Any]) -> None:
    if goal["status"] not in {"active", "paused"}:
        raise errors.BusinessRuleViolation(
            f"Activities cannot be logged to a {goal['status']} goal.", code="GOAL_NOT_ACTIVE")


def _not_found() -> errors.AppError:
    return errors.NotFound("The goal was not found.", code="GOAL_NOT_FOUND")


def _explain(exc: TransactionCancelled) -> errors.AppError | None:
    if "title" in exc.failed:
        return errors.Conflict("An active goal with this title already exists.",
                               code="DUPLICATE_GOAL_TITLE")
    if "quota" in exc.failed:
        return errors.BusinessRuleViolation("You can have at most 50 active goals.",
                                            code="GOAL_QUOTA_EXCEEDED")
    return None


def _target_defaults(pattern: str, target: dict[str, Any]) -> dict[str, Any]:
    target = dict(target)
    if pattern == "milestone" and target.get("startValue") is None:
        current = target.get("currentValue")
        target["startValue"] = current if current and current > 0 else 0
    target["targetType"] = target.get("targetType") or default_target_type(pattern)
    if not target.get("direction"):
        less = pattern == "limit" or (pattern == "target" and target.get("value") is not None
                                      and target.get("startValue") is not None
                                      and target["value"] < target["startValue"])
        target["direction"] = "decrease" if less else "increase"
    target["metric"] = target.get("metric") or "count"
    target["unit"] = target.get("unit") or ""
    if isinstance(target.get("targetDate"), date):
        target["targetDate"] = target["targetDate"].isoformat()
    return target


def _dump(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(by_alias=True, exclude_unset=True, mode="json")
    return dumped


class GoalService:
    def __init__(self, repository: GoalRepository, now: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._goals = repository
        self._now = now
        self._sleep = sleep

    # Reads: the goal item alone; progress is advanced to now from its stored state.

    def get(self, user_id: str, goal_id: str, timezone_header: str | None
            ) -> tuple[dict[str, Any], str]:
        goal = self._goals.get(user_id, goal_id)
        if goal is None:
            raise _not_found()
        return self._present(goal, timezone_header), etag(goal)

    def _present(self, goal: dict[str, Any], timezone_header: str | None) -> dict[str, Any]:
        local = stored_local_time(goal, timezone_header)
        return present_goal(goal, current_progress(goal, self._now(), local))

    def list_goals(self, user_id: str, statuses: list[str], patterns: list[str],
             categories: list[str], sort: str | None, page: Page,
             timezone_header: str | None) -> dict[str, Any]:
        if sort and sort not in SORTS:
            raise ValidationFailed([FieldError("sort", f"must be one of {', '.join(SORTS)}")])
        goals = self._goals.list_goals(user_id)
        wanted_categories = {category.lower() for category in categories}
        chosen = [goal for goal in goals
                  if (goal["status"] in statuses if statuses else goal["status"] != "archived")
                  and (not patterns or goal["goalPattern"] in patterns)
                  and (not wanted_categories or goal["category"].lower() in wanted_categories)]
        field, descending = SORTS[sort or "updated_desc"]
        chosen.sort(key=lambda goal: (str(goal[field]).lower(), goal["goalId"]),
                    reverse=descending)
        shown = chosen[page.offset:page.offset + page.limit]
        return {"goals": [self._present(goal, timezone_header) for goal in shown],
                "pagination": page.describe(len(chosen))}

    # Goal writes.

    def create(self, user_id: str, body: Any, idempotency_header: str | None,
               timezone_header: str | None) -> StoredResponse:
        request = parse(GoalCreate, body)
        key = key_from(idempotency_header, user_id, "POST /goals", body)
        context = self._goals.load_for_write(user_id, None, key)
        replayed = replay(key, context.idempotency_record)
        if replayed:
            return replayed
        local = local_time_of(context.profile, timezone_header)
        now = self._now()
        goal = self._new_goal(user_id, request, now, local)
        progress = current_progress(goal, now, local)
        response = StoredResponse(201, present_goal(goal, progress), f"/goals/{goal['goalId']}")
        tx = Transaction()
        self._goals.put_goal(tx, user_id, goal, expected_version=None)
        self._goals.change_active_slot(tx, user_id, goal["goalId"], None, goal)
        add_record(tx, key, response)
        return self._commit_once(tx, user_id, key) or response

    def _new_goal(self, user_id: str, request: GoalCreate, now: datetime, local: LocalTime
                  ) -> dict[str, Any]:
        fields = _dump(request)
        pattern = request.goal_pattern
        target = _target_defaults(pattern, fields["target"])
        problems = pattern_errors(pattern, target, local.local_date(now), True)
        if problems:
            raise ValidationFailed(problems)
        stamp = to_iso(now)
        goal: dict[str, Any] = {
            "goalId": uuid7(), "userId": user_id, "title": request.title,
            "description": fields.get("description"), "category": fields.get("category")
            or "general", "icon": fields.get("icon"), "color": fields.get("color"),
            "goalPattern": pattern, "status": request.status,
            "visibility": fields.get("visibility") or "private", "target": target,
            "schedule": fields.get("schedule") or {}, "context": fields.get("context") or {},
            "rewards": fields.get("rewards") or {}, "metadata": fields.get("metadata") or {},
            "isJournalLinked": bool(fields.get("isJournalLinked")),
            "initialCurrentValue": target.get("currentValue"),
            "createdAt": stamp, "updatedAt": stamp, "completedAt": None, "version": 1,
            "activityCount": 0,
        }
        return self._with_progress(goal, [], now, local)

    def _with_progress(self, goal: dict[str, Any], aggregates: list[dict[str, Any]],
                       now: datetime, local: LocalTime) -> dict[str, Any]:
        return self._with_state(goal, recompute(goal, aggregates, now, local), now, local)

    @staticmethod
    def _with_state(goal: dict[str, Any], state: dict[str, Any], now: datetime,
                    local: LocalTime) -> dict[str, Any]:
        """The goal with a new progress state, what it shows, and completion when reached."""
        goal = {**goal, "progressState": state}
        progress = current_progress(goal, now, local)
        goal["target"] = {**goal["target"], "currentValue": measured_value(goal, progress)}
        if reaches_completion(goal, progress):
            goal.update(status="completed", completedAt=to_iso(now))
        return goal

    def update(self, user_id: str, goal_id: str, body: Any, if_match: str | None,
               timezone_header: str | None) -> tuple[dict[str, Any], str]:
        request = parse(GoalUpdate, body)
        changes = _dump(request)
        for _ in retry.attempts(self._sleep):
            context = self._goals.load_for_write(user_id, goal_id, None)
            goal = context.goal
            if goal is None:
                raise _not_found()
            if if_match and if_match.strip() not in {"*", etag(goal), f"W/{etag(goal)}"}:
                raise errors.PreconditionFailed(
                    "The goal has changed since it was read.",
                    details={"currentVersion": goal["version"]})
            local = local_time_of(context.profile, timezone_header)
            changed = self._changed_goal(user_id, goal, changes, local)
            tx = Transaction()
            self._goals.put_goal(tx, user_id, changed, expected_version=goal["version"])
            self._goals.change_active_slot(tx, user_id, goal_id, goal, changed)
            try:
                self._commit(tx)
            except retry.Conflict:
                if if_match:
                    raise errors.PreconditionFailed("The goal has changed since it was read."
                                                    ) from None
                continue
            return self._present(changed, timezone_header), etag(changed)
        raise retry.exhausted()

    def _changed_goal(self, user_id: str, goal: dict[str, Any], changes: dict[str, Any],
                      local: LocalTime) -> dict[str, Any]:
        now = self._now()
        if changes.get("goalPattern") not in (None, goal["goalPattern"]):
            raise ValidationFailed([FieldError("goalPattern", "cannot change")])
        status = changes.get("status") or goal["status"]
        if status not in STATUS_MOVES[goal["status"]]:
            raise errors.BusinessRuleViolation(
                f"A {goal['status']} goal cannot become {status}.",
                code="INVALID_STATUS_TRANSITION")
        changed = {**goal, "updatedAt": to_iso(now), "version": goal["version"] + 1,
                   "status": status}
        for name in ("title", "description", "category", "icon", "color", "visibility",
                     "metadata", "isJournalLinked"):
            if name in changes:
                changed[name] = changes[name]
        for name in ("schedule", "context", "rewards"):
            if name in changes:
                changed[name] = {**(goal.get(name) or {}), **(changes[name] or {})}
        changed["category"] = changed.get("category") or "general"
        if status == "completed" and goal["status"] != "completed":
            changed["completedAt"] = to_iso(now)
        elif status != "completed":
            changed["completedAt"] = None
        target_changes = changes.get("target") or {}
        if target_changes:
            merged = _target_defaults(goal["goalPattern"], {**goal["target"], **target_changes})
            problems = pattern_errors(goal["goalPattern"], merged, local.local_date(now),
                                      "targetDate" in target_changes)
            if problems:
                raise ValidationFailed(problems)
            changed["target"] = merged
        if target_changes or "schedule" in changes:
            aggregates = self._goals.day_aggregates(user_id, goal["goalId"])
            changed = self._with_progress(changed, aggregates, now, local)
            if "status" in changes and changed["status"] != status:
                # The client chose the status (a reopen, say): keep it.
                changed.update(status=status, completedAt=goal.get("completedAt")
                               if status == "completed" else None)
        return changed

    def archive(self, user_id: str, goal_id: str) -> dict[str, str]:
        for _ in retry.attempts(self._sleep):
            goal = self._goals.get(user_id, goal_id)
            if goal is None:
                raise _not_found()
            if goal["status"] == "archived":
                return {"message": "The goal is archived."}
            archived = {**goal, "status": "archived", "updatedAt": to_iso(self._now()),
                        "version": goal["version"] + 1}
            tx = Transaction()
            self._goals.put_goal(tx, user_id, archived, expected_version=goal["version"])
            self._goals.change_active_slot(tx, user_id, goal_id, goal, archived)
            try:
                self._commit(tx)
            except retry.Conflict:
                continue
            return {"message": "The goal is archived."}
        raise retry.exhausted()

    # Activity writes.

    def log_activity(self, user_id: str, goal_id: str, body: Any,
                     idempotency_header: str | None, timezone_header: str | None
                     ) -> StoredResponse:
        fields = _dump(parse(ActivityFields, body))
        key = key_from(idempotency_header, user_id, f"POST /goals/{goal_id}/activities", body)
        for _ in retry.attempts(self._sleep):
            context = self._goals.load_for_write(user_id, goal_id, key)
            replayed = replay(key, context.idempotency_record)
            if replayed:
                return replayed
            goal = self._writable_goal(context)
            local = local_time_of(context.profile, timezone_header)
            tx = Transaction()
            activity = self.stage_logged_activity(tx, user_id, goal, fields, local, self._now())
            response = StoredResponse(201, present_activity(activity),
                                      f"/goals/{goal_id}/activities/{activity['activityId']}")
            add_record(tx, key, response)
            try:
                return self._commit_once(tx, user_id, key) or response
            except retry.Conflict:
                continue
        raise retry.exhausted()

    def _writable_goal(self, context: WriteContext) -> dict[str, Any]:
        if context.goal is None:
            raise _not_found()
        check_accepts_activities(context.goal)
        return context.goal

    def stage_logged_activity(self, tx: Transaction, user_id: str, goal: dict[str, Any],
                              fields: dict[str, Any], local: LocalTime, now: datetime
                              ) -> dict[str, Any]:
        """Add a new activity, its day aggregate and the goal's progress to `tx` (which the
        caller commits). Reads the goal's day aggregates only when the activity is not dated
        today (then the stored state cannot simply be advanced)."""
        activity = self._new_activity(user_id, goal, fields, local, now)
        quick = logged_today(goal, activity, now, local)
        if quick is not None:
            state, updated_day = quick
        else:
            aggregates = self._goals.day_aggregates(user_id, goal["goalId"])
            day = activity["localDate"]
            existing = next((a for a in aggregates if a["day"] == day), None)
            updated_day = agg.add_activity(existing or agg.empty_day(date.fromisoformat(day)),
                                           activity, activity["localHour"])
            others = [a for a in aggregates if a["day"] != day]
            state = recompute(goal, [*others, updated_day], now, local)
        self._goals.put_activity(tx, user_id, activity)
        self._goals.put_day(tx, user_id, goal["goalId"], updated_day)
        self._put_progress(tx, user_id, goal, state, now, local, count_change=1)
        return activity

    def stage_activity_change(self, tx: Transaction, user_id: str, goal: dict[str, Any],
                              old: dict[str, Any], fields: dict[str, Any] | None,
                              local: LocalTime, now: datetime) -> dict[str, Any] | None:
        """Add an edit (`fields`) or a deletion (None) of an activity, the rebuilt days and
        the goal's progress to `tx`. The changed activity, or None when deleted."""
        new = None if fields is None else self._new_activity(user_id, goal, fields, local, now,
                                                             existing=old)
        if new is None or new["activityDate"] != old["activityDate"]:
            self._goals.delete_activity(tx, user_id, old)
        if new is not None:
            self._goals.put_activity(tx, user_id, new)
        self._rebuild_days(tx, user_id, goal, old, new, now, local)
        return new

    def _put_progress(self, tx: Transaction, user_id: str, goal: dict[str, Any],
                      state: dict[str, Any], now: datetime, local: LocalTime,
                      count_change: int) -> None:
        updated = self._with_state(goal, state, now, local)
        updated.update(version=goal["version"] + 1, updatedAt=to_iso(now),
                       activityCount=int(goal.get("activityCount", 0)) + count_change)
        self._goals.put_goal(tx, user_id, updated, expected_version=goal["version"])
        self._goals.change_active_slot(tx, user_id, goal["goalId"], goal, updated)

    def _new_activity(self, user_id: str, goal: dict[str, Any], fields: dict[str, Any],
                      local: LocalTime, now: datetime,
                      existing: dict[str, Any] | None = None) -> dict[str, Any]:
        merged = {**(existing or {}), **{k: v for k, v in fields.items() if v is not None}}
        kind = merged.get("activityType") or "progress"
        problems: list[FieldError] = []
        value = merged.get("value")
        if kind == "skipped":
            value = 0
        elif value is None:
            problems.append(FieldError("value", "is required unless activityType is skipped"))
        elif value < 0 and goal["goalPattern"] != "target":
            problems.append(FieldError("value", "must be 0 or more"))
        at = self._activity_instant(fields.get("activityDate"), existing, local, now, problems)
        if problems:
            raise ValidationFailed(problems)
        unit = (merged.get("unit") or "").strip()
        goal_unit = goal["target"].get("unit") or ""
        if unit and unit.lower() != goal_unit.lower():
            raise errors.BusinessRuleViolation(
                f"This goal is measured in '{goal_unit}', not '{unit}'.", code="UNIT_MISMATCH")
        stamp = to_iso(at)
        return {
            "activityId": (existing or {}).get("activityId") or uuid7(),
            "goalId": goal["goalId"], "userId": user_id, "value": value, "unit": goal_unit,
            "activityType": kind, "activityDate": stamp,
            "loggedAt": (existing or {}).get("loggedAt") or to_iso(now),
            "timezone": local.timezone, "location": merged.get("location"),
            "context": merged.get("context"), "note": merged.get("note"),
            "attachments": merged.get("attachments") or [],
            "source": merged.get("source") or "manual",
            "localDate": local.local_date(at).isoformat(), "localHour": local.local_hour(at),
        }

    def _activity_instant(self, sent: str | None, existing: dict[str, Any] | None,
                          local: LocalTime, now: datetime, problems: list[FieldError]
                          ) -> datetime:
        if sent is None:
            if existing:
                return datetime.fromisoformat(existing["activityDate"].replace("Z", "+00:00"))
            return now
        if len(sent) == 10:  # a date: the start of that local day
            at = local.day_start(date.fromisoformat(sent))
        else:
            at = datetime.fromisoformat(sent.replace("Z", "+00:00"))
        if at > now + FUTURE_TOLERANCE:
            problems.append(FieldError("activityDate", "cannot be in the future"))
        if at.year < 2000:
            problems.append(FieldError("activityDate", "must be in the year 2000 or later"))
        return at

    def update_activity(self, user_id: str, goal_id: str, activity_id: str, body: Any,
                        timezone_header: str | None) -> dict[str, Any]:
        fields = _dump(parse(ActivityFields, body))
        for _ in retry.attempts(self._sleep):
            context, old = self._activity_context(user_id, goal_id, activity_id)
            goal = self._editable_goal(context)
            local = local_time_of(context.profile, timezone_header)
            tx = Transaction()
            new = self.stage_activity_change(tx, user_id, goal, old, fields, local, self._now())
            try:
                self._commit(tx)
            except retry.Conflict:
                continue
            assert new is not None  # noqa: S101 - an edit always has a result
            return present_activity(new)
        raise retry.exhausted()

    def delete_activity(self, user_id: str, goal_id: str, activity_id: str,
                        timezone_header: str | None) -> dict[str, str]:
        for _ in retry.attempts(self._sleep):
            context, old = self._activity_context(user_id, goal_id, activity_id)
            goal = self._editable_goal(context)
            local = local_time_of(context.profile, timezone_header)
            tx = Transaction()
            self.stage_activity_change(tx, user_id, goal, old, None, local, self._now())
            try:
                self._commit(tx)
            except retry.Conflict:
                continue
            return {"message": "The activity was deleted."}
        raise retry.exhausted()

    def _activity_context(self, user_id: str, goal_id: str, activity_id: str
                          ) -> tuple[WriteContext, dict[str, Any]]:
        context = self._goals.load_for_write(user_id, goal_id, None)
        if context.goal is None:
            raise _not_found()
        activity = self._goals.find_activity(user_id, goal_id, activity_id)
        if activity is None:
            raise errors.NotFound("The activity was not found.", code="ACTIVITY_NOT_FOUND")
        return context, activity

    def _editable_goal(self, context: WriteContext) -> dict[str, Any]:
        assert context.goal is not None  # noqa: S101 - checked by _activity_context
        if context.goal["status"] == "archived":
            raise errors.BusinessRuleViolation("An archived goal cannot change.",
                                               code="GOAL_NOT_ACTIVE")
        return context.goal

    def _rebuild_days(self, tx: Transaction, user_id: str, goal: dict[str, Any],
                      old: dict[str, Any], new: dict[str, Any] | None, now: datetime,
                      local: LocalTime) -> None:
        """Rebuild the day aggregates an edit or delete touches from those days' activities,
        so min, max and the latest measurement stay exact; then the goal's progress."""
        goal_id = goal["goalId"]
        days = {old["localDate"], *([new["localDate"]] if new else [])}
        starts = [local.day_start(date.fromisoformat(day)) for day in days]
        siblings = [a for a in self._goals.activities_of_days(user_id, goal_id, days, starts)
                    if a["activityId"] != old["activityId"]]
        if new is not None:
            siblings.append(new)
        rebuilt = {}
        for day in days:
            on_day = [(a, int(a["localHour"])) for a in siblings if a["localDate"] == day]
            rebuilt[day] = agg.rebuild_day(date.fromisoformat(day), on_day)
            if agg.is_empty(rebuilt[day]):
                self._goals.delete_day(tx, user_id, goal_id, day)
            else:
                self._goals.put_day(tx, user_id, goal_id, rebuilt[day])
        aggregates = [a for a in self._goals.day_aggregates(user_id, goal_id)
                      if a["day"] not in days]
        aggregates += [a for a in rebuilt.values() if not agg.is_empty(a)]
        self._put_progress(tx, user_id, goal, recompute(goal, aggregates, now, local), now, local,
                           count_change=0 if new else -1)

    def list_activities(self, user_id: str, goal_id: str, start: str | None, end: str | None,
                        types: list[str], page: Page, timezone_header: str | None
                        ) -> dict[str, Any]:
        goal = self._goals.get(user_id, goal_id)
        if goal is None:
            raise _not_found()
        local = stored_local_time(goal, timezone_header)
        problems = [FieldError("activityType", f"unknown type '{kind}'") for kind in types
                    if kind not in agg.ACTIVITY_TYPES]
        low = self._bound("startDate", start, local, problems, end_of_day=False)
        high = self._bound("endDate", end, local, problems, end_of_day=True)
        if problems:
            raise ValidationFailed(problems)
        items, total = self._goals.activities_page(user_id, goal_id, low, high, types,
                                                   page.offset, page.limit)
        count = int(goal.get("activityCount", 0)) if total is None else total
        return {"activities": [present_activity(item) for item in items],
                "pagination": page.describe(count)}

    @staticmethod
    def _bound(name: str, raw: str | None, local: LocalTime, problems: list[FieldError],
               end_of_day: bool) -> str | None:
        if not raw:
            return None
        try:
            return instant_bound(raw, local, end_of_day)
        except ValueError:
            problems.append(FieldError(name, "must be a date or an ISO-8601 date-time"))
            return None

    def progress_report(self, user_id: str, goal_id: str, period: str | None,
                        timezone_header: str | None) -> dict[str, Any]:
        window = period or "current"
        if window not in PROGRESS_WINDOWS:
            raise ValidationFailed([FieldError("period", "must be one of "
                                               + ", ".join(PROGRESS_WINDOWS))])
        goal = self._goals.get(user_id, goal_id)
        if goal is None:
            raise _not_found()
        local = stored_local_time(goal, timezone_header)
        now = self._now()
        progress = current_progress(goal, now, local)
        unit = period_unit(goal)
        first_day = date.fromisoformat(goal["progressState"]["firstDay"])
        start, end = statistics.window(window, local.local_date(now), first_day, unit)
        aggregates = self._goals.day_aggregates(user_id, goal_id, start, end)
        expected = statistics.expected_days(goal.get("schedule") or {}, unit, start, end)
        stats = statistics.statistics(aggregates, expected)
        return {"goalId": goal_id, "period": window, "progress": progress,
                "statistics": stats,
                "insights": statistics.insights(aggregates, stats, progress,
                                                goal["goalPattern"])}

    # Committing.

    def _commit(self, tx: Transaction) -> None:
        try:
            tx.commit()
        except TransactionCancelled as exc:
            explained = _explain(exc)
            if explained:
                raise explained from exc
            raise retry.Conflict() from exc

    def _commit_once(self, tx: Transaction, user_id: str, key: IdempotencyKey | None
                     ) -> StoredResponse | None:
        """Commit; if a concurrent request with the same idempotency key won, its response."""
        try:
            self._commit(tx)
        except retry.Conflict as conflict:
            cancelled = conflict.__cause__
            if isinstance(cancelled, TransactionCancelled) and "idempotency" in cancelled.failed:
                record = self._goals.load_for_write(user_id, None, key).idempotency_record
                replayed = replay(key, record)
                if replayed:
                    return replayed
            raise
        return None

