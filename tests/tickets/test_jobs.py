"""SLA jobs: the at-risk warning and the breach escalation fire once per ticket, not twice."""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.notifications.models import Notification
from successhub.tickets import tasks
from successhub.tickets.models import Status, Ticket, TicketEvent
from successhub.tickets.services import sla_jobs, working

from .conftest import beijing

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(advanced, make_user):
    user = make_user(role=Role.TECHNICAL_MANAGER)
    advanced.technical_manager = user
    advanced.save()
    return user


def test_at_risk_warning_fires_once(file_ticket, engineer, manager):
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))  # due 24 Nov 09:00; at risk from 23 Nov 16:00
    assert tasks.warn_at_risk_tickets(now=beijing(2026, 11, 23, 15, 59)) == 0
    assert tasks.warn_at_risk_tickets(now=beijing(2026, 11, 23, 16, 0)) == 1
    assert tasks.warn_at_risk_tickets(now=beijing(2026, 11, 23, 16, 1)) == 0
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_at_risk").count() == 1
    warned = set(Notification.objects.filter(kind="ticket.sla_at_risk").values_list("recipient", flat=True))
    assert warned == {engineer.pk, manager.pk}


def test_breach_escalates_once(file_ticket, engineer, manager, make_user):
    admin = make_user(role=Role.SERVICE_ADMIN)
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    assert tasks.escalate_breached_tickets(now=beijing(2026, 11, 24, 8, 59)) == 0
    assert tasks.escalate_breached_tickets(now=beijing(2026, 11, 24, 9, 0)) == 1
    assert tasks.escalate_breached_tickets(now=beijing(2026, 11, 24, 10, 0)) == 0
    ticket.refresh_from_db()
    assert ticket.escalated
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").count() == 1
    told = set(Notification.objects.filter(kind="ticket.sla_breached").values_list("recipient", flat=True))
    assert told == {engineer.pk, manager.pk, admin.pk}


def test_two_workers_claiming_the_same_ticket_fire_once(file_ticket, engineer):
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    now = beijing(2026, 11, 24, 9, 30)
    assert sla_jobs.escalate_breached([ticket.pk], now) + sla_jobs.escalate_breached([ticket.pk], now) == 1


def test_no_warning_once_answered_or_while_paused(file_ticket, engineer):
    answered = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    working.reply(answered, engineer, "已联系", now=beijing(2026, 11, 23, 9, 5))
    paused = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    working.change_status(paused, engineer, Status.WAITING_ON_CUSTOMER, now=beijing(2026, 11, 23, 9, 10))
    later = beijing(2026, 11, 30, 9, 0)
    assert tasks.warn_at_risk_tickets(now=later) == 0
    assert tasks.escalate_breached_tickets(now=later) == 0


def test_jobs_are_registered_with_the_scheduler():
    from successhub.scheduler import registered_jobs

    jobs = registered_jobs()
    assert jobs["tickets.warn_at_risk"].func is tasks.warn_at_risk_tickets
    assert jobs["tickets.escalate_breached"].func is tasks.escalate_breached_tickets


def test_resumed_clock_can_still_breach(file_ticket, engineer, customer):
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    working.change_status(ticket, engineer, Status.WAITING_ON_CUSTOMER, now=beijing(2026, 11, 23, 10, 0))
    working.reply(ticket, customer, "补充信息", now=beijing(2026, 11, 23, 11, 0))
    assert Ticket.objects.get(pk=ticket.pk).first_response_due_at == beijing(2026, 11, 24, 10, 0)
    assert tasks.escalate_breached_tickets(now=beijing(2026, 11, 24, 9, 30)) == 0
    assert tasks.escalate_breached_tickets(now=beijing(2026, 11, 24, 10, 0)) == 1
