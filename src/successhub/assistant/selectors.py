"""Reads for the staff insights page: deflection and the questions the bot could not answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from successhub.assistant.models import Conversation, Message

UNANSWERED_LIMIT = 100


@dataclass(frozen=True)
class DeflectionRate:
    days: int
    conversations: int
    handed_off: int

    @property
    def deflected(self) -> int:
        return self.conversations - self.handed_off

    @property
    def rate(self) -> float | None:
        return self.deflected / self.conversations if self.conversations else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


def deflection_rate(days: int, now: dt.datetime | None = None) -> DeflectionRate:
    """Of the conversations started in the last ``days`` days with a question, how many needed no person."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    row = (
        Conversation.objects.filter(created_at__gte=since, messages__role=Message.Role.USER)
        .distinct()
        .aggregate(
            total=Count("id", distinct=True),
            handed_off=Count("id", filter=Q(handed_off_at__isnull=False), distinct=True),
        )
    )
    return DeflectionRate(days, row["total"] or 0, row["handed_off"] or 0)


def deflection_rates(now: dt.datetime | None = None) -> list[DeflectionRate]:
    return [deflection_rate(7, now), deflection_rate(30, now)]


def unanswered_questions(limit: int = UNANSWERED_LIMIT):
    """Bot replies that did not answer (low confidence) or that the user rated 👎, newest first, still open."""
    return (
        Message.objects.filter(role=Message.Role.BOT, resolved_faq_id__isnull=True, dismissed_at__isnull=True)
        .filter(Q(confident=False) | Q(rating=-1))
        .exclude(in_reply_to__isnull=True)
        .select_related("in_reply_to", "conversation__organisation", "conversation__user")
        .order_by("-created_at", "-id")[:limit]
    )


def faq_model():
    try:
        from successhub.community.models import Faq
    except ImportError:
        return None
    return Faq


def products():
    from successhub.contracts.models import Product

    return list(Product.objects.order_by("id").values_list("code", "name"))
