"""Benchmark: SLA working-time arithmetic against the peer library ``businesstimedelta``.

    .venv/bin/python bench/calendar.py [--count 100000] [--peer-count 1000] [--seed 2026]
                                       [--before 6a19658^ | --before none]

Both sides get the same inputs under the one rule the peer can express: the 5x8 schedule
(Monday-Friday 08:30-12:00 and 13:00-17:30, Asia/Shanghai) less the bundled statutory
holidays, no make-up days, no pauses. The peer takes milliseconds per call, so it runs on
the first ``--peer-count`` inputs; every one of those results is checked against ours and
any difference fails the run (exit 1). Throughput is the best of three passes; each line
says which API it measures. Finishes in well under a minute.

Beside ours, the same run measures the business calendar as it was at ``--before`` (read with
``git show`` from this repository; default: the commit before service hours became catalog data,
when the hours were module constants), on the same inputs and interleaved with ours, and checks
that both give identical results on every input. Without git history that column is left out.
"""

from __future__ import annotations

import os
import sys

# This file is named calendar.py: keep its folder off sys.path, or it would shadow the
# standard library's calendar module for everything imported below.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _HERE]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import gc  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
from collections.abc import Callable  # noqa: E402

import successhub.core.calendar as calendar_module  # noqa: E402
from successhub.core.calendar import BEIJING, BusinessCalendar, HolidayCalendar  # noqa: E402

SCHEDULE = "5x8"
# The last commit whose calendar had the service hours as module constants (6a19658 made them data).
BEFORE = "6a19658^"
CALENDAR_PATH = "src/successhub/core/calendar.py"
FIRST_START = dt.datetime(2024, 1, 1, tzinfo=BEIJING)
START_SPAN_MINUTES = (dt.datetime(2026, 7, 1, tzinfo=BEIJING) - FIRST_START) // dt.timedelta(minutes=1)
MAX_MINUTES = 10 * 480  # ten working days
MAX_GAP_MINUTES = 20 * 1440  # between(): end up to twenty calendar days after start


def make_inputs(count: int, seed: int) -> tuple[list[dt.datetime], list[int], list[dt.datetime]]:
    """Random starts (whole minutes, Beijing time), working minutes and end instants.

    The first inputs are the edges: period starts and ends, lunch, midnight, a holiday,
    a make-up Saturday, zero minutes and whole working days.
    """
    rng = random.Random(seed)
    edges = [
        (dt.datetime(2026, 3, 2, 8, 30), 480),
        (dt.datetime(2026, 3, 2, 11, 0), 60),
        (dt.datetime(2026, 3, 2, 11, 30), 60),
        (dt.datetime(2026, 3, 2, 12, 0), 0),
        (dt.datetime(2026, 3, 2, 17, 30), 0),
        (dt.datetime(2026, 3, 2, 17, 30), 1),
        (dt.datetime(2026, 3, 6, 17, 0), 60),
        (dt.datetime(2026, 2, 13, 16, 0), 480),
        (dt.datetime(2026, 2, 14, 10, 0), 30),
        (dt.datetime(2025, 9, 30, 17, 0), 120),
        (dt.datetime(2024, 2, 9, 0, 0), 2400),
    ]
    starts = [start.replace(tzinfo=BEIJING) for start, _ in edges]
    minutes = [amount for _, amount in edges]
    while len(starts) < count:
        starts.append(FIRST_START + dt.timedelta(minutes=rng.randrange(START_SPAN_MINUTES)))
        minutes.append(rng.randrange(MAX_MINUTES + 1))
    starts, minutes = starts[:count], minutes[:count]
    ends = [start + dt.timedelta(minutes=rng.randrange(MAX_GAP_MINUTES + 1)) for start in starts]
    return starts, minutes, ends


# Rates are per CPU-second of this process (time.process_time): the work one core does,
# unaffected by other processes sharing the machine. Ours and the peer are timed alike.
CLOCK = time.process_time


def best_rates(count: int, runs: dict[str, Callable[[], object]], passes: int = 3) -> dict[str, float]:
    """The best rate of each run over ``passes`` rounds. Rounds alternate the order of the runs and
    each pass starts from a collected heap, so no run pays for the garbage another left."""
    best = dict.fromkeys(runs, float("inf"))
    names = list(runs)
    for round_ in range(passes):
        for name in names if round_ % 2 == 0 else reversed(names):
            gc.collect()
            began = CLOCK()
            runs[name]()
            best[name] = min(best[name], CLOCK() - began)
    return {name: count / seconds for name, seconds in best.items()}


def load_before(revision: str) -> tuple[types.ModuleType | None, str]:
    """``core/calendar.py`` as it was at ``revision`` (from git), as a module; or None and why not."""
    if revision.lower() == "none":
        return None, "not asked for (--before none)"
    try:
        source = subprocess.run(
            ["git", "-C", _HERE, "show", f"{revision}:{CALENDAR_PATH}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"git show {revision}:{CALENDAR_PATH} failed ({type(exc).__name__})"
    module = types.ModuleType("successhub_calendar_before")
    module.__file__ = calendar_module.__file__  # its bundled data paths resolve to today's files
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{revision}:{CALENDAR_PATH}", "exec"), module.__dict__)  # noqa: S102
    return module, ""


def peer_rules(holidays: HolidayCalendar):
    import businesstimedelta
    import pytz

    tz = pytz.timezone("Asia/Shanghai")
    holiday_dates = {
        block.start + dt.timedelta(days=offset)
        for notice in holidays.notices()
        for block in notice.holidays
        for offset in range((block.end - block.start).days + 1)
    }
    return businesstimedelta, businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(dt.time(8, 30), dt.time(17, 30), [0, 1, 2, 3, 4], tz=tz),
            businesstimedelta.LunchTimeRule(dt.time(12), dt.time(13), [0, 1, 2, 3, 4], tz=tz),
            # A set: the fastest container the peer accepts for its day-by-day lookups.
            businesstimedelta.HolidayRule(holiday_dates, tz=tz),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="inputs for our throughput")
    parser.add_argument(
        "--peer-count", type=int, default=1_000, help="inputs the peer runs (and is checked on)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--before",
        default=BEFORE,
        help=f"git revision whose calendar is measured beside ours (default {BEFORE}; 'none' to skip)",
    )
    args = parser.parse_args(argv)
    if args.peer_count > args.count:
        parser.error("--peer-count must not exceed --count")

    holidays = HolidayCalendar.bundled()
    calendar = BusinessCalendar(holidays)
    starts, minutes, ends = make_inputs(args.count, args.seed)
    epoch_starts = [int(start.timestamp()) for start in starts]
    epoch_ends = [int(end.timestamp()) for end in ends]
    seconds = [amount * 60 for amount in minutes]
    calendar.add(SCHEDULE, starts[0], 1)  # build the per-day tables outside the timing
    n = args.count
    pairs = list(zip(starts, minutes, strict=True))
    spans = list(zip(starts, ends, strict=True))
    epoch_pairs = list(zip(epoch_starts, seconds, strict=True))
    epoch_spans = list(zip(epoch_starts, epoch_ends, strict=True))

    def runs(cal) -> dict[str, Callable[[], list]]:
        """Each API over all the inputs; those ``cal`` does not have are left out."""
        add, between = cal.add, cal.between
        add_epoch, between_epoch = cal.add_epoch, cal.between_epoch
        apis = {
            "add": lambda: [add(SCHEDULE, s, m) for s, m in pairs],
            "add_many": lambda: cal.add_many(SCHEDULE, starts, minutes),
            "add_epoch": lambda: [add_epoch(SCHEDULE, s, m) for s, m in epoch_pairs],
            "add_epoch_many": lambda: cal.add_epoch_many(SCHEDULE, epoch_starts, seconds),
            "between": lambda: [between(SCHEDULE, s, e) for s, e in spans],
            "between_many": lambda: cal.between_many(SCHEDULE, starts, ends),
            "between_epoch": lambda: [between_epoch(SCHEDULE, s, e) for s, e in epoch_spans],
        }
        return {name: run for name, run in apis.items() if hasattr(cal, name)}

    before_module, before_missing = load_before(args.before)
    ours_runs = runs(calendar)
    before_runs: dict[str, Callable[[], list]] = {}
    if before_module is not None:
        before_calendar = before_module.BusinessCalendar(before_module.HolidayCalendar(holidays.notices()))
        before_calendar.add(SCHEDULE, starts[0], 1)
        before_runs = runs(before_calendar)
    ours: dict[str, float] = {}
    before: dict[str, float] = {}
    for name, run in ours_runs.items():
        candidates = {"ours": run} | ({"before": before_runs[name]} if name in before_runs else {})
        rates = best_rates(n, candidates)
        ours[name] = rates["ours"]
        if "before" in rates:
            before[name] = rates["before"]
    # Identical results on every input (dataclass results compared field by field).
    before_differs = [
        name
        for name, run in before_runs.items()
        if [_plain(result) for result in run()] != [_plain(result) for result in ours_runs[name]()]
    ]

    businesstimedelta, rules = peer_rules(holidays)
    k = args.peer_count
    began = CLOCK()
    peer_deadlines = [
        start + businesstimedelta.BusinessTimeDelta(rules, seconds=amount * 60)
        for start, amount in zip(starts[:k], minutes[:k], strict=True)
    ]
    peer_add = k / (CLOCK() - began)
    began = CLOCK()
    peer_minutes = [
        rules.difference(start, end).timedelta.total_seconds() / 60
        for start, end in zip(starts[:k], ends[:k], strict=True)
    ]
    peer_between = k / (CLOCK() - began)

    add_mismatches = [
        (start, amount, peer, ours_.at)
        for start, amount, peer, ours_ in zip(
            starts[:k],
            minutes[:k],
            peer_deadlines,
            calendar.add_many(SCHEDULE, starts[:k], minutes[:k]),
            strict=True,
        )
        if peer != ours_.at
    ]
    between_mismatches = [
        (start, end, peer, ours_.minutes)
        for start, end, peer, ours_ in zip(
            starts[:k],
            ends[:k],
            peer_minutes,
            calendar.between_many(SCHEDULE, starts[:k], ends[:k]),
            strict=True,
        )
        if peer != ours_.minutes
    ]

    print("SuccessHub business calendar vs businesstimedelta")
    print(
        f"rule: {SCHEDULE}, Asia/Shanghai, bundled holidays {min(holidays.years_loaded)}-"
        f"{max(holidays.years_loaded)}, no make-up days, no pauses; one core (pure Python)"
    )
    print(
        f"inputs: {n:,} starts 2024-01-01..2026-06-30 (whole minutes, Beijing-aware datetimes), "
        f"0-{MAX_MINUTES:,} working minutes; seed {args.seed}"
    )
    print("rates are per CPU-second of this process (one core), best of 3 interleaved passes; on a")
    print("shared machine they still drop with the load (caches, frequency): compare figures from one run")
    if before_module is None:
        print(f"before: the calendar at {args.before} is not measured: {before_missing}")
    else:
        print(f"before: the calendar at {args.before} (service hours as module constants), same inputs")
    header = f"{'':56}{'ours':>12}   {'before':>12}   change"
    lines = {
        "add": "add()       datetime -> Deadline, one call each",
        "add_many": "add_many()  datetime -> Deadline, batch",
        "add_epoch": "add_epoch() epoch s  -> epoch s, one call each",
        "add_epoch_many": "add_epoch_many() epoch s -> epoch s, batch",
        "between": "between()       datetime -> WorkingTime, one each",
        "between_many": "between_many()  datetime -> WorkingTime, batch",
        "between_epoch": "between_epoch() epoch s  -> seconds, one each",
    }

    def row(name: str) -> str:
        line = f"  ours  {lines[name]:<48}{ours[name]:>12,.0f}/s"
        if name in before:
            line += f" {before[name]:>12,.0f}/s   {ours[name] / before[name] - 1:+.0%}"
        elif before_module is not None:
            line += f" {'(new API)':>14}"
        return line

    print("add working time (deadline)" + header[len("add working time (deadline)") :])
    for name in ("add", "add_many", "add_epoch", "add_epoch_many"):
        print(row(name))
    print(f"  peer  start + BusinessTimeDelta (first {k:,} inputs)        {peer_add:>12,.1f}/s")
    print(f"  ratio ours add() / peer                                    {ours['add'] / peer_add:>12,.0f} x")
    print("working time between")
    for name in ("between", "between_many", "between_epoch"):
        print(row(name))
    print(f"  peer  Rules.difference (first {k:,} inputs)                 {peer_between:>12,.1f}/s")
    print(
        f"  ratio ours between() / peer                                {ours['between'] / peer_between:>12,.0f} x"
    )
    print()
    print(f"agreement on the {k:,} inputs the peer ran:")
    print(f"  deadlines identical        {k - len(add_mismatches):,}/{k:,}")
    print(f"  working minutes identical  {k - len(between_mismatches):,}/{k:,}")
    for mismatch in (add_mismatches + between_mismatches)[:10]:
        print("  MISMATCH", *mismatch)
    if before_module is not None:
        same = "identical" if not before_differs else f"DIFFERENT in {', '.join(before_differs)}"
        print(f"agreement with the calendar at {args.before} on all {n:,} inputs, every API: {same}")
    print()
    targets = [
        ("add() >= 300,000 /s (datetime API)", ours["add"] >= 300_000),
        ("add() >= 1,000x peer (issue 10)", ours["add"] >= 1_000 * peer_add),
        ("add_epoch_many() >= 1,000,000 /s (aim, epoch API)", ours["add_epoch_many"] >= 1_000_000),
        ("between() >= 100x peer", ours["between"] >= 100 * peer_between),
    ]
    if before:
        slower = [name for name in before if ours[name] < before[name]]
        targets.append(
            (
                f"every API at least as fast as at {args.before}"
                + (f" (slower: {', '.join(slower)})" if slower else ""),
                not slower,
            )
        )
    for label, met in targets:
        print(f"target {label}: {'met' if met else 'MISSED'}")
    return 1 if add_mismatches or between_mismatches or before_differs else 0


def _plain(result: object) -> object:
    """A result without its class: a Deadline or WorkingTime as a tuple of its fields."""
    fields = getattr(result, "__dataclass_fields__", None)
    return tuple(getattr(result, name) for name in fields) if fields else result


if __name__ == "__main__":
    sys.exit(main())
