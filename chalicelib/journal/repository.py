"""All DynamoDB access for journal entries and their stats (shares: share_repository.py).

| item | PK | SK |
|---|---|---|
| entry | `USER#{userId}` | `JOURNAL#{entryId}` (UUIDv7: newest first by Query) |
| stats | `USER#{userId}` | `JOURNALSTATS` (counters only, see stats.py) |
| month stats | `USER#{userId}` | `JOURNALSTATS#{YYYY-MM}` (that local month's day counters) |
| label pointer | `USER#{userId}` | `JLABEL#{kind}#{value}#{createdAt}#{entryId}` (labels.py) |
"""

from dataclasses import dataclass
from typing import Any

from chalicelib.core import changes, dynamo
from chalicelib.core.dynamo import Transaction
from chalicelib.core.idempotency import IdempotencyKey
from chalicelib.core.ids import could_be_issued
from chalicelib.goals.links import goal_key
from chalicelib.journal import labels
from chalicelib.journal import stats as journal_stats
from chalicelib.journal.entry import GoalProgress, JournalEntry
from chalicelib.journal.keys import (
    COMPLETED_GOALS,
    ENTRY_PREFIX,
    STATS_SK,
    entry_key,
    month_stats_key,
    stats_key,
)
from chalicelib.journal.shares import Pointer, pointer_key, pointer_of
from chalicelib.journal.stats import JournalStats
from chalicelib.users.keys import key_record_key
from chalicelib.users.profile import Profile
from chalicelib.users.repository import PROFILE_SK, profile_of


def stats_of(item: dict[str, Any]) -> JournalStats:
    """The stats a stats item holds (the main item, or a month item's day counters). Day
    counters still on the main item from before month items read like any other."""
    return JournalStats(
        total_entries=int(item.get("totalEntries", 0)),
        total_words=int(item.get("totalWords", 0)),
        counters={
            name: int(value)
            for name, value in item.items()
            if name.startswith(journal_stats.COUNTER_PREFIXES)
        },
        template_used={
            name.removeprefix(journal_stats.TEMPLATE_USED): str(value)
            for name, value in item.items()
            if name.startswith(journal_stats.TEMPLATE_USED)
        },
        completed_goals=frozenset(item.get(COMPLETED_GOALS) or ()),
        timezone=_optional_text(item, "timezone"),
        day_start_hour=int(item.get("dayStartHour") or 0),
        last_entry_at=_optional_text(item, "lastEntryAt"),
        labels_indexed=bool(item.get(labels.INDEXED, False)),
    )


def entry_item(entry: JournalEntry) -> dict[str, Any]:
    """The stored attributes of an entry: only what differs from what `entry_of` assumes when
    an attribute is absent (no empty lists, nulls, false flags, an `updatedAt` equal to
    `createdAt`), and no copy of the text. Every list read bills each entry's whole size, so
    what is left out here is what `GET /journal` no longer pays for (docs/api.md, "Storage")."""
    item: dict[str, Any] = {
        "entryId": entry.entry_id,
        "userId": entry.user_id,
        "title": entry.title,
        "content": entry.content,
        "template": entry.template,
        "createdAt": entry.created_at,
        "version": entry.version,
        "localDate": entry.local_date,
    }
    optional: dict[str, Any] = {
        "wordCount": entry.word_count,
        "tags": list(entry.tags),
        "mood": entry.mood,
        "linkedGoalIds": list(entry.linked_goal_ids),
        "goalProgress": [_goal_progress_item(value) for value in entry.goal_progress],
        "isEncrypted": entry.is_encrypted,
        "isShared": entry.is_shared,
        "encryptedKey": entry.encrypted_key,
        "encryptionIv": entry.encryption_iv,
        "sharedWith": list(entry.shared_with),
        "updatedAt": None if entry.updated_at == entry.created_at else entry.updated_at,
    }
    item.update({name: value for name, value in optional.items() if _is_stored(value)})
    return item


def _goal_progress_item(value: GoalProgress) -> dict[str, Any]:
    stored = {
        "goalId": value.goal_id,
        "progressValue": value.progress_value,
        "notes": value.notes,
        "completed": value.completed,
        "activityId": value.activity_id,
    }
    return {name: field for name, field in stored.items() if _is_stored(field)}


def _is_stored(value: Any) -> bool:
    """Whether an optional attribute differs from its absence (None, an empty list, false)."""
    return value is not None and value is not False and value != []


def _optional_text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value)


def _goal_progress_of(value: dict[str, Any]) -> GoalProgress:
    return GoalProgress(
        goal_id=str(value["goalId"]),
        progress_value=value.get("progressValue"),
        notes=_optional_text(value, "notes"),
        completed=bool(value.get("completed", False)),
        activity_id=_optional_text(value, "activityId"),
    )


def entry_of(item: dict[str, Any]) -> JournalEntry:
    """The entry a stored item holds (keys, if any, are ignored), in any shape it was ever
    stored in: an absent attribute is its default. Entries stored while a lower-cased copy of
    the text was kept (`searchText`) read with it, and searches use it (search.py)."""
    word_count = item.get("wordCount")
    return JournalEntry(
        entry_id=str(item["entryId"]),
        user_id=str(item["userId"]),
        title=str(item.get("title") or ""),
        content=str(item.get("content") or ""),
        created_at=str(item["createdAt"]),
        updated_at=str(item.get("updatedAt") or item["createdAt"]),
        version=int(item.get("version") or 0),
        local_date=str(item.get("localDate") or str(item["createdAt"])[:10]),
        template=str(item.get("template") or "blank"),
        word_count=None if word_count is None else int(word_count),
        tags=tuple(item.get("tags") or ()),
        mood=_optional_text(item, "mood"),
        linked_goal_ids=tuple(item.get("linkedGoalIds") or ()),
        goal_progress=tuple(_goal_progress_of(value) for value in item.get("goalProgress") or ()),
        is_encrypted=bool(item.get("isEncrypted", False)),
        is_shared=bool(item.get("isShared", False)),
        encrypted_key=_optional_text(item, "encryptedKey"),
        encryption_iv=_optional_text(item, "encryptionIv"),
        shared_with=tuple(item.get("sharedWith") or ()),
        search_text=_optional_text(item, "searchText"),
    )


@dataclass(frozen=True)
class JournalContext:
    """What a write reads first, in one request."""

    profile: Profile | None
    entry: JournalEntry | None
    goals: dict[str, dict[str, Any]]
    idempotency_record: dict[str, Any] | None
    stats: JournalStats | None  # the main stats item, whose counters the write changes


class JournalRepository:
    def load_for_write(
        self,
        user_id: str,
        entry_id: str | None,
        goal_ids: list[str],
        idempotency: IdempotencyKey | None,
    ) -> JournalContext:
        keys: list[dict[str, Any]] = [
            {"PK": dynamo.user_pk(user_id), "SK": PROFILE_SK},
            stats_key(user_id),
        ]
        if entry_id and could_be_issued(entry_id):
            keys.append(entry_key(user_id, entry_id))
        keys += [
            goal_key(user_id, goal_id)
            for goal_id in dict.fromkeys(goal_ids)
            if could_be_issued(goal_id)
        ]
        if idempotency:
            keys.append(idempotency.item_key)
        found = {item["SK"]: item for item in dynamo.batch_get(keys)}
        entry = found.get(f"{ENTRY_PREFIX}{entry_id}") if entry_id else None
        return JournalContext(
            profile=profile_of(found[PROFILE_SK]) if PROFILE_SK in found else None,
            entry=entry_of(entry) if entry else None,
            goals={
                item["goalId"]: dynamo.without_keys(item)
                for sk, item in found.items()
                if sk.startswith("GOAL#")
            },
            idempotency_record=found.get(idempotency.item_key["SK"]) if idempotency else None,
            stats=stats_of(found[STATS_SK]) if STATS_SK in found else None,
        )

    def entry(self, user_id: str, entry_id: str) -> JournalEntry | None:
        """One entry as it is now (strongly consistent)."""
        item = dynamo.get_item(entry_key(user_id, entry_id))
        return None if item is None else entry_of(item)

    def profile(self, user_id: str) -> Profile | None:
        item = dynamo.get_item({"PK": dynamo.user_pk(user_id), "SK": PROFILE_SK})
        return None if item is None else profile_of(item)

    def open(
        self, user_id: str, entry_id: str
    ) -> tuple[JournalEntry | None, Pointer | None, dict[str, Any] | None]:
        """In one request: the reader's own entry, the pointer of a share of that entry to
        them (a hint, resolve.py confirms it) and their key record (what a share to them must
        still match)."""
        if not could_be_issued(entry_id):
            return None, None, None
        keys = [
            entry_key(user_id, entry_id),
            pointer_key(user_id, entry_id),
            key_record_key(user_id),
        ]
        found = {item["SK"]: item for item in dynamo.batch_get(keys)}
        entry = found.get(keys[0]["SK"])
        pointer = found.get(keys[1]["SK"])
        return (
            entry_of(entry) if entry else None,
            pointer_of(pointer) if pointer else None,
            found.get(keys[2]["SK"]),
        )

    def stats(self, user_id: str) -> JournalStats:
        """The main stats item with every month's day counters, in one Query (about 0.6 KB a
        month of history: ten years add about 18 RCU to the main item's own size)."""
        return journal_stats.merged(
            stats_of(item)
            for item in dynamo.query_all(
                **dynamo.sort_key_range(
                    dynamo.user_pk(user_id), STATS_SK, f"{STATS_SK}#{dynamo.KEY_END}"
                ),
                ConsistentRead=True,
            )
        )

    def _newest_other(self, user_id: str, entry_id: str) -> str | None:
        """When the newest entry goes, the `createdAt` of the one before it."""
        page = dynamo.client().query(
            TableName=dynamo.table_name(),
            **dynamo.sort_key_range(dynamo.user_pk(user_id), ENTRY_PREFIX, STATS_SK),
            ProjectionExpression="SK, createdAt",
            ScanIndexForward=False,
            Limit=3,
            ConsistentRead=True,
        )
        instants = [
            str(item["createdAt"])
            for item in map(dynamo.deserialize, page["Items"])
            if item["SK"] not in {STATS_SK, entry_key(user_id, entry_id)["SK"]}
        ]
        return max(instants, default=None)

    def newest(self, user_id: str, count: int) -> tuple[JournalStats | None, list[JournalEntry]]:
        """The stats item and the `count` newest entries, in one Query: read backwards, the
        stats key (`JOURNALSTATS`) sorts just after every `JOURNAL#` key. Eventually
        consistent, at half the price: the web client lists up to 1,000 entries whole, and on
        AWS a list may lag a write by about a second (a single entry's read never does)."""
        page = dynamo.client().query(
            TableName=dynamo.table_name(),
            **dynamo.sort_key_range(dynamo.user_pk(user_id), ENTRY_PREFIX, STATS_SK),
            ScanIndexForward=False,
            Limit=count + 1,
        )
        items = [dynamo.deserialize(item) for item in page.get("Items", [])]
        stats = next((item for item in items if item["SK"] == STATS_SK), None)
        entries = [entry_of(item) for item in items if item["SK"] != STATS_SK]
        return (stats_of(stats) if stats else None), entries[:count]

    def main_stats(self, user_id: str) -> JournalStats:
        """The main stats item alone: the counters and whether the labels are indexed."""
        item = dynamo.get_item(stats_key(user_id))
        return journal_stats.NO_STATS if item is None else stats_of(item)

    def labelled(
        self, user_id: str, label: labels.Label, offset: int, limit: int
    ) -> list[JournalEntry]:
        """The entries with `label` from the `offset`-th newest, at most `limit`: the pointers
        (labels.py) up to the page's end, then the page's entries, each checked against the
        label: one whose pointer outlived it (deleted between the two reads) or its label (a
        pointer whose delete waits after an edit's commit, or that a crash left: labels.py)
        is left out, so the page may be short, never wrong."""
        # A key range, not begins_with: the same on AWS, but DynamoDB Local walks the whole
        # partition for begins_with (every entry and pointer of the journal).
        params: dict[str, Any] = {
            "TableName": dynamo.table_name(),
            **dynamo.sort_key_range(
                dynamo.user_pk(user_id), label.prefix, f"{label.prefix}{dynamo.KEY_END}"
            ),
            "ScanIndexForward": False,
            "ConsistentRead": True,
        }
        pointers: list[str] = []
        while len(pointers) < offset + limit:
            page = dynamo.client().query(**params, Limit=offset + limit - len(pointers))
            pointers += [str(item["SK"]["S"]) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        entry_ids = [labels.entry_id_of(sk) for sk in pointers[offset:]]
        if not entry_ids:
            return []
        found = {
            str(item["entryId"]): entry_of(item)
            for item in dynamo.batch_get([entry_key(user_id, entry_id) for entry_id in entry_ids])
        }
        return [
            found[entry_id]
            for entry_id in entry_ids
            if entry_id in found and label in labels.labels_of(found[entry_id])
        ]

    def all_entries(self, user_id: str) -> list[JournalEntry]:
        return [
            entry_of(item)
            for item in dynamo.query_all(
                **dynamo.sort_key_range(
                    dynamo.user_pk(user_id), ENTRY_PREFIX, f"{ENTRY_PREFIX}{dynamo.KEY_END}"
                ),
                ScanIndexForward=False,
                ConsistentRead=True,
            )
        ]

    # Writes: each adds its items to the transaction of a unit of work (core/unit_of_work.py).
    # A failed condition here (a counter or the version changed) is a lost race: retried.

    def put_entry(self, tx: Transaction, entry: JournalEntry, expected_version: int | None) -> None:
        item = changes.stamp(
            {**entry_key(entry.user_id, entry.entry_id), **entry_item(entry)},
            entry.user_id,
            "journalEntry",
            entry.entry_id,
        )
        if expected_version is None:
            tx.put("entry", item, condition="attribute_not_exists(PK)")
        else:
            tx.put(
                "entry",
                item,
                condition="#version = :version",
                names={"#version": "version"},
                values={":version": expected_version},
            )

    def delete_entry(self, tx: Transaction, entry: JournalEntry) -> None:
        """Conditioned on the version read: a concurrent edit or share (which changes the
        stats or `sharedWith` this delete undoes) makes it read again."""
        tx.delete(
            "entry",
            entry_key(entry.user_id, entry.entry_id),
            condition="#version = :version",
            names={"#version": "version"},
            values={":version": entry.version},
        )
        changes.stage_tombstone(tx, entry.user_id, "journalEntry", entry.entry_id)

    def change_stats(
        self,
        tx: Transaction,
        user_id: str,
        current: JournalStats | None,
        old: JournalEntry | None,
        new: JournalEntry | None,
        template_used: tuple[str, str] | None,
        local: tuple[str, int],
    ) -> None:
        """Change the stats items from `old` to `new` (None: absent), given the main item as
        read (`current`): counters reaching zero are removed, conditioned on the value read,
        and a new entry must fit the quota; a failed condition makes the write read again.
        The caller stages the label pointers (labels.py) of the same labels last; a write to
        an empty journal marks it indexed."""
        changes = journal_stats.counter_changes(old, new)
        journal_stats.check_bounds(current, changes, adds_entry=old is None)
        planned = journal_stats.plan(current, changes)
        key = stats_key(user_id)
        stats = tx.updating("journal-stats", key)
        for name, amount in planned.main.adds.items():
            stats.add_number(name, amount=amount)
        for name, expected in planned.main.removes.items():
            stats.remove(name)
            tx.updating(
                "journal-stats", key, condition=f"{stats.name(name)} = {stats.value(expected)}"
            )
        if template_used:
            stats.set(f"{journal_stats.TEMPLATE_USED}{template_used[0]}", value=template_used[1])
        stats.set("timezone", value=local[0]).set("dayStartHour", value=local[1])
        if current is None or current.total_entries == 0:
            stats.set(labels.INDEXED, value=True)  # no entry lacks its pointers
        if old is None:
            total, limit = stats.name("totalEntries"), stats.value(journal_stats.MAX_ENTRIES)
            tx.updating(
                "journal-stats",
                key,
                condition=f"attribute_not_exists({total}) OR {total} < {limit}",
            )
        self._change_latest(tx, user_id, current or journal_stats.NO_STATS, old, new)
        for month, change in planned.months.items():
            month_stats = tx.updating("journal-stats-month", month_stats_key(user_id, month))
            for name, amount in change.adds.items():
                month_stats.add_number(name, amount=amount)

    def stage_goal_completion(
        self, tx: Transaction, user_id: str, goal_id: str, completed: bool
    ) -> None:
        """The goals' completions, kept on the stats item (so `goalsCompleted` needs no extra
        read): the goals service calls this in its own transaction (goals.completions)."""
        stats = tx.updating("journal-completed-goals", stats_key(user_id))
        if completed:
            stats.add_to_set(COMPLETED_GOALS, {goal_id})
        else:
            stats.delete_from_set(COMPLETED_GOALS, {goal_id})

    def _change_latest(
        self,
        tx: Transaction,
        user_id: str,
        current: JournalStats,
        old: JournalEntry | None,
        new: JournalEntry | None,
    ) -> None:
        """Keep `lastEntryAt`, the newest entry's `createdAt`, conditioned on the value read."""
        read = current.last_entry_at
        if old is None and new is not None and (read is None or new.created_at > read):
            latest: str | None = new.created_at
        elif new is None and old is not None and read is not None and old.created_at == read:
            others = current.total_entries > 1
            latest = self._newest_other(user_id, old.entry_id) if others else None
        else:
            return
        stats = tx.updating("journal-stats", stats_key(user_id))
        if latest is None:
            stats.remove("lastEntryAt")
        else:
            stats.set("lastEntryAt", value=latest)
        name = stats.name("lastEntryAt")
        tx.updating(
            "journal-stats",
            stats_key(user_id),
            condition=f"attribute_not_exists({name})"
            if read is None
            else f"{name} = {stats.value(read)}",
        )
