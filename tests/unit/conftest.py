"""Unit tests run the app in-process with Chalice's test client and moto in-process."""

import gzip
import io
import json
import logging
import os
from collections.abc import Iterator
from importlib import resources
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import wiring
from chalicelib.core import identity
from chalicelib.core.logging import logger
from scripts.resources import ensure_table, ensure_user_pool
from tests.helpers import get, new_user, post_json, put_json

__all__ = ["get", "log_lines", "post_json", "put_json", "signed_in_user"]


def moto_public_jwks() -> dict[str, Any]:
    """The keys moto signs Cognito tokens with; moto's in-process mock does not serve them over
    urllib, so they are handed to the app's key cache directly."""
    raw = (resources.files("moto") / "cognitoidp/resources/jwks-public.json.gz").read_bytes()
    document: dict[str, Any] = json.loads(gzip.decompress(raw))
    return document


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """In-process DynamoDB and Cognito with the app's table and user pool."""
    with mock_aws():
        table = os.environ["TABLE_NAME"]
        ensure_table(boto3.client("dynamodb"), table)
        pool_id, client_id = ensure_user_pool(boto3.client("cognito-idp"), "ai-lifestyle-test",
                                              "ai-lifestyle-test-web")
        monkeypatch.setenv("COGNITO_USER_POOL_ID", pool_id)
        monkeypatch.setenv("COGNITO_CLIENT_ID", client_id)
        monkeypatch.setattr(identity, "jwks_cache",
                            identity.JwksCache(fetch=lambda url: moto_public_jwks()))
        wiring.reset()
        yield {"table": table, "pool_id": pool_id, "client_id": client_id}
        wiring.reset()


@pytest.fixture
def client(aws: dict[str, str]) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


def signed_in_user(client: Client, aws: dict[str, str], email: str = "ada@example.com") -> str:
    """Register, verify (as the dev command does) and sign in; the access token."""
    assert post_json(client, "/auth/register", new_user(email)).status_code == 201
    boto3.client("cognito-idp").admin_confirm_sign_up(UserPoolId=aws["pool_id"], Username=email)
    login = post_json(client, "/auth/login", {"email": email, "password": new_user()["password"]})
    assert login.status_code == 200, login.body
    return str(json.loads(login.body)["accessToken"])


@pytest.fixture
def app_logs() -> Iterator[Any]:
    """A function returning everything the app has logged in this test, as written."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    service_logger = logging.getLogger(logger.service)
    service_logger.addHandler(handler)
    yield stream.getvalue
    service_logger.removeHandler(handler)


def log_lines(captured: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
