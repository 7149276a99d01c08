"""The customer's ticket form: their own products, and a plan without tickets is told so up front."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.web.visible import visible_text

pytestmark = pytest.mark.django_db


def _product_options(html: str) -> list[str]:
    select = html[html.index('id="id_product"') :]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="([^"]+)"', select)


@pytest.mark.parametrize(
    ("deployed", "offered"),
    [
        (("galaxy",), ["galaxy"]),
        (("eas_cloud",), ["eas_cloud", "s_hr"]),
        (("cosmic", "galaxy"), ["cosmic", "galaxy"]),
    ],
    ids=["one_product", "eas_cloud_covers_s_hr", "two_products"],
)
def test_the_form_offers_the_customers_own_products(
    client, make_org, make_user, add_deployment, add_contract, deployed, offered
):
    organisation = make_org()
    for product in deployed:
        add_deployment(organisation, product, "private_cloud_subscription")
    add_contract(organisation, plan="advanced")
    client.force_login(make_user(organisation))
    assert _product_options(client.get("/tickets/new/").content.decode()) == offered


def test_a_plan_without_tickets_is_told_up_front_and_routed(client, standard, make_user):
    client.force_login(make_user(standard))
    html = client.get("/tickets/new/").content.decode()
    assert 'data-testid="ticket-form"' not in html
    text = visible_text(html)
    assert "您的服务计划不含在线工单" in text and "在线工单不在您的标准成功服务中" in text
    # The routes that apply to a Standard customer: the hotline (fatal faults), the bot, the community.
    assert 'data-testid="route-hotline" href="tel:4008836836"' in html
    assert 'data-testid="route-smart_service"' in html and 'data-testid="route-community"' in html
    assert 'data-testid="route-im_service"' not in html


@pytest.mark.parametrize(
    ("start", "mentions_first_year"),
    [(dt.date.today() - dt.timedelta(days=30), True), (dt.date.today() - dt.timedelta(days=500), False)],
    ids=["in_the_first_year", "past_the_first_year"],
)
def test_the_secondary_development_hint_fits_the_customer(
    client, make_org, make_user, add_deployment, add_contract, start, mentions_first_year
):
    organisation = make_org()
    add_deployment(organisation, "galaxy", "private_cloud_subscription")
    add_contract(organisation, plan="advanced", start=start, end=start + dt.timedelta(days=1000))
    client.force_login(make_user(organisation))
    html = client.get(
        "/tickets/new/check/", {"product": "galaxy", "category": "secondary_development"}
    ).content.decode()
    row = html[html.index('data-category="secondary_development"') :]
    row = visible_text(row[: row.index("</tr>")])
    assert ("第一年" in row) is mentions_first_year
    assert "专项服务" in row
