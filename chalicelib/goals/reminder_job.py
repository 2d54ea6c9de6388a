"""The reminder job (app.py's `send_reminders`, every minute): send each armed reminder whose
minute has come, once, and arm the goal's next one (docs/api.md, "Reminders").

A run reads the index partitions `REMINDER#{minute}` of every minute since the last run's
(a checkpoint item; the minute before that too, for a goal write that committed as its minute
began), one Query each, so a late or missed run catches up, at most a day back; then the
goals and profiles they name in one BatchGetItem per 50 reminders: its reads grow with the
minutes passed and the reminders due, never with the table. A reminder settled more than
LATE_MINUTES after its time is not sent (a reminder hours late helps nobody) but re-armed.

Each reminder is settled in one transaction that deletes its index item (a concurrent run
that got there first cancels it), arms the next firing and, when it is to be sent, puts
the sent marker of the goal's calendar date (conditional: never two per date). The email
goes out after that commit: a send that fails is logged and not repeated (at most once,
never twice).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core import dynamo
from chalicelib.core.clock import utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.local_time import LocalTime, local_time_of
from chalicelib.core.logging import logger
from chalicelib.core.unit_of_work import run_write
from chalicelib.goals import reminders
from chalicelib.goals.due import due_state
from chalicelib.goals.entities import Goal
from chalicelib.goals.pauses import vacations_of
from chalicelib.goals.progress_state import current_progress
from chalicelib.goals.repository import goal_key
from chalicelib.users.repository import profile_key

CHECKPOINT_KEY = {"PK": "REMINDERJOB", "SK": "CHECKPOINT"}
# How far back a run catches up after the schedule stopped: older reminders stay armed and
# unsent until their goal's next write arms them again.
MAX_CATCH_UP_MINUTES = 24 * 60
LATE_MINUTES = 60
# A goal and a profile per reminder: 100 keys, DynamoDB's BatchGetItem limit.
REMINDERS_PER_READ = 50
SendEmail = Callable[[str, str, str], str]


@dataclass(frozen=True)
class RunReport:
    sent: int = 0
    not_due: int = 0
    dropped: int = 0  # stale index items: goal gone, reminder off or moved, email off

    def __add__(self, other: "RunReport") -> "RunReport":
        return RunReport(
            self.sent + other.sent, self.not_due + other.not_due, self.dropped + other.dropped
        )


class _SettledElsewhere(Exception):
    """A concurrent run settled this reminder first."""


def _email_enabled(profile: dict[str, Any]) -> bool:
    channels = (profile.get("preferences") or {}).get("notifications") or {}
    return bool(channels.get("email", True)) and bool(profile.get("email"))


def _message(goal: Goal) -> tuple[str, str]:
    subject = f"Reminder: {goal.title}"
    body = (
        f'"{goal.title}" is still due today.\n\n'
        "You asked to be reminded at this time; turn it off in the goal's reminder settings "
        "or in your profile's email notifications."
    )
    return subject, body


class ReminderJob:
    def __init__(
        self,
        send: SendEmail,
        *,
        now: Callable[[], datetime] = utc_now,
        ttl_now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._send = send
        self._now = now
        self._ttl_now = ttl_now
        self._sleep = sleep

    def _first_minute(self, now: datetime) -> datetime:
        current = now.replace(second=0, microsecond=0)
        checkpoint = dynamo.get_item(CHECKPOINT_KEY)
        last = checkpoint.get("lastMinute") if checkpoint else None
        if last is None:
            return current - timedelta(minutes=1)
        after_last = datetime.fromisoformat(f"{last}:00+00:00") + timedelta(minutes=1)
        earliest = current - timedelta(minutes=MAX_CATCH_UP_MINUTES)
        return max(earliest, min(after_last, current - timedelta(minutes=1)))

    def run(self) -> RunReport:
        now = self._now()
        current = now.replace(second=0, microsecond=0)
        minute_at = self._first_minute(now)
        report = RunReport()
        while minute_at <= current:
            minute = reminders.minute_key(minute_at)
            minute_at += timedelta(minutes=1)
            items = dynamo.query_all(
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues=dynamo.serialize(
                    {":pk": f"{reminders.PARTITION_PREFIX}{minute}"}
                ),
                ConsistentRead=True,
            )
            for start in range(0, len(items), REMINDERS_PER_READ):
                report += self._settle_all(items[start : start + REMINDERS_PER_READ], now)
        dynamo.client().put_item(
            TableName=dynamo.table_name(),
            Item=dynamo.serialize({**CHECKPOINT_KEY, "lastMinute": reminders.minute_key(now)}),
        )
        if report.sent or report.not_due or report.dropped:
            logger.info(
                "reminder run",
                extra={"sent": report.sent, "notDue": report.not_due, "dropped": report.dropped},
            )
        return report

    def _settle_all(self, items: list[dict[str, Any]], now: datetime) -> RunReport:
        keys: list[dict[str, Any]] = []
        for item in items:
            keys += [goal_key(item["userId"], item["goalId"]), profile_key(item["userId"])]
        found = {(str(item["PK"]), str(item["SK"])): item for item in dynamo.batch_get(keys)}
        report = RunReport()
        for item in items:
            goal_at = goal_key(item["userId"], item["goalId"])
            profile_at = profile_key(item["userId"])
            goal_item = found.get((goal_at["PK"], goal_at["SK"]))
            profile = found.get((profile_at["PK"], profile_at["SK"]))
            report += self._settle(item, goal_item, profile, now)
        return report

    def _settle(
        self,
        item: dict[str, Any],
        goal_item: dict[str, Any] | None,
        profile: dict[str, Any] | None,
        now: datetime,
    ) -> RunReport:
        index = {"PK": item["PK"], "SK": item["SK"]}
        goal = Goal.from_item(goal_item, item["userId"]) if goal_item else None
        if goal is None or profile is None or reminders.reminder_time(goal) != item["localTime"]:
            # The goal's own write armed what replaced it, if any.
            dynamo.delete_keys(reminders.disarmed_keys(index))
            return RunReport(dropped=1)
        local = local_time_of(profile)
        vacations = vacations_of(profile)
        day = date.fromisoformat(item["localDate"])
        fires_at = reminders.fire_instant(day, item["localTime"], local)
        next_item = self._next(goal, local, max(now, fires_at), vacations)
        if reminders.minute_key(fires_at) != item["PK"].removeprefix(reminders.PARTITION_PREFIX):
            # The user's zone changed since it was armed: arm it for the new zone only.
            return self._settled(index, next_item, None, RunReport(dropped=1))
        if not _email_enabled(profile):
            return self._settled(index, next_item, None, RunReport(dropped=1))
        progress = current_progress(goal, now, local)
        late = now - fires_at > timedelta(minutes=LATE_MINUTES)
        if late or not due_state(goal, progress, now, local, vacations).due_today:
            return self._settled(index, next_item, None, RunReport(not_due=1))
        marker = {
            **reminders.sent_marker_key(goal.user_id, goal.goal_id, day),
            "expiresAt": int(self._ttl_now()) + reminders.SENT_MARKER_DAYS * 86400,
        }
        if not self._settled(index, next_item, marker, RunReport(sent=1)).sent:
            return RunReport()
        try:
            self._send(str(profile["email"]), *_message(goal))
        except Exception as failure:  # at most once: the marker stays, tomorrow's is armed
            # The error's kind only: SES puts the recipient's address in its messages, and
            # the logs never name anyone by address.
            logger.warning(
                "reminder email failed",
                extra={"goalId": goal.goal_id, "error": type(failure).__name__},
            )
            return RunReport(dropped=1)
        return RunReport(sent=1)

    def _next(
        self, goal: Goal, local: LocalTime, after: datetime, vacations: Any
    ) -> dict[str, Any] | None:
        _, index = reminders.armed(goal, local, after, vacations)
        return index

    def _settled(
        self,
        index: dict[str, Any],
        next_item: dict[str, Any] | None,
        marker: dict[str, Any] | None,
        outcome: RunReport,
    ) -> RunReport:
        """Settle one reminder in one transaction: `outcome`, or nothing when a concurrent
        run settled it first (its index item is gone, or the date's marker exists)."""

        def attempt(tx: Transaction) -> None:
            reminders.stage_disarmed(tx, "reminder-index", index, condition="attribute_exists(PK)")
            tx.refuse_with("reminder-index", _SettledElsewhere)
            if next_item is not None:
                reminders.stage_armed(tx, "reminder-next", next_item)
            if marker is not None:
                tx.put("reminder-sent", marker, condition="attribute_not_exists(PK)")
                tx.refuse_with("reminder-sent", _SettledElsewhere)

        try:
            run_write(attempt, sleep=self._sleep)
        except _SettledElsewhere:
            return RunReport()
        return outcome
