"""撤回工单: a customer withdraws a ticket that is not resolved yet; it closes, leaves the queue, and says so."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token
from successhub.notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from successhub.tickets import selectors
from successhub.tickets.errors import ActionNotAllowed, InvalidInput, InvalidTransition, NotVerified
from successhub.tickets.models import Status, Ticket, TicketEvent, TicketPause
from successhub.tickets.services import sla_jobs, working

from .conftest import beijing

pytestmark = pytest.mark.django_db


def _bring_to(status: str, ticket: Ticket, engineer, customer) -> None:
    """Work the ticket the way people do until it has ``status``."""
    if status == Status.IN_PROGRESS:
        working.reply(ticket, engineer, "正在排查")
    elif status == Status.WAITING_ON_CUSTOMER:
        working.change_status(ticket, engineer, Status.WAITING_ON_CUSTOMER)
    elif status == Status.REOPENED:
        working.change_status(ticket, engineer, Status.RESOLVED)
        working.reopen(ticket, customer)
    elif status == Status.RESOLVED:
        working.change_status(ticket, engineer, Status.RESOLVED)
    elif status == Status.CLOSED:
        working.change_status(ticket, engineer, Status.CLOSED)
    ticket.refresh_from_db()
    assert ticket.status == status


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(Status.ASSIGNED, id="assigned_and_not_answered_yet"),
        pytest.param(Status.IN_PROGRESS, id="being_worked_after_a_reply"),
        pytest.param(Status.WAITING_ON_CUSTOMER, id="waiting_on_the_customer"),
        pytest.param(Status.REOPENED, id="reopened_after_a_resolution"),
    ],
)
def test_an_unresolved_ticket_can_be_withdrawn(file_ticket, engineer, customer, status):
    ticket = file_ticket()
    _bring_to(status, ticket, engineer, customer)
    at = timezone.now()
    working.withdraw(ticket, customer, "  问题已自行解决  ", now=at)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.withdrawn_at, ticket.withdrawal_reason, ticket.closed_at) == (
        Status.CLOSED,
        at,
        "问题已自行解决",
        at,
    )
    assert ticket.queue_due_at is None and ticket.paused_since is None
    event = TicketEvent.objects.get(ticket=ticket, kind="withdrawn")
    assert (event.actor, event.data) == (customer, {"from": status, "reason": "问题已自行解决"})


def test_a_new_unassigned_ticket_can_be_withdrawn_without_a_reason(file_ticket, customer):
    ticket = file_ticket()  # no engineer has the skill: the ticket stays new and unassigned
    assert (ticket.status, ticket.assignee) == (Status.NEW, None)
    working.withdraw(ticket, customer)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.withdrawal_reason, ticket.is_withdrawn) == (Status.CLOSED, "", True)
    assert not Notification.objects.filter(kind="ticket.withdrawn").exists()


def test_a_colleague_or_the_customer_admin_may_withdraw(file_ticket, engineer, advanced, make_user):
    first, second = file_ticket(), file_ticket()
    working.withdraw(first, make_user(advanced), "同事已电话沟通")
    working.withdraw(second, make_user(advanced, role=Role.CUSTOMER_ADMIN))
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.CLOSED}


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [
        pytest.param(
            Status.RESOLVED,
            "invalid_transition",
            "工单已解决",
            id="resolved_is_confirmed_or_reopened_instead",
        ),
        pytest.param(Status.CLOSED, "invalid_transition", "工单已关闭", id="closed_is_final"),
    ],
)
def test_a_resolved_or_closed_ticket_cannot_be_withdrawn(
    file_ticket, engineer, customer, status, code, words
):
    ticket = file_ticket()
    _bring_to(status, ticket, engineer, customer)
    with pytest.raises(InvalidTransition) as refused:
        working.withdraw(ticket, customer)
    assert refused.value.code == code
    assert words in refused.value.message_zh and refused.value.message_en != refused.value.message_zh
    ticket.refresh_from_db()
    assert (ticket.status, ticket.withdrawn_at) == (status, None)
    assert not TicketEvent.objects.filter(kind="withdrawn").exists()


def test_a_withdrawn_ticket_cannot_be_withdrawn_again(file_ticket, engineer, customer):
    ticket = file_ticket()
    working.withdraw(ticket, customer, "第一次")
    with pytest.raises(InvalidTransition) as refused:
        working.withdraw(ticket, customer, "第二次")
    assert refused.value.code == "already_withdrawn"
    assert Ticket.objects.get(pk=ticket.pk).withdrawal_reason == "第一次"


@pytest.mark.parametrize(
    ("who", "error", "code"),
    [
        pytest.param(
            "support_engineer", ActionNotAllowed, "forbidden", id="staff_close_rather_than_withdraw"
        ),
        pytest.param("service_admin", ActionNotAllowed, "forbidden", id="not_even_the_service_admin"),
        pytest.param(
            "other_organisation", ActionNotAllowed, "forbidden", id="another_organisations_customer"
        ),
        pytest.param("unverified", NotVerified, "not_verified", id="only_verified_users"),
    ],
)
def test_who_may_not_withdraw(file_ticket, engineer, make_org, make_user, advanced, who, error, code):
    ticket = file_ticket()
    actor = {
        "support_engineer": lambda: engineer,
        "service_admin": lambda: make_user(role=Role.SERVICE_ADMIN),
        "other_organisation": lambda: make_user(make_org()),
        "unverified": lambda: make_user(advanced, verified=False),
    }[who]()
    with pytest.raises(error) as refused:
        working.withdraw(ticket, actor)
    assert refused.value.code == code
    assert refused.value.message_zh and refused.value.message_en
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ASSIGNED


def test_an_overlong_reason_is_refused(file_ticket, customer):
    ticket = file_ticket()
    with pytest.raises(InvalidInput):
        working.withdraw(ticket, customer, "字" * (working.WITHDRAWAL_REASON_MAX_LENGTH + 1))
    assert Ticket.objects.get(pk=ticket.pk).is_open


def test_withdrawing_while_waiting_ends_the_pause(file_ticket, engineer, customer):
    ticket = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    working.change_status(ticket, engineer, Status.WAITING_ON_CUSTOMER, now=beijing(2026, 11, 23, 10, 0))
    working.withdraw(ticket, customer, now=beijing(2026, 11, 23, 11, 0))
    assert TicketPause.objects.get(ticket=ticket).ended_at == beijing(2026, 11, 23, 11, 0)


def test_the_withdrawn_ticket_leaves_the_queue_and_the_sla_jobs(file_ticket, engineer, customer):
    withdrawn = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    kept = file_ticket(now=beijing(2026, 11, 23, 9, 0))
    working.withdraw(withdrawn, customer, now=beijing(2026, 11, 23, 9, 30))
    queue = selectors.queue_for(engineer, selectors.QueueFilters(), now=beijing(2026, 11, 23, 10, 0))
    assert [t.number for t in queue.object_list] == [kept.number]
    much_later = beijing(2026, 12, 31, 9, 0)
    assert selectors.at_risk_ticket_ids(much_later) == [kept.pk]
    assert selectors.breached_ticket_ids(much_later) == [kept.pk]
    assert sla_jobs.escalate_breached([withdrawn.pk], much_later) == 0


def test_the_assignee_is_told_and_the_webhook_outbox_gets_the_event(
    file_ticket, engineer, customer, advanced
):
    WebhookEndpoint.objects.create(
        organisation=advanced,
        url="https://hooks.example/t",
        secret="s" * 32,
        name="客户系统",
        events=["ticket.withdrawn"],
    )
    ticket = file_ticket()
    working.withdraw(ticket, customer, "已找到操作手册")
    notice = Notification.objects.get(kind="ticket.withdrawn")
    assert notice.recipient == engineer
    assert ticket.number in notice.title and "已找到操作手册" in notice.body
    assert notice.url == f"/workspace/tickets/{ticket.number}/"
    delivery = WebhookDelivery.objects.get()
    body = json.loads(delivery.body)
    assert (delivery.event, body["event"], body["organisation_id"]) == (
        "ticket.withdrawn",
        "ticket.withdrawn",
        advanced.pk,
    )
    assert (body["data"]["number"], body["data"]["status"], body["data"]["from"], body["data"]["reason"]) == (
        ticket.number,
        "closed",
        "assigned",
        "已找到操作手册",
    )


def test_the_requester_is_told_when_a_colleague_withdraws(
    file_ticket, engineer, customer, advanced, make_user
):
    ticket = file_ticket()
    working.withdraw(ticket, make_user(advanced, display_name="同事小王"))
    told = Notification.objects.filter(kind="ticket.withdrawn")
    assert set(told.values_list("recipient", flat=True)) == {engineer.pk, customer.pk}
    assert "同事小王" in told.get(recipient=customer).title


def test_a_withdrawn_ticket_is_not_rated(file_ticket, engineer, customer):
    ticket = file_ticket()
    working.withdraw(ticket, customer)
    with pytest.raises(InvalidTransition):
        working.rate(ticket, customer, 5)


# --- over HTTP ------------------------------------------------------------------------------------


@pytest.fixture
def api(client):
    def post(user, number, data):
        return client.post(
            f"/api/v1/tickets/{number}/withdraw",
            data,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user, 'test')}",
        )

    return post


def test_api_withdraw(api, client, file_ticket, engineer, customer):
    ticket = file_ticket()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(customer, 'test')}"}
    assert client.get(f"/api/v1/tickets/{ticket.number}", **headers).json()["can_withdraw"] is True
    response = api(customer, ticket.number, {"reason": "不需要了"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["withdrawal_reason"]) == ("closed", "不需要了")
    assert body["withdrawn_at"] is not None
    detail = client.get(f"/api/v1/tickets/{ticket.number}", **headers).json()
    assert (detail["can_withdraw"], detail["allowed_transitions"]) == (False, [])


def test_api_withdraw_without_a_body_field(api, file_ticket, customer):
    ticket = file_ticket()
    assert api(customer, ticket.number, {}).json()["withdrawal_reason"] == ""


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        pytest.param("resolved", 409, "invalid_transition", id="resolved"),
        pytest.param("again", 409, "already_withdrawn", id="withdrawn_twice"),
        pytest.param("staff", 403, "forbidden", id="staff"),
        pytest.param("unverified", 403, "not_verified", id="unverified"),
        pytest.param("reason_too_long", 422, "invalid_input", id="reason_too_long"),
    ],
)
def test_api_refusals_are_codes(
    api, file_ticket, engineer, customer, advanced, make_user, case, status, code
):
    ticket = file_ticket()
    actor, reason = customer, ""
    if case == "resolved":
        working.change_status(ticket, engineer, Status.RESOLVED)
    elif case == "again":
        working.withdraw(ticket, customer)
    elif case == "staff":
        actor = engineer
    elif case == "unverified":
        actor = make_user(advanced, verified=False)
    elif case == "reason_too_long":
        reason = "字" * (working.WITHDRAWAL_REASON_MAX_LENGTH + 1)
    response = api(actor, ticket.number, {"reason": reason})
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]


def test_portal_withdraw_button_confirmation_and_label(client, file_ticket, engineer, customer):
    ticket = file_ticket()
    client.force_login(customer)
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="withdraw-form"' in page and "data-confirm=" in page and "撤回工单" in page
    response = client.post(f"/tickets/{ticket.number}/withdraw/", {"reason": "已自行处理"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.number}/"
    page = client.get(response["Location"]).content.decode()
    assert "工单已撤回。" in page and 'data-testid="withdrawn"' in page and "已自行处理" in page
    for gone in (
        'data-testid="withdraw-form"',
        'data-testid="reply-form"',
        'data-testid="rate-form"',
        'data-testid="sla-remaining"',
    ):
        assert gone not in page, gone
    assert "已撤回" in client.get("/tickets/").content.decode()
    client.force_login(engineer)
    staff_page = client.get(f"/workspace/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="withdrawn"' in staff_page and "已自行处理" in staff_page


def test_portal_offers_no_withdrawal_of_a_resolved_ticket_and_explains_a_refusal(
    client, file_ticket, engineer, customer
):
    ticket = file_ticket()
    working.change_status(ticket, engineer, Status.RESOLVED)
    client.force_login(customer)
    assert 'data-testid="withdraw-form"' not in client.get(f"/tickets/{ticket.number}/").content.decode()
    response = client.post(f"/tickets/{ticket.number}/withdraw/", {"reason": "我写的原因"})
    assert response.status_code == 409
    # The sentence says what to do instead (the page offers confirming and reopening, no withdrawal).
    page = response.content.decode()
    assert "工单已解决，不能撤回" in page and 'data-testid="withdraw-form"' not in page
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_portal_withdrawal_in_english(client, file_ticket, customer):
    ticket = file_ticket()
    client.force_login(customer)
    client.post(f"/tickets/{ticket.number}/withdraw/", {"reason": ""})
    page = client.get(f"/tickets/{ticket.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Withdrawn" in page and "the first-response clock has stopped" in page


def test_staff_cannot_use_the_portal_withdrawal(client, file_ticket, engineer):
    ticket = file_ticket()
    client.force_login(engineer)
    assert client.post(f"/tickets/{ticket.number}/withdraw/", {"reason": "x"}).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).is_open


def test_the_workspace_queue_no_longer_lists_it(client, file_ticket, engineer, customer):
    withdrawn, kept = file_ticket(title="甲"), file_ticket(title="乙")
    working.withdraw(withdrawn, customer)
    client.force_login(engineer)
    page = client.get("/workspace/").content.decode()
    assert f'data-number="{kept.number}"' in page and f'data-number="{withdrawn.number}"' not in page
