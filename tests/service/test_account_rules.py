"""Account rules on the auth service with an in-memory identity provider and profile
repository: duplicate emails whatever their case, unverified sign-in, and sign-in failures that
do not reveal whether an account exists. What needs Cognito itself (token lifetimes, password
policy, MFA codes) and the HTTP side are in tests/unit/test_auth_routes.py and test_mfa.py."""

import pytest

from chalicelib.core.errors import AppError
from chalicelib.core.validation import parse
from chalicelib.users.models import LoginRequest, RegisterRequest
from tests.helpers import STRONG_PASSWORD, new_user, registered_user


def refusal(action):
    """The client error `action` raises (status, code, message)."""
    with pytest.raises(AppError) as raised:
        action()
    return raised.value.status, raised.value.code, raised.value.message


def login(auth_service, email, password=STRONG_PASSWORD):
    return auth_service.login(parse(LoginRequest, {"email": email, "password": password}))


def test_emails_are_case_insensitive_duplicates_are_409(auth_service, profiles):
    auth_service.register(parse(RegisterRequest, new_user("ada@example.com")))
    status, code, _ = refusal(
        lambda: auth_service.register(parse(RegisterRequest, new_user("ADA@example.com")))
    )
    assert (status, code) == (409, "USER_ALREADY_EXISTS")
    assert len(profiles.items) == 1


def test_unverified_login_is_403(auth_service):
    auth_service.register(parse(RegisterRequest, new_user()))
    status, code, _ = refusal(lambda: login(auth_service, "ada@example.com"))
    assert (status, code) == (403, "ACCOUNT_NOT_VERIFIED")


def test_wrong_password_and_unknown_email_look_the_same(auth_service, identity):
    registered_user(auth_service, identity)
    wrong = refusal(lambda: login(auth_service, "ada@example.com", "Nope1!xx"))
    unknown = refusal(lambda: login(auth_service, "bob@example.com"))
    assert wrong[0] == unknown[0] == 401
    assert wrong[1] == unknown[1] == "INVALID_CREDENTIALS"
    assert wrong[2] == unknown[2]
