"""When a goal completes, and who hears of it.

A write gives the goal its new progress state, and the goal completes when that progress says
so (`with_progress`). The journal's stats count completed goals, but goals know nothing of the
journal: a goal write tells whatever was wired in (a `CompletionLog`) in its own transaction.
"""

from dataclasses import replace
from datetime import datetime
from typing import Protocol

from chalicelib.core.clock import to_iso
from chalicelib.core.dynamo import Transaction
from chalicelib.goals.entities import Goal
from chalicelib.goals.progress_state import Progressed, measured_value, reaches_completion


def with_progress(goal: Goal, progressed: Progressed, now: datetime) -> Goal:
    """The goal with its new progress state, what it shows, and completion when reached."""
    progress = progressed.progress
    goal = replace(
        goal,
        progress_state=progressed.state,
        target={**goal.target, "currentValue": measured_value(goal, progress)},
    )
    if reaches_completion(goal, progress):
        goal = replace(goal, status="completed", completed_at=to_iso(now))
    return goal


class CompletionLog(Protocol):
    def stage_goal_completion(
        self, tx: Transaction, user_id: str, goal_id: str, completed: bool
    ) -> None:
        """Record in `tx` that a goal became completed (True) or stopped being so (False)."""


def stage_completion(
    tx: Transaction,
    log: CompletionLog,
    user_id: str,
    before: Goal | None,
    after: Goal,
) -> None:
    """Tell `log` when a write moves a goal into or out of `completed`."""
    was_done = before is not None and before.status == "completed"
    is_done = after.status == "completed"
    if was_done != is_done:
        log.stage_goal_completion(tx, user_id, after.goal_id, is_done)
