"""Who hears of goals completing, and the one rule of when they do.

The journal's stats count completed goals; goals know nothing of the journal, so a goal write
tells whatever was wired in (a `CompletionLog`) in its own transaction.
"""

from typing import Any, Protocol

from chalicelib.core.dynamo import Transaction


class CompletionLog(Protocol):
    def stage_goal_completion(self, tx: Transaction, user_id: str, goal_id: str,
                              completed: bool) -> None:
        """Record in `tx` that a goal became completed (True) or stopped being so (False)."""


def stage_completion(tx: Transaction, log: CompletionLog, user_id: str,
                     before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    """Tell `log` when a write moves a goal into or out of `completed`."""
    was_done = before is not None and before["status"] == "completed"
    is_done = after["status"] == "completed"
    if was_done != is_done:
        log.stage_goal_completion(tx, user_id, after["goalId"], is_done)
