"""Faults: what clients get when DynamoDB or Cognito fail, with the app in-process on the real
local stack.

Faults are injected on the app's own botocore clients with a `before-send` hook that answers
instead of the service, so botocore's retry logic (standard mode) sees real error responses:
throttling and 500s are retried with backoff, then the API answers 503 with `Retry-After` in
the envelope, and nothing was half written. Cognito is made unreachable by pointing the app at
a closed port. Last, a stack of its own loses DynamoDB Local mid-run and gets it back.
"""

import functools
import json
import socket
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from chalice.test import Client

from chalicelib import wiring
from chalicelib.core import dynamo, identity
from chalicelib.goals.repository import goal_partition
from chalicelib.users import identity_provider
from tests.helpers import assert_envelope, get, new_user, post_json

DYNAMODB_ATTEMPTS = 3  # chalicelib/core/dynamo.py: standard mode, total_max_attempts=3
COGNITO_ATTEMPTS = 3  # chalicelib/users/identity_provider.py
DYNAMODB_ERROR = "com.amazonaws.dynamodb.v20120810#"


class _Body:
    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._payload


class Fault:
    """Answers some operations of a botocore client with an error instead of sending them,
    `times` times (every time when None), and counts the attempts it answered."""

    def __init__(
        self,
        client: Any,
        operations: tuple[str, ...],
        status: int,
        error: str,
        times: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.attempts: dict[str, int] = dict.fromkeys(operations, 0)
        self._details = details or {}
        self._events = client.meta.events
        self._status = status
        self._error = error
        self._left = times
        service = client.meta.service_model.service_id.hyphenize()
        self._handlers = [
            (f"before-send.{service}.{operation}", functools.partial(self._answer, operation))
            for operation in operations
        ]
        for event, handler in self._handlers:
            self._events.register(event, handler)

    def _answer(self, operation: str, request: Any, **_: Any) -> AWSResponse | None:
        if self._left is not None:
            if self._left == 0:
                return None
            self._left -= 1
        self.attempts[operation] += 1
        body = json.dumps(
            {"__type": self._error, "message": "injected fault", **self._details}
        ).encode()
        return AWSResponse(
            request.url,
            self._status,
            {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"},
            _Body(body),
        )

    def remove(self) -> None:
        for event, handler in self._handlers:
            self._events.unregister(event, handler)


@pytest.fixture
def faults() -> Iterator[list[Fault]]:
    injected: list[Fault] = []
    yield injected
    for fault in injected:
        fault.remove()


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's sleeps between attempts, recorded instead of slept (throttling backs off
    up to 1 + 2 + 4 seconds)."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=delays.append))
    return delays


@pytest.fixture
def api(stack_env) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="local") as client:
        yield client


def _sign_in(api: Client, cognito: Any, pool_id: str) -> tuple[str, str]:
    """A new verified user's email and access token."""
    email = f"fault-{uuid.uuid4().hex[:10]}@example.com"
    assert post_json(api, "/auth/register", new_user(email)).status_code == 201
    cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    login = post_json(api, "/auth/login", {"email": email, "password": new_user()["password"]})
    assert login.status_code == 200, login.body
    return email, json.loads(login.body)["accessToken"]


@pytest.fixture
def token(api, local_stack) -> str:
    return _sign_in(api, local_stack.client("cognito-idp"), local_stack.info.user_pool_id)[1]


def _goal(api: Client, token: str) -> dict[str, Any]:
    created = post_json(
        api,
        "/goals",
        {
            "title": f"Read {uuid.uuid4().hex[:6]}",
            "goalPattern": "milestone",
            "target": {"value": 100, "unit": "pages"},
        },
        token,
    )
    assert created.status_code == 201, created.body
    return dict(json.loads(created.body))


def assert_unavailable(response: Any) -> dict[str, Any]:
    assert response.status_code == 503, response.body
    body = assert_envelope(response.body, 503, "SERVICE_UNAVAILABLE")
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return body


@pytest.mark.parametrize("error", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_throttled_reads_are_retried_with_backoff_then_503(api, token, faults, backoff, error):
    goal = _goal(api, token)
    fault = Fault(dynamo.client(), ("GetItem", "Query"), 400, DYNAMODB_ERROR + error)
    faults.append(fault)
    assert_unavailable(get(api, f"/goals/{goal['goalId']}", token))
    assert fault.attempts["GetItem"] == DYNAMODB_ATTEMPTS
    assert_unavailable(get(api, "/goals", token))
    assert fault.attempts["Query"] == DYNAMODB_ATTEMPTS
    # Three waits per request, growing from a 1-second base (throttling's), with jitter.
    assert len(backoff) == 2 * (DYNAMODB_ATTEMPTS - 1)
    assert all(0 <= delay <= 2**attempt for attempt, delay in enumerate(backoff[:3]))
    fault.remove()
    assert get(api, f"/goals/{goal['goalId']}", token).status_code == 200


def test_the_health_probe_tries_once(api, faults):
    fault = Fault(dynamo.probe_client(), ("GetItem",), 500, DYNAMODB_ERROR + "InternalServerError")
    faults.append(fault)
    report = json.loads(api.http.get("/health").body)
    assert report["status"] == "degraded"
    assert report["checks"]["dynamodb"] == {"status": "unhealthy", "error": "InternalServerError"}
    assert fault.attempts["GetItem"] == 1


def test_a_server_error_on_the_transaction_is_retried_then_503_and_nothing_is_written(
    api, token, faults, local_stack
):
    goal = _goal(api, token)
    fault = Fault(
        dynamo.client(), ("TransactWriteItems",), 500, DYNAMODB_ERROR + "InternalServerError"
    )
    faults.append(fault)
    started = time.monotonic()
    logged = post_json(api, f"/goals/{goal['goalId']}/activities", {"value": 7}, token)
    assert_unavailable(logged)
    assert fault.attempts["TransactWriteItems"] == DYNAMODB_ATTEMPTS
    assert time.monotonic() - started < 5  # non-throttling backoff: 25 ms base
    entry = post_json(
        api,
        "/journal",
        {
            "title": "Linked",
            "content": "<p>x</p>",
            "linkedGoalIds": [goal["goalId"]],
            "goalProgress": [{"goalId": goal["goalId"], "progressValue": 3}],
        },
        token,
    )
    assert_unavailable(entry)
    fault.remove()
    # No activity, no day aggregate, no entry, no stats, and the goal is as it was.
    items = local_stack.client("dynamodb").query(
        TableName=local_stack.info.table_name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": goal_partition(goal["userId"], goal["goalId"])}},
    )
    assert items["Items"] == []
    after = json.loads(get(api, f"/goals/{goal['goalId']}", token).body)
    assert after["version"] == goal["version"]
    assert after["progress"]["totalAccumulated"] == 0
    assert json.loads(get(api, "/journal", token).body)["total"] == 0
    assert json.loads(get(api, "/journal/stats", token).body)["totalEntries"] == 0


def test_a_passing_fault_is_absorbed_by_the_retries_and_writes_once(api, token, faults, backoff):
    goal = _goal(api, token)
    fault = Fault(
        dynamo.client(),
        ("TransactWriteItems",),
        400,
        DYNAMODB_ERROR + "ThrottlingException",
        times=DYNAMODB_ATTEMPTS - 1,
    )
    faults.append(fault)
    logged = post_json(api, f"/goals/{goal['goalId']}/activities", {"value": 7}, token)
    assert logged.status_code == 201, logged.body
    assert fault.attempts["TransactWriteItems"] == DYNAMODB_ATTEMPTS - 1
    listed = json.loads(get(api, f"/goals/{goal['goalId']}/activities", token).body)
    assert [activity["value"] for activity in listed["activities"]] == [7]


@pytest.mark.parametrize("route", ["/goals", "/goals/{goal}/activities", "/journal"])
def test_a_transaction_cancelled_for_a_conflict_is_retried_on_every_create(
    api, token, faults, route
):
    """A TransactWriteItems that another transaction got in the way of (no condition failed)
    is read again and retried, on creating a goal as on every other write."""
    goal = _goal(api, token)
    conflict = Fault(
        dynamo.client(),
        ("TransactWriteItems",),
        400,
        DYNAMODB_ERROR + "TransactionCanceledException",
        times=1,
        details={"CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]},
    )
    faults.append(conflict)
    bodies = {
        "/goals": {
            "title": f"Run {uuid.uuid4().hex[:6]}",
            "goalPattern": "milestone",
            "target": {"value": 10},
        },
        "/goals/{goal}/activities": {"value": 3},
        "/journal": {"title": "Retried", "content": "<p>x</p>"},
    }
    created = post_json(api, route.format(goal=goal["goalId"]), bodies[route], token)
    assert created.status_code == 201, created.body
    assert conflict.attempts["TransactWriteItems"] == 1


def test_register_with_the_profile_write_failing_leaves_no_account(
    api, faults, backoff, local_stack
):
    # The profile and its email index item are one transaction (issue 12).
    fault = Fault(
        dynamo.client(),
        ("TransactWriteItems",),
        400,
        DYNAMODB_ERROR + "ProvisionedThroughputExceededException",
    )
    faults.append(fault)
    email = f"fault-{uuid.uuid4().hex[:10]}@example.com"
    assert_unavailable(post_json(api, "/auth/register", new_user(email)))
    assert fault.attempts["TransactWriteItems"] == DYNAMODB_ATTEMPTS
    cognito = local_stack.client("cognito-idp")
    found = cognito.list_users(
        UserPoolId=local_stack.info.user_pool_id, Filter=f'email = "{email}"'
    )
    assert found["Users"] == []  # the Cognito user was removed again
    fault.remove()
    assert post_json(api, "/auth/register", new_user(email)).status_code == 201


def test_cognito_server_errors_are_retried_then_503(api, token, faults):
    from chalicelib.core.config import get_settings

    client = identity_provider.cognito_client(get_settings().region)
    fault = Fault(
        client, ("InitiateAuth", "SignUp", "ForgotPassword"), 500, "InternalErrorException"
    )
    faults.append(fault)
    assert_unavailable(
        post_json(api, "/auth/login", {"email": "ada@example.com", "password": "Str0ng!Passw0rd"})
    )
    newcomer = new_user(f"x{uuid.uuid4().hex[:6]}@ex.com")
    assert_unavailable(post_json(api, "/auth/register", newcomer))
    assert_unavailable(post_json(api, "/auth/password/reset-request", {"email": "a@example.com"}))
    assert fault.attempts == dict.fromkeys(
        ("InitiateAuth", "SignUp", "ForgotPassword"), COGNITO_ATTEMPTS
    )
    # Requests that need no Cognito call still work.
    assert get(api, "/users/profile", token).status_code == 200


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cognito_unreachable_is_503_quickly(api, token, monkeypatch):
    monkeypatch.setenv(
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", f"http://127.0.0.1:{_closed_port()}"
    )
    wiring.reset()
    # A fresh key cache: verifying a token needs the pool's keys, from Cognito too.
    monkeypatch.setattr(identity, "jwks_cache", identity.JwksCache())
    started = time.monotonic()
    assert_unavailable(
        post_json(api, "/auth/login", {"email": "ada@example.com", "password": "Str0ng!Passw0rd"})
    )
    assert_unavailable(get(api, "/users/profile", token))
    assert time.monotonic() - started < 10
    health = json.loads(api.http.get("/health").body)
    assert health["status"] == "healthy"  # the table is fine: only sign-in is down


def test_dynamodb_local_stopped_mid_run_then_back(tmp_path, monkeypatch):
    """A stack of its own (the session's is shared): DynamoDB Local stops and starts again on
    the same port, its data kept on disk."""
    from tests.stack import StackUnavailable, start_test_stack

    try:
        stack = start_test_stack(tmp_path, data_dir=tmp_path / "dynamodb-data")
    except StackUnavailable as error:
        pytest.skip(str(error))
    try:
        for name, value in stack.env().items():
            monkeypatch.setenv(name, value)
        wiring.reset()
        from app import app

        with Client(app, stage_name="local") as api:
            _, token = _sign_in(api, stack.client("cognito-idp"), stack.info.user_pool_id)
            goal = _goal(api, token)
            path = f"/goals/{goal['goalId']}"

            stack.stop_dynamodb()
            for request in (
                lambda: get(api, path, token),
                lambda: post_json(api, f"{path}/activities", {"value": 1}, token),
                lambda: get(api, "/users/profile", token),
            ):
                started = time.monotonic()
                assert_unavailable(request())
                # Connections are refused at once: four attempts and short backoffs.
                assert time.monotonic() - started < 10
            started = time.monotonic()
            health = api.http.get("/health")
            assert health.status_code == 200
            report = json.loads(health.body)
            assert report["status"] == "degraded"
            assert report["checks"]["dynamodb"]["status"] == "unhealthy"
            assert time.monotonic() - started < 5

            stack.start_dynamodb()
            assert json.loads(api.http.get("/health").body)["status"] == "healthy"
            again = get(api, path, token)
            assert again.status_code == 200
            assert json.loads(again.body)["version"] == goal["version"]
            assert post_json(api, f"{path}/activities", {"value": 1}, token).status_code == 201
    finally:
        stack.stop()
        wiring.reset()
