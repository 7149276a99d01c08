from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _

from successhub.calendars.models import CalendarYear, Holiday, MakeupDay, ScheduleSetting
from successhub.calendars.selectors import bump_version, makeup_days_sentence, unloaded_years_ahead
from successhub.catalog.loader import get_catalog


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class MakeupDayInline(admin.TabularInline):
    model = MakeupDay
    extra = 0


class BumpOnSave:
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        bump_version()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        bump_version()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        bump_version()


@admin.register(CalendarYear)
class CalendarYearAdmin(BumpOnSave, admin.ModelAdmin):
    list_display = ("year", "source", "updated_at")
    inlines = [HolidayInline, MakeupDayInline]

    def changelist_view(self, request, extra_context=None):
        missing = unloaded_years_ahead(timezone.localdate().year)
        if missing:
            self.message_user(
                request,
                _(
                    "尚未录入 %(years)s 年的节假日安排：这些年份按工作日服务时间计算的期限按普通周一至周五计算，"
                    "并标记为“暂定”。请根据国务院办公厅通知补录。"
                )
                % {"years": _("、").join(map(str, missing))},
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(ScheduleSetting)
class ScheduleSettingAdmin(BumpOnSave, admin.ModelAdmin):
    list_display = ("schedule", "include_makeup_days", "catalog_default")

    @admin.display(description=_("服务目录的默认值"))
    def catalog_default(self, obj: ScheduleSetting) -> str:
        definition = get_catalog().labels.service_hours.get(obj.schedule)
        return _("计为工作日") if definition and definition.makeup_days else _("不计为工作日")

    def changelist_view(self, request, extra_context=None):
        # The hidden default, said where the setting is made.
        self.message_user(
            request,
            makeup_days_sentence(),
            level=messages.INFO,
        )
        return super().changelist_view(request, extra_context)
