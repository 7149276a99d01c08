"""The bundled holiday data matches the State Council notices, and bad data is refused."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from successhub.core.calendar import (
    BUNDLED_DATA,
    CalendarDataError,
    HolidayBlock,
    HolidayCalendar,
    YearNotice,
)

# Each notice, as it reads: the days of each holiday ("共N天") and the weekday of each
# make-up working day ("X月X日（星期六）上班"). Independent of the YAML's spans.
NOTICES = {
    2020: {
        "days": [1, 10, 3, 5, 3, 8],
        "makeup": {
            date(2020, 1, 19): 6,
            date(2020, 4, 26): 6,
            date(2020, 5, 9): 5,
            date(2020, 6, 28): 6,
            date(2020, 9, 27): 6,
            date(2020, 10, 10): 5,
        },
    },
    2021: {
        "days": [3, 7, 3, 5, 3, 3, 7],
        "makeup": {
            date(2021, 2, 7): 6,
            date(2021, 2, 20): 5,
            date(2021, 4, 25): 6,
            date(2021, 5, 8): 5,
            date(2021, 9, 18): 5,
            date(2021, 9, 26): 6,
            date(2021, 10, 9): 5,
        },
    },
    2022: {
        "days": [3, 7, 3, 5, 3, 3, 7],
        "makeup": {
            date(2022, 1, 29): 5,
            date(2022, 1, 30): 6,
            date(2022, 4, 2): 5,
            date(2022, 4, 24): 6,
            date(2022, 5, 7): 5,
            date(2022, 10, 8): 5,
            date(2022, 10, 9): 6,
        },
    },
    2023: {
        "days": [3, 7, 1, 5, 3, 8],
        "makeup": {
            date(2023, 1, 28): 5,
            date(2023, 1, 29): 6,
            date(2023, 4, 23): 6,
            date(2023, 5, 6): 5,
            date(2023, 6, 25): 6,
            date(2023, 10, 7): 5,
            date(2023, 10, 8): 6,
        },
    },
    2024: {
        "days": [1, 8, 3, 5, 1, 3, 7],
        "makeup": {
            date(2024, 2, 4): 6,
            date(2024, 2, 18): 6,
            date(2024, 4, 7): 6,
            date(2024, 4, 28): 6,
            date(2024, 5, 11): 5,
            date(2024, 9, 14): 5,
            date(2024, 9, 29): 6,
            date(2024, 10, 12): 5,
        },
    },
    2025: {
        "days": [1, 8, 3, 5, 3, 8],
        "makeup": {
            date(2025, 1, 26): 6,
            date(2025, 2, 8): 5,
            date(2025, 4, 27): 6,
            date(2025, 9, 28): 6,
            date(2025, 10, 11): 5,
        },
    },
    2026: {
        "days": [3, 9, 3, 5, 3, 3, 7],
        "makeup": {
            date(2026, 1, 4): 6,
            date(2026, 2, 14): 5,
            date(2026, 2, 28): 5,
            date(2026, 5, 9): 5,
            date(2026, 9, 20): 6,
            date(2026, 10, 10): 5,
        },
    },
}
SOURCES = {
    2020: "国办发明电〔2019〕16号",
    2021: "国办发明电〔2020〕27号",
    2022: "国办发明电〔2021〕11号",
    2023: "国办发明电〔2022〕16号",
    2024: "国办发明电〔2023〕7号",
    2025: "国办发明电〔2024〕12号",
    2026: "国办发明电〔2025〕7号",
}


def notice_for(year: int) -> YearNotice:
    return next(notice for notice in HolidayCalendar.bundled().notices() if notice.year == year)


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_each_holiday_lasts_the_days_its_notice_states(year):
    assert [(block.end - block.start).days + 1 for block in notice_for(year).holidays] == NOTICES[year][
        "days"
    ]


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_make_up_days_are_the_notice_s_weekend_days(year):
    makeup_days = notice_for(year).makeup_days
    assert set(makeup_days) == set(NOTICES[year]["makeup"])
    assert {day: day.weekday() for day in makeup_days} == NOTICES[year]["makeup"]


@pytest.mark.parametrize("year", sorted(SOURCES))
def test_each_year_cites_its_notice(year):
    assert notice_for(year).source.startswith(SOURCES[year])


def test_2020_follows_the_spring_festival_extension():
    notice = notice_for(2020)
    assert "国办发明电〔2020〕1号" in notice.source
    assert HolidayBlock("春节", date(2020, 1, 24), date(2020, 2, 2)) in notice.holidays
    assert date(2020, 2, 1) not in notice.makeup_days


def test_agrees_with_the_holidays_package():
    """Cross-check with the ``holidays`` package: weekday days off and make-up days."""
    holidays = pytest.importorskip("holidays")
    china = holidays.China(years=range(2020, 2027))
    ours = HolidayCalendar.bundled()
    theirs_off, ours_off = set(), set()
    day = date(2020, 1, 1)
    while day.year < 2027:
        if day.weekday() < 5:
            if day in china:
                theirs_off.add(day)
            if ours.is_holiday(day):
                ours_off.add(day)
        day += timedelta(days=1)
    assert ours_off == theirs_off
    substituted = {
        date(int(y), int(m), int(d))
        for name in china.values()
        for m, d, y in re.findall(r"substituted from (\d\d)/(\d\d)/(\d{4})", name)
    }
    assert {day for notice in ours.notices() for day in notice.makeup_days} == substituted


def test_bundled_is_cached():
    assert HolidayCalendar.bundled() is HolidayCalendar.bundled()


def test_from_yaml_reads_a_path_and_text_alike():
    from_path = HolidayCalendar.from_yaml(BUNDLED_DATA)
    from_text = HolidayCalendar.from_yaml(BUNDLED_DATA.read_text(encoding="utf-8"))
    assert from_path.notices() == from_text.notices() == HolidayCalendar.bundled().notices()


def test_an_empty_calendar_loads_no_year():
    assert HolidayCalendar([]).years_loaded == frozenset()


GOOD_2026 = """
2026:
  source: 国办发明电〔2025〕7号
  holidays:
    - {name: 元旦, start: 2026-01-01, end: 2026-01-03}
  makeup_days: [2026-01-04]
"""


@pytest.mark.parametrize(
    ("text", "names"),
    [
        pytest.param(
            GOOD_2026.replace("[2026-01-04]", "[2026-01-03]"),
            ["2026", "makeup_days", "2026-01-03"],
            id="a make-up day must not be a holiday",
        ),
        pytest.param(
            GOOD_2026.replace("[2026-01-04]", "[2025-12-28]"),
            ["2026", "makeup_days", "not in 2026"],
            id="a make-up day must lie in its year",
        ),
        pytest.param(
            GOOD_2026.replace("[2026-01-04]", "[2026-01-05]"),
            ["2026", "makeup_days", "weekday"],
            id="a make-up day is a Saturday or Sunday",
        ),
        pytest.param(
            GOOD_2026.replace("[2026-01-04]", "[2026-01-04, 2026-01-04]"),
            ["2026", "makeup_days", "twice"],
            id="a make-up day is listed once",
        ),
        pytest.param(
            GOOD_2026.replace("end: 2026-01-03", "end: 2027-01-03"),
            ["2026", "元旦", "not in 2026"],
            id="a holiday must end in its year",
        ),
        pytest.param(
            GOOD_2026.replace("start: 2026-01-01", "start: 2025-06-01"),
            ["2026", "元旦", "not in 2026"],
            id="a holiday may start only the December before",
        ),
        pytest.param(
            GOOD_2026.replace("end: 2026-01-03", "end: 2025-12-30"),
            ["2026", "元旦", "before it starts"],
            id="a holiday ends after it starts",
        ),
        pytest.param(
            GOOD_2026.replace("end: 2026-01-03", "end: 2026-13-03"),
            ["2026", "end", "not a date"],
            id="dates must be real dates",
        ),
        pytest.param(
            GOOD_2026.replace("{name: 元旦, ", "{"),
            ["2026", "holidays #1", "name"],
            id="a holiday needs a name",
        ),
        pytest.param(
            GOOD_2026.replace("source:", "sauce:"),
            ["2026", "sauce", "unknown field"],
            id="unknown fields are refused",
        ),
        pytest.param(
            GOOD_2026.replace(
                "  makeup_days", "    - {name: 又一个, start: 2026-01-03, end: 2026-01-05}\n  makeup_days"
            ),
            ["2026", "又一个", "already part of holiday 元旦"],
            id="holidays must not overlap",
        ),
        pytest.param("2026: [1, 2]\n", ["2026", "expected"], id="a year maps to its notice"),
        pytest.param("twenty: {}\n", ["twenty", "whole number"], id="a year is a number"),
        pytest.param("2026: {holidays: [\n", ["not valid YAML"], id="broken YAML"),
        pytest.param(
            GOOD_2026.replace("2026:", "1985:").replace("2026-", "1985-"),
            ["1985", "supported"],
            id="years before 1992 are refused",
        ),
    ],
)
def test_bad_data_is_refused_naming_year_and_field(text, names):
    with pytest.raises(CalendarDataError) as refusal:
        HolidayCalendar.from_yaml(text)
    message = str(refusal.value)
    assert message.startswith("holiday data: ")
    for name in names:
        assert name in message


def test_a_bad_file_is_named(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text(GOOD_2026.replace("[2026-01-04]", "[2026-01-03]"), encoding="utf-8")
    with pytest.raises(CalendarDataError, match=r"^holidays\.yaml: year 2026: makeup_days"):
        HolidayCalendar.from_yaml(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CalendarDataError, match="missing.yaml"):
        HolidayCalendar.from_yaml(str(tmp_path / "missing.yaml"))


@pytest.mark.parametrize(
    ("notices", "names"),
    [
        pytest.param(
            [YearNotice(2026, (), ()), YearNotice(2026, (), ())],
            ["2026", "twice"],
            id="a year is given once",
        ),
        pytest.param(
            [
                YearNotice(2023, (HolidayBlock("元旦", date(2022, 12, 31), date(2023, 1, 2)),), ()),
                YearNotice(2022, (), (date(2022, 12, 31),)),
            ],
            ["2022", "makeup_days", "2022-12-31"],
            id="a make-up day must not be another notice's holiday",
        ),
    ],
)
def test_notices_are_checked_together(notices, names):
    with pytest.raises(CalendarDataError) as refusal:
        HolidayCalendar(notices)
    for name in names:
        assert name in str(refusal.value)
