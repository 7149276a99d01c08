"""Each right on 我的服务权益 leads to its action, or says why not and what to do instead."""

from __future__ import annotations

import pytest

from successhub.core.catalog import SERVICE_CODES
from successhub.web import rights
from tests.web.visible import machine_codes, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def advanced_customer(make_org, make_user, add_deployment, add_contract):
    organisation = make_org()
    add_deployment(organisation, "galaxy", "private_cloud_subscription")
    add_contract(organisation, plan="advanced")
    return make_user(organisation)


@pytest.fixture
def standard_customer(make_org, make_user, add_deployment, add_contract):
    organisation = make_org()
    add_deployment(organisation, "cosmic", "public_cloud")
    add_contract(organisation, plan="standard", amount="0")
    return make_user(organisation)


def _row(html: str, code: str) -> str:
    start = html.index(f'<tr id="service-{code}"')
    return html[start : html.index("</tr>", start)]


def test_every_service_item_has_a_row_in_the_table():
    assert set(rights.RIGHTS) == set(SERVICE_CODES)


@pytest.mark.parametrize(
    ("code", "href"),
    [
        ("online_ticket", "/tickets/new/"),
        ("private_cloud_ops", "/tickets/new/?category=install_guidance"),
        ("custom_dev_maintenance", "/tickets/new/?category=custom_dev_advice"),
        ("community", "/community/questions/new/"),
        ("demand_listening", "/ideas/new/"),
        ("hotline", "tel:4008836836"),
        ("smart_service", "#assistant-panel"),
    ],
)
def test_an_allowed_right_leads_to_its_action(client, advanced_customer, code, href):
    client.force_login(advanced_customer)
    row = _row(client.get("/me/entitlements/").content.decode(), code)
    assert 'data-reason="ok"' in row
    assert f'data-testid="right-action" href="{href}"' in row


def test_a_right_whose_feature_is_not_built_shows_no_link(client, advanced_customer, monkeypatch):
    monkeypatch.setitem(
        rights.RIGHTS, "service_report", rights.Action("查看服务报告", "not_built_yet:reports")
    )
    client.force_login(advanced_customer)
    response = client.get("/me/entitlements/")
    assert response.status_code == 200
    row = _row(response.content.decode(), "service_report")
    assert 'data-reason="ok"' in row and "right-action" not in row


def test_a_refused_right_says_why_and_what_to_do_instead(client, standard_customer):
    client.force_login(standard_customer)
    html = client.get("/me/entitlements/").content.decode()
    ticket = _row(html, "online_ticket")
    assert 'data-reason="not_in_plan"' in ticket
    assert "不在您的标准成功服务中" in visible_text(ticket)
    # The reason table's hand-off: the community serves every plan.
    assert 'href="/community/" data-testid="instead"' in ticket


def test_a_right_the_plan_lacks_names_the_account_manager_for_an_upgrade(
    client, standard_customer, make_user
):
    from successhub.accounts.models import Role

    organisation = standard_customer.organisation
    organisation.account_manager = make_user(
        role=Role.ACCOUNT_MANAGER, email="am@example.com", display_name="刘洋"
    )
    organisation.save()
    client.force_login(standard_customer)
    row = _row(client.get("/me/entitlements/").content.decode(), "service_report")
    assert 'href="mailto:am@example.com" data-testid="upgrade"' in row
    assert "联系客户经营人员 刘洋" in visible_text(row)


def test_before_verification_every_right_needs_verification(
    client, make_org, make_user, add_deployment, add_contract
):
    organisation = make_org()
    add_deployment(organisation, "galaxy", "private_cloud_subscription")
    add_contract(organisation, plan="advanced")
    client.force_login(make_user(organisation, verified=False))
    html = client.get("/me/entitlements/").content.decode()
    for code in SERVICE_CODES:
        row = _row(html, code)
        assert 'data-reason="not_verified"' in row, code
        assert "需认证后使用" in visible_text(row), code
        assert 'href="/me/verify/" data-testid="instead"' in row, code
        assert 'data-testid="upgrade"' not in row, code
    assert "可使用" not in visible_text(html).replace("需认证后使用", "")


@pytest.mark.parametrize("region", ["overseas", "mainland"])
def test_the_entitlement_page_shows_no_machine_code(
    client, make_org, make_user, add_deployment, add_contract, region
):
    organisation = make_org(region=region)
    add_deployment(organisation, "galaxy", "public_cloud")
    add_contract(organisation, plan="standard", amount="0")
    client.force_login(make_user(organisation))
    assert machine_codes(client.get("/me/entitlements/").content.decode()) == []
