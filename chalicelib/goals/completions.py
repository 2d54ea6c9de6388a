"""When a goal completes, and who hears of it.

A write gives the goal its new progress state, and the goal completes when that progress says
so (`with_progress`). The journal's stats count completed goals, but goals know nothing of the
journal: a goal write tells whatever was wired in (a `CompletionLog`) in its own transaction.
"""

from datetime import datetime
from typing import Any, Protocol

from chalicelib.core.clock import to_iso
from chalicelib.core.dynamo import Transaction
from chalicelib.goals.progress_state import Progressed, measured_value, reaches_completion


def with_progress(goal: dict[str, Any], progressed: Progressed, now: datetime) -> dict[str, Any]:
    """The goal with its new progress state, what it shows, and completion when reached."""
    goal = {**goal, "progressState": progressed.state}
    progress = progressed.progress
    goal["target"] = {**goal["target"], "currentValue": measured_value(goal, progress)}
    if reaches_completion(goal, progress):
        goal.update(status="completed", completedAt=to_iso(now))
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
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Tell `log` when a write moves a goal into or out of `completed`."""
    was_done = before is not None and before["status"] == "completed"
    is_done = after["status"] == "completed"
    if was_done != is_done:
        log.stage_goal_completion(tx, user_id, after["goalId"], is_done)
