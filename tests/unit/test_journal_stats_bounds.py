"""The journal's stats items stay bounded: counters that reach zero are removed, days live in
per-month items, distinct names are capped. Ten years of daily journaling is simulated on the
write plan the repository commits, and the items are measured as DynamoDB sizes them."""

import json
import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.core.errors import BusinessRuleViolation
from chalicelib.journal import stats
from chalicelib.journal.entry import JournalEntry
from chalicelib.journal.repository import stats_of
from tests.helpers import assert_envelope, get, item_size, post_json, put_json, signed_in_user

DYNAMODB_ITEM_LIMIT = 400 * 1024


def apply(
    items: dict[str, dict[str, Any]], planned: "stats.StatsPlan", changes: dict[str, int]
) -> None:
    """What DynamoDB does with the repository's update of each stats item."""
    main = items.setdefault("JOURNALSTATS", {"PK": "USER#u", "SK": "JOURNALSTATS"})
    for name, expected in planned.main.removes.items():
        assert main[name] == expected  # the write's condition
        del main[name]
    for name, amount in planned.main.adds.items():
        main[name] = main.get(name, 0) + amount
    for month, change in planned.months.items():
        sk = f"JOURNALSTATS#{month}"
        month_item = items.setdefault(sk, {"PK": "USER#u", "SK": sk})
        for name, amount in change.adds.items():
            month_item[name] = month_item.get(name, 0) + amount
    assert set(changes) == (
        set(planned.main.adds)
        | {name for name in planned.main.removes if name in changes}
        | {name for change in planned.months.values() for name in change.adds}
    )


def write(
    items: dict[str, dict[str, Any]], old: JournalEntry | None, new: JournalEntry | None
) -> bool:
    """The repository's stats write; False when it is refused (and nothing changes)."""
    changes = stats.counter_changes(old, new)
    main = stats_of(items["JOURNALSTATS"]) if "JOURNALSTATS" in items else None
    try:
        stats.check_bounds(main, changes, adds_entry=old is None)
    except BusinessRuleViolation:
        return False
    apply(items, stats.plan(main, changes), changes)
    return True


def entry(day: date, tags: list[str], mood: str, goals: list[str]) -> JournalEntry:
    return JournalEntry(
        entry_id="e",
        user_id="u",
        title="t",
        content="c",
        created_at=f"{day.isoformat()}T12:00:00.000Z",
        updated_at=f"{day.isoformat()}T12:00:00.000Z",
        version=1,
        word_count=120,
        local_date=day.isoformat(),
        template="daily_reflection",
        mood=mood,
        tags=tuple(tags),
        linked_goal_ids=tuple(goals),
    )


def test_ten_years_of_daily_journaling_keeps_every_stats_item_small():
    chance = random.Random(10)
    items: dict[str, dict[str, Any]] = {}
    live: list[JournalEntry] = []
    day = date(2026, 1, 1)
    refused = 0

    # Tags of up to 30 four-byte characters from a vocabulary that moves on every season:
    # about 1,000 distinct tags, 65 moods and 340 goals over the years, retagged often.
    def tag(number: int) -> str:
        word = chance.randrange(number // 90 * 20, number // 90 * 20 + 200)
        return f"{word:05d}" + "\U0001f33f" * (word % 26)

    def mood(number: int) -> str:
        return f"mood-{chance.randrange(number // 365 * 5, number // 365 * 5 + 20)}-" + (
            "\u263a" * 40
        )

    for number in range(3653):
        goals = [
            f"0190{chance.randrange(number // 60 * 5, number // 60 * 5 + 40):032d}"
            for _ in range(chance.randrange(3))
        ]
        new = entry(day, [tag(number) for _ in range(chance.randrange(1, 6))], mood(number), goals)
        if write(items, None, new):
            live.append(new)
        else:
            refused += 1
        for _ in range(2):  # retag an older entry, its mood too
            index = chance.randrange(len(live))
            retagged = replace(
                live[index],
                tags=tuple(tag(number) for _ in range(chance.randrange(21))),
                mood=mood(number),
            )
            if write(items, live[index], retagged):
                live[index] = retagged
            else:
                refused += 1
        if number % 7 == 0:
            gone = live.pop(chance.randrange(len(live)))
            assert write(items, gone, None)
        day += timedelta(days=1)

    sizes = {sk: item_size(item) for sk, item in items.items()}
    assert max(sizes.values()) < DYNAMODB_ITEM_LIMIT // 4, sorted(sizes.items())[-3:]
    assert all(size < 1024 for sk, size in sizes.items() if sk != "JOURNALSTATS")
    assert len(items) <= 1 + 121  # the main item and one a month
    assert refused == 0  # such a heavy tagger never meets the caps
    # Only what live entries use is kept, and every count is right.
    expected: Counter[str] = Counter()
    for one in live:
        expected.update(stats.counter_changes(None, one))
    counted = stats.merged(stats_of(item) for item in items.values())
    assert {
        "totalEntries": counted.total_entries,
        "totalWords": counted.total_words,
        **{name: value for name, value in counted.counters.items() if value},
    } == dict(expected)
    assert all(
        value > 0
        for name, value in items["JOURNALSTATS"].items()
        if name.startswith(("tag#", "mood#", "goal#"))
    )


def test_the_worst_case_main_item_is_far_below_the_limit():
    """Every cap at its limit with the longest names, plus 2,000 completed goals."""
    item: dict[str, Any] = {
        "PK": "USER#" + "f" * 36,
        "SK": "JOURNALSTATS",
        "totalEntries": 10_000,
        "totalWords": 10**10,
        "timezone": "America/Argentina/ComodRivadavia",
        "dayStartHour": 23,
        "lastEntryAt": "2036-01-01T00:00:00.000Z",
    }
    for template in (
        "daily_reflection",
        "gratitude",
        "goal_progress",
        "mood_tracker",
        "habit_tracker",
        "creative_writing",
        "blank",
    ):
        item[f"template#{template}"] = 10_000
        item[f"templateUsed#{template}"] = "2036-01-01T00:00:00.000Z"
    longest = {"tag#": 30, "mood#": 50, "goal#": 9}
    for prefix, limit in stats.MAX_DISTINCT.items():
        for number in range(limit):
            name = f"{number:04d}" + "\U0001f33f" * (longest[prefix] - 4)
            if prefix == "goal#":
                name = f"{number:036d}"
            item[f"{prefix}{name}"] = 9_999
    item["completedGoals"] = {f"{number:036d}" for number in range(2_000)}
    assert item_size(item) < 300 * 1024


def test_counters_reaching_zero_are_removed_and_zeros_left_behind_go_too():
    planned = stats.plan(
        stats_of({"tag#a": 1, "tag#b": 2, "tag#c": 0, "mood#x": 1, "totalEntries": 3}),
        {"tag#a": -1, "tag#b": -1, "mood#x": -1, "totalEntries": -1, "day#2026-03-04": -1},
    )
    assert planned.main.removes == {"tag#a": 1, "mood#x": 1, "tag#c": 0}
    assert planned.main.adds == {"tag#b": -1, "totalEntries": -1}
    assert planned.months["2026-03"].adds == {"day#2026-03-04": -1}
    legacy = stats.plan(stats_of({"day#2025-01-01": 1}), {"day#2025-01-01": -1})
    assert legacy.main.removes == {"day#2025-01-01": 1}
    assert legacy.months == {}


def test_distinct_names_are_capped():
    full = stats_of({f"tag#t{number}": 1 for number in range(stats.MAX_DISTINCT["tag#"])})
    stats.check_bounds(full, {"tag#t1": 1, "tag#t2": -1}, adds_entry=False)
    with pytest.raises(BusinessRuleViolation) as caught:
        stats.check_bounds(full, {"tag#new": 1}, adds_entry=False)
    assert caught.value.code == "JOURNAL_LIMIT_EXCEEDED"
    stats.check_bounds(full, {"tag#new": 1, "tag#t1": -1}, adds_entry=False)


@pytest.fixture
def token(client, aws):
    return signed_in_user(client, aws)


def _stats_items(aws) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=aws["table"])["Items"]
    return [item for item in items if item["SK"]["S"].startswith("JOURNALSTATS")]


def test_retagging_an_entry_keeps_only_its_live_tags(client, aws, token):
    created = json.loads(
        post_json(
            client,
            "/journal",
            {"title": "T", "content": "<p>a b</p>", "tags": ["first"], "mood": "calm"},
            token,
        ).body
    )
    path = f"/journal/{created['entryId']}"
    for round_ in range(12):
        tags = [f"r{round_}-{number}-" + "x" * 20 for number in range(20)]
        response = put_json(client, path, {"tags": tags, "mood": f"m{round_}"}, token)
        assert response.status_code == 200
    [main] = [item for item in _stats_items(aws) if item["SK"]["S"] == "JOURNALSTATS"]
    assert sorted(name for name in main if name.startswith(("tag#", "mood#"))) == sorted(
        [f"tag#{tag}" for tag in tags] + ["mood#m11"]
    )
    body = json.loads(get(client, "/journal/stats", token).body)
    assert body["moodDistribution"] == {"m11": 1}
    assert len(body["topTags"]) == 10
    assert client.http.delete(path, headers={"Authorization": f"Bearer {token}"}).status_code == 204
    [main] = [item for item in _stats_items(aws) if item["SK"]["S"] == "JOURNALSTATS"]
    assert not [name for name in main if name.startswith(("tag#", "mood#", "template#"))]


def test_a_new_tag_past_the_cap_is_422_and_writes_nothing(client, aws, token, monkeypatch):
    monkeypatch.setitem(stats.MAX_DISTINCT, "tag#", 3)
    post_json(client, "/journal", {"title": "T", "content": "c", "tags": ["a", "b"]}, token)
    before = _stats_items(aws)
    response = post_json(
        client, "/journal", {"title": "U", "content": "c", "tags": ["a", "c", "d"]}, token
    )
    assert_envelope(response.body, response.status_code, "JOURNAL_LIMIT_EXCEEDED")
    assert response.status_code == 422
    assert _stats_items(aws) == before
    assert (
        post_json(
            client, "/journal", {"title": "U", "content": "c", "tags": ["a", "c"]}, token
        ).status_code
        == 201
    )


def test_days_live_in_their_months_item(client, aws, token):
    first = json.loads(post_json(client, "/journal", {"title": "T", "content": "c"}, token).body)
    items = {item["SK"]["S"]: item for item in _stats_items(aws)}
    assert not [name for name in items["JOURNALSTATS"] if name.startswith("day#")]
    assert [
        name for name in items[f"JOURNALSTATS#{first['createdAt'][:7]}"] if name.startswith("day#")
    ]
    assert json.loads(get(client, "/journal/stats", token).body)["currentStreak"] == 1


def test_last_entry_date_is_the_newest_entrys_time(client, aws, token):
    first = json.loads(post_json(client, "/journal", {"title": "T", "content": "c"}, token).body)
    second = json.loads(post_json(client, "/journal", {"title": "U", "content": "c"}, token).body)
    body = json.loads(get(client, "/journal/stats", token).body)
    assert body["lastEntryDate"] == second["createdAt"]
    client.http.delete(
        f"/journal/{second['entryId']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert (
        json.loads(get(client, "/journal/stats", token).body)["lastEntryDate"] == first["createdAt"]
    )
    client.http.delete(f"/journal/{first['entryId']}", headers={"Authorization": f"Bearer {token}"})
    assert json.loads(get(client, "/journal/stats", token).body)["lastEntryDate"] is None
