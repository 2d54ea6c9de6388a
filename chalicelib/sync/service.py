"""`GET /sync`: the caller's changes since a cursor, one Query of the change feed per page
(core/changes.py; the cursor's rules: sync/cursor.py). Each change carries the item as the
owner reads it from its own route, or, for a deletion, only what names it."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib.core import changes, dynamo
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Gone
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.presenter import present_activity
from chalicelib.journal.presenter import present_entry
from chalicelib.journal.repository import entry_of
from chalicelib.sync import cursor as cursors
from chalicelib.users.presenter import present_profile
from chalicelib.users.repository import profile_of

# A cursor is good for a day less than tombstones are kept: the day covers the sync that
# handed it out and the settle window, and 34 days still cover a device offline for 30.
CURSOR_DAYS = changes.TOMBSTONE_DAYS - 1
CURSOR_MS = CURSOR_DAYS * 86_400_000


class CursorExpired(Gone):
    code = "SYNC_CURSOR_EXPIRED"
    default_message = (
        f"This cursor is older than the {CURSOR_DAYS} days it is good for: "
        "sync again without `since` and replace what the device holds."
    )


def _page_query(user_id: str, after: str, limit: int) -> dict[str, Any]:
    """The Query of the caller's changes after `after` ("": from the first)."""
    condition = "#user = :user"
    names = {"#user": changes.USER_ATTRIBUTE}
    values = {":user": user_id}
    if after:  # DynamoDB refuses an empty string in a key condition
        condition += " AND #seq > :after"
        names["#seq"] = changes.SEQUENCE_ATTRIBUTE
        values[":after"] = after
    return {
        "TableName": dynamo.table_name(),
        "IndexName": changes.SYNC_INDEX,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": dynamo.serialize(values),
        "Limit": limit,
    }


class SyncService:
    def __init__(
        self,
        present_goal: Callable[[Goal, str | None], dict[str, Any]],
        now_ms: Callable[[], int] | None = None,
    ) -> None:
        # Goals are shown as GET /goals/{id} shows them (progress as of now, and whatever
        # else the goal service adds to a read).
        self._present_goal = present_goal
        self._now_ms = now_ms or (lambda: changes.clock_ms())

    def changes_since(
        self, user_id: str, since: str | None, limit: int, *, timezone: str | None = None
    ) -> dict[str, Any]:
        cursor = cursors.decode(since)
        now_ms = self._now_ms()
        if not cursor.is_start and cursor.issued < now_ms - CURSOR_MS:
            raise CursorExpired()
        page = dynamo.client().query(**_page_query(user_id, cursor.read, limit))
        items = [dynamo.deserialize(item) for item in page.get("Items", [])]
        more = "LastEvaluatedKey" in page
        last = str(items[-1][changes.SEQUENCE_ATTRIBUTE]) if items else None
        next_cursor = cursors.advance(cursor, last, more, now_ms)
        return {
            "changes": [self._change(item, timezone) for item in items],
            "nextCursor": cursors.encode(next_cursor),
            "hasMore": more,
        }

    def _change(self, item: dict[str, Any], timezone: str | None) -> dict[str, Any]:
        at_ms, kind, item_id = changes.parse_sequence(str(item[changes.SEQUENCE_ATTRIBUTE]))
        deleted = changes.is_tombstone(item)
        change: dict[str, Any] = {
            "kind": kind,
            "id": item_id,
            "changedAt": to_iso(datetime.fromtimestamp(at_ms / 1000, UTC)),
            "deleted": deleted,
            "goalId": item.get("goalId") if kind == "activity" else None,
            "data": None if deleted else self._present(kind, item, timezone),
        }
        return change

    def _present(
        self, kind: changes.Kind, item: dict[str, Any], timezone: str | None
    ) -> dict[str, Any]:
        match kind:
            case "goal":  # the index's partition, `syncUser`, is the owner's id
                return self._present_goal(
                    Goal.from_item(item, str(item[changes.USER_ATTRIBUTE])), timezone
                )
            case "activity":
                return present_activity(Activity.from_item(item))
            case "journalEntry":
                return present_entry(entry_of(item))
            case "profile":
                return present_profile(profile_of(item))
