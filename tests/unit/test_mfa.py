"""Software-token MFA: setup, verify-setup, the login branch, and disable (moto checks codes)."""

import json

import pytest
from botocore.exceptions import ClientError
from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET

from chalicelib import wiring
from tests.helpers import (
    STRONG_PASSWORD,
    assert_envelope,
    current_totp_code,
    post_json,
    signed_in_user,
)


@pytest.fixture
def token(client, aws, monkeypatch):
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    return signed_in_user(client, aws)


def _enable_mfa(client, token):
    setup = json.loads(post_json(client, "/auth/mfa/setup", {}, token).body)
    code = current_totp_code(setup["secret"])
    response = post_json(client, "/auth/mfa/verify-setup", {"code": code}, token)
    assert response.status_code == 200, response.body
    return setup


def test_setup_gives_an_otpauth_uri(client, token):
    response = post_json(client, "/auth/mfa/setup", {}, token)
    body = json.loads(response.body)
    assert body["secret"] == COGNITO_TOTP_MFA_SECRET
    assert body["qrCodeUrl"].startswith("otpauth://totp/AI%20Lifestyle%3Aada%40example.com?")
    assert f"secret={body['secret']}" in body["qrCodeUrl"]


def test_a_wrong_setup_code_is_refused(client, token):
    post_json(client, "/auth/mfa/setup", {}, token)
    wrong = post_json(client, "/auth/mfa/verify-setup", {"code": "000000"}, token)
    assert_envelope(wrong.body, wrong.status_code, "INVALID_CODE")
    malformed = post_json(client, "/auth/mfa/verify-setup", {"code": "12ab"}, token)
    assert malformed.status_code == 400


def test_login_with_mfa_takes_two_steps(client, token):
    assert json.loads(post_json(client, "/auth/mfa/verify-setup", {"code": "123456"},
                                token).body)["error"] == "MFA_NOT_STARTED"
    setup = _enable_mfa(client, token)
    first = json.loads(post_json(client, "/auth/login", {"email": "ada@example.com",
                                                         "password": STRONG_PASSWORD}).body)
    assert first["mfaRequired"] is True
    assert set(first) == {"sessionToken", "mfaRequired", "tokenType"}
    wrong = post_json(client, "/auth/mfa/verify", {"sessionToken": first["sessionToken"],
                                                   "code": "000000"})
    assert wrong.status_code == 401
    second = post_json(client, "/auth/mfa/verify", {"sessionToken": first["sessionToken"],
                                                    "code": current_totp_code(setup["secret"])})
    body = json.loads(second.body)
    assert second.status_code == 200
    assert "mfaRequired" not in body
    assert body["user"]["mfaEnabled"] is True


def test_disable_needs_a_current_code(client, token):
    setup = _enable_mfa(client, token)
    wrong = post_json(client, "/auth/mfa/disable", {"code": "000000"}, token)
    assert_envelope(wrong.body, wrong.status_code, "INVALID_CODE")
    right = post_json(client, "/auth/mfa/disable", {"code": current_totp_code(setup["secret"])},
                      token)
    assert json.loads(right.body) == {"enabled": False, "mfaEnabled": False}
    login = json.loads(post_json(client, "/auth/login", {"email": "ada@example.com",
                                                         "password": STRONG_PASSWORD}).body)
    assert "mfaRequired" not in login
    assert login["user"]["mfaEnabled"] is False


@pytest.mark.parametrize("session_token", [
    "%%%",
    # base64 of {"email": 5, "session": null}: well-formed, but not a session of ours.
    "eyJlbWFpbCI6NSwic2Vzc2lvbiI6bnVsbH0=",
])
def test_a_garbled_session_token_is_401(client, token, session_token):
    response = post_json(client, "/auth/mfa/verify", {"sessionToken": session_token,
                                                      "code": "123456"})
    assert response.status_code == 401
    assert_envelope(response.body, 401, "INVALID_SESSION")


def test_a_failed_profile_write_switches_cognito_mfa_back(client, token, monkeypatch):
    setup = json.loads(post_json(client, "/auth/mfa/setup", {}, token).body)
    repository = wiring.auth()._profiles
    real_update = repository.update

    def fail_once(user_id, update):
        monkeypatch.setattr(repository, "update", real_update)
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"},
                           "ResponseMetadata": {"HTTPStatusCode": 500}}, "UpdateItem")

    monkeypatch.setattr(repository, "update", fail_once)
    response = post_json(client, "/auth/mfa/verify-setup",
                         {"code": current_totp_code(setup["secret"])}, token)
    assert response.status_code == 503
    login = json.loads(post_json(client, "/auth/login", {"email": "ada@example.com",
                                                         "password": STRONG_PASSWORD}).body)
    assert "mfaRequired" not in login  # Cognito does not ask for a code
    assert login["user"]["mfaEnabled"] is False


def _payload(session_token):
    import base64

    part = session_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _with_payload(session_token, payload):
    import base64

    version, _, mac = session_token.split(".")
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{version}.{encoded}.{mac}"


def _mfa_login(client, email):
    response = post_json(client, "/auth/login", {"email": email, "password": STRONG_PASSWORD})
    body = json.loads(response.body)
    assert body["mfaRequired"] is True, body
    return body["sessionToken"]


def test_a_session_token_with_another_email_is_refused(client, aws, token):
    """Issue 10, item 7: the token was unsigned base64 JSON, so swapping in another user's
    email with a valid code signed in as that user."""
    setup = _enable_mfa(client, token)
    victim = signed_in_user(client, aws, "grace@example.com")
    _enable_mfa(client, victim)
    mine = _mfa_login(client, "ada@example.com")
    _mfa_login(client, "grace@example.com")
    payload = _payload(mine)
    assert payload["email"] == "ada@example.com"
    forged = _with_payload(mine, {**payload, "email": "grace@example.com"})
    for attempt in (forged, mine[:-2] + ("AA" if not mine.endswith("AA") else "BB"),
                    mine.replace("v1.", "v0.", 1),
                    _with_payload(mine, {**payload, "exp": payload["exp"] + 3600})):
        response = post_json(client, "/auth/mfa/verify", {
            "sessionToken": attempt, "code": current_totp_code(setup["secret"])})
        assert response.status_code == 401, response.body
        assert_envelope(response.body, 401, "INVALID_SESSION")
    # The untouched token still works, for its own user only.
    signed = post_json(client, "/auth/mfa/verify", {
        "sessionToken": mine, "code": current_totp_code(setup["secret"])})
    assert signed.status_code == 200
    assert json.loads(signed.body)["user"]["email"] == "ada@example.com"


def test_an_expired_session_token_is_refused(client, token, monkeypatch):
    setup = _enable_mfa(client, token)
    session_token = _mfa_login(client, "ada@example.com")
    from chalicelib.users import mfa_session

    later = mfa_session.LIFETIME.total_seconds() + 1
    monkeypatch.setattr(mfa_session, "_now_seconds",
                        lambda real=mfa_session._now_seconds: real() + later)
    response = post_json(client, "/auth/mfa/verify", {
        "sessionToken": session_token, "code": current_totp_code(setup["secret"])})
    assert response.status_code == 401
    assert_envelope(response.body, 401, "SESSION_EXPIRED")


def test_tokens_of_another_user_are_never_answered(client, aws, token, monkeypatch):
    """Even if Cognito answered a challenge with someone else's tokens, the caller who
    started the login gets nothing."""
    setup = _enable_mfa(client, token)
    other = signed_in_user(client, aws, "grace@example.com")
    session_token = _mfa_login(client, "ada@example.com")
    provider = wiring.auth()._identity
    real = provider.answer_mfa_challenge
    graces = provider.password_login("grace@example.com", STRONG_PASSWORD)
    assert other and graces.access_token
    monkeypatch.setattr(provider, "answer_mfa_challenge", lambda *args: (real(*args), graces)[1])
    response = post_json(client, "/auth/mfa/verify", {
        "sessionToken": session_token, "code": current_totp_code(setup["secret"])})
    assert response.status_code == 401
    assert_envelope(response.body, 401, "INVALID_SESSION")
    assert "accessToken" not in json.loads(response.body)
