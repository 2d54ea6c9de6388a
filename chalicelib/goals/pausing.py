"""What pausing, resuming and cancelling a pause do to a goal's pauses and status (the routes of
docs/api.md, "Pauses"). `GoalService.change_pauses` runs a change in one write and recomputes
the goal's progress with it.

A goal's `status` is `paused` while an open-ended pause holds it (one without `until` that has
begun); a dated pause, or one that begins later, leaves the status alone: progress honours it
on its days either way (goals/pauses.py)."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from chalicelib.core import errors
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.goals.entities import Goal
from chalicelib.goals.models import PauseFields
from chalicelib.goals.pauses import MAX_RANGE_DAYS, added_range, open_pause, resumed, without

# (goal, today, the goal's first day) -> (its pauses, its status)
PauseChange = Callable[[Goal, date, date], tuple[list[dict[str, Any]], str]]
PAUSABLE = {"active", "paused"}


def _pausable(goal: Goal) -> None:
    if goal.status not in PAUSABLE:
        raise errors.BusinessRuleViolation(
            f"A {goal.status} goal cannot be paused.", code="INVALID_STATUS_TRANSITION"
        )


def pause(fields: PauseFields) -> PauseChange:
    def change(goal: Goal, today: date, first_day: date) -> tuple[list[dict[str, Any]], str]:
        _pausable(goal)
        start = fields.start or today
        if start > today + timedelta(days=MAX_RANGE_DAYS):
            raise ValidationFailed(
                [FieldError("from", f"must be at most {MAX_RANGE_DAYS} days ahead")]
            )
        pauses = added_range(goal.pauses, start, fields.until, fields.reason, earliest=first_day)
        holds_now = fields.until is None and start <= today
        return pauses, "paused" if holds_now else goal.status

    return change


def resume(goal: Goal, today: date, first_day: date) -> tuple[list[dict[str, Any]], str]:
    """End the open pause: today counts again (docs/progress-rules.md). A goal that is not
    paused stays as it is: resuming twice is resuming once."""
    return resumed(goal.pauses, today), "active" if goal.status == "paused" else goal.status


def cancel(start: str) -> PauseChange:
    """Delete the pause that begins on `start` (planned or past: its days count again)."""

    def change(goal: Goal, today: date, first_day: date) -> tuple[list[dict[str, Any]], str]:
        kept = without(goal.pauses, start)
        if kept is None:
            raise errors.NotFound("The pause was not found.", code="PAUSE_NOT_FOUND")
        reopened = goal.status == "paused" and open_pause(kept) is None
        return kept, "active" if reopened else goal.status

    return change


def pauses_for_status(goal: Goal, status: str, today: date) -> list[dict[str, Any]]:
    """The pauses after `PUT /goals/{id}` moves the status: to `paused` opens a pause today,
    out of it resumes (as the pause and resume routes do)."""
    if status == "paused" and goal.status != "paused" and open_pause(goal.pauses) is None:
        return added_range(goal.pauses, today, None, None, earliest=date.min)
    if status != "paused" and goal.status == "paused":
        return resumed(goal.pauses, today)
    return list(goal.pauses)
