"""Service hours as data: a schedule is a catalog entry (days and intervals), not code."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from successhub.core.calendar import (
    BEIJING,
    BusinessCalendar,
    HolidayCalendar,
    Schedule,
    ScheduleError,
    bundled_schedules,
    parse_hours,
)
from successhub.core.catalog import load_catalog

PLANS = Path(__file__).resolve().parents[2] / "src" / "successhub" / "catalog" / "plans"
H = 3600
NINE_TO_SIX = Schedule("9-18", "working_days", ((9 * H, 18 * H),))
SEVEN_BY_TWELVE = Schedule("7x12", "every_day", ((8 * H, 20 * H),))
WITH_MAKEUP = Schedule(
    "5x8m", "working_days", ((8 * H + 1800, 12 * H), (13 * H, 17 * H + 1800)), makeup_days=True
)
CALENDAR = BusinessCalendar(
    HolidayCalendar.bundled(), [*bundled_schedules(), NINE_TO_SIX, SEVEN_BY_TWELVE, WITH_MAKEUP]
)


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def case(rule: str, *values):
    return pytest.param(*values, id=rule)


@pytest.mark.parametrize(
    ("schedule", "start", "minutes", "expected"),
    [
        case(
            "9-18 is one interval: no lunch break", "9-18", bj(2026, 3, 2, 11, 30), 60, bj(2026, 3, 2, 12, 30)
        ),
        case("9-18 carries a day over at 18:00", "9-18", bj(2026, 3, 2, 17, 30), 60, bj(2026, 3, 3, 9, 30)),
        case("9-18 skips the weekend", "9-18", bj(2026, 3, 6, 17, 0), 120, bj(2026, 3, 9, 10, 0)),
        case("9-18: a day of work is 9 hours", "9-18", bj(2026, 3, 2, 9, 0), 540, bj(2026, 3, 2, 18, 0)),
        case("7x12 works on Saturday evening", "7x12", bj(2026, 3, 7, 19, 0), 90, bj(2026, 3, 8, 8, 30)),
        case("7x12 works on a holiday", "7x12", bj(2026, 2, 17, 10, 0), 60, bj(2026, 2, 17, 11, 0)),
        case(
            "a schedule's own make-up setting counts",
            "5x8m",
            bj(2026, 2, 14, 10, 0),
            30,
            bj(2026, 2, 14, 10, 30),
        ),
    ],
)
def test_a_schedule_defined_as_data(schedule, start, minutes, expected):
    assert CALENDAR.add(schedule, start, minutes).at == expected
    assert CALENDAR.between(schedule, start, expected).minutes == minutes


@pytest.mark.parametrize(
    ("rule", "schedule", "at", "include_makeup_days", "expected"),
    [
        ("catalog 5x8 leaves make-up Saturdays out by default", "5x8", bj(2026, 2, 14, 10, 0), None, False),
        ("a caller may still count them", "5x8", bj(2026, 2, 14, 10, 0), True, True),
        ("a schedule that counts them by definition", "5x8m", bj(2026, 2, 14, 10, 0), None, True),
        ("a caller may still leave them out", "5x8m", bj(2026, 2, 14, 10, 0), False, False),
        ("9-18 is open at 12:30", "9-18", bj(2026, 3, 2, 12, 30), None, True),
        ("9-18 is closed at 18:00", "9-18", bj(2026, 3, 2, 18, 0), None, False),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else "",
)
def test_is_open_reads_the_definition(rule, schedule, at, include_makeup_days, expected):
    assert CALENDAR.is_open(schedule, at, include_makeup_days) is expected


def test_next_open_of_a_one_interval_day():
    assert CALENDAR.next_open("9-18", bj(2026, 3, 6, 18, 0)) == bj(2026, 3, 9, 9, 0)


@pytest.mark.parametrize(
    ("rule", "build"),
    [
        ("unknown kind of days", lambda: Schedule("x", "weekends", ((0, H),))),
        ("no hours", lambda: Schedule("x", "every_day", ())),
        ("overlapping intervals", lambda: Schedule("x", "every_day", ((8 * H, 12 * H), (11 * H, 13 * H)))),
        ("an interval past midnight", lambda: Schedule("x", "every_day", ((20 * H, 25 * H),))),
        ("make-up days on an every-day schedule", lambda: Schedule("x", "every_day", ((0, H),), True)),
        ("an interval that is not one", lambda: parse_hours(["8:30 to 12:00"], "x")),
        ("minutes past 59", lambda: parse_hours(["8:61-12:00"], "x")),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_definition_that_cannot_be_right_is_refused(rule, build):
    with pytest.raises(ScheduleError):
        build()


def test_the_catalog_defines_the_schedules_and_writes_their_labels():
    catalog = load_catalog([PLANS])
    assert {s.code for s in catalog.schedules} == {"7x24", "7x8", "5x8"}
    five = catalog.labels.service_hours["5x8"]
    assert (five.days, five.makeup_days, five.day_seconds) == ("working_days", False, 8 * H)
    assert catalog.labels.name("schedules", "7x8") == "7×8 小时（周一至周日 8:30-12:00、13:00-17:30）"
    assert catalog.labels.name("schedules", "7x24", "en") == "7×24 (every day, all day)"
    assert catalog.labels.name("schedules", "5x8", "en") == (
        "5×8 working hours (Mon–Fri 8:30–12:00, 13:00–17:30, except statutory holidays)"
    )


def test_the_epoch_batch_agrees_with_one_call_each():
    starts = [int(bj(2026, 3, day, hour, 17).timestamp()) for day in range(1, 28) for hour in range(0, 24, 5)]
    seconds = [(index * 977) % 30_000 for index in range(len(starts))]
    for schedule in ("5x8", "7x8", "7x24", "9-18"):
        assert CALENDAR.add_epoch_many(schedule, starts, seconds) == [
            CALENDAR.add_epoch(schedule, start, amount) for start, amount in zip(starts, seconds, strict=True)
        ]
