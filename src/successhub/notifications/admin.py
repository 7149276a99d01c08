from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from successhub.notifications import queue, robots, services
from successhub.notifications.models import (
    GroupPreference,
    JobRun,
    Notification,
    NotificationPreference,
    Robot,
    RobotMessage,
    WebhookDelivery,
    WebhookEndpoint,
)


class EmailStatusFilter(admin.SimpleListFilter):
    """The e-mail dead-letter list: 邮件状态 = 已失败."""

    title = _("邮件状态")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("failed", _("已失败（死信）")), ("pending", _("待发送")), ("sent", _("已发送"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "failed":
            return queryset.filter(email_failed_at__isnull=False)
        if value == "pending":
            return queryset.filter(email_wanted=True, emailed_at__isnull=True, email_failed_at__isnull=True)
        if value == "sent":
            return queryset.filter(emailed_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "recipient",
        "kind",
        "created_at",
        "read_at",
        "emailed_at",
        "email_attempts",
        "email_failed_at",
    )
    list_filter = (EmailStatusFilter, "kind")
    search_fields = ("title", "recipient__username", "recipient__display_name")
    raw_id_fields = ("recipient",)
    date_hierarchy = "created_at"
    actions = ["resend_email"]

    @admin.action(description=_("重新发送所选通知的邮件"))
    def resend_email(self, request, queryset):
        sent = services.resend_emails(queryset.values_list("pk", flat=True))
        self.message_user(request, _("已重新发送 %(count)s 封邮件。") % {"count": sent}, messages.SUCCESS)


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
        ids = list(queryset.filter(delivered_at__isnull=True).values_list("pk", flat=True))
        count = services.retry_deliveries(ids)
        queue.run(services.WEBHOOK_TASK, services.deliver_webhook, ids)
        self.message_user(request, _("已安排重试 %(count)s 条投递。") % {"count": count}, messages.SUCCESS)


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    """Robots are bound through forms that seal their secrets; the admin lists and switches them."""

    list_display = (
        "name",
        "tool",
        "owner",
        "organisation",
        "staff_group",
        "active",
        "webhook_set",
        "created_at",
    )
    list_filter = ("tool", "staff_group", "active")
    search_fields = ("name", "owner__username", "organisation__name")
    fields = ("name", "tool", "owner", "organisation", "staff_group", "active", "webhook_set")
    readonly_fields = ("tool", "webhook_set")
    raw_id_fields = ("owner", "organisation")

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("Webhook"))
    def webhook_set(self, obj: Robot) -> str:
        return _("已设置") if obj.has_webhook else _("未设置")


class RobotStatusFilter(StatusFilter):
    def lookups(self, request, model_admin):
        return RobotMessage.Status.choices


@admin.register(RobotMessage)
class RobotMessageAdmin(admin.ModelAdmin):
    """The robots' outbox; 状态 = 已失败 is the dead-letter list, resent with the action."""

    list_display = (
        "id",
        "kind",
        "robot",
        "status_label",
        "attempts",
        "last_status",
        "last_code",
        "created_at",
        "next_attempt_at",
        "delivered_at",
        "failed_at",
    )
    list_filter = (RobotStatusFilter, "kind", "robot__tool")
    search_fields = ("kind", "text", "dedupe_key")
    list_select_related = ("robot",)
    actions = ["resend_now"]
    readonly_fields = [field.name for field in RobotMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("状态"))
    def status_label(self, obj: RobotMessage) -> str:
        return RobotMessage.Status(obj.status).label

    @admin.action(description=_("重新发送所选消息"))
    def resend_now(self, request, queryset):
        count = robots.resend_robot_messages(queryset.values_list("pk", flat=True))
        self.message_user(
            request, _("已安排重新发送 %(count)s 条消息。") % {"count": count}, messages.SUCCESS
        )


@admin.register(GroupPreference)
class GroupPreferenceAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "wanted")
    raw_id_fields = ("organisation",)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "last_started_at", "last_finished_at", "last_succeeded", "runs")
    readonly_fields = [field.name for field in JobRun._meta.fields]
