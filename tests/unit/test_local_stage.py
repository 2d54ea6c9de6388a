"""The local stage finds the running stack by itself, and without one answers 503, never AWS."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib import wiring
from chalicelib.core import local_stage
from tests.helpers import assert_envelope, new_user

STACK_ENV = {
    "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",  # the discard port: nothing answers
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:9",
    "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:9",
    "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
    "COGNITO_USER_POOL_ID": "us-east-1_local",
    "COGNITO_CLIENT_ID": "localclient",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
}


@pytest.fixture
def bare_chalice_local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Client]:
    """The app as plain `chalice local --stage local` runs it: no stack environment handed
    over, while the developer's shell holds real-looking AWS credentials."""
    monkeypatch.delenv("AWS_MOCKED_IN_PROCESS")
    monkeypatch.setenv("LOCAL_STACK_DIR", str(tmp_path))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKING")
    for name in local_stage.REQUIRED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(local_stage, "_taken", {})
    saved = dict(os.environ)  # finding the stack writes its settings into the environment
    wiring.reset()
    from app import app

    try:
        with Client(app, stage_name="local") as client:
            yield client
    finally:
        os.environ.clear()
        os.environ.update(saved)
        wiring.reset()


def _no_aws_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the local stage made an AWS client without a stack")

    monkeypatch.setattr(boto3, "client", refuse)


def _write_stack(directory: Path, env: dict[str, str], pid: int) -> None:
    (directory / "stack.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    (directory / "stack.pid").write_text(f"{pid}\n")


def _dead_pid() -> int:
    pid = 2**22 - 7  # above Linux's default pid_max, so no process has it
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    return pid


def _calls(client: Client) -> list[Any]:
    body = json.dumps(new_user())
    headers = {"Content-Type": "application/json"}
    return [
        client.http.get("/health"),
        client.http.post("/auth/login", body=body, headers=headers),
        client.http.post("/auth/register", body=body, headers=headers),
        client.http.get("/goals", headers={"Authorization": "Bearer x.y.z"}),
        client.http.get("/docs"),
    ]


def test_without_a_stack_every_request_is_503_naming_the_fix(
    bare_chalice_local: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_aws_calls(monkeypatch)

    for response in _calls(bare_chalice_local):
        assert response.status_code == 503
        body = assert_envelope(response.body, 503, "SERVICE_UNAVAILABLE")
        assert body["message"] == "The local stack is not running: start it with `make stack`."
        assert response.headers["Retry-After"]


def test_a_stack_that_died_without_cleaning_up_counts_as_not_running(
    bare_chalice_local: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _write_stack(tmp_path, STACK_ENV, _dead_pid())
    _no_aws_calls(monkeypatch)

    assert [response.status_code for response in _calls(bare_chalice_local)] == [503] * 5


def test_a_running_stack_is_found_without_a_restart(
    bare_chalice_local: Client, tmp_path: Path
) -> None:
    assert bare_chalice_local.http.get("/health").status_code == 503

    _write_stack(tmp_path, STACK_ENV, os.getpid())  # this process stands in for the stack
    health = json.loads(bare_chalice_local.http.get("/health").body)

    # The app now asks the stack's endpoint (closed here) with the stack's dummy credentials,
    # not AWS with the shell's: the probe fails to connect instead of being refused by AWS.
    assert health["checks"]["dynamodb"]["error"] == "EndpointConnectionError"
    assert local_stage.stack_missing() is False
    assert {name: os.environ[name] for name in STACK_ENV} == STACK_ENV


def test_a_stack_handed_over_by_the_launcher_is_used_as_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_MOCKED_IN_PROCESS")
    monkeypatch.setenv("LOCAL_STACK_DIR", str(tmp_path))  # no stack.env there
    monkeypatch.setattr(local_stage, "_taken", {})
    for name, value in STACK_ENV.items():
        monkeypatch.setenv(name, value)

    assert local_stage.stack_missing() is False


def test_deployed_stages_never_look_for_a_stack(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_MOCKED_IN_PROCESS")
    monkeypatch.setenv("ENVIRONMENT", "prod")
    monkeypatch.setenv("LOCAL_STACK_DIR", str(tmp_path))
    wiring.reset()
    try:
        assert local_stage.stack_missing() is False
    finally:
        wiring.reset()


def _default_stack_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("LOCAL_STACK_DIR", raising=False)
    return local_stage.stack_dir()


def test_the_stack_keeps_its_state_outside_the_project_under_xdg_state_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    directory = _default_stack_dir(monkeypatch)

    # Chalice's reloader watches every file under the project; nothing there may change.
    assert not directory.is_relative_to(local_stage.PROJECT_ROOT)
    assert directory.parent == tmp_path / "state" / "ai-lifestyle-api"
    assert directory == local_stage.stack_dir()  # the same folder for the stack and the app


def test_without_xdg_state_home_the_state_is_under_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    without = _default_stack_dir(monkeypatch)
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")  # the XDG spec: ignore it
    relative = _default_stack_dir(monkeypatch)

    assert without.parent == relative.parent == tmp_path / ".local/state/ai-lifestyle-api"


def test_each_checkout_has_its_own_state_folder_and_local_stack_dir_overrides_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    here = local_stage.default_stack_dir(Path("/src/ai-lifestyle-api"))
    there = local_stage.default_stack_dir(Path("/src/other/ai-lifestyle-api"))
    monkeypatch.setenv("LOCAL_STACK_DIR", str(tmp_path / "tests"))

    assert here != there
    assert here.name.startswith("ai-lifestyle-api-")  # named after the checkout's folder
    assert local_stage.stack_dir() == tmp_path / "tests"
