"""End-to-end: `chalice local` as a subprocess on the real local stack, spoken to over HTTP."""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from scripts.local_stack import free_port
from tests import contract
from tests.helpers import ROOT, STRONG_PASSWORD


@dataclass
class Api:
    base_url: str
    stack_env: dict[str, str]

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = requests.request(
            method, self.base_url + path, headers=headers, timeout=15, **kwargs
        )
        if response.content and method != "OPTIONS":
            # Every body the API sends in these tests must be what the contract promises.
            contract.assert_matches(
                method, path.split("?", 1)[0], response.status_code, response.json()
            )
        return response

    def verify(self, email: str) -> subprocess.CompletedProcess[str]:
        """The documented dev command, run as a developer would."""
        return subprocess.run(
            [sys.executable, "scripts/verify_user.py", email],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", **self.stack_env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def new_account(self) -> tuple[str, dict[str, Any]]:
        """A registered, verified and signed-in user: its email and login response."""
        email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
        registered = self.call(
            "POST",
            "/auth/register",
            json={
                "email": email,
                "password": STRONG_PASSWORD,
                "firstName": "Ada",
                "lastName": "Lovelace",
            },
        )
        assert registered.status_code == 201, registered.text
        assert self.verify(email).returncode == 0
        login = self.call("POST", "/auth/login", json={"email": email, "password": STRONG_PASSWORD})
        assert login.status_code == 200, login.text
        return email, login.json()

    def with_keys(self, email: str, token: str) -> str:
        """Set up encryption keys for an account, as the web client's wizard does: a party
        that can receive shares (registration already indexed its address). Its user id."""
        from tests.browser_crypto import Browser

        keys = self.call(
            "POST", "/encryption/setup", token, json=Browser.set_up(bits=2048).setup_body()
        )
        assert keys.status_code == 201, keys.text
        return str(keys.json()["userId"])

    def account_jobs_queue(self) -> tuple[Any, str]:
        """The stack's SQS client and the account-jobs queue's URL."""
        import boto3

        env = self.stack_env
        sqs = boto3.client(
            "sqs",
            endpoint_url=env["AWS_ENDPOINT_URL_SQS"],
            region_name=env["REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        return sqs, sqs.get_queue_url(QueueName=env["ACCOUNT_DELETION_QUEUE"])["QueueUrl"]

    def run_account_jobs(self) -> int:
        """Run every queued account job (deletions, exports) to its end, as the local worker
        (scripts/deletion_worker.py, the loop `make run` runs) does; needs `worker_env`."""
        from scripts import deletion_worker

        sqs, url = self.account_jobs_queue()
        return deletion_worker.drain(sqs, url, deletion_worker.app_handler())


@pytest.fixture
def worker_env(api, monkeypatch: pytest.MonkeyPatch):
    """This process as the worker's: the stack's settings (the handler runs in-process)."""
    from chalicelib import wiring

    for name, value in api.stack_env.items():
        monkeypatch.setenv(name, value)
    wiring.reset()
    yield monkeypatch
    wiring.reset()


@pytest.fixture(scope="session")
def api(local_stack) -> Iterator[Api]:
    port = free_port()
    server = local_stack.start_chalice_local(port, autoreload=False)
    yield Api(base_url=f"http://127.0.0.1:{port}", stack_env=local_stack.env())
    server.terminate()
    server.wait(timeout=10)
