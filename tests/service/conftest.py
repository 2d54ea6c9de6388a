"""Service tests: the services built as `chalicelib/wiring.py` builds them, with in-memory
fakes (tests/service/fakes.py) in place of DynamoDB and Cognito, or the real repositories on
an in-memory table (tests/service/memory_table.py). No moto, no HTTP."""

from collections.abc import Iterator

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.users.auth_service import AuthService
from chalicelib.users.service import ProfileService
from tests.service.fakes import FakeIdentityProvider, FakeProfileRepository
from tests.service.memory_table import MemoryTable


@pytest.fixture
def profiles() -> FakeProfileRepository:
    return FakeProfileRepository()


@pytest.fixture
def identity() -> FakeIdentityProvider:
    return FakeIdentityProvider()


@pytest.fixture
def profile_service(profiles: FakeProfileRepository) -> ProfileService:
    return ProfileService(profiles)  # type: ignore[arg-type]


@pytest.fixture
def auth_service(identity: FakeIdentityProvider, profiles: FakeProfileRepository) -> AuthService:
    return AuthService(
        identity,  # type: ignore[arg-type]
        profiles,  # type: ignore[arg-type]
        session_key=lambda: b"service-tests-session-key-0123456789abcdef",
    )


@pytest.fixture
def table() -> Iterator[MemoryTable]:
    """The in-memory table in DynamoDB's place for the test (core/dynamo.served_by), with the
    services wired afresh: goal and journal rules run on the real repositories and units of
    work, without moto."""
    wiring.reset()
    with dynamo.served_by(MemoryTable()) as memory:
        yield memory
    wiring.reset()
