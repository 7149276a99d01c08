"""Online tickets: the ticket, its thread, attachments, SLA pauses, events and engineer skills."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from successhub.tickets.categories import CATEGORY_CHOICES


class Status(models.TextChoices):
    NEW = "new", _("新建")
    ASSIGNED = "assigned", _("已分派")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("待客户反馈")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")
    REOPENED = "reopened", _("已重新打开")


OPEN_STATUSES = (
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.WAITING_ON_CUSTOMER,
    Status.REOPENED,
)


class Channel(models.TextChoices):
    IN_PRODUCT = "in_product", _("产品端在线服务入口")
    HOTLINE = "hotline", _("热线")
    TICKET_SITE = "ticket_site", _("工单系统")
    COMMUNITY = "community", _("金蝶云社区【联系我们】")


class ContactPreference(models.TextChoices):
    PORTAL = "portal", _("站内回复")
    EMAIL = "email", _("邮件")
    PHONE = "phone", _("电话")


class TicketCounter(models.Model):
    """The last number handed out per Beijing date (incremented by one atomic upsert)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Ticket(models.Model):
    number = models.CharField(_("工单号"), max_length=32, unique=True)
    # No index of its own: ticket_org_created_idx (organisation, created_at) leads with it. Every
    # index is written on each filing.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("客户组织"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提单人"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey("contracts.Product", verbose_name=_("产品"), on_delete=models.PROTECT)
    category = models.CharField(_("问题分类"), max_length=40, choices=CATEGORY_CHOICES)
    service = models.CharField(_("服务项"), max_length=40)
    urgent = models.BooleanField(_("紧急"), default=False)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("问题描述"))
    contact_preference = models.CharField(
        _("联系方式偏好"), max_length=10, choices=ContactPreference.choices, default=ContactPreference.PORTAL
    )
    channel = models.CharField(_("提交渠道"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=30, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,  # ticket_assignee_status_idx (assignee, status) leads with it
    )
    # The entitlement decision the ticket was accepted under, as decided at filing (audit).
    decision = models.JSONField(_("受理权益判定"), default=dict)
    plan = models.CharField(_("服务计划"), max_length=20, blank=True)
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("服务合同"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # The first-response target, copied from the catalog at filing (the contract may change later).
    sla_schedule = models.CharField(_("响应时间口径"), max_length=10)
    sla_target_minutes = models.PositiveIntegerField(_("首次响应目标（工作分钟）"))
    sla_provisional = models.BooleanField(_("期限暂定"), default=False)
    first_response_due_at = models.DateTimeField(_("首次响应期限"))
    first_response_at_risk_at = models.DateTimeField(_("首次响应预警时间"))
    # The due time while the ticket waits for its first response and the clock runs; else null.
    # The queue sorts on it, so the agents see the next deadline first.
    queue_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    paused_since = models.DateTimeField(_("暂停计时自"), null=True, blank=True)
    at_risk_notified_at = models.DateTimeField(null=True, blank=True)
    breached_notified_at = models.DateTimeField(null=True, blank=True)
    escalated = models.BooleanField(_("已升级"), default=False)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # Set when the customer withdrew the ticket (撤回) before it was resolved: it is closed, not solved.
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("撤回原因"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    rating = models.PositiveSmallIntegerField(_("服务评分"), null=True, blank=True)
    rating_comment = models.TextField(_("评价"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # The client's Idempotency-Key (API): a repeat of the same filing returns this ticket, never a second.
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["queue_due_at", "-id"], name="ticket_queue_idx"),
            # The agents' default view (open tickets): its page and its COUNT read only this small index.
            models.Index(
                fields=["queue_due_at", "-id"],
                name="ticket_open_queue_idx",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["status", "first_response_due_at"], name="ticket_status_due_idx"),
            models.Index(fields=["organisation", "-created_at"], name="ticket_org_created_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(
                fields=["first_response_at_risk_at"],
                name="ticket_at_risk_pending_idx",
                condition=Q(first_responded_at__isnull=True, at_risk_notified_at__isnull=True),
            ),
            models.Index(
                fields=["first_response_due_at"],
                name="ticket_breach_pending_idx",
                condition=Q(first_responded_at__isnull=True, breached_notified_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="ticket_rating_1_to_5",
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
            ),
            models.CheckConstraint(name="ticket_status_known", condition=Q(status__in=Status.values)),
            models.CheckConstraint(name="ticket_not_merged_into_itself", condition=~Q(merged_into=F("id"))),
            models.CheckConstraint(
                name="ticket_withdrawn_is_closed", condition=Q(withdrawn_at__isnull=True) | Q(status="closed")
            ),
            # Partial: only filings that carried a key are indexed.
            models.UniqueConstraint(
                fields=["filed_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="ticket_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class TicketPause(models.Model):
    """A span while the ticket waited on the customer: the SLA clock does not run."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.CheckConstraint(
                name="ticket_pause_ends_after_start",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ended_at__isnull=True), name="one_open_pause_per_ticket"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}–{self.ended_at or ''}"


class MessageKind(models.TextChoices):
    PUBLIC_REPLY = "public_reply", _("回复")
    INTERNAL_NOTE = "internal_note", _("内部备注")
    PHONE_CONTACT = "phone_contact", _("电话联系")
    REMOTE_ASSISTANCE = "remote_assistance", _("远程协助")
    SYSTEM = "system", _("系统消息")


# Kinds a customer never sees.
INTERNAL_KINDS = (MessageKind.INTERNAL_NOTE,)


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=MessageKind.choices)
    body = models.TextField(_("内容"))
    by_staff = models.BooleanField(default=False)
    # Remote-assistance records: tool, session code, start/end; phone contacts: the number called.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def internal(self) -> bool:
        return self.kind in INTERNAL_KINDS


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    # The stored name is not the uploaded one: no path tricks, no collisions.
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"tickets/{instance.ticket_id}/{uuid.uuid4().hex}.{suffix}"


class TicketAttachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class TicketEvent(models.Model):
    """Audit trail: status changes, assignments, SLA warnings, merges."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class EngineerSkill(models.Model):
    """An engineer who handles a product's tickets; the round-robin picks the least recently assigned."""

    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工程师"),
        on_delete=models.CASCADE,
        related_name="ticket_skills",
    )
    product = models.ForeignKey("contracts.Product", verbose_name=_("产品"), on_delete=models.CASCADE)
    active = models.BooleanField(_("参与自动分派"), default=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("工程师产品技能")
        verbose_name_plural = _("工程师产品技能")
        constraints = [
            models.UniqueConstraint(fields=["engineer", "product"], name="one_skill_per_engineer_product")
        ]

    def __str__(self) -> str:
        return f"{self.engineer} · {self.product}"
