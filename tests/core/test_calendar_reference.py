"""add() and between() against a naive minute-by-minute reference, 2024-2026.

The reference reads the raw holiday and make-up lists from the bundled YAML and walks
the clock one minute at a time; it shares no code with the calendar under test.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import yaml

from successhub.core.calendar import BEIJING, BUNDLED_DATA, BusinessCalendar, HolidayCalendar

CALENDAR = BusinessCalendar(HolidayCalendar.bundled())
MINUTE = timedelta(minutes=1)
FIRST = datetime(2024, 1, 1)
# Starts up to mid-November 2026 so that every case stays inside the loaded years.
START_RANGE_MINUTES = int((datetime(2026, 11, 15) - FIRST) / MINUTE)


def raw_lists() -> tuple[set[date], set[date]]:
    data = yaml.safe_load(BUNDLED_DATA.read_text(encoding="utf-8"))
    holidays, makeup_days = set(), set()
    for entry in data.values():
        for block in entry["holidays"]:
            day = block["start"]
            while day <= block["end"]:
                holidays.add(day)
                day += timedelta(days=1)
        makeup_days.update(entry["makeup_days"])
    return holidays, makeup_days


HOLIDAYS, MAKEUP_DAYS = raw_lists()


def working_minute(schedule: str, include_makeup_days: bool, at: datetime) -> bool:
    """Is the minute starting at ``at`` (naive Beijing time) a working minute?"""
    if schedule == "7x24":
        return True
    clock = at.hour * 60 + at.minute
    if not (8 * 60 + 30 <= clock < 12 * 60 or 13 * 60 <= clock < 17 * 60 + 30):
        return False
    if schedule == "7x8":
        return True
    day = at.date()
    if include_makeup_days and day in MAKEUP_DAYS:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS


def reference_add(schedule: str, include_makeup_days: bool, start: datetime, minutes: int) -> datetime:
    at = start
    if minutes == 0:
        while not working_minute(schedule, include_makeup_days, at):
            at += MINUTE
        return at
    while True:
        if working_minute(schedule, include_makeup_days, at):
            minutes -= 1
            if minutes == 0:
                return at + MINUTE
        at += MINUTE


def reference_between(schedule: str, include_makeup_days: bool, start: datetime, end: datetime) -> int:
    count = 0
    at = start
    while at < end:
        count += working_minute(schedule, include_makeup_days, at)
        at += MINUTE
    return count


def random_cases(seed: int, count: int) -> list:
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        schedule = ("7x24", "7x8", "5x8", "5x8")[index % 4]
        include_makeup_days = rng.random() < 0.5
        start = FIRST + rng.randrange(START_RANGE_MINUTES) * MINUTE
        if rng.random() < 0.3:  # land on the edges: period starts and ends, lunch, midnight
            start = start.replace(hour=rng.choice([0, 8, 12, 13, 17]), minute=rng.choice([0, 30]))
        amount = rng.choice([0, 1, 30, 60, 210, 270, 480, 960]) if rng.random() < 0.3 else rng.randrange(2400)
        label = f"{schedule}-{'makeup' if include_makeup_days else 'plain'}-{start:%Y-%m-%dT%H:%M}+{amount}"
        cases.append(pytest.param(schedule, include_makeup_days, start, amount, id=label))
    return cases


@pytest.mark.parametrize(
    ("schedule", "include_makeup_days", "start", "minutes"), random_cases(seed=20240101, count=200)
)
def test_add_agrees_with_the_minute_by_minute_reference(schedule, include_makeup_days, start, minutes):
    expected = reference_add(schedule, include_makeup_days, start, minutes).replace(tzinfo=BEIJING)
    assert CALENDAR.add(schedule, start.replace(tzinfo=BEIJING), minutes, include_makeup_days).at == expected


@pytest.mark.parametrize(
    ("schedule", "include_makeup_days", "start", "minutes"), random_cases(seed=20261001, count=200)
)
def test_between_agrees_with_the_minute_by_minute_reference(schedule, include_makeup_days, start, minutes):
    # Reuse the amount as a span of calendar time: up to ~10 days at 6 minutes a unit.
    end = start + minutes * 6 * MINUTE
    expected = reference_between(schedule, include_makeup_days, start, end)
    result = CALENDAR.between(
        schedule, start.replace(tzinfo=BEIJING), end.replace(tzinfo=BEIJING), include_makeup_days
    )
    assert result.minutes == expected
    assert result.provisional is False
