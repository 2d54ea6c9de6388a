"""MFA rules on the auth service with the fake identity provider (which checks TOTP codes as
Cognito does): disabling needs a current code, and the sealed MFA session token admits only
the user who started the login, only in time, and never answers with another user's tokens.
Setup, the two-step login over HTTP and the rollback's 503 are in tests/unit/test_mfa.py."""

import base64
import json

import pytest

from chalicelib.core.errors import AppError
from chalicelib.core.validation import parse
from chalicelib.users import mfa_session
from chalicelib.users.models import LoginRequest, MfaCodeRequest, MfaLoginRequest
from tests.helpers import STRONG_PASSWORD, current_totp_code, registered_user


def refusal(action):
    """The client error `action` raises (status, code)."""
    with pytest.raises(AppError) as raised:
        action()
    return raised.value.status, raised.value.code


def login(auth_service, email):
    return auth_service.login(parse(LoginRequest, {"email": email, "password": STRONG_PASSWORD}))


def signed_in(auth_service, identity, email="ada@example.com"):
    """(user id, access token) of a new, verified and signed-in user."""
    user_id = registered_user(auth_service, identity, email)
    return user_id, login(auth_service, email)["accessToken"]


def enable_mfa(auth_service, user_id, access_token):
    setup = auth_service.start_mfa_setup(user_id, access_token)
    auth_service.finish_mfa_setup(
        user_id, access_token, parse(MfaCodeRequest, {"code": current_totp_code(setup["secret"])})
    )
    return setup


def verify(auth_service, session_token, code):
    return auth_service.complete_mfa_login(
        parse(MfaLoginRequest, {"sessionToken": session_token, "code": code})
    )


def mfa_login(auth_service, email):
    body = login(auth_service, email)
    assert body["mfaRequired"] is True, body
    return body["sessionToken"]


@pytest.fixture
def ada(auth_service, identity):
    return signed_in(auth_service, identity)


def test_disable_needs_a_current_code(auth_service, ada):
    user_id, access_token = ada
    setup = enable_mfa(auth_service, user_id, access_token)
    wrong = refusal(
        lambda: auth_service.disable_mfa(
            user_id, access_token, parse(MfaCodeRequest, {"code": "000000"})
        )
    )
    assert wrong[1] == "INVALID_CODE"
    right = auth_service.disable_mfa(
        user_id, access_token, parse(MfaCodeRequest, {"code": current_totp_code(setup["secret"])})
    )
    assert right == {"enabled": False, "mfaEnabled": False}
    signed = login(auth_service, "ada@example.com")
    assert "mfaRequired" not in signed
    assert signed["user"]["mfaEnabled"] is False


@pytest.mark.parametrize(
    "session_token",
    [
        "%%%",
        # base64 of {"email": 5, "session": null}: well-formed, but not a session of ours.
        "eyJlbWFpbCI6NSwic2Vzc2lvbiI6bnVsbH0=",
    ],
)
def test_a_garbled_session_token_is_401(auth_service, ada, session_token):
    assert refusal(lambda: verify(auth_service, session_token, "123456")) == (
        401,
        "INVALID_SESSION",
    )


def _payload(session_token):
    part = session_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _with_payload(session_token, payload):
    version, _, mac = session_token.split(".")
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{version}.{encoded}.{mac}"


def test_a_session_token_with_another_email_is_refused(auth_service, identity, ada):
    """Issue 10, item 7: the token was unsigned base64 JSON, so swapping in another user's
    email with a valid code signed in as that user."""
    setup = enable_mfa(auth_service, *ada)
    victim = signed_in(auth_service, identity, "grace@example.com")
    enable_mfa(auth_service, *victim)
    mine = mfa_login(auth_service, "ada@example.com")
    mfa_login(auth_service, "grace@example.com")
    payload = _payload(mine)
    assert payload["email"] == "ada@example.com"
    forged = _with_payload(mine, {**payload, "email": "grace@example.com"})
    for attempt in (
        forged,
        mine[:-2] + ("AA" if not mine.endswith("AA") else "BB"),
        mine.replace("v1.", "v0.", 1),
        _with_payload(mine, {**payload, "exp": payload["exp"] + 3600}),
    ):
        assert refusal(
            lambda attempt=attempt: verify(
                auth_service, attempt, current_totp_code(setup["secret"])
            )
        ) == (401, "INVALID_SESSION")
    # The untouched token still works, for its own user only.
    signed = verify(auth_service, mine, current_totp_code(setup["secret"]))
    assert signed["user"]["email"] == "ada@example.com"


def test_an_expired_session_token_is_refused(auth_service, ada, monkeypatch):
    setup = enable_mfa(auth_service, *ada)
    session_token = mfa_login(auth_service, "ada@example.com")
    later = mfa_session.LIFETIME.total_seconds() + 1
    monkeypatch.setattr(
        mfa_session, "_now_seconds", lambda real=mfa_session._now_seconds: real() + later
    )
    assert refusal(
        lambda: verify(auth_service, session_token, current_totp_code(setup["secret"]))
    ) == (401, "SESSION_EXPIRED")


def test_tokens_of_another_user_are_never_answered(auth_service, identity, ada, monkeypatch):
    """Even if Cognito answered a challenge with someone else's tokens, the caller who
    started the login gets nothing."""
    setup = enable_mfa(auth_service, *ada)
    other = signed_in(auth_service, identity, "grace@example.com")
    session_token = mfa_login(auth_service, "ada@example.com")
    real = identity.answer_mfa_challenge
    graces = identity.password_login("grace@example.com", STRONG_PASSWORD)
    assert other
    assert graces.access_token
    monkeypatch.setattr(identity, "answer_mfa_challenge", lambda *args: (real(*args), graces)[1])
    # Refused, so nothing (no tokens) is answered.
    assert refusal(
        lambda: verify(auth_service, session_token, current_totp_code(setup["secret"]))
    ) == (401, "INVALID_SESSION")
