"""联系我们: every way to reach the service organisation, each with the customer's own decision; its
售后在线服务 entry files a ticket through the community's channel."""

from __future__ import annotations

import re

import pytest

from successhub.accounts.models import Role
from successhub.contracts.models import Product
from successhub.tickets.models import Channel, EngineerSkill, Ticket

pytestmark = pytest.mark.django_db


def _card(page: str, service: str) -> str:
    match = re.search(rf'<div class="card" data-service="{service}">(.*?)\n</div>', page, re.S)
    assert match, f"no card for {service}"
    return match.group(1)


@pytest.fixture
def customer_on(make_org, add_contract, add_deployment, make_user):
    def make(plan: str | None):
        organisation = make_org()
        add_deployment(organisation, "galaxy", "private_cloud_subscription")
        if plan:
            add_contract(organisation, plan)
        return make_user(organisation)

    return make


@pytest.mark.parametrize(
    ("plan", "ticket_allowed", "ticket_says"),
    [
        pytest.param(
            "advanced",
            True,
            "您的高级成功服务包含在线工单",
            id="advanced_customer_may_file_from_the_community",
        ),
        pytest.param(
            "standard", False, "在线工单不在您的标准成功服务中", id="standard_customer_is_told_why_not"
        ),
        pytest.param(None, False, "没有生效中的服务合同", id="customer_without_a_contract_is_told_why_not"),
    ],
)
def test_online_ticket_entry_follows_the_contract(client, customer_on, plan, ticket_allowed, ticket_says):
    client.force_login(customer_on(plan))
    card = _card(client.get("/community/contact/").content.decode(), "online_ticket")
    assert ticket_says in card
    assert ('href="/tickets/new/?via=community"' in card) is ticket_allowed
    assert ("可使用" in card) is ticket_allowed


def test_hotline_entry_shows_the_catalog_number_and_the_fatal_only_quota(client, customer_on):
    client.force_login(customer_on("standard"))
    card = _card(client.get("/community/contact/").content.decode(), "hotline")
    assert 'href="tel:4008836836"' in card and "4008-836-836" in card
    assert "仅限致命故障" in card and "剩余 4 次" in card


def test_a_visitor_sees_every_channel_and_is_asked_to_sign_in_to_file(client):
    page = client.get("/community/contact/").content.decode()
    for service in ("online_ticket", "hotline", "smart_service", "demand_listening"):
        assert "可使用" not in _card(page, service)  # nothing is decided for a visitor
    assert "登录后提交工单" in _card(page, "online_ticket")


def test_a_ticket_filed_from_the_community_records_its_channel(client, customer_on, make_user):
    customer = customer_on("advanced")
    engineer = make_user(role=Role.SUPPORT_ENGINEER)
    EngineerSkill.objects.create(engineer=engineer, product=Product.objects.get(code="galaxy"))
    client.force_login(customer)
    form = client.get("/tickets/new/?via=community").content.decode()
    assert 'name="via" value="community"' in form
    response = client.post(
        "/tickets/new/",
        {
            "via": "community",
            "product": "galaxy",
            "category": "data_problem",
            "title": "期末余额不一致",
            "description": "总账与明细账余额不一致。",
        },
    )
    assert response.status_code == 302
    assert Ticket.objects.get().channel == Channel.COMMUNITY


@pytest.mark.parametrize("via", ["", "hotline", "nonsense"], ids=["none", "hotline_is_the_desk_s", "unknown"])
def test_the_portal_form_files_through_the_ticket_site_otherwise(client, customer_on, via):
    client.force_login(customer_on("advanced"))
    client.post(
        "/tickets/new/",
        {
            "via": via,
            "product": "galaxy",
            "category": "data_problem",
            "title": "期末余额不一致",
            "description": "总账与明细账余额不一致。",
        },
    )
    assert Ticket.objects.get().channel == Channel.TICKET_SITE
