"""Dedicated IM service groups (专属 IM 服务群): the group, its members with history, its thread.

A group belongs to one customer organisation and lives on one IM tool (``integrations/<tool>/``).
Customer members are capped by the catalog (``dedicated_im_group.max_members``); the vendor side
(technical manager, engineers) joins without counting. Members are never deleted: a replaced
member keeps their row with ``removed_at``, so the history stays.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _callback_key() -> str:
    return secrets.token_urlsafe(24)


class ServiceGroup(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("待开通")
        ACTIVE = "active", _("已开通")
        CLOSED = "closed", _("已关闭")

    organisation = models.OneToOneField(
        "accounts.Organisation", verbose_name=_("客户组织"), on_delete=models.CASCADE, related_name="im_group"
    )
    tool = models.CharField(_("IM 工具"), max_length=30)
    name = models.CharField(_("群名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("开通人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bound_at = models.DateTimeField(_("开通时间"), null=True, blank=True)
    robot = models.OneToOneField(
        "notifications.Robot",
        verbose_name=_("群机器人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="im_group",
    )
    # The unguessable part of the callback URL that names this group to the tool.
    callback_key = models.CharField(_("回调标识"), max_length=64, unique=True, default=_callback_key)
    # The tool's inbound credentials (JSON), sealed like the robot's secrets.
    credentials_sealed = models.TextField(_("回调密钥（加密保存）"), blank=True, editable=False)

    class Meta:
        verbose_name = _("专属 IM 服务群")
        verbose_name_plural = _("专属 IM 服务群")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Side(models.TextChoices):
        CUSTOMER = "customer", _("客户")
        VENDOR = "vendor", _("服务方")

    group = models.ForeignKey(ServiceGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("成员"),
        on_delete=models.PROTECT,
        related_name="im_memberships",
    )
    side = models.CharField(_("身份"), max_length=20, choices=Side.choices, default=Side.CUSTOMER)
    # The member's id in the tool (WeCom userid, DingTalk staffId, Yunzhijia openid): recognises their messages.
    im_id = models.CharField(_("IM 账号"), max_length=100, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("加入时间"), default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(_("移出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("群成员")
        verbose_name_plural = _("群成员")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(removed_at__isnull=True),
                name="imgroup_one_active_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.user}"

    @property
    def active(self) -> bool:
        return self.removed_at is None


class GroupMessage(models.Model):
    """One message in the group's thread: a customer's (via the callback), an engineer's answer
    (from SuccessHub through the robot, or seen through the callback), or an automatic reply."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("客户消息")
        ENGINEER = "engineer", _("工程师回复")
        AUTO_REPLY = "auto_reply", _("自动回复")

    group = models.ForeignKey(ServiceGroup, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # The tool's message id: a replayed callback is stored once.
    external_id = models.CharField(_("消息 ID"), max_length=200, blank=True)
    sender_im_id = models.CharField(_("发送者 IM 账号"), max_length=200, blank=True)
    sender_name = models.CharField(_("发送者"), max_length=200, blank=True)
    member = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("内容"))
    received_at = models.DateTimeField(_("时间"), default=timezone.now)
    # The response clock (customer messages only): due and at-risk times on the catalog's schedule.
    response_due_at = models.DateTimeField(_("响应期限"), null=True, blank=True)
    at_risk_at = models.DateTimeField(_("即将超时时间"), null=True, blank=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    out_of_scope = models.CharField(_("超出服务范围"), max_length=50, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An automatic reply names the opening it announced, so a closed period gets one reply only.
    announced_opening = models.DateTimeField(null=True, blank=True)
    robot_message = models.ForeignKey(
        "notifications.RobotMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("群消息")
        verbose_name_plural = _("群消息")
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "external_id"], condition=~Q(external_id=""), name="imgroup_message_once"
            ),
        ]
        indexes = [
            models.Index(fields=["group", "received_at"], name="imgroup_thread"),
            models.Index(
                fields=["response_due_at"],
                condition=Q(responded_at__isnull=True, kind="customer"),
                name="imgroup_unanswered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.body[:30]}"
