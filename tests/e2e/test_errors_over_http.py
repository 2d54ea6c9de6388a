"""Each error case of docs/api.md section 1 over a real HTTP connection to chalice local."""

import json

from tests.helpers import assert_envelope


def _assert_error(response, status, code):
    assert response.status_code == status
    assert_envelope(response.json(), status, code)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_route(api):
    _assert_error(api.call("GET", "/definitely/not/here"), 404, "ROUTE_NOT_FOUND")


def test_wrong_method(api):
    response = api.call("PATCH", "/users/profile")
    _assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PUT"}


def test_invalid_json(api):
    response = api.call(
        "POST", "/auth/login", data="{oops", headers={"Content-Type": "application/json"}
    )
    _assert_error(response, 400, "INVALID_JSON")


def test_non_json_body(api):
    response = api.call(
        "POST", "/auth/login", data="email=a", headers={"Content-Type": "text/plain"}
    )
    _assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_body_over_the_limit(api):
    response = api.call(
        "POST",
        "/auth/register",
        data=json.dumps({"x": "y" * 300_000}),
        headers={"Content-Type": "application/json"},
    )
    _assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_validation_error_lists_fields(api):
    response = api.call("POST", "/auth/register", json={"email": "x"})
    _assert_error(response, 400, "VALIDATION_ERROR")
    fields = {error["field"] for error in response.json()["validation_errors"]}
    assert fields == {"email", "password", "firstName", "lastName"}


def test_preflight(api):
    response = api.call(
        "OPTIONS",
        "/users/profile",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_features_are_public(api):
    response = api.call("GET", "/config/features")
    assert response.status_code == 200
    assert response.json() == {"debugPanels": False}
