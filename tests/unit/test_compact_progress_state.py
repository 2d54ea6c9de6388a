"""The progress state a goal item carries is stored compact (goals/compact.py), and states
stored before that shape (in production) read the same."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from chalicelib.goals import compact
from chalicelib.goals.progress import Fold, Totals
from chalicelib.goals.progress_state import ProgressState

# A `progressState` as goal items stored it before the compact shape (from a seeded goal).
OLD_STATE = {
    "fold": {
        "through": "2026-12-01",
        "period_total": 0,
        "period_positive": 0,
        "period_skipped": False,
        "period_last": None,
        "period_days": 0,
        "period_excused_days": 0,
        "ended": 364,
        "achieved": 8,
        "excused": 25,
        "over": 0,
        "sum_totals": 1693,
        "run": 0,
        "run_skips": 0,
        "longest": 2,
        "score": 0.5667079986722421,
        "history": [
            ["2026-11-28", False, 6],
            ["2026-11-29", False, 3, True],
            ["2026-11-30", True, 9.5],
            ["2026-12-01", False, 5],
        ],
    },
    "openDay": "2026-12-02",
    "openAggregate": {
        "day": "2026-12-02",
        "total": 13,
        "valueCount": 8,
        "positiveCount": 8,
        "skipped": 0,
        "counts": {"progress": 8, "completed": 0, "partial": 0, "skipped": 0},
        "min": 1,
        "max": 3,
        "lastValue": 2,
        "lastValueAt": "2026-12-02T06:31:13.993Z",
        "lastAt": "2026-12-02T06:31:13.993Z",
        "timeOfDay": {
            "early-morning": {"count": 7, "sum": 12},
            "morning": {"count": 0, "sum": 0},
            "afternoon": {"count": 0, "sum": 0},
            "evening": {"count": 0, "sum": 0},
            "night": {"count": 1, "sum": 1},
        },
    },
    "totals": {
        "total_values": 1706,
        "value_count": 980,
        "first_activity_day": "2025-12-03",
        "last_activity_at": "2026-12-02T06:31:13.993Z",
        "latest_measurement": 2,
        "latest_measurement_day": "2026-12-02",
        "recent_measurements": [3, 2, 2, 2, 2],
        "fit_origin": "2025-12-03",
        "fit": [365, 66430, 618, 16142490, 112742],
    },
    "firstDay": "2025-12-03",
    "timezone": "UTC",
    "dayStartHour": 0,
    "longestEver": 2,
}


def test_a_state_stored_in_the_old_shape_reads_the_same_and_writes_back_compact():
    state = ProgressState.from_item(OLD_STATE)
    assert state.fold.ended == 364
    assert state.fold.score == 0.5667079986722421
    assert state.fold.history[1] == ["2026-11-29", False, 3, True]
    assert state.open_aggregate.count_of("progress") == 8
    assert state.open_aggregate.last_value_at == "2026-12-02T06:31:13.993Z"
    assert state.totals.fit == (365, 66430, 618, 16142490, 112742)
    assert state.totals.recent_measurements == (3, 2, 2, 2, 2)
    stored = state.to_item()
    assert ProgressState.from_item(stored) == state
    assert stored["fold"]["h"] == {"k": "2026-12-01", "v": "6,3,9.5,5", "a": 0b100, "x": 0b10}
    assert "period_total" not in str(stored)
    assert "history" not in stored["fold"]
    assert len(str(stored)) < 0.6 * len(str(OLD_STATE))


def test_instants_are_stored_as_milliseconds_and_read_in_either_form():
    instant = "2026-12-02T06:31:13.993Z"
    assert compact.pack_instant(instant) == 1796193073993
    assert compact.unpack_instant(1796193073993) == instant
    assert compact.unpack_instant(instant) == instant
    assert compact.pack_instant("2026-12-02T07:31:13.993+01:00") == "2026-12-02T07:31:13.993+01:00"
    assert compact.pack_instant(None) is None


def test_the_folds_day_is_left_out_when_it_is_the_day_before_the_open_one():
    state = ProgressState.from_item(OLD_STATE)
    assert "t" not in state.to_item()["fold"]  # through 2026-12-01, open 2026-12-02
    created_today = replace(state, fold=Fold())
    assert created_today.to_item()["fold"] == {"t": None}
    assert ProgressState.from_item(created_today.to_item()) == created_today
    behind = replace(state, fold=replace(state.fold, through="2026-11-20"))
    assert behind.to_item()["fold"]["t"] == "2026-11-20"
    assert ProgressState.from_item(behind.to_item()) == behind


def test_a_fold_at_its_defaults_is_stored_as_nothing():
    assert Fold().to_item() == {}
    assert Fold.from_item({}) == Fold()
    assert Fold.from_item(None) == Fold()
    assert Totals().to_item() == {}
    assert Totals.from_item({}) == Totals()


@pytest.mark.parametrize(
    "last, count",
    [
        ("2026-03-02", 30),  # days across the end of February
        ("2027-W02", 30),  # ISO weeks across a year with 53
        ("2026-02", 30),
        ("2026-Q1", 9),
        ("2026", 4),
    ],
)
def test_a_history_of_consecutive_periods_packs_into_one_key(last: str, count: int):
    keys = compact._keys_ending(last, count)
    assert len(set(keys)) == count
    assert keys[-1] == last
    assert keys == sorted(keys)
    history = [
        [key, index % 3 == 0, index * 1.5, *([True] if index % 3 == 1 else [])]
        for index, key in enumerate(keys)
    ]
    packed = compact.pack_history(history)
    assert isinstance(packed, dict)
    assert packed["k"] == last
    assert compact.unpack_history(packed) == history
    fold = Fold(ended=count, history=history)
    assert Fold.from_item(fold.to_item()) == fold


def test_a_history_that_is_not_consecutive_is_kept_as_it_is():
    day = date(2026, 11, 1)
    history = [[(day + timedelta(days=2 * n)).isoformat(), False, n] for n in range(3)]
    assert compact.pack_history(history) == history
    assert Fold.from_item(Fold(history=history).to_item()).history == history
