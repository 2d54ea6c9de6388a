"""Register, verify, login, refresh and reset through the routes (moto Cognito in-process).
Account rules that need no Cognito (duplicates, unverified or failed sign-in) are tested on the
auth service, in tests/service/test_account_rules.py."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib import wiring
from tests.helpers import STRONG_PASSWORD, assert_envelope, get, new_user, post_json, signed_in_user


def _items(table):
    return boto3.client("dynamodb").scan(TableName=table)["Items"]


def _cognito_users(aws):
    return boto3.client("cognito-idp").list_users(UserPoolId=aws["pool_id"])["Users"]


def test_register_creates_the_user_and_the_profile(client, aws):
    response = post_json(client, "/auth/register", new_user("Ada@Example.COM"))
    assert response.status_code == 201
    assert response.headers["Location"] == "/users/profile"
    body = json.loads(response.body)
    assert body["email"] == "ada@example.com"
    assert body["userId"]
    profile, index = sorted(_items(aws["table"]), key=lambda item: item["PK"]["S"], reverse=True)
    assert (profile["PK"]["S"], profile["SK"]["S"]) == (f"USER#{body['userId']}", "PROFILE")
    assert profile["email"]["S"] == "ada@example.com"
    # The email index item, lower-cased like the profile, names the account (issue 12).
    assert (index["PK"]["S"], index["SK"]["S"]) == ("EMAIL#ada@example.com", "USER")
    assert index["userId"]["S"] == body["userId"]
    assert len(_cognito_users(aws)) == 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("password", "alllowercase1!"),
        ("password", "NoDigits!!"),
        ("password", "NoSymbol123"),
        ("password", "Sh0rt!"),
        ("password", "A1!" + "a" * 130),
        ("firstName", ""),
        ("firstName", "R2-D2"),
        ("lastName", "x" * 51),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", "zoë@exämple.com"),
        ("email", "a\u0000b@example.com"),
    ],
)
def test_bad_registration_fields_are_400_and_write_nothing(client, aws, field, value):
    response = post_json(client, "/auth/register", {**new_user(), field: value})
    body = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    assert [error["field"] for error in body["validation_errors"]] == [field]
    assert _items(aws["table"]) == []
    assert _cognito_users(aws) == []


def test_login_returns_tokens_and_profile_without_an_mfa_key(client, aws):
    post_json(client, "/auth/register", new_user())
    boto3.client("cognito-idp").admin_confirm_sign_up(
        UserPoolId=aws["pool_id"], Username="ada@example.com"
    )
    response = post_json(
        client, "/auth/login", {"email": "ADA@example.com", "password": STRONG_PASSWORD}
    )
    body = json.loads(response.body)
    assert response.status_code == 200
    assert "mfaRequired" not in body
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] >= 600
    assert {"accessToken", "refreshToken", "idToken"} <= set(body)
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["emailVerified"] is True
    assert body["user"]["encryptionEnabled"] is False


def test_refresh_gives_new_tokens_and_refuses_garbage(client, aws):
    signed_in_user(client, aws)
    login = json.loads(
        post_json(
            client, "/auth/login", {"email": "ada@example.com", "password": STRONG_PASSWORD}
        ).body
    )
    refreshed = post_json(client, "/auth/refresh", {"refreshToken": login["refreshToken"]})
    assert refreshed.status_code == 200
    body = json.loads(refreshed.body)
    assert set(body) == {"accessToken", "idToken", "tokenType", "expiresIn"}
    assert get(client, "/users/profile", body["accessToken"]).status_code == 200
    bad = post_json(client, "/auth/refresh", {"refresh_token": "not-a-token"})
    assert bad.status_code == 401
    assert json.loads(bad.body)["error"] in {"TOKEN_REVOKED", "INVALID_TOKEN"}


def test_email_verification_token_shape(client, aws):
    post_json(client, "/auth/register", new_user())
    malformed = post_json(client, "/auth/email/verify", {"token": "no-separator"})
    assert malformed.status_code == 400
    ok = post_json(client, "/auth/email/verify", {"token": "ada@example.com:123456"})
    assert ok.status_code == 200
    again = post_json(client, "/auth/email/verify", {"token": "ada@example.com:123456"})
    assert again.status_code == 200
    [user] = _cognito_users(aws)
    assert user["UserStatus"] == "CONFIRMED"


def test_reset_requests_answer_the_same_for_unknown_emails(client, aws):
    signed_in_user(client, aws)
    known = post_json(client, "/auth/password/reset-request", {"email": "ada@example.com"})
    unknown = post_json(client, "/auth/password/reset-request", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert json.loads(known.body) == json.loads(unknown.body)


def test_resend_answers_the_same_for_unknown_emails(client, aws):
    # moto has no resend_confirmation_code, so Cognito's two answers are stubbed.
    cognito = boto3.client("cognito-idp")
    with Stubber(cognito) as stub:
        stub.add_response("resend_confirmation_code", {"CodeDeliveryDetails": {}})
        stub.add_client_error("resend_confirmation_code", "UserNotFoundException")
        stub.add_client_error("resend_confirmation_code", "LimitExceededException")
        wiring.auth()._identity._client_override = cognito
        known = post_json(client, "/auth/email/resend", {"email": "ada@example.com"})
        unknown = post_json(client, "/auth/email/resend", {"email": "nobody@example.com"})
        throttled = post_json(client, "/auth/email/resend", {"email": "ada@example.com"})
        stub.assert_no_pending_responses()
    assert known.status_code == unknown.status_code == 200
    assert json.loads(known.body) == json.loads(unknown.body)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "60"


def test_password_reset_confirm_accepts_password_alias_and_checks_policy(client, aws):
    signed_in_user(client, aws)
    weak = post_json(
        client,
        "/auth/password/reset-confirm",
        {"token": "ada@example.com:123456", "newPassword": "weak"},
    )
    assert weak.status_code == 400
    assert json.loads(weak.body)["validation_errors"][0]["field"] == "newPassword"
    changed = post_json(
        client,
        "/auth/password/reset-confirm",
        {"token": "ada@example.com:123456", "password": "N3w!Password"},
    )
    assert changed.status_code == 200
    login = post_json(
        client, "/auth/login", {"email": "ada@example.com", "password": "N3w!Password"}
    )
    assert login.status_code == 200


def test_session_routes_never_log_passwords_or_tokens(client, aws, app_logs):
    email = "ada@example.com"
    assert post_json(client, "/auth/register", new_user(email)).status_code == 201
    boto3.client("cognito-idp").admin_confirm_sign_up(UserPoolId=aws["pool_id"], Username=email)
    login = json.loads(
        post_json(client, "/auth/login", {"email": email, "password": STRONG_PASSWORD}).body
    )
    token = login["accessToken"]
    wrong = {"oldPassword": "Wr0ng!Passw0rd", "newPassword": "N3w!Passw0rd"}
    refused = post_json(client, "/auth/password/change", wrong, token)
    assert refused.status_code == 403
    right = {"oldPassword": STRONG_PASSWORD, "newPassword": "N3w!Passw0rd"}
    assert post_json(client, "/auth/password/change", right, token).status_code == 200
    # The access token no longer works with Cognito (signed out by the change): 401.
    assert post_json(client, "/auth/signout-everywhere", {}, token).status_code == 401
    logged = app_logs()
    assert "/auth/password/change" in logged
    for secret in (STRONG_PASSWORD, "Wr0ng!Passw0rd", "N3w!Passw0rd", token, login["refreshToken"]):
        assert secret not in logged
