"""The product's business calendar, built from the admin-editable holiday data."""

from __future__ import annotations

import threading
import time

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DatabaseError
from django.dispatch import receiver

from successhub.catalog.loader import get_catalog
from successhub.core.calendar import BusinessCalendar, HolidayBlock, HolidayCalendar, YearNotice

CACHE_KEY = "calendars:version"
_built: dict[str, tuple[int, BusinessCalendar, dict[str, bool]]] = {}
# The version seen by the request this thread serves, read from the cache once per request. Under ASGI
# and WSGI alike a request's sync code runs on one thread from request_started to request_finished
# (successhub.asgi sends both there), and the signals below reset it between requests.
_request = threading.local()


# Holiday data changes a few times a year: a process asks the shared cache for the version at most
# once a second, so another process's edit shows within that second (this process's own at once).
VERSION_CHECK_SECONDS = 1.0
_seen: list = [None, 0.0]  # [version, monotonic time it was read]


def _version() -> int:
    version = getattr(_request, "version", None)
    if version is not None:
        return version
    seen_version, seen_at = _seen
    if seen_version is not None and time.monotonic() - seen_at < VERSION_CHECK_SECONDS:
        version = seen_version
    else:
        version = cache.get(CACHE_KEY)
        if version is None:
            version = 1
            cache.add(CACHE_KEY, version, timeout=None)
        _seen[:] = [version, time.monotonic()]
    if getattr(_request, "active", False):
        _request.version = version
    return version


@receiver(request_started, dispatch_uid="calendars.request_started")
def _request_started(**kwargs) -> None:
    _request.active, _request.version = True, None


@receiver(request_finished, dispatch_uid="calendars.request_finished")
def _request_finished(**kwargs) -> None:
    _request.active, _request.version = False, None


def bump_version() -> None:
    """Called when an admin edits holiday data or schedule settings."""
    _request.version = None  # this request (and this process) sees its own edit at once
    _seen[:] = [None, 0.0]
    try:
        cache.incr(CACHE_KEY)
    except ValueError:
        cache.set(CACHE_KEY, 2, timeout=None)


def _load() -> tuple[BusinessCalendar, dict[str, bool]]:
    from successhub.calendars.models import CalendarYear, ScheduleSetting

    try:
        years = list(CalendarYear.objects.prefetch_related("holidays", "makeup_days"))
        settings = {s.schedule: s.include_makeup_days for s in ScheduleSetting.objects.all()}
    except DatabaseError:
        # No calendar tables yet (a fresh checkout before `migrate`): the bundled notices.
        return BusinessCalendar(HolidayCalendar.bundled(), get_catalog().schedules), {}
    if not years:
        return BusinessCalendar(HolidayCalendar.bundled(), get_catalog().schedules), settings
    notices = [
        YearNotice(
            year=y.year,
            holidays=tuple(HolidayBlock(h.name, h.start, h.end) for h in y.holidays.all()),
            makeup_days=tuple(m.date for m in y.makeup_days.all()),
            source=y.source,
        )
        for y in years
    ]
    return BusinessCalendar(HolidayCalendar(notices), get_catalog().schedules), settings


def business_calendar() -> BusinessCalendar:
    return _current()[0]


def makeup_day_settings() -> dict[str, bool]:
    """The admin's choices (服务时间设置): which schedules count make-up days as working days.

    A schedule without a row follows its catalog definition (``makeup_days`` in labels.yaml).
    """
    return _current()[1]


def makeup_days_sentence() -> str:
    """One sentence for staff: which working-day schedules count make-up days now, and why."""
    from django.utils.translation import gettext as _

    labels = get_catalog().labels
    parts = []
    for code, definition in labels.service_hours.items():
        if definition.days != "working_days":
            continue
        counted, source = makeup_days_in_effect(code)
        parts.append(
            _("%(schedule)s：调休上班日%(counted)s（%(source)s）")
            % {
                "schedule": code.replace("x", "×"),  # 5x8 -> 5×8, as the plans write it
                "counted": _("计为工作日") if counted else _("不计为工作日"),
                "source": _("后台服务时间设置") if source == "admin" else _("服务目录默认"),
            }
        )
    return _(
        "调休上班日（国务院通知中周末调休上班的日子）是否算作工作日服务时间，按服务时间分别设定："
        "没有后台设置时按服务目录，服务说明的“工作日”为周一至周五除法定节假日，"
        "默认不计。当前：%(parts)s。"
    ) % {"parts": _("；").join(parts)}


def makeup_days_in_effect(schedule: str) -> tuple[bool, str]:
    """Whether make-up working days count for ``schedule`` now, and why (``admin`` or ``catalog``)."""
    chosen = makeup_day_settings().get(schedule)
    if chosen is not None:
        return chosen, "admin"
    definition = get_catalog().labels.service_hours.get(schedule)
    return bool(definition and definition.makeup_days), "catalog"


def _current() -> tuple[BusinessCalendar, dict[str, bool]]:
    version = _version()
    entry = _built.get("default")
    if entry is None or entry[0] != version:
        calendar, settings = _load()
        entry = (version, calendar, settings)
        _built["default"] = entry
    return entry[1], entry[2]


def unloaded_years_ahead(today_year: int, horizon: int = 1) -> list[int]:
    """Years from this one to ``horizon`` ahead whose notice is not loaded (admins are warned)."""
    holidays = business_calendar()
    loaded = _holiday_years(holidays)
    return [y for y in range(today_year, today_year + horizon + 1) if y not in loaded]


def _holiday_years(calendar: BusinessCalendar) -> frozenset[int]:
    return calendar.holidays.years_loaded
