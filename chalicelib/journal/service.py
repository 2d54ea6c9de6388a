"""Journal rules: entries, their goal links, shares and stats, all changed in one transaction.
Who sees a shared entry, and how, is sharing.py's.

A `goalProgress` item with a `progressValue` is an activity on that goal (source `journal`),
logged, changed or removed in the same transaction as the entry, through the goals' own
staging (goals.links), so the goal's progress follows its journal exactly as it follows its
activities.
"""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.core import errors, metrics, retry
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction, TransactionCancelled
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.http import Page
from chalicelib.core.idempotency import StoredResponse, add_record, key_from, replay
from chalicelib.core.ids import uuid7
from chalicelib.core.local_time import LocalTime, instant_bound, local_time_of
from chalicelib.core.validation import parse
from chalicelib.goals.links import ENTRY_LINK, GoalLinks
from chalicelib.journal import sharing, text
from chalicelib.journal.models import EntryCreate, EntryFields, entry_errors
from chalicelib.journal.repository import JournalContext, JournalRepository
from chalicelib.journal.stats import stats_view

FILTERS = ("owned", "all", "shared-with-me", "shared-by-me")
ENTRY_FIELDS = ("entryId", "userId", "title", "content", "template", "wordCount", "tags",
                "mood", "linkedGoalIds", "goalProgress", "createdAt", "updatedAt",
                "isEncrypted", "isShared", "encryptedKey", "encryptionIv", "sharedWith",
                "version")


def present_entry(entry: dict[str, Any]) -> dict[str, Any]:
    shown = {name: entry.get(name) for name in ENTRY_FIELDS}
    shown["goalProgress"] = [{name: item.get(name) for name in
                              ("goalId", "progressValue", "notes", "completed")}
                             for item in entry.get("goalProgress") or []]
    return shown


def entry_etag(entry: dict[str, Any]) -> str:
    return f'"{entry["version"]}"'


def _not_found() -> errors.AppError:
    return errors.NotFound("The journal entry was not found.", code="ENTRY_NOT_FOUND")


class JournalService:
    def __init__(self, entries: JournalRepository, goal_links: GoalLinks,
                 now: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._entries = entries
        self._goal_links = goal_links
        self._now = now
        self._sleep = sleep

    # Writes.

    def create(self, user_id: str, body: Any, idempotency_header: str | None,
               timezone_header: str | None) -> StoredResponse:
        fields = parse(EntryCreate, body).model_dump(by_alias=True, exclude_unset=True,
                                                     mode="json")
        key = key_from(idempotency_header, user_id, "POST /journal", body)
        for _ in retry.attempts(self._sleep):
            context = self._entries.load_for_write(user_id, None, fields.get("linkedGoalIds")
                                                   or [], key)
            replayed = replay(key, context.idempotency_record)
            if replayed:
                return replayed
            local = local_time_of(context.profile, timezone_header)
            now = self._now()
            entry = self._entry(user_id, fields, None, context, now, local)
            tx = Transaction().emits(metrics.JOURNAL_ENTRY_WRITTEN)
            self._entries.change_stats(tx, user_id, context.stats, None, entry,
                                       (entry["template"], entry["createdAt"]),
                                       (local.timezone, local.day_start_hour))
            self._stage_goal_links(tx, user_id, None, entry, context, local, now)
            self._entries.put_entry(tx, entry, expected_version=None)
            response = StoredResponse(201, present_entry(entry), f"/journal/{entry['entryId']}")
            add_record(tx, key, response)
            sharing.stage(tx, self._entries, None, entry, context.profile)
            try:
                self._commit(tx)
            except retry.Conflict:
                continue  # reads again; a concurrent twin's response is then replayed
            return response
        raise retry.exhausted()

    def update(self, user_id: str, entry_id: str, body: Any, if_match: str | None,
               timezone_header: str | None) -> tuple[dict[str, Any], str]:
        fields = parse(EntryFields, body).model_dump(by_alias=True, exclude_unset=True,
                                                     mode="json")
        for _ in retry.attempts(self._sleep):
            first = self._entries.load_for_write(user_id, entry_id, [], None)
            old = first.entry
            if old is None:
                raise _not_found()
            if if_match and if_match.strip() not in {"*", entry_etag(old), f"W/{entry_etag(old)}"}:
                raise errors.PreconditionFailed("The entry has changed since it was read.")
            goal_ids = [*fields.get("linkedGoalIds", old["linkedGoalIds"]),
                        *old["linkedGoalIds"]]
            # A second read only when there are goals to read along with the entry.
            context = self._entries.load_for_write(user_id, entry_id, goal_ids, None) \
                if goal_ids else first
            if context.entry is None or context.entry["version"] != old["version"]:
                continue
            local = local_time_of(context.profile, timezone_header)
            now = self._now()
            new = self._entry(user_id, fields, old, context, now, local)
            tx = Transaction().emits(metrics.JOURNAL_ENTRY_WRITTEN)
            changed_template = (new["template"], new["updatedAt"]) if (
                new["template"] != old["template"]) else None
            self._entries.change_stats(tx, user_id, context.stats, old, new, changed_template,
                                       (local.timezone, local.day_start_hour))
            self._stage_goal_links(tx, user_id, old, new, context, local, now)
            self._entries.put_entry(tx, new, expected_version=old["version"])
            sharing.stage(tx, self._entries, old, new, context.profile)
            try:
                self._commit(tx)
            except retry.Conflict:
                if if_match:
                    raise errors.PreconditionFailed("The entry has changed since it was read."
                                                    ) from None
                continue
            return present_entry(new), entry_etag(new)
        raise retry.exhausted()

    def delete(self, user_id: str, entry_id: str) -> None:
        for _ in retry.attempts(self._sleep):
            first = self._entries.load_for_write(user_id, entry_id, [], None)
            old = first.entry
            if old is None:
                raise _not_found()
            context = self._entries.load_for_write(user_id, entry_id, old["linkedGoalIds"],
                                                   None) if old["linkedGoalIds"] else first
            local = local_time_of(context.profile)
            tx = Transaction()
            self._entries.change_stats(tx, user_id, context.stats, old, None, None,
                                       (local.timezone, local.day_start_hour))
            self._stage_goal_links(tx, user_id, old, None, context, local, self._now())
            self._entries.delete_entry(tx, old)
            sharing.stage(tx, self._entries, old, None, context.profile)
            try:
                self._commit(tx)
            except retry.Conflict:
                continue
            return
        raise retry.exhausted()

    def _entry(self, user_id: str, fields: dict[str, Any], old: dict[str, Any] | None,
               context: JournalContext, now: datetime, local: LocalTime) -> dict[str, Any]:
        """The entry after this write, checked completely before anything is written."""
        stamp = to_iso(now)
        entry: dict[str, Any] = {
            "entryId": uuid7(), "userId": user_id, "template": "blank", "tags": [],
            "mood": None, "linkedGoalIds": [], "goalProgress": [], "isEncrypted": False,
            "isShared": False, "encryptedKey": None, "encryptionIv": None, "sharedWith": [],
            "createdAt": stamp, "version": 0, "localDate": local.local_date(now).isoformat(),
            **(old or {}),
        }
        entry.update({name: value for name, value in fields.items() if name != "wordCount"})
        entry.update(updatedAt=stamp, version=entry["version"] + 1,
                     sharedWith=sharing.without_owner(entry["sharedWith"], context.profile))
        entry["goalProgress"] = [{"progressValue": None, "notes": None, "completed": False,
                                  **item, "activityId": self._previous_activity(old, item)}
                                 for item in entry["goalProgress"]]
        problems: list[FieldError] = []
        switched = old is not None and entry["isEncrypted"] != old["isEncrypted"]
        if switched and "content" not in fields:
            problems.append(FieldError("content", "must be sent again when isEncrypted changes"))
        if entry["isEncrypted"]:
            # New ciphertext needs its own word count: the server cannot count it.
            fresh = "content" in fields or switched
            entry["wordCount"] = fields.get("wordCount") if fresh else old and old["wordCount"]
            entry.pop("searchText", None)
        problems += entry_errors(entry)
        if problems:
            raise ValidationFailed(problems)
        if not entry["isEncrypted"] and ("content" in fields or "searchText" not in entry):
            # Parsed once here, after the length rules, so searches never parse markup.
            words = text.plain_text(entry["content"])
            entry["wordCount"] = len(words.split())
            searchable = words.lower()
            if len(searchable.encode()) <= text.MAX_STORED_BYTES:
                entry["searchText"] = searchable
            else:
                entry.pop("searchText", None)  # the item would near 400 KB: searched as before
        missing = [goal_id for goal_id in entry["linkedGoalIds"] if goal_id not in context.goals]
        if missing:
            raise errors.BusinessRuleViolation(
                "Linked goals must be your existing goals.", code="LINKED_GOAL_NOT_FOUND",
                details={"goalIds": missing})
        return entry

    @staticmethod
    def _previous_activity(old: dict[str, Any] | None, item: dict[str, Any]) -> str | None:
        for previous in (old or {}).get("goalProgress") or []:
            if previous["goalId"] == item["goalId"]:
                activity_id: str | None = previous.get("activityId")
                return activity_id
        return None

    def _stage_goal_links(self, tx: Transaction, user_id: str, old: dict[str, Any] | None,
                          new: dict[str, Any] | None, context: JournalContext,
                          local: LocalTime, now: datetime) -> None:
        """Log, change or remove the activity behind each goalProgress value."""
        before = {item["goalId"]: item for item in (old or {}).get("goalProgress") or []}
        after = {item["goalId"]: item for item in (new or {}).get("goalProgress") or []}
        for goal_id in before.keys() | after.keys():
            previous, current = before.get(goal_id), after.get(goal_id)
            activity_id = (previous or {}).get("activityId")
            value = (current or {}).get("progressValue")
            goal = context.goals.get(goal_id)
            if goal is None:
                continue  # the goal itself is gone: nothing left to keep in step
            fields = {"value": value, "activityType": "completed"
                      if (current or {}).get("completed") else "progress",
                      "note": (current or {}).get("notes"), "source": "journal",
                      "context": {ENTRY_LINK: (new or old or {}).get("entryId")}}
            existing = self._goal_links.linked_activity(user_id, goal_id, activity_id) \
                if activity_id else None
            if existing is not None:
                change = None if value is None else fields
                if change is not None and existing["value"] == value and (
                        existing["activityType"] == fields["activityType"]):
                    continue
                self._goal_links.stage_change(tx, user_id, goal, existing, change, local, now)
                if change is None and current is not None:
                    current["activityId"] = None
            elif current is not None:
                # A new link, or one whose activity is gone (the activity routes could delete
                # it before entries owned their activities): log it (again).
                current["activityId"] = None
                if value is not None:
                    activity = self._goal_links.stage_log(tx, user_id, goal, fields, local, now)
                    current["activityId"] = activity["activityId"]

    def _commit(self, tx: Transaction) -> None:
        try:
            tx.commit()
        except TransactionCancelled as exc:
            # A stats condition failing (the quota, a counter removed at zero) means a
            # concurrent write: reading again sees it, and refuses when the quota is reached.
            raise retry.Conflict() from exc


    # Reads.

    def get(self, user_id: str, entry_id: str) -> tuple[dict[str, Any], str]:
        entry = self._entries.get(user_id, entry_id)
        if entry is None:
            raise _not_found()
        return present_entry(entry), entry_etag(entry)

    def stats(self, user_id: str, timezone_header: str | None) -> dict[str, Any]:
        item = self._entries.stats(user_id)
        local = local_time_of(item, timezone_header)
        return stats_view(item, local.local_date(self._now()),
                          lambda day: to_iso(local.day_start(day)))

    def list_entries(self, user_id: str, page: Page, query: dict[str, str | None],
             timezone_header: str | None) -> dict[str, Any]:
        chosen = query.get("filter") or "owned"
        if chosen not in FILTERS:
            raise ValidationFailed([FieldError("filter", "must be one of " + ", ".join(FILTERS))])
        searching = any(query.get(name) for name in ("goalId", "tag", "mood", "template",
                                                     "from", "to", "q"))
        if chosen == "owned" and not searching:
            stats, newest = self._entries.newest(user_id, page.offset + page.limit)
            total = int((stats or {}).get("totalEntries", 0))
            shown = newest[page.offset:]
        else:
            matching = self._matching(user_id, chosen, query, timezone_header)
            total, shown = len(matching), matching[page.offset:page.offset + page.limit]
        return {"entries": [sharing.recipient_view(entry) if sharing.is_received(entry)
                            else present_entry(entry) for entry in shown], "total": total,
                "page": page.number, "limit": page.limit,
                "hasMore": page.offset + len(shown) < total, "filter": chosen}

    def _matching(self, user_id: str, chosen: str, query: dict[str, str | None],
                  timezone_header: str | None) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        # Dates are the profile's local days, as the entries' own dates are; recipients are
        # found by the profile's address. One read serves both, and only when needed.
        dated = bool(query.get("from") or query.get("to"))
        receiving = chosen in {"all", "shared-with-me"}
        profile = self._entries.profile(user_id) if dated or receiving else None
        if chosen in {"owned", "all", "shared-by-me"}:
            entries = self._entries.all_entries(user_id)
            if chosen == "shared-by-me":
                entries = [entry for entry in entries if entry["isShared"]]
        if receiving:
            # Owned entries first: an entry that was also shared with its author shows once.
            entries = sharing.without_duplicates([*entries, *sharing.received(self._entries,
                                                                              profile)])
        local = local_time_of(profile if dated else None, timezone_header)
        low, high = self._bounds(query.get("from"), query.get("to"), local)
        wanted = (query.get("q") or "").strip().lower()
        tag = (query.get("tag") or "").strip().lower()
        kept = [entry for entry in entries
                if (not query.get("goalId") or query["goalId"] in entry["linkedGoalIds"])
                and (not tag or tag in {own.lower() for own in entry["tags"]})
                and (not query.get("mood") or entry.get("mood") == query["mood"])
                and (not query.get("template") or entry["template"] == query["template"])
                and (low is None or entry["createdAt"] >= low)
                and (high is None or entry["createdAt"] <= high)
                and (not wanted or self._mentions(entry, wanted))]
        return sorted(kept, key=lambda entry: entry["createdAt"], reverse=True)

    @staticmethod
    def _mentions(entry: dict[str, Any], wanted: str) -> bool:
        if wanted in entry["title"].lower():
            return True
        if entry["isEncrypted"]:
            return False
        # Entries written before the text was stored are parsed here (linear, see text.py).
        searchable = entry.get("searchText")
        if searchable is None:
            searchable = text.plain_text(entry["content"]).lower()
        return wanted in searchable

    @staticmethod
    def _bounds(start: str | None, end: str | None, local: LocalTime
                ) -> tuple[str | None, str | None]:
        problems: list[FieldError] = []
        bounds: list[str | None] = []
        for name, raw, last in (("from", start, False), ("to", end, True)):
            try:
                bounds.append(instant_bound(raw, local, last) if raw else None)
            except ValueError:
                problems.append(FieldError(name, "must be a date or an ISO-8601 date-time"))
        if problems:
            raise ValidationFailed(problems)
        return bounds[0], bounds[1]
