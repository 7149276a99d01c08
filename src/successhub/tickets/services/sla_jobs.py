"""The SLA jobs' state changes: warn before a first response is late, escalate when it is.

Called by ``tickets.tasks`` with the ids the selectors found; each ticket is claimed once
(a conditional UPDATE on its ``*_notified_at`` flag), so a job run twice fires once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from successhub.accounts.models import Role, User
from successhub.tickets import outbound, sla
from successhub.tickets.models import OPEN_STATUSES, Ticket, TicketEvent
from successhub.tickets.services.common import beijing


def _service_admins() -> list[User]:
    return list(User.objects.filter(role=Role.SERVICE_ADMIN, is_active=True))


def warn_at_risk(ticket_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Warn the assignee and the technical manager, once per ticket (flag set atomically)."""
    now = now or timezone.now()
    warned = 0
    for ticket_id in ticket_ids:
        with transaction.atomic():
            claimed = Ticket.objects.filter(
                pk=ticket_id,
                at_risk_notified_at__isnull=True,
                first_responded_at__isnull=True,
                paused_since__isnull=True,
                status__in=OPEN_STATUSES,
            ).update(at_risk_notified_at=now)
            if not claimed:
                continue
            ticket = Ticket.objects.select_related("assignee", "organisation__technical_manager").get(
                pk=ticket_id
            )
            status = sla.status_of(ticket, now)
            TicketEvent.objects.create(
                ticket=ticket,
                kind="sla_at_risk",
                at=now,
                data={"remaining_minutes": status.remaining_minutes},
            )
            outbound.publish_event(
                "ticket.sla_at_risk", outbound.ticket_payload(ticket), ticket.organisation_id
            )
            outbound.notify(
                [ticket.assignee, ticket.organisation.technical_manager],
                "ticket.sla_at_risk",
                f"工单 {ticket.number} 即将超过首次响应时限",
                body=f"{ticket.organisation}：{ticket.title}；期限 {beijing(ticket.first_response_due_at)}，"
                f"{status.remaining_text}。",
                url=outbound.workspace_url(ticket),
            )
            outbound.warn_by_robots(
                ticket,
                "ticket.sla_at_risk",
                [ticket.assignee, ticket.organisation.technical_manager],
                f"工单 {ticket.number} 即将超过首次响应时限",
                f"{ticket.organisation}：{ticket.title}；期限 {beijing(ticket.first_response_due_at)}，"
                f"{status.remaining_text}。",
                f"您的工单 {ticket.number}（{ticket.title}）将在 {beijing(ticket.first_response_due_at)} "
                f"前首次响应，我们正在加紧处理。",
            )
            warned += 1
    return warned


def escalate_breached(ticket_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Escalate a breached first response, once per ticket: mark it escalated and tell the managers."""
    now = now or timezone.now()
    escalated = 0
    for ticket_id in ticket_ids:
        with transaction.atomic():
            claimed = Ticket.objects.filter(
                pk=ticket_id,
                breached_notified_at__isnull=True,
                first_responded_at__isnull=True,
                paused_since__isnull=True,
                status__in=OPEN_STATUSES,
                first_response_due_at__lte=now,
            ).update(breached_notified_at=now, escalated=True)
            if not claimed:
                continue
            ticket = Ticket.objects.select_related("assignee", "organisation__technical_manager").get(
                pk=ticket_id
            )
            TicketEvent.objects.create(
                ticket=ticket,
                kind="sla_breached",
                at=now,
                data={"due_at": ticket.first_response_due_at.isoformat()},
            )
            outbound.publish_event(
                "ticket.sla_breached", outbound.ticket_payload(ticket), ticket.organisation_id
            )
            outbound.notify(
                [ticket.assignee, ticket.organisation.technical_manager, *_service_admins()],
                "ticket.sla_breached",
                f"工单 {ticket.number} 已超过首次响应时限，已升级",
                body=f"{ticket.organisation}：{ticket.title}；期限 {beijing(ticket.first_response_due_at)}。",
                url=outbound.workspace_url(ticket),
            )
            outbound.warn_by_robots(
                ticket,
                "ticket.sla_breached",
                [ticket.assignee, ticket.organisation.technical_manager],
                f"工单 {ticket.number} 已超过首次响应时限，已升级",
                f"{ticket.organisation}：{ticket.title}；期限 {beijing(ticket.first_response_due_at)}。",
                f"您的工单 {ticket.number}（{ticket.title}）已超过首次响应时限，已升级由专人跟进。",
            )
            escalated += 1
    return escalated
