"""``successhub calendar add|between``: SLA working-time arithmetic from the command line.

    successhub calendar add --schedule 5x8 --start 2026-03-02T09:00 --minutes 480
    successhub calendar between --schedule 5x8 --start ISO --end ISO [--include-makeup-days]
    successhub calendar add --batch FILE        # or - for stdin; one JSON object a line

Instants without an offset are Beijing time; results are printed in +08:00. It uses the
product's calendar (the admin-edited holiday data, or the bundled notices before
``migrate``). A result that counted a year with no notice loaded is still printed, with a
one-line warning on stderr naming the year.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from successhub.cli import UsageError, setup_django
from successhub.core.calendar import (
    BEIJING,
    BusinessCalendar,
    Deadline,
    HolidayCalendar,
    WorkingTime,
    bundled_schedules,
)

_BEIJING_OFFSET = timedelta(hours=8)
# The catalog's schedule codes (catalog/plans/labels.yaml).
SCHEDULES = tuple(schedule.code for schedule in bundled_schedules())
_ADD_FIELDS = {"schedule", "start", "minutes", "include_makeup_days"}
_BETWEEN_FIELDS = {"schedule", "start", "end", "include_makeup_days"}


def register(subparsers) -> None:
    parser = subparsers.add_parser("calendar", help="working time on the business calendar (Beijing time)")
    sub = parser.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="the deadline N working minutes after a start")
    add.add_argument("--schedule", help=f"one of {', '.join(SCHEDULES)}")
    add.add_argument("--start", help="ISO 8601 instant; no offset means Beijing time")
    add.add_argument("--minutes", help="working minutes to add (0 or more)")
    add.add_argument("--include-makeup-days", action="store_true", help="count make-up working days (5x8)")
    add.add_argument(
        "--batch",
        metavar="FILE",
        help='JSON lines {"schedule", "start", "minutes", "include_makeup_days"?} from FILE or - (stdin)',
    )
    add.set_defaults(handler=add_command)

    between = sub.add_parser("between", help="working minutes between two instants")
    between.add_argument("--schedule", help=f"one of {', '.join(SCHEDULES)}")
    between.add_argument("--start", help="ISO 8601 instant; no offset means Beijing time")
    between.add_argument("--end", help="ISO 8601 instant; no offset means Beijing time")
    between.add_argument(
        "--include-makeup-days", action="store_true", help="count make-up working days (5x8)"
    )
    between.add_argument(
        "--batch",
        metavar="FILE",
        help='JSON lines {"schedule", "start", "end", "include_makeup_days"?} from FILE or - (stdin)',
    )
    between.set_defaults(handler=between_command)


# --------------------------------------------------------------------------- handlers


def add_command(args) -> int:
    if args.batch is not None:
        _refuse_with_batch(args, ("schedule", "start", "minutes"))
        requests = [_add_request(line, fields) for line, fields in _read_batch(args.batch, _ADD_FIELDS)]
    else:
        requests = [
            (
                None,
                _schedule(_required(args.schedule, "--schedule")),
                _instant(_required(args.start, "--start"), "--start"),
                _minutes(_required(args.minutes, "--minutes"), "--minutes"),
                args.include_makeup_days or None,
            )
        ]
    calendar = business_calendar()
    results: list[Deadline] = []
    for line, schedule, start, minutes, include_makeup_days in requests:
        results.append(_run(line, calendar.add, schedule, start, minutes, include_makeup_days))
    sys.stdout.write("".join(f"{result.at.isoformat()}\n" for result in results))
    _warn_provisional(calendar, requests, results, lambda request, result: (request[2], result.at))
    return 0


def between_command(args) -> int:
    if args.batch is not None:
        _refuse_with_batch(args, ("schedule", "start", "end"))
        requests = [
            _between_request(line, fields) for line, fields in _read_batch(args.batch, _BETWEEN_FIELDS)
        ]
    else:
        requests = [
            (
                None,
                _schedule(_required(args.schedule, "--schedule")),
                _instant(_required(args.start, "--start"), "--start"),
                _instant(_required(args.end, "--end"), "--end"),
                args.include_makeup_days or None,
            )
        ]
    calendar = business_calendar()
    results: list[WorkingTime] = []
    for line, schedule, start, end, include_makeup_days in requests:
        results.append(_run(line, calendar.between, schedule, start, end, include_makeup_days))
    sys.stdout.write("".join(f"{format_minutes(result.minutes)}\n" for result in results))
    _warn_provisional(calendar, requests, results, lambda request, result: (request[2], request[3]))
    return 0


def business_calendar() -> BusinessCalendar:
    """The product's calendar: holiday data from the database, else the bundled notices."""
    setup_django()
    try:
        from successhub.calendars.selectors import business_calendar as product_calendar
    except ImportError as exc:
        if exc.name not in ("successhub.calendars", "successhub.calendars.selectors"):
            raise
        return BusinessCalendar(HolidayCalendar.bundled())
    return product_calendar()


def format_minutes(minutes: float) -> str:
    """Whole minutes as an integer, anything else as a plain decimal (to the microsecond)."""
    if isinstance(minutes, int):
        return str(minutes)
    if float(minutes).is_integer():
        return str(int(minutes))
    text = f"{minutes:.8f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


# --------------------------------------------------------------------------- input


def _required(value: str | None, option: str) -> str:
    if value is None:
        raise UsageError(f"{option} is required (or give --batch FILE)")
    return value


def _refuse_with_batch(args, options: Iterable[str]) -> None:
    given = [f"--{name}" for name in options if getattr(args, name) is not None]
    if given:
        raise UsageError(f"--batch reads every input from the file; leave out {', '.join(given)}")
    if args.include_makeup_days:
        raise UsageError('--batch reads every input from the file; set "include_makeup_days" per line')


def _schedule(value: Any, where: str = "") -> str:
    if value not in SCHEDULES:
        raise UsageError(f"{where}unknown schedule {value!r}; expected one of {', '.join(SCHEDULES)}")
    return value


def _instant(value: Any, field: str, where: str = "") -> datetime:
    if not isinstance(value, str):
        raise UsageError(f"{where}{field} must be an ISO 8601 date-time string, not {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{where}{field} {value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() == _BEIJING_OFFSET:
        return parsed.replace(tzinfo=BEIJING)  # Beijing has been a fixed +08:00 since 1991
    return parsed.astimezone(BEIJING)


def _minutes(value: Any, field: str, where: str = "") -> int | float:
    if isinstance(value, bool):
        raise UsageError(f"{where}{field} must be a number of minutes, not {value!r}")
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise UsageError(f"{where}{field} {value!r} is not a number of minutes") from None
        if not number.is_finite():
            raise UsageError(f"{where}{field} {value!r} is not a number of minutes")
        value = int(number) if number == number.to_integral_value() else float(number)
    if not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        raise UsageError(f"{where}{field} must be a number of minutes, not {value!r}")
    if value < 0:
        raise UsageError(f"{where}{field} must not be negative (got {value})")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value


def _read_batch(path: str, allowed: set[str]) -> list[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSON-lines file, with their line numbers; blank lines skipped."""
    if path == "-":
        lines = sys.stdin.read().splitlines()
        name = "stdin"
    else:
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{path} is not UTF-8 text") from None
        name = path
    entries = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            fields = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{name} line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(fields, dict):
            raise UsageError(f"{name} line {number}: expected a JSON object")
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise UsageError(f"{name} line {number}: unknown field {unknown[0]!r}")
        entries.append((number, fields))
    return entries


def _batch_field(fields: dict[str, Any], name: str, where: str) -> Any:
    if name not in fields:
        raise UsageError(f"{where}missing field {name!r}")
    return fields[name]


def _makeup_flag(fields: dict[str, Any], where: str) -> bool | None:
    value = fields.get("include_makeup_days")  # absent: the schedule's own setting
    if value is not None and not isinstance(value, bool):
        raise UsageError(f"{where}include_makeup_days must be true or false, not {value!r}")
    return value


def _add_request(line: int, fields: dict[str, Any]) -> tuple[int, str, datetime, int | float, bool]:
    where = f"line {line}: "
    return (
        line,
        _schedule(_batch_field(fields, "schedule", where), where),
        _instant(_batch_field(fields, "start", where), "start", where),
        _minutes(_batch_field(fields, "minutes", where), "minutes", where),
        _makeup_flag(fields, where),
    )


def _between_request(line: int, fields: dict[str, Any]) -> tuple[int, str, datetime, datetime, bool]:
    where = f"line {line}: "
    return (
        line,
        _schedule(_batch_field(fields, "schedule", where), where),
        _instant(_batch_field(fields, "start", where), "start", where),
        _instant(_batch_field(fields, "end", where), "end", where),
        _makeup_flag(fields, where),
    )


# --------------------------------------------------------------------------- output


def _run(line: int | None, compute: Callable[..., Any], *args: Any) -> Any:
    try:
        return compute(*args)
    except ValueError as exc:  # e.g. an instant outside the supported years
        raise UsageError(f"line {line}: {exc}" if line is not None else str(exc)) from None


def _warn_provisional(
    calendar: BusinessCalendar,
    requests: list[tuple],
    results: list,
    span_of: Callable[[tuple, Any], tuple[datetime, datetime]],
) -> None:
    """One stderr line naming the years counted without a notice (stdout stays clean)."""
    loaded = calendar.holidays.years_loaded
    years: set[int] = set()
    count = 0
    for request, result in zip(requests, results, strict=True):
        if not result.provisional:
            continue
        count += 1
        first, last = sorted(instant.astimezone(BEIJING) for instant in span_of(request, result))
        years.update(year for year in range(first.year, last.year + 1) if year not in loaded)
    if not count:
        return
    named = ", ".join(str(year) for year in sorted(years))
    plural = "s" if len(years) > 1 else ""
    subject = "the result is" if len(requests) == 1 and requests[0][0] is None else f"{count} result(s) are"
    print(
        f"successhub: warning: {subject} provisional: no holiday notice loaded for year{plural} {named}; "
        "plain Monday-Friday counted",
        file=sys.stderr,
    )
