"""What every goal write shares: a new progress state applied to the goal (completing it when
its progress says so), and committing a transaction whose failed conditions mean something
to the client."""

from datetime import datetime
from typing import Any

from chalicelib.core import errors, retry
from chalicelib.core.clock import to_iso
from chalicelib.core.dynamo import Transaction, TransactionCancelled
from chalicelib.core.local_time import LocalTime
from chalicelib.goals.tracking import current_progress, measured_value, reaches_completion


def not_found() -> errors.AppError:
    return errors.NotFound("The goal was not found.", code="GOAL_NOT_FOUND")


def check_accepts_activities(goal: dict[str, Any]) -> None:
    if goal["status"] not in {"active", "paused"}:
        raise errors.BusinessRuleViolation(
            f"Activities cannot be logged to a {goal['status']} goal.", code="GOAL_NOT_ACTIVE")


def with_state(goal: dict[str, Any], state: dict[str, Any], now: datetime, local: LocalTime
               ) -> dict[str, Any]:
    """The goal with a new progress state, what it shows, and completion when reached."""
    goal = {**goal, "progressState": state}
    progress = current_progress(goal, now, local)
    goal["target"] = {**goal["target"], "currentValue": measured_value(goal, progress)}
    if reaches_completion(goal, progress):
        goal.update(status="completed", completedAt=to_iso(now))
    return goal


def _explain(exc: TransactionCancelled) -> errors.AppError | None:
    if "title" in exc.failed:
        return errors.Conflict("An active goal with this title already exists.",
                               code="DUPLICATE_GOAL_TITLE")
    if "quota" in exc.failed:
        return errors.BusinessRuleViolation("You can have at most 50 active goals.",
                                            code="GOAL_QUOTA_EXCEEDED")
    return None


def commit(tx: Transaction) -> None:
    """Commit; a broken rule becomes its client error, anything else a retry.Conflict.

    A live idempotency record outranks every rule: a concurrent twin of this request won,
    and the retry that follows reads its record and replays its response (its title lock
    would otherwise read as a duplicate title)."""
    try:
        tx.commit()
    except TransactionCancelled as exc:
        explained = None if "idempotency" in exc.failed else _explain(exc)
        if explained:
            raise explained from exc
        raise retry.Conflict() from exc
