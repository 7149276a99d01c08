"""Reads scoped to the acting user: a customer sees their own organisation's group only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from successhub.imgroups.models import GroupMessage, Membership, ServiceGroup

ON_TRACK, AT_RISK, BREACHED, MET = "on_track", "at_risk", "breached", "met"


def group_for(user) -> ServiceGroup | None:
    """The customer's own organisation's group (None if there is none yet)."""
    if not user.is_authenticated or not user.is_customer:
        return None
    return (
        ServiceGroup.objects.select_related("organisation", "robot")
        .filter(organisation=user.organisation)
        .first()
    )


def visible_groups(user) -> QuerySet[ServiceGroup]:
    if not user.is_authenticated:
        return ServiceGroup.objects.none()
    groups = ServiceGroup.objects.select_related("organisation", "robot")
    if user.is_customer:
        return groups.filter(organisation_id=user.organisation_id)
    return groups


def group(user, group_id: int) -> ServiceGroup:
    """One group the user may see; ``ServiceGroup.DoesNotExist`` for anyone else's."""
    return visible_groups(user).get(pk=group_id)


def members(group: ServiceGroup) -> QuerySet[Membership]:
    return Membership.objects.filter(group=group).select_related("user", "added_by", "removed_by")


def thread(group: ServiceGroup, limit: int = 200) -> list[GroupMessage]:
    rows = (
        GroupMessage.objects.filter(group=group)
        .select_related("author", "ticket", "member__user")
        .order_by("-received_at", "-id")[:limit]
    )
    return list(reversed(rows))


@dataclass(frozen=True)
class Clock:
    state: str
    due_at: dt.datetime

    @property
    def label(self) -> str:
        from successhub.tickets.sla import STATE_LABELS

        return _(STATE_LABELS[self.state])


def clock(message: GroupMessage, now: dt.datetime | None = None) -> Clock | None:
    """The response clock's state, with the same at-risk/breached states as tickets."""
    if message.kind != GroupMessage.Kind.CUSTOMER or message.response_due_at is None:
        return None
    now = now or timezone.now()
    if message.responded_at is not None:
        return Clock(
            MET if message.responded_at <= message.response_due_at else BREACHED, message.response_due_at
        )
    if now >= message.response_due_at:
        return Clock(BREACHED, message.response_due_at)
    if message.at_risk_at is not None and now >= message.at_risk_at:
        return Clock(AT_RISK, message.response_due_at)
    return Clock(ON_TRACK, message.response_due_at)


def engineer_queue(
    user, now: dt.datetime | None = None, limit: int = 200
) -> list[tuple[GroupMessage, Clock]]:
    """Unanswered customer messages across the groups, the most urgent first."""
    if not user.is_authenticated or user.is_customer:
        return []
    rows = (
        GroupMessage.objects.filter(
            kind=GroupMessage.Kind.CUSTOMER, responded_at__isnull=True, response_due_at__isnull=False
        )
        .select_related("group__organisation")
        .order_by("response_due_at", "id")[:limit]
    )
    now = now or timezone.now()
    return [(row, clock(row, now)) for row in rows]
