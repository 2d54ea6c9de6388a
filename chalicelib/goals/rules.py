"""The rules goal and activity writes share: what a missing goal answers, which goals take
activities, and what a transaction's failed conditions mean to the client."""

from typing import Any

from chalicelib.core import errors, retry
from chalicelib.core.dynamo import Transaction, TransactionCancelled


def not_found() -> errors.AppError:
    return errors.NotFound("The goal was not found.", code="GOAL_NOT_FOUND")


def check_accepts_activities(goal: dict[str, Any]) -> None:
    if goal["status"] not in {"active", "paused"}:
        raise errors.BusinessRuleViolation(
            f"Activities cannot be logged to a {goal['status']} goal.", code="GOAL_NOT_ACTIVE")


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
