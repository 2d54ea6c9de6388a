from datetime import UTC, date, datetime

import pytest

from chalicelib.core.clock import parse_instant
from chalicelib.core.local_time import LocalTime, instant_bound, period_key, start_of_period_key


@pytest.mark.parametrize(
    "day",
    [date(2026, 11, 26), date(2027, 1, 2), date(2026, 12, 28), date(2024, 2, 29), date(2026, 1, 1)],
)
@pytest.mark.parametrize("unit", ["day", "week", "month", "quarter", "year"])
def test_a_period_key_leads_back_to_its_first_day(day, unit):
    start = start_of_period_key(period_key(day, unit), unit)
    assert start <= day
    assert period_key(start, unit) == period_key(day, unit)
    assert start.toordinal() == 1 or period_key(
        date.fromordinal(start.toordinal() - 1), unit
    ) != period_key(day, unit)


# The ends of the calendar: a bound or a day that lies beyond year 1 or 9999 once converted
# between local time and UTC is clamped to the calendar's first or last instant, never an
# OverflowError (issue 10, item 4).
TOKYO = LocalTime("Asia/Tokyo")
LOS_ANGELES = LocalTime("America/Los_Angeles", day_start_hour=3)


@pytest.mark.parametrize("local", [TOKYO, LOS_ANGELES, LocalTime("Pacific/Kiritimati")])
def test_bounds_at_the_ends_of_the_calendar_are_clamped(local):
    assert instant_bound("9999-12-31", local, end_of_day=True) <= "9999-12-31T23:59:59.999Z"
    assert instant_bound("0001-01-01", local, end_of_day=False) >= "0001-01-01T00:00:00.000Z"
    assert (
        instant_bound("0001-01-01T00:00:00+14:00", local, end_of_day=False)
        == "0001-01-01T00:00:00.000Z"
    )
    assert (
        instant_bound("9999-12-31T23:59:59-12:00", local, end_of_day=True)
        == "9999-12-31T23:59:59.999Z"
    )


@pytest.mark.parametrize("local", [TOKYO, LOS_ANGELES])
def test_local_days_at_the_ends_of_the_calendar_never_overflow(local):
    assert local.day_start(date.min) >= datetime.min.replace(tzinfo=UTC)
    assert local.day_start(date.max) <= datetime.max.replace(tzinfo=UTC)
    assert local.local_date(datetime.min.replace(tzinfo=UTC)) == date.min
    assert local.local_date(datetime.max.replace(tzinfo=UTC)) == date.max
    assert 0 <= local.local_hour(datetime.max.replace(tzinfo=UTC)) <= 23


def test_an_instant_beyond_the_calendar_in_utc_is_not_an_instant():
    with pytest.raises(ValueError, match="outside the years 1 to 9999"):
        parse_instant("0001-01-01T00:00:00+14:00")
    with pytest.raises(ValueError, match="outside the years 1 to 9999"):
        parse_instant("9999-12-31T23:00:00-05:00")
