"""Filing: the entitlement engine decides, refusals say why, each ticket keeps its decision."""

from __future__ import annotations

import datetime as dt

import pytest

from successhub.accounts.models import Role
from successhub.tickets.errors import ActionNotAllowed, FilingRefused, InvalidInput, NotVerified
from successhub.tickets.models import Channel, Status, TicketEvent
from successhub.tickets.services import filing

from .conftest import beijing

pytestmark = pytest.mark.django_db


def test_ticket_gets_number_channel_decision_and_round_robin_assignee(file_ticket, engineer):
    ticket = file_ticket(now=beijing(2026, 11, 23, 10, 0), channel=Channel.IN_PRODUCT)
    assert ticket.number == "TK-20261123-0001"
    assert ticket.channel == "in_product"
    assert ticket.service == "online_ticket"
    assert ticket.decision["reason"] == "ok"
    assert ticket.decision["allowed"] is True
    assert ticket.plan == "advanced"
    assert ticket.assignee == engineer
    assert ticket.status == Status.ASSIGNED
    second = file_ticket(now=beijing(2026, 11, 23, 11, 0))
    assert second.number == "TK-20261123-0002"
    assert file_ticket(now=beijing(2026, 11, 24, 9, 0)).number == "TK-20261124-0001"


def test_round_robin_picks_the_least_recently_assigned_engineer(file_ticket, engineer, make_user):
    from successhub.contracts.models import Product
    from successhub.tickets.models import EngineerSkill

    other = make_user(role=Role.SUPPORT_ENGINEER)
    EngineerSkill.objects.create(engineer=other, product=Product.objects.get(code="galaxy"))
    no_skill = make_user(role=Role.SUPPORT_ENGINEER)
    assignees = [file_ticket(now=beijing(2026, 11, 23, 10, n)).assignee for n in range(4)]
    assert no_skill not in assignees
    assert assignees[0] != assignees[1]
    assert assignees[:2] == assignees[2:]


def test_unverified_user_cannot_file(file_ticket, advanced, make_user):
    with pytest.raises(NotVerified) as refused:
        file_ticket(make_user(advanced, verified=False))
    assert refused.value.code == "not_verified"


@pytest.mark.parametrize(
    ("category", "code"),
    [
        pytest.param("secondary_development", "out_of_scope", id="secondary_development_is_out_of_scope"),
        pytest.param("third_party_product", "out_of_scope", id="third_party_products_are_out_of_scope"),
    ],
)
def test_out_of_scope_categories_are_refused(file_ticket, category, code):
    with pytest.raises(FilingRefused) as refused:
        file_ticket(category=category)
    assert refused.value.code == code
    assert "二次开发" in refused.value.message_zh or "第三方" in refused.value.message_zh


def test_custom_development_only_in_the_first_year(make_org, add_contract, add_deployment, make_user):
    org = make_org()
    add_deployment(org, "galaxy", "public_cloud")
    first = dt.date.today() - dt.timedelta(days=500)
    add_contract(org, "advanced", start=first, end=first + dt.timedelta(days=364))
    add_contract(org, "advanced", start=first + dt.timedelta(days=365), end=first + dt.timedelta(days=729))
    user = make_user(org)
    with pytest.raises(FilingRefused) as refused:
        filing.file_ticket(
            requester=user,
            filed_by=user,
            product_code="galaxy",
            category="custom_dev_advice",
            title="定制报表",
            description="咨询定制方案",
        )
    assert refused.value.code == "outside_first_year"
    assert "专项服务" in refused.value.message_zh


def test_standard_plan_has_no_online_tickets(standard, make_user):
    user = make_user(standard)
    with pytest.raises(FilingRefused) as refused:
        filing.file_ticket(
            requester=user,
            filed_by=user,
            product_code="cosmic",
            category="application_problem",
            title="t",
            description="d",
        )
    assert refused.value.code == "not_in_plan"
    assert "高级成功服务" in refused.value.message_zh


def test_private_cloud_ops_needs_a_private_cloud_deployment(
    make_org, add_contract, add_deployment, make_user
):
    org = make_org()
    add_deployment(org, "cosmic", "public_cloud")
    add_contract(org, "advanced")
    user = make_user(org)
    with pytest.raises(FilingRefused) as refused:
        filing.file_ticket(
            requester=user,
            filed_by=user,
            product_code="cosmic",
            category="license_import",
            title="t",
            description="d",
        )
    assert refused.value.code == "deployment_not_eligible"


def test_refusal_saves_nothing(file_ticket):
    from successhub.tickets.models import Ticket

    with pytest.raises(FilingRefused):
        file_ticket(category="third_party_product")
    assert not Ticket.objects.exists()


def test_customer_cannot_file_for_someone_else_or_as_hotline(file_ticket, customer, advanced, make_user):
    colleague = make_user(advanced)
    with pytest.raises(ActionNotAllowed):
        file_ticket(colleague, filed_by=customer)
    with pytest.raises(InvalidInput):
        file_ticket(channel=Channel.HOTLINE)


def test_hotline_desk_files_for_a_customer(file_ticket, customer, make_user):
    desk = make_user(role=Role.SUPPORT_ENGINEER)
    ticket = file_ticket(customer, filed_by=desk, channel=Channel.HOTLINE)
    assert (ticket.requester, ticket.filed_by, ticket.channel) == (customer, desk, "hotline")
    assert TicketEvent.objects.filter(ticket=ticket, kind="created").exists()


def test_empty_title_is_refused(file_ticket):
    with pytest.raises(InvalidInput):
        file_ticket(title="  ")
