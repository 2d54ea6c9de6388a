"""A new user's journal over HTTP: entries with tags, moods and a linked goal; filters,
search, stats and the goal's progress, before and after an edit and a delete."""

import pytest

from tests.helpers import assert_envelope


@pytest.fixture(scope="module")
def writer(api):
    _, login = api.new_account()
    return login["accessToken"]


def test_journal_journey(api, writer):
    goal = api.call(
        "POST",
        "/goals",
        writer,
        json={
            "title": "Read 300 pages",
            "goalPattern": "milestone",
            "target": {"value": 300, "unit": "pages"},
        },
    ).json()
    goal_id = goal["goalId"]
    entries = []
    for body in (
        {
            "title": "Reading",
            "content": "<p>Finished <b>chapter one</b></p>",
            "template": "goal_progress",
            "tags": ["books"],
            "mood": "happy",
            "linkedGoalIds": [goal_id],
            "goalProgress": [{"goalId": goal_id, "progressValue": 40}],
        },
        {
            "title": "Gratitude",
            "content": "<ul><li>sunshine</li><li>tea</li></ul>",
            "template": "gratitude",
            "tags": ["thanks", "books"],
            "mood": "calm",
        },
        {
            "title": "Private",
            "content": "c2VjcmV0",
            "isEncrypted": True,
            "wordCount": 12,
            "encryptedKey": "wrapped",
            "encryptionIv": "iv",
        },
    ):
        response = api.call("POST", "/journal", writer, json=body)
        assert response.status_code == 201, response.text
        assert response.headers["Location"] == f"/journal/{response.json()['entryId']}"
        entries.append(response.json())

    listed = api.call("GET", "/journal", writer).json()
    assert [entry["title"] for entry in listed["entries"]] == ["Private", "Gratitude", "Reading"]
    assert listed["total"] == 3
    assert listed["hasMore"] is False
    assert [
        e["title"] for e in api.call("GET", "/journal?tag=books", writer).json()["entries"]
    ] == ["Gratitude", "Reading"]
    assert [
        e["title"] for e in api.call("GET", "/journal?q=sunshine", writer).json()["entries"]
    ] == ["Gratitude"]
    assert [
        e["title"] for e in api.call("GET", f"/journal?goalId={goal_id}", writer).json()["entries"]
    ] == ["Reading"]

    stats = api.call("GET", "/journal/stats", writer).json()
    assert stats["totalEntries"] == 3
    assert stats["totalWords"] == 3 + 2 + 12  # words of the text, not the markup
    assert stats["currentStreak"] == 1
    assert stats["entriesThisWeek"] == 3
    assert stats["moodDistribution"] == {"happy": 1, "calm": 1}
    assert stats["topTags"][0] == {"tag": "books", "count": 2}
    assert stats["goalsTracked"] == 1

    progress = api.call("GET", f"/goals/{goal_id}", writer).json()["progress"]
    assert progress["totalAccumulated"] == 40

    reading = f"/journal/{entries[0]['entryId']}"
    edited = api.call(
        "PUT",
        reading,
        writer,
        json={"goalProgress": [{"goalId": goal_id, "progressValue": 55}], "mood": "proud"},
    )
    assert edited.status_code == 200
    assert api.call("GET", f"/goals/{goal_id}", writer).json()["progress"]["totalAccumulated"] == 55
    assert api.call("GET", "/journal/stats", writer).json()["moodDistribution"] == {
        "proud": 1,
        "calm": 1,
    }

    deleted = api.call("DELETE", reading, writer)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert api.call("GET", f"/goals/{goal_id}", writer).json()["progress"]["totalAccumulated"] == 0
    after = api.call("GET", "/journal/stats", writer).json()
    assert after["totalEntries"] == 2
    assert after["goalsTracked"] == 0
    missing = api.call("GET", reading, writer)
    assert_envelope(missing.json(), missing.status_code, "ENTRY_NOT_FOUND")


def test_sharing_shows_up_for_the_recipient(api, writer):
    """Over HTTP, as two browsers: the owner shares by address, the recipient lists and opens
    it (every body checked against the contract), the owner's edit shows at once, a revoke
    ends it. (Encrypted shares, with keys made as a browser makes them: the key routes'
    journey.)"""
    friend_email, friend = api.new_account()
    reader = friend["accessToken"]
    friend_id = api.with_keys(friend_email, reader)
    shared = api.call(
        "POST", "/journal", writer, json={"title": "For you", "content": "<p>hello</p>"}
    ).json()
    path = f"/journal/{shared['entryId']}"
    made = api.call("POST", f"{path}/share", writer, json={"recipientEmail": friend_email.upper()})
    assert made.status_code == 201, made.text
    share_id = made.json()["shareId"]
    [incoming] = api.call("GET", "/journal?filter=shared-with-me", reader).json()["entries"]
    assert incoming["isIncoming"] is True
    assert incoming["entry"]["entryId"] == shared["entryId"]
    assert incoming["entry"]["sharedWith"] == []
    edited = api.call("PUT", path, writer, json={"title": "Edited"})
    assert edited.status_code == 200
    assert edited.json()["sharedWith"] == [friend_id]
    opened = api.call("GET", path, reader).json()
    assert (opened["title"], opened["userId"]) == ("Edited", shared["userId"])
    assert opened["shareAccess"]["shareId"] == share_id
    [by_me] = api.call("GET", "/journal?filter=shared-by-me", writer).json()["entries"]
    assert by_me["shareInfo"]["sharedWith"] == friend_id
    [listed] = api.call("GET", "/shares?direction=sent", writer).json()["shares"]
    assert (listed["id"], listed["accessCount"]) == (share_id, 1)
    assert api.call("DELETE", f"/shares/{share_id}", writer).status_code == 204
    gone = api.call("GET", path, reader)
    assert_envelope(gone.json(), gone.status_code, "ENTRY_NOT_FOUND")
