"""Session rules on the auth service with the fake identity provider: signing out everywhere
ends every refresh token of the caller and nobody else's; a password changes only with the
current one (a wrong one is 400, never the 401 that clients take for an ended session), the
new one follows the policy and differs from the old, and a change signs out every session.
Over HTTP on the local stack: tests/e2e/test_sessions_over_http.py."""

import pytest

from chalicelib.core.errors import AppError, ValidationFailed
from chalicelib.core.validation import parse
from chalicelib.users.identity_provider import Failure, IdentityFailure
from chalicelib.users.models import LoginRequest, PasswordChangeRequest, RefreshRequest
from tests.helpers import STRONG_PASSWORD, registered_user

NEW_PASSWORD = "N3w!Passw0rd"


def refusal(action):
    """The client error `action` raises (status, code)."""
    with pytest.raises(AppError) as raised:
        action()
    return raised.value.status, raised.value.code


def login(auth_service, email="ada@example.com", password=STRONG_PASSWORD):
    return auth_service.login(parse(LoginRequest, {"email": email, "password": password}))


def refresh(auth_service, session):
    return auth_service.refresh(parse(RefreshRequest, {"refreshToken": session["refreshToken"]}))


def change(auth_service, session, old, new=NEW_PASSWORD):
    request = parse(PasswordChangeRequest, {"oldPassword": old, "newPassword": new})
    return auth_service.change_password(session["user"]["userId"], session["accessToken"], request)


@pytest.fixture
def ada(auth_service, identity):
    registered_user(auth_service, identity)
    return login(auth_service)


def test_sign_out_everywhere_ends_every_refresh_token_of_the_caller_only(
    auth_service, identity, ada
):
    laptop = login(auth_service)
    registered_user(auth_service, identity, "bob@example.com")
    bob = login(auth_service, "bob@example.com")
    answer = auth_service.sign_out_everywhere(ada["user"]["userId"], laptop["accessToken"])
    assert answer["signedOut"] is True
    for session in (ada, laptop):
        assert refusal(lambda s=session: refresh(auth_service, s)) == (401, "INVALID_TOKEN")
    assert refresh(auth_service, bob)["accessToken"]
    # Signing in again starts a session that works.
    assert refresh(auth_service, login(auth_service))["accessToken"]


def test_sign_out_with_a_token_the_provider_refused_is_401(auth_service, ada):
    auth_service.sign_out_everywhere(ada["user"]["userId"], ada["accessToken"])
    assert refusal(
        lambda: auth_service.sign_out_everywhere(ada["user"]["userId"], ada["accessToken"])
    ) == (401, "UNAUTHORIZED")


def test_a_wrong_current_password_is_403_and_changes_nothing(auth_service, ada):
    assert refusal(lambda: change(auth_service, ada, "Wr0ng!Passw0rd")) == (
        403,
        "INCORRECT_PASSWORD",
    )
    assert login(auth_service)["accessToken"]
    assert refresh(auth_service, ada)["accessToken"]  # and no session ended


def test_the_right_current_password_changes_it_and_signs_out_everywhere(auth_service, ada):
    laptop = login(auth_service)
    answer = change(auth_service, ada, STRONG_PASSWORD)
    assert answer["signedOut"] is True
    assert login(auth_service, password=NEW_PASSWORD)["accessToken"]
    assert refusal(lambda: login(auth_service)) == (401, "INVALID_CREDENTIALS")
    for session in (ada, laptop):
        assert refusal(lambda s=session: refresh(auth_service, s)) == (401, "INVALID_TOKEN")


@pytest.mark.parametrize(
    "old, new, field",
    [
        (STRONG_PASSWORD, STRONG_PASSWORD, "newPassword"),  # the same as the old one
        (STRONG_PASSWORD, "weakpassword", "newPassword"),  # breaks the policy
        ("", NEW_PASSWORD, "oldPassword"),
        ("x" * 257, NEW_PASSWORD, "oldPassword"),
    ],
)
def test_the_new_password_must_pass_the_policy_and_differ(old, new, field):
    with pytest.raises(ValidationFailed) as raised:
        parse(PasswordChangeRequest, {"oldPassword": old, "newPassword": new})
    assert [error["field"] for error in raised.value.errors] == [field]


def test_throttling_is_429_and_cognitos_own_password_rules_are_400(
    auth_service, identity, ada, monkeypatch
):
    def refuse(kind):
        def change_password(*args):
            raise IdentityFailure(kind, "refused")

        monkeypatch.setattr(identity, "change_password", change_password)

    refuse(Failure.LIMIT_EXCEEDED)
    assert refusal(lambda: change(auth_service, ada, STRONG_PASSWORD)) == (
        429,
        "TOO_MANY_REQUESTS",
    )
    refuse(Failure.INVALID_PASSWORD)
    assert refusal(lambda: change(auth_service, ada, STRONG_PASSWORD)) == (
        400,
        "VALIDATION_ERROR",
    )
    refuse(Failure.INVALID_PARAMETER)
    assert refusal(lambda: change(auth_service, ada, STRONG_PASSWORD)) == (
        400,
        "VALIDATION_ERROR",
    )


@pytest.mark.parametrize(
    "failure",
    [IdentityFailure(Failure.LIMIT_EXCEEDED, "Rate exceeded"), ConnectionError("timed out")],
)
def test_a_sign_out_that_fails_after_the_change_is_told_not_raised(
    auth_service, identity, ada, monkeypatch, failure
):
    def fail(access_token):
        raise failure

    monkeypatch.setattr(identity, "sign_out_everywhere", fail)
    answer = change(auth_service, ada, STRONG_PASSWORD)
    assert answer["signedOut"] is False
    assert "sign out everywhere" in answer["message"]
    assert login(auth_service, password=NEW_PASSWORD)["accessToken"]
