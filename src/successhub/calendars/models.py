from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """One year's State Council notice on holidays (国务院办公厅关于…部分节假日安排的通知)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("通知文号"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} {self.source}".strip()


class Holiday(models.Model):
    calendar_year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(_("节日"), max_length=50)
    start = models.DateField(_("放假开始"))
    end = models.DateField(_("放假结束"))

    class Meta:
        verbose_name = _("法定节假日")
        verbose_name_plural = _("法定节假日")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(name="holiday_ends_after_start", condition=Q(end__gte=F("start")))
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.start}–{self.end}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("结束日期不能早于开始日期。")})


class MakeupDay(models.Model):
    """A weekend day declared a working day (调休上班)."""

    calendar_year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="makeup_days")
    date = models.DateField(_("调休上班日"), unique=True)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("调休上班日")
        verbose_name_plural = _("调休上班日")
        ordering = ["date"]

    def __str__(self) -> str:
        return str(self.date)


def working_day_schedules() -> list[tuple[str, str]]:
    """The catalog's working-day schedules (only they have make-up days), as choices."""
    from successhub.catalog.loader import get_catalog

    labels = get_catalog().labels
    return [
        (code, labels.name("schedules", code))
        for code, schedule in labels.service_hours.items()
        if schedule.days == "working_days"
    ]


class ScheduleSetting(models.Model):
    """An admin's choice for one schedule: whether make-up working days (调休上班) count.

    Without a row a schedule follows its catalog definition (``makeup_days`` in labels.yaml; the
    seeds' 工作日 do not count them).
    """

    schedule = models.CharField(_("服务时间"), max_length=10, unique=True, choices=working_day_schedules)
    include_makeup_days = models.BooleanField(
        _("调休上班日计为工作日"),
        default=False,
        help_text=_("没有设置的服务时间按服务目录（labels.yaml 的 makeup_days）计算；此处的设置优先。"),
    )

    class Meta:
        verbose_name = _("服务时间设置")
        verbose_name_plural = _("服务时间设置")

    def __str__(self) -> str:
        return self.get_schedule_display()
