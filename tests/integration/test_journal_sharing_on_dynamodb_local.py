"""Sharing on DynamoDB Local, at the sizes where DynamoDB's transaction limits (100 items, 4 MB)
used to answer 500: the largest entries, the most recipients, the most goal links."""

import json
import uuid
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.errors import BusinessRuleViolation
from chalicelib.core.http import MAX_BODY_BYTES, Page
from chalicelib.core.idempotency import key_from
from chalicelib.core.validation import parse
from chalicelib.goals.models import GoalCreate
from chalicelib.journal.models import (
    MAX_LINKED_GOALS,
    MAX_RECIPIENTS,
    EntryCreate,
    EntryFields,
)
from chalicelib.journal.service import JournalService
from tests.helpers import RequestLog


@pytest.fixture
def journal(stack_env) -> JournalService:
    return wiring.journal()


@pytest.fixture
def user() -> str:
    return str(uuid.uuid4())


def _recipients(prefix: str, count: int = MAX_RECIPIENTS) -> list[str]:
    return [f"{prefix}{index}-{uuid.uuid4().hex[:8]}@example.com" for index in range(count)]


def _inbox(journal: JournalService, email: str) -> list[dict[str, Any]]:
    recipient = str(uuid.uuid4())
    dynamo.client().put_item(
        TableName=dynamo.table_name(),
        Item=dynamo.serialize(
            {"PK": f"USER#{recipient}", "SK": "PROFILE", "userId": recipient, "email": email}
        ),
    )
    listed = journal.list_entries(
        recipient, page=Page(1, 100), filters={"filter": "shared-with-me"}
    )
    return list(listed["entries"])


def _share_items(email: str) -> list[dict[str, Any]]:
    return dynamo.query_all(
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues=dynamo.serialize({":pk": f"SHARE#{email}"}),
    )


def test_a_190_kb_encrypted_entry_shared_with_50_addresses_is_written(journal, user):
    recipients = _recipients("big")
    created = journal.create(
        user,
        parse(
            EntryCreate,
            {
                "title": "Long",
                "content": "A" * 190_000,
                "isEncrypted": True,
                "wordCount": 1,
                "encryptedKey": "k" * 684,
                "encryptionIv": "iv",
                "isShared": True,
                "sharedWith": recipients,
            },
        ),
    )
    assert created.status == 201
    for email in (recipients[0], recipients[-1]):
        [seen] = _inbox(journal, email)
        assert seen["entryId"] == created.body["entryId"]
        assert len(seen["content"]) == 190_000


def test_replacing_50_recipients_with_50_others_is_refused_before_any_write(journal, user):
    first, second = _recipients("first"), _recipients("second")
    entry = journal.create(
        user,
        parse(
            EntryCreate,
            {"title": "T", "content": "<p>x</p>", "isShared": True, "sharedWith": first},
        ),
    ).body
    with pytest.raises(BusinessRuleViolation) as refused:
        journal.update(user, entry["entryId"], parse(EntryFields, {"sharedWith": second}))
    assert refused.value.code == "TOO_MANY_SHARE_CHANGES"
    assert journal.get(user, entry["entryId"])["sharedWith"] == first
    assert len(_share_items(first[7])) == 1
    assert _share_items(second[7]) == []
    # Removing first and adding then is two writes that each fit.
    journal.update(user, entry["entryId"], parse(EntryFields, {"sharedWith": []}))
    journal.update(user, entry["entryId"], parse(EntryFields, {"sharedWith": second}))
    assert _share_items(first[7]) == []
    assert len(_share_items(second[7])) == 1


def _goals_that_complete(user: str) -> list[str]:
    goal_ids = []
    for index in range(MAX_LINKED_GOALS):
        goal = wiring.goals().create(
            user,
            parse(
                GoalCreate,
                {
                    "title": f"Goal {index}",
                    "goalPattern": "milestone",
                    "target": {"value": 1, "unit": "x"},
                },
            ),
        )
        goal_ids.append(goal.body["goalId"])
    return goal_ids


def test_the_largest_create_the_api_accepts_fits_in_one_transaction(journal, user):
    """The worst case: a body just under the 256 KB limit, all of it 4-byte characters (which
    a JSON record of the response would escape to 12 bytes each), 50 recipients, 10 linked
    goals that each complete (activity, day, goal, title lock; and the quota counter), and an
    idempotency record. It must be written, and replayed, in one transaction."""
    goal_ids = _goals_that_complete(user)
    body: dict[str, Any] = {
        "title": "🙂" * 200,
        "isEncrypted": True,
        "wordCount": 1,
        "encryptedKey": "k" * 2000,
        "encryptionIv": "i" * 2000,
        "tags": ["🙂" * 30] * 1,
        "mood": "🙂" * 50,
        "isShared": True,
        "sharedWith": _recipients("worst"),
        "linkedGoalIds": goal_ids,
        "goalProgress": [
            {"goalId": goal_id, "progressValue": 1, "completed": True, "notes": "🙂" * 500}
            for goal_id in goal_ids
        ],
    }
    room = (
        MAX_BODY_BYTES - 1 - len(json.dumps({**body, "content": ""}, ensure_ascii=False).encode())
    )
    body["content"] = "🙂" * (room // 4)
    assert MAX_BODY_BYTES - 4 <= len(json.dumps(body, ensure_ascii=False).encode()) < MAX_BODY_BYTES
    log = RequestLog()
    events = dynamo.client().meta.events
    events.register("before-call.dynamodb", log)
    try:
        key = key_from("worst-case", user, "POST /journal", body)
        created = journal.create(user, parse(EntryCreate, body), idempotency=key)
        replayed = journal.create(user, parse(EntryCreate, body), idempotency=key)
    finally:
        events.unregister("before-call.dynamodb", log)
    assert created.status == 201
    assert replayed.body == created.body
    assert log.operations.count("TransactWriteItems") == 1
    assert all(wiring.goals().get(user, goal_id)["status"] == "completed" for goal_id in goal_ids)
    [seen] = _inbox(journal, body["sharedWith"][-1])
    assert seen["content"] == body["content"]


def test_the_largest_edit_fits_or_is_refused_before_any_write(journal, user):
    """An edit that changes 10 goal links (each completing its goal) and swaps recipients:
    every size either commits or is refused with 422, never a DynamoDB error."""
    goal_ids = _goals_that_complete(user)
    first = _recipients("edit")
    entry = journal.create(
        user,
        parse(
            EntryCreate,
            {
                "title": "T",
                "content": "<p>x</p>",
                "isShared": True,
                "sharedWith": first,
                "linkedGoalIds": goal_ids,
                "goalProgress": [{"goalId": goal_id, "progressValue": 0} for goal_id in goal_ids],
            },
        ),
    ).body
    outcomes = []
    current = first
    for swapped in (50, 30, 28, 27, 10):
        wanted = [*_recipients("swap", swapped), *current[swapped:]]
        change = {
            "sharedWith": wanted,
            "goalProgress": [
                {"goalId": goal_id, "progressValue": 1, "completed": True} for goal_id in goal_ids
            ],
        }
        try:
            journal.update(user, entry["entryId"], parse(EntryFields, change))
        except BusinessRuleViolation as refused:
            refusal = refused.code
        else:
            current = wanted
            outcomes.append((swapped, "written"))
            break
        assert refusal == "TOO_MANY_SHARE_CHANGES"
        assert journal.get(user, entry["entryId"])["sharedWith"] == current
        outcomes.append((swapped, "refused"))
    assert outcomes[-1][1] == "written"
    assert outcomes[0] == (50, "refused")
    assert journal.get(user, entry["entryId"])["sharedWith"] == current
