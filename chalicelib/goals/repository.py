"""All DynamoDB access for goals, their activities and per-day aggregates.

| item | PK | SK |
|---|---|---|
| goal | `USER#{userId}` | `GOAL#{goalId}` |
| active-goal counter and active titles | `USER#{userId}` | `GOALCOUNT` |
| legacy active title lock (moved onto the counter) | `USER#{userId}` | `GOALTITLE#{title}` |
| activity | `USER#{userId}#{goalId}` | `ACTIVITY#{activityDate}#{activityId}` |
| day aggregate | `USER#{userId}#{goalId}` | `DAY#{YYYY-MM-DD}` (local date) |
| month rollup | `USER#{userId}#{goalId}` | `DAYS#{YYYY-MM}` (local month; goals/rollups.py) |
| fold checkpoint | `USER#{userId}#{goalId}` | `FOLD#{YYYY-MM-DD}` (a week's last local day) |

Month rollups sort right after every day aggregate (`#` sorts before `S`), so one Query reads
a month's days and the rollups before it together.

Every key starts with the caller's user id, so a goal id from another user finds nothing.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core import changes, dynamo
from chalicelib.core.clock import to_iso
from chalicelib.core.dynamo import Transaction
from chalicelib.core.idempotency import IdempotencyKey
from chalicelib.core.ids import could_be_issued
from chalicelib.core.unit_of_work import run_write
from chalicelib.goals.aggregates import DayAggregate
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.rules import MAX_ACTIVE_GOALS, DuplicateTitle, QuotaExceeded
from chalicelib.goals.summaries import Summary
from chalicelib.users.repository import PROFILE_SK

if TYPE_CHECKING:  # the progress engine, which a journal read must not load
    from chalicelib.goals.fold_checkpoints import Checkpoint

ACTIVITY_ID_INDEX = "ActivityIdIndex"
MONTH_PREFIX = "DAYS#"
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


def month_key(user_id: str, goal_id: str, month: str) -> dict[str, str]:
    """The rollup of a local month, `month` as YYYY-MM."""
    return {"PK": goal_partition(user_id, goal_id), "SK": f"{MONTH_PREFIX}{month}"}


def checkpoint_key(user_id: str, goal_id: str, week_end: date) -> dict[str, str]:
    return {"PK": goal_partition(user_id, goal_id), "SK": f"{CHECKPOINT_PREFIX}{week_end}"}


def title_key(title: str) -> str:
    """Titles clash case-insensitively and whatever the spacing."""
    return " ".join(title.lower().split())


# The counter holds each active title as an attribute named `T` and a digest of the title,
# set to true: 14 bytes whatever the title's length (50 titles keep the counter under 1 KB),
# and no clash to fear among 50 titles (48 bits).
TITLE_ATTRIBUTE_PREFIX = "T"
TITLED = "titled"  # on a counter whose titles are its attributes (absent: legacy lock items)
LEGACY_TITLE_PREFIX = "GOALTITLE#"


def _title_attribute(normalised_title: str) -> str:
    digest = hashlib.blake2b(normalised_title.encode(), digest_size=8).hexdigest()
    return f"{TITLE_ATTRIBUTE_PREFIX}{digest[:12]}"


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
        return None if item is None else Goal.from_item(item, user_id)

    def list_goals(self, user_id: str) -> list[Goal]:
        # A key range rather than begins_with: the same read on AWS, and DynamoDB Local then
        # skips the rest of the user's partition (journal entries) instead of walking it.
        items = dynamo.query_all(
            **dynamo.sort_key_range(dynamo.user_pk(user_id), "GOAL#", f"GOAL#{dynamo.KEY_END}"),
            ConsistentRead=True,
        )
        return [Goal.from_item(item, user_id) for item in items]

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
            goal=Goal.from_item(goal, user_id) if goal else None,
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
            goal=Goal.from_item(goal, user_id) if goal else None,
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

    def month_rollups(
        self, user_id: str, goal_id: str, first: str, last: str
    ) -> dict[str, Summary]:
        """The stored rollups of the months `first` to `last` (YYYY-MM, both included), by
        month: one Query."""
        items = dynamo.query_all(
            **dynamo.sort_key_range(
                goal_partition(user_id, goal_id), f"{MONTH_PREFIX}{first}", f"{MONTH_PREFIX}{last}"
            ),
            ConsistentRead=True,
        )
        return {
            str(item["SK"]).removeprefix(MONTH_PREFIX): Summary.from_item(item) for item in items
        }

    def days_and_rollups(
        self, user_id: str, goal_id: str, first_day: date, last_month: str
    ) -> tuple[list[DayAggregate], dict[str, Summary]]:
        """In one Query: every day aggregate from `first_day` on, and every month rollup up to
        `last_month` (YYYY-MM), which sort right after the days."""
        items = dynamo.query_all(
            **dynamo.sort_key_range(
                goal_partition(user_id, goal_id),
                f"DAY#{first_day.isoformat()}",
                f"{MONTH_PREFIX}{last_month}",
            ),
            ConsistentRead=True,
        )
        days = [DayAggregate.from_item(i) for i in items if str(i["SK"]).startswith("DAY#")]
        rolled = {
            str(item["SK"]).removeprefix(MONTH_PREFIX): Summary.from_item(item)
            for item in items
            if str(item["SK"]).startswith(MONTH_PREFIX)
        }
        return days, rolled

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

    def put_month_rollups(self, user_id: str, goal_id: str, rollups: dict[str, Summary]) -> None:
        """Month rollups rebuilt from day aggregates, outside a transaction (an import's, as
        `put_days`)."""
        dynamo.put_items(
            [
                {**month_key(user_id, goal_id, month), **summary.to_item()}
                for month, summary in rollups.items()
            ]
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

    def put_month_rollup(
        self, tx: Transaction, user_id: str, goal_id: str, month: str, summary: Summary
    ) -> None:
        tx.put(f"month-{month}", {**month_key(user_id, goal_id, month), **summary.to_item()})

    def delete_month_rollup(self, tx: Transaction, user_id: str, goal_id: str, month: str) -> None:
        tx.delete(f"month-{month}", month_key(user_id, goal_id, month))

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
        """Keep the active-goal counter in step with a goal's change, in the same write: its
        `active` count enforces the quota, and one attribute per active title (`T` and a
        digest of the normalised title) the unique active title. One item, so a create
        writes two (the goal and this).

        Accounts from before the titles moved onto the counter hold a lock item per active
        title (`GOALTITLE#`) and a counter without the `titled` marker. The condition then
        fails, and the refusal moves the account's locks onto the counter (a Query that only
        such an account pays, once) before the write is tried again (`_refusal`)."""
        was_active = before is not None and before.is_active
        is_active = after is not None and after.is_active
        old_title = title_key(before.title) if was_active and before else None
        new_title = title_key(after.title) if is_active and after else None
        if old_title == new_title and was_active == is_active:
            return
        counter = tx.updating("quota", _counter_key(user_id))
        marker, active = counter.name(TITLED), counter.name("active")
        conditions = [f"attribute_exists({marker}) OR attribute_not_exists({active})"]
        counter.set(TITLED, value=True)
        if old_title != new_title:
            if old_title:
                counter.remove(_title_attribute(old_title))
            if new_title:
                counter.set(_title_attribute(new_title), value=True)
                title = counter.name(_title_attribute(new_title))
                conditions.append(f"attribute_not_exists({title})")
        if is_active and not was_active:
            counter.add_number("active", amount=1)
            limit = counter.value(MAX_ACTIVE_GOALS)
            conditions.append(f"attribute_not_exists({active}) OR {active} < {limit}")
        elif was_active and not is_active:
            counter.add_number("active", amount=-1)
        for condition in conditions:  # each must hold (the transaction joins them with AND)
            tx.updating("quota", _counter_key(user_id), condition=condition)
        tx.refuse_with("quota", lambda: self._refusal(user_id, new_title, is_active))

    def _refusal(self, user_id: str, new_title: str | None, activating: bool) -> Exception | None:
        """Why the counter refused a change of the active set: another active goal holds the
        title, or the quota is full; None (try again) after moving a legacy account's locks
        onto the counter, or when a concurrent write changed it (the retry reads again)."""
        counter = dynamo.get_item(_counter_key(user_id)) or {}
        if counter and not counter.get(TITLED):
            self._move_title_locks(user_id)
            return None
        if new_title and _title_attribute(new_title) in counter:
            return DuplicateTitle()  # only another goal's: a goal's own title is never set again
        if activating and int(counter.get("active", 0)) >= MAX_ACTIVE_GOALS:
            return QuotaExceeded()
        return None

    def _move_title_locks(self, user_id: str) -> None:
        """A legacy account's active-title lock items become attributes of its counter, in
        one unit of work of their own (the refused write is then tried again)."""

        def attempt(tx: Transaction) -> None:
            counter_item = dynamo.get_item(_counter_key(user_id))
            if counter_item is None or counter_item.get(TITLED):
                return  # nothing to move, or a concurrent write moved them: nothing to send
            locks = dynamo.query_all(
                **dynamo.sort_key_range(
                    dynamo.user_pk(user_id),
                    LEGACY_TITLE_PREFIX,
                    f"{LEGACY_TITLE_PREFIX}{dynamo.KEY_END}",
                ),
                ConsistentRead=True,
            )
            counter = tx.updating("titles-moved", _counter_key(user_id))
            counter.set(TITLED, value=True)
            for lock in locks:
                title = str(lock["SK"]).removeprefix(LEGACY_TITLE_PREFIX)
                counter.set(_title_attribute(title), value=True)
                tx.delete("lock-moved", {"PK": lock["PK"], "SK": lock["SK"]})
            marker = counter.name(TITLED)
            tx.updating(
                "titles-moved", _counter_key(user_id), condition=f"attribute_not_exists({marker})"
            )

        run_write(attempt)
