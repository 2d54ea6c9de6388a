"""Builds each service once per process, on first use (never at import: cold starts stay cheap
and tests can point the settings elsewhere first)."""

from functools import lru_cache

from chalicelib.core import dynamo
from chalicelib.core.config import get_settings
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.service import GoalService
from chalicelib.journal.repository import JournalRepository
from chalicelib.journal.service import JournalService
from chalicelib.users import identity_provider
from chalicelib.users.auth_service import AuthService
from chalicelib.users.identity_provider import CognitoIdentityProvider
from chalicelib.users.repository import ProfileRepository
from chalicelib.users.service import ProfileService


@lru_cache(maxsize=1)
def profiles() -> ProfileService:
    return ProfileService(ProfileRepository())


@lru_cache(maxsize=1)
def goals() -> GoalService:
    return GoalService(GoalRepository())


@lru_cache(maxsize=1)
def journal() -> JournalService:
    return JournalService(JournalRepository(), goals(), GoalRepository())


@lru_cache(maxsize=1)
def auth() -> AuthService:
    settings = get_settings()
    return AuthService(CognitoIdentityProvider(settings), ProfileRepository(),
                       dev_tools_enabled=settings.dev_tools_enabled)


def reset() -> None:
    """Forget every built service, client and setting (for tests that change the environment)."""
    for cached in (profiles, goals, journal, auth, get_settings, dynamo.client, dynamo.probe_client,
                   identity_provider.cognito_client):
        cached.cache_clear()
