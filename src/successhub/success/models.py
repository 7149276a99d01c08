"""Value services of the Advanced plan: the technical manager's desk, critical moments, the annual
service report and the health check.

Quotas (person-days, reports) live in the contracts' usage ledger; the rows here point at the ledger
entry that paid for them. Database constraints back the invariants concurrency could break.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


# --- the technical manager's desk ----------------------------------------------------------------


class EscalationSource(models.TextChoices):
    ENGINEER = "engineer", _("工程师升级")
    CUSTOMER = "customer", _("客户提出")


class EscalationStatus(models.TextChoices):
    OPEN = "open", _("跟进中")
    CLOSED = "closed", _("已完结")


class Escalation(models.Model):
    """A ticket (or a question) raised to the organisation's technical manager, followed up to a close."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="escalations"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=20, choices=EscalationSource.choices)
    raised_by = models.ForeignKey(USER, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+")
    manager = models.ForeignKey(
        USER,
        verbose_name=_("专属技术经理"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("主题"), max_length=200)
    reason = models.TextField(_("说明"))
    status = models.CharField(
        _("状态"), max_length=20, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("完结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("升级事项")
        verbose_name_plural = _("升级事项")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"], name="escalation_org_status_idx")]
        constraints = [
            # A ticket is followed up by one open escalation at a time (a second click, or two people at once).
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="open", ticket__isnull=False),
                name="one_open_escalation_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class ActionKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("跟进记录")
    EXPERT = "expert", _("专家介入")
    REPLY = "reply", _("答复客户")


class EscalationAction(models.Model):
    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="actions")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=ActionKind.choices)
    expert = models.CharField(_("专家"), max_length=100, blank=True)
    body = models.TextField(_("内容"))
    visible_to_customer = models.BooleanField(_("客户可见"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class EventKind(models.TextChoices):
    OUTAGE = "outage", _("系统故障")
    GO_LIVE = "go_live", _("系统上线")
    UPGRADE = "upgrade", _("版本升级")
    OTHER = "other", _("其他重要事件")


class ImportantEvent(models.Model):
    """An important event (an outage, a go-live) the manager reports on until its summary (事件总结)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件类型"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("事件名称"), max_length=200)
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    summary = models.TextField(_("事件总结"), blank=True)
    closed_at = models.DateTimeField(_("总结发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("重要事件")
        verbose_name_plural = _("重要事件")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="event_closed_has_summary", condition=Q(closed_at__isnull=True) | ~Q(summary="")
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class EventUpdate(models.Model):
    event = models.ForeignKey(ImportantEvent, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("进展"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.at:%Y-%m-%d %H:%M}"


class TicketAnalysis(models.Model):
    """The periodic (monthly) ticket analysis: figures generated from the data, the manager's notes."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="analyses"
    )
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    figures = models.JSONField(default=dict)
    annotation = models.TextField(_("技术经理点评"), blank=True)
    generated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    sent_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("工单分析")
        verbose_name_plural = _("工单分析")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period_start"], name="one_analysis_per_org_period"
            ),
            models.CheckConstraint(
                name="analysis_period_ordered", condition=Q(period_end__gte=F("period_start"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.period_start:%Y-%m}"


# --- critical moments ----------------------------------------------------------------------------


class MomentKind(models.TextChoices):
    MONTH_END = "month_end", _("月结")
    YEAR_END = "year_end", _("年结")
    GO_LIVE = "go_live", _("上线")
    AUDIT = "audit", _("审计")
    SEASONAL_PEAK = "seasonal_peak", _("季节性业务高峰")


class MomentStatus(models.TextChoices):
    REQUESTED = "requested", _("待规划")
    CONFIRMED = "confirmed", _("已确认")
    DELIVERED = "delivered", _("已交付")
    CANCELLED = "cancelled", _("已取消")


class DeliveryMode(models.TextChoices):
    REMOTE = "remote", _("远程/在线")
    ON_SITE = "on_site", _("现场")


# The planning unit: half a person-day.
HALF_DAY = Decimal("0.5")


class CriticalMoment(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="critical_moments"
    )
    kind = models.CharField(_("关键时刻类型"), max_length=20, choices=MomentKind.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    scope = models.TextField(_("支持范围"))
    contact_name = models.CharField(_("联系人"), max_length=100)
    contact_phone = models.CharField(_("联系电话"), max_length=40)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=20, choices=MomentStatus.choices, default=MomentStatus.REQUESTED
    )
    # The plan (by the technical manager).
    experts = models.CharField(_("专家"), max_length=300, blank=True)
    half_days = models.PositiveSmallIntegerField(_("半天数"), default=0)
    mode = models.CharField(_("支持方式"), max_length=20, choices=DeliveryMode.choices, blank=True)
    plan_notes = models.TextField(_("规划说明"), blank=True)
    # The reservation: person-days held against the service year's quota between confirmation and delivery.
    reserved_days = models.DecimalField(_("预留人天"), max_digits=6, decimal_places=2, default=Decimal(0))
    year_start = models.DateField(_("服务年度开始"), null=True, blank=True)
    year_end = models.DateField(_("服务年度结束"), null=True, blank=True)
    confirmed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_days = models.DecimalField(_("实际人天"), max_digits=6, decimal_places=2, null=True, blank=True)
    work_done = models.TextField(_("支持内容"), blank=True)
    summary = models.TextField(_("支持总结"), blank=True)
    usage = models.OneToOneField(
        "contracts.UsageEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="critical_moment",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("关键时刻支持")
        verbose_name_plural = _("关键时刻支持")
        ordering = ["start_date", "id"]
        indexes = [
            models.Index(fields=["organisation", "status", "year_start"], name="moment_org_status_year_idx")
        ]
        constraints = [
            models.CheckConstraint(name="moment_dates_ordered", condition=Q(end_date__gte=F("start_date"))),
            models.CheckConstraint(name="moment_reserved_not_negative", condition=Q(reserved_days__gte=0)),
            models.CheckConstraint(
                name="moment_reserved_only_when_confirmed",
                condition=Q(status="confirmed") | Q(reserved_days=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}"

    @property
    def planned_days(self) -> Decimal:
        return HALF_DAY * self.half_days


# --- the annual service report -------------------------------------------------------------------


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class ServiceReport(models.Model):
    """专属服务报告 for one service year: the figures as generated and the manager's suggestions."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="service_reports"
    )
    contract = models.ForeignKey("contracts.Contract", null=True, on_delete=models.SET_NULL, related_name="+")
    year_start = models.DateField(_("服务年度开始"))
    year_end = models.DateField(_("服务年度结束"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    figures = models.JSONField(default=dict)
    suggestions = models.JSONField(_("改善建议"), default=list)
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    usage = models.OneToOneField(
        "contracts.UsageEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_report",
    )

    class Meta:
        verbose_name = _("专属服务报告")
        verbose_name_plural = _("专属服务报告")
        ordering = ["-year_start", "-id"]
        constraints = [
            # One report per organisation and service year (a draft is regenerated in place).
            models.UniqueConstraint(
                fields=["organisation", "year_start"], name="one_report_per_service_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year_start}–{self.year_end}"


# --- the health check ----------------------------------------------------------------------------


class CheckStatus(models.TextChoices):
    PROPOSED = "proposed", _("待确认时间")
    CONFIRMED = "confirmed", _("已确认时间")
    COMPLETED = "completed", _("已出具报告")
    CANCELLED = "cancelled", _("已取消")


class HealthCheck(models.Model):
    """系统健康检查与建议: an agreed time, a system inspection and a business diagnosis, each a report."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="health_checks"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=CheckStatus.choices, default=CheckStatus.PROPOSED
    )
    proposed_at = models.DateTimeField(_("建议时间"))
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    year_start = models.DateField(_("服务年度开始"), null=True, blank=True)
    year_end = models.DateField(_("服务年度结束"), null=True, blank=True)
    inspection = models.JSONField(_("巡检数据"), null=True, blank=True)
    inspection_findings = models.JSONField(default=list, blank=True)
    inspected_at = models.DateTimeField(null=True, blank=True)
    diagnosis_findings = models.JSONField(default=list, blank=True)
    diagnosis_overview = models.JSONField(default=dict, blank=True)
    diagnosed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    usage = models.OneToOneField(
        "contracts.UsageEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="health_check"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("系统健康检查")
        verbose_name_plural = _("系统健康检查")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year_start"],
                condition=Q(status="completed"),
                name="one_health_check_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.proposed_at:%Y-%m-%d}"
