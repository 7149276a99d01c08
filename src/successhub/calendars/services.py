"""Changes to the calendar data."""

from __future__ import annotations

from django.db import DatabaseError, transaction

from successhub.core.calendar import HolidayCalendar, YearNotice


@transaction.atomic
def save_year_notice(notice: YearNotice) -> None:
    """Create or replace one year's holidays and make-up days."""
    from successhub.calendars.models import CalendarYear, Holiday, MakeupDay
    from successhub.calendars.selectors import bump_version

    HolidayCalendar([notice])  # validates, raising CalendarDataError naming the field
    year, _ = CalendarYear.objects.update_or_create(year=notice.year, defaults={"source": notice.source})
    year.holidays.all().delete()
    year.makeup_days.all().delete()
    Holiday.objects.bulk_create(
        Holiday(calendar_year=year, name=b.name, start=b.start, end=b.end) for b in notice.holidays
    )
    MakeupDay.objects.bulk_create(MakeupDay(calendar_year=year, date=d) for d in notice.makeup_days)
    transaction.on_commit(bump_version)


def ensure_bundled_years(using: str = "default") -> list[int]:
    """Add the bundled notices for years the database does not have yet (never overwrites edits)."""
    from successhub.calendars.models import CalendarYear

    try:
        present = set(CalendarYear.objects.using(using).values_list("year", flat=True))
    except DatabaseError:
        return []
    added = []
    for notice in HolidayCalendar.bundled().notices():
        if notice.year not in present:
            save_year_notice(notice)
            added.append(notice.year)
    return added
