"""The business calendar's fast paths give what its general arithmetic gives.

The hot paths (Beijing-time datetimes, whole seconds, the batch and epoch APIs) read per-day
tables; anything else (another zone, fractions, pauses) takes the general path. Each case here
computes one answer both ways, for every kind of schedule the catalog can define.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest

from successhub.core import calendar as module
from successhub.core.calendar import BEIJING, BusinessCalendar, HolidayCalendar, Schedule, bundled_schedules

H = 3600
CALENDAR = BusinessCalendar(
    HolidayCalendar.bundled(),
    [
        *bundled_schedules(),
        Schedule("9-18", "working_days", ((9 * H, 18 * H),)),
        Schedule("7x12", "every_day", ((8 * H, 20 * H),)),
        Schedule("5x8m", "working_days", ((8 * H + 1800, 12 * H), (13 * H, 17 * H + 1800)), makeup_days=True),
    ],
)
SCHEDULES = tuple(CALENDAR.schedules)
MAKEUP = [None, False, True]


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


# Starts at the edges of days, intervals, holidays, make-up days and years (loaded and not).
STARTS = [
    bj(2026, 3, 2, 8, 30),
    bj(2026, 3, 2, 11, 59, 59),
    bj(2026, 3, 2, 12, 0),
    bj(2026, 3, 2, 17, 30),
    bj(2026, 3, 6, 23, 59, 59),
    bj(2026, 2, 13, 16, 0),
    bj(2026, 2, 14, 10, 0),
    bj(2025, 9, 30, 17, 0),
    bj(2026, 12, 31, 17, 0),
    bj(2019, 12, 31, 20, 0),
    bj(1992, 1, 6, 0, 0),
]
MINUTES = [1, 29, 210, 270, 480, 481, 540, 720, 4800, 100_000]
GAPS = [
    timedelta(0),
    timedelta(seconds=1),
    timedelta(hours=3, minutes=30),
    timedelta(days=9),
    -timedelta(days=3),
]


def as_utc(at: datetime) -> datetime:
    return at.astimezone(UTC)  # the same instant, through the general path


@pytest.mark.parametrize("include_makeup_days", MAKEUP, ids=str)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_add_fast_path_is_the_general_arithmetic(schedule, include_makeup_days):
    for start in STARTS:
        for minutes in MINUTES:
            fast = CALENDAR.add(schedule, start, minutes, include_makeup_days)
            general = CALENDAR.add(schedule, as_utc(start), minutes, include_makeup_days)
            assert (fast.at, fast.provisional) == (general.at, general.provisional), (start, minutes)
            assert fast.at.tzinfo is BEIJING


@pytest.mark.parametrize("include_makeup_days", MAKEUP, ids=str)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_between_fast_path_is_the_general_arithmetic(schedule, include_makeup_days):
    for start in STARTS:
        for gap in GAPS:
            fast = CALENDAR.between(schedule, start, start + gap, include_makeup_days)
            general = CALENDAR.between(schedule, as_utc(start), as_utc(start + gap), include_makeup_days)
            assert (fast.minutes, fast.provisional) == (general.minutes, general.provisional), (start, gap)


@pytest.mark.parametrize("include_makeup_days", MAKEUP, ids=str)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_epoch_api_is_the_datetime_api(schedule, include_makeup_days):
    for start in STARTS:
        epoch = int(start.timestamp())
        for minutes in MINUTES:
            deadline = CALENDAR.add(schedule, as_utc(start), minutes, include_makeup_days)
            assert CALENDAR.add_epoch(schedule, epoch, minutes * 60, include_makeup_days) == (
                deadline.at.timestamp(),
                deadline.provisional,
            )
        for gap in GAPS:
            worked = CALENDAR.between(schedule, as_utc(start), as_utc(start + gap), include_makeup_days)
            seconds, provisional = CALENDAR.between_epoch(
                schedule, epoch, int((start + gap).timestamp()), include_makeup_days
            )
            assert (seconds, provisional) == (worked.minutes * 60, worked.provisional), (start, gap)
            # Fractions take the general path and agree too.
            assert CALENDAR.between_epoch(
                schedule, float(epoch), float((start + gap).timestamp()), include_makeup_days
            ) == (seconds, provisional)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_batches_are_one_call_each(schedule):
    starts = [start for start in STARTS for _ in MINUTES]
    minutes = MINUTES * len(STARTS)
    # Mixed on purpose: another zone, a fraction of a second, fractional and zero minutes.
    starts[3] = as_utc(starts[3])
    starts[7] = starts[7].replace(microsecond=500_000)
    minutes[5], minutes[6] = 2.5, 0
    assert CALENDAR.add_many(schedule, starts, minutes) == [
        CALENDAR.add(schedule, start, amount) for start, amount in zip(starts, minutes, strict=True)
    ]
    ends = [start + GAPS[index % len(GAPS)] for index, start in enumerate(starts)]
    assert CALENDAR.between_many(schedule, starts, ends) == [
        CALENDAR.between(schedule, start, end) for start, end in zip(starts, ends, strict=True)
    ]
    epochs = [int(start.timestamp()) for start in starts]
    seconds = [int(amount * 60) for amount in minutes]
    assert CALENDAR.add_epoch_many(schedule, epochs, seconds) == [
        CALENDAR.add_epoch(schedule, start, amount) for start, amount in zip(epochs, seconds, strict=True)
    ]


def test_a_fresh_calendar_builds_its_tables_for_a_batch():
    fresh = BusinessCalendar(HolidayCalendar.bundled())
    starts = [bj(2026, 3, 2, 9, 0), bj(2026, 3, 6, 17, 0)]
    assert [d.at for d in fresh.add_many("5x8", starts, [60, 60])] == [
        bj(2026, 3, 2, 10, 0),
        bj(2026, 3, 9, 9, 0),
    ]
    assert [
        w.minutes for w in fresh.between_many("5x8", starts, [bj(2026, 3, 2, 10, 0), bj(2026, 3, 9, 9, 0)])
    ] == [
        60,
        60,
    ]


def test_whole_minute_results_are_shared_values(monkeypatch):
    monkeypatch.setattr(module, "_WHOLE_MINUTES", ({}, {}))
    monkeypatch.setattr(module, "_WHOLE_MINUTES_KEPT", 2)
    monday, tuesday = bj(2026, 3, 2, 9, 0), bj(2026, 3, 3, 9, 0)
    CALENDAR.is_open("5x8", monday)  # the tables are built on first use (by the general path)
    first = CALENDAR.between("5x8", monday, monday + timedelta(hours=1))
    again = CALENDAR.between("5x8", tuesday, tuesday + timedelta(hours=1))
    assert again is first and (first.minutes, first.provisional) == (60, False)
    with pytest.raises(FrozenInstanceError):
        first.minutes = 1
    afternoon = bj(2026, 3, 2, 13, 0)
    for hours in range(2, 5):  # past the limit: built each time, the shared ones kept
        assert CALENDAR.between("5x8", afternoon, afternoon + timedelta(hours=hours)).minutes == hours * 60
    assert len(module._WHOLE_MINUTES[False]) == 2
