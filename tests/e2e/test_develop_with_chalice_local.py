"""Plain `chalice local --stage local`, as README's "Develop with chalice local" tells it.

Nothing is sourced or handed over: chalice local gets only PATH, the stack's folder (here a
temporary one, so a developer's own stack is never touched) and, to prove they go unused,
credentials that look like AWS's. The stack runs from the command `make stack` runs, on free
ports; the API runs on another free port.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.core import local_stage
from scripts.local_stack import ManagedProcess
from tests import contract
from tests.conftest import ROOT
from tests.helpers import STRONG_PASSWORD, assert_envelope

STACK_NOT_RUNNING = "The local stack is not running: start it with `make stack`."
READY_SECONDS = 120.0  # an upper bound on waiting, not a speed requirement


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DevLoop:
    stack_dir: Path
    env: dict[str, str]
    base_url: str
    stack: ManagedProcess | None = None

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any
             ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, self.base_url + path, headers=headers, timeout=30,
                                    **kwargs)
        if response.content:
            contract.assert_matches(method, path, response.status_code, response.json())
        return response

    def start_stack(self) -> None:
        """What `make stack` runs, until the stack says where it is."""
        command = [sys.executable, "scripts/local_stack.py", "stack",
                   "--dynamodb-port", str(_free_port()), "--cognito-port", str(_free_port())]
        self.stack = ManagedProcess("make stack", command, self.stack_dir / "stack-cli.log",
                                    cwd=ROOT, env=self.env)
        _wait_for(lambda: local_stage.read_stack_env(self.stack_dir) is not None, self.stack)

    def stop_stack(self) -> None:
        """Ctrl-C, as a developer stops it."""
        if self.stack is not None:
            self.stack.stop()
            self.stack = None

    def verify(self, email: str) -> None:
        import subprocess

        result = subprocess.run([sys.executable, "scripts/verify_user.py", email], cwd=ROOT,
                                env=self.env, capture_output=True, text=True, timeout=60,
                                check=False)
        assert result.returncode == 0, result.stderr


def _wait_for(ready: Any, process: ManagedProcess) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while not ready():
        if process.exited() or time.monotonic() > deadline:
            raise process.failure("did not become ready")
        time.sleep(0.25)


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return False
    return True


@pytest.fixture
def dev_loop(tmp_path: Path) -> Iterator[DevLoop]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LOCAL_STACK_DIR": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
    port = _free_port()
    chalice = str(Path(sys.executable).parent / "chalice")
    api = ManagedProcess(
        "chalice local",
        [chalice, "local", "--stage", "local", "--host", "127.0.0.1", "--port", str(port),
         "--no-autoreload"],
        tmp_path / "chalice-local.log", cwd=ROOT, env=env)
    loop = DevLoop(stack_dir=tmp_path, env=env, base_url=f"http://127.0.0.1:{port}")
    try:
        _wait_for(lambda: _answers(loop.base_url + "/health"), api)
        yield loop
    finally:
        loop.stop_stack()
        api.stop()


def _assert_stack_not_running(loop: DevLoop) -> None:
    for method, path in (("GET", "/health"), ("POST", "/auth/login"), ("GET", "/goals")):
        response = loop.call(method, path, json={"email": "a@example.com", "password": "x"}
                             if method == "POST" else None)
        assert response.status_code == 503, response.text
        body = assert_envelope(response.json(), 503, "SERVICE_UNAVAILABLE")
        assert body["message"] == STACK_NOT_RUNNING


def test_chalice_local_without_then_with_the_stack(dev_loop: DevLoop) -> None:
    _assert_stack_not_running(dev_loop)

    dev_loop.start_stack()  # chalice local keeps running: it finds the stack by itself
    assert dev_loop.call("GET", "/health").json()["status"] == "healthy"
    email = "dev-loop@example.com"
    registered = dev_loop.call("POST", "/auth/register", json={
        "email": email, "password": STRONG_PASSWORD, "firstName": "Ada", "lastName": "Lovelace"})
    assert registered.status_code == 201, registered.text
    dev_loop.verify(email)
    credentials = {"email": email, "password": STRONG_PASSWORD}
    login = dev_loop.call("POST", "/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    goal = dev_loop.call("POST", "/goals", login.json()["accessToken"], json={
        "title": "Meditate", "goalPattern": "streak",
        "target": {"metric": "duration", "value": 3, "unit": "minutes"}})
    assert goal.status_code == 201, goal.text

    dev_loop.stop_stack()
    _assert_stack_not_running(dev_loop)

    # The next day: the same account signs in and finds its goal.
    dev_loop.start_stack()
    again = dev_loop.call("POST", "/auth/login", json=credentials)
    assert again.status_code == 200, again.text
    token = again.json()["accessToken"]
    profile = dev_loop.call("GET", "/users/profile", token).json()
    assert profile["userId"] == registered.json()["userId"]
    mine = dev_loop.call("GET", f"/goals/{goal.json()['goalId']}", token)
    assert mine.status_code == 200
    assert mine.json()["title"] == "Meditate"
