"""The business calendar's rules (docs/architecture.md), one table row per rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from successhub.core.calendar import (
    BEIJING,
    BusinessCalendar,
    HolidayCalendar,
    UnknownSchedule,
)

CALENDAR = BusinessCalendar(HolidayCalendar.bundled())  # the catalog's schedules
SCHEDULES = tuple(CALENDAR.schedules)


def bj(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)


def case(rule: str, *values):
    return pytest.param(*values, id=rule)


# --------------------------------------------------------------------------- is_open


@pytest.mark.parametrize(
    ("schedule", "at", "include_makeup_days", "expected"),
    [
        case("5x8 opens at 08:30", "5x8", bj(2026, 3, 2, 8, 30), False, True),
        case("5x8 is closed a second before 08:30", "5x8", bj(2026, 3, 2, 8, 29, 59), False, False),
        case("5x8 is closed at 12:00 (lunch)", "5x8", bj(2026, 3, 2, 12, 0), False, False),
        case("5x8 reopens at 13:00", "5x8", bj(2026, 3, 2, 13, 0), False, True),
        case("5x8 is open at 17:29", "5x8", bj(2026, 3, 2, 17, 29), False, True),
        case("5x8 is closed at 17:30", "5x8", bj(2026, 3, 2, 17, 30), False, False),
        case("5x8 is closed on Saturday", "5x8", bj(2026, 3, 7, 10, 0), False, False),
        case("5x8 is closed on a statutory holiday", "5x8", bj(2026, 2, 16, 10, 0), False, False),
        case("5x8 is closed on a make-up Saturday by default", "5x8", bj(2026, 2, 14, 10, 0), False, False),
        case("5x8 is open on a make-up Saturday with the flag", "5x8", bj(2026, 2, 14, 10, 0), True, True),
        case("the flag does not open a plain Saturday", "5x8", bj(2026, 3, 7, 10, 0), True, False),
        case("7x8 is open on Saturday", "7x8", bj(2026, 3, 7, 10, 0), False, True),
        case("7x8 is open on a statutory holiday", "7x8", bj(2026, 2, 17, 10, 0), False, True),
        case("7x8 is closed at lunch", "7x8", bj(2026, 3, 7, 12, 30), False, False),
        case("7x8 is closed at night", "7x8", bj(2026, 3, 7, 22, 0), False, False),
        case("7x24 is open on Sunday night", "7x24", bj(2026, 3, 8, 3, 0), False, True),
        case(
            "a UTC instant is read as Beijing time",
            "5x8",
            datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
            False,
            True,
        ),
        case("a naive datetime is Beijing time", "5x8", datetime(2026, 3, 2, 9, 0), False, True),
    ],
)
def test_is_open(schedule, at, include_makeup_days, expected):
    assert CALENDAR.is_open(schedule, at, include_makeup_days) is expected


# --------------------------------------------------------------------------- next_open


@pytest.mark.parametrize(
    ("schedule", "at", "include_makeup_days", "expected"),
    [
        case("open now: the instant itself", "5x8", bj(2026, 3, 2, 10, 15), False, bj(2026, 3, 2, 10, 15)),
        case("before opening: 08:30", "5x8", bj(2026, 3, 2, 6, 0), False, bj(2026, 3, 2, 8, 30)),
        case("lunch: 13:00", "5x8", bj(2026, 3, 2, 12, 15), False, bj(2026, 3, 2, 13, 0)),
        case("12:00 exactly: 13:00", "5x8", bj(2026, 3, 2, 12, 0), False, bj(2026, 3, 2, 13, 0)),
        case("Friday 17:30: Monday 08:30", "5x8", bj(2026, 3, 6, 17, 30), False, bj(2026, 3, 9, 8, 30)),
        case(
            "Spring Festival 2026: after the holiday, skipping the make-up Saturday",
            "5x8",
            bj(2026, 2, 13, 18, 0),
            False,
            bj(2026, 2, 24, 8, 30),
        ),
        case(
            "the make-up Saturday with the flag",
            "5x8",
            bj(2026, 2, 13, 18, 0),
            True,
            bj(2026, 2, 14, 8, 30),
        ),
        case(
            "7x8 Saturday evening: Sunday 08:30", "7x8", bj(2026, 3, 7, 18, 0), False, bj(2026, 3, 8, 8, 30)
        ),
        case("7x24: the instant itself", "7x24", bj(2026, 3, 7, 23, 59), False, bj(2026, 3, 7, 23, 59)),
        case("naive input: Beijing time", "5x8", datetime(2026, 3, 2, 7, 0), False, bj(2026, 3, 2, 8, 30)),
    ],
)
def test_next_open(schedule, at, include_makeup_days, expected):
    result = CALENDAR.next_open(schedule, at, include_makeup_days)
    assert result == expected
    assert result.tzinfo is BEIJING


# --------------------------------------------------------------------------- add


@pytest.mark.parametrize(
    ("schedule", "start", "minutes", "include_makeup_days", "expected"),
    [
        case(
            "one working day from 08:30 ends at 17:30 the same day",
            "5x8",
            bj(2026, 3, 2, 8, 30),
            480,
            False,
            bj(2026, 3, 2, 17, 30),
        ),
        case(
            "a deadline at 12:00 stays at 12:00",
            "5x8",
            bj(2026, 3, 2, 11, 0),
            60,
            False,
            bj(2026, 3, 2, 12, 0),
        ),
        case(
            "the lunch break does not count", "5x8", bj(2026, 3, 2, 11, 30), 60, False, bj(2026, 3, 2, 13, 30)
        ),
        case(
            "a clock started at lunch starts at 13:00",
            "5x8",
            bj(2026, 3, 2, 12, 30),
            30,
            False,
            bj(2026, 3, 2, 13, 30),
        ),
        case(
            "a clock started before opening starts at 08:30",
            "5x8",
            bj(2026, 3, 2, 7, 0),
            30,
            False,
            bj(2026, 3, 2, 9, 0),
        ),
        case(
            "a clock started after closing starts next morning",
            "5x8",
            bj(2026, 3, 2, 20, 0),
            30,
            False,
            bj(2026, 3, 3, 9, 0),
        ),
        case("the weekend does not count", "5x8", bj(2026, 3, 6, 17, 0), 60, False, bj(2026, 3, 9, 9, 0)),
        case(
            "a clock started on Saturday starts on Monday",
            "5x8",
            bj(2026, 3, 7, 10, 0),
            60,
            False,
            bj(2026, 3, 9, 9, 30),
        ),
        case(
            "five working days from Monday 08:30 end Friday 17:30",
            "5x8",
            bj(2026, 3, 2, 8, 30),
            2400,
            False,
            bj(2026, 3, 6, 17, 30),
        ),
        case(
            "Spring Festival 2026 is skipped",
            "5x8",
            bj(2026, 2, 13, 16, 0),
            480,
            False,
            bj(2026, 2, 24, 16, 0),
        ),
        case(
            "Spring Festival 2025 is skipped", "5x8", bj(2025, 1, 27, 17, 0), 60, False, bj(2025, 2, 5, 9, 0)
        ),
        case("National Day 2024 is skipped", "5x8", bj(2024, 9, 30, 17, 0), 60, False, bj(2024, 10, 8, 9, 0)),
        case(
            "National Day 2025 is skipped", "5x8", bj(2025, 9, 30, 17, 0), 120, False, bj(2025, 10, 9, 10, 0)
        ),
        case(
            "a make-up Sunday is not a 5x8 day by default",
            "5x8",
            bj(2025, 1, 24, 17, 0),
            60,
            False,
            bj(2025, 1, 27, 9, 0),
        ),
        case(
            "a make-up Sunday counts with the flag",
            "5x8",
            bj(2025, 1, 24, 17, 0),
            60,
            True,
            bj(2025, 1, 26, 9, 0),
        ),
        case(
            "a make-up Saturday is not a 5x8 day by default",
            "5x8",
            bj(2026, 2, 14, 10, 0),
            30,
            False,
            bj(2026, 2, 24, 9, 0),
        ),
        case(
            "a make-up Saturday counts with the flag",
            "5x8",
            bj(2026, 2, 14, 10, 0),
            30,
            True,
            bj(2026, 2, 14, 10, 30),
        ),
        case(
            "National Day 2025 make-up Sunday with the flag",
            "5x8",
            bj(2025, 9, 26, 17, 0),
            60,
            True,
            bj(2025, 9, 28, 9, 0),
        ),
        case(
            "a clock started on a holiday starts after it",
            "5x8",
            bj(2026, 10, 1, 10, 0),
            30,
            False,
            bj(2026, 10, 8, 9, 0),
        ),
        case("7x8 works through holidays", "7x8", bj(2026, 2, 17, 10, 0), 60, False, bj(2026, 2, 17, 11, 0)),
        case(
            "7x8 carries over to the next day", "7x8", bj(2026, 3, 8, 17, 0), 60, False, bj(2026, 3, 9, 9, 0)
        ),
        case("7x8 lunch does not count", "7x8", bj(2026, 3, 7, 11, 30), 60, False, bj(2026, 3, 7, 13, 30)),
        case("7x24 counts every minute", "7x24", bj(2026, 3, 7, 23, 30), 90, False, bj(2026, 3, 8, 1, 0)),
        case(
            "zero minutes outside hours: the next working moment",
            "5x8",
            bj(2026, 3, 6, 18, 0),
            0,
            False,
            bj(2026, 3, 9, 8, 30),
        ),
        case(
            "zero minutes inside hours: the start itself",
            "5x8",
            bj(2026, 3, 2, 10, 0),
            0,
            False,
            bj(2026, 3, 2, 10, 0),
        ),
        case(
            "fractional minutes count seconds",
            "5x8",
            bj(2026, 3, 2, 8, 30),
            0.5,
            False,
            bj(2026, 3, 2, 8, 30, 30),
        ),
        case(
            "a UTC start is Beijing time",
            "5x8",
            datetime(2026, 3, 2, 0, 30, tzinfo=UTC),
            60,
            False,
            bj(2026, 3, 2, 9, 30),
        ),
        case(
            "a +09:00 start is converted",
            "5x8",
            datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=9))),
            60,
            False,
            bj(2026, 3, 2, 9, 30),
        ),
        case(
            "a naive start is Beijing time",
            "5x8",
            datetime(2026, 3, 2, 8, 30),
            60,
            False,
            bj(2026, 3, 2, 9, 30),
        ),
    ],
)
def test_add(schedule, start, minutes, include_makeup_days, expected):
    deadline = CALENDAR.add(schedule, start, minutes, include_makeup_days)
    assert deadline.at == expected
    assert deadline.at.tzinfo is BEIJING
    assert deadline.provisional is False


# --------------------------------------------------------------------------- pauses


def pause(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return (start, end)


@pytest.mark.parametrize(
    ("start", "minutes", "pauses", "expected"),
    [
        case(
            "a pause in working hours delays the deadline",
            bj(2026, 3, 2, 9, 0),
            120,
            [pause(bj(2026, 3, 2, 10, 0), bj(2026, 3, 2, 10, 30))],
            bj(2026, 3, 2, 11, 30),
        ),
        case(
            "overlapping, unsorted pauses count once",
            bj(2026, 3, 2, 9, 0),
            120,
            [
                pause(bj(2026, 3, 2, 10, 15), bj(2026, 3, 2, 11, 0)),
                pause(bj(2026, 3, 2, 10, 0), bj(2026, 3, 2, 10, 30)),
            ],
            bj(2026, 3, 2, 12, 0),
        ),
        case(
            "a pause outside working hours changes nothing",
            bj(2026, 3, 6, 17, 0),
            60,
            [pause(bj(2026, 3, 7, 0, 0), bj(2026, 3, 8, 23, 0))],
            bj(2026, 3, 9, 9, 0),
        ),
        case(
            "a pause spanning days",
            bj(2026, 3, 2, 9, 0),
            120,
            [pause(bj(2026, 3, 2, 10, 0), bj(2026, 3, 4, 10, 0))],
            bj(2026, 3, 4, 11, 0),
        ),
        case(
            "a pause begun before the start",
            bj(2026, 3, 2, 9, 0),
            30,
            [pause(bj(2026, 3, 2, 8, 0), bj(2026, 3, 2, 9, 30))],
            bj(2026, 3, 2, 10, 0),
        ),
        case(
            "a pause after the deadline changes nothing",
            bj(2026, 3, 2, 9, 0),
            30,
            [pause(bj(2026, 3, 2, 14, 0), bj(2026, 3, 2, 15, 0))],
            bj(2026, 3, 2, 9, 30),
        ),
        case(
            "a pause ending at the deadline's period end",
            bj(2026, 3, 2, 11, 0),
            60,
            [pause(bj(2026, 3, 2, 11, 30), bj(2026, 3, 2, 13, 30))],
            bj(2026, 3, 2, 14, 0),
        ),
        case(
            "zero minutes inside a pause: the pause's end",
            bj(2026, 3, 2, 10, 0),
            0,
            [pause(bj(2026, 3, 2, 9, 0), bj(2026, 3, 2, 10, 45))],
            bj(2026, 3, 2, 10, 45),
        ),
        case(
            "an empty pause changes nothing",
            bj(2026, 3, 2, 9, 0),
            30,
            [pause(bj(2026, 3, 2, 9, 10), bj(2026, 3, 2, 9, 10))],
            bj(2026, 3, 2, 9, 30),
        ),
    ],
)
def test_add_with_pauses(start, minutes, pauses, expected):
    assert CALENDAR.add("5x8", start, minutes, pauses=pauses).at == expected


@pytest.mark.parametrize(
    ("start", "end", "pauses", "expected"),
    [
        case(
            "a pause inside the span is not counted",
            bj(2026, 3, 2, 9, 0),
            bj(2026, 3, 2, 12, 0),
            [pause(bj(2026, 3, 2, 10, 0), bj(2026, 3, 2, 10, 30))],
            150,
        ),
        case(
            "a pause sticking out of the span is clipped",
            bj(2026, 3, 2, 9, 0),
            bj(2026, 3, 2, 12, 0),
            [pause(bj(2026, 3, 2, 8, 0), bj(2026, 3, 2, 9, 30))],
            150,
        ),
        case(
            "overlapping pauses count once",
            bj(2026, 3, 2, 9, 0),
            bj(2026, 3, 2, 12, 0),
            [
                pause(bj(2026, 3, 2, 10, 0), bj(2026, 3, 2, 11, 0)),
                pause(bj(2026, 3, 2, 10, 30), bj(2026, 3, 2, 11, 30)),
            ],
            90,
        ),
        case(
            "a pause over the weekend changes nothing",
            bj(2026, 3, 6, 17, 0),
            bj(2026, 3, 9, 9, 0),
            [pause(bj(2026, 3, 7, 0, 0), bj(2026, 3, 9, 0, 0))],
            60,
        ),
    ],
)
def test_between_with_pauses(start, end, pauses, expected):
    assert CALENDAR.between("5x8", start, end, pauses=pauses).minutes == expected


# --------------------------------------------------------------------------- between


@pytest.mark.parametrize(
    ("schedule", "start", "end", "include_makeup_days", "expected"),
    [
        case("one working day", "5x8", bj(2026, 3, 2, 0, 0), bj(2026, 3, 3, 0, 0), False, 480),
        case("lunch does not count", "5x8", bj(2026, 3, 2, 11, 0), bj(2026, 3, 2, 14, 0), False, 120),
        case("a weekend does not count", "5x8", bj(2026, 3, 6, 17, 0), bj(2026, 3, 9, 9, 0), False, 60),
        case(
            "Spring Festival 2026 does not count",
            "5x8",
            bj(2026, 2, 13, 0, 0),
            bj(2026, 2, 25, 0, 0),
            False,
            960,
        ),
        case(
            "the make-up Saturday counts with the flag",
            "5x8",
            bj(2026, 2, 13, 0, 0),
            bj(2026, 2, 25, 0, 0),
            True,
            1440,
        ),
        case("7x8 counts the whole week", "7x8", bj(2026, 3, 2, 0, 0), bj(2026, 3, 9, 0, 0), False, 3360),
        case("7x24 counts every minute", "7x24", bj(2026, 3, 2, 0, 0), bj(2026, 3, 3, 0, 0), False, 1440),
        case(
            "an end before the start is negative",
            "5x8",
            bj(2026, 3, 2, 10, 0),
            bj(2026, 3, 2, 9, 0),
            False,
            -60,
        ),
        case("part minutes are a decimal", "5x8", bj(2026, 3, 2, 9, 0), bj(2026, 3, 2, 9, 0, 30), False, 0.5),
    ],
)
def test_between(schedule, start, end, include_makeup_days, expected):
    result = CALENDAR.between(schedule, start, end, include_makeup_days)
    assert result.minutes == expected
    assert result.provisional is False


def test_whole_minutes_are_an_int():
    assert type(CALENDAR.between("5x8", bj(2026, 3, 2, 9, 0), bj(2026, 3, 2, 10, 0)).minutes) is int


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("include_makeup_days", [False, True], ids=["no-makeup", "makeup"])
@pytest.mark.parametrize(
    ("start", "minutes"),
    [
        (bj(2026, 2, 13, 16, 0), 480),
        (bj(2026, 2, 14, 10, 0), 30),
        (bj(2025, 9, 30, 11, 45), 1000),
        (bj(2026, 3, 2, 12, 0), 0),
        (bj(2026, 3, 2, 17, 30), 1),
        (bj(2024, 12, 31, 17, 0), 9600),
        (bj(2026, 3, 2, 9, 0, 7), 33.25),
    ],
)
def test_between_is_the_inverse_of_add(schedule, include_makeup_days, start, minutes):
    deadline = CALENDAR.add(schedule, start, minutes, include_makeup_days)
    assert CALENDAR.between(schedule, start, deadline.at, include_makeup_days).minutes == minutes


# --------------------------------------------------------------------------- unloaded years


@pytest.mark.parametrize(
    ("schedule", "start", "minutes", "expected", "provisional"),
    [
        case(
            "a year with no notice: plain Monday-Friday, provisional",
            "5x8",
            bj(2027, 3, 1, 10, 0),
            60,
            bj(2027, 3, 1, 11, 0),
            True,
        ),
        case(
            "crossing into a year with no notice is provisional",
            "5x8",
            bj(2026, 12, 31, 17, 0),
            60,
            bj(2027, 1, 1, 9, 0),
            True,
        ),
        case(
            "a year before the notices is provisional",
            "5x8",
            bj(2019, 3, 4, 10, 0),
            60,
            bj(2019, 3, 4, 11, 0),
            True,
        ),
        case(
            "the last loaded year is not provisional",
            "5x8",
            bj(2026, 12, 31, 10, 0),
            60,
            bj(2026, 12, 31, 11, 0),
            False,
        ),
        case(
            "7x8 never depends on the notices", "7x8", bj(2027, 3, 1, 10, 0), 60, bj(2027, 3, 1, 11, 0), False
        ),
        case(
            "7x24 never depends on the notices",
            "7x24",
            bj(2030, 3, 1, 10, 0),
            60,
            bj(2030, 3, 1, 11, 0),
            False,
        ),
    ],
)
def test_unloaded_years_are_provisional(schedule, start, minutes, expected, provisional):
    deadline = CALENDAR.add(schedule, start, minutes)
    assert deadline.at == expected
    assert deadline.provisional is provisional


def test_between_across_an_unloaded_year_is_provisional():
    result = CALENDAR.between("5x8", bj(2026, 12, 31, 9, 0), bj(2027, 1, 4, 9, 0))
    # 450 on Thursday 31 December, 480 on Friday 1 January 2027 (no notice yet), 30 on Monday.
    assert (result.minutes, result.provisional) == (960, True)


def test_the_calendar_says_which_years_are_loaded():
    holidays = HolidayCalendar.bundled()
    assert holidays.years_loaded == frozenset(range(2020, 2027))
    assert holidays.is_loaded(2026) and not holidays.is_loaded(2027)


def test_a_far_deadline_grows_the_tables():
    deadline = CALENDAR.add("5x8", bj(2026, 6, 1, 9, 0), 480 * 261 * 10)
    assert deadline.provisional is True
    assert deadline.at.year == 2036


# --------------------------------------------------------------------------- holiday lookups


@pytest.mark.parametrize(
    ("day", "holiday", "makeup", "name"),
    [
        case("Spring Festival 2026", date(2026, 2, 17), True, False, "春节"),
        case("the make-up Saturday before it", date(2026, 2, 14), False, True, None),
        case("a plain Tuesday", date(2026, 3, 3), False, False, None),
        case(
            "2020's Spring Festival extension (国办发明电〔2020〕1号)", date(2020, 2, 1), True, False, "春节"
        ),
        case("2023's New Year holiday starts on 2022-12-31", date(2022, 12, 31), True, False, "元旦"),
        case(
            "National Day 2025 shares its span with Mid-Autumn",
            date(2025, 10, 6),
            True,
            False,
            "国庆节、中秋节",
        ),
    ],
)
def test_holiday_lookups(day, holiday, makeup, name):
    holidays = HolidayCalendar.bundled()
    assert holidays.is_holiday(day) is holiday
    assert holidays.is_makeup_day(day) is makeup
    assert holidays.holiday_name(day) == name


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("call", "error"),
    [
        case("an unknown schedule", lambda: CALENDAR.add("5x9", bj(2026, 3, 2), 1), UnknownSchedule),
        case(
            "an unknown schedule in between",
            lambda: CALENDAR.between("24x7", bj(2026, 3, 2), bj(2026, 3, 3)),
            UnknownSchedule,
        ),
        case("negative minutes", lambda: CALENDAR.add("5x8", bj(2026, 3, 2), -1), ValueError),
        case("minutes that are not a number", lambda: CALENDAR.add("5x8", bj(2026, 3, 2), "ten"), ValueError),
        case("infinite minutes", lambda: CALENDAR.add("5x8", bj(2026, 3, 2), float("inf")), ValueError),
        case("an instant before 1992", lambda: CALENDAR.add("5x8", bj(1989, 6, 1), 1), ValueError),
        case(
            "a pause that ends before it starts",
            lambda: CALENDAR.add("5x8", bj(2026, 3, 2), 1, pauses=[(bj(2026, 3, 2, 10), bj(2026, 3, 2, 9))]),
            ValueError,
        ),
    ],
)
def test_refusals(call, error):
    with pytest.raises(error):
        call()


def test_unknown_schedule_is_a_value_error():
    assert issubclass(UnknownSchedule, ValueError)
