"""Public-cloud operations: environments, probe results, incidents, inspection reports,
security advisories and unified upgrade windows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Environment(models.Model):
    """One public-cloud deployment as ops sees it: a tenant at an address, probed and alerted on."""

    code = models.SlugField(_("环境编码"), max_length=60, unique=True)
    deployment = models.OneToOneField(
        "contracts.Deployment",
        verbose_name=_("部署"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="environment",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("客户组织"),
        on_delete=models.CASCADE,
        related_name="environments",
    )
    product = models.ForeignKey("contracts.Product", verbose_name=_("产品"), on_delete=models.PROTECT)
    version = models.CharField(_("版本"), max_length=40, blank=True)
    region = models.CharField(_("云区域"), max_length=60, blank=True)
    tenant_url = models.URLField(_("租户地址"), max_length=300, blank=True)
    ops_platform = models.CharField(_("运维平台"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公有云环境")
        verbose_name_plural = _("公有云环境")
        ordering = ["code"]
        indexes = [models.Index(fields=["organisation", "code"], name="ops_env_org_code")]

    def __str__(self) -> str:
        return self.code

    @property
    def is_active(self) -> bool:
        return self.retired_at is None


class ProbeResult(models.Model):
    """One stored probe of an environment's tenant address (from Prometheus or the embedded prober)."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="probes")
    at = models.DateTimeField(_("时间"))
    up = models.BooleanField(_("可用"))
    latency_ms = models.FloatField(_("延迟（毫秒）"), null=True, blank=True)
    cert_days_left = models.FloatField(_("证书剩余天数"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, default="prometheus")

    class Meta:
        verbose_name = _("探测结果")
        verbose_name_plural = _("探测结果")
        ordering = ["-at"]
        indexes = [models.Index(fields=["environment", "at"], name="ops_probe_env_at")]

    def __str__(self) -> str:
        return f"{self.environment_id} {self.at:%Y-%m-%d %H:%M} {'up' if self.up else 'down'}"


class WebhookReceipt(models.Model):
    """Every Alertmanager notification received, kept as sent (nothing is lost, even when malformed)."""

    class Outcome(models.TextChoices):
        PROCESSED = "processed", _("已处理")
        MALFORMED = "malformed", _("格式错误")

    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_key = models.CharField(_("分组键"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=20, blank=True)
    alert_count = models.PositiveIntegerField(_("告警数"), default=0)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, default=Outcome.PROCESSED)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    body = models.TextField(_("请求体"))

    class Meta:
        verbose_name = _("告警通知接收记录")
        verbose_name_plural = _("告警通知接收记录")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status} ({self.alert_count})"


class UnmatchedAlert(models.Model):
    """An alert that names no known, active environment: logged here for ops, never dropped."""

    class Reason(models.TextChoices):
        NO_ENVIRONMENT_LABEL = "no_environment_label", _("缺少环境标签")
        UNKNOWN_ENVIRONMENT = "unknown_environment", _("未知环境")
        RETIRED_ENVIRONMENT = "retired_environment", _("环境已停用")

    receipt = models.ForeignKey(WebhookReceipt, on_delete=models.CASCADE, related_name="unmatched")
    reason = models.CharField(_("原因"), max_length=40, choices=Reason.choices)
    environment_code = models.CharField(_("环境编码"), max_length=200, blank=True)
    fingerprint = models.CharField(_("指纹"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=20, blank=True)
    labels = models.JSONField(_("标签"), default=dict)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)

    class Meta:
        verbose_name = _("未匹配告警")
        verbose_name_plural = _("未匹配告警")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} {self.environment_code}"


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("处理中")
    RESOLVED = "resolved", _("已恢复")


class Incident(models.Model):
    """One firing alert (one fingerprint, one start) for one environment, until it resolves."""

    environment = models.ForeignKey(
        Environment, verbose_name=_("环境"), null=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    environment_code = models.CharField(_("环境编码"), max_length=60)
    fingerprint = models.CharField(_("指纹"), max_length=64)
    starts_at = models.DateTimeField(_("告警开始"))
    alertname = models.CharField(_("告警名称"), max_length=200)
    severity = models.CharField(_("级别"), max_length=40, blank=True)
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    labels = models.JSONField(_("标签"), default=dict)
    status = models.CharField(
        _("状态"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    expected = models.BooleanField(_("升级窗口内（预期）"), default=False)
    upgrade_window = models.ForeignKey(
        "ops.UpgradeWindow", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    opened_at = models.DateTimeField(_("开单时间"), default=timezone.now)
    clock_starts_at = models.DateTimeField(_("运维时钟起点"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("持续时长（秒）"), null=True, blank=True)
    working_minutes = models.FloatField(_("运维时间内时长（分钟）"), null=True, blank=True)
    last_received_at = models.DateTimeField(_("最近接收"), default=timezone.now)
    times_received = models.PositiveIntegerField(_("接收次数"), default=1)
    opened_by_receipt = models.ForeignKey(
        WebhookReceipt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("运维事件")
        verbose_name_plural = _("运维事件")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["fingerprint", "starts_at"], name="ops_incident_one_per_firing"),
        ]
        indexes = [
            models.Index(fields=["environment", "-starts_at"], name="ops_incident_env"),
            models.Index(fields=["fingerprint"], condition=Q(status="open"), name="ops_incident_open_fp"),
        ]

    def __str__(self) -> str:
        return f"{self.environment_code} {self.alertname} @ {self.starts_at:%Y-%m-%d %H:%M}"


class IncidentEvent(models.Model):
    """The incident's timeline: opened, who was told, repeats, resolved."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("告警触发")
        PAGED = "paged", _("已通知运维工程师")
        CUSTOMER_TOLD = "customer_told", _("已通知客户管理员")
        EXPECTED = "expected", _("升级窗口内的预期告警，不呼叫")
        RESOLVED = "resolved", _("告警恢复")
        NOTE = "note", _("备注")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("事件时间线")
        verbose_name_plural = _("事件时间线")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class InspectionReport(models.Model):
    """The weekly health inspection of one environment, from its stored probe results; kept."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="inspections")
    week_start = models.DateField(_("周起始日"))
    period_start = models.DateTimeField(_("统计开始"))
    period_end = models.DateTimeField(_("统计结束"))
    probes = models.PositiveIntegerField(_("探测次数"), default=0)
    availability = models.FloatField(_("可用率"), null=True, blank=True)
    latency_p50_ms = models.FloatField(null=True, blank=True)
    latency_p95_ms = models.FloatField(null=True, blank=True)
    latency_p99_ms = models.FloatField(null=True, blank=True)
    cert_days_left = models.FloatField(_("证书剩余天数"), null=True, blank=True)
    incidents = models.PositiveIntegerField(_("事件数"), default=0)
    incident_minutes = models.FloatField(_("事件总时长（分钟）"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("巡检报告")
        verbose_name_plural = _("巡检报告")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["environment", "week_start"], name="ops_inspection_one_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.environment_id} {self.week_start}"


class Severity(models.TextChoices):
    CRITICAL = "critical", _("严重")
    HIGH = "high", _("高危")
    MEDIUM = "medium", _("中危")
    LOW = "low", _("低危")


class SecurityAdvisory(models.Model):
    """A security notice for one product and a version range, fixed in ``fixed_version``."""

    code = models.SlugField(_("公告编号"), max_length=40, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    product = models.ForeignKey("contracts.Product", verbose_name=_("产品"), on_delete=models.PROTECT)
    affected_from = models.CharField(_("影响起始版本（含）"), max_length=40, blank=True)
    affected_to = models.CharField(_("影响截止版本（含）"), max_length=40, blank=True)
    fixed_version = models.CharField(_("修复版本"), max_length=40)
    severity = models.CharField(_("严重程度"), max_length=20, choices=Severity.choices)
    description = models.TextField(_("描述"))
    # The fix in the patch catalogue (``successhub.updates``), where one exists.
    patch = models.ForeignKey(
        "updates.Package",
        verbose_name=_("相关补丁"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="security_advisories",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("安全公告")
        verbose_name_plural = _("安全公告")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class AdvisoryState(models.TextChoices):
    AFFECTED = "affected", _("受影响")
    SCHEDULED = "scheduled", _("已排期")
    FIXED = "fixed", _("已修复")


class AdvisoryEnvironment(models.Model):
    """An advisory's state for one affected environment, tracked until fixed."""

    advisory = models.ForeignKey(SecurityAdvisory, on_delete=models.CASCADE, related_name="environments")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="advisories")
    state = models.CharField(
        _("状态"), max_length=20, choices=AdvisoryState.choices, default=AdvisoryState.AFFECTED
    )
    scheduled_for = models.DateTimeField(_("计划修复时间"), null=True, blank=True)
    upgrade_window = models.ForeignKey(
        "ops.UpgradeWindow", null=True, blank=True, on_delete=models.SET_NULL, related_name="advisories"
    )
    customer_told_at = models.DateTimeField(_("通知客户时间"), null=True, blank=True)
    fixed_at = models.DateTimeField(_("修复时间"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("公告影响环境")
        verbose_name_plural = _("公告影响环境")
        ordering = ["advisory", "environment"]
        constraints = [
            models.UniqueConstraint(fields=["advisory", "environment"], name="ops_advisory_env_unique")
        ]

    def __str__(self) -> str:
        return f"{self.advisory_id} {self.environment_id} {self.state}"


class WindowState(models.TextChoices):
    PLANNED = "planned", _("已计划")
    IN_PROGRESS = "in_progress", _("升级中")
    FINISHED = "finished", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class UpgradeWindow(models.Model):
    """A unified upgrade window for one product release: the environments in scope are upgraded in it."""

    product = models.ForeignKey("contracts.Product", verbose_name=_("产品"), on_delete=models.PROTECT)
    target_version = models.CharField(_("目标版本"), max_length=40)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    notes = models.TextField(_("版本说明"), blank=True)
    notice_days = models.JSONField(_("提前通知（天）"), default=list, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=WindowState.choices, default=WindowState.PLANNED
    )
    environments = models.ManyToManyField(
        Environment, verbose_name=_("范围内环境"), blank=True, related_name="windows"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("统一升级窗口")
        verbose_name_plural = _("统一升级窗口")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                name="ops_window_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.target_version} {self.starts_at:%Y-%m-%d %H:%M}"


class UpgradeNotice(models.Model):
    """A notice sent to customers about a window (ahead by N days, at the start, at the end): once each."""

    window = models.ForeignKey(UpgradeWindow, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("类型"), max_length=20)  # "ahead:7", "ahead:1", "start", "end"
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("接收人数"), default=0)

    class Meta:
        verbose_name = _("升级通知")
        verbose_name_plural = _("升级通知")
        constraints = [models.UniqueConstraint(fields=["window", "kind"], name="ops_notice_once")]

    def __str__(self) -> str:
        return f"{self.window_id} {self.kind}"
