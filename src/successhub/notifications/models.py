"""In-app notifications, e-mail preferences, outbound webhooks (an outbox) and periodic-job runs."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

ALL_KINDS = "*"

# What people read for each kind of notification (the preferences page). Apps that notify add their
# kinds here, one line each; a kind missing here is shown as 其他通知, never by its code.
KIND_LABELS: dict[str, str] = {
    "ticket.created": gettext_noop("工单已受理"),
    "ticket.replied": gettext_noop("工单有新回复"),
    "ticket.status_changed": gettext_noop("工单状态变更"),
    "ticket.assigned": gettext_noop("工单分派"),
    "ticket.rated": gettext_noop("工单评价"),
    "ticket.withdrawn": gettext_noop("工单撤回"),
    "ticket.sla_at_risk": gettext_noop("工单即将超时"),
    "ticket.sla_breached": gettext_noop("工单已超时"),
    "idea_status": gettext_noop("需求状态更新"),
    "community_answer": gettext_noop("社区问题有新回答"),
}


class Notification(models.Model):
    """One message for one user, shown in the portal until read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=100)
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    email_wanted = models.BooleanField(_("需要邮件"), default=False)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    # The e-mail's retries: the same limit and backoff as the other outboxes, then the dead-letter list.
    email_attempts = models.PositiveIntegerField(_("邮件尝试次数"), default=0)
    email_next_attempt_at = models.DateTimeField(_("邮件下次尝试"), null=True, blank=True)
    email_failed_at = models.DateTimeField(_("邮件失败时间"), null=True, blank=True)
    email_last_error = models.CharField(_("邮件最近错误"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_recipient_unread"
            ),
            # The e-mail outbox: only rows still owed an e-mail, swept every few seconds.
            models.Index(
                fields=["created_at"],
                condition=Q(email_wanted=True, emailed_at__isnull=True, email_failed_at__isnull=True),
                name="notif_email_owed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Whether a user wants e-mail for a kind of notification; kind ``*`` covers every kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("类型"), max_length=100, default=ALL_KINDS)
    email = models.BooleanField(_("邮件通知"), default=True)
    im = models.BooleanField(_("IM 机器人通知"), default=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notif_pref_unique_user_kind")]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind} · {'email' if self.email else 'no email'}"


def _new_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """An external URL that receives platform events, signed with its own secret."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=128, default=_new_secret)
    events = models.JSONField(
        _("订阅事件"),
        default=list,
        blank=True,
        help_text=_('事件名列表，例如 ["ticket.created"]；"*" 表示全部事件。'),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("限定客户组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text=_("留空表示接收所有客户组织（及平台级）的事件。"),
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("Webhook 端点")
        verbose_name_plural = _("Webhook 端点")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def subscribes_to(self, event: str, organisation_id: int | None) -> bool:
        if not self.active:
            return False
        if self.organisation_id is not None and self.organisation_id != organisation_id:
            return False
        events = self.events or []
        return ALL_KINDS in events or event in events


class WebhookDelivery(models.Model):
    """The outbox: one event for one endpoint, written in the caller's transaction, sent later."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("已失败")

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("端点"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("事件"), max_length=100)
    event_id = models.CharField(_("事件 ID"), max_length=64, db_index=True)
    body = models.TextField(_("请求体"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("最近状态码"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} #{self.pk}"

    @property
    def status(self) -> str:
        if self.delivered_at is not None:
            return self.Status.DELIVERED
        if self.failed_at is not None:
            return self.Status.FAILED
        return self.Status.PENDING


class Robot(models.Model):
    """An IM group robot notifications can go out through: a staff member's own, the service team's
    group (``staff_group``), or a customer's dedicated group (bound by ``imgroups``).

    The webhook URL (its key or token is the credential) and the signing secret are stored sealed
    (``successhub.integrations.secrets``) and never shown again.
    """

    name = models.CharField(_("名称"), max_length=100)
    tool = models.CharField(_("IM 工具"), max_length=30)
    webhook_sealed = models.TextField(_("Webhook（加密保存）"), blank=True, editable=False)
    secret_sealed = models.TextField(_("加签密钥（加密保存）"), blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("所属员工"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="robots",
        help_text=_("员工本人的机器人：发给此人的 SLA 预警经由它送达。"),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("客户专属群"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="robots",
        help_text=_("客户组织专属 IM 服务群的机器人（由专属群绑定时设置）。"),
    )
    staff_group = models.BooleanField(
        _("服务团队群"), default=False, help_text=_("没有自己机器人的员工，其 SLA 预警发到服务团队群。")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("IM 机器人")
        verbose_name_plural = _("IM 机器人")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_webhook(self) -> bool:
        return bool(self.webhook_sealed)


class RobotMessage(models.Model):
    """The robots' outbox: one text for one robot, written in the caller's transaction, sent later.

    ``dedupe_key`` makes enqueueing idempotent (a job run twice writes one row). Failures are retried
    with exponential backoff up to the limit; then the row is dead (``failed_at``) and listed for
    admins, who can resend it. A message is sent at most once by itself: one whose sender died in the
    middle of the request is in doubt (``last_code`` ``in_doubt``) and waits on the dead-letter list.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("已失败")

    robot = models.ForeignKey(
        Robot, verbose_name=_("机器人"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("类型"), max_length=100)
    text = models.TextField(_("内容"))
    mentions = models.JSONField(_("@ 手机号"), default=list, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    # Set just before the request goes to the tool, cleared when its answer is recorded. A row still
    # carrying it once its claim has lapsed was being sent when its sender died: it may have arrived,
    # and the tools take no idempotency key, so it is never sent again by itself (dead letter, resendable).
    sending_since = models.DateTimeField(_("发送开始"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    failed_at = models.DateTimeField(_("失败时间"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("最近状态码"), null=True, blank=True)
    last_code = models.CharField(_("工具返回码"), max_length=40, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("IM 机器人消息")
        verbose_name_plural = _("IM 机器人消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
                name="robot_message_due",
            ),
            models.Index(fields=["robot", "last_attempt_at"], name="robot_message_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.robot_id} #{self.pk}"

    @property
    def status(self) -> str:
        if self.delivered_at is not None:
            return self.Status.DELIVERED
        if self.failed_at is not None:
            return self.Status.FAILED
        return self.Status.PENDING


class GroupPreference(models.Model):
    """Whether an organisation's dedicated IM group receives a kind of notification (``*``: every kind)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="group_notification_preferences"
    )
    kind = models.CharField(_("类型"), max_length=100, default=ALL_KINDS)
    wanted = models.BooleanField(_("发到专属群"), default=True)

    class Meta:
        verbose_name = _("专属群通知偏好")
        verbose_name_plural = _("专属群通知偏好")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="group_pref_unique_org_kind")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.kind} · {self.wanted}"


class JobRun(models.Model):
    """When a periodic job (``successhub.scheduler``) last ran, so restarts do not run it early."""

    name = models.CharField(_("任务"), max_length=200, unique=True)
    last_started_at = models.DateTimeField(_("最近开始"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("最近结束"), null=True, blank=True)
    last_succeeded = models.BooleanField(_("最近成功"), null=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    runs = models.PositiveIntegerField(_("运行次数"), default=0)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
