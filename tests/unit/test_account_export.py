"""Exporting an account's data: the routes, the job and the archive, on moto in-process."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import yaml

from chalicelib import wiring
from chalicelib.account.exports import files
from chalicelib.account.exports.records import export_key
from chalicelib.core import dynamo, storage
from chalicelib.core.config import get_settings
from chalicelib.journal.entry import JournalEntry
from scripts.resources import ensure_deletion_queue
from tests import contract
from tests.helpers import assert_envelope, get, post_json, signed_in_user

FORMULA_TITLE = '=HYPERLINK("http://evil.example")'


@pytest.fixture
def queue_url(aws, data_bucket) -> str:
    name = get_settings().deletion_queue
    return ensure_deletion_queue(boto3.client("sqs"), name, f"{name}-dlq")


@pytest.fixture
def token(client, aws, queue_url):
    return signed_in_user(client, aws)


def _json(response) -> Any:
    return json.loads(response.body)


def _run_queued_jobs(client, queue_url: str) -> int:
    """Hand every queued message to the handler, as Lambda's event source mapping does."""
    sqs = boto3.client("sqs")
    handled = 0
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return handled
        for message in messages:
            event = client.events.generate_sqs_event([message["Body"]])
            client.lambda_.invoke("erase_accounts", event)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1


def _seed(client, token) -> dict[str, Any]:
    goal = _json(
        post_json(
            client,
            "/goals",
            {
                "title": FORMULA_TITLE,
                "goalPattern": "recurring",
                "category": "health",
                "target": {"metric": "count", "value": 8, "unit": "glasses", "period": "day"},
            },
            token,
        )
    )
    path = f"/goals/{goal['goalId']}/activities"
    for value, note in ((3, "-2 before lunch"), (2, "@noon")):
        response = post_json(client, path, {"value": value, "note": note}, token)
        assert response.status_code == 201, response.body
    plain = _json(
        post_json(
            client,
            "/journal",
            {"title": "Morgenlauf über 5 km", "content": "Ran.\n\n# Felt great", "tags": ["run"]},
            token,
        )
    )
    secret = _json(
        post_json(
            client,
            "/journal",
            {
                "title": "Secret",
                "content": "U2FsdGVkX1+abc==",
                "isEncrypted": True,
                "wordCount": 12,
                "encryptedKey": "wrapped-key",
                "encryptionIv": "iv==",
            },
            token,
        )
    )
    return {"goal": goal, "plain": plain, "secret": secret}


def _archive(body: dict[str, Any]) -> zipfile.ZipFile:
    key = f"exports/{_subject_of(body)}/{body['exportId']}/{body['download']['fileName']}"
    data = storage.open_read(key).read()
    assert hashlib.sha256(data).hexdigest() == body["download"]["sha256"]
    assert len(data) == body["download"]["bytes"]
    return zipfile.ZipFile(io.BytesIO(data))


def _subject_of(body: dict[str, Any]) -> str:
    from chalicelib.account.jobs import subject_of

    return subject_of(body["_userId"])


def test_an_export_is_queued_runs_and_is_handed_out_by_a_fresh_link(client, token, queue_url):
    seeded = _seed(client, token)
    me = _json(get(client, "/users/profile", token))["userId"]
    started = client.http.post("/users/me/exports", headers={"Authorization": f"Bearer {token}"})
    assert started.status_code == 202, started.body
    body = _json(started)
    contract.assert_matches("POST", "/users/me/exports", 202, body)
    assert body["status"] == "queued"
    assert body["download"] is None
    assert (
        started.headers["Location"]
        == body["statusUrl"]
        == (f"/users/me/exports/{body['exportId']}")
    )
    # Asking again while it waits answers the same export, and queues nothing more.
    again = post_json(client, "/users/me/exports", {}, token)
    assert again.status_code == 202
    assert _json(again)["exportId"] == body["exportId"]

    assert _run_queued_jobs(client, queue_url) == 1
    ready = _json(get(client, body["statusUrl"], token))
    contract.assert_matches("GET", "/users/me/exports/{exportId}", 200, ready)
    assert ready["status"] == "ready"
    assert ready["counts"] == {
        "goals": 1,
        "activities": 2,
        "dailyProgress": 1,
        "journalEntries": 2,
        "sharesGiven": 0,
        "sharesReceived": 0,
    }
    download = ready["download"]
    assert download["fileName"] == f"ai-lifestyle-export-{body['requestedAt'][:10]}.zip"
    assert "X-Amz-Signature=" in download["url"]
    assert download["expiresAt"] > ready["completedAt"]
    assert ready["expiresAt"] > ready["completedAt"]

    archive = _archive({**ready, "_userId": me})
    names = set(archive.namelist())
    plain, secret = seeded["plain"], seeded["secret"]
    plain_file = f"journal/{plain['createdAt'][:10]}-morgenlauf-uber-5-km-{plain['entryId']}.md"
    secret_file = f"journal/{secret['createdAt'][:10]}-encrypted-{secret['entryId']}.md"
    assert names == {
        "README.txt",
        "export.json",
        "goals.csv",
        "activities.csv",
        "daily-progress.csv",
        plain_file,
        secret_file,
    }

    document = json.loads(archive.read("export.json"))
    assert (document["format"], document["version"]) == ("ai-lifestyle-export", 1)
    assert document["account"] == {"userId": me, "email": "ada@example.com"}
    assert "encryptionEnabled" not in document["profile"]
    assert document["profile"]["firstName"] == "Ada"
    assert document["encryption"] is None
    [goal] = document["goals"]
    fetched = _json(get(client, f"/goals/{seeded['goal']['goalId']}", token))
    assert {k: v for k, v in goal.items() if k not in {"activities", "progress"}} == {
        k: v for k, v in fetched.items() if k != "progress"
    }
    listed = _json(get(client, f"/goals/{fetched['goalId']}/activities", token))["activities"]
    assert sorted(goal["activities"], key=lambda a: a["activityId"]) == sorted(
        listed, key=lambda a: a["activityId"]
    )
    assert [entry["entryId"] for entry in document["journal"]] == [
        plain["entryId"],
        secret["entryId"],
    ]
    assert document["journal"][1] == _json(get(client, f"/journal/{secret['entryId']}", token))
    assert document["sharesGiven"] == document["sharesReceived"] == []

    def table(name: str) -> io.StringIO:
        return io.StringIO(archive.read(name).decode("utf-8-sig"))

    goals = list(csv.reader(table("goals.csv")))
    assert goals[0] == list(files.GOAL_COLUMNS)
    assert goals[1][1] == "'" + FORMULA_TITLE  # a formula is text in a spreadsheet
    activities = list(
        csv.DictReader(io.StringIO(archive.read("activities.csv").decode("utf-8-sig")))
    )
    assert {row["note"] for row in activities} == {"'-2 before lunch", "'@noon"}
    assert {row["localDate"] for row in activities} == {listed[0]["activityDate"][:10]}
    days = list(csv.DictReader(table("daily-progress.csv")))
    assert [(row["total"], row["valueCount"]) for row in days] == [("5", "2")]

    markdown = archive.read(secret_file).decode()
    front, content = markdown.removeprefix("---\n").split("\n---\n\n", 1)
    assert yaml.safe_load(front) == {
        "id": secret["entryId"],
        "title": "Secret",
        "createdAt": secret["createdAt"],
        "updatedAt": secret["updatedAt"],
        "mood": None,
        "tags": [],
        "template": "blank",
        "linkedGoalIds": [],
        "isEncrypted": True,
        "encryptedKey": "wrapped-key",
        "encryptionIv": "iv==",
    }
    assert content == "U2FsdGVkX1+abc==\n"  # ciphertext stays ciphertext

    # Each read signs a fresh link; the list shows the export, newest first.
    listing = _json(get(client, "/users/me/exports", token))
    contract.assert_matches("GET", "/users/me/exports", 200, listing)
    listed_exports = listing["exports"]
    assert [item["exportId"] for item in listed_exports] == [body["exportId"]]


def test_another_users_export_is_not_found(client, aws, token, queue_url):
    started = _json(post_json(client, "/users/me/exports", {}, token))
    bob = signed_in_user(client, aws, "bob@example.com")
    for path in (started["statusUrl"], "/users/me/exports/not-an-id", "/users/me/exports/a%23b"):
        response = get(client, path, bob)
        assert_envelope(_json(response), response.status_code, "EXPORT_NOT_FOUND")
        assert response.status_code == 404
    assert _json(get(client, "/users/me/exports", bob)) == {"exports": []}


@pytest.mark.parametrize("body", ["[]", "5", '"x"', "{", '{"a": NaN}', '{"format": "json"}'])
def test_a_body_that_is_not_an_object_changes_nothing(client, aws, token, body):
    response = client.http.post(
        "/users/me/exports",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=body,
    )
    assert response.status_code == 400, response.body
    assert _json(get(client, "/users/me/exports", token)) == {"exports": []}


def test_five_exports_a_day_then_429_with_retry_after(client, token, queue_url):
    for _ in range(5):
        assert post_json(client, "/users/me/exports", {}, token).status_code == 202
        _run_queued_jobs(client, queue_url)
    refused = post_json(client, "/users/me/exports", {}, token)
    assert_envelope(_json(refused), refused.status_code)
    assert refused.status_code == 429
    assert 24 * 3600 - 120 < int(refused.headers["Retry-After"]) <= 24 * 3600 + 1
    assert len(_json(get(client, "/users/me/exports", token))["exports"]) == 5


def test_a_failing_run_aborts_its_upload_and_is_failed_after_five(
    client, aws, token, queue_url, monkeypatch
):
    started = _json(post_json(client, "/users/me/exports", {}, token))
    [message] = boto3.client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    job_key = json.loads(message["Body"])["export"]

    def broken(self, out, spool):
        raise RuntimeError("the table went away")

    from chalicelib.account.exports.archive import ArchiveWriter
    from chalicelib.account.exports.records import ExportRecords
    from chalicelib.account.exports.service import ExportService, Storage
    from chalicelib.account.exports.source import AccountSource

    monkeypatch.setattr(ArchiveWriter, "_goals", broken)
    clock = [datetime.now(UTC)]
    service = ExportService(
        ExportRecords(),
        Storage(put_stream=storage.put_stream, presigned_get=storage.presigned_get),
        AccountSource,
        lambda job_key: None,
        now=lambda: clock[0],
    )
    for _ in range(4):
        clock[0] += timedelta(minutes=90)  # SQS delivers it again after its visibility timeout
        with pytest.raises(RuntimeError):
            service.run(job_key)
        assert _json(get(client, started["statusUrl"], token))["status"] == "running"
    clock[0] += timedelta(minutes=90)
    service.run(job_key)  # the fifth: recorded, not raised (the message would be dead)
    failed = _json(get(client, started["statusUrl"], token))
    assert failed["status"] == "failed"
    assert failed["download"] is None
    bucket = boto3.client("s3")
    assert bucket.list_multipart_uploads(Bucket=get_settings().data_bucket).get("Uploads", []) == []
    assert bucket.list_objects_v2(Bucket=get_settings().data_bucket).get("KeyCount") == 0
    # A failed export frees the user to start another.
    assert (
        _json(post_json(client, "/users/me/exports", {}, token))["exportId"] != started["exportId"]
    )


def test_deleting_the_account_erases_its_exports(client, aws, token, queue_url):
    from chalicelib.account.eraser import Eraser
    from chalicelib.journal.share_repository import ShareRepository

    me = _json(get(client, "/users/profile", token))["userId"]
    started = _json(post_json(client, "/users/me/exports", {}, token))
    _run_queued_jobs(client, queue_url)
    assert dynamo.get_item(export_key(me, started["exportId"])) is not None
    eraser = Eraser(ShareRepository(), lambda: False, delete_files=storage.delete_prefix)
    assert eraser.erase(me, "ada@example.com")
    assert eraser.deleted_files == 1
    items = boto3.client("dynamodb").scan(TableName=aws["table"])["Items"]
    assert not [item for item in items if me in json.dumps(item)]
    assert boto3.client("s3").list_objects_v2(Bucket=get_settings().data_bucket)["KeyCount"] == 0


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (-3, -3),
        (2.5, 2.5),
        (True, "true"),
        (None, ""),
        ({"a": "=x"}, '{"a": "=x"}'),
    ],
)
def test_csv_cells_never_start_a_formula(value, cell):
    assert files.csv_cell(value) == cell


def _entry(**fields: Any) -> JournalEntry:
    values: dict[str, Any] = {
        "entry_id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "user_id": "u",
        "title": 'A: title with "quotes", #hash\nand a line',
        "content": "Body\n---\nnot front matter",
        "created_at": "2026-01-02T03:04:05.000Z",
        "updated_at": "2026-01-02T03:04:05.000Z",
        "version": 1,
        "local_date": "2026-01-01",
        "tags": ("a", "b: c"),
        "mood": "ok",
    }
    return JournalEntry(**(values | fields))


def test_front_matter_reads_back_as_the_entry_whatever_its_title():
    entry = _entry()
    markdown = files.entry_markdown(entry)
    front, content = markdown.removeprefix("---\n").split("\n---\n\n", 1)
    parsed = yaml.safe_load(front)
    assert parsed["title"] == entry.title
    assert parsed["tags"] == ["a", "b: c"]
    assert "encryptedKey" not in parsed
    assert content == "Body\n---\nnot front matter\n"
    # The local day it was written on, a slug safe everywhere, and the id.
    assert files.entry_file_name(entry) == (
        f"journal/2026-01-01-a-title-with-quotes-hash-and-a-line-{entry.entry_id}.md"
    )
    assert files.entry_file_name(_entry(title="日本語")).startswith("journal/2026-01-01-entry-")


def test_a_duplicate_message_leaves_the_run_under_way_alone(client, aws, token, queue_url):
    from chalicelib.account.exports.records import ExportRecords

    started = _json(post_json(client, "/users/me/exports", {}, token))
    [message] = boto3.client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    job_key = json.loads(message["Body"])["export"]
    records = ExportRecords()
    job = records.by_job_key(job_key)
    assert job is not None
    records.mark_running(job, job.requested_at)  # a run started a moment ago, still going
    wiring.account_exports().run(job_key)
    after = records.by_job_key(job_key)
    assert after is not None
    assert (after.status, after.runs) == ("running", 1)  # not run a second time
    assert _json(get(client, started["statusUrl"], token))["download"] is None
