"""The change feed behind `GET /sync` (sync/service.py reads it): every write of something a
client syncs stamps the item with two attributes, and every delete leaves a tombstone that
carries them, in the same transaction.

| attribute | value |
|---|---|
| `syncUser` | the owner's user id: the `SyncIndex` partition |
| `syncSeq` | `{epoch milliseconds, 13 digits}#{kind}#{id}`: the index's sort key |

The index is sparse: only stamped items (goals, activities, journal entries, the profile,
tombstones) are in it, so a page of changes is one Query of the owner's partition after a
position. The sequence is the wall clock at the write, not a counter: a per-user counter would
make every write of a user read and bump one item, serialising them all. The price is that a
write can commit after a write with a later stamp; the reader's cursor (sync/cursor.py)
re-reads a window of `SETTLE_MS` behind the newest change it has returned, so a late commit is
never skipped (docs/api.md, "Sync").

A tombstone lives in the owner's partition (`USER#{userId}`, `SYNCTOMB#{kind}#{id}`), so the
account eraser removes it with the rest; DynamoDB's TTL removes it after `TOMBSTONE_DAYS`.
"""

import time
from collections.abc import Callable
from typing import Any, Literal

from chalicelib.core import dynamo
from chalicelib.core.dynamo import Transaction, UpdateBuilder

SYNC_INDEX = "SyncIndex"
USER_ATTRIBUTE = "syncUser"
SEQUENCE_ATTRIBUTE = "syncSeq"
TTL_ATTRIBUTE = "expiresAt"  # the table's TTL attribute (scripts/resources.py)
TOMBSTONE_PREFIX = "SYNCTOMB#"

# Kept longer than the 30 days a device may be offline, so a cursor of that age still sees
# every deletion; a cursor is good for a day less (sync/service.py), then answers 410.
TOMBSTONE_DAYS = 35
# How long a stamped write may take to commit and reach the index: a Lambda invocation ends
# within 15 s, and the index follows the table in well under a second.
SETTLE_MS = 60_000

Kind = Literal["goal", "activity", "journalEntry", "profile"]
KINDS: tuple[Kind, ...] = ("goal", "activity", "journalEntry", "profile")


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


# The stamps' clock: the wall clock, which the settle window is reasoned against. Tests that
# need to place changes in time replace it (never the services' injected clocks, which may lie
# about the present for the progress rules).
clock_ms: Callable[[], int] = _wall_clock_ms


def sequence(kind: Kind, item_id: str, at_ms: int) -> str:
    return f"{at_ms:013d}#{kind}#{item_id}"


def parse_sequence(value: str) -> tuple[int, Kind, str]:
    """(milliseconds, kind, id) of a stamp; ValueError when it is none."""
    millis, kind, item_id = value.split("#", 2)
    if len(millis) != 13 or not millis.isdigit() or kind not in KINDS or not item_id:
        raise ValueError("not a change stamp")
    return int(millis), kind, item_id


def stamp(item: dict[str, Any], user_id: str, kind: Kind, item_id: str) -> dict[str, Any]:
    """`item` with the attributes that put it in the owner's change feed, as of now."""
    return {
        **item,
        USER_ATTRIBUTE: user_id,
        SEQUENCE_ATTRIBUTE: sequence(kind, item_id, clock_ms()),
    }


def stamp_update(update: UpdateBuilder, user_id: str, kind: Kind, item_id: str) -> None:
    """The same stamp, for a write that updates the item in place."""
    update.set(USER_ATTRIBUTE, value=user_id)
    update.set(SEQUENCE_ATTRIBUTE, value=sequence(kind, item_id, clock_ms()))


def tombstone_key(user_id: str, kind: Kind, item_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": f"{TOMBSTONE_PREFIX}{kind}#{item_id}"}


def stage_tombstone(
    tx: Transaction,
    user_id: str,
    kind: Kind,
    item_id: str,
    parent: dict[str, str] | None = None,
) -> None:
    """Record, in the deleting transaction, that the item is gone. `parent` names what a
    client needs to find the item it holds (an activity's `goalId`)."""
    at_ms = clock_ms()
    item = {
        **tombstone_key(user_id, kind, item_id),
        **(parent or {}),
        USER_ATTRIBUTE: user_id,
        SEQUENCE_ATTRIBUTE: sequence(kind, item_id, at_ms),
        TTL_ATTRIBUTE: at_ms // 1000 + TOMBSTONE_DAYS * 86_400,
    }
    tx.put(f"tombstone-{kind}-{item_id}", item)


def is_tombstone(item: dict[str, Any]) -> bool:
    return str(item.get("SK", "")).startswith(TOMBSTONE_PREFIX)
