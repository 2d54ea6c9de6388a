"""The reminder job's rules on the in-memory table (which, like DynamoDB, refuses a
BatchGetItem that names a key twice): one person's reminders due in the same minute."""

from datetime import UTC, datetime, timedelta

from chalicelib.core.validation import parse
from chalicelib.goals.models import GoalCreate
from chalicelib.goals.reminder_job import ReminderJob
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.service import GoalService
from chalicelib.journal.repository import JournalRepository
from tests.helpers import Clock, log_lines, put_reminded_profile


def _two_goals_at_0730(clock: Clock, email: str) -> None:
    user_id = put_reminded_profile(email, "Europe/Berlin")
    goals = GoalService(GoalRepository(), completions=JournalRepository(), now=clock)
    for title in ("Walk", "Stretch"):
        body = {
            "title": title,
            "goalPattern": "recurring",
            "target": {"value": 1, "unit": "times", "period": "day"},
            "reminder": {"enabled": True, "localTime": "07:30"},
        }
        goals.create(user_id, parse(GoalCreate, body))


def _run_through_0730(job: ReminderJob, clock: Clock) -> None:
    start = datetime(2026, 12, 2, 6, 20, tzinfo=UTC)  # 07:20 in Berlin
    for minute in range(0, 20, 5):
        clock.now = start + timedelta(minutes=minute)
        job.run()


def test_two_reminders_of_one_person_in_one_minute_are_both_sent(table):
    """Both goals' reminders name the person's profile: the job's one read of the minute's
    goals and profiles named it twice, and DynamoDB refused the whole run."""
    clock = Clock("2026-12-02T05:00:00")  # 06:00 in Berlin
    _two_goals_at_0730(clock, "two-goals@example.com")
    sent: list[tuple[str, str]] = []

    def send(to: str, subject: str, body: str) -> str:
        sent.append((to, subject))
        return "message-id"

    _run_through_0730(ReminderJob(send, now=clock), clock)
    assert sorted(sent) == [
        ("two-goals@example.com", "Reminder: Stretch"),
        ("two-goals@example.com", "Reminder: Walk"),
    ]


def test_a_failed_send_is_logged_without_the_address(table, app_logs):
    """SES names the recipient in its error messages; the logs never name anyone by address
    (the log line used to carry the whole exception)."""
    clock = Clock("2026-12-02T05:00:00")
    _two_goals_at_0730(clock, "refused@example.com")

    def send(to: str, subject: str, body: str) -> str:
        raise RuntimeError(f"Email address is not verified: {to}")

    _run_through_0730(ReminderJob(send, now=clock), clock)
    captured = app_logs()
    failures = [line for line in log_lines(captured) if line["message"] == "reminder email failed"]
    assert [line["error"] for line in failures] == ["RuntimeError", "RuntimeError"]
    assert "refused@example.com" not in captured
