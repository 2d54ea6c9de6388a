"""Small helpers shared by the test layers."""

import gzip
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import boto3
from chalice.test import Client

ROOT = Path(__file__).resolve().parent.parent  # the project
STRONG_PASSWORD = "Str0ng!Passw0rd"


def new_user(email: str = "ada@example.com") -> dict[str, str]:
    return {"email": email, "password": STRONG_PASSWORD, "firstName": "Ada", "lastName": "Lovelace"}


def assert_envelope(body: Any, status_code: int, error: str | None = None) -> dict[str, Any]:
    """Every non-2xx answer has the error envelope of docs/api.md (and the code, when given)."""
    data = json.loads(body) if isinstance(body, bytes | str) else body
    assert status_code >= 400
    assert {"error", "message", "request_id", "timestamp", "details"} <= set(data)
    assert data["timestamp"].endswith("Z")
    if error is not None:
        assert data["error"] == error, data
    return dict(data)


def current_totp_code(secret: str) -> str:
    """The authenticator code now, never one about to expire: moto accepts only the current
    30-second window, so a code made in its last seconds could be stale when it arrives."""
    import time

    from chalicelib.users import totp

    seconds_left = totp.STEP_SECONDS - time.time() % totp.STEP_SECONDS
    if seconds_left < 3:
        time.sleep(seconds_left + 0.1)
    return totp.code_for(secret)


def post_json(client: Client, path: str, body: Any, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.post(path, headers=headers, body=json.dumps(body))


def put_json(client: Client, path: str, body: Any, token: str) -> Any:
    return client.http.put(
        path,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )


def get(client: Client, path: str, token: str | None = None, **headers: str) -> Any:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.http.get(path, headers=headers)


def signed_in_user(client: Client, aws: dict[str, str], email: str = "ada@example.com") -> str:
    """Register, verify (as the dev command does) and sign in; the access token."""
    assert post_json(client, "/auth/register", new_user(email)).status_code == 201
    boto3.client("cognito-idp").admin_confirm_sign_up(UserPoolId=aws["pool_id"], Username=email)
    login = post_json(client, "/auth/login", {"email": email, "password": new_user()["password"]})
    assert login.status_code == 200, login.body
    return str(json.loads(login.body)["accessToken"])


def log_lines(captured: str) -> list[dict[str, Any]]:
    """The JSON lines of what the app logged (other lines are skipped)."""
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def moto_public_jwks() -> dict[str, Any]:
    """The keys moto signs Cognito tokens with; moto's in-process mock does not serve them over
    urllib, so they are handed to the app's key cache directly."""
    raw = (resources.files("moto") / "cognitoidp/resources/jwks-public.json.gz").read_bytes()
    document: dict[str, Any] = json.loads(gzip.decompress(raw))
    return document


def registered_user(auth_service: Any, identity: Any, email: str = "ada@example.com") -> str:
    """Register through the auth service and confirm the account in the fake identity
    provider (tests/service/fakes.py), as `signed_in_user` does over HTTP; the user id."""
    from chalicelib.core.validation import parse
    from chalicelib.users.models import RegisterRequest

    registered = auth_service.register(parse(RegisterRequest, new_user(email)))
    identity.confirm_user(email)
    return str(registered["userId"])


class RequestLog:
    """Counts the DynamoDB operations the app's client sends (register it for
    "before-call.dynamodb" on the client's events)."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.operations.append(model.name)


def key_record(user_id: str, key_set_id: str | None = None) -> dict[str, Any]:
    """The item POST /encryption/setup stores for a user (opaque key strings), for tests that
    need a party with keys without going through the key routes."""
    from chalicelib.users.keys import KeyRecord, key_record_item

    return key_record_item(
        KeyRecord(
            user_id=user_id,
            salt="c2FsdA==",
            encrypted_private_key="cHJpdmF0ZQ==",
            public_key="cHVibGlj",
            public_key_id=uuid.uuid4().hex,
            key_set_id=key_set_id or uuid.uuid4().hex,
            created_at="2026-12-01T00:00:00.000Z",
            updated_at="2026-12-01T00:00:00.000Z",
        )
    )


class Clock:
    """A service's `now`, moved by hand."""

    def __init__(self, now: str) -> None:
        self.now = datetime.fromisoformat(now).replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def new_goal(user: str, **fields: Any) -> dict[str, Any]:
    """A milestone goal of `user` made through the wired goal service (any field replaced)."""
    from chalicelib import wiring
    from chalicelib.core.validation import parse
    from chalicelib.goals.models import GoalCreate

    body = {
        "title": f"Read books {uuid.uuid4().hex[:6]}",
        "goalPattern": "milestone",
        "target": {"value": 1000, "unit": "pages"},
        **fields,
    }
    return dict(wiring.goals().create(user, parse(GoalCreate, body)).body)


def logged(user: str, goal_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The activity the wired activity service logs with this body."""
    from chalicelib import wiring
    from chalicelib.core.validation import parse
    from chalicelib.goals.models import ActivityFields

    return dict(wiring.activities().log_activity(user, goal_id, parse(ActivityFields, body)).body)


def written_entry(journal: Any, user: str, timezone: str | None = None, **fields: Any) -> Any:
    """An entry `journal` (a JournalService) creates with these fields over a small default."""
    from chalicelib.core.validation import parse
    from chalicelib.journal.models import EntryCreate

    body = {"title": "Entry", "content": "<p>one two three</p>", **fields}
    return dict(journal.create(user, parse(EntryCreate, body), timezone=timezone).body)


def journal_and_goal_services(clock: Clock) -> tuple[Any, Any]:
    """The journal and goal services, wired as wiring.py wires them, on `clock`: for the rules
    tests on the in-memory table and on DynamoDB Local alike."""
    from chalicelib.goals.activities import ActivityService
    from chalicelib.goals.links import GoalLinks
    from chalicelib.goals.repository import GoalRepository
    from chalicelib.goals.service import GoalService
    from chalicelib.journal.repository import JournalRepository
    from chalicelib.journal.service import JournalService
    from chalicelib.journal.share_repository import ShareRepository

    completions = JournalRepository()
    activities = ActivityService(GoalRepository(), completions=completions, now=clock)
    links = GoalLinks(GoalRepository(), lambda: activities)
    journal = JournalService(JournalRepository(), links, ShareRepository(), now=clock)
    return journal, GoalService(GoalRepository(), completions=completions, now=clock)


def bench_goal_after_daily_logs(user: str, title: str, days: int = 100) -> tuple[str, Any]:
    """The bench's goal (bench/run.py `_goal_body`, with `title`) after a log a day for `days`
    days from 2026-08-24, through the goal services on whatever table is served: its id, and
    the activity service (on the same clock) to log on with."""
    from chalicelib.core.validation import parse
    from chalicelib.goals.activities import ActivityService
    from chalicelib.goals.models import ActivityFields, GoalCreate
    from chalicelib.goals.repository import GoalRepository
    from chalicelib.goals.service import GoalService
    from chalicelib.journal.repository import JournalRepository

    clock = Clock("2026-08-24T07:00:00")
    goals = GoalService(GoalRepository(), completions=JournalRepository(), now=clock)
    activities = ActivityService(GoalRepository(), completions=JournalRepository(), now=clock)
    body = {
        "title": title,
        "goalPattern": "recurring",
        "category": "health",
        "target": {"value": 8, "unit": "glasses", "period": "day"},
        "schedule": {"frequency": "daily"},
    }
    goal_id = str(goals.create(user, parse(GoalCreate, body)).body["goalId"])
    for index in range(days):
        activities.log_activity(user, goal_id, parse(ActivityFields, {"value": 1 + index % 3}))
        clock.advance(days=1)
    return goal_id, activities


def put_reminded_profile(email: str, timezone: str) -> str:
    """A new person's profile, written straight to the served table, with email reminders
    on (what the reminder job reads): their user id."""
    from chalicelib.core import dynamo

    user_id = str(uuid.uuid4())
    dynamo.client().put_item(
        TableName=dynamo.table_name(),
        Item=dynamo.serialize(
            {
                "PK": dynamo.user_pk(user_id),
                "SK": "PROFILE",
                "userId": user_id,
                "email": email,
                "timezone": timezone,
                "dayStartHour": 0,
                "preferences": {"notifications": {"email": True, "push": False, "sms": False}},
            }
        ),
    )
    return user_id


def journal_reads(clock: Clock) -> Any:
    from chalicelib.journal.reads import JournalReads
    from chalicelib.journal.repository import JournalRepository
    from chalicelib.journal.share_repository import ShareRepository

    return JournalReads(JournalRepository(), ShareRepository(), now=clock)


def item_size(item: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rules, what its writes bill by (1 KB per write unit): UTF-8
    names and strings, numbers about one byte per two significant digits plus one, booleans
    and nulls one byte, maps and lists 3 bytes and one per element besides their contents
    (a map's names count too), sets the sum of their members."""

    def value_size(value: Any) -> int:
        if isinstance(value, str):
            return len(value.encode())
        if isinstance(value, bool) or value is None:
            return 1
        if isinstance(value, int | float | Decimal):
            digits = str(abs(Decimal(value)).normalize()).replace(".", "").lstrip("0")
            return (len(digits) + 1) // 2 + 1
        if isinstance(value, dict):
            return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in value.items())
        if isinstance(value, list):
            return 3 + sum(value_size(member) + 1 for member in value)
        if isinstance(value, set | frozenset):
            return sum(value_size(member) for member in value)
        raise TypeError(type(value))

    return sum(len(name.encode()) + value_size(value) for name, value in item.items())
