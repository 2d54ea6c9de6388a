"""Importing through the routes and the job, in-process (moto's S3, SQS, DynamoDB, Cognito):
create, upload to the form's key, start, run the queued job as Lambda would, read the
status and the data; a second import of the same file writes nothing new."""

import json

import boto3
import pytest

from chalicelib import wiring
from chalicelib.core.clock import utc_now
from chalicelib.core.config import get_settings
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.rollups import month_of
from chalicelib.goals.summaries import of_days
from scripts.deletion_worker import app_handler, drain
from tests import import_files as files
from tests.helpers import get, post_json, signed_in_user


@pytest.fixture
def stack(aws, monkeypatch):
    """The data bucket and the account-jobs queue, in moto."""
    monkeypatch.setenv("ACCOUNT_DATA_BUCKET", "import-tests-data")
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


def test_an_imported_goal_has_its_closed_months_rolled_up(client, token, stack):
    """The import writes the rollups of the closed months it wrote days in (goals/rollups.py),
    each what its days give, so the imported history reads fast from the start."""
    doc = files.document(goals=[files.goal("g", "Long", days=80)], journal=[])
    _import(client, token, stack, files.as_json(doc))
    imported = json.loads(get(client, "/goals", token).body)["goals"][0]
    user_id = json.loads(get(client, "/users/profile", token).body)["userId"]
    goals = GoalRepository()
    days = goals.day_aggregates(user_id, imported["goalId"])
    this_month = month_of(utc_now().date())
    stored = goals.month_rollups(user_id, imported["goalId"], "2000-01", "9999-12")
    assert sorted(stored) == sorted({month_of(a.day) for a in days if month_of(a.day) < this_month})
    assert len(stored) >= 3  # September to November 2026
    for month, summary in stored.items():
        assert summary == of_days([a for a in days if month_of(a.day) == month])


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


def _started(client, token, data: bytes) -> tuple[str, str]:
    """An import created, uploaded and started (its job not run): (import id, job key)."""
    from chalicelib.account.imports.records import job_key_of

    created = json.loads(_create(client, token).body)
    _upload(created, data)
    post_json(client, f"/users/me/imports/{created['importId']}/start", {}, token)
    user_id = json.loads(get(client, "/users/profile", token).body)["userId"]
    return created["importId"], job_key_of(user_id, created["importId"])


def test_a_run_cut_short_resumes_and_writes_each_record_once(client, token, stack):
    from chalicelib.account.imports.service import Continue, Done

    doc = files.document(
        goals=[files.goal(f"g{i}", f"Goal {i}", days=3) for i in range(4)],
        journal=[files.entry(f"e{i}", f"Entry {i}", linked=("g1",)) for i in range(3)],
    )
    import_id, job_key = _started(client, token, files.as_json(doc))
    looks = iter([False, False, True])  # two goals, then the time runs out
    assert wiring.imports().run(job_key, lambda: next(looks, True)) == Continue()
    status = json.loads(get(client, f"/users/me/imports/{import_id}", token).body)
    assert status["status"] == "running"
    assert len(json.loads(get(client, "/goals", token).body)["goals"]) == 2
    assert wiring.imports().run(job_key, lambda: False) == Done()
    status = json.loads(get(client, f"/users/me/imports/{import_id}", token).body)
    assert status["status"] == "completed"
    assert status["report"]["imported"]["goals"] == 4
    assert status["report"]["imported"]["activities"] == 12
    assert status["report"]["imported"]["journalEntries"] == 3
    goals = json.loads(get(client, "/goals", token).body)["goals"]
    assert sorted(g["title"] for g in goals) == [f"Goal {i}" for i in range(4)]
    for goal in goals:
        listed = json.loads(get(client, f"/goals/{goal['goalId']}/activities", token).body)
        assert len(listed["activities"]) == 3
    stats = json.loads(get(client, "/journal/stats", token).body)
    assert stats["totalEntries"] == 3
    # The ended job runs again as a no-op (SQS may deliver its message twice).
    assert wiring.imports().run(job_key, lambda: False) == Done()


def test_goals_over_the_active_quota_are_imported_archived(client, token, stack):
    # 49 active goals already, as the active-goal counter keeps them (creating 49 through the
    # routes would only repeat what the goal tests prove).
    me = json.loads(get(client, "/users/profile", token).body)["userId"]
    boto3.client("dynamodb").put_item(
        TableName=get_settings().table_name,
        Item={"PK": {"S": f"USER#{me}"}, "SK": {"S": "GOALCOUNT"}, "active": {"N": "49"}},
    )
    doc = files.document(
        goals=[files.goal("a", "First", days=1), files.goal("b", "Second", days=1)], journal=[]
    )
    status = _import(client, token, stack, files.as_json(doc))
    assert status["report"]["imported"]["goals"] == 2
    [changed] = status["report"]["changed"]
    assert changed["source"] == "b"
    assert "imported archived" in changed["reason"]
    goals = json.loads(get(client, "/goals?status=active&status=archived&limit=100", token).body)
    states = {g["title"]: g["status"] for g in goals["goals"]}
    assert states["First"] == "active"
    assert states["Second"] == "archived"


def test_keys_are_restored_into_an_account_without_and_encrypted_entries_come_along(
    client, token, stack, aws
):
    from tests.browser_crypto import Browser

    browser = Browser.set_up(bits=2048)
    secret = {
        **files.entry("e-secret", "Sealed"),
        **browser.encrypt_entry("<p>only I can read this</p>"),
        "isEncrypted": True,
        "wordCount": 5,
    }
    doc = files.document(journal=[secret], encryption=browser.setup_body())
    data = files.as_json(doc)
    status = _import(client, token, stack, data)
    assert status["report"]["imported"]["encryptionKeys"] is True
    assert status["report"]["imported"]["journalEntries"] == 1
    me = json.loads(get(client, "/users/profile", token).body)["userId"]
    keys = json.loads(get(client, f"/encryption/user/{me}", token).body)
    assert keys["publicKey"] == browser.setup_body()["publicKey"]
    [entry] = json.loads(get(client, "/journal", token).body)["entries"]
    assert entry["content"] == secret["content"]

    # Another account, with keys of its own: the entry cannot open there, so it is skipped.
    other = signed_in_user(client, aws, "bob@example.com")
    own = Browser.set_up(bits=2048).setup_body()
    assert post_json(client, "/encryption/setup", own, other).status_code == 201
    skipped = _import(client, other, stack, data)
    assert skipped["report"]["imported"]["encryptionKeys"] is False
    assert skipped["report"]["imported"]["journalEntries"] == 0
    reasons = {s["source"]: s["reason"] for s in skipped["report"]["skipped"]}
    assert "encryption keys are not the ones" in reasons["e-secret"]


def test_a_loop_export_is_imported_through_the_same_job(client, token, stack):
    from chalicelib.account.imports.loop import parse_loop_archive

    data = files.loop_export()
    plan = parse_loop_archive(data)
    assert len(plan.goals) == 2
    response = post_json(client, "/users/me/imports", {"format": "loop-csv"}, token)
    created = json.loads(response.body)
    assert created["upload"]["maxBytes"] == 10 * 1024 * 1024
    boto3.client("s3").put_object(
        Bucket="import-tests-data", Key=created["upload"]["fields"]["key"], Body=data
    )
    post_json(client, f"{created['statusUrl']}/start", {}, token)
    sqs, queue_url = stack
    drain(sqs, queue_url, app_handler())
    status = json.loads(get(client, created["statusUrl"], token).body)
    assert status["status"] == "completed", status
    imported = status["report"]["imported"]
    assert imported["goals"] == len(plan.goals)
    assert imported["activities"] == sum(len(g.activities) for g in plan.goals)
    assert status["report"]["skippedTotal"] >= len(plan.skipped)
    listed = json.loads(get(client, "/goals?status=active&status=archived&limit=100", token).body)
    assert sorted(g["title"] for g in listed["goals"]) == sorted(
        g.definition.title for g in plan.goals
    )


def test_a_file_that_is_not_loops_export_fails_with_loops_reason(client, token, stack):
    response = post_json(client, "/users/me/imports", {"format": "loop-csv"}, token)
    created = json.loads(response.body)
    boto3.client("s3").put_object(
        Bucket="import-tests-data", Key=created["upload"]["fields"]["key"], Body=b"not a zip"
    )
    post_json(client, f"{created['statusUrl']}/start", {}, token)
    sqs, queue_url = stack
    drain(sqs, queue_url, app_handler())
    status = json.loads(get(client, created["statusUrl"], token).body)
    assert status["status"] == "failed"
    assert status["error"]["code"] == "INVALID_LOOP_ARCHIVE"
    assert json.loads(get(client, "/goals", token).body)["goals"] == []


def test_pauses_vacations_and_reminders_come_across_through_their_rules(client, token, stack):
    from datetime import date, timedelta

    first = date.today() - timedelta(days=20)

    def day(offset: int) -> str:
        return (first + timedelta(days=offset)).isoformat()

    past = {"from": day(2), "until": day(3), "reason": "Travel"}
    held = {"from": day(12), "until": None, "reason": None}
    run = files.goal("g-run", "Run", days=10, first_day=first, status="paused", pauses=[past, held])
    walk = files.goal(
        "g-walk", "Walk", days=2, first_day=first, reminder={"enabled": True, "localTime": "07:30"}
    )
    already = {"from": day(5), "until": day(6), "reason": None}
    new = {"from": day(8), "until": day(8), "reason": "Beach"}
    own = {"from": day(15), "until": day(16), "reason": None}
    overlapping = {"from": day(16), "until": day(17), "reason": None}  # with `own`
    for had in (already, own):
        body = {"from": had["from"], "until": had["until"]}
        added = post_json(client, "/users/me/vacations", body, token)
        assert added.status_code == 200, added.body
    doc = files.document(goals=[run, walk], journal=[], vacations=[already, new, overlapping])

    report = _import(client, token, stack, files.as_json(doc))["report"]

    assert report["imported"]["goals"] == 2
    # A vacation the account had is kept once; one overlapping another of its is left out.
    vacations = json.loads(get(client, "/users/me/vacations", token).body)["vacations"]
    assert vacations == [already, new, own]
    [refused] = [s for s in report["skipped"] if s["kind"] == "vacation"]
    assert refused["source"] == f"vacations from {day(16)}"
    assert "overlaps" in refused["reason"]
    goals = {g["title"]: g for g in json.loads(get(client, "/goals", token).body)["goals"]}
    assert goals["Run"]["status"] == "paused"
    assert goals["Run"]["pauses"] == [past, held]
    assert goals["Walk"]["reminder"] == {"enabled": True, "localTime": "07:30"}
    # The reminder is armed, as creating the goal arms it: the job finds it in its minute.
    armed = boto3.client("dynamodb").scan(
        TableName=get_settings().table_name,
        FilterExpression="begins_with(PK, :reminder) AND goalId = :goal",
        ExpressionAttributeValues={
            ":reminder": {"S": "REMINDER#"},
            ":goal": {"S": goals["Walk"]["goalId"]},
        },
    )
    assert armed["Count"] == 1
