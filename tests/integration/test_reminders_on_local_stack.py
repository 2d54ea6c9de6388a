"""Goal reminders on the local stack (DynamoDB Local, moto's SES), driven by an injected
clock: two users in New York and Berlin, each with a daily reminder at a time a DST change
skips or repeats, get exactly one email per day at the documented instant, none on a day
they already logged, and a run reads in proportion to what it sends."""

import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.account.eraser import Eraser
from chalicelib.core import dynamo, mail
from chalicelib.core.local_time import LocalTime
from chalicelib.core.validation import parse
from chalicelib.goals.activities import ActivityService
from chalicelib.goals.models import ActivityFields, GoalCreate
from chalicelib.goals.reminder_job import CHECKPOINT_KEY, ReminderJob
from chalicelib.goals.reminders import fire_instant
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.service import GoalService
from chalicelib.journal.repository import JournalRepository
from chalicelib.journal.share_repository import ShareRepository
from tests.helpers import RequestLog, put_reminded_profile


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _user(timezone: str) -> tuple[str, str]:
    email = f"reminders-{uuid.uuid4().hex[:8]}@example.com"
    return put_reminded_profile(email, timezone), email


def _goal(clock: Clock, user_id: str, local_time: str) -> str:
    body = {
        "title": f"Walk {uuid.uuid4().hex[:6]}",
        "goalPattern": "recurring",
        "target": {"value": 1, "unit": "walks", "period": "day"},
        "reminder": {"enabled": True, "localTime": local_time},
    }
    service = GoalService(GoalRepository(), completions=JournalRepository(), now=clock)
    return str(service.create(user_id, parse(GoalCreate, body)).body["goalId"])


@pytest.fixture
def sent(stack_env) -> list[tuple[datetime, str, str]]:
    mail.client().verify_email_identity(EmailAddress="reminders@ai-lifestyle.local")
    return []


def _sweep(job: ReminderJob, clock: Clock, start: datetime, end: datetime) -> None:
    """Run the job every 5 minutes from `start` to `end`, as a schedule that runs late would
    (each run catches up the minutes since the last). The checkpoint is cleared first: the
    sweep starts a fresh schedule instead of catching up since the previous sweep."""
    dynamo.delete_keys([CHECKPOINT_KEY])
    clock.now = start
    while clock.now <= end:
        job.run()
        clock.now += timedelta(minutes=5)


def _recording_job(clock: Clock, sent: list[tuple[datetime, str, str]]) -> ReminderJob:
    def send(to: str, subject: str, body: str) -> str:
        sent.append((clock.now, to, subject))
        return mail.send_text(to, subject, body)

    return ReminderJob(send, now=clock)


@pytest.mark.parametrize(
    "new_york_time, berlin_time, new_york_change, berlin_change",
    [
        # Spring forward: 02:30 does not exist on either day; it fires at 03:30 new time.
        ("02:30", "02:30", date(2026, 3, 8), date(2026, 3, 29)),
        # Fall back: 01:30 (New York) and 02:30 (Berlin) happen twice; the first one fires.
        ("01:30", "02:30", date(2026, 11, 1), date(2026, 10, 25)),
    ],
)
def test_two_zones_across_a_dst_change_get_one_reminder_a_day(
    sent, new_york_time, berlin_time, new_york_change, berlin_change
):
    clock = Clock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    job = _recording_job(clock, sent)
    people = [
        ("America/New_York", new_york_time, new_york_change),
        ("Europe/Berlin", berlin_time, berlin_change),
    ]
    for zone, local_time, change in sorted(people, key=lambda person: person[2]):
        user_id, email = _user(zone)
        local = LocalTime(zone)
        expected = [
            fire_instant(change + timedelta(days=offset), local_time, local)
            for offset in (-1, 0, 1)
        ]
        clock.now = expected[0] - timedelta(hours=1)
        _goal(clock, user_id, local_time)
        # The days around the change near their reminder; the day of the change whole (its
        # repeated or skipped hour included).
        margin = timedelta(minutes=30)
        _sweep(job, clock, expected[0] - margin, expected[0] + margin)
        whole_day = local.day_start(change), local.day_start(change + timedelta(days=1))
        _sweep(job, clock, whole_day[0] - margin, whole_day[1] + margin)
        _sweep(job, clock, expected[2] - margin, expected[2] + margin)

        assert [when for when, to, _ in sent if to == email] == expected, zone
    # Every send reached moto's SES, from the verified sender.
    assert mail.client().get_send_quota()["SentLast24Hours"] >= len(sent)


def test_no_reminder_on_a_day_already_logged_and_reads_follow_sends(sent):
    clock = Clock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    user_id, email = _user("Europe/Berlin")
    goal_id = _goal(clock, user_id, "19:00")  # 17:00Z in summer
    activities = ActivityService(GoalRepository(), completions=JournalRepository(), now=clock)
    clock.now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    activities.log_activity(user_id, goal_id, parse(ActivityFields, {"value": 1}))
    job = _recording_job(clock, sent)
    log = RequestLog()
    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", log)
    try:
        _sweep(
            job,
            clock,
            datetime(2026, 6, 1, 16, 50, tzinfo=UTC),
            datetime(2026, 6, 2, 17, 10, tzinfo=UTC),
        )
    finally:
        events.unregister("before-call.dynamodb", log)
    mine = [when for when, to, _ in sent if to == email]
    assert mine == [datetime(2026, 6, 2, 17, 0, tzinfo=UTC)]  # not on the 1st: logged
    # One Query per minute swept, and per reminder settled one BatchGetItem and one
    # transaction (two reminders: the 1st's, not sent, and the 2nd's).
    counts = Counter(log.operations)
    assert counts.get("BatchGetItem", 0) <= 2
    assert counts.get("TransactWriteItems", 0) <= 2
    assert counts.get("Scan", 0) == 0


def _armed_for(user_id: str) -> list[dict[str, Any]]:
    """Every item outside the person's partition that names them: armed reminders."""
    pages = dynamo.client().get_paginator("scan").paginate(TableName=dynamo.table_name())
    return [
        item
        for page in pages
        for item in page["Items"]
        if user_id in json.dumps(item) and not item["PK"]["S"].startswith("USER#")
    ]


def test_deleting_the_account_erases_every_armed_reminder(sent):
    """An armed reminder lives in its minute's partition, outside the person's: the job and
    the goal writes keep a pointer to each in the partition, so account deletion finds them
    all, armed by a goal write or re-armed by the job."""
    clock = Clock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    user_id, email = _user("Europe/Berlin")
    _goal(clock, user_id, "19:00")  # armed by the create, for 17:00Z today
    job = _recording_job(clock, sent)
    _sweep(  # sent today, and re-armed by the job for tomorrow
        job,
        clock,
        datetime(2026, 6, 1, 16, 55, tzinfo=UTC),
        datetime(2026, 6, 1, 17, 5, tzinfo=UTC),
    )
    _goal(clock, user_id, "21:30")
    assert [to for _, to, _ in sent] == [email]
    assert len(_armed_for(user_id)) == 2

    eraser = Eraser(ShareRepository(), lambda: False)
    assert eraser.erase(user_id, email)
    assert _armed_for(user_id) == []


def test_the_local_worker_runs_the_schedule_once_and_shows_what_was_sent(sent, local_stack):
    """What `make run` does each minute (scripts/reminder_worker.py, through app.py's
    scheduled handler) and how a developer reads what was sent."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from chalicelib.core.clock import utc_now

    now = utc_now()
    # Written ten minutes ago, the goal armed its reminder for this very minute.
    clock = Clock(now - timedelta(minutes=10))
    user_id, email = _user("UTC")
    _goal(clock, user_id, now.strftime("%H:%M"))
    dynamo.delete_keys([CHECKPOINT_KEY])
    worker = [
        sys.executable,
        str(Path(__file__).resolve().parents[2] / "scripts" / "reminder_worker.py"),
    ]
    env = {**os.environ, **local_stack.env()}
    env.pop("AWS_MOCKED_IN_PROCESS", None)  # the worker talks to the stack, as under make run
    once = subprocess.run([*worker, "--once"], env=env, capture_output=True, text=True, timeout=120)
    assert once.returncode == 0, once.stderr
    shown = subprocess.run([*worker, "--sent"], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert email in shown.stdout
    assert "Reminder: Walk" in shown.stdout


def test_make_run_starts_the_reminder_worker_and_it_keeps_running(local_stack):
    import time

    worker = local_stack.start_reminder_worker()
    try:
        time.sleep(3)  # long enough to import the app and reach its wait for the minute
        assert worker.poll() is None
        local_stack.raise_if_crashed()
    finally:
        local_stack.stop_process(worker)
