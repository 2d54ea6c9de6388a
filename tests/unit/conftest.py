"""Unit tests run the app in-process with Chalice's test client and moto in-process.

moto is started once per session and reset before each test that asks for `aws`, and the
app's table and user pool, made once, are copied back in: every test still begins with an empty
table and user pool, without paying per test for botocore to load its service models again
(moto's start gives boto3 a new default session) or for the calls that make them.
"""

import copy
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.models import DEFAULT_ACCOUNT_ID, MockAWS
from moto.dynamodb.models import dynamodb_backends

from chalicelib import wiring
from chalicelib.core import identity
from scripts.resources import ensure_table, ensure_user_pool
from tests.helpers import moto_public_jwks


class _EmptyStack:
    """The app's table and user pool as moto holds them right after they were made, copied
    back in after every reset: making them through the API costs eight calls per test."""

    def __init__(self, table: str, pool_id: str, client_id: str) -> None:
        self.names = {"table": table, "pool_id": pool_id, "client_id": client_id}
        self._table = copy.deepcopy(self._dynamodb().tables[table])
        self._pool = self._copy_of_pool(self._cognito().user_pools[pool_id])

    @staticmethod
    def _dynamodb() -> Any:
        return dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]]

    @staticmethod
    def _cognito() -> Any:
        return cognitoidp_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]]

    @staticmethod
    def _copy_of_pool(pool: Any) -> Any:
        # The signing key is immutable and not copyable (and importing it again costs a
        # quarter of a second): every copy shares it.
        key = pool.json_web_key
        return copy.deepcopy(pool, memo={id(key): key})

    def restore(self, mock: MockAWS) -> None:
        mock.reset()
        self._dynamodb().tables[self.names["table"]] = copy.deepcopy(self._table)
        self._cognito().user_pools[self.names["pool_id"]] = self._copy_of_pool(self._pool)


@pytest.fixture(scope="session")
def moto_session() -> Iterator[tuple[MockAWS, _EmptyStack]]:
    """moto for the rest of the session (from the first test that needs AWS), with the app's
    table and user pool made once."""
    with mock_aws() as mock:
        table = os.environ["TABLE_NAME"]
        ensure_table(boto3.client("dynamodb"), table)
        pool_id, client_id = ensure_user_pool(
            boto3.client("cognito-idp"), "ai-lifestyle-test", "ai-lifestyle-test-web"
        )
        yield mock, _EmptyStack(table, pool_id, client_id)


@pytest.fixture
def aws(
    moto_session: tuple[MockAWS, _EmptyStack], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """In-process DynamoDB and Cognito with the app's table and user pool, empty."""
    mock, stack = moto_session
    stack.restore(mock)
    monkeypatch.setenv("COGNITO_USER_POOL_ID", stack.names["pool_id"])
    monkeypatch.setenv("COGNITO_CLIENT_ID", stack.names["client_id"])
    monkeypatch.setattr(
        identity, "jwks_cache", identity.JwksCache(fetch=lambda url: moto_public_jwks())
    )
    wiring.reset()
    yield dict(stack.names)
    wiring.reset()


@pytest.fixture
def client(aws: dict[str, str]) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def data_bucket(aws: dict[str, str]) -> str:
    """The account-data bucket (core/storage.py), empty, as the local stack makes it."""
    from chalicelib.core.config import get_settings
    from scripts.resources import ensure_data_bucket

    name = get_settings().data_bucket
    ensure_data_bucket(boto3.client("s3"), name, os.environ["AWS_DEFAULT_REGION"], tls_only=False)
    return name
