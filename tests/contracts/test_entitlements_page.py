"""我的服务权益: every item, allowed or not, why, what is left, open or when it opens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from successhub.accounts.models import Role
from successhub.contracts.models import UsageEntry
from successhub.contracts.selectors import entitlements_for
from successhub.core.catalog import SERVICE_CODES

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard_customer(make_org, make_user, add_deployment, add_contract):
    organisation = make_org()
    add_deployment(organisation, "cosmic", "public_cloud")
    add_contract(organisation, plan="standard", amount="0")
    return make_user(organisation)


def test_page_lists_every_service_item_with_its_reason(client, standard_customer):
    client.force_login(standard_customer)
    response = client.get("/me/entitlements/")
    assert response.status_code == 200
    html = response.content.decode()
    for code in SERVICE_CODES:
        assert f'data-service="{code}"' in html
    assert 'data-service="online_ticket" data-reason="not_in_plan"' in html
    assert 'data-service="hotline" data-reason="ok"' in html
    assert "仅限致命故障" in html
    assert "剩余 4 次" in html


def test_page_in_english(client, standard_customer):
    client.force_login(standard_customer)
    client.cookies["django_language"] = "en"
    html = client.get("/me/entitlements/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "fatal faults only" in html


def test_staff_have_no_entitlement_page(client, make_user):
    client.force_login(make_user(role=Role.SUPPORT_ENGINEER))
    assert client.get("/me/entitlements/").status_code == 403


def test_home_shows_plan_and_count(client, standard_customer):
    client.force_login(standard_customer)
    html = client.get("/").content.decode()
    assert "标准成功服务" in html
    assert "查看我的服务权益" in html


def _ledger(organisation, rows: int) -> None:
    now = timezone.now()
    UsageEntry.objects.bulk_create(
        UsageEntry(
            organisation=organisation,
            service=("hotline", "critical_moment_support", "service_report")[i % 3],
            amount=Decimal("0.01"),
            at=now - dt.timedelta(minutes=i),
        )
        for i in range(rows)
    )


def test_entitlement_queries_do_not_grow_with_contracts_or_ledger(
    make_org, add_deployment, add_contract, django_assert_num_queries
):
    small = make_org()
    add_deployment(small)
    add_contract(small, plan="advanced")
    entitlements_for(small)  # warm the calendar and catalog caches

    large = make_org()
    add_deployment(large)
    add_deployment(large, "eas_cloud", "private_cloud")
    today = timezone.localdate()
    for years_back in range(4):
        start = today.replace(year=today.year - years_back - 1)
        add_contract(large, plan="standard", start=start, end=start + dt.timedelta(days=364), amount="0")
    add_contract(large, plan="advanced")
    _ledger(large, 2000)

    with django_assert_num_queries(3):
        entitlements_for(small)
    with django_assert_num_queries(3):
        entitlements_for(large)


def test_entitlement_page_query_count_is_constant(
    client, make_org, make_user, add_deployment, add_contract, django_assert_max_num_queries
):
    organisation = make_org()
    add_deployment(organisation)
    add_contract(organisation, plan="advanced")
    _ledger(organisation, 500)
    client.force_login(make_user(organisation))
    client.get("/me/entitlements/")
    with django_assert_max_num_queries(8):  # session, user, organisation, 3 entitlement reads, ...
        assert client.get("/me/entitlements/").status_code == 200


def test_negotiated_hours_are_said_so(client, make_org, make_user, add_deployment, add_contract):
    organisation = make_org()
    add_deployment(organisation)
    add_contract(organisation, plan="advanced")
    client.force_login(make_user(organisation))
    html = client.get("/me/entitlements/").content.decode()
    row = html[
        html.index('data-service="critical_moment_support"') : html.index('data-service="technical_manager"')
    ]
    assert "双方协商确定" in row
    row = html[html.index('data-service="community"') : html.index('data-service="smart_service"')]
    assert "无固定服务时间" in row


def test_a_refused_item_names_its_reason_and_where_to_go_instead(client, standard_customer):
    client.force_login(standard_customer)
    html = client.get("/me/entitlements/").content.decode()
    row = html.split('id="service-im_service"', 1)[1].split("</tr>", 1)[0]
    assert "不在您的服务计划中" in row  # the reason's name from the table, not its code
    assert "<code>" not in row
    assert 'data-testid="instead" data-service="community"' in row and 'href="/community/"' in row
    allowed_row = html.split('id="service-hotline"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="instead"' not in allowed_row
