"""Importing through the routes and the job, in-process (moto's S3, SQS, DynamoDB, Cognito):
create, upload to the form's key, start, run the queued job as Lambda would, read the
status and the data; a second import of the same file writes nothing new."""

import json

import boto3
import pytest

from chalicelib import wiring
from chalicelib.core.config import get_settings
from scripts.deletion_worker import app_handler, drain
from tests import import_files as files
from tests.helpers import get, post_json, signed_in_user


@pytest.fixture
def stack(aws, monkeypatch):
    """The data bucket and the account-jobs queue, in moto."""
    monkeypatch.setenv("DATA_BUCKET", "import-tests-data")
    wiring.reset()
    boto3.client("s3").create_bucket(Bucket="import-tests-data")
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=get_settings().deletion_queue)["QueueUrl"]
    return sqs, url


@pytest.fixture
def token(client, stack, aws):
    return signed_in_user(client, aws)


def _create(client, token, fmt="ai-lifestyle-json"):
    return post_json(client, "/users/me/imports", {"format": fmt, "fileName": "export.zip"}, token)


def _upload(created, data: bytes) -> None:
    """To the key the form names (in-process moto serves boto3 alone; the stack tests post
    the form itself to moto's server)."""
    upload = created["upload"]
    assert upload["maxBytes"] == 100 * 1024 * 1024
    boto3.client("s3").put_object(
        Bucket="import-tests-data", Key=upload["fields"]["key"], Body=data
    )


def _import(client, token, stack, data: bytes) -> dict:
    response = _create(client, token)
    assert response.status_code == 201, response.body
    created = json.loads(response.body)
    _upload(created, data)
    started = post_json(client, f"/users/me/imports/{created['importId']}/start", {}, token)
    assert started.status_code == 202, started.body
    assert json.loads(started.body)["status"] == "queued"
    sqs, queue_url = stack
    drain(sqs, queue_url, app_handler())
    return json.loads(get(client, created["statusUrl"], token).body)


def test_an_export_is_imported_and_the_same_file_again_writes_nothing_new(client, token, stack):
    doc = files.document(
        goals=[files.goal("g-run", "Run", days=10), files.goal("g-old", "Old", status="archived")]
    )
    data = files.as_zip(doc)  # one file: a ZIP made again would stamp other times
    first = _import(client, token, stack, data)
    assert first["status"] == "completed", first
    report = first["report"]
    assert report["imported"]["goals"] == 2
    assert report["imported"]["activities"] == 10
    assert report["imported"]["journalEntries"] == 1
    assert report["imported"]["profile"] is True
    assert report["skippedTotal"] == 1  # the share
    goals = json.loads(get(client, "/goals?status=active&status=archived", token).body)["goals"]
    run = next(g for g in goals if g["title"] == "Run")
    assert run["createdAt"] == "2026-09-01T07:00:00.000Z"
    assert {g["title"]: g["status"] for g in goals} == {"Run": "active", "Old": "archived"}
    activities = json.loads(get(client, f"/goals/{run['goalId']}/activities?limit=100", token).body)
    assert len(activities["activities"]) == 10
    entries = json.loads(get(client, "/journal", token).body)["entries"]
    assert [e["title"] for e in entries] == ["Day one"]
    assert entries[0]["linkedGoalIds"] == [run["goalId"]]
    profile = json.loads(get(client, "/users/profile", token).body)
    assert profile["timezone"] == "Europe/London"

    items_before = boto3.client("dynamodb").scan(TableName=get_settings().table_name)["Count"]
    second = _import(client, token, stack, data)
    assert second["status"] == "completed"
    assert second["report"]["duplicateOf"] == first["importId"]
    assert second["report"]["imported"] == report["imported"]
    goals_after = json.loads(get(client, "/goals?status=active&status=archived", token).body)
    assert len(goals_after["goals"]) == 2
    items_after = boto3.client("dynamodb").scan(TableName=get_settings().table_name)["Count"]
    # Only the second import's own record and the day's count changed.
    assert items_after == items_before + 1


def test_progress_equals_what_logging_the_same_activities_gives(client, token, stack):
    doc = files.document(goals=[files.goal("g", "Logged", days=5)], journal=[])
    _import(client, token, stack, files.as_json(doc))
    imported = json.loads(get(client, "/goals", token).body)["goals"][0]
    body = {k: v for k, v in files.goal("g", "By hand").items() if k not in ("activities",)}
    made = json.loads(post_json(client, "/goals", {**body, "status": "active"}, token).body)
    for activity in files.goal("g", "x", days=5)["activities"]:
        fields = {k: v for k, v in activity.items() if k != "activityId"}
        logged = post_json(client, f"/goals/{made['goalId']}/activities", fields, token)
        assert logged.status_code == 201, logged.body
    by_hand = json.loads(get(client, f"/goals/{made['goalId']}", token).body)
    # created when the test ran, not on 1 September: compare what the days give
    assert imported["progress"]["totalAccumulated"] == 5
    assert imported["progress"]["longestStreak"] == 5
    for name in ("totalAccumulated", "longestStreak", "lastActivityDate", "periodHistory"):
        assert imported["progress"][name] == by_hand["progress"][name], name


def test_a_file_that_is_not_an_export_fails_with_its_reason(client, token, stack):
    status = _import(client, token, stack, b'{"format": "ai-lifestyle-export", "version": 9}')
    assert status["status"] == "failed"
    assert status["error"]["code"] == "IMPORT_VERSION_UNSUPPORTED"
    assert json.loads(get(client, "/goals", token).body)["goals"] == []


def test_starting_before_the_upload_is_404_with_its_own_code(client, token):
    created = json.loads(_create(client, token).body)
    started = post_json(client, f"/users/me/imports/{created['importId']}/start", {}, token)
    assert started.status_code == 404
    assert json.loads(started.body)["error"] == "IMPORT_UPLOAD_NOT_FOUND"
    assert json.loads(get(client, created["statusUrl"], token).body)["status"] == "awaiting_upload"


def test_another_users_import_is_404(client, token, aws):
    created = json.loads(_create(client, token).body)
    other = signed_in_user(client, aws, "bob@example.com")
    for response in (
        get(client, created["statusUrl"], other),
        post_json(client, f"{created['statusUrl']}/start", {}, other),
    ):
        assert response.status_code == 404
        assert json.loads(response.body)["error"] == "IMPORT_NOT_FOUND"


def test_an_unknown_format_is_400_and_records_nothing(client, token):
    response = post_json(client, "/users/me/imports", {"format": "csv"}, token)
    assert response.status_code == 400
    items = boto3.client("dynamodb").scan(TableName=get_settings().table_name)["Items"]
    assert not [i for i in items if i["SK"]["S"].startswith("IMPORT")]


def test_at_most_ten_imports_a_day(client, token):
    for _ in range(10):
        assert _create(client, token).status_code == 201
    refused = _create(client, token)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_while_an_import_is_queued_creating_answers_that_one(client, token, stack):
    created = json.loads(_create(client, token).body)
    _upload(created, files.as_json(files.document()))
    post_json(client, f"/users/me/imports/{created['importId']}/start", {}, token)
    again = _create(client, token)
    assert again.status_code == 200
    assert json.loads(again.body)["importId"] == created["importId"]
