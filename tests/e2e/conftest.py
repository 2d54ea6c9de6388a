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
from tests.helpers import ROOT, STRONG_PASSWORD, key_record


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
        """Give an account a key record, as POST /encryption/setup stores it, and the email
        index item registration keeps: a party that can receive shares. Its user id."""
        import boto3

        from chalicelib.core import dynamo
        from chalicelib.users.email_index import email_item

        user_id = str(self.call("GET", "/users/profile", token).json()["userId"])
        table = boto3.client(
            "dynamodb",
            endpoint_url=self.stack_env["AWS_ENDPOINT_URL_DYNAMODB"],
            region_name=self.stack_env["AWS_DEFAULT_REGION"],
            aws_access_key_id=self.stack_env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.stack_env["AWS_SECRET_ACCESS_KEY"],
        )
        for item in (key_record(user_id), email_item(email.lower(), user_id)):
            table.put_item(TableName=self.stack_env["TABLE_NAME"], Item=dynamo.serialize(item))
        return user_id


@pytest.fixture(scope="session")
def api(local_stack) -> Iterator[Api]:
    port = free_port()
    server = local_stack.start_chalice_local(port, autoreload=False)
    yield Api(base_url=f"http://127.0.0.1:{port}", stack_env=local_stack.env())
    server.terminate()
    server.wait(timeout=10)
