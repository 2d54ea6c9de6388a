"""The reminder job's rules on the in-memory table (which, like DynamoDB, refuses a
BatchGetItem that names a key twice): one person's reminders due in the same minute."""

import uuid
from datetime import UTC, datetime, timedelta

from chalicelib.core import dynamo
from chalicelib.core.validation import parse
from chalicelib.goals.models import GoalCreate
from chalicelib.goals.reminder_job import ReminderJob
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.service import GoalService
from chalicelib.journal.repository import JournalRepository
from tests.helpers import Clock


def _person(email: str) -> str:
    user_id = str(uuid.uuid4())
    dynamo.client().put_item(
        TableName=dynamo.table_name(),
        Item=dynamo.serialize(
            {
                "PK": dynamo.user_pk(user_id),
                "SK": "PROFILE",
                "userId": user_id,
                "email": email,
                "timezone": "Europe/Berlin",
                "dayStartHour": 0,
                "preferences": {"notifications": {"email": True, "push": False, "sms": False}},
            }
        ),
    )
    return user_id


def test_two_reminders_of_one_person_in_one_minute_are_both_sent(table):
    """Both goals' reminders name the person's profile: the job's one read of the minute's
    goals and profiles named it twice, and DynamoDB refused the whole run."""
    clock = Clock("2026-12-02T05:00:00")  # 06:00 in Berlin
    user_id = _person("two-goals@example.com")
    goals = GoalService(GoalRepository(), completions=JournalRepository(), now=clock)
    for title in ("Walk", "Stretch"):
        body = {
            "title": title,
            "goalPattern": "recurring",
            "target": {"value": 1, "unit": "times", "period": "day"},
            "reminder": {"enabled": True, "localTime": "07:30"},
        }
        goals.create(user_id, parse(GoalCreate, body))
    sent: list[tuple[str, str]] = []

    def send(to: str, subject: str, body: str) -> str:
        sent.append((to, subject))
        return "message-id"

    job = ReminderJob(send, now=clock)
    start = datetime(2026, 12, 2, 6, 20, tzinfo=UTC)  # 07:20 in Berlin
    for minute in range(0, 20, 5):
        clock.now = start + timedelta(minutes=minute)
        job.run()
    assert sorted(sent) == [
        ("two-goals@example.com", "Reminder: Stretch"),
        ("two-goals@example.com", "Reminder: Walk"),
    ]
