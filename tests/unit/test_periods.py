from datetime import date

import pytest

from chalicelib.goals.periods import period_key, start_of_period_key


@pytest.mark.parametrize("day", [date(2026, 11, 26), date(2027, 1, 2), date(2026, 12, 28),
                                 date(2024, 2, 29), date(2026, 1, 1)])
@pytest.mark.parametrize("unit", ["day", "week", "month", "quarter", "year"])
def test_a_period_key_leads_back_to_its_first_day(day, unit):
    start = start_of_period_key(period_key(day, unit), unit)
    assert start <= day
    assert period_key(start, unit) == period_key(day, unit)
    assert start.toordinal() == 1 or period_key(date.fromordinal(start.toordinal() - 1),
                                                unit) != period_key(day, unit)
