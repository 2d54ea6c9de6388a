"""Loop Habit Tracker's CSV export -> an ImportPlan (account/imports/loop.py).

The archives are built here in the exact layout Loop's HabitsCSVExporter writes (uhabits-core):
`Habits.csv`, one `NNN Name/Checkmarks.csv` and `Scores.csv` per exported habit (the name
reduced to ASCII letters, digits, space, `.`, `_` and `-`), and the root `Checkmarks.csv` and
`Scores.csv`; CSV as opencsv writes it (quotes only where needed, `"` doubled, `\\n` lines)."""

import csv
import io
import os
import zipfile
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.account.imports import loop
from chalicelib.account.imports.loop import LoopArchiveError, parse_loop_archive
from chalicelib.account.imports.plan import ImportedGoal, ImportPlan, Skipped
from chalicelib.core.clock import utc_now

HEADER = [
    "Position",
    "Name",
    "Type",
    "Question",
    "Description",
    "FrequencyNumerator",
    "FrequencyDenominator",
    "Color",
    "Unit",
    "Target Type",
    "Target Value",
    "Archived?",
]
# Before Loop 2.3 (June 2025); Loop 1.x had no Question column either.
HEADER_2_0 = ["Position", "Name", "Question", "Description", "NumRepetitions", "Interval", "Color"]
HEADER_1_X = ["Position", "Name", "Description", "NumRepetitions", "Interval", "Color"]


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def habit_row(position: int, name: str, **fields: str) -> list[str]:
    numeric = fields.get("type") == "NUMERICAL"
    return [
        f"{position:03d}",
        name,
        fields.get("type", "YES_NO"),
        fields.get("question", ""),
        fields.get("description", ""),
        fields.get("numerator", "1"),
        fields.get("denominator", "1"),
        fields.get("color", "#FF8F00"),
        fields.get("unit", "") if numeric else "",
        fields.get("target_type", "AT_LEAST") if numeric else "",
        fields.get("target_value", "1.0") if numeric else "",
        fields.get("archived", "false"),
    ]


def folder(position: int, name: str) -> str:
    """Loop's folder name for a habit: position, then the name cut to safe ASCII."""
    sane = "".join(c for c in name if c.isascii() and (c.isalnum() or c in " ._-"))[:100]
    return f"{position:03d} {sane}".strip()


def checkmarks(rows: list[tuple[str, ...]]) -> str:
    return csv_text([["Date", "Value", "Notes"], *[list(row) for row in rows]])


def archive(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def loop_export(
    habits: Sequence[tuple[list[str], str | None]], header: list[str] = HEADER
) -> bytes:
    """An export: each habit's Habits.csv row and its Checkmarks.csv (None: not exported)."""
    files: dict[str, str | bytes] = {"Habits.csv": csv_text([header, *[h for h, _ in habits]])}
    names = []
    for row, marks in habits:
        if marks is None:
            continue
        path = folder(int(row[0]), row[1])
        files[f"{path}/Checkmarks.csv"] = marks
        files[f"{path}/Scores.csv"] = "Date,Score\n2015-01-25,0.1000\n"
        names.append(row[1])
    # The root files (one column per habit, derived data): present, and not read.
    files["Checkmarks.csv"] = "Date," + ",".join(names) + ",\n2015-01-25,YES_MANUAL,\n"
    files["Scores.csv"] = "Date," + ",".join(names) + ",\n2015-01-25,0.5000,\n"
    return archive(files)


def goal(plan: ImportPlan, title: str) -> ImportedGoal:
    return next(g for g in plan.goals if g.definition.title == title)


def wire(model: Any) -> Any:
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


def activities(imported: ImportedGoal) -> dict[str, dict[str, Any]]:
    return {
        a.fields.model_dump(mode="json")["activity_date"]: wire(a.fields)
        for a in imported.activities
    }


def reasons(plan: ImportPlan) -> dict[str, str]:
    return {s.source: s.reason for s in plan.skipped}


# A realistic export: a daily yes/no habit with every kind of checkmark, a name with a comma
# and quotes, unicode, numeric habits of both target types (one archived), an every-other-day
# habit, a malformed row, and a habit that was not selected for export.
REALISTIC = loop_export(
    [
        (
            habit_row(1, "Meditate", question="Did you meditate this morning?"),
            checkmarks(
                [
                    ("2026-01-06", "YES_MANUAL", ""),
                    ("2026-01-05", "YES_MANUAL", 'Calm, "deep" session\nsecond line'),
                    ("2026-01-04", "NO", ""),
                    ("2026-01-03", "SKIP", "Travelling"),
                    ("2026-01-02", "UNKNOWN", "Not sure"),
                    ("2026-01-01", "YES_AUTO", ""),
                ]
            ),
        ),
        (
            habit_row(2, 'Run, "fast"', numerator="3", denominator="7", description="5 km"),
            checkmarks([("2026-01-05", "YES_MANUAL", ""), ("2026-01-02", "YES_AUTO", "")]),
        ),
        (
            habit_row(3, "Água 💧", type="NUMERICAL", unit="ml", target_value="2000.0"),
            checkmarks([("2026-01-02", "2500000", "hot day"), ("2026-01-01", "0", "")]),
        ),
        (
            habit_row(
                4,
                "Cigarettes",
                type="NUMERICAL",
                unit="cigarettes",
                target_type="AT_MOST",
                target_value="5.0",
                denominator="7",
                archived="true",
            ),
            checkmarks([("2026-01-01", "3000", ""), ("2026-01-02", "SKIP", "")]),
        ),
        (
            habit_row(5, "Stretch", numerator="1", denominator="2"),
            checkmarks(
                [
                    ("2026-01-04", "YES_MANUAL", ""),
                    ("2026-13-45", "YES_MANUAL", ""),
                    ("2026-01-03", "MAYBE", ""),
                    ("2026-01-04", "YES_MANUAL", ""),
                    ("2026-01-02",),
                    ("1999-12-31", "YES_MANUAL", ""),
                    ("2999-01-01", "YES_MANUAL", ""),
                ]
            ),
        ),
        (["abc", "Broken", "YES_NO", "", "", "1", "1", "#000000", "", "", "", "false"], None),
        (["²", "Squared", "YES_NO", "", "", "1_0", "1", "#000000", "", "", "", "false"], None),
        (habit_row(7, "Not selected"), None),
    ]
)


def test_each_exported_habit_becomes_a_goal_with_its_settings():
    plan = parse_loop_archive(REALISTIC)
    assert plan.source_format == "loop-csv"
    assert [g.definition.title for g in plan.goals] == [
        "Meditate",
        'Run, "fast"',
        "Água 💧",
        "Cigarettes",
        "Stretch",
    ]
    meditate = goal(plan, "Meditate")
    assert meditate.source_id == "habit:1"
    assert meditate.status == "active"
    assert meditate.created_at == "2026-01-01T00:00:00Z"  # its first checkmark
    assert wire(meditate.definition) == {
        "title": "Meditate",
        "description": "Did you meditate this morning?",
        "color": "#FF8F00",
        "goalPattern": "recurring",
        "status": "active",
        "target": {"metric": "count", "value": 1, "period": "day", "targetType": "minimum"},
        "schedule": {"frequency": "daily"},
        "metadata": {
            "importedFrom": "Loop Habit Tracker",
            "loop": {"position": 1, "frequency": "1/1"},
        },
    }
    run = goal(plan, 'Run, "fast"')
    assert run.definition.description == "5 km"
    assert wire(run.definition.target) == {
        "metric": "count",
        "value": 3,
        "period": "week",
        "targetType": "minimum",
    }


def test_numeric_habits_become_goals_with_a_target_or_a_limit():
    plan = parse_loop_archive(REALISTIC)
    water = goal(plan, "Água 💧")
    assert water.definition.goal_pattern == "recurring"
    assert wire(water.definition.target) == {
        "metric": "custom",
        "value": 2000,
        "unit": "ml",
        "period": "day",
        "targetType": "minimum",
    }
    cigarettes = goal(plan, "Cigarettes")
    assert cigarettes.definition.goal_pattern == "limit"
    assert cigarettes.status == "archived"
    assert cigarettes.definition.status == "active"  # created, then archived by the writer
    assert wire(cigarettes.definition.target) == {
        "metric": "custom",
        "value": 5,
        "unit": "cigarettes",
        "period": "week",
        "targetType": "maximum",
    }
    assert cigarettes.definition.metadata == {
        "importedFrom": "Loop Habit Tracker",
        "loop": {"position": 4, "frequency": "1/7", "targetValue": 5.0, "targetType": "AT_MOST"},
    }


def test_done_and_skipped_days_become_activities_and_the_rest_do_not():
    meditate = goal(parse_loop_archive(REALISTIC), "Meditate")
    assert activities(meditate) == {
        "2026-01-06": {
            "activityType": "completed",
            "value": 1,
            "activityDate": "2026-01-06",
            "source": "import",
        },
        "2026-01-05": {
            "activityType": "completed",
            "value": 1,
            "activityDate": "2026-01-05",
            "source": "import",
            "note": 'Calm, "deep" session\nsecond line',
        },
        "2026-01-03": {
            "activityType": "skipped",
            "activityDate": "2026-01-03",
            "source": "import",
            "note": "Travelling",
        },
    }
    assert {a.source_id for a in meditate.activities} == {
        "habit:1:2026-01-06",
        "habit:1:2026-01-05",
        "habit:1:2026-01-03",
    }


def test_numeric_amounts_are_divided_by_1000_and_zero_is_kept():
    plan = parse_loop_archive(REALISTIC)
    water = activities(goal(plan, "Água 💧"))
    assert water["2026-01-02"]["value"] == 2500
    assert water["2026-01-02"]["note"] == "hot day"
    assert water["2026-01-01"]["value"] == 0
    assert {w["activityType"] for w in water.values()} == {"progress"}
    cigarettes = activities(goal(plan, "Cigarettes"))
    assert cigarettes["2026-01-01"]["value"] == 3
    assert cigarettes["2026-01-02"]["activityType"] == "skipped"


def test_what_cannot_be_used_is_reported_with_where_and_why():
    plan = parse_loop_archive(REALISTIC)
    found = reasons(plan)
    stretch = "005 Stretch/Checkmarks.csv"
    assert found == {
        "Habits.csv line 7 (Broken)": "its Position or frequency is not a whole number",
        "Habits.csv line 8 (Squared)": "its Position or frequency is not a whole number",
        "Habits.csv line 9 (Not selected)": (
            "its checkmarks are not in the archive (Loop exports the folders of the habits "
            "selected for export only)"
        ),
        # Line 7: the note of line 3 spans two lines.
        "001 Meditate/Checkmarks.csv line 7": (
            "a note on a day the habit was not done has no activity to keep it"
        ),
        f"{stretch} line 3": "'2026-13-45' is not a date (YYYY-MM-DD)",
        f"{stretch} line 4": "'MAYBE' is not a value Loop writes",
        f"{stretch} line 5": "2026-01-04 appears twice; the first is kept",
        f"{stretch} line 6": "the row has no value",
        f"{stretch} line 7": "1999-12-31 is before 2000, which goals do not accept",
        f"{stretch} line 8": "2999-01-01 lies in the future",
    }
    # The skip day's note went with its skipped activity; NO and YES_AUTO without notes
    # are nothing to report.
    assert len(plan.skipped) == len(found)
    assert [a.source_id for a in goal(plan, "Stretch").activities] == ["habit:5:2026-01-04"]


def test_parsing_is_deterministic():
    assert parse_loop_archive(REALISTIC) == parse_loop_archive(REALISTIC)


@pytest.mark.parametrize(
    "numerator, denominator, period, value, frequency",
    [
        (1, 1, "day", 1, "daily"),
        (1, 7, "week", 1, "weekly"),
        (3, 7, "week", 3, "weekly"),
        (2, 3, "week", 5, "weekly"),  # 4.67 a week
        (1, 2, "week", 4, "weekly"),  # every other day: 3.5 a week, rounded half up
        (1, 6, "week", 1, "weekly"),  # 1.17
        (1, 30, "month", 1, "monthly"),
        (4, 31, "month", 4, "monthly"),
        (1, 14, "month", 2, "monthly"),  # 2.14
        (1, 60, "quarter", 2, "custom"),  # 1.52
        (1, 365, "year", 1, "custom"),
        (1, 1000, "year", 1, "custom"),  # 0.37 a year: at least once
    ],
)
def test_loop_frequencies_become_the_nearest_goal_period(
    numerator, denominator, period, value, frequency
):
    data = loop_export(
        [(habit_row(1, "H", numerator=str(numerator), denominator=str(denominator)), "")]
    )
    definition = parse_loop_archive(data).goals[0].definition
    assert (definition.target.period, definition.target.value) == (period, value)
    assert definition.schedule is not None
    assert definition.schedule.frequency == frequency


def test_a_numeric_target_per_interval_is_scaled_to_the_period():
    row = habit_row(1, "Read", type="NUMERICAL", unit="pages", target_value="10.0", denominator="2")
    definition = parse_loop_archive(loop_export([(row, "")])).goals[0].definition
    assert (definition.target.period, definition.target.value) == ("week", 35)


def test_exports_from_before_loop_2_3_are_read():
    """No header in Checkmarks.csv, integer values, NumRepetitions/Interval, no type: yes/no
    habits import; a habit with amounts is numeric, and without its unit and target it is
    reported rather than guessed."""
    for header in (HEADER_2_0, HEADER_1_X):
        question = ["Did you?"] if "Question" in header else []
        rows = [
            ["001", "Floss", *question, "", "2", "7", "#00897B"],
            ["002", "Pushups", *question, "", "1", "1", "#00897B"],
        ]
        files: dict[str, str | bytes] = {
            "Habits.csv": csv_text([header, *rows]),
            "001 Floss/Checkmarks.csv": "2024-03-02,2\n2024-03-01,1\n2024-02-29,3\n2024-02-28,0\n",
            "002 Pushups/Checkmarks.csv": "2024-03-02,20000\n2024-03-01,0\n2024-13-01,1\n",
        }
        plan = parse_loop_archive(archive(files))
        assert [g.definition.title for g in plan.goals] == ["Floss"]
        floss = plan.goals[0]
        assert (floss.definition.target.period, floss.definition.target.value) == ("week", 2)
        assert {a.source_id: a.fields.activity_type for a in floss.activities} == {
            "habit:1:2024-03-02": "completed",
            "habit:1:2024-02-29": "skipped",
        }
        assert floss.status == "active"
        assert reasons(plan) == {
            "Habits.csv line 3 (Pushups)": (
                "it is a numeric habit, and Loop exports before version 2.3 leave out its unit "
                "and target: export again from an up-to-date Loop to import it"
            )
        }


def test_an_archive_zipped_again_around_its_folder_is_read():
    with zipfile.ZipFile(io.BytesIO(REALISTIC)) as zf:
        files: dict[str, str | bytes] = {
            f"Loop Habits CSV 2026-01-07/{info.filename}": zf.read(info) for info in zf.infolist()
        }
    files["__MACOSX/._Habits.csv"] = b"\x00\x05\x16\x07"
    plan = parse_loop_archive(archive(files))
    assert plan == parse_loop_archive(REALISTIC)


def test_habits_of_the_same_name_get_distinct_titles():
    data = loop_export(
        [
            (habit_row(1, "Read"), ""),
            (habit_row(2, "read "), ""),
            (habit_row(3, "Read", archived="true"), ""),
            (habit_row(4, ""), ""),
        ]
    )
    titles = [g.definition.title for g in parse_loop_archive(data).goals]
    assert titles == ["Read", "read (2)", "Read (3)", "Loop habit 4"]


def test_a_long_note_keeps_its_start_and_says_so():
    note = "ä" * 600
    plan = parse_loop_archive(
        loop_export([(habit_row(1, "H"), checkmarks([("2026-01-01", "YES_MANUAL", note)]))])
    )
    kept = plan.goals[0].activities[0].fields.note
    assert kept is not None
    assert len(kept) == 500
    assert note.startswith(kept[:-1])
    assert plan.skipped == (
        Skipped(
            "note",
            "001 H/Checkmarks.csv line 2",
            "its note is longer than 500 characters; the start is kept",
        ),
    )


def test_a_habit_that_cannot_be_a_goal_is_skipped_with_the_rule_it_breaks():
    rows = [
        (habit_row(1, "Zero", type="NUMERICAL", target_value="0.0"), "2026-99-99,5\n"),
        (habit_row(2, "Huge", type="NUMERICAL", target_value="1.0E15"), ""),
        (habit_row(3, "Weird", type="CHECKBOX"), ""),
        (habit_row(4, "NoZero", type="NUMERICAL", target_type="AT_MOST", target_value="0.0"), ""),
    ]
    plan = parse_loop_archive(loop_export(rows))
    assert [g.definition.title for g in plan.goals] == ["NoZero"]  # a limit of 0: none at all
    assert reasons(plan) == {
        "Habits.csv line 2 (Zero)": "it cannot be a goal here: target.value must be greater than 0",
        "Habits.csv line 3 (Huge)": (
            "it cannot be a goal here: target.value Input should be less than or equal to "
            "1000000000000"
        ),
        "Habits.csv line 4 (Weird)": "its type 'CHECKBOX' is not one Loop has",
    }


def test_a_yes_no_habit_with_an_amount_reports_the_row():
    plan = parse_loop_archive(loop_export([(habit_row(1, "H"), checkmarks([("2026-01-01", "7")]))]))
    assert reasons(plan) == {"001 H/Checkmarks.csv line 2": "7 is not a yes/no value"}


@pytest.mark.parametrize(
    "data, message",
    [
        (b"Position,Name\n001,Run\n", "not a readable ZIP archive"),
        (b"", "not a readable ZIP archive"),
        (archive({"notes.txt": "hello"}), "has no Habits.csv"),
        (archive({"Habits.csv": "Name,Color\nRun,#fff\n"}), "lacks the column(s) Position"),
        (archive({"Habits.csv": b"Position,Name\xff\n"}), "not UTF-8"),
        (archive({"Habits.csv": csv_text([HEADER]) + '001,"Run\n'}), "Habits.csv is not valid CSV"),
        (
            archive({"Habits.csv": csv_text([HEADER]), "a/Habits.csv": csv_text([HEADER])}),
            "more than one Habits.csv",
        ),
    ],
)
def test_a_file_that_is_not_a_loop_export_is_refused_with_a_reason(data, message):
    with pytest.raises(LoopArchiveError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_loop_archive(data)


def test_the_error_is_a_client_error_with_a_stable_code():
    with pytest.raises(LoopArchiveError) as caught:
        parse_loop_archive(b"nope")
    assert (caught.value.status, caught.value.code) == (400, "INVALID_LOOP_ARCHIVE")
    assert "Export as CSV" in caught.value.message


def test_a_zip_bomb_is_refused_without_being_unpacked():
    # 17 MiB of zeros compress to about 17 KB: one file past the per-file bound.
    habits = csv_text([HEADER, habit_row(1, "H")])
    bomb = archive({"Habits.csv": habits, "001 H/Checkmarks.csv": b"0" * (17 << 20)})
    assert len(bomb) < 100_000
    with pytest.raises(LoopArchiveError, match="unpacks to more than"):
        parse_loop_archive(bomb)


def test_the_uncompressed_total_is_bounded_across_files(monkeypatch):
    monkeypatch.setattr(loop, "MAX_TOTAL_BYTES", 1000)
    rows = [(habit_row(i, f"H{i}"), "2026-01-01,YES_MANUAL,\n" * 10) for i in range(1, 6)]
    with pytest.raises(LoopArchiveError, match="unpacks to more than"):
        parse_loop_archive(loop_export(rows))


def test_too_many_files_checkmarks_habits_or_bytes_are_refused(monkeypatch):
    many = archive({f"{i:03d} H/Checkmarks.csv": "" for i in range(5_001)})
    with pytest.raises(LoopArchiveError, match="more than 5,000 files"):
        parse_loop_archive(many)
    with pytest.raises(LoopArchiveError, match="larger than 10 MiB"):
        parse_loop_archive(b"PK" + b"\x00" * (10 << 20))
    monkeypatch.setattr(loop, "MAX_CHECKMARK_ROWS", 3)
    marks = checkmarks([(f"2026-01-0{d}", "YES_MANUAL", "") for d in range(1, 5)])
    with pytest.raises(LoopArchiveError, match="more than 3 checkmarks"):
        parse_loop_archive(loop_export([(habit_row(1, "H"), marks)]))
    monkeypatch.setattr(loop, "MAX_HABITS", 2)
    with pytest.raises(LoopArchiveError, match="more than 2 habits"):
        parse_loop_archive(loop_export([(habit_row(i, "H"), "") for i in range(1, 4)]))


# --- whatever the file, only LoopArchiveError escapes ---------------------------------------

CELLS = st.one_of(
    st.sampled_from(
        [
            "001",
            "YES_NO",
            "NUMERICAL",
            "AT_MOST",
            "AT_LEAST",
            "true",
            "NaN",
            "-1",
            "0",
            "7",
            "1e400",
        ]
    ),
    st.sampled_from(
        ["2026-01-01", "YES_MANUAL", "SKIP", "UNKNOWN", "99999999999999999", "²", "٣", "1_0", ""]
    ),
    st.text(max_size=30),
)
CSV_TEXT = st.lists(st.lists(CELLS, max_size=14), max_size=8).map(csv_text)
SLOPPY_TEXT = st.one_of(CSV_TEXT, st.text(max_size=200), st.binary(max_size=200))


def _expect_plan_or_clear_error(data: bytes) -> None:
    try:
        plan = parse_loop_archive(data)
    except LoopArchiveError as exc:
        message = exc.message
    else:
        assert isinstance(plan, ImportPlan)
        return
    assert message


# LOOP_FUZZ_EXAMPLES=5000 searches harder (about a minute); 150 keeps `make unit` quick.
FUZZ = settings(
    max_examples=int(os.environ.get("LOOP_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(st.binary(max_size=2_000))
def test_random_bytes_are_a_clear_error(data):
    _expect_plan_or_clear_error(data)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(REALISTIC) - 1), st.integers(0, 255)), max_size=8))
def test_a_damaged_export_is_a_plan_or_a_clear_error(flips):
    data = bytearray(REALISTIC)
    for offset, byte in flips:
        data[offset] = byte
    _expect_plan_or_clear_error(bytes(data))


@FUZZ
@given(
    habits=st.one_of(CSV_TEXT.map(lambda body: csv_text([HEADER]) + body), SLOPPY_TEXT),
    marks=st.dictionaries(
        st.sampled_from(["001 A", "002 B", "1", "0001 x y", "abc", "003"]),
        SLOPPY_TEXT,
        max_size=4,
    ),
)
def test_malformed_csv_inside_a_zip_is_a_plan_or_a_clear_error(habits, marks):
    files: dict[str, str | bytes] = {"Habits.csv": habits}
    files.update({f"{name}/Checkmarks.csv": text for name, text in marks.items()})
    _expect_plan_or_clear_error(archive(files))


def test_a_folder_no_habit_names_is_reported():
    data = loop_export([(habit_row(1, "H"), "")])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files: dict[str, str | bytes] = {info.filename: zf.read(info) for info in zf.infolist()}
    files["009 Gone/Checkmarks.csv"] = "Date,Value,Notes\n2026-01-01,YES_MANUAL,\n"
    files["001 Copy/Checkmarks.csv"] = "Date,Value,Notes\n"
    assert reasons(parse_loop_archive(archive(files))) == {
        "009 Gone/Checkmarks.csv": "no habit in Habits.csv has position 9",
        "001 Copy/Checkmarks.csv": "another folder already holds habit 1's checkmarks",
    }


def test_tomorrow_in_utc_may_be_today_somewhere_and_is_kept():
    tomorrow = (utc_now().date() + timedelta(days=1)).isoformat()
    later = (utc_now().date() + timedelta(days=2)).isoformat()
    marks = checkmarks([(later, "YES_MANUAL", ""), (tomorrow, "YES_MANUAL", "")])
    plan = parse_loop_archive(loop_export([(habit_row(1, "H"), marks)]))
    assert [a.source_id for a in plan.goals[0].activities] == [f"habit:1:{tomorrow}"]
    assert reasons(plan) == {"001 H/Checkmarks.csv line 2": f"{later} lies in the future"}
