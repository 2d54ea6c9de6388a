"""Importing over HTTP on the local stack: `chalice local`, DynamoDB Local, and moto's S3 and
SQS. The file goes up with the presigned POST the API answers, as a browser sends it; the job
runs as the local worker runs it (the same handler Lambda calls)."""

import base64
import json
from typing import Any

import requests

from tests import import_files as files


def _import(api, token: str, data: bytes) -> dict[str, Any]:
    created = api.call("POST", "/users/me/imports", token, json={"format": "ai-lifestyle-json"})
    assert created.status_code == 201, created.text
    body = created.json()
    upload = body["upload"]
    sent = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("export.zip", data)}, timeout=15
    )
    assert sent.status_code in (200, 201, 204), sent.text
    started = api.call("POST", f"{body['statusUrl']}/start", token)
    assert started.status_code == 202, started.text
    api.run_account_jobs()
    status = api.call("GET", body["statusUrl"], token)
    assert status.status_code == 200
    return dict(status.json())


def _own_items(api, token: str) -> dict[str, int]:
    goals = api.call("GET", "/goals?status=active&status=archived&limit=100", token).json()
    entries = api.call("GET", "/journal?limit=100", token).json()
    activities = sum(
        len(
            api.call("GET", f"/goals/{g['goalId']}/activities?limit=100", token).json()[
                "activities"
            ]
        )
        for g in goals["goals"]
    )
    return {
        "goals": len(goals["goals"]),
        "activities": activities,
        "entries": len(entries["entries"]),
    }


def test_an_export_goes_in_through_the_presigned_form_and_twice_writes_nothing_new(api, worker_env):
    _, login = api.new_account()
    token = login["accessToken"]
    doc = files.document(
        goals=[
            files.goal("g-run", "Run", days=12),
            files.goal("g-old", "Old", status="archived", days=3),
        ],
        journal=[
            files.entry("e-1", "Day one", linked=("g-run",)),
            files.entry("e-2", "Two", day=2),
        ],
    )
    data = files.as_zip(doc)

    first = _import(api, token, data)
    assert first["status"] == "completed", first
    assert first["report"]["imported"] == {
        "goals": 2,
        "activities": 15,
        "journalEntries": 2,
        "profile": True,
        "encryptionKeys": False,
    }
    assert first["report"]["skipped"] == [
        {
            "kind": "share",
            "source": "sharesGiven[0]",
            "reason": "shares name other people's accounts",
        }
    ]
    assert _own_items(api, token) == {"goals": 2, "activities": 15, "entries": 2}
    run = next(g for g in api.call("GET", "/goals", token).json()["goals"] if g["title"] == "Run")
    assert run["progress"]["totalAccumulated"] == 12
    assert api.call("GET", "/users/profile", token).json()["timezone"] == "Europe/London"

    second = _import(api, token, data)
    assert second["status"] == "completed"
    assert second["report"]["duplicateOf"] == first["importId"]
    assert _own_items(api, token) == {"goals": 2, "activities": 15, "entries": 2}


def test_a_file_over_the_limit_is_refused(api, worker_env):
    """S3 refuses a form upload over the policy's content-length-range (moto does not check
    it, so the policy is read here); the job refuses such a file should one get there."""
    _, login = api.new_account()
    token = login["accessToken"]
    created = api.call("POST", "/users/me/imports", token, json={"format": "loop-csv"}).json()
    upload = created["upload"]
    assert upload["maxBytes"] == 10 * 1024 * 1024
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 1, upload["maxBytes"]] in policy["conditions"]
    too_big = b"x" * (upload["maxBytes"] + 1)
    sent = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("big.zip", too_big)}, timeout=30
    )
    assert sent.status_code in (204, 400)
    started = api.call("POST", f"{created['statusUrl']}/start", token)
    if sent.status_code == 400:  # a real S3
        assert started.json()["error"] == "IMPORT_UPLOAD_NOT_FOUND"
        return
    assert started.status_code == 202
    api.run_account_jobs()
    status = api.call("GET", created["statusUrl"], token).json()
    assert status["status"] == "failed"
    assert status["error"]["code"] == "IMPORT_FILE_TOO_LARGE"


def test_starting_before_the_upload_is_404(api):
    _, login = api.new_account()
    token = login["accessToken"]
    created = api.call("POST", "/users/me/imports", token, json={"format": "loop-csv"}).json()
    started = api.call("POST", f"{created['statusUrl']}/start", token)
    assert started.status_code == 404
    assert started.json()["error"] == "IMPORT_UPLOAD_NOT_FOUND"
