"""Every non-2xx answer is the error envelope, with CORS and a request id (docs/api.md,
section 1)."""

import json
from dataclasses import replace

import boto3
import pytest

from chalicelib import wiring
from chalicelib.core import routing
from chalicelib.core.config import get_settings
from tests.helpers import assert_envelope, get, new_user, post_json, signed_in_user


def test_unknown_route_is_404_in_the_envelope(client):
    for path in ("/nope", "/goals/x/y/z/w", "/a/b/c/d/e/f/g/h"):
        response = get(client, path)
        assert response.status_code == 404
        assert_envelope(response.body, 404, "ROUTE_NOT_FOUND")
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_wrong_method_is_405_with_allow(client):
    response = client.http.delete("/health")
    assert response.status_code == 405
    assert_envelope(response.body, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET"


def test_invalid_json_is_400_invalid_json(client):
    response = client.http.post(
        "/auth/login", body="{not json", headers={"Content-Type": "application/json"}
    )
    assert_envelope(response.body, response.status_code, "INVALID_JSON")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "raw",
    [
        '{"email": NaN}',
        '{"value": Infinity}',
        '{"value": 1e400}',
        "[" * 100 + "]" * 100,
        # deeper than Python's recursion limit
        "[" * 5000 + "]" * 5000,
        '{"a":' * 5000 + "1" + "}" * 5000,
    ],
)
def test_json_that_is_not_portable_is_refused(client, raw):
    response = client.http.post(
        "/auth/login", body=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert_envelope(response.body, 400, "INVALID_JSON")


def test_non_json_body_is_415(client):
    response = client.http.post(
        "/auth/login", body="email=a", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415
    assert_envelope(response.body, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_body_over_256_kb_is_413_and_just_under_is_read(client):
    padding = "x" * (256 * 1024 - 40)
    under = post_json(
        client, "/auth/login", {"email": "a@b.co", "password": padding[:10], "pad": padding[:-200]}
    )
    assert under.status_code == 401
    over = client.http.post(
        "/auth/login",
        body=json.dumps({"pad": "x" * 262_200}),
        headers={"Content-Type": "application/json"},
    )
    assert over.status_code == 413
    assert_envelope(over.body, 413, "PAYLOAD_TOO_LARGE")


def test_unexpected_exception_is_500_without_internals(client, monkeypatch):
    def explode(body):
        raise KeyError("secret internal detail")

    monkeypatch.setattr(wiring.auth(), "login", explode)
    response = post_json(client, "/auth/login", {"email": "a@b.co", "password": "x"})
    assert response.status_code == 500
    body = assert_envelope(response.body, 500, "INTERNAL_ERROR")
    assert "secret internal detail" not in response.body.decode()
    assert "Traceback" not in body["message"]


def test_validation_errors_name_camel_case_fields(client):
    response = post_json(
        client,
        "/auth/register",
        {"email": "nope", "password": "short", "first_name": "Ada", "lastName": "L0vel@ce"},
    )
    body = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert response.status_code == 400
    fields = {error["field"] for error in body["validation_errors"]}
    assert fields == {"email", "password", "lastName"}


def test_a_body_that_is_not_an_object_is_a_validation_error(client):
    response = client.http.post(
        "/auth/login", body="[1, 2]", headers={"Content-Type": "application/json"}
    )
    body = assert_envelope(response.body, response.status_code, "VALIDATION_ERROR")
    assert body["validation_errors"][0]["field"] == "body"


def test_request_id_is_echoed_or_made(client):
    echoed = get(client, "/config/features", **{"X-Request-ID": "client-abc.123"})
    assert echoed.headers["X-Request-ID"] == "client-abc.123"
    made = get(client, "/config/features", **{"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["X-Request-ID"] not in ("", "bad id\twith spaces")
    error = get(client, "/nope", **{"X-Request-ID": "trace-1"})
    assert json.loads(error.body)["request_id"] == "trace-1"


def test_preflight_answers_with_cors_headers(client):
    response = client.http.request(
        "OPTIONS",
        "/users/profile",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PUT"},
    )
    assert response.status_code == 204
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]


def test_cors_echoes_an_allowed_origin_only(client, monkeypatch):
    # The test client applies the local stage's own CORS setting during requests, so the
    # deployed-stage setting is given to the middleware directly.
    settings = replace(
        get_settings(), cors_allow_origins=("https://app.example", "https://admin.example")
    )
    monkeypatch.setattr(routing, "get_settings", lambda: settings)
    allowed = get(client, "/config/features", Origin="https://admin.example")
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.example"
    other = get(client, "/config/features", Origin="https://evil.example")
    assert other.headers["Access-Control-Allow-Origin"] == "https://app.example"


def test_public_service_routes(client):
    features = get(client, "/config/features")
    assert features.status_code == 200
    assert json.loads(features.body) == {"debugPanels": False}
    health = json.loads(get(client, "/health").body)
    assert health["status"] == "healthy"
    assert health["checks"]["dynamodb"]["status"] == "healthy"


def test_health_is_degraded_not_broken_when_the_table_is_unreachable(client, aws):
    boto3.client("dynamodb").delete_table(TableName=aws["table"])
    response = get(client, "/health")
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["status"] == "degraded"
    assert body["checks"]["dynamodb"]["status"] == "unhealthy"


def test_preflights_advertise_exactly_the_methods_of_their_path(client):
    """No route accepts PATCH; a path's preflight names what that path accepts (issue 10,
    item 18)."""
    from app import api as app_routes

    for path in ("/users/profile", "/goals/{goalId}", "/auth/login"):
        sent = path.replace("{goalId}", "g1")
        response = client.http.request(
            "OPTIONS",
            sent,
            headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
        )
        advertised = set(response.headers["Access-Control-Allow-Methods"].split(","))
        accepted = {method for route, method in app_routes.declared if route == path}
        assert advertised == accepted | {"OPTIONS"}, path
    everywhere = set(
        get(client, "/config/features").headers["Access-Control-Allow-Methods"].split(",")
    )
    assert everywhere == {method for _, method in app_routes.declared} | {"OPTIONS"}
    assert "PATCH" not in everywhere


def test_every_answer_is_nosniff_and_private_answers_are_never_stored(client, aws):
    """Tokens and private data must not land in a browser or proxy cache (issue 10, item 8)."""
    token = signed_in_user(client, aws)
    login = post_json(
        client, "/auth/login", {"email": "ada@example.com", "password": new_user()["password"]}
    )
    private = [
        login,
        post_json(client, "/auth/refresh", {"refreshToken": "x"}),
        get(client, "/users/profile", token),
        get(client, "/goals", token),
        get(client, "/journal", token),
        get(client, "/goals", "not-a-token"),
        get(client, "/nope"),
        get(client, "/health"),
        get(client, "/config/features"),
        client.http.request("OPTIONS", "/goals"),
    ]
    for response in private:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store", response.body[:100]
    for path in ("/docs", "/openapi.yaml"):
        public = get(client, path)
        assert public.status_code == 200
        assert public.headers["X-Content-Type-Options"] == "nosniff"
        assert public.headers["Cache-Control"].startswith("public, max-age=")
