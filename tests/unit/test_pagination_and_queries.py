from chalicelib.core.http import Page, parse_page, query_values


def test_defaults_when_absent_or_garbage():
    assert parse_page({}) == Page(number=1, limit=20)
    assert parse_page({"page": ["abc"], "limit": ["-5"]}) == Page(number=1, limit=20)
    assert parse_page({"page": ["0"], "limit": ["0"]}) == Page(number=1, limit=20)
    assert parse_page({"page": ["1.5"], "limit": ["1e3"]}) == Page(number=1, limit=20)


def test_limit_is_clamped_not_rejected():
    assert parse_page({"limit": ["1000"]}).limit == 100
    assert parse_page({"page": ["3"], "limit": ["10"]}) == Page(number=3, limit=10)


def test_giant_page_numbers_are_capped():
    assert parse_page({"page": ["9" * 40]}).number == 1_000_000


def test_non_ascii_digits_are_garbage_not_500():
    # "²".isdigit() is true, but int("²") raises.
    for raw in ("²", "1²", "١٢", "٣", "\u00001", "1\u0000"):
        assert parse_page({"page": [raw], "limit": [raw]}) == Page(number=1, limit=20), raw


def test_endless_numbers_are_capped_not_500():
    # Python refuses to parse a number of over 4300 digits.
    endless = "9" * 5000
    assert parse_page({"page": [endless], "limit": [endless]}) == Page(1_000_000, 100)
    assert parse_page({"page": ["0" * 5000 + "7"]}).number == 7


def test_page_description_and_offset():
    page = Page(number=3, limit=10)
    assert page.offset == 20
    assert page.describe(total=21) == {"page": 3, "limit": 10, "total": 21, "pages": 3}
    assert page.describe(total=0)["pages"] == 0


def test_multi_values_as_repeated_keys_and_comma_lists():
    params = {"status": ["active,paused", "draft", " ,completed"]}
    assert query_values(params, "status") == ["active", "paused", "draft", "completed"]
    assert query_values(params, "missing") == []
    assert query_values(None, "status") == []
