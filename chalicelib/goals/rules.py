"""The rules goal and activity writes share: what a missing goal answers, which goals take
activities, and the errors of the rules only a transaction can enforce (the repository
attaches them to the items whose conditions enforce them)."""

from chalicelib.core import errors
from chalicelib.goals.entities import Goal

MAX_ACTIVE_GOALS = 50


def not_found() -> errors.AppError:
    return errors.NotFound("The goal was not found.", code="GOAL_NOT_FOUND")


def check_accepts_activities(goal: Goal) -> None:
    if goal.status not in {"active", "paused"}:
        raise errors.BusinessRuleViolation(
            f"Activities cannot be logged to a {goal.status} goal.", code="GOAL_NOT_ACTIVE"
        )


class DuplicateTitle(errors.Conflict):
    code = "DUPLICATE_GOAL_TITLE"
    default_message = "An active goal with this title already exists."


class QuotaExceeded(errors.BusinessRuleViolation):
    code = "GOAL_QUOTA_EXCEEDED"
    default_message = f"You can have at most {MAX_ACTIVE_GOALS} active goals."
