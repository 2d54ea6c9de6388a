"""All DynamoDB access for goals, their activities and per-day aggregates.

| item | PK | SK |
|---|---|---|
| goal | `USER#{userId}` | `GOAL#{goalId}` |
| active-goal counter | `USER#{userId}` | `GOALCOUNT` |
| active title lock | `USER#{userId}` | `GOALTITLE#{normalised title}` |
| activity | `USER#{userId}#{goalId}` | `ACTIVITY#{activityDate}#{activityId}` |
| day aggregate | `USER#{userId}#{goalId}` | `DAY#{YYYY-MM-DD}` (local date) |
| fold checkpoint | `USER#{userId}#{goalId}` | `FOLD#{YYYY-MM-DD}` (a week's last local day) |

Every key starts with the caller's user id, so a goal id from another user finds nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core import changes, dynamo
from chalicelib.core.clock import to_iso
from chalicelib.core.dynamo import Transaction
from chalicelib.core.idempotency import IdempotencyKey
from chalicelib.core.ids import could_be_issued
from chalicelib.goals.aggregates import DayAggregate
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.rules import MAX_ACTIVE_GOALS, DuplicateTitle, QuotaExceeded
from chalicelib.users.repository import PROFILE_SK

if TYPE_CHECKING:  # the progress engine, which a journal read must not load
    from chalicelib.goals.fold_checkpoints import Checkpoint

ACTIVITY_ID_INDEX = "ActivityIdIndex"
CHECKPOINT_PREFIX = "FOLD#"


def goal_key(user_id: str, goal_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"GOAL#{goal_id}"}


def goal_partition(user_id: str, goal_id: str) -> str:
    return f"USER#{user_id}#{goal_id}"


def activity_key(
    user_id: str, goal_id: str, activity_date: str, activity_id: str
) -> dict[str, str]:
    return {"PK": goal_partition(user_id, goal_id), "SK": f"ACTIVITY#{activity_date}#{activity_id}"}


def _activity_key_of(user_id: str, activity: Activity) -> dict[str, str]:
    return activity_key(user_id, activity.goal_id, activity.activity_date, activity.activity_id)


def day_key(user_id: str, goal_id: str, day: str) -> dict[str, str]:
    return {"PK": goal_partition(user_id, goal_id), "SK": f"DAY#{day}"}


def checkpoint_key(user_id: str, goal_id: str, week_end: date) -> dict[str, str]:
    return {"PK": goal_partition(user_id, goal_id), "SK": f"{CHECKPOINT_PREFIX}{week_end}"}


def title_key(title: str) -> str:
    """Titles clash case-insensitively and whatever the spacing."""
    return " ".join(title.lower().split())


def _title_lock_key(user_id: str, title: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"GOALTITLE#{title_key(title)}"}


def _counter_key(user_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": "GOALCOUNT"}


@dataclass(frozen=True)
class WriteContext:
    """What a write needs to read first, fetched in one request."""

    profile: dict[str, Any] | None
    goal: Goal | None
    idempotency_record: dict[str, Any] | None


@dataclass(frozen=True)
class BatchWriteContext:
    """What a batch of writes to one goal reads first (idempotency records by key)."""

    profile: dict[str, Any] | None
    goal: Goal | None
    idempotency_records: dict[str, dict[str, Any]]


class GoalRepository:
    def get(self, user_id: str, goal_id: str) -> Goal | None:
        if not could_be_issued(goal_id):
            return None
        item = dynamo.get_item(goal_key(user_id, goal_id))
        return None if item is None else Goal.from_item(item)

    def list_goals(self, user_id: str) -> list[Goal]:
        # A key range rather than begins_with: the same read on AWS, and DynamoDB Local then
        # skips the rest of the user's partition (journal entries) instead of walking it.
        items = dynamo.query_all(
            **dynamo.sort_key_range(dynamo.user_pk(user_id), "GOAL#", f"GOAL#{dynamo.KEY_END}"),
            ConsistentRead=True,
        )
        return [Goal.from_item(item) for item in items]

    def load_for_write(
        self, user_id: str, goal_id: str | None, idempotency: IdempotencyKey | None
    ) -> WriteContext:
        keys: list[dict[str, Any]] = [{"PK": dynamo.user_pk(user_id), "SK": PROFILE_SK}]
        if goal_id is not None and could_be_issued(goal_id):
            keys.append(goal_key(user_id, goal_id))
        if idempotency is not None:
            keys.append(idempotency.item_key)
        found = {item["SK"]: item for item in dynamo.batch_get(keys)}
        goal = found.get(f"GOAL#{goal_id}")
        return WriteContext(
            profile=found.get(PROFILE_SK),
            goal=Goal.from_item(goal) if goal else None,
            idempotency_record=found.get(idempotency.item_key["SK"]) if idempotency else None,
        )

    def load_for_write_many(
        self, user_id: str, goal_id: str, idempotency: list[IdempotencyKey]
    ) -> BatchWriteContext:
        """What a batch of writes to one goal reads first: the profile, the goal and every
        item's idempotency record (one BatchGetItem per 100 keys)."""
        keys: list[dict[str, Any]] = [{"PK": dynamo.user_pk(user_id), "SK": PROFILE_SK}]
        if could_be_issued(goal_id):
            keys.append(goal_key(user_id, goal_id))
        keys += [key.item_key for key in idempotency]
        found = {item["SK"]: item for item in dynamo.batch_get(keys)}
        goal = found.get(f"GOAL#{goal_id}")
        return BatchWriteContext(
            profile=found.get(PROFILE_SK),
            goal=Goal.from_item(goal) if goal else None,
            idempotency_records={
                key.key: found[key.item_key["SK"]]
                for key in idempotency
                if key.item_key["SK"] in found
            },
        )

    def day_aggregates(
        self, user_id: str, goal_id: str, first: date | None = None, last: date | None = None
    ) -> list[DayAggregate]:
        low = f"DAY#{first.isoformat()}" if first else "DAY#"
        high = f"DAY#{last.isoformat()}" if last else f"DAY#{dynamo.KEY_END}"
        return [
            DayAggregate.from_item(item)
            for item in dynamo.query_all(
                **dynamo.sort_key_range(goal_partition(user_id, goal_id), low, high),
                ConsistentRead=True,
            )
        ]

    def checkpoint_before(self, user_id: str, goal_id: str, day: date) -> "Checkpoint | None":
        """The goal's latest fold checkpoint of a week that ended before `day` (one item)."""
        from chalicelib.goals.fold_checkpoints import Checkpoint

        last = day - timedelta(days=1)
        page = dynamo.client().query(
            TableName=dynamo.table_name(),
            **dynamo.sort_key_range(
                goal_partition(user_id, goal_id), CHECKPOINT_PREFIX, f"{CHECKPOINT_PREFIX}{last}"
            ),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = [dynamo.deserialize(item) for item in page.get("Items", [])]
        if not items:
            return None
        week_end = date.fromisoformat(str(items[0]["SK"]).removeprefix(CHECKPOINT_PREFIX))
        return Checkpoint.from_item(week_end, items[0])

    def find_activity(self, user_id: str, goal_id: str, activity_id: str) -> Activity | None:
        if not (could_be_issued(goal_id) and could_be_issued(activity_id)):
            return None
        items = dynamo.query_all(
            IndexName=ACTIVITY_ID_INDEX,
            KeyConditionExpression="PK = :pk AND activityId = :id",
            ExpressionAttributeValues=dynamo.serialize(
                {":pk": goal_partition(user_id, goal_id), ":id": activity_id}
            ),
            ConsistentRead=True,
        )
        return Activity.from_item(items[0]) if items else None

    def activities_of_days(
        self, user_id: str, goal_id: str, days: set[date], local_starts: list[datetime]
    ) -> list[Activity]:
        """Every activity on these local dates (found by instant, kept by stored local date)."""
        # Two days either side covers every time zone and day-start hour.
        low = to_iso(min(local_starts) - timedelta(days=2))
        high = to_iso(max(local_starts) + timedelta(days=3))
        items = dynamo.query_all(
            **dynamo.sort_key_range(
                goal_partition(user_id, goal_id), f"ACTIVITY#{low}", f"ACTIVITY#{high}"
            ),
            ConsistentRead=True,
        )
        wanted = {day.isoformat() for day in days}
        return [Activity.from_item(item) for item in items if item.get("localDate") in wanted]

    def activities_page(
        self,
        user_id: str,
        goal_id: str,
        low: str | None,
        high: str | None,
        types: list[str],
        offset: int,
        limit: int,
    ) -> tuple[list[Activity], int | None]:
        """A page of activities, newest activityDate first, and the number matching when it
        had to be counted (None when the caller can take it from the goal's own counts)."""
        condition = "PK = :pk AND SK BETWEEN :low AND :high"
        values: dict[str, Any] = {
            ":pk": goal_partition(user_id, goal_id),
            ":low": f"ACTIVITY#{low or ''}",
            ":high": f"ACTIVITY#{high or dynamo.KEY_END}",
        }
        params: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
            "ConsistentRead": True,
        }
        if types:
            placeholders = [f":t{index}" for index in range(len(types))]
            params["FilterExpression"] = f"activityType IN ({', '.join(placeholders)})"
            values.update(dict(zip(placeholders, types, strict=True)))
        params["ExpressionAttributeValues"] = dynamo.serialize(values)
        filtered = bool(types or low or high)
        if filtered:
            matching = dynamo.query_all(**params)
            return [Activity.from_item(i) for i in matching[offset : offset + limit]], len(matching)
        params["Limit"] = offset + limit
        page = dynamo.client().query(TableName=dynamo.table_name(), **params)
        items = [dynamo.deserialize(item) for item in page.get("Items", [])]
        return [Activity.from_item(item) for item in items[offset : offset + limit]], None

    def all_activities(self, user_id: str, goal_id: str) -> list[Activity]:
        """Every activity of a goal (an import rebuilds the goal's days from them once)."""
        items = dynamo.query_all(
            **dynamo.sort_key_range(
                goal_partition(user_id, goal_id), "ACTIVITY#", f"ACTIVITY#{dynamo.KEY_END}"
            ),
            ConsistentRead=True,
        )
        return [Activity.from_item(item) for item in items]

    def stored_activity_ids(self, user_id: str, activities: list[Activity]) -> set[str]:
        """Which of these activities (at most 100) are stored already."""
        if not activities:
            return set()
        keys = [_activity_key_of(user_id, activity) for activity in activities]
        return {str(item["SK"]).rsplit("#", 1)[-1] for item in dynamo.batch_get(keys, ())}

    def put_days(self, user_id: str, goal_id: str, aggregates: list[DayAggregate]) -> None:
        """Day aggregates rebuilt from the goal's activities, written outside a transaction:
        any run rebuilds the same ones (an import's, before it recomputes the goal)."""
        dynamo.put_items(
            [{**day_key(user_id, goal_id, a.day.isoformat()), **a.to_item()} for a in aggregates]
        )

    # Writes: each adds its items to the transaction of a unit of work (core/unit_of_work.py),
    # with the client error a failed condition means, where it means one.

    def put_goal(
        self, tx: Transaction, user_id: str, goal: Goal, expected_version: int | None
    ) -> None:
        item = changes.stamp(
            {**goal_key(user_id, goal.goal_id), **goal.to_item()}, user_id, "goal", goal.goal_id
        )
        if expected_version is None:
            tx.put("goal", item, condition="attribute_not_exists(PK)")
        else:
            tx.put(
                "goal",
                item,
                condition="#version = :version",
                names={"#version": "version"},
                values={":version": expected_version},
            )

    def put_activity(self, tx: Transaction, user_id: str, activity: Activity) -> None:
        item = {**_activity_key_of(user_id, activity), **activity.to_item()}
        tx.put("activity", changes.stamp(item, user_id, "activity", activity.activity_id))

    def put_new_activity(self, tx: Transaction, user_id: str, activity: Activity) -> None:
        """An activity whose id was derived (an import): written once, never over itself."""
        item = {**_activity_key_of(user_id, activity), **activity.to_item()}
        tx.put(
            "activity",
            changes.stamp(item, user_id, "activity", activity.activity_id),
            condition="attribute_not_exists(PK)",
        )

    def delete_activity(
        self, tx: Transaction, user_id: str, activity: Activity, *, moved: bool = False
    ) -> None:
        """Delete the activity's item; unless it only `moved` (an edit of its date puts it
        again under a new key), clients are told it is gone (core/changes.py)."""
        tx.delete(
            "activity-removed",
            _activity_key_of(user_id, activity),
            condition="attribute_exists(PK)",
        )
        if not moved:
            changes.stage_tombstone(
                tx, user_id, "activity", activity.activity_id, {"goalId": activity.goal_id}
            )

    def put_day(self, tx: Transaction, user_id: str, goal_id: str, aggregate: DayAggregate) -> None:
        day = aggregate.day.isoformat()
        tx.put(f"day-{day}", {**day_key(user_id, goal_id, day), **aggregate.to_item()})

    def delete_day(self, tx: Transaction, user_id: str, goal_id: str, day: date) -> None:
        tx.delete(f"day-{day.isoformat()}", day_key(user_id, goal_id, day.isoformat()))

    def put_checkpoints(
        self, tx: Transaction, user_id: str, goal_id: str, checkpoints: Sequence["Checkpoint"]
    ) -> None:
        """Fold checkpoints, unstamped: a cache of the server's, which sync never shows."""
        for checkpoint in checkpoints:
            key = checkpoint_key(user_id, goal_id, checkpoint.week_end)
            tx.put(f"fold-{checkpoint.week_end}", {**key, **checkpoint.to_item()})

    def change_active_slot(
        self,
        tx: Transaction,
        user_id: str,
        goal_id: str,
        before: Goal | None,
        after: Goal | None,
    ) -> None:
        """Keep the active-goal count and the active-title locks in step with a goal's change
        (the count enforces the quota, a lock the unique active title, in the same write)."""
        was_active = before is not None and before.is_active
        is_active = after is not None and after.is_active
        old_title = title_key(before.title) if was_active and before else None
        new_title = title_key(after.title) if is_active and after else None
        if old_title != new_title:
            if old_title and before:
                tx.delete("title-released", _title_lock_key(user_id, before.title))
            if new_title and after:
                tx.put(
                    "title",
                    {**_title_lock_key(user_id, after.title), "goalId": goal_id},
                    condition="attribute_not_exists(PK)",
                )
                tx.refuse_with("title", DuplicateTitle)
        if is_active and not was_active:
            counter = tx.updating("quota", _counter_key(user_id))
            counter.add_number("active", amount=1)
            active, limit = counter.name("active"), counter.value(MAX_ACTIVE_GOALS)
            tx.updating(
                "quota",
                _counter_key(user_id),
                condition=f"attribute_not_exists({active}) OR {active} < {limit}",
            )
            tx.refuse_with("quota", QuotaExceeded)
        elif was_active and not is_active:
            tx.updating("quota-released", _counter_key(user_id)).add_number("active", amount=-1)
