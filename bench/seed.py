"""Put many activities on one goal quickly, exactly as the app would have stored them.

Logging 10,000 activities through the API would take minutes (each log is two reads and a
transaction). Instead the items are built with the app's own pure functions (the activity
fields of `ActivityService.new_activity`, `aggregates.rebuild_day`, `progress_state.recompute`) and
written with BatchWriteItem from a separate client, so the measured reads see realistic data:
one aggregate per active day, a rollup per closed month and a goal item whose stored progress
state matches them.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core import dynamo
from chalicelib.core.clock import to_iso
from chalicelib.core.ids import uuid7
from chalicelib.core.local_time import LocalTime
from chalicelib.goals import aggregates as agg
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.progress_state import (
    measured_value,
    recompute,
    stored_local_time,
)
from chalicelib.goals.repository import activity_key, checkpoint_key, day_key, goal_key, month_key
from chalicelib.goals.rollups import closed_month_rollups

BATCH = 25  # BatchWriteItem's limit
WRITERS = 4


def spread_days(count: int) -> int:
    """How many local days `count` activities cover: one a day up to about a year, then more
    per day (10,000 activities are about 27 a day over 365 days)."""
    return max(1, min(count, 365))


def activities_for(
    goal: Goal, count: int, now: datetime, local: LocalTime, rng: random.Random
) -> list[Activity]:
    """`count` activities over the last `spread_days(count)` local days up to now."""
    days = spread_days(count)
    today = local.local_date(now)
    made = []
    for index in range(count):
        day = today - timedelta(days=(index * days) // count)
        start = local.day_start(day)
        latest = min(now, local.day_start(day + timedelta(days=1))) - timedelta(seconds=1)
        at = start + timedelta(seconds=rng.uniform(0, max(0.0, (latest - start).total_seconds())))
        kind = "skipped" if index % 40 == 39 else "completed" if index % 10 == 9 else "progress"
        value = 0 if kind == "skipped" else rng.choice((1, 1, 2, 2, 3))
        made.append(
            Activity(
                activity_id=uuid7(),
                goal_id=goal.goal_id,
                user_id=goal.user_id,
                value=value,
                unit=goal.target.get("unit") or "",
                activity_type=kind,
                activity_date=to_iso(at),
                logged_at=to_iso(at),
                timezone=local.timezone,
                note=f"bench #{index}",
                local_date=local.local_date(at),
                local_hour=local.local_hour(at),
            )
        )
    return made


def day_aggregates(activities: Iterable[Activity]) -> list[agg.DayAggregate]:
    by_day: dict[date, list[Activity]] = defaultdict(list)
    for activity in activities:
        by_day[activity.local_date].append(activity)
    return [agg.rebuild_day(day, on_day) for day, on_day in sorted(by_day.items())]


def _write_batches(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    def write(chunk: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {
            table: [{"PutRequest": {"Item": dynamo.serialize(item)}} for item in chunk]
        }
        for _ in range(20):
            result = client.batch_write_item(RequestItems=pending)
            pending = result.get("UnprocessedItems") or {}
            if not pending:
                return
        raise RuntimeError("DynamoDB Local kept items unprocessed")

    chunks = [items[start : start + BATCH] for start in range(0, len(items), BATCH)]
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(write, chunks))


def seed_goal(
    client: Any,
    table: str,
    user_id: str,
    goal_id: str,
    count: int,
    now: datetime,
    rng: random.Random,
) -> dict[str, Any]:
    """Add `count` activities to a goal the app created (and that has none yet)."""
    key = dynamo.serialize(goal_key(user_id, goal_id))
    raw = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    goal = Goal.from_item(dynamo.deserialize(raw), user_id)
    local = stored_local_time(goal, None)
    activities = activities_for(goal, count, now, local, rng)
    aggregates = day_aggregates(activities)
    items = [
        {**activity_key(user_id, goal_id, a.activity_date, a.activity_id), **a.to_item()}
        for a in activities
    ]
    items += [{**day_key(user_id, goal_id, a.day.isoformat()), **a.to_item()} for a in aggregates]
    # The rollups of the closed months, as the first log after each month's end wrote them.
    rolled = closed_month_rollups(aggregates, local.local_date(now))
    items += [{**month_key(user_id, goal_id, m), **s.to_item()} for m, s in rolled.items()]
    # The goal write, as ActivityService._put_progress makes it after a log, with the fold
    # checkpoints of the last weeks that ended (a goal logged in daily has one a week).
    progressed = recompute(goal, aggregates, now, local)
    items += [
        {**checkpoint_key(user_id, goal_id, made.week_end), **made.to_item()}
        for made in progressed.checkpoints
    ]
    _write_batches(client, table, items)
    measured = measured_value(goal, progressed.progress)
    updated = replace(
        goal,
        progress_state=progressed.state,
        target={**goal.target, "currentValue": measured},
        version=goal.version + 1,
        updated_at=to_iso(now),
        activity_count=count,
    ).to_item()
    client.put_item(
        TableName=table,
        Item=dynamo.serialize({**goal_key(user_id, goal_id), **updated}),
        ConditionExpression="#v = :v",
        ExpressionAttributeNames={"#v": "version"},
        ExpressionAttributeValues={":v": {"N": str(goal.version)}},
    )
    return {
        "activities": count,
        "days": len(aggregates),
        "firstDay": aggregates[0].day.isoformat() if aggregates else None,
        "goalItemBytes": len(json.dumps(updated, default=str)),
    }


def export_document(goals: int, activities: int, entries: int, today: date) -> dict[str, Any]:
    """An export.json (README, "Your data") of `goals` daily goals with `activities` days of
    activity each, ending yesterday, and `entries` journal entries: the import's large file."""
    first = today - timedelta(days=activities)
    return {
        "format": "ai-lifestyle-export",
        "version": 1,
        "exportedAt": f"{today.isoformat()}T00:00:00.000Z",
        "profile": {"timezone": "UTC"},
        "encryption": None,
        "goals": [
            {
                "goalId": f"goal-{g}",
                "title": f"Imported habit {g}",
                "goalPattern": "recurring",
                "target": {"metric": "count", "value": 1, "unit": "times", "period": "day"},
                "status": "active",
                "createdAt": f"{first.isoformat()}T06:00:00.000Z",
                "activities": [
                    {
                        "activityId": f"goal-{g}-{a}",
                        "value": 1,
                        "activityType": "completed",
                        "activityDate": (first + timedelta(days=a)).isoformat(),
                    }
                    for a in range(activities)
                ],
            }
            for g in range(goals)
        ],
        "journal": [
            {
                "entryId": f"entry-{e}",
                "title": f"Imported entry {e}",
                "content": f"<p>Entry {e}: a few words about the day.</p>",
                "tags": ["imported"],
                "createdAt": f"{(first + timedelta(days=e % max(1, activities))).isoformat()}"
                "T21:00:00.000Z",
            }
            for e in range(entries)
        ],
        "sharesGiven": [],
        "sharesReceived": [],
    }
