"""Conversations with the smart customer-service bot, kept for review and the deflection rate."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistant_conversations",
    )
    session_key = models.CharField(_("会话标识"), max_length=64, blank=True, db_index=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("客户组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistant_conversations",
    )
    handoff = models.CharField(_("转接方式"), max_length=20, blank=True)
    handed_off_at = models.DateTimeField(_("转接时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("开始时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("最近活动"), auto_now=True)

    class Meta:
        verbose_name = _("智能客服会话")
        verbose_name_plural = _("智能客服会话")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user or _('访客')}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", _("用户")
        BOT = "bot", _("机器人")
        SYSTEM = "system", _("系统")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    text = models.TextField(_("内容"))
    in_reply_to = models.ForeignKey(
        "self",
        verbose_name=_("回答的问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    sources = models.JSONField(_("引用来源"), default=list, blank=True)
    confidence = models.FloatField(_("置信度"), null=True, blank=True)
    confident = models.BooleanField(_("已回答"), null=True, blank=True)
    fatal = models.BooleanField(_("致命故障"), default=False)
    handoff = models.JSONField(_("转接建议"), null=True, blank=True)
    rating = models.SmallIntegerField(_("评价"), null=True, blank=True, choices=[(1, "👍"), (-1, "👎")])
    resolved_faq_id = models.BigIntegerField(_("已转为常见问题"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("已忽略"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("智能客服消息")
        verbose_name_plural = _("智能客服消息")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="assistant_rating_up_or_down",
                condition=models.Q(rating__isnull=True) | models.Q(rating__in=[1, -1]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.text[:40]}"
