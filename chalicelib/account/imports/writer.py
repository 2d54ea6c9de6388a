"""Writes an `ImportPlan` into one account: profile, keys, goals with their activities, and
journal entries, through the goal and journal services' own rules and `run_write`.

Idempotent per file: every record's id derives from the file's digest and its `source_id`
(`derived_id`), and every write of a record is conditional on it not existing, so a run that
was cut short and runs again, or two runs at once, write each record once. The report counts
what the file put into the account, whichever run wrote it.

In order:
1. the profile's settings (time zone first: activities are placed in local days by it);
2. the key record, when the account has none and the file has one, so encrypted entries open
   with the same password; when the account has other keys, encrypted entries are skipped;
   then the vacations, through the vacation rules (goals/vacations.py), into the profile;
3. each goal: created with its final status, its pauses and its reminder (armed) (over the
   50-active-goal quota, or beside an active goal of the same title, it is imported archived,
   and the report says so); then its
   missing activities, 100 per transaction; then, once, its day aggregates rebuilt from all
   its activities and its progress recomputed from them, exactly what logging them would give;
4. each journal entry, one transaction each (its stats change with it), with its links to
   the goals of the same file.
Shares are never imported (the parser reports them skipped).
"""

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from chalicelib.account.imports.plan import (
    ImportedActivity,
    ImportedEntry,
    ImportedGoal,
    ImportPlan,
    Skipped,
)
from chalicelib.core import errors
from chalicelib.core.clock import parse_instant, to_iso, utc_now
from chalicelib.core.dynamo import MAX_TRANSACTION_ITEMS, Transaction
from chalicelib.core.local_time import LocalTime, local_time_of
from chalicelib.core.unit_of_work import run_write
from chalicelib.core.validation import dump
from chalicelib.goals import aggregates as agg
from chalicelib.goals.activities import ActivityService
from chalicelib.goals.completions import stage_completion, with_progress
from chalicelib.goals.entities import Activity, Goal
from chalicelib.goals.progress_state import recompute
from chalicelib.goals.repository import GoalRepository
from chalicelib.goals.rollups import closed_month_rollups
from chalicelib.goals.rules import DuplicateTitle, QuotaExceeded
from chalicelib.goals.service import GoalService, vacation_copies
from chalicelib.goals.vacations import VacationService
from chalicelib.journal import labels
from chalicelib.journal.repository import JournalRepository
from chalicelib.journal.revisions import revised_entry
from chalicelib.users.key_repository import KeyRepository
from chalicelib.users.key_service import KeyService
from chalicelib.users.service import ProfileService

MAX_LISTED = 1_000  # records listed in a report, skipped and changed together (all counted)
_TEXT = 160  # a listed record's source and reason are cut to this many characters
# The report is stored on the import's item (at most 400 KB): the listed records are cut
# further should their text (multi-byte, say) make it larger than this.
MAX_REPORT_BYTES = 300_000
ENTRY_CHECK_EVERY = 50  # entries written between two looks at the time left


def derived_id(digest: str, kind: str, source_id: str, at: str | None) -> str:
    """The id a record of this file gets: a UUID shaped like our version 7 ids, whose time is
    the record's own (so entries still list newest first) and whose other bits come from the
    file's digest and the record's place in it (so every run derives the same id)."""
    seed = hashlib.sha256(f"{digest}:{kind}:{source_id}".encode()).digest()
    millis = int(parse_instant(at).timestamp() * 1000) if at else 0
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    randomness = int.from_bytes(seed[:10], "big")
    value |= ((randomness >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= randomness & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


@dataclass
class Report:
    goals: int = 0
    activities: int = 0
    entries: int = 0
    profile_updated: bool = False
    keys_restored: bool = False
    skipped: list[Skipped] = field(default_factory=list)
    changed: list[Skipped] = field(default_factory=list)

    def skip(self, kind: str, source: str, reason: str) -> None:
        self.skipped.append(Skipped(kind, source, reason))

    def to_wire(self) -> dict[str, Any]:
        changed = [_listed(s) for s in self.changed[:MAX_LISTED]]
        skipped = [_listed(s) for s in self.skipped[: MAX_LISTED - len(changed)]]
        while True:
            wire = {
                "imported": {
                    "goals": self.goals,
                    "activities": self.activities,
                    "journalEntries": self.entries,
                    "profile": self.profile_updated,
                    "encryptionKeys": self.keys_restored,
                },
                "skipped": skipped,
                "skippedTotal": len(self.skipped),
                "changed": changed,
            }
            if len(json.dumps(wire, ensure_ascii=False).encode()) <= MAX_REPORT_BYTES:
                return wire
            if skipped:  # the changed records are fewer, and tell more: they go last
                skipped = skipped[: len(skipped) // 2]
            else:
                changed = changed[: len(changed) // 2]


def _listed(record: Skipped) -> dict[str, str]:
    return {
        "kind": record.kind[:40],
        "source": record.source[:_TEXT],
        "reason": record.reason[:_TEXT],
    }


def _why(exc: errors.AppError) -> str:
    if isinstance(exc, errors.ValidationFailed) and exc.errors:
        return "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
    return exc.message


def _chunks[T](items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ImportWriter:
    def __init__(
        self,
        goals: GoalRepository,
        goal_service: GoalService,
        activities: ActivityService,
        journal: JournalRepository,
        keys: KeyRepository,
        key_service: KeyService,
        profiles: ProfileService,
        vacations: VacationService,
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._goals = goals
        self._goal_service = goal_service
        self._activities = activities
        self._journal = journal
        self._keys = keys
        self._key_service = key_service
        self._profiles = profiles
        self._vacations = vacations
        self._now = now

    def write(
        self, user_id: str, digest: str, plan: ImportPlan, should_stop: Callable[[], bool]
    ) -> Report | None:
        """The report of the plan written into the account, or None when `should_stop` said
        so first (the caller runs it again later: what was written is not written twice)."""
        report = Report(skipped=list(plan.skipped))
        if plan.profile is not None:
            self._profiles.update(user_id, plan.profile)
            report.profile_updated = True
        keys_match = self._restore_keys(user_id, plan, report)
        self._restore_vacations(user_id, plan, report)
        local = local_time_of(self._journal.profile(user_id))
        goal_ids: dict[str, str] = {}
        for goal in plan.goals:
            if should_stop():
                return None
            goal_id = self._write_goal(user_id, digest, goal, local, report)
            if goal_id is not None:
                goal_ids[goal.source_id] = goal_id
        for index, entry in enumerate(plan.entries):
            if index % ENTRY_CHECK_EVERY == 0 and should_stop():
                return None
            self._write_entry(user_id, digest, entry, goal_ids, keys_match, local, report)
        return report

    # Keys.

    def _restore_keys(self, user_id: str, plan: ImportPlan, report: Report) -> bool:
        """Whether the account's keys are the file's (restored now if it had none), so the
        file's encrypted entries open in this account."""
        current = self._keys.get(user_id)
        if plan.keys is None:
            return False
        if current is None:
            try:
                self._key_service.set_up(user_id, plan.keys)
                report.keys_restored = True
            except errors.Conflict:
                pass  # a concurrent run (or the user) set keys up first: compared below
            current = self._keys.get(user_id)
        return current is not None and current.public_key == plan.keys.public_key

    # Vacations.

    def _restore_vacations(self, user_id: str, plan: ImportPlan, report: Report) -> None:
        """The file's vacations into the profile, before the goals: each goal then takes its
        copy of them when it is made, and its progress is computed with them."""
        if not plan.vacations:
            return
        for item, reason in self._vacations.restore(user_id, plan.vacations):
            report.skip("vacation", f"vacations from {item['from']}", reason)

    # Goals.

    def _write_goal(
        self, user_id: str, digest: str, planned: ImportedGoal, local: LocalTime, report: Report
    ) -> str | None:
        goal_id = derived_id(digest, "goal", planned.source_id, planned.created_at)
        existing = self._goals.get(user_id, goal_id)
        goal = existing or self._create_goal(user_id, goal_id, planned, local, report)
        if goal is None:
            return None
        report.goals += 1
        if existing is not None and existing.status == "archived" != planned.status:
            # Archived by an earlier run of this file (the quota, or a title): still said.
            report.changed.append(Skipped("goal", planned.source_id, "imported archived"))
        built = self._built_activities(user_id, digest, goal, planned, local, report)
        report.activities += len(built)
        if existing is not None and existing.activity_count == len(built):
            # An earlier run of this file finished the goal (only the recomputation sets the
            # count): a resumed run goes straight on to the next.
            return goal_id
        for chunk in _chunks(built, MAX_TRANSACTION_ITEMS):
            run_write(lambda tx, chunk=chunk: self._stage_missing(tx, user_id, chunk))  # type: ignore[misc]
        self._recompute(user_id, goal_id, local, planned.longest_streak)
        return goal_id

    def _create_goal(
        self,
        user_id: str,
        goal_id: str,
        planned: ImportedGoal,
        local: LocalTime,
        report: Report,
    ) -> Goal | None:
        try:
            return self._create_as(user_id, goal_id, planned, planned.status, local)
        except (QuotaExceeded, DuplicateTitle) as refusal:
            if planned.status == "archived":
                # Archived goals are neither counted nor titled: only a concurrent run's goal
                # of the same id gets here, and that one is the goal.
                return self._goals.get(user_id, goal_id)
            report.changed.append(
                Skipped("goal", planned.source_id, f"imported archived: {refusal.message}")
            )
            return self._create_as(user_id, goal_id, planned, "archived", local)
        except errors.AppError as refusal:
            report.skip("goal", planned.source_id, _why(refusal))
            return None

    def _create_as(
        self, user_id: str, goal_id: str, planned: ImportedGoal, status: str, local: LocalTime
    ) -> Goal:
        def attempt(tx: Transaction) -> Goal:
            existing = self._goals.get(user_id, goal_id)
            if existing is not None:
                return existing  # a concurrent run of the same file made it
            # Read here, with the goal's write: a vacation added meanwhile reaches it too.
            vacations = vacation_copies(self._goals.load_for_write(user_id, None, None).profile)
            return self._goal_service.stage_import(
                tx,
                user_id,
                planned.definition,
                goal_id=goal_id,
                created_at=planned.created_at,
                status=status,
                local=local,
                vacations=vacations,
                pauses=list(planned.pauses),
            )

        return run_write(attempt)

    def _built_activities(
        self,
        user_id: str,
        digest: str,
        goal: Goal,
        planned: ImportedGoal,
        local: LocalTime,
        report: Report,
    ) -> list[Activity]:
        """The goal's activities as a log would make them, with their derived ids; each one
        the rules refuse is skipped, with the reason."""
        built = (
            self._activity(user_id, digest, goal, one, local, report) for one in planned.activities
        )
        return [activity for activity in built if activity is not None]

    def _activity(
        self,
        user_id: str,
        digest: str,
        goal: Goal,
        planned: ImportedActivity,
        local: LocalTime,
        report: Report,
    ) -> Activity | None:
        stamp = dump(planned.fields).get("activityDate")
        at = stamp if isinstance(stamp, str) and len(stamp) > 10 else None  # an instant
        activity_id = derived_id(digest, f"activity:{goal.goal_id}", planned.source_id, at)
        try:
            return self._activities.imported_activity(
                user_id, goal, planned.fields, local, activity_id=activity_id
            )
        except errors.AppError as refusal:
            report.skip("activity", planned.source_id, _why(refusal))
            return None

    def _stage_missing(self, tx: Transaction, user_id: str, activities: list[Activity]) -> None:
        stored = self._goals.stored_activity_ids(user_id, activities)
        for activity in activities:
            if activity.activity_id not in stored:
                self._goals.put_new_activity(tx, user_id, activity)

    def _recompute(self, user_id: str, goal_id: str, local: LocalTime, longest_streak: int) -> None:
        """The goal's days and progress from all its activities, once (not one log at a
        time): the same state logging each of them would have left, with the file's longest
        streak as the record to beat."""
        activities = self._goals.all_activities(user_id, goal_id)
        by_day: dict[date, list[Activity]] = defaultdict(list)
        for activity in activities:
            by_day[activity.local_date].append(activity)
        days = [agg.rebuild_day(day, listed) for day, listed in sorted(by_day.items())]
        self._goals.put_days(user_id, goal_id, days)
        # Its closed months' rollups too, so its history reads fast from the start.
        today = local.local_date(self._now())
        self._goals.put_month_rollups(user_id, goal_id, closed_month_rollups(days, today))

        def attempt(tx: Transaction) -> None:
            goal = self._goals.get(user_id, goal_id)
            if goal is None:
                return  # deleted meanwhile (the account is being deleted)
            now = self._now()
            state = goal.progress_state or {}
            record = max(int(state.get("longestEver", 0)), longest_streak)
            goal = replace(goal, progress_state={**state, "longestEver": record})
            progressed = with_progress(goal, recompute(goal, days, now, local), now)
            updated = replace(
                progressed,
                # The status it was imported with stands: a goal its owner reopened stays
                # open even when its activities reach the target.
                status=goal.status,
                completed_at=goal.completed_at,
                activity_count=len(activities),
                version=goal.version + 1,
                updated_at=to_iso(now),
            )
            self._goals.put_goal(tx, user_id, updated, expected_version=goal.version)
            self._goals.change_active_slot(tx, user_id, goal_id, goal, updated)
            stage_completion(tx, self._journal, user_id, goal, updated)

        run_write(attempt)

    # Journal entries.

    def _write_entry(
        self,
        user_id: str,
        digest: str,
        planned: ImportedEntry,
        goal_ids: dict[str, str],
        keys_match: bool,
        local: LocalTime,
        report: Report,
    ) -> None:
        if planned.fields.is_encrypted and not keys_match:
            report.skip(
                "entry",
                planned.source_id,
                "it is encrypted, and this account's encryption keys are not the ones it was "
                "written with",
            )
            return
        entry_id = derived_id(digest, "entry", planned.source_id, planned.created_at)
        linked = [goal_ids[s] for s in planned.goal_source_ids if s in goal_ids]
        fields = {**dump(planned.fields), "linkedGoalIds": linked}
        try:
            leftover = run_write(
                lambda tx: self._stage_entry(tx, user_id, entry_id, fields, planned, local)
            )
        except errors.AppError as refusal:
            report.skip("entry", planned.source_id, _why(refusal))
            return
        # A new entry's pointers fit in its transaction (at most 32); were any left, they are
        # puts only, so there is nothing to read again (labels.py).
        labels.write_leftover(user_id, leftover, lambda: None)
        report.entries += 1

    def _stage_entry(
        self,
        tx: Transaction,
        user_id: str,
        entry_id: str,
        fields: dict[str, Any],
        planned: ImportedEntry,
        local: LocalTime,
    ) -> labels.Leftover:
        context = self._journal.load_for_write(user_id, entry_id, fields["linkedGoalIds"], None)
        if context.entry is not None:
            return labels.Leftover()  # written by an earlier run of this file
        fields = {
            **fields,
            "linkedGoalIds": [g for g in fields["linkedGoalIds"] if g in context.goals],
        }
        now = self._now()
        entry = revised_entry(user_id, fields, None, context.goals, now, local)
        created = planned.created_at or to_iso(now)
        entry = replace(
            entry,
            entry_id=entry_id,
            created_at=created,
            local_date=local.local_date(parse_instant(created)).isoformat(),
        )
        self._journal.change_stats(
            tx,
            user_id,
            context.stats,
            None,
            entry,
            (entry.template, entry.created_at),
            (local.timezone, local.day_start_hour),
        )
        self._journal.put_entry(tx, entry, expected_version=None)
        return labels.stage_changes(tx, user_id, None, entry)  # last, as every entry write
