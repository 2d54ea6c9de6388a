"""Free-form JSON fields (goal metadata and milestone rewards, activity location, context and
attachments) hold only what DynamoDB can store: keys, depth, size and numbers are checked."""

import json

import pytest

from tests.helpers import assert_envelope, post_json, signed_in_user

HOSTILE = [
    ("1e-200", {"foo": 1e-200}, "foo"),
    ("1e200", {"foo": 1e200}, "foo"),
    ("50 digits", {"foo": 10**49 + 7}, "foo"),
    ("beyond DynamoDB's range", {"foo": [1, 2, 1e126]}, "foo.2"),
    ("39 significant digits", {"foo": {"bar": 10**38 + 1}}, "foo.bar"),
    ("empty key", {"": 1}, '""'),
    ("70,000-character key", {"k" * 70_000: 1}, "k" * 32 + "…"),
    ("key over 255", {"nested": {"k" * 256: True}}, "nested." + "k" * 32 + "…"),
    (
        "nested 12 deep",
        {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": 1}}}}}}}}}}}},
        "a." * 9 + "a",
    ),
    ("5,000 bytes", {"text": "x" * 5_000}, ""),
]


@pytest.fixture
def token(client, aws):
    return signed_in_user(client, aws)


def _refused(response, field):
    assert response.status_code == 400, response.body
    body = assert_envelope(response.body, 400, "VALIDATION_ERROR")
    assert [error["field"] for error in body["validation_errors"]] == [field], body
    return body


@pytest.mark.parametrize("label, value, inner", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_free_form_json_is_refused_with_its_path(client, token, label, value, inner):
    def path(field):
        return f"{field}.{inner}" if inner else field

    goal = {"title": "Free", "goalPattern": "milestone", "target": {"value": 10}}
    _refused(post_json(client, "/goals", {**goal, "metadata": value}, token), path("metadata"))
    _refused(
        post_json(client, "/goals", {**goal, "rewards": {"milestoneRewards": [{}, value]}}, token),
        path("rewards.milestoneRewards.1"),
    )
    created = post_json(client, "/goals", goal, token)
    assert created.status_code == 201
    activities = f"/goals/{json.loads(created.body)['goalId']}/activities"
    for field, sent, named in (
        ("context", value, "context"),
        ("location", value, "location"),
        ("attachments", [value], "attachments.0"),
    ):
        _refused(post_json(client, activities, {"value": 1, field: sent}, token), path(named))


def test_ordinary_free_form_json_is_kept(client, token):
    metadata = {
        "source": "web",
        "weights": [1, 2.5, 0, -3],
        "nested": {"ok": None, "on": True},
        "remindedAt": 1_764_600_000_000,
        "where": [-122.419415, 37.774929],
        "tiny": 1e-129,
        "wide": 10**37,
    }
    created = post_json(
        client,
        "/goals",
        {
            "title": "Free",
            "goalPattern": "milestone",
            "target": {"value": 10},
            "metadata": metadata,
            "rewards": {"milestoneRewards": [{"at": 5}]},
        },
        token,
    )
    assert created.status_code == 201, created.body
    goal = json.loads(created.body)
    assert goal["metadata"] == metadata
    assert goal["rewards"]["milestoneRewards"] == [{"at": 5}]
    logged = post_json(
        client,
        f"/goals/{goal['goalId']}/activities",
        {
            "value": 1,
            "location": "Park",
            "context": {"mood": "ok"},
            "attachments": ["https://example.com/a.png", {"url": "https://example.com/b.png"}],
        },
        token,
    )
    assert logged.status_code == 201, logged.body
    activity = json.loads(logged.body)
    assert (activity["location"], activity["context"]) == ("Park", {"mood": "ok"})


@pytest.mark.parametrize("location", [5, ["x"], "x" * 201])
def test_a_location_is_an_object_or_a_short_text(client, token, location):
    created = post_json(
        client,
        "/goals",
        {"title": "Free", "goalPattern": "milestone", "target": {"value": 10}},
        token,
    )
    activities = f"/goals/{json.loads(created.body)['goalId']}/activities"
    _refused(post_json(client, activities, {"value": 1, "location": location}, token), "location")
