"""The shared number parser: ASCII digits only, bounded, so no view overflows or trips on "²"."""

import pytest

from successhub.security.params import MAX_ID, BadParameter, parse_id, parse_int, parse_page, require_int


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("0", 0),
        ("²", None),  # str.isdigit() says yes, int() says no: the old 500
        ("٣", None),  # Arabic-Indic digit: int() accepts it, we do not
        ("1_000", None),  # int() accepts underscores
        ("-1", None),
        ("+1", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (str(10**20), None),  # SQLite OverflowError / PostgreSQL bigint out of range
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("a\x00", None),
        (True, None),
    ],
)
def test_parse_int_takes_bounded_ascii_digits_only(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", None), ("1", 1), ("18446744073709551616", None), ("x", None)],
)
def test_parse_id_is_a_positive_bigint(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [(None, 1), ("3", 3), ("0", 1), (str(10**18), 1), ("²", 1)])
def test_parse_page_falls_back_to_the_first_page(raw, expected):
    assert parse_page(raw) == expected


def test_require_int_raises_a_named_bad_parameter():
    assert require_int({"rating": "5"}, "rating", minimum=1, maximum=5) == 5
    with pytest.raises(BadParameter) as raised:
        require_int({"rating": "6"}, "rating", minimum=1, maximum=5)
    assert raised.value.name == "rating"
