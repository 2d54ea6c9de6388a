"""Pause and vacation scenarios with hand-computed numbers (docs/progress-rules.md, "Pauses and
vacations"): each test is one scenario of that document, with its numbers."""

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from chalicelib.core.errors import BusinessRuleViolation, ValidationFailed
from chalicelib.core.local_time import LocalTime
from chalicelib.goals import pausing
from chalicelib.goals.models import PauseFields
from chalicelib.goals.pauses import DateRange, excused_day, vacations_of
from tests.progress_helpers import make_goal, progress_of

BERLIN = LocalTime("Europe/Berlin", 0)
M = 0.5 ** (1 / 13)  # Loop's multiplier for a daily habit (f = 1)


def pauses(*ranges: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"from": start, "until": until} for start, until in ranges]


def history(progress: dict[str, Any]) -> list[tuple[str, bool, float | None, bool]]:
    return [
        (entry["period"], entry["achieved"], entry["value"], entry["excused"])
        for entry in progress["periodHistory"]
    ]


def test_scenario_1_a_daily_habit_paused_for_three_days_keeps_its_streak():
    goal = make_goal("recurring", {"value": 1, "period": "day"})  # created 2026-11-20
    goal = replace(goal, pauses=pauses(("2026-11-23", "2026-11-25")))
    logs = [(f"2026-11-{day}T08:00:00Z", 1, "progress") for day in (20, 21, 22, 26, 27)]
    progress = progress_of(goal, logs, "2026-11-28T10:00:00Z")
    assert progress["successRate"] == 100.0  # 5 achieved of 8 ended less 3 excused
    assert progress["currentStreak"] == 5  # 3, bridged over the pause, then 4 and 5
    assert progress["longestStreak"] == 5
    assert progress["strength"] == 23.4  # (1 - m^5) * 100: the paused days leave it alone
    assert progress["strength"] == round((1 - M**5) * 100, 2)
    assert history(progress) == [
        ("2026-11-20", True, 1, False),
        ("2026-11-21", True, 1, False),
        ("2026-11-22", True, 1, False),
        ("2026-11-23", False, 0, True),
        ("2026-11-24", False, 0, True),
        ("2026-11-25", False, 0, True),
        ("2026-11-26", True, 1, False),
        ("2026-11-27", True, 1, False),
        ("2026-11-28", False, 0, False),
    ]
    unpaused = progress_of(replace(goal, pauses=[]), logs, "2026-11-28T10:00:00Z")
    assert (unpaused["successRate"], unpaused["currentStreak"]) == (62.5, 2)


def test_scenario_2_weeks_partly_paused_are_excused_unless_achieved_wholly_paused_always():
    goal = make_goal("recurring", {"value": 3, "period": "week"}, created="2026-11-16T10:00:00Z")
    goal = replace(goal, pauses=pauses(("2026-11-23", "2026-11-25"), ("2026-12-07", "2026-12-13")))
    logs = [
        ("2026-11-18T10:00:00Z", 4, "progress"),
        ("2026-11-27T10:00:00Z", 1, "progress"),
        ("2026-12-02T10:00:00Z", 3, "progress"),
        ("2026-12-09T10:00:00Z", 5, "progress"),
    ]
    progress = progress_of(goal, logs, "2026-12-14T10:00:00Z")
    assert history(progress) == [
        ("2026-W47", True, 4, False),
        ("2026-W48", False, 1, True),  # 3 of 7 days paused and 1 < 3: excused
        ("2026-W49", True, 3, False),
        ("2026-W50", False, 5, True),  # wholly paused: excused though 5 >= 3
        ("2026-W51", False, 0, False),
    ]
    assert progress["successRate"] == 100.0  # 2 achieved of 4 ended less 2 excused
    assert progress["currentStreak"] == 2
    assert progress["averageValue"] == 2.6  # (4 + 1 + 3 + 5 + 0) / 5: totals still count


def test_scenario_3_a_vacation_excuses_a_limit_goal():
    goal = make_goal("limit", {"value": 60, "period": "day", "targetType": "maximum"})
    goal = replace(goal, vacations=pauses(("2026-11-22", "2026-11-24")))
    logs = [
        ("2026-11-20T20:00:00Z", 30, "progress"),
        ("2026-11-21T20:00:00Z", 90, "progress"),
        ("2026-11-22T20:00:00Z", 200, "progress"),
        ("2026-11-25T20:00:00Z", 45, "progress"),
    ]
    progress = progress_of(goal, logs, "2026-11-26T10:00:00Z")
    assert progress["successRate"] == 66.67  # within on the 20th and 25th; over on the 21st
    assert progress["daysOverLimit"] == 1  # the 200 on vacation is not counted over
    assert progress["strength"] == 97.54  # from 1: credits 1, 0.5, 1 on the days not excused
    score = ((1 * M + (1 - M)) * M + 0.5 * (1 - M)) * M + (1 - M)
    assert progress["strength"] == round(score * 100, 2)
    assert [entry[3] for entry in history(progress)] == [
        False,
        False,
        True,
        True,
        True,
        False,
        False,
    ]


def test_scenario_4_a_pause_across_the_end_of_summer_time_counts_local_dates():
    """Berlin leaves summer time on 2026-10-25 (03:00 CEST -> 02:00 CET)."""
    goal = make_goal("streak", {"value": 7}, created="2026-10-22T08:00:00Z")
    goal = replace(goal, pauses=pauses(("2026-10-24", "2026-10-26")))
    logs = [
        ("2026-10-22T18:00:00Z", 1, "completed"),
        ("2026-10-23T18:00:00Z", 1, "completed"),
        ("2026-10-24T22:30:00Z", 1, "completed"),  # 00:30 CEST on the 25th: paused
        ("2026-10-26T23:30:00Z", 1, "completed"),  # 00:30 CET on the 27th: counts
    ]
    progress = progress_of(goal, logs, "2026-10-28T11:00:00Z", BERLIN)
    assert history(progress) == [
        ("2026-10-22", True, 1, False),
        ("2026-10-23", True, 1, False),
        ("2026-10-24", False, 0, True),
        ("2026-10-25", False, 1, True),
        ("2026-10-26", False, 0, True),
        ("2026-10-27", True, 1, False),
        ("2026-10-28", False, 0, False),
    ]
    assert progress["currentStreak"] == 3
    assert progress["percentComplete"] == 42.86  # 3 / 7
    assert progress["successRate"] == 100.0
    assert progress["strength"] == 14.78  # (1 - m^3) * 100
    assert [entry["date"] for entry in progress["periodHistory"][2:5]] == [
        "2026-10-23T22:00:00.000Z",  # midnight CEST
        "2026-10-24T22:00:00.000Z",  # midnight CEST: this day lasts 25 hours
        "2026-10-25T23:00:00.000Z",  # midnight CET
    ]


def test_scenario_5_resuming_makes_today_count_again_exactly():
    goal = replace(
        make_goal("recurring", {"value": 1, "period": "day"}),
        status="paused",
        pauses=pauses(("2026-11-23", None)),
    )
    resumed, status = pausing.resume(goal, date(2026, 11, 26), date(2026, 11, 20))
    assert (resumed, status) == (pauses(("2026-11-23", "2026-11-25")), "active")
    goal = replace(goal, pauses=resumed, status=status)
    logs = [(f"2026-11-{day}T08:00:00Z", 1, "progress") for day in (20, 21, 22)]
    # Nothing logged on the 26th: the day it was resumed fails once it has ended.
    progress = progress_of(goal, logs, "2026-11-27T10:00:00Z")
    assert history(progress)[-2:] == [
        ("2026-11-26", False, 0, False),
        ("2026-11-27", False, 0, False),
    ]
    assert (progress["currentStreak"], progress["successRate"]) == (0, 75.0)  # 3 of 4
    # A pause begun and resumed on the same day leaves nothing behind.
    today = replace(goal, status="paused", pauses=pauses(("2026-11-26", None)))
    assert pausing.resume(today, date(2026, 11, 26), date(2026, 11, 20)) == ([], "active")


def test_scenario_6_the_open_period_while_paused_is_never_over_the_limit():
    goal = make_goal("limit", {"value": 60, "period": "day", "targetType": "maximum"})
    logs = [("2026-11-21T20:00:00Z", 30, "progress"), ("2026-11-22T08:00:00Z", 200, "progress")]
    over = progress_of(goal, logs, "2026-11-22T10:00:00Z")
    # The 20th (nothing) and the 21st (30) were within; today is over already.
    assert (over["daysOverLimit"], over["successRate"]) == (1, 66.67)
    paused = progress_of(
        replace(goal, pauses=pauses(("2026-11-22", None))), logs, "2026-11-22T10:00:00Z"
    )
    assert (paused["daysOverLimit"], paused["successRate"]) == (0, 100.0)
    assert paused["periodHistory"][-1]["excused"] is True


def test_excused_day_covers_pauses_vacations_and_a_legacy_paused_status():
    goal = replace(make_goal("streak", {"value": 3}), pauses=pauses(("2026-11-23", "2026-11-24")))
    vacations = vacations_of({"vacations": pauses(("2026-12-01", None))})
    assert vacations == (DateRange(date(2026, 12, 1)),)
    assert [excused_day(goal, date(2026, 11, d), vacations) for d in (22, 23, 24, 25)] == [
        False,
        True,
        True,
        False,
    ]
    assert excused_day(goal, date(2027, 5, 1), vacations)
    legacy = replace(goal, pauses=[], status="paused", updated_at="2026-11-27T09:00:00.000Z")
    assert not excused_day(legacy, date(2026, 11, 26), ())
    assert excused_day(legacy, date(2026, 11, 27), ())


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({"from": "2026-11-25", "until": "2026-11-24"}, "until"),
        ({"from": "2026-11-01", "until": "2027-11-02"}, "until"),  # 367 days
        ({"from": "2026-11-19"}, "from"),  # before the goal's first day
        ({"from": "2027-12-01"}, "from"),  # more than a year ahead
    ],
)
def test_malformed_pauses_are_refused(fields, problem):
    from chalicelib.core.validation import parse

    goal = make_goal("streak", {"value": 3})
    change = pausing.pause(parse(PauseFields, fields))
    with pytest.raises(ValidationFailed) as caught:
        change(goal, date(2026, 11, 26), date(2026, 11, 20))
    assert caught.value.errors[0]["field"] == problem


def test_overlapping_pauses_too_many_and_unpausable_goals_are_refused():
    goal = replace(make_goal("streak", {"value": 3}), pauses=pauses(("2026-11-23", None)))
    overlapping = pausing.pause(PauseFields.model_validate({"from": "2026-12-01"}))
    with pytest.raises(BusinessRuleViolation) as caught:
        overlapping(goal, date(2026, 11, 26), date(2026, 11, 20))
    assert caught.value.code == "PAUSE_OVERLAPS"
    full = replace(
        goal,
        pauses=[
            {
                "from": date.fromordinal(date(2027, 1, 1).toordinal() + 2 * n).isoformat(),
                "until": None,
            }
            | {"until": date.fromordinal(date(2027, 1, 1).toordinal() + 2 * n).isoformat()}
            for n in range(50)
        ],
    )
    with pytest.raises(BusinessRuleViolation) as caught:
        pausing.pause(PauseFields())(full, date(2026, 11, 26), date(2026, 11, 20))
    assert caught.value.code == "TOO_MANY_PAUSES"
    with pytest.raises(BusinessRuleViolation) as caught:
        pausing.pause(PauseFields())(
            replace(goal, status="completed"), date(2026, 11, 26), date(2026, 11, 20)
        )
    assert caught.value.code == "INVALID_STATUS_TRANSITION"


def test_pausing_now_without_an_end_sets_the_status_and_a_dated_pause_does_not():
    goal = make_goal("streak", {"value": 3})
    now = pausing.pause(PauseFields())(goal, date(2026, 11, 26), date(2026, 11, 20))
    assert now == (pauses(("2026-11-26", None)), "paused")
    dated = pausing.pause(
        PauseFields.model_validate({"from": "2026-11-23", "until": "2026-11-27", "reason": "Flu"})
    )(goal, date(2026, 11, 26), date(2026, 11, 20))
    assert dated == ([{"from": "2026-11-23", "until": "2026-11-27", "reason": "Flu"}], "active")
    cancelled = pausing.cancel("2026-11-26")(
        replace(goal, status="paused", pauses=now[0]), date(2026, 11, 26), date(2026, 11, 20)
    )
    assert cancelled == ([], "active")
    assert pausing.pauses_for_status(goal, "paused", date(2026, 11, 26)) == now[0]
