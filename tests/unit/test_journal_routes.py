"""Journal routes on moto in-process: the basics of each route."""

import json
from typing import Any

import pytest

from tests.helpers import assert_envelope, get, post_json, put_json, signed_in_user


@pytest.fixture
def token(client, aws):
    return signed_in_user(client, aws)


def test_write_read_list_stats_delete(client, token):
    created = post_json(
        client,
        "/journal",
        {
            "title": "Morning",
            "content": "<p>I <b>ran</b> five km &amp; felt great</p>",
            "template": "daily_reflection",
            "tags": [" run ", "Run", "mood"],
            "mood": "happy",
        },
        token,
    )
    assert created.status_code == 201, created.body
    entry = json.loads(created.body)
    assert entry["wordCount"] == 7
    assert entry["tags"] == ["run", "mood"]
    assert entry["content"] == "<p>I <b>ran</b> five km &amp; felt great</p>"
    path = f"/journal/{entry['entryId']}"
    assert json.loads(get(client, path, token).body)["title"] == "Morning"
    listed = json.loads(get(client, "/journal", token).body)
    assert listed["total"] == 1
    assert listed["entries"][0]["entryId"] == entry["entryId"]
    stats = json.loads(get(client, "/journal/stats", token).body)
    assert stats["totalEntries"] == 1
    assert stats["totalWords"] == 7
    assert stats["moodDistribution"] == {"happy": 1}
    assert stats["currentStreak"] == 1
    changed = put_json(client, path, {"mood": "calm"}, token)
    assert json.loads(changed.body)["mood"] == "calm"
    deleted = client.http.delete(path, headers={"Authorization": f"Bearer {token}"})
    assert deleted.status_code == 204
    assert deleted.body == b""
    assert json.loads(get(client, "/journal/stats", token).body)["totalEntries"] == 0
    assert_envelope(get(client, path, token).body, 404, "ENTRY_NOT_FOUND")


def test_a_replayed_create_answers_the_first_answer_byte_for_byte(client, token):
    """Services return what they created (core/idempotency.Created); the route makes the 201,
    and a replay of each idempotent create is the first answer: status, Location, bytes."""

    def twice(path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": f"replay-{path.replace('/', '.')}",
        }
        first, again = (
            client.http.post(path, headers=headers, body=json.dumps(body)) for _ in range(2)
        )
        assert first.status_code == again.status_code == 201, first.body
        assert first.headers["Location"] == again.headers["Location"]
        assert first.headers["Content-Type"] == again.headers["Content-Type"]
        assert again.body == first.body
        return dict(json.loads(first.body))

    goal = twice("/goals", {"title": "Run", "goalPattern": "milestone", "target": {"value": 9}})
    assert goal["goalId"] in str(
        client.http.get("/goals", headers={"Authorization": f"Bearer {token}"}).body
    )
    logged = twice(f"/goals/{goal['goalId']}/activities", {"value": 2})
    assert logged["value"] == 2
    entry = twice("/journal", {"title": "Once", "content": "<p>only once</p>"})
    assert json.loads(get(client, "/journal/stats", token).body)["totalEntries"] == 1
    assert entry["title"] == "Once"
