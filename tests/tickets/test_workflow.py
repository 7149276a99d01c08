"""Working a ticket: replies, notes, transitions, merge, rating, notifications and events."""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.notifications.models import Notification
from successhub.tickets.errors import ActionNotAllowed, InvalidInput, InvalidTransition, TicketError
from successhub.tickets.models import Status, Ticket, TicketPause
from successhub.tickets.services import assignment, working

from .conftest import beijing

pytestmark = pytest.mark.django_db


def test_staff_reply_is_first_response_and_notifies_the_customer(file_ticket, engineer, customer):
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    working.reply(ticket, engineer, "请提供报错截图。", now=beijing(2026, 11, 23, 9, 30))
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.first_responded_at == beijing(2026, 11, 23, 9, 30)
    assert Notification.objects.filter(recipient=customer, kind="ticket.replied").exists()


@pytest.mark.parametrize(
    ("start", "to"),
    [
        pytest.param(Status.CLOSED, Status.IN_PROGRESS, id="closed_is_final"),
        pytest.param(Status.IN_PROGRESS, Status.REOPENED, id="only_resolved_tickets_reopen"),
        pytest.param(Status.NEW, Status.ASSIGNED, id="assigned_is_reached_by_assigning"),
    ],
)
def test_invalid_transitions_are_refused_with_a_message(file_ticket, engineer, start, to):
    ticket = file_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status=start)
    ticket.refresh_from_db()
    with pytest.raises(InvalidTransition) as refused:
        working.change_status(ticket, engineer, to)
    assert "不能改为" in refused.value.message_zh
    assert Ticket.objects.get(pk=ticket.pk).status == start


def test_customer_confirms_or_reopens_only_a_resolved_ticket(file_ticket, engineer, customer):
    ticket = file_ticket()
    with pytest.raises(InvalidTransition):
        working.change_status(ticket, customer, Status.CLOSED)
    working.change_status(ticket, engineer, Status.RESOLVED)
    working.reopen(ticket, customer)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REOPENED
    working.change_status(ticket, engineer, Status.RESOLVED)
    working.confirm_resolved(ticket, customer)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None


def test_waiting_on_customer_opens_and_closes_one_pause(file_ticket, engineer, customer):
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    working.change_status(ticket, engineer, Status.WAITING_ON_CUSTOMER, now=beijing(2026, 11, 23, 9, 30))
    assert ticket.queue_due_at is None
    working.reply(ticket, customer, "已补充", now=beijing(2026, 11, 23, 10, 30))
    pause = TicketPause.objects.get(ticket=ticket)
    assert (pause.started_at, pause.ended_at) == (beijing(2026, 11, 23, 9, 30), beijing(2026, 11, 23, 10, 30))
    assert Ticket.objects.get(pk=ticket.pk).first_response_due_at == beijing(2026, 11, 24, 10, 0)


def test_customer_reply_reopens_a_resolved_ticket_and_closed_ones_take_no_reply(
    file_ticket, engineer, customer
):
    ticket = file_ticket()
    working.change_status(ticket, engineer, Status.RESOLVED)
    working.reply(ticket, customer, "问题又出现了")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REOPENED
    working.change_status(ticket, engineer, Status.CLOSED)
    with pytest.raises(InvalidTransition):
        working.reply(ticket, customer, "还在吗")


def test_customers_cannot_write_internal_notes_or_assign(file_ticket, customer, engineer):
    ticket = file_ticket()
    with pytest.raises(ActionNotAllowed):
        working.reply(ticket, customer, "x", internal=True)
    with pytest.raises(ActionNotAllowed):
        assignment.assign(ticket, customer, engineer)


def test_manual_reassignment(file_ticket, engineer, make_user):
    other = make_user(role=Role.SUPPORT_ENGINEER)
    ticket = file_ticket()
    assignment.assign(ticket, engineer, other)
    assert Ticket.objects.get(pk=ticket.pk).assignee == other
    assert Notification.objects.filter(recipient=other, kind="ticket.assigned").exists()


def test_merge_closes_the_duplicate_and_moves_its_files(file_ticket, engineer, png):
    original = file_ticket(title="无法登录")
    duplicate = file_ticket(title="无法登录（重复）", attachments=[png()])
    working.merge(duplicate, original, engineer)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED
    assert duplicate.merged_into == original
    assert original.attachments.count() == 1
    assert original.messages.filter(kind="internal_note", body__contains=duplicate.number).exists()


def test_merge_refuses_other_organisations_and_itself(
    file_ticket, engineer, make_org, add_contract, add_deployment, make_user
):
    ticket = file_ticket()
    with pytest.raises(InvalidInput):
        working.merge(ticket, ticket, engineer)
    other_org = make_org()
    add_deployment(other_org, "galaxy", "private_cloud")
    add_contract(other_org, "advanced")
    foreign = file_ticket(make_user(other_org))
    with pytest.raises(InvalidInput):
        working.merge(ticket, foreign, engineer)


def test_rating_once_after_resolution(file_ticket, engineer, customer):
    ticket = file_ticket()
    with pytest.raises(InvalidTransition):
        working.rate(ticket, customer, 5)
    working.change_status(ticket, engineer, Status.RESOLVED)
    with pytest.raises(InvalidInput):
        working.rate(ticket, customer, 6)
    working.rate(ticket, customer, 4, "响应很快")
    with pytest.raises(TicketError) as again:
        working.rate(ticket, customer, 5)
    assert again.value.code == "already_rated"
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (4, "响应很快")


def test_staff_cannot_rate(file_ticket, engineer):
    ticket = file_ticket()
    working.change_status(ticket, engineer, Status.RESOLVED)
    with pytest.raises(ActionNotAllowed):
        working.rate(ticket, engineer, 5)


def test_events_go_to_the_webhook_outbox(file_ticket, engineer, advanced):
    from successhub.notifications.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(
        organisation=advanced, url="https://hooks.example/t", secret="s" * 32, name="客户系统", events=["*"]
    )
    ticket = file_ticket()
    working.reply(ticket, engineer, "已处理")
    events = set(WebhookDelivery.objects.values_list("event", flat=True))
    assert {"ticket.created", "ticket.replied", "ticket.status_changed"} <= events
