"""Service tests: the services built as `chalicelib/wiring.py` builds them, with in-memory
fakes (tests/service/fakes.py) in place of DynamoDB and Cognito. No moto, no HTTP."""

import pytest

from chalicelib.users.auth_service import AuthService
from chalicelib.users.service import ProfileService
from tests.service.fakes import FakeIdentityProvider, FakeProfileRepository


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
