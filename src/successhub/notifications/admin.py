from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from successhub.notifications import services
from successhub.notifications.models import (
    JobRun,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("title", "recipient__username", "recipient__display_name")
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "email")
    list_filter = ("email",)
    search_fields = ("user__username", "kind")
    raw_id_fields = ("user",)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("地址"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "events", "organisation", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "events", "organisation", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    autocomplete_fields = ("organisation",)


class StatusFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return WebhookDelivery.Status.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == WebhookDelivery.Status.DELIVERED:
            return queryset.filter(delivered_at__isnull=False)
        if value == WebhookDelivery.Status.FAILED:
            return queryset.filter(failed_at__isnull=False)
        if value == WebhookDelivery.Status.PENDING:
            return queryset.filter(delivered_at__isnull=True, failed_at__isnull=True)
        return queryset


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "event",
        "endpoint",
        "status_label",
        "attempts",
        "last_status",
        "created_at",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = (StatusFilter, "event", "endpoint")
    search_fields = ("event", "event_id")
    list_select_related = ("endpoint",)
    actions = ["retry_now"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("状态"))
    def status_label(self, obj: WebhookDelivery) -> str:
        return WebhookDelivery.Status(obj.status).label

    @admin.action(description=_("立即重试所选投递"))
    def retry_now(self, request, queryset):
        from successhub.notifications.tasks import deliver_webhook_task, enqueue

        ids = list(queryset.filter(delivered_at__isnull=True).values_list("pk", flat=True))
        count = services.retry_deliveries(ids)
        for delivery_id in ids:
            enqueue(deliver_webhook_task, delivery_id)
        self.message_user(request, _("已安排重试 %(count)s 条投递。") % {"count": count}, messages.SUCCESS)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "last_started_at", "last_finished_at", "last_succeeded", "runs")
    readonly_fields = [field.name for field in JobRun._meta.fields]
