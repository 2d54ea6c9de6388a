"""A person's vacations: date ranges that excuse every active goal (docs/api.md, "Vacations";
docs/progress-rules.md, "Pauses and vacations").

They are stored on the profile item (`vacations`, with `vacationsVersion` guarding concurrent
changes) and copied onto every active goal in the same transaction, so that reading a goal still
reads the goal item alone. A goal that was not active takes the copy at its next change
(GoalService.update, change_pauses). A change that reaches back into days already counted
recomputes those goals' progress in that transaction.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core import changes
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.errors import AppError, FieldError, NotFound, ValidationFailed
from chalicelib.core.local_time import local_time_of
from chalicelib.core.unit_of_work import run_write
from chalicelib.goals.models import PauseFields
from chalicelib.goals.pauses import MAX_RANGE_DAYS, added_range, without
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.service import GoalService
from chalicelib.users.repository import profile_key, profile_not_found

VERSION = "vacationsVersion"


def present_vacations(vacations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "vacations": [
            {"from": item["from"], "until": item.get("until"), "reason": item.get("reason")}
            for item in vacations
        ]
    }


class VacationService:
    def __init__(
        self,
        repository: GoalRepository,
        goals: GoalService,
        *,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._repository = repository
        self._goals = goals
        self._now = now
        self._sleep = sleep

    def _profile(self, user_id: str) -> dict[str, Any]:
        profile = self._repository.load_for_write(user_id, None, None).profile
        if profile is None:
            raise profile_not_found()
        return profile

    def list_vacations(self, user_id: str) -> dict[str, Any]:
        return present_vacations(list(self._profile(user_id).get("vacations") or []))

    def add(self, user_id: str, fields: PauseFields, *, timezone: str | None) -> dict[str, Any]:
        def change(vacations: list[dict[str, Any]], today: date) -> tuple[list[Any], date]:
            start = fields.start or today
            if start > today + timedelta(days=MAX_RANGE_DAYS):
                problem = FieldError("from", f"must be at most {MAX_RANGE_DAYS} days ahead")
                raise ValidationFailed([problem])
            earliest = today - timedelta(days=MAX_RANGE_DAYS)
            added = added_range(
                vacations, start, fields.until, fields.reason, earliest=earliest, what="vacation"
            )
            return added, start

        return self._write(user_id, change, timezone)

    def cancel(self, user_id: str, start: str, *, timezone: str | None) -> dict[str, Any]:
        def change(vacations: list[dict[str, Any]], today: date) -> tuple[list[Any], date]:
            kept = without(vacations, start)
            if kept is None:
                raise NotFound("The vacation was not found.", code="VACATION_NOT_FOUND")
            return kept, date.fromisoformat(start)

        return self._write(user_id, change, timezone)

    def restore(
        self, user_id: str, imported: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Mapping[str, Any], str]]:
        """Vacations from an account import (account/imports/writer.py) added to the person's
        in one write, each checked as `add` checks one, except that it may lie in the past (it
        was accepted when it was made, and the days it excused stay excused). One already
        there (a resumed import) is kept once. Returns the refused ones, with the reason."""
        refused: list[tuple[Mapping[str, Any], str]] = []

        def change(vacations: list[dict[str, Any]], today: date) -> tuple[list[Any], date]:
            refused.clear()  # a retried attempt decides afresh
            changed_from = today + timedelta(days=1)  # nothing added: no day counted changes
            for item in imported:
                if any(_same_range(item, kept) for kept in vacations):
                    continue
                start = date.fromisoformat(str(item["from"]))
                until = item.get("until")
                try:
                    vacations = added_range(
                        vacations,
                        start,
                        date.fromisoformat(str(until)) if until else None,
                        item.get("reason"),
                        earliest=date.min,
                        what="vacation",
                    )
                except AppError as exc:
                    refused.append((item, _refusal(exc)))
                    continue
                changed_from = min(changed_from, start)
            return vacations, changed_from

        self._write(user_id, change, None)
        return refused

    def _write(
        self,
        user_id: str,
        change: Callable[[list[dict[str, Any]], date], tuple[list[Any], date]],
        timezone: str | None,
    ) -> dict[str, Any]:
        def attempt(tx: Transaction) -> list[dict[str, Any]]:
            profile = self._profile(user_id)
            local = local_time_of(profile, timezone)
            now = self._now()
            today = local.local_date(now)
            vacations, changed_from = change(list(profile.get("vacations") or []), today)
            self._stage_profile(tx, user_id, profile, vacations, now)
            # Only a change that reaches today or earlier touches days a goal has counted.
            self._goals.stage_vacations(
                tx, user_id, vacations, local, recompute=changed_from <= today
            )
            return vacations

        return present_vacations(run_write(attempt, sleep=self._sleep))

    @staticmethod
    def _stage_profile(
        tx: Transaction,
        user_id: str,
        profile: dict[str, Any],
        vacations: list[dict[str, Any]],
        now: datetime,
    ) -> None:
        read = int(profile.get(VERSION) or 0)
        update = tx.updating("profile", profile_key(user_id))
        version = update.name(VERSION)
        same = f"{version} = {update.value(read)}" if read else f"attribute_not_exists({version})"
        tx.updating("profile", profile_key(user_id), condition=f"attribute_exists(PK) AND {same}")
        update.set("vacations", value=vacations)
        update.set(VERSION, value=read + 1)
        update.set("updatedAt", value=to_iso(now))
        changes.stamp_update(update, user_id, "profile", user_id)  # devices sync vacations


def _same_range(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a["from"] == b["from"] and a.get("until") == b.get("until")


def _refusal(exc: AppError) -> str:
    if isinstance(exc, ValidationFailed) and exc.errors:
        return "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
    return exc.message
