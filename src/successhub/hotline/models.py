"""Hotline calls: the desk's call records, the CTI events they were built from, and IVR sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INBOUND = "in", _("呼入")
    OUTBOUND = "out", _("呼出")


class CallStatus(models.TextChoices):
    """Where the call is in the telephone system (from CTI events, or the desk for a typed-in call)."""

    RINGING = "ringing", _("振铃中")
    ANSWERED = "answered", _("通话中")
    ENDED = "ended", _("已结束")
    MISSED = "missed", _("未接来电")


class Classification(models.TextChoices):
    UNCLASSIFIED = "", _("未分类")
    FATAL_FAULT = "fatal_fault", _("致命故障")
    PRODUCT_PROBLEM = "product_problem", _("产品使用问题")
    DEMAND = "demand", _("需求建议")
    OTHER = "other", _("其他")


class Outcome(models.TextChoices):
    PENDING = "", _("待处理")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("已婉拒")
    TICKET = "ticket", _("已转工单")
    IDEA = "idea", _("已转需求")


class Call(models.Model):
    """One telephone call to (or from) the hotline desk."""

    cti_call_id = models.CharField(_("话务系统呼叫标识"), max_length=100, unique=True, null=True, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("客户组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_calls",
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("来电人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hotline_calls",
    )
    caller_phone = models.CharField(_("来电号码"), max_length=30, blank=True, db_index=True)
    dialled = models.CharField(_("被叫号码"), max_length=30, blank=True)
    direction = models.CharField(
        _("方向"), max_length=3, choices=Direction.choices, default=Direction.INBOUND
    )
    status = models.CharField(
        _("通话状态"), max_length=10, choices=CallStatus.choices, default=CallStatus.RINGING
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(_("接听时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    hangup_cause = models.CharField(_("挂断原因"), max_length=40, blank=True)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接听工程师"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answered_hotline_calls",
    )
    classification = models.CharField(
        _("问题分类"), max_length=20, choices=Classification.choices, blank=True, default=""
    )
    fatal = models.BooleanField(_("致命故障"), null=True, blank=True)
    summary = models.TextField(_("问题摘要"), blank=True)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, blank=True, default="")
    refusal_code = models.CharField(_("婉拒原因代码"), max_length=40, blank=True)
    decision = models.JSONField(_("权益判定"), default=dict, blank=True)
    recording_url = models.URLField(_("录音链接"), max_length=500, blank=True)
    usage_entry = models.OneToOneField(
        "contracts.UsageEntry",
        verbose_name=_("额度使用记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_call",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idea = models.ForeignKey(
        "community.Idea",
        verbose_name=_("需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("热线来电")
        verbose_name_plural = _("热线来电")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.caller_phone or '—'} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> int | None:
        """Talk time: from answer to hang-up (a missed call has none)."""
        if self.answered_at and self.ended_at and self.ended_at >= self.answered_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None


class CtiEvent(models.Model):
    """One event the telephone system posted, kept once per (call id, event)."""

    class Kind(models.TextChoices):
        NEW_CALL = "newCall", "newCall"
        ANSWER = "answer", "answer"
        HANGUP = "hangup", "hangup"

    cti_call_id = models.CharField(max_length=100)
    event = models.CharField(max_length=10, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("话务事件")
        verbose_name_plural = _("话务事件")
        constraints = [
            models.UniqueConstraint(fields=["cti_call_id", "event"], name="one_cti_event_per_call_and_kind")
        ]

    def __str__(self) -> str:
        return f"{self.cti_call_id} {self.event}"


class IvrSession(models.Model):
    """Where a caller is in the smart voice hotline's menu (one row per telephone call)."""

    call_id = models.CharField(max_length=100, unique=True)
    caller_phone = models.CharField(max_length=30, blank=True)
    node = models.CharField(max_length=40)
    turns = models.PositiveIntegerField(default=0)
    last_turn = models.PositiveIntegerField(default=0)
    last_response = models.JSONField(default=dict)
    transcript = models.JSONField(default=list)
    conversation = models.ForeignKey(
        "assistant.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("智能语音热线会话")
        verbose_name_plural = _("智能语音热线会话")

    def __str__(self) -> str:
        return f"{self.call_id} {self.caller_phone}"
