from datetime import UTC, datetime, timedelta, timezone

from chalicelib.core.clock import to_iso


def test_instants_are_utc_with_milliseconds_and_z():
    moment = datetime(2026, 11, 26, 8, 29, 43, 468999, tzinfo=timezone(timedelta(hours=1)))
    assert to_iso(moment) == "2026-11-26T07:29:43.468Z"


def test_early_years_keep_four_digits():
    assert to_iso(datetime(406, 12, 18, 19, 33, 31, tzinfo=UTC)) == "0406-12-18T19:33:31.000Z"
