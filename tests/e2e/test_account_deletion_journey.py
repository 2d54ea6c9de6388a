"""Deleting an account, over HTTP on the local stack, with the job run by the local worker
(scripts/deletion_worker.py, the loop `make run` runs) against DynamoDB Local and moto.

A has goals with activities (two goals, an idempotent log, a journal entry logging progress),
journal entries, encryption keys, a share to B and a share from B; B also shares with C. A
deletes the account. Afterwards no item in the whole table carries A's id (in either form) or
address, B's and C's data is intact except for what pointed at A, the address registers
again, and running the job again changes nothing. A second account is interrupted mid-way
and finished by a later run, with the same result.
"""

import json
import uuid
from typing import Any

from chalicelib import wiring
from chalicelib.account.jobs import subject_of
from tests.browser_crypto import Browser
from tests.helpers import STRONG_PASSWORD, assert_envelope


def _send(api, user_id: str) -> None:
    sqs, url = api.account_jobs_queue()
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"deletion": subject_of(user_id)}))


def _scan(local_stack) -> list[dict[str, Any]]:
    dynamodb = local_stack.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=local_stack.info.table_name):
        items.extend(page["Items"])
    return items


def _traces(items, user_id: str, email: str) -> list[dict[str, Any]]:
    marks = (user_id, uuid.UUID(user_id).hex, email.lower())
    return [item for item in items if any(mark in json.dumps(item).lower() for mark in marks)]


def _person(api) -> dict[str, Any]:
    email, login = api.new_account()
    token = login["accessToken"]
    return {"email": email, "token": token, "id": api.with_keys(email, token)}


def _entry(api, person, title: str, **fields: Any) -> str:
    body = {"title": title, "content": "<p>a day</p>", **fields}
    made = api.call("POST", "/journal", person["token"], json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["entryId"])


def _share(api, owner, entry_id: str, recipient) -> None:
    body = {"itemType": "journal", "itemId": entry_id, "recipientId": recipient["id"]}
    shared = api.call("POST", "/shares", owner["token"], json=body)
    assert shared.status_code == 201, shared.text


def _fill(api, person) -> None:
    """Goals, activities on two of them, entries, an idempotency record, keys (set up)."""
    token = person["token"]
    goal_ids = []
    for title in ("Walk", "Read"):
        made = api.call(
            "POST",
            "/goals",
            token,
            json={
                "title": title,
                "goalPattern": "recurring",
                "target": {"metric": "count", "value": 3, "unit": "times", "period": "day"},
                "schedule": {"frequency": "daily"},
            },
            headers={"Idempotency-Key": f"goal-{title}"},
        )
        assert made.status_code == 201, made.text
        goal_ids.append(made.json()["goalId"])
    for goal_id in goal_ids:
        for value in (1, 2):
            logged = api.call("POST", f"/goals/{goal_id}/activities", token, json={"value": value})
            assert logged.status_code == 201, logged.text
    archived = api.call(
        "POST",
        "/goals",
        token,
        json={
            "title": "Old",
            "goalPattern": "milestone",
            "target": {"metric": "count", "value": 5, "unit": "x"},
        },
    )
    assert api.call("DELETE", f"/goals/{archived.json()['goalId']}", token).status_code == 200
    progress = [{"goalId": goal_ids[0], "progressValue": 2}]
    _entry(api, person, "Progress", linkedGoalIds=goal_ids[:1], goalProgress=progress)
    browser = Browser.set_up(bits=2048)
    _entry(
        api, person, "Secret", isEncrypted=True, wordCount=2, **browser.encrypt_entry("<p>x</p>")
    )


def _legacy_shares(local_stack, a, a_entry: str, b, b_entry: str, c) -> None:
    """Sharing by address, as before shares (not yet migrated): A's entry shared with C's
    address, and B's entry with A's; each with its pointer in the recipient's address."""
    dynamodb, table = local_stack.client("dynamodb"), local_stack.info.table_name
    for owner, entry_id, recipient in ((a, a_entry, c), (b, b_entry, a)):
        dynamodb.update_item(
            TableName=table,
            Key={"PK": {"S": f"USER#{owner['id']}"}, "SK": {"S": f"JOURNAL#{entry_id}"}},
            UpdateExpression="SET sharedWith = list_append(sharedWith, :address)",
            ExpressionAttributeValues={":address": {"L": [{"S": recipient["email"].lower()}]}},
        )
        dynamodb.put_item(
            TableName=table,
            Item={
                "PK": {"S": f"SHARE#{recipient['email'].lower()}"},
                "SK": {"S": f"JOURNAL#{entry_id}"},
                "userId": {"S": owner["id"]},
            },
        )


def _delete(api, person) -> None:
    wrong = api.call("DELETE", "/users/me", person["token"], json={"password": "not it at all"})
    assert_envelope(wrong.json(), 403, "INCORRECT_PASSWORD")
    accepted = api.call("DELETE", "/users/me", person["token"], json={"password": STRONG_PASSWORD})
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Location"] == "/users/me/deletion"
    assert accepted.json()["status"] == "in_progress"


def _uploaded_import(api, local_stack, person) -> Any:
    """An import of `person`'s with its file uploaded (its job pointer names the user outside
    the partition); returns what lists the user's uploads in the data bucket."""
    import requests

    from chalicelib.account.imports.records import imports_prefix

    created = api.call(
        "POST", "/users/me/imports", person["token"], json={"format": "ai-lifestyle-json"}
    )
    assert created.status_code == 201, created.text
    upload = created.json()["upload"]
    sent = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("x.json", b"{}")}, timeout=15
    )
    assert sent.status_code in (200, 201, 204), sent.text
    s3 = local_stack.client("s3")

    def listed() -> list[str]:
        answer = s3.list_objects_v2(
            Bucket=api.stack_env["ACCOUNT_DATA_BUCKET"], Prefix=imports_prefix(person["id"])
        )
        return [item["Key"] for item in answer.get("Contents", [])]

    assert len(listed()) == 1
    return listed


def test_a_deleted_account_leaves_nothing_and_others_keep_theirs(api, local_stack, worker_env):
    # Jobs other tests left queued (the authorization matrix deletes accounts too) would run
    # in this test's drains and change the other accounts it compares before and after.
    _purge(api)
    a, b, c = _person(api), _person(api), _person(api)
    a_login = api.call(
        "POST", "/auth/login", json={"email": a["email"], "password": STRONG_PASSWORD}
    ).json()
    _fill(api, a)
    _fill(api, b)
    a_entry = _entry(api, a, "For B")
    _share(api, a, a_entry, b)
    b_to_both = _entry(api, b, "For A and C")
    _share(api, b, b_to_both, a)
    _share(api, b, b_to_both, c)
    b_to_c = _entry(api, b, "For C")
    _share(api, b, b_to_c, c)
    _legacy_shares(local_stack, a, a_entry, b, b_to_c, c)
    uploads = _uploaded_import(api, local_stack, a)
    everything = _scan(local_stack)
    a_traces = _traces(everything, a["id"], a["email"])
    others_before = [item for item in everything if item not in a_traces]

    worker_env.setenv("ACCOUNT_DELETION_SWEEP_SECONDS", "3900")
    wiring.reset()
    _delete(api, a)
    # Disabled at once: no new sign-in, and the refresh token is revoked.
    login = api.call("POST", "/auth/login", json={"email": a["email"], "password": STRONG_PASSWORD})
    assert login.status_code in {401, 403}, login.text
    refreshed = api.call("POST", "/auth/refresh", json={"refreshToken": a_login["refreshToken"]})
    assert_envelope(refreshed.json(), 401, "TOKEN_REVOKED")
    # Asking again (a lost answer) is the same job, without a password check.
    again = api.call("DELETE", "/users/me", a["token"], json={"password": "whatever"})
    assert again.status_code == 202, again.text

    assert api.run_account_jobs() >= 1
    status = api.call("GET", "/users/me/deletion", a["token"]).json()
    assert status["status"] == "in_progress"
    assert status["dataErasedAt"]
    # Only A's own job record still names A (other tests' jobs may be in the table too).
    assert _traces(_scan(local_stack), a["id"], a["email"]) == [
        item for item in _scan(local_stack) if item["PK"]["S"] == f"DELETION#{subject_of(a['id'])}"
    ]
    assert uploads() == []  # the import's upload went with the account's records
    # The address is free at once.
    registered = api.call(
        "POST",
        "/auth/register",
        json={"email": a["email"], "password": STRONG_PASSWORD, "firstName": "A", "lastName": "B"},
    )
    assert registered.status_code == 201, registered.text
    new_id = registered.json()["userId"]
    assert new_id != a["id"]

    # A write made with A's still-valid access token after the first pass...
    late = api.call("POST", "/journal", a["token"], json={"title": "late", "content": "x"})
    assert late.status_code == 201, late.text
    # ...is erased by the final sweep, once the last token has expired (here: at once).
    worker_env.setenv("ACCOUNT_DELETION_SWEEP_SECONDS", "0")
    wiring.reset()
    _send(api, a["id"])
    api.run_account_jobs()
    done = api.call("GET", "/users/me/deletion", a["token"]).json()
    assert done["status"] == "completed"
    assert done["completedAt"]

    after = _scan(local_stack)
    traces = _traces(after, a["id"], a["email"])
    # Only the new account with the same address remains (its profile and email index).
    assert {(item["PK"]["S"], item["SK"]["S"]) for item in traces} == {
        (f"USER#{new_id}", "PROFILE"),
        (f"EMAIL#{a['email'].lower()}", "USER"),
    }
    assert all(a["id"] not in json.dumps(item) for item in after)
    assert all(uuid.UUID(a["id"]).hex not in json.dumps(item) for item in after)

    # B's entry shared by address with A and by id with C now lists C alone.
    assert api.call("GET", f"/journal/{b_to_c}", b["token"]).json()["sharedWith"] == [c["id"]]
    # B's entry shared with A and C now lists C alone; C's share and pointer stay.
    shared = api.call("GET", f"/journal/{b_to_both}", b["token"]).json()
    assert shared["sharedWith"] == [c["id"]]
    for entry_id in (b_to_both, b_to_c):
        assert api.call("GET", f"/journal/{entry_id}", c["token"]).status_code == 200
    # Everything of B and C that never named A is as it was (B's entry above changed).
    changed = {(f"USER#{b['id']}", f"JOURNAL#{entry}") for entry in (b_to_both, b_to_c)}
    unchanged = [
        item
        for item in others_before
        if (item["PK"]["S"], item["SK"]["S"]) not in changed
        and not item["PK"]["S"].startswith("DELETION#")
    ]
    assert all(item in after for item in unchanged)

    # Running the job again changes nothing, and fails nowhere.
    after = _scan(local_stack)
    _send(api, a["id"])
    assert api.run_account_jobs() >= 1
    assert _scan(local_stack) == after


def _deleting_a_sharer(api, worker_env) -> tuple[dict[str, Any], dict[str, Any], str]:
    """D (full account) and E share an entry each way; D asks for deletion, and the job is
    left for the test to run (the request's message is taken off the queue). D, E, and the
    entry E shared with D."""
    worker_env.setenv("ACCOUNT_DELETION_SWEEP_SECONDS", "0")
    wiring.reset()
    d, e = _person(api), _person(api)
    _fill(api, d)
    shared = _entry(api, e, "For D")
    _share(api, e, shared, d)
    _share(api, d, _entry(api, d, "For E"), e)
    _delete(api, d)
    _purge(api)
    return d, e, shared


def _left_of(local_stack, person) -> list[dict[str, Any]]:
    """The items that still name `person`, the deletion job's own record aside."""
    return [
        item
        for item in _traces(_scan(local_stack), person["id"], person["email"])
        if not item["PK"]["S"].startswith("DELETION#")
    ]


def test_an_interrupted_deletion_resumes_to_the_same_end(api, local_stack, worker_env):
    d, e, shared = _deleting_a_sharer(api, worker_env)

    # A run that stops after a few steps (as a crash would: no continuation is sent).
    steps = iter(range(4))
    service = wiring.account_deletion()
    outcome = service.run(subject_of(d["id"]), lambda: next(steps, None) is None)
    assert type(outcome).__name__ == "Continue"
    assert _traces(_scan(local_stack), d["id"], d["email"])  # some is left

    # The message comes back (SQS redelivers a message whose run did not finish).
    _send(api, d["id"])
    api.run_account_jobs()
    assert _left_of(local_stack, d) == []
    assert api.call("GET", f"/journal/{shared}", e["token"]).json()["sharedWith"] == []
    assert api.call("GET", "/users/me/deletion", d["token"]).json()["status"] == "completed"


def _purge(api) -> None:
    """Take every waiting message off the queue, unhandled (SQS allows one PurgeQueue a
    minute)."""
    sqs, url = api.account_jobs_queue()
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
    ).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_two_runs_at_once_end_the_same_way(api, local_stack, worker_env):
    """Two runs of one job at the same time (a redelivered message while the first still
    runs) delete the same items twice and meet at the same end, without an error."""
    from concurrent.futures import ThreadPoolExecutor

    f, g, shared = _deleting_a_sharer(api, worker_env)
    service = wiring.account_deletion()
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(
            pool.map(lambda _: service.run(subject_of(f["id"]), lambda: False), range(2))
        )
    assert [type(outcome).__name__ for outcome in outcomes] == ["Done", "Done"]
    assert _left_of(local_stack, f) == []
    assert api.call("GET", f"/journal/{shared}", g["token"]).json()["sharedWith"] == []
    assert api.call("GET", "/shares", g["token"]).json()["count"] == 0
