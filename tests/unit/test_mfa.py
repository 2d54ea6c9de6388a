"""Software-token MFA over HTTP: setup, verify-setup, the login branch, and the rollback of a
failed profile write (moto checks codes). The MFA rules (disable, the sealed session token) are
tested on the auth service, in tests/service/test_mfa_rules.py."""

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
    assert (
        json.loads(post_json(client, "/auth/mfa/verify-setup", {"code": "123456"}, token).body)[
            "error"
        ]
        == "MFA_NOT_STARTED"
    )
    setup = _enable_mfa(client, token)
    first = json.loads(
        post_json(
            client, "/auth/login", {"email": "ada@example.com", "password": STRONG_PASSWORD}
        ).body
    )
    assert first["mfaRequired"] is True
    assert set(first) == {"sessionToken", "mfaRequired", "tokenType"}
    wrong = post_json(
        client, "/auth/mfa/verify", {"sessionToken": first["sessionToken"], "code": "000000"}
    )
    assert wrong.status_code == 401
    second = post_json(
        client,
        "/auth/mfa/verify",
        {"sessionToken": first["sessionToken"], "code": current_totp_code(setup["secret"])},
    )
    body = json.loads(second.body)
    assert second.status_code == 200
    assert "mfaRequired" not in body
    assert body["user"]["mfaEnabled"] is True


def test_a_failed_profile_write_switches_cognito_mfa_back(client, token, monkeypatch):
    setup = json.loads(post_json(client, "/auth/mfa/setup", {}, token).body)
    repository = wiring.auth()._profiles
    real_update = repository.update

    def fail_once(user_id, update):
        monkeypatch.setattr(repository, "update", real_update)
        raise ClientError(
            {
                "Error": {"Code": "InternalServerError", "Message": "boom"},
                "ResponseMetadata": {"HTTPStatusCode": 500},
            },
            "UpdateItem",
        )

    monkeypatch.setattr(repository, "update", fail_once)
    response = post_json(
        client, "/auth/mfa/verify-setup", {"code": current_totp_code(setup["secret"])}, token
    )
    assert response.status_code == 503
    login = json.loads(
        post_json(
            client, "/auth/login", {"email": "ada@example.com", "password": STRONG_PASSWORD}
        ).body
    )
    assert "mfaRequired" not in login  # Cognito does not ask for a code
    assert login["user"]["mfaEnabled"] is False
