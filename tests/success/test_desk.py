"""The technical manager's desk: tickets raised to the manager (from the engineer's workspace and the
customer's ticket page), who sees what, notifications in each reader's language, the monthly ticket
analysis drafted on schedule, and the detail pages' one way in for actions."""

from __future__ import annotations

import datetime as dt

import pytest

from successhub.accounts.models import Role
from successhub.notifications.models import Notification
from successhub.success import services
from successhub.success.errors import InvalidState
from successhub.success.models import Escalation, EscalationSource, TicketAnalysis
from successhub.tickets.models import Ticket, TicketEvent
from successhub.tickets.services import filing

from .conftest import NOW, beijing

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineer(make_user):
    return make_user(role=Role.SUPPORT_ENGINEER, username="engineer", display_name="李强")


@pytest.fixture
def ticket(customer, freeze):
    freeze()
    return filing.file_ticket(
        requester=customer,
        filed_by=customer,
        product_code="galaxy",
        category="data_problem",
        title="存货核算余额与明细账不一致",
        description="月结后相差 3.2 万元。",
        now=NOW - dt.timedelta(hours=3),
    )


def _raise(client, user, ticket, reason="需要成本专家介入。", **extra):
    client.force_login(user)
    return client.post(
        "/success/escalations/raise/", {"ticket": ticket.number, "reason": reason, **extra}, follow=True
    )


# --- raising a ticket to the manager ----------------------------------------------------------------


def test_the_workspace_offers_to_raise_the_ticket_to_the_manager(client, engineer, ticket):
    client.force_login(engineer)
    page = client.get(f"/workspace/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="escalate-ticket"' in page and "陈静" in page


def test_an_engineer_raises_a_ticket_and_follows_it(client, engineer, ticket, manager):
    response = _raise(client, engineer, ticket)
    escalation = Escalation.objects.get()
    # The engineer lands on the escalation they raised (they may open it), the ticket is marked.
    assert response.redirect_chain[-1][0] == f"/success/escalations/{escalation.pk}/"
    assert response.status_code == 200 and "存货核算余额与明细账不一致" in response.content.decode()
    assert (escalation.source, escalation.manager, escalation.ticket) == (
        EscalationSource.ENGINEER,
        manager,
        ticket,
    )
    assert Ticket.objects.get(pk=ticket.pk).escalated
    event = TicketEvent.objects.get(ticket=ticket, kind="escalated_to_manager")
    assert event.actor == engineer and event.data["escalation"] == escalation.pk
    assert Notification.objects.filter(recipient=manager, kind="success.escalation").exists()
    # The ticket page now links to it instead of offering a second escalation.
    page = client.get(f"/workspace/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="ticket-escalation-link"' in page and 'data-testid="escalate-ticket"' not in page


def test_a_ticket_has_one_open_escalation_at_a_time(client, engineer, ticket, manager):
    _raise(client, engineer, ticket)
    again = _raise(client, engineer, ticket, next=f"/workspace/tickets/{ticket.number}/")
    assert "已提交专属技术经理跟进" in again.content.decode()
    assert Escalation.objects.count() == 1
    escalation = Escalation.objects.get()
    services.record_escalation_action(manager, escalation, "follow_up", "已联系成本专家。")
    services.close_escalation(manager, escalation)
    # Once closed, the ticket can be raised again.
    _raise(client, engineer, ticket, reason="问题复现。")
    assert Escalation.objects.count() == 2


def test_a_customer_raises_their_own_ticket(client, customer, ticket, manager):
    client.force_login(customer)
    assert 'data-testid="escalate-ticket"' in client.get(f"/tickets/{ticket.number}/").content.decode()
    response = _raise(client, customer, ticket, reason="请协调专家尽快处理。")
    escalation = Escalation.objects.get()
    assert escalation.source == EscalationSource.CUSTOMER and escalation.ticket == ticket
    assert response.redirect_chain[-1][0] == f"/success/escalations/{escalation.pk}/"


def test_a_customer_cannot_raise_another_customers_ticket(client, ticket, make_org, make_user, manager):
    other = make_user(make_org(technical_manager=manager))
    assert _raise(client, other, ticket).status_code == 404
    assert not Escalation.objects.exists()


def test_an_engineers_escalation_is_internal(client, engineer, ticket, customer):
    _raise(client, engineer, ticket, reason="客户情绪较大，需经理出面。")
    escalation = Escalation.objects.get()
    client.force_login(customer)
    assert client.get(f"/success/escalations/{escalation.pk}/").status_code == 404
    assert "客户情绪较大" not in client.get("/success/my/").content.decode()
    assert (
        'data-testid="ticket-escalation-link"'
        not in client.get(f"/tickets/{ticket.number}/").content.decode()
    )


def test_without_a_manager_staff_are_told_and_customers_see_nothing(
    client, engineer, make_org, make_user, freeze
):
    freeze()
    from successhub.contracts.models import Contract, Deployment, Product

    org = make_org()
    Deployment.objects.create(
        organisation=org, product=Product.objects.get(code="galaxy"), type="private_cloud"
    )
    Contract.objects.create(
        organisation=org, number="C-1", plan="advanced", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    buyer = make_user(org)
    ticket = filing.file_ticket(
        requester=buyer,
        filed_by=buyer,
        product_code="galaxy",
        category="data_problem",
        title="t",
        description="d",
    )
    client.force_login(engineer)
    assert "该客户未配备专属技术经理" in client.get(f"/workspace/tickets/{ticket.number}/").content.decode()
    client.force_login(buyer)
    assert 'data-testid="ticket-escalation"' not in client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "尚未配备专属技术经理" in _raise(client, buyer, ticket).content.decode()


def test_a_refusal_never_sends_the_user_off_site(client, customer, manager):
    client.force_login(customer)
    response = client.post(
        "/success/escalations/raise/", {"subject": "", "reason": "", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and not response["Location"].startswith("https://evil.example")


def test_an_unknown_action_changes_nothing(client, manager, customer, advanced):
    escalation = services.raise_escalation(customer, advanced, "问题", "说明")
    client.force_login(manager)
    response = client.post(f"/success/escalations/{escalation.pk}/", {"action": "delete"}, follow=True)
    assert "无法识别的操作" in response.content.decode()
    assert Escalation.objects.filter(pk=escalation.pk, status="open").exists()


# --- notifications in the reader's language ------------------------------------------------------------


def test_notifications_are_written_in_each_recipients_language(manager, customer, advanced, make_user):
    manager.language = "en"
    manager.save(update_fields=["language"])
    english_customer = make_user(advanced, language="en")
    services.raise_escalation(customer, advanced, "月结问题", "请协助。")
    assert Notification.objects.get(recipient=manager).title == f"Raised to you: {advanced.name} · 月结问题"

    event = services.open_event(manager, advanced, "upgrade", "V9.1 升级")
    services.post_event_update(manager, event, "已完成 80%。")
    titles = dict(Notification.objects.filter(kind="success.event_update").values_list("recipient", "title"))
    assert titles == {
        customer.pk: "重要事件进展：V9.1 升级",
        english_customer.pk: "Progress on an important event: V9.1 升级",
    }


def test_a_moment_notification_names_the_moment_in_the_readers_language(manager, customer, freeze):
    freeze()
    manager.language = "en"
    manager.save(update_fields=["language"])
    services.request_moment(
        customer,
        kind="year_end",
        start_date="2026-12-28",
        end_date="2026-12-31",
        scope="年结",
        contact_name="王",
        contact_phone="1",
    )
    title = Notification.objects.get(recipient=manager, kind="success.moment_requested").title
    assert (
        title.startswith("Critical-moment support requested:")
        and "Year-end" in title
        and "2026-12-28" in title
    )


# --- the monthly ticket analysis, on schedule ----------------------------------------------------------


def _tickets_in_may(org, requester, n=3):
    for i in range(n):
        filing.file_ticket(
            requester=requester,
            filed_by=requester,
            product_code="galaxy",
            category="application_problem",
            title=f"五月问题 {i}",
            description="…",
            now=beijing(2026, 5, 6 + i, 10),
        )


@pytest.mark.parametrize(
    ("plan", "start", "end", "drafted"),
    [
        ("advanced", dt.date(2026, 1, 1), dt.date(2026, 12, 31), True),
        ("advanced", dt.date(2026, 5, 20), dt.date(2027, 5, 19), True),
        ("advanced", dt.date(2025, 6, 1), dt.date(2026, 4, 30), False),
        ("standard", dt.date(2026, 1, 1), dt.date(2026, 12, 31), False),
    ],
    ids=[
        "Advanced all month: the month's analysis is drafted",
        "Advanced from mid-month: drafted (the right covered part of the month)",
        "contract ended before the month: nothing",
        "Standard has no technical manager right: nothing",
    ],
)
def test_the_month_just_ended_is_drafted_for_customers_with_the_right(
    make_org, make_user, add_contract, add_deployment, manager, plan, start, end, drafted
):
    org = make_org(technical_manager=manager)
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, plan, start=start, end=end)
    assert services.generate_monthly_analyses(beijing(2026, 6, 1, 2)) == int(drafted)
    assert (
        TicketAnalysis.objects.filter(organisation=org, period_start=dt.date(2026, 5, 1)).exists() == drafted
    )


def test_the_scheduled_analysis_counts_the_month_and_tells_the_manager_once(advanced, customer, manager):
    _tickets_in_may(advanced, customer)
    assert services.generate_monthly_analyses(beijing(2026, 6, 1, 2)) == 1
    analysis = TicketAnalysis.objects.get()
    assert (analysis.period_start, analysis.period_end, analysis.figures["total"], analysis.sent_at) == (
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 31),
        3,
        None,
    )
    note = Notification.objects.get(recipient=manager, kind="success.analyses_drafted")
    assert "2026-05" in note.title and "1" in note.title
    # Idempotent: the next hourly run (and the next day's) changes nothing.
    assert services.generate_monthly_analyses(beijing(2026, 6, 1, 3)) == 0
    assert services.generate_monthly_analyses(beijing(2026, 6, 12, 9)) == 0
    assert TicketAnalysis.objects.count() == 1
    assert Notification.objects.filter(kind="success.analyses_drafted").count() == 1


def test_a_sent_analysis_is_left_alone_by_the_schedule(advanced, customer, manager):
    _tickets_in_may(advanced, customer, n=1)
    analysis = services.generate_analysis(
        manager, advanced, dt.date(2026, 5, 1), now=beijing(2026, 5, 31, 18)
    )
    services.annotate_and_send_analysis(manager, analysis, "五月平稳。")
    _tickets_in_may(advanced, customer, n=2)
    assert services.generate_monthly_analyses(beijing(2026, 6, 1, 2)) == 0
    analysis.refresh_from_db()
    assert analysis.figures["total"] == 1 and analysis.annotation == "五月平稳。"
    with pytest.raises(InvalidState):
        services.generate_analysis(manager, advanced, dt.date(2026, 5, 1))


def test_the_job_is_registered_with_the_scheduler():
    from successhub.scheduler import registered_jobs

    job = registered_jobs()["success.monthly_ticket_analyses"]
    assert job.every_seconds <= 24 * 3600
