"""China's business calendar and SLA working-time arithmetic (docs/architecture.md).

Pure Python, no Django: the ``calendars`` app loads the admin-edited holiday data
and builds a :class:`BusinessCalendar` from it; everything else lives here.

How the arithmetic is fast
--------------------------
All instants are handled as *local seconds*: seconds since 1970-01-01 00:00 Beijing
time. Asia/Shanghai has been UTC+08:00 without daylight saving since 1991, so local
seconds are epoch seconds + 28,800 and a day is always 86,400 seconds; instants before
1992 are refused.

Schedules are data (:class:`Schedule`, defined in the catalog's ``labels.yaml``): on which
days a service works (every day, or China's working days with or without make-up days) and
in which intervals of the day. For each schedule with working hours a :class:`_Timeline`
holds, for every day from 1992-01-01 up to a horizon that grows on demand, the cumulative
working seconds before that day. The working time elapsed at
any instant is then one list lookup plus the offset inside the day, and a deadline is
one ``bisect`` into that list: no stepping through periods or days.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

__all__ = [
    "BEIJING",
    "DAY_KINDS",
    "BusinessCalendar",
    "CalendarDataError",
    "Deadline",
    "HolidayBlock",
    "HolidayCalendar",
    "Schedule",
    "ScheduleError",
    "UnknownSchedule",
    "WorkingTime",
    "YearNotice",
]

BEIJING = ZoneInfo("Asia/Shanghai")

BUNDLED_DATA = Path(__file__).with_name("data") / "cn_holidays.yaml"
# The catalog's labels file defines the schedules the product ships with (``schedules:``).
BUNDLED_SCHEDULES = Path(__file__).parents[1] / "catalog" / "plans" / "labels.yaml"

# Asia/Shanghai dropped daylight saving in 1991; from 1992 on it is a fixed UTC+08:00.
FIRST_SUPPORTED_YEAR = 1992
LAST_SUPPORTED_YEAR = 2199

_DAY = 86_400
_UTC_OFFSET = 8 * 3600

_EPOCH_LOCAL = datetime(1970, 1, 1, tzinfo=BEIJING)
# Day 0 of the per-day tables: ``at - _TABLE_ORIGIN`` gives the table index in ``.days``, and
# ``(epoch + _EPOCH_TO_TABLE) // _DAY`` the same from Unix epoch seconds (hot paths).
_TABLE_ORIGIN = datetime(FIRST_SUPPORTED_YEAR, 1, 1, tzinfo=BEIJING)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_FIRST_DAY = (date(FIRST_SUPPORTED_YEAR, 1, 1) - date(1970, 1, 1)).days
_ORDINAL_1970 = date(1970, 1, 1).toordinal()
_MIN_LOCAL = _FIRST_DAY * _DAY
_END_LOCAL = (date(LAST_SUPPORTED_YEAR + 1, 1, 1) - date(1970, 1, 1)).days * _DAY
_SUPPORTED_DAYS = _END_LOCAL // _DAY - _FIRST_DAY
_EPOCH_TO_TABLE = _UTC_OFFSET - _MIN_LOCAL


# --------------------------------------------------------------------------- holiday data


@dataclass(frozen=True)
class HolidayBlock:
    """One holiday span of a notice, e.g. 春节 2026-02-15 to 2026-02-23 (both inclusive)."""

    name: str
    start: date
    end: date


@dataclass(frozen=True)
class YearNotice:
    """A year's arrangement as the State Council notice for that year states it."""

    year: int
    holidays: tuple[HolidayBlock, ...]
    makeup_days: tuple[date, ...]
    source: str = ""


class CalendarDataError(ValueError):
    """Holiday data that cannot be right; the message names the file, year and field."""


def _date_range(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _check_notice(notice: YearNotice) -> None:
    """Raise CalendarDataError if a notice is not self-consistent."""
    year = notice.year

    def fail(field: str, reason: str) -> CalendarDataError:
        return CalendarDataError(f"year {year}: {field}: {reason}")

    if isinstance(year, bool) or not isinstance(year, int):
        raise CalendarDataError(f"year {year!r}: the year must be a whole number")
    if not FIRST_SUPPORTED_YEAR <= year <= LAST_SUPPORTED_YEAR:
        raise fail("year", f"outside the supported years {FIRST_SUPPORTED_YEAR}-{LAST_SUPPORTED_YEAR}")
    if not isinstance(notice.source, str):
        raise fail("source", "must be text")
    seen: dict[date, str] = {}
    for block in notice.holidays:
        if not isinstance(block.name, str) or not block.name.strip():
            raise fail("holidays", "a holiday has no name")
        where = f"holiday {block.name}"
        for attr in ("start", "end"):
            value = getattr(block, attr)
            if isinstance(value, datetime) or not isinstance(value, date):
                raise fail(where, f"{attr} {value!r} is not a date")
        if block.end < block.start:
            raise fail(where, f"ends ({block.end}) before it starts ({block.start})")
        if block.end.year != year:
            raise fail(where, f"end {block.end} is not in {year}")
        # A notice may open its year with a span that starts on the previous 31 December or so
        # (2023: 2022-12-31 to 2023-01-02); anything earlier belongs to another notice.
        if block.start.year != year and not (block.start.year == year - 1 and block.start.month == 12):
            raise fail(where, f"start {block.start} is not in {year}")
        for day in _date_range(block.start, block.end):
            if day in seen:
                raise fail(where, f"{day} is already part of holiday {seen[day]}")
            seen[day] = block.name
    makeup_seen: set[date] = set()
    for day in notice.makeup_days:
        if isinstance(day, datetime) or not isinstance(day, date):
            raise fail("makeup_days", f"{day!r} is not a date")
        if day.year != year:
            raise fail("makeup_days", f"{day} is not in {year}")
        if day in makeup_seen:
            raise fail("makeup_days", f"{day} is listed twice")
        if day in seen:
            raise fail("makeup_days", f"{day} is also a holiday ({seen[day]})")
        if day.weekday() < 5:
            raise fail("makeup_days", f"{day} is a weekday; a make-up working day is a Saturday or Sunday")
        makeup_seen.add(day)


class HolidayCalendar:
    """Statutory holidays and make-up working days, by year of notice."""

    def __init__(self, notices: Iterable[YearNotice]):
        by_year: dict[int, YearNotice] = {}
        holiday_names: dict[date, str] = {}
        makeup_days: set[date] = set()
        for notice in notices:
            _check_notice(notice)
            if notice.year in by_year:
                raise CalendarDataError(f"year {notice.year}: the year is given twice")
            by_year[notice.year] = notice
            for block in notice.holidays:
                for day in _date_range(block.start, block.end):
                    if day in holiday_names:
                        raise CalendarDataError(
                            f"year {notice.year}: holiday {block.name}: {day} is also a holiday "
                            f"({holiday_names[day]}) in another year's notice"
                        )
                    holiday_names[day] = block.name
            makeup_days.update(notice.makeup_days)
        clash = sorted(makeup_days & holiday_names.keys())
        if clash:
            raise CalendarDataError(
                f"year {clash[0].year}: makeup_days: {clash[0]} is also a holiday ({holiday_names[clash[0]]})"
            )
        self._notices = tuple(by_year[year] for year in sorted(by_year))
        self._holiday_names = holiday_names
        self._makeup_days = frozenset(makeup_days)
        self.years_loaded: frozenset[int] = frozenset(by_year)

    @classmethod
    def bundled(cls) -> HolidayCalendar:
        """The holiday data shipped with SuccessHub (``core/data/cn_holidays.yaml``), cached."""
        return _bundled_calendar()

    @classmethod
    def from_yaml(cls, path_or_text: str | os.PathLike[str]) -> HolidayCalendar:
        """Load holiday data from a YAML file (a path) or from YAML text."""
        if isinstance(path_or_text, os.PathLike):
            path = Path(path_or_text)
            text = _read_text(path)
            origin = path.name
        elif _looks_like_path(path_or_text):
            path = Path(path_or_text)
            text = _read_text(path)
            origin = path.name
        else:
            text = path_or_text
            origin = "holiday data"
        try:
            return cls(_parse_notices(text, origin))
        except CalendarDataError as exc:
            message = str(exc)
            raise CalendarDataError(
                message if message.startswith(origin) else f"{origin}: {message}"
            ) from None

    def is_loaded(self, year: int) -> bool:
        return year in self.years_loaded

    def is_holiday(self, d: date) -> bool:
        return d in self._holiday_names

    def is_makeup_day(self, d: date) -> bool:
        return d in self._makeup_days

    def holiday_name(self, d: date) -> str | None:
        return self._holiday_names.get(d)

    def notices(self) -> tuple[YearNotice, ...]:
        return self._notices

    def __repr__(self) -> str:
        years = ", ".join(str(year) for year in sorted(self.years_loaded))
        return f"<HolidayCalendar years=[{years}]>"


def _looks_like_path(text: str) -> bool:
    if "\n" in text:
        return False
    if text.strip().endswith((".yaml", ".yml")):
        return True
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarDataError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def _parse_date(value: Any, origin: str, year: Any, field: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarDataError(f"{origin}: year {year}: {field}: {value!r} is not a date (YYYY-MM-DD)")


class _HolidayLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad one is reported with its year and field."""


_HolidayLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _parse_notices(text: str, origin: str) -> list[YearNotice]:
    try:
        data = yaml.load(text, Loader=_HolidayLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CalendarDataError(f"{origin}: not valid YAML{where}") from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise CalendarDataError(f"{origin}: expected a mapping of year to that year's notice")
    notices = []
    for key, entry in data.items():
        try:
            year = int(key)
        except (TypeError, ValueError):
            raise CalendarDataError(f"{origin}: year {key!r}: the year must be a whole number") from None
        if not isinstance(entry, dict):
            raise CalendarDataError(f"{origin}: year {year}: expected source, holidays and makeup_days")
        unknown = set(entry) - {"source", "holidays", "makeup_days"}
        if unknown:
            raise CalendarDataError(f"{origin}: year {year}: {sorted(map(str, unknown))[0]}: unknown field")
        source = entry.get("source") or ""
        if not isinstance(source, str):
            raise CalendarDataError(f"{origin}: year {year}: source: must be text")
        raw_holidays = entry.get("holidays") or []
        raw_makeup = entry.get("makeup_days") or []
        if not isinstance(raw_holidays, list):
            raise CalendarDataError(f"{origin}: year {year}: holidays: expected a list")
        if not isinstance(raw_makeup, list):
            raise CalendarDataError(f"{origin}: year {year}: makeup_days: expected a list of dates")
        blocks = []
        for index, raw in enumerate(raw_holidays, start=1):
            field = f"holidays #{index}"
            if not isinstance(raw, dict):
                raise CalendarDataError(f"{origin}: year {year}: {field}: expected name, start and end")
            missing = [name for name in ("name", "start", "end") if raw.get(name) in (None, "")]
            if missing:
                raise CalendarDataError(f"{origin}: year {year}: {field}: {missing[0]} is missing")
            extra = set(raw) - {"name", "start", "end"}
            if extra:
                raise CalendarDataError(
                    f"{origin}: year {year}: {field}: {sorted(map(str, extra))[0]}: unknown field"
                )
            blocks.append(
                HolidayBlock(
                    name=str(raw["name"]),
                    start=_parse_date(raw["start"], origin, year, f"{field} start"),
                    end=_parse_date(raw["end"], origin, year, f"{field} end"),
                )
            )
        makeup = tuple(_parse_date(value, origin, year, "makeup_days") for value in raw_makeup)
        notices.append(YearNotice(year=year, holidays=tuple(blocks), makeup_days=makeup, source=source))
    return notices


@functools.cache
def _bundled_calendar() -> HolidayCalendar:
    return HolidayCalendar.from_yaml(BUNDLED_DATA)


# --------------------------------------------------------------------------- schedules

EVERY_DAY = "every_day"
WORKING_DAYS = "working_days"  # Monday-Friday less China's statutory holidays
DAY_KINDS = (EVERY_DAY, WORKING_DAYS)


class ScheduleError(ValueError):
    """A schedule definition that cannot be right; ``field`` names the part."""

    def __init__(self, code: str, field: str, problem: str):
        self.code, self.field, self.problem = code, field, problem
        super().__init__(f"schedule {code}: {field}: {problem}")


@dataclass(frozen=True)
class Schedule:
    """Service hours: on which days a service works and in which intervals of those days.

    ``hours`` are (start, end) seconds after Beijing midnight, sorted and disjoint, end at most
    24:00. ``makeup_days`` (for ``working_days``) is whether make-up working days (调休上班)
    count by default; the business calendar's callers may say otherwise per call.
    """

    code: str
    days: str
    hours: tuple[tuple[int, int], ...]
    makeup_days: bool = False

    def __post_init__(self) -> None:
        if self.days not in DAY_KINDS:
            raise ScheduleError(self.code, "days", f"{self.days!r} is not one of {', '.join(DAY_KINDS)}")
        if not self.hours:
            raise ScheduleError(self.code, "hours", "at least one interval is needed")
        previous_end = 0
        for start, end in self.hours:
            if not (type(start) is int and type(end) is int and 0 <= start < end <= _DAY):
                raise ScheduleError(
                    self.code, "hours", f"{_clock(start)}-{_clock(end)} is not an interval of a day"
                )
            if start < previous_end:
                raise ScheduleError(self.code, "hours", "intervals must be in order and must not overlap")
            previous_end = end
        if self.makeup_days and self.days != WORKING_DAYS:
            raise ScheduleError(self.code, "makeup_days", "only working-day schedules have make-up days")

    @property
    def day_seconds(self) -> int:
        """Working seconds in one working day (8 h for 08:30-12:00 and 13:00-17:30)."""
        return sum(end - start for start, end in self.hours)

    @property
    def all_day(self) -> bool:
        return self.hours == ((0, _DAY),)

    def hours_text(self, separator: str = "、", dash: str = "-") -> str:
        """The intervals as people read them: ``8:30-12:00、13:00-17:30``."""
        return separator.join(f"{_clock(start)}{dash}{_clock(end)}" for start, end in self.hours)


def _clock(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}:{rest // 60:02d}"


def parse_hours(values: Any, code: str) -> tuple[tuple[int, int], ...]:
    """``["8:30-12:00", "13:00-17:30"]`` as (start, end) seconds after midnight."""
    if not isinstance(values, list) or not values:
        raise ScheduleError(code, "hours", 'expected a list of intervals such as "8:30-12:00"')
    intervals = []
    for value in values:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(value))
        if match is None:
            raise ScheduleError(code, "hours", f'{value!r} is not an interval such as "8:30-12:00"')
        h1, m1, h2, m2 = map(int, match.groups())
        if m1 > 59 or m2 > 59:
            raise ScheduleError(code, "hours", f"{value!r}: minutes run to 59")
        intervals.append((h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60))
    return tuple(intervals)


def parse_schedules(raw: Any, source: str = "schedules") -> dict[str, tuple[Schedule, dict]]:
    """The ``schedules:`` mapping of a catalog labels file: code -> (Schedule, its raw entry)."""
    if not isinstance(raw, dict) or not raw:
        raise ScheduleError(source, "schedules", "expected a mapping of schedule codes")
    parsed = {}
    for code, entry in raw.items():
        code = str(code)
        if not isinstance(entry, dict):
            raise ScheduleError(code, "", "expected name, days and hours")
        unknown = set(entry) - {"name", "days", "hours", "makeup_days"}
        if unknown:
            raise ScheduleError(code, sorted(map(str, unknown))[0], "unknown field")
        makeup = entry.get("makeup_days", False)
        if not isinstance(makeup, bool):
            raise ScheduleError(code, "makeup_days", "must be true or false")
        schedule = Schedule(code, str(entry.get("days")), parse_hours(entry.get("hours"), code), makeup)
        parsed[code] = (schedule, entry)
    return parsed


@functools.cache
def bundled_schedules() -> tuple[Schedule, ...]:
    """The schedules of the catalog the product ships with (``catalog/plans/labels.yaml``)."""
    document = yaml.safe_load(BUNDLED_SCHEDULES.read_text(encoding="utf-8"))
    return tuple(
        schedule
        for schedule, _ in parse_schedules(document.get("schedules"), str(BUNDLED_SCHEDULES)).values()
    )


class _Hours:
    """One schedule's day: lookups for the arithmetic inside a working day."""

    __slots__ = ("intervals", "day_seconds", "first_start", "_before")

    def __init__(self, intervals: tuple[tuple[int, int], ...]):
        self.intervals = intervals
        before, done = [], 0
        for start, end in intervals:
            before.append(done)
            done += end - start
        self._before = tuple(before)
        self.day_seconds = done
        self.first_start = intervals[0][0]

    def work_into_day(self, second: int | float) -> int | float:
        """Working seconds done by ``second`` seconds after midnight of a working day."""
        done = 0
        for start, end in self.intervals:
            if second <= start:
                break
            done += (second if second < end else end) - start
        return done

    def clock_time(self, work: int | float) -> int | float:
        """Seconds after midnight at which a working day has done ``work`` (0 < work <= a day).

        The earliest such moment: work that ends an interval ends at its end (12:00, not 13:00).
        """
        for (start, end), before in zip(self.intervals, self._before, strict=True):
            if work <= before + end - start:
                return start + work - before
        return self.intervals[-1][1]

    def is_open(self, second: int | float) -> bool:
        return any(start <= second < end for start, end in self.intervals)

    def next_open(self, second: int | float) -> int | float | None:
        """The first working second of this day at or after ``second``, or None."""
        for start, end in self.intervals:
            if second < start:
                return start
            if second < end:
                return second
        return None

    def tables(self) -> tuple[list, list[timedelta], list[int]]:
        return _intraday_tables(self.intervals)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a clock runs out. ``provisional`` when a year without a loaded notice was counted."""

    at: datetime
    provisional: bool


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """Working minutes between two instants (an int when whole)."""

    minutes: float
    provisional: bool


class UnknownSchedule(ValueError):
    """A schedule code the business calendar was not given."""


# Results are built on the hot path of every SLA computation: the same objects the
# dataclass __init__ builds, through the slot descriptors directly (about twice as fast).
_new = object.__new__
_set_deadline_at = Deadline.__dict__["at"].__set__
_set_deadline_provisional = Deadline.__dict__["provisional"].__set__
_set_working_minutes = WorkingTime.__dict__["minutes"].__set__
_set_working_provisional = WorkingTime.__dict__["provisional"].__set__


def _deadline(at: datetime, provisional: bool) -> Deadline:
    result = _new(Deadline)
    _set_deadline_at(result, at)
    _set_deadline_provisional(result, provisional)
    return result


def _working_time(minutes: int | float, provisional: bool) -> WorkingTime:
    result = _new(WorkingTime)
    _set_working_minutes(result, minutes)
    _set_working_provisional(result, provisional)
    return result


# Whole-minute results of the hot paths of between(), shared (index: provisional). WorkingTime is
# immutable and the same values recur (a 5x8 day has 480 working minutes), so a lookup replaces
# building one, which costs more than the rest of the arithmetic. Bounded: past the limit, built.
_WHOLE_MINUTES: tuple[dict[int, WorkingTime], dict[int, WorkingTime]] = ({}, {})
_WHOLE_MINUTES_KEPT = 20_000


def _whole_minutes(minutes: int, provisional: bool) -> WorkingTime:
    """The WorkingTime of ``minutes`` whole minutes (kept for the next time, up to the limit)."""
    result = _working_time(minutes, provisional)
    kept = _WHOLE_MINUTES[provisional]
    if len(kept) < _WHOLE_MINUTES_KEPT:
        kept[minutes] = result
    return result


# --------------------------------------------------------------------------- conversions


def _local_seconds(at: datetime) -> int | float:
    """Seconds since 1970-01-01 00:00 Beijing time; naive datetimes are Beijing time."""
    tz = at.tzinfo
    if tz is BEIJING:
        delta = at - _EPOCH_LOCAL  # same tzinfo: plain wall-clock subtraction
    elif tz is None or at.utcoffset() is None:
        delta = at.replace(tzinfo=None) - _EPOCH_NAIVE
    else:
        delta = at - _EPOCH_LOCAL
    seconds = delta.days * _DAY + delta.seconds
    if delta.microseconds:
        seconds += delta.microseconds / 1_000_000
    if not _MIN_LOCAL <= seconds < _END_LOCAL:
        raise ValueError(
            f"{at.isoformat()} is outside the supported years {FIRST_SUPPORTED_YEAR}-{LAST_SUPPORTED_YEAR}"
        )
    return seconds


_fromtimestamp = datetime.fromtimestamp


def _to_datetime(local: int | float) -> datetime:
    return _fromtimestamp(local - _UTC_OFFSET, BEIJING)


def _minutes_to_seconds(minutes: int | float) -> int | float:
    if isinstance(minutes, bool | str | complex) or not isinstance(minutes, numbers.Number):
        raise ValueError(f"minutes must be a number, not {minutes!r}")
    if not isinstance(minutes, int | float):
        minutes = float(minutes)  # Decimal, Fraction
    if isinstance(minutes, float):
        if not math.isfinite(minutes):
            raise ValueError("minutes must be a finite number")
        if minutes.is_integer():
            minutes = int(minutes)
    if minutes < 0:
        raise ValueError(f"minutes must not be negative (got {minutes})")
    seconds = minutes * 60
    if isinstance(seconds, float):
        seconds = round(seconds, 6)
        if seconds.is_integer():
            seconds = int(seconds)
    return seconds


def _year_of_day(day: int) -> int:
    return date.fromordinal(_ORDINAL_1970 + day).year


# --------------------------------------------------------------------------- clocks


class _Span:
    """Immutable per-day arrays from 1992-01-01 (day index 0) up to ``days`` days.

    ``cum[i]``: working seconds before day i; ``open[i]``: day i has working hours;
    ``provisional[i]``: number of days before day i that lie in a year with no notice;
    ``workdays[k]``: the day index of the k-th working day (from 0).

    Every working day of a schedule has the same hours, so the working seconds done by the end of
    the k-th working day are ``(k + 1) * day_seconds``: the day on which ``work`` (> 0) seconds are
    done is ``workdays[(work - 1) // day_seconds]``, found by one division instead of a search.
    """

    __slots__ = (
        "cum",
        "days",
        "open",
        "provisional",
        "workdays",
        "day_seconds",
        "last_year",
        "midnights",
        "work_by_second",
        "clock_by_work",
        "epoch_by_work",
    )

    def __init__(
        self,
        cum: list[int],
        open_: bytes,
        provisional: list[int],
        last_year: int,
        midnights: list[datetime],
        hours: _Hours,
    ):
        self.cum = cum
        self.open = open_
        self.provisional = provisional
        self.days = len(open_)
        self.workdays = [index for index, is_open in enumerate(open_) if is_open]
        self.day_seconds = hours.day_seconds
        self.last_year = last_year
        # Beijing midnight of each day: midnight + timedelta is ~6x faster than
        # datetime.fromtimestamp(..., BEIJING), and exact since Beijing has no DST.
        self.midnights = midnights
        self.work_by_second, self.clock_by_work, self.epoch_by_work = hours.tables()


@functools.cache
def _intraday_tables(intervals: tuple[tuple[int, int], ...]) -> tuple[list, list[timedelta], list[int]]:
    """Lookup tables for the hot paths of one schedule's day, by whole second.

    - ``work_by_second[s]``: the work done by second ``s`` of a working day;
    - ``clock_by_work[r]``: when a working day has done ``r + 1`` seconds of work, as a timedelta
      after midnight (datetime API: ``midnights[d] + clock_by_work[r]``);
    - ``epoch_by_work[r]``: the same moment on table day 0 as Unix epoch seconds (epoch API:
      ``d * _DAY + epoch_by_work[r]`` on table day ``d``).
    """
    hours = _Hours(intervals)
    work_by_second = [hours.work_into_day(second) for second in range(_DAY)]
    clock = [hours.clock_time(work + 1) for work in range(hours.day_seconds)]
    day_zero = _MIN_LOCAL - _UTC_OFFSET
    return (
        work_by_second,
        [timedelta(seconds=second) for second in clock],
        [day_zero + second for second in clock],
    )


class _Clock:
    """Working-time arithmetic on local seconds for one schedule."""

    def work(self, local: int | float) -> int | float:
        """Working seconds from a fixed origin up to ``local``."""
        raise NotImplementedError

    def deadline(self, work: int | float) -> int | float:
        """The earliest instant at which ``work()`` reaches ``work`` (which must exceed 0)."""
        raise NotImplementedError

    def next_open(self, local: int | float) -> int | float:
        raise NotImplementedError

    def is_open(self, local: int | float) -> bool:
        raise NotImplementedError

    def provisional(self, first: int | float, last: int | float) -> bool:
        return False

    def add(self, local: int | float, seconds: int | float) -> int | float:
        if not seconds:
            return self.next_open(local)
        return self.deadline(self.work(local) + seconds)

    def fast_add_local(self, begin: int | float, seconds: int | float) -> tuple[int | float, bool] | None:
        """``add`` on local seconds for the common case, or None to take the general path."""
        return None


class _AlwaysOpen(_Clock):
    """7x24: every second counts."""

    def work(self, local):
        return local

    def deadline(self, work):
        return work

    def next_open(self, local):
        return local

    def is_open(self, local):
        return True

    def add(self, local, seconds):
        return local + seconds


class _Timeline(_Clock):
    """A schedule's working intervals on the days ``is_working_day`` accepts."""

    def __init__(
        self,
        hours: _Hours,
        is_working_day: Callable[[date], bool],
        is_provisional_year: Callable[[int], bool],
        initial_last_year: int,
    ):
        self.hours = hours
        self._is_working_day = is_working_day
        self._is_provisional_year = is_provisional_year
        self._initial_last_year = initial_last_year
        # Built on first use (the empty span covers no day), so an unused schedule costs nothing.
        self.span = _Span([0], b"", [0], FIRST_SUPPORTED_YEAR - 1, [], hours)

    def _build(self, last_year: int) -> _Span:
        last_year = min(last_year, LAST_SUPPORTED_YEAR)
        first = date(FIRST_SUPPORTED_YEAR, 1, 1)
        days = (date(last_year + 1, 1, 1) - first).days
        cum = [0] * (days + 1)
        provisional = [0] * (days + 1)
        open_ = bytearray(days)
        total = 0
        provisional_days = 0
        is_working_day = self._is_working_day
        day_seconds = self.hours.day_seconds
        provisional_years = {
            year: self._is_provisional_year(year) for year in range(FIRST_SUPPORTED_YEAR, last_year + 1)
        }
        midnights = [_EPOCH_LOCAL + timedelta(days=_FIRST_DAY + index) for index in range(days)]
        day = first
        one = timedelta(days=1)
        for index in range(days):
            if is_working_day(day):
                open_[index] = 1
                total += day_seconds
            if provisional_years[day.year]:
                provisional_days += 1
            day += one
            cum[index + 1] = total
            provisional[index + 1] = provisional_days
        return _Span(cum, bytes(open_), provisional, last_year, midnights, self.hours)

    def _span_through(self, day_index: int) -> _Span:
        """A span that covers ``day_index`` (grows the horizon a few years past it)."""
        span = self.span
        if day_index < span.days:
            return span
        if span.last_year >= LAST_SUPPORTED_YEAR or day_index >= _SUPPORTED_DAYS:
            raise ValueError(f"the result lies past the supported years (after {LAST_SUPPORTED_YEAR})")
        needed_year = _year_of_day(day_index + _FIRST_DAY)
        span = self._build(max(needed_year + 3, self._initial_last_year))
        self.span = span  # one assignment: readers see the old span or the new one
        return span

    def work(self, local):
        day, second = divmod(local, _DAY)
        index = day - _FIRST_DAY
        span = self.span
        if index >= span.days:
            span = self._span_through(int(index))
        index = int(index)
        if span.open[index]:
            return span.cum[index] + self.hours.work_into_day(second)
        return span.cum[index]

    def deadline(self, work):
        span = self.span
        cum = span.cum
        after = bisect_left(cum, work)
        while after > span.days:
            overshoot = work - cum[-1]
            span = self._span_through(span.days + int(overshoot // self.hours.day_seconds) * 7 // 5 + 14)
            cum = span.cum
            after = bisect_left(cum, work)
        index = after - 1  # cum[index] < work <= cum[index + 1]: day `index` is a working day
        return (index + _FIRST_DAY) * _DAY + self.hours.clock_time(work - cum[index])

    def fast_add_local(self, begin, seconds):
        """``add`` on local seconds for whole seconds inside the span built; else None.

        The same arithmetic as the fast path of BusinessCalendar.add, on plain integers.
        """
        if type(begin) is not int or type(seconds) is not int or seconds <= 0:
            return None
        day, second = divmod(begin, _DAY)
        index = day - _FIRST_DAY
        span = self.span
        days = span.days
        if not 0 <= index < days:
            return None
        cum = span.cum
        work = cum[index] + seconds
        if span.open[index]:
            work += span.work_by_second[second]
        after = bisect_left(cum, work, index)
        if after > days:
            return None
        provisional = span.provisional
        return (
            (after - 1 + _FIRST_DAY) * _DAY + self.hours.clock_time(work - cum[after - 1]),
            provisional[after] != provisional[index],
        )

    def is_open(self, local):
        day, second = divmod(local, _DAY)
        index = int(day - _FIRST_DAY)
        span = self._span_through(index)
        if not span.open[index]:
            return False
        return self.hours.is_open(second)

    def next_open(self, local):
        day, second = divmod(local, _DAY)
        index = int(day - _FIRST_DAY)
        span = self._span_through(index)
        if span.open[index]:
            opens = self.hours.next_open(second)
            if opens is not None:
                return local if opens == second else local - second + opens
        while True:
            cum = span.cum
            # The next working day k is the last index whose cum equals cum[index + 1].
            following = bisect_right(cum, cum[index + 1], index + 1) - 1
            if following < span.days:
                return (following + _FIRST_DAY) * _DAY + self.hours.first_start
            span = self._span_through(span.days + 366)

    def provisional(self, first, last):
        first_index = int(first // _DAY) - _FIRST_DAY
        last_index = int(last // _DAY) - _FIRST_DAY
        span = self._span_through(last_index)
        return span.provisional[last_index + 1] != span.provisional[first_index]


# --------------------------------------------------------------------------- business calendar


class BusinessCalendar:
    """Working time under the service schedules (the catalog's; see docs/architecture.md).

    ``schedules`` default to the catalog the product ships with. Accepts aware datetimes in any
    zone (naive ones are taken as Beijing time) and returns aware datetimes in Asia/Shanghai.
    ``include_makeup_days`` (None: the schedule's own setting) says whether make-up working
    days count for a working-day schedule.
    """

    def __init__(self, holidays: HolidayCalendar, schedules: Iterable[Schedule] | None = None):
        self.holidays = holidays
        self.schedules: dict[str, Schedule] = {
            s.code: s for s in (bundled_schedules() if schedules is None else schedules)
        }
        horizon = max(holidays.years_loaded, default=FIRST_SUPPORTED_YEAR) + 2

        def weekday_less_holidays(day: date) -> bool:
            return day.weekday() < 5 and not holidays.is_holiday(day)

        def with_makeup_days(day: date) -> bool:
            return weekday_less_holidays(day) or holidays.is_makeup_day(day)

        def unloaded(year: int) -> bool:
            return not holidays.is_loaded(year)

        def every_day(day: date) -> bool:
            return True

        def never(year: int) -> bool:
            return False

        # One clock per kind of day and day's hours, shared by the schedules that have the same.
        clocks: dict[tuple, _Clock] = {}

        def clock(days: str, makeup: bool, hours: tuple[tuple[int, int], ...]) -> _Clock:
            key = (days, makeup and days == WORKING_DAYS, hours)
            if key not in clocks:
                if days == EVERY_DAY and hours == ((0, _DAY),):
                    clocks[key] = _AlwaysOpen()
                elif days == EVERY_DAY:
                    clocks[key] = _Timeline(_Hours(hours), every_day, never, horizon)
                else:
                    rule = with_makeup_days if makeup else weekday_less_holidays
                    clocks[key] = _Timeline(_Hours(hours), rule, unloaded, horizon)
            return clocks[key]

        # By schedule code: without make-up days, with them, and as the schedule itself says.
        self._plain: dict[str, _Clock] = {}
        self._with_makeup: dict[str, _Clock] = {}
        self._default: dict[str, _Clock] = {}
        for code, schedule in self.schedules.items():
            self._plain[code] = clock(schedule.days, False, schedule.hours)
            self._with_makeup[code] = clock(schedule.days, True, schedule.hours)
            self._default[code] = clock(schedule.days, schedule.makeup_days, schedule.hours)

    def _clocks(self, include_makeup_days: bool | None) -> dict[str, _Clock]:
        if include_makeup_days is None:
            return self._default
        return self._with_makeup if include_makeup_days else self._plain

    # -- public API ---------------------------------------------------------------------

    def is_open(self, schedule: str, at: datetime, include_makeup_days: bool | None = None) -> bool:
        return self._clock(schedule, include_makeup_days).is_open(_local_seconds(at))

    def next_open(self, schedule: str, at: datetime, include_makeup_days: bool | None = None) -> datetime:
        """The first working moment at or after ``at`` (``at`` itself, in Beijing time, when open)."""
        clock = self._clock(schedule, include_makeup_days)
        return _to_datetime(clock.next_open(_local_seconds(at)))

    def add(
        self,
        schedule: str,
        start: datetime,
        minutes: int | float,
        include_makeup_days: bool | None = None,
        pauses: Iterable[tuple[datetime, datetime]] = (),
    ) -> Deadline:
        """The instant ``minutes`` working minutes after ``start`` (pauses not counted).

        The clock starts at the next working moment; a deadline that falls exactly at the
        end of a period stays there. ``minutes=0`` gives the moment the clock starts.
        """
        clock = (
            self._default
            if include_makeup_days is None
            else self._with_makeup
            if include_makeup_days
            else self._plain
        ).get(schedule)
        if (
            type(clock) is _Timeline
            and not pauses
            and start.tzinfo is BEIJING
            and type(minutes) is int
            and minutes > 0
        ):
            # The hot path of every SLA computation, kept flat (one Python frame) with
            # table lookups: Beijing-time start in whole seconds inside the span built.
            delta = start - _TABLE_ORIGIN
            index = delta.days
            span = clock.span
            days = span.days
            if not delta.microseconds and 0 <= index < days:
                done = span.cum[index] + minutes * 60 - 1  # the deadline is when done + 1 s is
                if span.open[index]:
                    done += span.work_by_second[delta.seconds]
                day_seconds = span.day_seconds
                nth = done // day_seconds  # the deadline's working day, counted from table day 0
                workdays = span.workdays
                if nth < len(workdays):
                    deadline_day = workdays[nth]
                    provisional = span.provisional
                    result = _new(Deadline)
                    _set_deadline_at(
                        result,
                        span.midnights[deadline_day] + span.clock_by_work[done - nth * day_seconds],
                    )
                    _set_deadline_provisional(result, provisional[deadline_day + 1] != provisional[index])
                    return result
        return self._add(clock, schedule, start, minutes, include_makeup_days, pauses)

    def _add(self, clock, schedule, start, minutes, include_makeup_days, pauses) -> Deadline:
        if clock is None:
            clock = self._clock(schedule, include_makeup_days)
        begin = _local_seconds(start)
        seconds = _minutes_to_seconds(minutes)
        if pauses:
            end = _add_with_pauses(clock, begin, seconds, _merge_pauses(pauses))
        else:
            end = clock.add(begin, seconds)
        return _deadline(_to_datetime(end), clock.provisional(begin, end))

    def between(
        self,
        schedule: str,
        start: datetime,
        end: datetime,
        include_makeup_days: bool | None = None,
        pauses: Iterable[tuple[datetime, datetime]] = (),
    ) -> WorkingTime:
        """Working minutes from ``start`` to ``end``, less pauses; negative if ``end`` is earlier."""
        clock = (
            self._default
            if include_makeup_days is None
            else self._with_makeup
            if include_makeup_days
            else self._plain
        ).get(schedule)
        if type(clock) is _Timeline and not pauses and start.tzinfo is BEIJING and end.tzinfo is BEIJING:
            # Hot path, as in add(): whole seconds, in order, inside the span built.
            first = start - _TABLE_ORIGIN
            last = end - _TABLE_ORIGIN
            first_index = first.days
            last_index = last.days
            span = clock.span
            if (
                not (first.microseconds or last.microseconds)
                and 0 <= first_index <= last_index < span.days
                and first <= last
            ):
                cum = span.cum
                open_ = span.open
                work = cum[last_index] - cum[first_index]
                if open_[last_index]:
                    work += span.work_by_second[last.seconds]
                if open_[first_index]:
                    work -= span.work_by_second[first.seconds]
                provisional = span.provisional
                flag = provisional[last_index + 1] != provisional[first_index]
                if work % 60:
                    return _working_time(work / 60, flag)
                return _WHOLE_MINUTES[flag].get(work // 60) or _whole_minutes(work // 60, flag)
        if clock is None:
            clock = self._clock(schedule, include_makeup_days)
        first = _local_seconds(start)
        last = _local_seconds(end)
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        seconds = clock.work(last) - clock.work(first)
        for pause_start, pause_end in _merge_pauses(pauses) if pauses else ():
            low = max(pause_start, first)
            high = min(pause_end, last)
            if low < high:
                seconds -= clock.work(high) - clock.work(low)
        return _working_time(_seconds_to_minutes(sign * seconds), clock.provisional(first, last))

    # -- fast paths ---------------------------------------------------------------------

    def add_many(
        self,
        schedule: str,
        starts: Sequence[datetime],
        minutes: Sequence[int | float],
        include_makeup_days: bool | None = None,
    ) -> list[Deadline]:
        """``add`` over many (start, minutes) pairs of one schedule, without pauses: one Python
        frame for the batch (Beijing-time starts, whole minutes inside the span built), ``add``
        for anything else."""
        if len(starts) != len(minutes):
            raise ValueError("starts and minutes differ in length")
        clock = self._clock(schedule, include_makeup_days)  # refuse an unknown schedule up front
        add = self.add
        if type(clock) is not _Timeline:
            return [
                add(schedule, start, amount, include_makeup_days)
                for start, amount in zip(starts, minutes, strict=True)
            ]
        span = clock._span_through(0)  # built (to the horizon) on first use
        cum, open_, work_by_second, days = span.cum, span.open, span.work_by_second, span.days
        workdays, day_seconds, provisional = span.workdays, span.day_seconds, span.provisional
        midnights, clock_by_work = span.midnights, span.clock_by_work
        last_workday = len(workdays) - 1
        origin, beijing = _TABLE_ORIGIN, BEIJING
        new, set_at, set_provisional = _new, _set_deadline_at, _set_deadline_provisional
        results = []
        append = results.append
        for start, amount in zip(starts, minutes, strict=True):
            if start.tzinfo is beijing and type(amount) is int and amount > 0:
                delta = start - origin
                index = delta.days
                if not delta.microseconds and 0 <= index < days:
                    done = cum[index] + amount * 60 - 1
                    if open_[index]:
                        done += work_by_second[delta.seconds]
                    nth = done // day_seconds
                    if nth <= last_workday:
                        deadline_day = workdays[nth]
                        result = new(Deadline)
                        set_at(result, midnights[deadline_day] + clock_by_work[done - nth * day_seconds])
                        set_provisional(result, provisional[deadline_day + 1] != provisional[index])
                        append(result)
                        continue
            append(add(schedule, start, amount, include_makeup_days))
        return results

    def between_many(
        self,
        schedule: str,
        starts: Sequence[datetime],
        ends: Sequence[datetime],
        include_makeup_days: bool | None = None,
    ) -> list[WorkingTime]:
        """``between`` over many (start, end) pairs of one schedule, without pauses: one Python
        frame for the batch (as ``add_many``), ``between`` for anything else."""
        if len(starts) != len(ends):
            raise ValueError("starts and ends differ in length")
        clock = self._clock(schedule, include_makeup_days)
        between = self.between
        if type(clock) is not _Timeline:
            return [
                between(schedule, start, end, include_makeup_days)
                for start, end in zip(starts, ends, strict=True)
            ]
        span = clock._span_through(0)
        cum, open_, work_by_second = span.cum, span.open, span.work_by_second
        provisional, days = span.provisional, span.days
        origin, beijing = _TABLE_ORIGIN, BEIJING
        kept, working_time, whole_minutes = _WHOLE_MINUTES, _working_time, _whole_minutes
        results = []
        append = results.append
        for start, end in zip(starts, ends, strict=True):
            if start.tzinfo is beijing and end.tzinfo is beijing:
                first = start - origin
                last = end - origin
                first_index = first.days
                last_index = last.days
                if (
                    not (first.microseconds or last.microseconds)
                    and 0 <= first_index <= last_index < days
                    and first <= last
                ):
                    work = cum[last_index] - cum[first_index]
                    if open_[last_index]:
                        work += work_by_second[last.seconds]
                    if open_[first_index]:
                        work -= work_by_second[first.seconds]
                    flag = provisional[last_index + 1] != provisional[first_index]
                    if work % 60:
                        append(working_time(work / 60, flag))
                    else:
                        append(kept[flag].get(work // 60) or whole_minutes(work // 60, flag))
                    continue
            append(between(schedule, start, end, include_makeup_days))
        return results

    def add_epoch(
        self, schedule: str, start: int | float, seconds: int | float, include_makeup_days: bool | None = None
    ) -> tuple[int | float, bool]:
        """``add`` on Unix epoch seconds: returns (deadline epoch seconds, provisional)."""
        clock = (
            self._default
            if include_makeup_days is None
            else self._with_makeup
            if include_makeup_days
            else self._plain
        ).get(schedule)
        if type(clock) is _Timeline and type(start) is int and type(seconds) is int and seconds > 0:
            # The hot path, flat as in add(): whole seconds inside the span built.
            local = start + _EPOCH_TO_TABLE
            index = local // _DAY
            span = clock.span
            if 0 <= index < span.days:
                done = span.cum[index] + seconds - 1
                if span.open[index]:
                    done += span.work_by_second[local % _DAY]
                day_seconds = span.day_seconds
                nth = done // day_seconds
                workdays = span.workdays
                if nth < len(workdays):
                    deadline_day = workdays[nth]
                    provisional = span.provisional
                    return (
                        deadline_day * _DAY + span.epoch_by_work[done - nth * day_seconds],
                        provisional[deadline_day + 1] != provisional[index],
                    )
        if clock is None:
            clock = self._clock(schedule, include_makeup_days)
        begin = start + _UTC_OFFSET
        fast = clock.fast_add_local(begin, seconds)
        if fast is not None:
            return fast[0] - _UTC_OFFSET, fast[1]
        if not _MIN_LOCAL <= begin < _END_LOCAL:
            raise ValueError(f"epoch {start} is outside the supported years")
        if seconds < 0:
            raise ValueError(f"seconds must not be negative (got {seconds})")
        end = clock.add(begin, seconds)
        return end - _UTC_OFFSET, clock.provisional(begin, end)

    def add_epoch_many(
        self,
        schedule: str,
        starts: Sequence[int],
        seconds: Sequence[int],
        include_makeup_days: bool | None = None,
    ) -> list[tuple[int | float, bool]]:
        """``add_epoch`` over many (start, seconds) pairs of one schedule: the batch path of the
        epoch API, one Python frame for the whole batch (whole seconds inside the span built),
        ``add_epoch`` for anything else."""
        if len(starts) != len(seconds):
            raise ValueError("starts and seconds differ in length")
        clock = self._clock(schedule, include_makeup_days)
        add_epoch = self.add_epoch
        if type(clock) is not _Timeline:
            return [
                add_epoch(schedule, s, n, include_makeup_days) for s, n in zip(starts, seconds, strict=True)
            ]
        if starts:
            clock._span_through(int(max(starts) + _EPOCH_TO_TABLE) // _DAY)
        span = clock.span
        cum, open_, work_by_second = span.cum, span.open, span.work_by_second
        provisional, epoch_by_work, days = span.provisional, span.epoch_by_work, span.days
        workdays, day_seconds = span.workdays, span.day_seconds
        last_workday = len(workdays) - 1
        day = _DAY
        base = _EPOCH_TO_TABLE
        results = []
        append = results.append
        for start, amount in zip(starts, seconds, strict=True):
            if type(start) is int and type(amount) is int and amount > 0:
                local = start + base
                index = local // day
                if 0 <= index < days:
                    done = cum[index] + amount - 1
                    if open_[index]:
                        done += work_by_second[local % day]
                    nth = done // day_seconds
                    if nth <= last_workday:
                        deadline_day = workdays[nth]
                        append(
                            (
                                deadline_day * day + epoch_by_work[done - nth * day_seconds],
                                provisional[deadline_day + 1] != provisional[index],
                            )
                        )
                        continue
            append(add_epoch(schedule, start, amount, include_makeup_days))
        return results

    def between_epoch(
        self, schedule: str, start: int | float, end: int | float, include_makeup_days: bool | None = None
    ) -> tuple[int | float, bool]:
        """``between`` on Unix epoch seconds: returns (working seconds, provisional)."""
        clock = (
            self._default
            if include_makeup_days is None
            else self._with_makeup
            if include_makeup_days
            else self._plain
        ).get(schedule)
        if type(clock) is _Timeline and type(start) is int and type(end) is int:
            # Hot path, flat as in between(): two days' lookups in the span built.
            first_index = (start + _EPOCH_TO_TABLE) // _DAY
            last_index = (end + _EPOCH_TO_TABLE) // _DAY
            span = clock.span
            days = span.days
            if 0 <= first_index < days and 0 <= last_index < days:
                cum = span.cum
                open_ = span.open
                work = cum[last_index] - cum[first_index]
                if open_[last_index]:
                    work += span.work_by_second[end + _EPOCH_TO_TABLE - last_index * _DAY]
                if open_[first_index]:
                    work -= span.work_by_second[start + _EPOCH_TO_TABLE - first_index * _DAY]
                provisional = span.provisional
                if first_index <= last_index:
                    return work, provisional[last_index + 1] != provisional[first_index]
                return work, provisional[first_index + 1] != provisional[last_index]
        if clock is None:
            clock = self._clock(schedule, include_makeup_days)
        first = start + _UTC_OFFSET
        last = end + _UTC_OFFSET
        if not (_MIN_LOCAL <= first < _END_LOCAL and _MIN_LOCAL <= last < _END_LOCAL):
            raise ValueError("epoch seconds outside the supported years")
        if last < first:
            return clock.work(last) - clock.work(first), clock.provisional(last, first)
        return clock.work(last) - clock.work(first), clock.provisional(first, last)

    # -- helpers --------------------------------------------------------------------------

    def _clock(self, schedule: str, include_makeup_days: bool | None) -> _Clock:
        clock = self._clocks(include_makeup_days).get(schedule) if isinstance(schedule, str) else None
        if clock is None:
            raise UnknownSchedule(
                f"unknown schedule {schedule!r}; expected one of {', '.join(self.schedules)}"
            )
        return clock


def _seconds_to_minutes(seconds: int | float) -> int | float:
    if isinstance(seconds, float):
        seconds = round(seconds, 6)
        if seconds.is_integer():
            seconds = int(seconds)
    if isinstance(seconds, int) and seconds % 60 == 0:
        return seconds // 60
    return seconds / 60


def _merge_pauses(pauses: Iterable[tuple[datetime, datetime]]) -> list[tuple[int | float, int | float]]:
    """Pauses as sorted, disjoint (start, end) local-second intervals."""
    intervals = []
    for pause in pauses:
        try:
            pause_start, pause_end = pause
        except (TypeError, ValueError):
            raise ValueError(f"a pause must be a (start, end) pair, not {pause!r}") from None
        low = _local_seconds(pause_start)
        high = _local_seconds(pause_end)
        if high < low:
            raise ValueError(
                f"a pause ends ({pause_end.isoformat()}) before it starts ({pause_start.isoformat()})"
            )
        if high > low:
            intervals.append((low, high))
    intervals.sort()
    merged: list[tuple[int | float, int | float]] = []
    for low, high in intervals:
        if merged and low <= merged[-1][1]:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def _add_with_pauses(
    clock: _Clock, begin: int | float, seconds: int | float, pauses: list[tuple[int | float, int | float]]
) -> int | float:
    current = begin
    for pause_start, pause_end in pauses:
        if pause_end <= current:
            continue
        if pause_start > current:
            if not seconds:
                opens = clock.next_open(current)
                if opens < pause_start:
                    return opens
            else:
                work_now = clock.work(current)
                available = clock.work(pause_start) - work_now
                if available >= seconds:
                    return clock.deadline(work_now + seconds)
                seconds -= available
        current = pause_end
    return clock.add(current, seconds)
