"""Sessions over HTTP on the local stack (chalice local, moto's Cognito): a user signed in on
two devices signs out everywhere from one and both refresh tokens stop working; a password
changes only with the current one, and then only the new one signs in."""

from tests.helpers import STRONG_PASSWORD, assert_envelope

NEW_PASSWORD = "N3w!Passw0rd"


def _login(api, email, password=STRONG_PASSWORD):
    return api.call("POST", "/auth/login", json={"email": email, "password": password})


def _refresh(api, session):
    return api.call("POST", "/auth/refresh", json={"refreshToken": session["refreshToken"]})


def _assert_refresh_refused(api, session):
    refused = _refresh(api, session)
    assert refused.status_code == 401, refused.text
    # moto names no reason; Cognito says the token was revoked.
    assert refused.json()["error"] in {"INVALID_TOKEN", "TOKEN_REVOKED"}


def test_sign_out_everywhere_ends_both_devices_refresh_tokens(api):
    email, phone = api.new_account()
    laptop = _login(api, email).json()
    _, stranger = api.new_account()
    assert _refresh(api, phone).status_code == 200
    signed_out = api.call("POST", "/auth/signout-everywhere", laptop["accessToken"])
    assert signed_out.status_code == 200, signed_out.text
    assert signed_out.json()["signedOut"] is True
    for session in (phone, laptop):
        _assert_refresh_refused(api, session)
    # Another user's session goes on, and the user can sign in again.
    assert _refresh(api, stranger).status_code == 200
    again = _login(api, email)
    assert again.status_code == 200
    assert _refresh(api, again.json()).status_code == 200


def test_sign_out_everywhere_needs_a_token(api):
    response = api.call("POST", "/auth/signout-everywhere")
    assert response.status_code == 401
    assert_envelope(response.json(), 401, "UNAUTHORIZED")


def test_a_password_changes_only_with_the_current_one(api):
    email, session = api.new_account()
    token = session["accessToken"]
    wrong = api.call(
        "POST",
        "/auth/password/change",
        token,
        json={"oldPassword": "Wr0ng!Passw0rd", "newPassword": NEW_PASSWORD},
    )
    # Not 401: the web client would take that for an ended session and sign the user out.
    assert wrong.status_code == 403, wrong.text
    assert_envelope(wrong.json(), 403, "INCORRECT_PASSWORD")
    assert _login(api, email).status_code == 200
    assert _refresh(api, session).status_code == 200  # nothing was signed out
    same = api.call(
        "POST",
        "/auth/password/change",
        token,
        json={"oldPassword": STRONG_PASSWORD, "newPassword": STRONG_PASSWORD},
    )
    assert same.status_code == 400
    assert_envelope(same.json(), 400, "VALIDATION_ERROR")
    assert _login(api, email).status_code == 200

    changed = api.call(
        "POST",
        "/auth/password/change",
        token,
        json={"oldPassword": STRONG_PASSWORD, "newPassword": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["signedOut"] is True
    assert _login(api, email, NEW_PASSWORD).status_code == 200
    old = _login(api, email)
    assert old.status_code == 401
    assert_envelope(old.json(), 401, "INVALID_CREDENTIALS")
    # The change signed out every session, the one that made it included.
    _assert_refresh_refused(api, session)
