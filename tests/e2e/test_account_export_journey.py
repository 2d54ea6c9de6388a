"""Exporting an account, over HTTP on the local stack: the request, the job run by the local
worker (the loop `make run` runs) against DynamoDB Local and moto's S3, the download through
the presigned URL moto serves, and the archive's files. Then deleting the account erases the
archive and the export's records.

A has two goals with activities, a plain and an encrypted journal entry, encryption keys, and
shares an entry with B, who shares one back.
"""

import csv
import hashlib
import io
import json
import zipfile
from typing import Any

import requests

from chalicelib.account.jobs import subject_of
from tests.helpers import STRONG_PASSWORD


def _share(api, token: str, entry_id: str, recipient_id: str) -> None:
    shared = api.call(
        "POST",
        "/shares",
        token,
        json={"itemType": "journal", "itemId": entry_id, "recipientId": recipient_id},
    )
    assert shared.status_code == 201, shared.text


def _fill(api, token: str, recipient_id: str) -> dict[str, Any]:
    goals = []
    for title, pattern, target in (
        ("Read", "milestone", {"value": 1000, "unit": "pages"}),
        ("@Water", "recurring", {"metric": "count", "value": 8, "period": "day"}),
    ):
        goal = api.call(
            "POST", "/goals", token, json={"title": title, "goalPattern": pattern, "target": target}
        )
        assert goal.status_code == 201, goal.text
        goals.append(goal.json())
    for goal in goals:
        for value in (3, 4, 5):
            logged = api.call(
                "POST", f"/goals/{goal['goalId']}/activities", token, json={"value": value}
            )
            assert logged.status_code == 201, logged.text
    plain = api.call(
        "POST",
        "/journal",
        token,
        json={"title": "Day one", "content": "<p>Read ten pages</p>", "tags": ["books"]},
    ).json()
    secret = api.call(
        "POST",
        "/journal",
        token,
        json={
            "title": "Private",
            "content": "U2FsdGVkX1+ciphertext==",
            "isEncrypted": True,
            "wordCount": 3,
            "encryptedKey": "d3JhcHBlZA==",
            "encryptionIv": "aXY=",
        },
    ).json()
    _share(api, token, plain["entryId"], recipient_id)
    return {"goals": goals, "plain": plain, "secret": secret}


def test_export_poll_download_unzip_then_deletion_erases_it(api, local_stack, worker_env) -> None:
    worker_env.setenv("ACCOUNT_DELETION_SWEEP_SECONDS", "0")
    a_email, a_login = api.new_account()
    b_email, b_login = api.new_account()
    a_token, b_token = a_login["accessToken"], b_login["accessToken"]
    a_id = api.with_keys(a_email, a_token)
    b_id = api.with_keys(b_email, b_token)
    seeded = _fill(api, a_token, b_id)
    b_entry = api.call(
        "POST", "/journal", b_token, json={"title": "For A", "content": "<p>hi</p>"}
    ).json()
    _share(api, b_token, b_entry["entryId"], a_id)

    started = api.call("POST", "/users/me/exports", a_token)
    assert started.status_code == 202, started.text
    export = started.json()
    assert export["status"] == "queued"
    status_url = started.headers["Location"]
    assert api.call("GET", status_url, a_token).json()["status"] == "queued"

    assert api.run_account_jobs() >= 1
    ready = api.call("GET", status_url, a_token).json()
    assert ready["status"] == "ready", ready
    assert ready["counts"]["goals"] == 2
    assert ready["counts"]["activities"] == 6
    assert ready["counts"]["journalEntries"] == 2
    assert (ready["counts"]["sharesGiven"], ready["counts"]["sharesReceived"]) == (1, 1)

    # The presigned URL, as a browser would follow it: no token, straight from storage.
    download = ready["download"]
    fetched = requests.get(download["url"], timeout=30)
    assert fetched.status_code == 200, fetched.text[:300]
    assert download["fileName"] in fetched.headers["Content-Disposition"]
    data = fetched.content
    assert len(data) == download["bytes"]
    assert hashlib.sha256(data).hexdigest() == download["sha256"]

    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert names[:2] == ["README.txt", "export.json"]
    document = json.loads(archive.read("export.json"))
    assert document["account"] == {"userId": a_id, "email": a_email}
    keys = api.call("GET", f"/encryption/user/{a_id}", a_token).json()
    assert {name: document["encryption"][name] for name in ("salt", "publicKey")} == {
        "salt": keys["salt"],
        "publicKey": keys["publicKey"],
    }
    assert sorted(goal["title"] for goal in document["goals"]) == ["@Water", "Read"]
    assert all(len(goal["activities"]) == 3 for goal in document["goals"])
    journal = {entry["entryId"]: entry for entry in document["journal"]}
    assert journal[seeded["secret"]["entryId"]]["content"] == "U2FsdGVkX1+ciphertext=="
    assert journal[seeded["plain"]["entryId"]]["sharedWith"] == [b_id]
    assert [share["recipientId"] for share in document["sharesGiven"]] == [b_id]
    assert [share["ownerId"] for share in document["sharesReceived"]] == [b_id]
    goals_csv = list(csv.DictReader(io.StringIO(archive.read("goals.csv").decode("utf-8-sig"))))
    assert sorted(row["title"] for row in goals_csv) == ["'@Water", "Read"]
    assert len([name for name in names if name.startswith("journal/")]) == 2

    # Deleting A erases the archive, the export and its job pointer, with everything else.
    deleted = api.call("DELETE", "/users/me", a_token, json={"password": STRONG_PASSWORD})
    assert deleted.status_code == 202, deleted.text
    api.run_account_jobs()
    s3 = local_stack.client("s3")
    listed = s3.list_objects_v2(
        Bucket=api.stack_env["ACCOUNT_DATA_BUCKET"], Prefix=f"exports/{subject_of(a_id)}/"
    )
    assert listed["KeyCount"] == 0
    dynamodb = local_stack.client("dynamodb")
    items = [
        item
        for page in dynamodb.get_paginator("scan").paginate(TableName=local_stack.info.table_name)
        for item in page["Items"]
    ]
    assert not [item for item in items if a_id in json.dumps(item)]
    assert not [item for item in items if export["exportId"] in json.dumps(item)]
