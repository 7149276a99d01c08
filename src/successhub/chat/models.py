"""IM human service (IM 人工服务): chat sessions between a customer and a support engineer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Presence(models.TextChoices):
    ONLINE = "online", _("在线")
    BUSY = "busy", _("忙碌")
    AWAY = "away", _("离开")


class AgentStatus(models.Model):
    """An engineer's availability for IM and how many chats they take at once."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_status"
    )
    presence = models.CharField(_("状态"), max_length=10, choices=Presence.choices, default=Presence.AWAY)
    max_concurrent = models.PositiveSmallIntegerField(_("同时接待上限"), default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("坐席状态")
        verbose_name_plural = _("坐席状态")

    def __str__(self) -> str:
        return f"{self.agent} {self.presence}"


class SessionStatus(models.TextChoices):
    WAITING = "waiting", _("排队中")
    ACTIVE = "active", _("服务中")
    ENDED = "ended", _("已结束")


class Entry(models.TextChoices):
    IN_PRODUCT = "in_product", _("产品端在线服务入口")
    COMMUNITY = "community", _("金蝶云社区入口")


class ChatSession(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="chat_sessions",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("客户组织"),
        on_delete=models.PROTECT,
        related_name="chat_sessions",
    )
    product = models.CharField(_("产品"), max_length=40)
    entry = models.CharField(_("入口"), max_length=20, choices=Entry.choices, default=Entry.IN_PRODUCT)
    status = models.CharField(
        _("状态"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.WAITING
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工程师"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="served_chats",
    )
    topic = models.CharField(_("咨询主题"), max_length=200, blank=True)
    decision = models.JSONField(_("权益判定"), default=dict, blank=True)
    bot_conversation = models.ForeignKey(
        "assistant.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("接入时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    csat_comment = models.CharField(_("评价"), max_length=500, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("IM 会话")
        verbose_name_plural = _("IM 会话")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["agent", "status"])]
        constraints = [
            models.CheckConstraint(
                name="chat_csat_1_to_5", condition=Q(csat__isnull=True) | Q(csat__range=(1, 5))
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer}"

    @property
    def group_name(self) -> str:
        return f"chat.session.{self.pk}"


class Sender(models.TextChoices):
    CUSTOMER = "customer", _("客户")
    AGENT = "agent", _("工程师")
    SYSTEM = "system", _("系统")


def attachment_path(instance: ChatMessage, filename: str) -> str:
    return f"chat/{instance.session_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class ChatMessage(models.Model):
    """One message, numbered within its session (``seq``): a client resumes after the last it saw."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    client_id = models.CharField(max_length=64, blank=True)
    attachment = models.FileField(upload_to=attachment_path, blank=True, max_length=300)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=120, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("IM 消息")
        verbose_name_plural = _("IM 消息")
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="chat_message_seq_unique"),
            models.UniqueConstraint(
                fields=["session", "client_id"],
                condition=~Q(client_id=""),
                name="chat_message_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


class CannedReply(models.Model):
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("快捷回复")
        verbose_name_plural = _("快捷回复")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
