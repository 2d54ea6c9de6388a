"""Progress scenarios with hand-computed numbers (docs/progress-rules.md), on the pure engine."""

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.core.local_time import LocalTime, period_key
from chalicelib.goals.progress_state import current_progress, reaches_completion, recompute
from tests.progress_helpers import UTC_CLOCK, aggregates_of, at, make_goal, progress_of

DAILY_WATER = {"value": 8, "period": "day", "unit": "glasses"}


def test_recurring_success_rate_streak_and_excused_skip():
    goal = make_goal("recurring", DAILY_WATER)
    progress = progress_of(
        goal,
        [
            ("2026-11-20T12:00:00Z", 8, "progress"),  # achieved
            ("2026-11-21T12:00:00Z", 5, "progress"),  # missed
            ("2026-11-22T12:00:00Z", 0, "skipped"),  # excused: not counted
            ("2026-11-23T12:00:00Z", 10, "completed"),  # achieved
            ("2026-11-24T09:00:00Z", 3, "partial"),  # today, open
        ],
        now="2026-11-24T12:00:00Z",
    )
    assert progress["currentPeriodValue"] == 3
    assert progress["percentComplete"] == 37.5
    assert progress["successRate"] == 66.67  # 2 achieved of 3 counted
    assert progress["currentStreak"] == 1
    assert progress["longestStreak"] == 1
    assert progress["lastActivityDate"].startswith("2026-11-24T09:00:00")
    assert [entry["value"] for entry in progress["periodHistory"]] == [8, 5, 0, 10, 3]
    assert progress["periodHistory"][-1]["date"] == "2026-11-24T00:00:00.000Z"


def test_the_open_period_counts_once_achieved_and_never_fails():
    goal = make_goal("recurring", DAILY_WATER)
    achieved_today = progress_of(
        goal, [("2026-11-20T12:00:00Z", 8, "progress")], now="2026-11-20T18:00:00Z"
    )
    assert achieved_today["successRate"] == 100.0
    assert achieved_today["currentStreak"] == 1
    nothing_yet = progress_of(goal, [], now="2026-11-20T18:00:00Z")
    assert nothing_yet["successRate"] == 0.0
    assert nothing_yet["currentStreak"] == 0


def test_no_failures_before_the_goal_existed():
    # Fixes an older system that counted 30 empty days before the goal was created.
    goal = make_goal("recurring", DAILY_WATER, created="2026-11-24T08:00:00Z")
    progress = progress_of(
        goal, [("2026-11-24T09:00:00Z", 8, "progress")], now="2026-11-24T12:00:00Z"
    )
    assert progress["successRate"] == 100.0
    assert len(progress["periodHistory"]) == 1


def test_a_backdated_activity_moves_the_first_period_earlier():
    goal = make_goal("recurring", DAILY_WATER, created="2026-11-24T08:00:00Z")
    progress = progress_of(
        goal, [("2026-11-21T09:00:00Z", 8, "progress")], now="2026-11-24T12:00:00Z"
    )
    # Days 21 (achieved), 22 and 23 (missed) have ended; today is open and empty.
    assert progress["successRate"] == 33.33
    assert [entry["period"] for entry in progress["periodHistory"]] == [
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
        "2026-11-24",
    ]


@pytest.mark.parametrize("allow, expected_streak", [(1, 3), (0, 1)])
def test_skips_bridge_a_streak_only_within_allow_skip_days(allow, expected_streak):
    goal = make_goal("streak", {"value": 30}, schedule={"allowSkipDays": allow})
    progress = progress_of(
        goal,
        [
            ("2026-11-20T12:00:00Z", 1, "completed"),
            ("2026-11-21T12:00:00Z", 1, "completed"),
            ("2026-11-22T12:00:00Z", 0, "skipped"),
            ("2026-11-23T12:00:00Z", 1, "completed"),
        ],
        now="2026-11-23T20:00:00Z",
    )
    assert progress["currentStreak"] == expected_streak
    assert progress["targetStreak"] == 30
    assert progress["percentComplete"] == round(expected_streak / 30 * 100, 2)


def test_skips_beyond_the_allowance_break_the_run():
    goal = make_goal("streak", {"value": 30}, schedule={"allowSkipDays": 1})
    progress = progress_of(
        goal,
        [
            ("2026-11-20T12:00:00Z", 1, "completed"),
            ("2026-11-21T12:00:00Z", 0, "skipped"),  # bridged (1 of 1)
            ("2026-11-22T12:00:00Z", 0, "skipped"),  # one too many: the run breaks
            ("2026-11-23T12:00:00Z", 1, "completed"),
        ],
        now="2026-11-23T20:00:00Z",
    )
    assert progress["currentStreak"] == 1
    assert progress["longestStreak"] == 1


def test_streak_reaches_its_target():
    goal = make_goal("streak", {"value": 3})
    progress = progress_of(
        goal,
        [(f"2026-11-{day}T07:00:00Z", 10, "progress") for day in (20, 21, 22)],
        now="2026-11-22T08:00:00Z",
    )
    assert progress["currentStreak"] == 3
    assert progress["percentComplete"] == 100.0


def test_an_empty_open_day_does_not_break_a_streak_but_an_ended_one_does():
    goal = make_goal("streak", {"value": 10})
    activities = [(f"2026-11-{day}T07:00:00Z", 1, "progress") for day in (20, 21)]
    assert progress_of(goal, activities, now="2026-11-22T23:00:00Z")["currentStreak"] == 2
    assert progress_of(goal, activities, now="2026-11-23T01:00:00Z")["currentStreak"] == 0


def test_dst_change_keeps_local_dates():
    # New York leaves daylight saving on 2026-11-01: 01:30 EDT and 23:30 EST are both Nov 1.
    new_york = LocalTime("America/New_York", 0)
    goal = make_goal("recurring", DAILY_WATER, created="2026-10-30T12:00:00Z")
    progress = progress_of(
        goal,
        [("2026-11-01T05:30:00Z", 4, "progress"), ("2026-11-02T04:30:00Z", 4, "progress")],
        now="2026-11-02T15:00:00Z",
        local=new_york,
    )
    history = {entry["period"]: entry for entry in progress["periodHistory"]}
    assert history["2026-11-01"]["value"] == 8
    assert history["2026-11-01"]["achieved"] is True
    assert history["2026-11-01"]["date"] == "2026-11-01T04:00:00.000Z"  # midnight EDT
    assert history["2026-11-02"]["date"] == "2026-11-02T05:00:00.000Z"  # midnight EST


def test_iso_week_across_new_year():
    assert period_key(date(2027, 1, 2), "week") == "2026-W53"
    goal = make_goal(
        "recurring", {"value": 3, "period": "week", "unit": "runs"}, created="2026-12-28T08:00:00Z"
    )
    progress = progress_of(
        goal,
        [("2026-12-31T18:00:00Z", 1, "progress"), ("2027-01-02T09:00:00Z", 2, "progress")],
        now="2027-01-03T12:00:00Z",
    )
    assert progress["periodHistory"][-1]["period"] == "2026-W53"
    assert progress["currentPeriodValue"] == 3
    assert progress["percentComplete"] == 100.0


def test_day_start_hour_puts_a_night_owls_1_30_on_yesterday():
    night_owl = LocalTime("Europe/Berlin", 3)
    goal = make_goal("recurring", DAILY_WATER, created="2026-11-20T10:00:00Z")
    # 01:30 in Berlin (UTC+1) on Nov 22 is 00:30 UTC: with dayStartHour 3 it belongs to Nov 21.
    progress = progress_of(
        goal,
        [("2026-11-21T19:00:00Z", 4, "progress"), ("2026-11-22T00:30:00Z", 4, "progress")],
        now="2026-11-22T12:00:00Z",
        local=night_owl,
    )
    history = {entry["period"]: entry["value"] for entry in progress["periodHistory"]}
    assert history["2026-11-21"] == 8
    assert progress["currentPeriodValue"] == 0


def test_milestone_total_remaining_and_projection():
    goal = make_goal(
        "milestone",
        {"value": 20, "currentValue": 2, "startValue": 2},
        created="2026-11-01T08:00:00Z",
    )
    progress = progress_of(
        goal,
        [("2026-11-10T12:00:00Z", 4, "progress"), ("2026-11-19T12:00:00Z", 6, "progress")],
        now="2026-11-19T18:00:00Z",
    )
    assert progress["totalAccumulated"] == 12
    assert progress["remainingToGoal"] == 8
    assert progress["percentComplete"] == 60.0
    # 10 over the 10 days since the first activity: 1 a day, 8 to go.
    assert progress["projectedCompletion"] == "2026-11-27T00:00:00.000Z"


def test_milestone_projection_needs_two_points():
    goal = make_goal("milestone", {"value": 20})
    progress = progress_of(
        goal, [("2026-11-20T12:00:00Z", 4, "progress")], now="2026-11-21T12:00:00Z"
    )
    assert progress["projectedCompletion"] is None


def test_target_moving_away_gives_zero_and_towards_gives_share():
    goal = make_goal(
        "target",
        {"value": 180, "startValue": 200, "targetDate": "2027-06-01"},
        created="2026-11-01T08:00:00Z",
    )
    away = progress_of(
        goal, [("2026-11-02T07:00:00Z", 205, "progress")], now="2026-11-03T07:00:00Z"
    )
    assert away["percentComplete"] == 0.0
    towards = progress_of(
        goal,
        [
            ("2026-11-02T07:00:00Z", 198, "progress"),
            ("2026-11-09T07:00:00Z", 195, "progress"),
            ("2026-11-16T07:00:00Z", 190, "progress"),
        ],
        now="2026-11-17T07:00:00Z",
    )
    assert towards["currentPeriodValue"] == 190
    assert towards["percentComplete"] == 50.0
    assert towards["remainingToGoal"] == 10
    assert towards["trend"] == "improving"  # falling weight, and less is better here
    # Least squares over (0, 198), (7, 195), (14, 190): -4/7 a day; 10 to go from Nov 16.
    assert towards["projectedCompletion"] == "2026-12-04T00:00:00.000Z"


def test_target_without_measurements_uses_given_current_value():
    goal = make_goal(
        "target", {"value": 180, "startValue": 200, "currentValue": 190, "targetDate": "2027-06-01"}
    )
    progress = progress_of(goal, [], now="2026-11-21T07:00:00Z")
    assert progress["percentComplete"] == 50.0


def test_limit_success_rate_days_over_average_and_trend():
    goal = make_goal(
        "limit", {"value": 120, "period": "day", "targetType": "maximum", "unit": "minutes"}
    )
    progress = progress_of(
        goal,
        [
            ("2026-11-20T20:00:00Z", 100, "progress"),
            ("2026-11-21T20:00:00Z", 150, "progress"),
            ("2026-11-22T20:00:00Z", 90, "progress"),
            ("2026-11-23T10:00:00Z", 130, "progress"),  # today, already over: counted
        ],
        now="2026-11-23T12:00:00Z",
    )
    assert progress["successRate"] == 50.0
    assert progress["percentComplete"] == 50.0
    assert progress["daysOverLimit"] == 2
    assert progress["averageValue"] == 117.5
    # Totals 100, 150, 90: a falling slope, and for a limit falling is better.
    assert progress["trend"] == "improving"


def test_limit_with_nothing_counted_is_100_and_rising_screen_time_is_declining():
    goal = make_goal("limit", {"value": 120, "period": "day"}, created="2026-11-23T08:00:00Z")
    assert progress_of(goal, [], now="2026-11-23T12:00:00Z")["successRate"] == 100.0
    rising = make_goal("limit", {"value": 500, "period": "day"})
    progress = progress_of(
        rising,
        [(f"2026-11-2{day}T20:00:00Z", 100 + 50 * day, "progress") for day in range(0, 4)],
        now="2026-11-24T12:00:00Z",
    )
    # Fixes an older system that called rising screen time "improving".
    assert progress["trend"] == "declining"


def test_trend_is_stable_with_fewer_than_two_points_or_a_flat_slope():
    goal = make_goal("recurring", DAILY_WATER)
    one = progress_of(goal, [("2026-11-20T12:00:00Z", 8, "progress")], now="2026-11-21T12:00:00Z")
    assert one["trend"] == "stable"
    flat = progress_of(
        goal,
        [(f"2026-11-2{day}T12:00:00Z", 8, "progress") for day in range(4)],
        now="2026-11-24T12:00:00Z",
    )
    assert flat["trend"] == "stable"


def test_habit_strength_follows_loop_habit_trackers_formula():
    goal = make_goal("recurring", DAILY_WATER)
    multiplier = 0.5 ** (1 / 13)
    one_day = progress_of(
        goal, [("2026-11-20T12:00:00Z", 8, "progress")], now="2026-11-21T12:00:00Z"
    )
    assert one_day["strength"] == round((1 - multiplier) * 100, 2)
    half = progress_of(goal, [("2026-11-20T12:00:00Z", 4, "progress")], now="2026-11-21T12:00:00Z")
    assert half["strength"] == round(0.5 * (1 - multiplier) * 100, 2)
    skipped = progress_of(
        goal,
        [("2026-11-20T12:00:00Z", 8, "progress"), ("2026-11-21T12:00:00Z", 0, "skipped")],
        now="2026-11-22T12:00:00Z",
    )
    assert skipped["strength"] == one_day["strength"]  # a skipped day changes nothing


@pytest.mark.parametrize(
    "later", ["2026-11-25T12:00:00Z", "2026-12-10T12:00:00Z", "2027-03-01T12:00:00Z"]
)
def test_reading_later_equals_recomputing_later(later):
    """The state stored at a write, advanced at read time, matches a fresh computation."""
    goal = make_goal("recurring", {"value": 3, "period": "week"}, schedule={"allowSkipDays": 1})
    activities = [
        ("2026-11-20T12:00:00Z", 2, "progress"),
        ("2026-11-23T12:00:00Z", 3, "progress"),
        ("2026-11-24T09:00:00Z", 1, "progress"),
    ]
    written = at("2026-11-24T12:00:00Z")
    aggregates = aggregates_of(activities, UTC_CLOCK)
    stored = replace(goal, progress_state=recompute(goal, aggregates, written, UTC_CLOCK).state)
    advanced = current_progress(stored, at(later), UTC_CLOCK)
    fresh = progress_of(goal, activities, now=later)
    assert advanced == fresh


# Projections far beyond any plan (issue 10, item 1): a rate that needs thousands of years
# used to overflow date arithmetic past year 9999 and answer 500 on the log or on a later read.
@pytest.mark.parametrize(
    "goal, activities, now",
    [
        (
            make_goal("milestone", {"value": 10_000_000}),
            [("2026-11-20T11:00:00Z", 1, "progress"), ("2026-11-20T12:00:00Z", 1, "progress")],
            "2026-11-20T13:00:00Z",
        ),
        # 2 a day on the day of the logs (5,476 years out); 1 a day one day later (10,950 years).
        (
            make_goal("milestone", {"value": 4_000_002}),
            [("2026-11-20T11:00:00Z", 1, "progress"), ("2026-11-20T12:00:00Z", 1, "progress")],
            "2026-11-21T13:00:00Z",
        ),
        (
            make_goal("target", {"value": 1e12, "startValue": 0, "targetDate": "2030-01-01"}),
            [("2026-11-20T11:00:00Z", 1, "progress"), ("2026-11-21T11:00:00Z", 2, "progress")],
            "2026-11-21T13:00:00Z",
        ),
    ],
)
def test_a_projection_beyond_the_horizon_is_null(goal, activities, now):
    progress = progress_of(goal, activities, now)
    assert progress["projectedCompletion"] is None
    assert progress["percentComplete"] < 1


def test_a_projection_inside_the_horizon_is_a_date():
    # 1 a day from Nov 20, 1,000 to go: 1,000 days after today (Nov 21).
    goal = make_goal("milestone", {"value": 1_002})
    progress = progress_of(
        goal,
        [("2026-11-20T11:00:00Z", 1, "progress"), ("2026-11-21T11:00:00Z", 1, "progress")],
        now="2026-11-21T13:00:00Z",
    )
    assert progress["projectedCompletion"] == "2029-08-17T00:00:00.000Z"


def test_success_rate_is_the_share_of_the_way_for_milestone_and_target_goals():
    milestone = progress_of(
        make_goal("milestone", {"value": 20, "startValue": 2}),
        [("2026-11-20T12:00:00Z", 10, "progress")],
        now="2026-11-21T12:00:00Z",
    )
    assert milestone["successRate"] == milestone["percentComplete"] == 60.0
    target = progress_of(
        make_goal("target", {"value": 180, "startValue": 200, "targetDate": "2027-06-01"}),
        [("2026-11-20T12:00:00Z", 190, "progress")],
        now="2026-11-21T12:00:00Z",
    )
    assert target["successRate"] == target["percentComplete"] == 50.0
    fresh = progress_of(
        make_goal("target", {"value": 180, "startValue": 200, "targetDate": "2027-06-01"}),
        [],
        now="2026-11-21T12:00:00Z",
    )
    assert fresh["successRate"] == 0.0


@pytest.mark.parametrize(
    "pattern, target",
    [
        ("recurring", DAILY_WATER),
        ("milestone", {"value": 20}),
        ("streak", {"value": 30}),
        ("limit", {"value": 120, "period": "day"}),
        ("target", {"value": 180, "startValue": 200, "targetDate": "2027-06-01"}),
    ],
)
def test_success_rate_is_always_a_number_from_0_to_100(pattern, target):
    for activities in ([], [("2026-11-20T12:00:00Z", 190, "progress")]):
        rate = progress_of(make_goal(pattern, target), activities, now="2026-11-22T12:00:00Z")[
            "successRate"
        ]
        assert isinstance(rate, float)
        assert 0 <= rate <= 100


def test_a_target_goals_total_is_its_current_measurement():
    goal = make_goal("target", {"value": 180, "startValue": 200, "targetDate": "2027-06-01"})
    progress = progress_of(
        goal,
        [("2026-11-20T07:00:00Z", 196, "progress"), ("2026-11-21T07:00:00Z", 195, "progress")],
        now="2026-11-21T12:00:00Z",
    )
    assert progress["totalAccumulated"] == 195  # not 391, the sum of the weigh-ins
    assert progress["currentPeriodValue"] == 195


def test_an_exact_recurring_target_is_achieved_only_on_the_value():
    goal = make_goal("recurring", {**DAILY_WATER, "targetType": "exact"})
    progress = progress_of(
        goal,
        [
            ("2026-11-20T12:00:00Z", 12, "progress"),  # over: missed
            ("2026-11-21T12:00:00Z", 8, "progress"),  # exact
            ("2026-11-22T12:00:00Z", 5, "progress"),
        ],  # under: missed
        now="2026-11-23T12:00:00Z",
    )
    assert [entry["achieved"] for entry in progress["periodHistory"]] == [False, True, False, False]
    assert progress["successRate"] == 33.33
    assert progress["currentStreak"] == 0
    assert progress["longestStreak"] == 1


@pytest.mark.parametrize(
    "pattern, target, activities, percent",
    [
        ("milestone", {"value": 20}, [("2026-11-20T12:00:00Z", 25, "progress")], 100.0),
        (
            "target",
            {"value": 180, "startValue": 200, "targetDate": "2027-06-01"},
            [("2026-11-20T12:00:00Z", 175, "progress")],
            100.0,
        ),
        (
            "streak",
            {"value": 2},
            [("2026-11-20T12:00:00Z", 5, "progress"), ("2026-11-21T12:00:00Z", 3, "progress")],
            100.0,
        ),
    ],
)
def test_exact_changes_nothing_for_goals_with_one_end(pattern, target, activities, percent):
    """The web client sends `exact` on milestone, target and streak goals: overshooting them
    still completes them, exactly as `minimum` does."""
    now = "2026-11-21T13:00:00Z"
    exact = progress_of(make_goal(pattern, {**target, "targetType": "exact"}), activities, now)
    minimum = progress_of(make_goal(pattern, {**target, "targetType": "minimum"}), activities, now)
    assert exact == minimum
    assert exact["percentComplete"] == percent
    assert reaches_completion(make_goal(pattern, target), exact)


def test_numbers_leave_without_floating_point_noise():
    goal = make_goal("milestone", {"value": 10})
    progress = progress_of(
        goal,
        [("2026-11-20T12:00:00Z", 0.1, "progress"), ("2026-11-20T13:00:00Z", 2.2, "progress")],
        now="2026-11-20T18:00:00Z",
    )
    # 0.1 + 2.2 is 2.3000000000000003 in binary floating point, and 10 - that 7.699999999999999.
    assert progress["totalAccumulated"] == 2.3
    assert progress["remainingToGoal"] == 7.7
    assert progress["currentPeriodValue"] == 2.3
    assert progress["periodHistory"][-1]["value"] == 2.3
