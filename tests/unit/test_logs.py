"""One structured line per request, and never a password, token or body in the logs."""

import json

from tests.helpers import STRONG_PASSWORD, get, log_lines, new_user, put_json, signed_in_user


def test_requests_are_logged_without_secrets(client, aws, app_logs):
    token = signed_in_user(client, aws)
    put_json(client, "/users/profile", {"phoneNumber": "+14155550123"}, token)
    get(client, "/users/profile", token)
    captured = app_logs()
    assert STRONG_PASSWORD not in captured
    assert token not in captured
    assert token.split(".")[2] not in captured
    assert "+14155550123" not in captured
    lines = [line for line in log_lines(captured) if line["message"] == "request"]
    assert [line["route"] for line in lines] == [
        "/auth/register",
        "/auth/login",
        "/users/profile",
        "/users/profile",
    ]
    profile_read = lines[-1]
    assert profile_read["status"] == 200
    assert profile_read["user_id"]
    assert profile_read["request_id"]
    assert profile_read["latency_ms"] >= 0
    assert profile_read["method"] == "GET"


def test_journal_text_is_never_logged(client, aws, app_logs):
    token = signed_in_user(client, aws)
    secret_words = "my-very-private-diary-words"
    response = client.http.post(
        "/journal",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        body=json.dumps({"title": "Dear diary", "content": f"<p>{secret_words}</p>"}),
    )
    assert response.status_code == 201
    captured = app_logs()
    assert secret_words not in captured
    assert "Dear diary" not in captured
    assert any(
        line["route"] == "/journal" for line in log_lines(captured) if line["message"] == "request"
    )


def test_failed_logins_do_not_log_the_attempted_password(client, aws, app_logs):
    client.http.post(
        "/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"email": "ada@example.com", "password": "Gu3ss!ng-pw"}),
    )
    client.http.post(
        "/auth/register",
        headers={"Content-Type": "application/json"},
        body=json.dumps({**new_user(), "password": "weak-Secret"}),
    )
    captured = app_logs()
    assert "Gu3ss!ng-pw" not in captured
    assert "weak-Secret" not in captured
    assert len(log_lines(captured)) == 2
