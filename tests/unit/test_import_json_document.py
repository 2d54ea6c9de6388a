"""The JSON export's parser: a file becomes a plan; a bad record is skipped with its reason;
only a file that is not an export (or of an unknown version) fails."""

import io
import json
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.account.imports.failures import ImportFileRefused
from chalicelib.account.imports.json_document import parse_json_export
from tests import import_files as files


def test_a_bare_export_json_and_the_zip_give_the_same_plan():
    doc = files.document()
    assert parse_json_export(files.as_json(doc)) == parse_json_export(files.as_zip(doc))


def test_goals_activities_entries_profile_become_the_routes_models():
    plan = parse_json_export(files.as_json(files.document()))
    (goal,) = plan.goals
    assert goal.source_id == "g-run"
    assert goal.definition.title == "Run"
    assert goal.definition.goal_pattern == "recurring"
    assert goal.status == "active"
    assert goal.created_at == "2026-09-01T07:00:00.000Z"
    assert [a.source_id for a in goal.activities] == [f"g-run-a{i}" for i in range(10)]
    assert str(goal.activities[0].fields.activity_date) == "2026-09-01"
    (entry,) = plan.entries
    assert entry.goal_source_ids == ("g-run",)
    assert entry.fields.title == "Day one"
    assert entry.created_at == "2026-10-01T20:00:00.000Z"
    assert plan.profile is not None
    assert plan.profile.timezone == "Europe/London"
    assert plan.keys is None


def test_final_statuses_are_kept_and_created_as_post_goals_allows():
    doc = files.document(
        goals=[
            files.goal("a", "Archived", status="archived"),
            files.goal("c", "Completed", status="completed"),
            files.goal("p", "Paused", status="paused"),
            files.goal("x", "Odd", status="exploded"),
        ]
    )
    plan = parse_json_export(files.as_json(doc))
    assert [(g.status, g.definition.status) for g in plan.goals] == [
        ("archived", "active"),
        ("completed", "active"),
        ("paused", "paused"),
        ("active", "active"),
    ]


def test_each_bad_record_is_skipped_with_a_reason_and_the_rest_is_kept():
    good = files.goal("g-ok", "Fine", days=2)
    bad_goal = {**files.goal("g-bad", "", days=3)}
    bad_activity = files.goal("g-act", "Walk", days=2)
    bad_activity["activities"].append({"activityId": "x", "value": "many"})
    doc = files.document(
        goals=[good, bad_goal, bad_activity, "not a goal"],  # type: ignore[list-item]
        journal=[files.entry("e-ok", "Fine"), {"entryId": "e-bad", "title": "No content"}],
    )
    plan = parse_json_export(files.as_json(doc))
    assert [g.source_id for g in plan.goals] == ["g-ok", "g-act"]
    assert len(plan.goals[1].activities) == 2
    assert [e.source_id for e in plan.entries] == ["e-ok"]
    skipped = {(s.kind, s.source): s.reason for s in plan.skipped}
    assert "title" in skipped[("goal", "goals[1]")]
    assert "with its 3 activities" in skipped[("goal", "goals[1]")]
    assert "value" in skipped[("activity", "goals[2].activities[2]")]
    assert ("goal", "goals[3]") in skipped
    assert "content" in skipped[("entry", "journal[1]")]
    assert skipped[("share", "sharesGiven[0]")] == "shares name other people's accounts"


def test_shares_and_other_peoples_fields_are_never_taken():
    entry = {**files.entry("e", "Shared"), "sharedWith": ["someone"], "isShared": True}
    plan = parse_json_export(files.as_json(files.document(journal=[entry])))
    assert plan.entries[0].fields.shared_with is None
    assert plan.entries[0].fields.is_shared is None


@pytest.mark.parametrize(
    "data, code",
    [
        (b"\x00\x01 not json", "IMPORT_FILE_UNREADABLE"),
        (b"[1, 2]", "IMPORT_FILE_UNREADABLE"),
        (b'{"format": "something-else", "version": 1}', "IMPORT_FORMAT_UNKNOWN"),
        (b'{"format": "ai-lifestyle-export", "version": 2}', "IMPORT_VERSION_UNSUPPORTED"),
        (b"PK\x03\x04 broken zip", "IMPORT_FILE_UNREADABLE"),
    ],
)
def test_a_file_that_is_not_an_export_fails_with_a_clear_code(data, code):
    with pytest.raises(ImportFileRefused) as refused:
        parse_json_export(data)
    assert refused.value.code == code


def test_a_zip_without_export_json_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Habits.csv", "Position,Name\n")
    with pytest.raises(ImportFileRefused) as refused:
        parse_json_export(buffer.getvalue())
    assert refused.value.code == "IMPORT_DOCUMENT_MISSING"


def test_a_zip_bomb_is_refused_before_it_is_inflated(monkeypatch):
    from chalicelib.account.imports import json_document

    monkeypatch.setattr(json_document, "MAX_DOCUMENT_BYTES", 1000)
    with pytest.raises(ImportFileRefused) as refused:
        parse_json_export(files.as_zip(files.document(goals=[files.goal("g", "G", days=50)])))
    assert refused.value.code == "IMPORT_FILE_TOO_LARGE"


def test_a_report_lists_at_most_1000_records_and_fits_its_item():
    from chalicelib.account.imports.plan import Skipped
    from chalicelib.account.imports.writer import MAX_REPORT_BYTES, Report

    many = [Skipped("habit", "Habits.csv row " + "é" * 300, "🙂" * 400) for _ in range(5000)]
    report = Report(skipped=many, changed=many[:10]).to_wire()
    assert report["skippedTotal"] == 5000
    assert len(report["skipped"]) + len(report["changed"]) <= 1000
    assert report["changed"]
    assert len(json.dumps(report, ensure_ascii=False).encode()) <= MAX_REPORT_BYTES


@pytest.mark.parametrize(
    "exported, carried",
    [(4, 4), (0, 0), (None, 0), ("4", 0), (True, 0), (-1, 0), (10**9, 0)],
)
def test_the_longest_streak_is_carried_when_it_is_a_sensible_count(exported, carried):
    """A goal's longest streak never goes down (docs/progress-rules.md), so an import keeps the
    file's record instead of what its remaining activities would give."""
    goal = files.goal("g-run", "Run", days=2)
    goal["progress"] = {"longestStreak": exported}
    (planned,) = parse_json_export(files.as_json(files.document(goals=[goal]))).goals
    assert planned.longest_streak == carried


def test_a_null_field_is_left_out_as_never_set():
    """The export writes `null` for a field never set; an activity's `location` cannot be
    null in a body, and every activity of the first round trip was skipped for it."""
    goal = files.goal("g-run", "Run", days=2)
    for activity in goal["activities"]:
        activity |= {"location": None, "context": None, "note": None}
    doc = files.document(goals=[goal])
    doc["journal"][0] |= {"template": None, "mood": None}
    plan = parse_json_export(files.as_json(doc))
    assert [record.kind for record in plan.skipped] == ["share"]  # the document's one share
    assert len(plan.goals[0].activities) == 2
    assert len(plan.entries) == 1


def _range(start: str, until: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """A pause or vacation as the export writes it: every field, `null` for one not set."""
    return {"from": start, "until": until, "reason": reason}


def test_pauses_and_vacations_become_the_items_they_were():
    goal = files.goal(
        "g-run",
        "Run",
        days=10,
        status="paused",
        pauses=[_range("2026-09-09", None), _range("2026-09-03", "2026-09-04", "Travel")],
    )
    doc = files.document(goals=[goal], vacations=[_range("2026-09-06", "2026-09-07", "Beach")])
    plan = parse_json_export(files.as_json(doc))
    (planned,) = plan.goals
    assert planned.status == "paused"
    # Sorted by start, as the pause rules keep them; a `null` reason is none.
    assert planned.pauses == (
        {"from": "2026-09-03", "until": "2026-09-04", "reason": "Travel"},
        {"from": "2026-09-09", "until": None},
    )
    assert plan.vacations == ({"from": "2026-09-06", "until": "2026-09-07", "reason": "Beach"},)
    assert [record.kind for record in plan.skipped] == ["share"]


def test_an_older_export_without_pauses_or_vacations_has_none():
    doc = files.document()
    del doc["vacations"]
    del doc["goals"][0]["pauses"]
    plan = parse_json_export(files.as_json(doc))
    assert plan.vacations == ()
    assert plan.goals[0].pauses == ()


def test_a_bad_pause_or_vacation_is_skipped_with_its_reason_and_its_goal_kept():
    pauses = [
        _range("2026-09-03", "2026-09-05"),
        _range("2026-09-05", "2026-09-06"),  # overlaps the first
        _range("2026-09-10", "2026-09-08"),  # ends before it begins
        _range("2026-09-10", "2027-12-31"),  # longer than a year
        {"until": "2026-09-20"},  # no start
        _range("2026-09-20", reason="x" * 201),
        _range("September"),
        "not a pause",
    ]
    goal = files.goal("g-run", "Run", days=10, pauses=pauses)
    doc = files.document(
        goals=[goal], vacations=[_range("2026-09-06"), _range("2026-10-01", "2026-10-02"), 7]
    )
    plan = parse_json_export(files.as_json(doc))
    (planned,) = plan.goals
    assert planned.pauses == ({"from": "2026-09-03", "until": "2026-09-05"},)
    skipped = {(s.kind, s.source): s.reason for s in plan.skipped}
    assert skipped[("pause", "goals[0].pauses[1]")] == "The pause overlaps another one."
    assert "until: must not be before from" in skipped[("pause", "goals[0].pauses[2]")]
    assert "at most 366 days" in skipped[("pause", "goals[0].pauses[3]")]
    assert skipped[("pause", "goals[0].pauses[4]")] == "from: is required"
    assert "reason" in skipped[("pause", "goals[0].pauses[5]")]
    assert "from" in skipped[("pause", "goals[0].pauses[6]")]
    assert skipped[("pause", "goals[0].pauses[7]")] == "is not a pause object"
    # An open vacation holds every later day: the next one overlaps it.
    assert plan.vacations == ({"from": "2026-09-06", "until": None},)
    assert skipped[("vacation", "vacations[1]")] == "The vacation overlaps another one."
    assert skipped[("vacation", "vacations[2]")] == "is not a vacation object"


def test_at_most_50_pauses_are_kept():
    pauses = [
        _range(day.isoformat(), day.isoformat())
        for day in (date(2025, 1, 1) + timedelta(days=2 * i) for i in range(51))
    ]
    goal = files.goal("g-run", "Run", days=1, pauses=pauses)
    plan = parse_json_export(files.as_json(files.document(goals=[goal])))
    assert len(plan.goals[0].pauses) == 50
    skipped = {(s.kind, s.source): s.reason for s in plan.skipped}
    assert "At most 50" in skipped[("pause", "goals[0].pauses[50]")]


@pytest.mark.parametrize(
    "exported",
    [
        {"enabled": False, "localTime": None},  # what the export writes for no reminder
        {"enabled": True, "localTime": "07:30"},
        {"enabled": True, "localTime": None},  # the schedule's first preferred time
    ],
)
def test_a_reminder_comes_across_with_its_nested_nulls(exported):
    goal = files.goal("g-run", "Run", days=1, reminder=exported)
    goal["schedule"] = {"frequency": None, "daysOfWeek": None, "preferredTimes": ["08:00"]}
    plan = parse_json_export(files.as_json(files.document(goals=[goal])))
    (planned,) = plan.goals
    assert planned.definition.reminder is not None
    assert planned.definition.reminder.enabled is exported["enabled"]
    assert planned.definition.reminder.local_time == exported["localTime"]
    assert [record.kind for record in plan.skipped] == ["share"]


def test_a_bad_reminder_skips_its_goal_with_the_reason():
    goal = files.goal("g-run", "Run", days=1, reminder={"enabled": True, "localTime": "25:99"})
    plan = parse_json_export(files.as_json(files.document(goals=[goal])))
    assert plan.goals == ()
    skipped = {(s.kind, s.source): s.reason for s in plan.skipped}
    assert "reminder.localTime" in skipped[("goal", "goals[0]")]
