"""A new user, over HTTP: register, verify with the dev command, sign in, use the profile."""

import time

from tests.helpers import STRONG_PASSWORD, assert_envelope, current_totp_code


def test_register_verify_login_and_read_the_profile(api):
    email, login = api.new_account()
    assert "mfaRequired" not in login
    assert login["expiresIn"] >= 600
    response = api.call("GET", "/users/profile", login["accessToken"])
    assert response.status_code == 200
    profile = response.json()
    assert profile["email"] == email
    assert profile["emailVerified"] is True
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Request-ID"]


def test_unverified_accounts_cannot_sign_in(api):
    email = f"unverified-{time.time_ns()}@example.com"
    api.call(
        "POST",
        "/auth/register",
        json={
            "email": email,
            "password": STRONG_PASSWORD,
            "firstName": "Ada",
            "lastName": "Lovelace",
        },
    )
    login = api.call("POST", "/auth/login", json={"email": email, "password": STRONG_PASSWORD})
    assert login.status_code == 403
    assert_envelope(login.json(), 403, "ACCOUNT_NOT_VERIFIED")


def test_the_dev_command_says_when_there_is_no_such_account(api):
    result = api.verify("nobody-here@example.com")
    assert result.returncode == 1
    assert "No account" in result.stderr


def test_profile_updates_persist(api):
    _, login = api.new_account()
    token = login["accessToken"]
    update = api.call(
        "PUT",
        "/users/profile",
        token,
        json={
            "timezone": "America/New_York",
            "dayStartHour": 3,
            "preferences": {"units": "imperial"},
        },
    )
    assert update.status_code == 200
    again = api.call("GET", "/users/profile", token).json()
    assert again["timezone"] == "America/New_York"
    assert again["dayStartHour"] == 3
    assert again["preferences"]["units"] == "imperial"
    bad = api.call("PUT", "/users/profile", token, json={"timezone": "Nowhere/Land"})
    assert bad.status_code == 400
    assert api.call("GET", "/users/profile", token).json() == again


def test_refresh_then_use_the_new_access_token(api):
    _, login = api.new_account()
    refreshed = api.call("POST", "/auth/refresh", json={"refreshToken": login["refreshToken"]})
    assert refreshed.status_code == 200
    profile = api.call("GET", "/users/profile", refreshed.json()["accessToken"])
    assert profile.status_code == 200


def test_mfa_login_with_a_real_authenticator_code(api):
    email, login = api.new_account()
    token = login["accessToken"]
    setup = api.call("POST", "/auth/mfa/setup", token).json()
    enabled = api.call(
        "POST", "/auth/mfa/verify-setup", token, json={"code": current_totp_code(setup["secret"])}
    )
    assert enabled.json() == {"enabled": True, "mfaEnabled": True}
    first = api.call("POST", "/auth/login", json={"email": email, "password": STRONG_PASSWORD})
    assert first.json()["mfaRequired"] is True
    second = api.call(
        "POST",
        "/auth/mfa/verify",
        json={
            "sessionToken": first.json()["sessionToken"],
            "code": current_totp_code(setup["secret"]),
        },
    )
    assert second.status_code == 200
    assert second.json()["user"]["mfaEnabled"] is True


def test_health_checks_the_real_table(api):
    health = api.call("GET", "/health").json()
    assert health["status"] == "healthy"
    assert health["checks"]["dynamodb"]["status"] == "healthy"
