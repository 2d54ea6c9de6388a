"""Journal routes on moto in-process: the basics of each route."""

import json

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
