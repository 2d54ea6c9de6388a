"""Plain `chalice local --stage local`, as README's "Develop with chalice local" tells it.

Nothing is sourced or handed over: chalice local gets only PATH, the stack's folder (here a
temporary one, so a developer's own stack is never touched) and, to prove they go unused,
credentials that look like AWS's. The stack runs from the command `make stack` runs, on free
ports; the API runs on another free port.

With Chalice's reloader on, chalice local watches every file of its project, so the last test
runs a copy of the project: there the stack uses its default state folder (under a temporary
XDG_STATE_HOME), and editing the code to prove the reload touches no file of this checkout.
"""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice.cli.filewatch.stat import StatFileWatcher

from chalicelib.core import local_stage
from scripts.local_stack import (
    DynamoDBLocalUnavailable,
    ManagedProcess,
    fetch_dynamodb_local,
    free_port,
)
from tests import contract
from tests.helpers import ROOT, STRONG_PASSWORD, assert_envelope, new_user
from tests.stack import running_in_ci

STACK_NOT_RUNNING = "The local stack is not running: start it with `make stack`."
READY_SECONDS = 120.0  # an upper bound on waiting, not a speed requirement


@dataclass
class DevLoop:
    stack_dir: Path
    env: dict[str, str]
    base_url: str
    stack: ManagedProcess | None = None

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(
            method, self.base_url + path, headers=headers, timeout=30, **kwargs
        )
        if response.content:
            contract.assert_matches(method, path, response.status_code, response.json())
        return response

    def start_stack(self) -> None:
        """What `make stack` runs, until the stack says where it is."""
        command = [
            sys.executable,
            "scripts/local_stack.py",
            "stack",
            "--dynamodb-port",
            str(free_port()),
            "--cognito-port",
            str(free_port()),
        ]
        self.stack = ManagedProcess(
            "make stack", command, self.stack_dir / "stack-cli.log", cwd=ROOT, env=self.env
        )
        _wait_for(lambda: local_stage.read_stack_env(self.stack_dir) is not None, self.stack)

    def stop_stack(self) -> None:
        """Ctrl-C, as a developer stops it."""
        if self.stack is not None:
            self.stack.stop()
            self.stack = None

    def verify(self, email: str) -> None:
        result = subprocess.run(
            [sys.executable, "scripts/verify_user.py", email],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
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
    port = free_port()
    chalice = str(Path(sys.executable).parent / "chalice")
    api = ManagedProcess(
        "chalice local",
        [
            chalice,
            "local",
            "--stage",
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-autoreload",
        ],
        tmp_path / "chalice-local.log",
        cwd=ROOT,
        env=env,
    )
    loop = DevLoop(stack_dir=tmp_path, env=env, base_url=f"http://127.0.0.1:{port}")
    try:
        _wait_for(lambda: _answers(loop.base_url + "/health"), api)
        yield loop
    finally:
        loop.stop_stack()
        api.stop()


def _assert_stack_not_running(loop: DevLoop) -> None:
    for method, path in (("GET", "/health"), ("POST", "/auth/login"), ("GET", "/goals")):
        response = loop.call(
            method,
            path,
            json={"email": "a@example.com", "password": "x"} if method == "POST" else None,
        )
        assert response.status_code == 503, response.text
        body = assert_envelope(response.json(), 503, "SERVICE_UNAVAILABLE")
        assert body["message"] == STACK_NOT_RUNNING


def test_chalice_local_without_then_with_the_stack(dev_loop: DevLoop) -> None:
    _assert_stack_not_running(dev_loop)

    dev_loop.start_stack()  # chalice local keeps running: it finds the stack by itself
    assert dev_loop.call("GET", "/health").json()["status"] == "healthy"
    email = "dev-loop@example.com"
    registered = dev_loop.call(
        "POST",
        "/auth/register",
        json=new_user(email),
    )
    assert registered.status_code == 201, registered.text
    dev_loop.verify(email)
    credentials = {"email": email, "password": STRONG_PASSWORD}
    login = dev_loop.call("POST", "/auth/login", json=credentials)
    assert login.status_code == 200, login.text
    goal = dev_loop.call(
        "POST",
        "/goals",
        login.json()["accessToken"],
        json={
            "title": "Meditate",
            "goalPattern": "streak",
            "target": {"metric": "duration", "value": 3, "unit": "minutes"},
        },
    )
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


# What chalice local needs to serve the app, and what `make stack` runs.
PROJECT_PARTS = ("app.py", ".chalice", "chalicelib", "scripts")
SERVING = "Serving on http://"  # chalice local prints it each time its server (re)starts


@dataclass
class ProjectCopy:
    root: Path
    env: dict[str, str]
    state_home: Path


@pytest.fixture
def project_copy(tmp_path: Path) -> ProjectCopy:
    """This project's code in a temporary folder, with the downloaded DynamoDB Local linked in.

    The stack then keeps its state in the copy's own default folder, and any legacy data it
    would migrate is the copy's, never the developer's.
    """
    try:
        jars = fetch_dynamodb_local()  # into this checkout's .local/, once
    except DynamoDBLocalUnavailable as error:
        if running_in_ci():
            raise
        pytest.skip(str(error))
    root = tmp_path / "project"
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, root / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            root.mkdir(exist_ok=True)
            shutil.copy2(source, root / part)
    (root / ".local" / "dynamodb-local").mkdir(parents=True)
    (root / ".local" / "dynamodb-local" / "lib").symlink_to(jars.resolve())
    # As in a checkout someone has run before: the bytecode exists, so the first imports
    # write nothing the reloader could take for an edit.
    assert compileall.compile_dir(root, quiet=1)
    state_home = tmp_path / "state"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "XDG_STATE_HOME": str(state_home),
        "PYTHONUNBUFFERED": "1",  # chalice local's "Serving on" lines reach its log at once
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
    return ProjectCopy(root=root, env=env, state_home=state_home)


def _file_stamps(root: Path) -> dict[str, int]:
    """What Chalice's stat reloader compares: every file under the project and its mtime
    (os.walk does not follow links into folders, as the reloader's walk does not)."""
    stamps = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            stamps[str(path.relative_to(root))] = path.stat().st_mtime_ns
    return stamps


def _servings(log: Path) -> int:
    return log.read_text(errors="replace").count(SERVING)


def test_chalice_local_with_autoreload_serves_beside_a_busy_stack_and_reloads_on_edits(
    project_copy: ProjectCopy,
) -> None:
    root, env = project_copy.root, project_copy.env
    chalice = str(Path(sys.executable).parent / "chalice")
    port = free_port()
    log = project_copy.state_home.parent / "chalice-local.log"
    api = ManagedProcess(
        "chalice local",
        [chalice, "local", "--stage", "local", "--host", "127.0.0.1", "--port", str(port)],
        log,
        cwd=root,
        env=env,
    )
    stack = ManagedProcess(
        "make stack",
        [
            sys.executable,
            "scripts/local_stack.py",
            "stack",
            "--dynamodb-port",
            str(free_port()),
            "--cognito-port",
            str(free_port()),
        ],
        project_copy.state_home.parent / "stack-cli.log",
        cwd=root,
        env=env,
    )
    loop = DevLoop(stack_dir=root, env=env, base_url=f"http://127.0.0.1:{port}")
    try:
        _wait_for(lambda: _healthy(loop), stack)
        _wait_for(lambda: _servings(log) >= 1, api)
        before = _file_stamps(root)

        # The stack writes its data, Cognito state and logs on every one of these.
        email = "reload@example.com"
        registered = loop.call(
            "POST",
            "/auth/register",
            json=new_user(email),
        )
        assert registered.status_code == 201, registered.text
        verified = subprocess.run(
            [sys.executable, "scripts/verify_user.py", email],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert verified.returncode == 0, verified.stderr
        credentials = {"email": email, "password": STRONG_PASSWORD}
        token = loop.call("POST", "/auth/login", json=credentials).json()["accessToken"]
        goal = loop.call(
            "POST",
            "/goals",
            token,
            json={
                "title": "Stretch",
                "goalPattern": "streak",
                "target": {"metric": "duration", "value": 5, "unit": "minutes"},
            },
        )
        assert goal.status_code == 201, goal.text
        # Keep the stack busy across several of the reloader's polls.
        polls = 0
        watched_until = time.monotonic() + 3 * StatFileWatcher.POLL_INTERVAL
        while time.monotonic() < watched_until or polls < 3:
            assert loop.call("POST", "/auth/login", json=credentials).status_code == 200
            assert loop.call("GET", "/goals", token).status_code == 200
            polls += 1

        assert _file_stamps(root) == before  # the stack wrote nothing under the project
        assert _servings(log) == 1, log.read_text()  # so chalice local never restarted
        [stack_env] = project_copy.state_home.glob("ai-lifestyle-api/*/stack.env")
        assert local_stage.read_stack_env(stack_env.parent) is not None

        # An edit of the code is still picked up: the server restarts and serves it.
        edited = root / "chalicelib" / "core" / "local_stage.py"
        edited.write_text(edited.read_text() + "\n# edited\n")
        _wait_for(lambda: _servings(log) >= 2, api)
        _wait_for(lambda: _healthy(loop), api)
        assert loop.call("GET", f"/goals/{goal.json()['goalId']}", token).status_code == 200
    finally:
        stack.stop()
        api.stop()


def _healthy(loop: DevLoop) -> bool:
    try:
        response = requests.get(loop.base_url + "/health", timeout=5)
    except requests.ConnectionError:
        return False
    return response.status_code == 200 and response.json().get("status") == "healthy"
