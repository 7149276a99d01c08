from django.contrib import admin, messages

from successhub.ops import services
from successhub.ops.errors import OpsError
from successhub.ops.models import (
    AdvisoryEnvironment,
    Environment,
    Incident,
    IncidentEvent,
    InspectionReport,
    SecurityAdvisory,
    UnmatchedAlert,
    UpgradeWindow,
    WebhookReceipt,
)


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "organisation",
        "product",
        "version",
        "region",
        "tenant_url",
        "ops_platform",
        "retired_at",
    ]
    list_filter = ["product", "ops_platform"]
    search_fields = ["code", "organisation__name", "tenant_url"]
    readonly_fields = ["code", "deployment", "ops_platform", "created_at"]


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "environment_code",
        "alertname",
        "status",
        "expected",
        "starts_at",
        "resolved_at",
        "times_received",
    ]
    list_filter = ["status", "expected", "alertname"]
    search_fields = ["environment_code", "fingerprint"]
    inlines = [IncidentEventInline]


@admin.register(UnmatchedAlert)
class UnmatchedAlertAdmin(admin.ModelAdmin):
    list_display = ["received_at", "reason", "environment_code", "fingerprint", "status"]
    list_filter = ["reason"]


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(admin.ModelAdmin):
    list_display = ["received_at", "outcome", "status", "alert_count", "group_key"]
    list_filter = ["outcome"]


@admin.register(InspectionReport)
class InspectionReportAdmin(admin.ModelAdmin):
    list_display = [
        "environment",
        "week_start",
        "availability",
        "latency_p95_ms",
        "cert_days_left",
        "incidents",
    ]


class AdvisoryEnvironmentInline(admin.TabularInline):
    model = AdvisoryEnvironment
    extra = 0
    readonly_fields = ["customer_told_at"]


@admin.register(SecurityAdvisory)
class SecurityAdvisoryAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "product", "severity", "fixed_version", "published_at"]
    list_filter = ["severity", "product"]
    readonly_fields = ["published_at"]
    inlines = [AdvisoryEnvironmentInline]
    actions = ["publish"]

    @admin.action(description="发布：计算受影响环境并通知客户")
    def publish(self, request, queryset):
        for advisory in queryset:
            try:
                rows = services.publish_advisory(advisory)
            except OpsError as exc:
                self.message_user(request, f"{advisory.code}：{exc.message}", messages.ERROR)
                continue
            self.message_user(request, f"{advisory.code}：受影响环境 {len(rows)} 个。")


@admin.register(UpgradeWindow)
class UpgradeWindowAdmin(admin.ModelAdmin):
    list_display = ["product", "target_version", "starts_at", "ends_at", "state"]
    list_filter = ["state", "product"]
    filter_horizontal = ["environments"]
