"""No machine code on pages people read: every code is shown by its label (table tests)."""

from __future__ import annotations

import datetime as dt

import pytest

from successhub.accounts.models import Role
from successhub.contracts.models import UsageEntry
from tests.web.visible import machine_codes, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def advanced_customer(make_org, make_user, add_deployment, add_contract):
    organisation = make_org()
    add_deployment(organisation, "galaxy", "private_cloud_subscription")
    add_contract(organisation, plan="advanced")
    return make_user(organisation)


@pytest.mark.parametrize(
    ("kind", "code", "label"),
    [
        ("products", "galaxy", "金蝶云·星空"),
        ("products", "eas_cloud", "EAS Cloud"),
        ("channels", "innovation_square", "金蝶云社区创新广场"),
        ("channels", "ticket_site", "工单系统"),
        ("regions", "hong_kong", "中国香港"),
        ("deployment_types", "private_cloud_subscription", "私有云（订阅）"),
        ("schedules", "5x8", "5×8 工作小时（法定节假日除外的周一至周五 8:30-12:00、13:00-17:30）"),
    ],
)
def test_the_label_filter_names_each_code(kind, code, label):
    from successhub.web.templatetags.labels import label as label_of

    assert label_of(code, kind) == label


def test_staff_catalogue_names_the_included_edition_and_shows_no_code(client, make_user):
    client.force_login(make_user(role=Role.SUPPORT_ENGINEER))
    html = client.get("/staff/catalog/").content.decode()
    text = visible_text(html)
    assert "包含 标准成功服务 2025-07" in text
    assert "standard 2025-07" not in text
    assert machine_codes(html) == []


def test_the_workspace_shows_the_basis_of_a_ticket_without_its_reason_code(
    client, advanced_customer, make_user
):
    from successhub.tickets.services import filing

    ticket = filing.file_ticket(
        requester=advanced_customer,
        filed_by=advanced_customer,
        product_code="galaxy",
        category="application_problem",
        title="凭证无法保存",
        description="提示余额不平",
        channel="ticket_site",
    )
    client.force_login(make_user(role=Role.SUPPORT_ENGINEER))
    html = client.get(f"/workspace/tickets/{ticket.number}/").content.decode()
    assert "受理依据" in html
    assert machine_codes(html) == []


def test_search_results_tag_products_by_name(client):
    from successhub.search.indexing import index_doc

    index_doc(
        {
            "kind": "faq",
            "object_id": 1,
            "title": "凭证断号处理方法",
            "body": "凭证断号时请整理凭证号。",
            "url": "/faq/#gap",
            "product": "eas_cloud",
            "organisation_id": None,
        }
    )
    html = client.get("/search/", {"q": "凭证断号"}).content.decode()
    assert 'href="/faq/#gap"' in html
    assert '<span class="badge closed">EAS Cloud</span>' in html
    assert machine_codes(html) == []


def test_an_idea_names_its_channel(client, advanced_customer, make_user):
    from successhub.community.services import propose_idea

    idea = propose_idea(advanced_customer, "galaxy", "希望支持批量打印", "月底打印凭证很多。")
    client.force_login(make_user(role=Role.SUPPORT_ENGINEER))
    text = visible_text(client.get(f"/ideas/{idea.pk}/").content.decode())
    assert "渠道：金蝶云社区创新广场" in text and "innovation_square" not in text


def test_the_admin_labels_usage_records_in_chinese(client, advanced_customer, make_user):
    admin = make_user(role=Role.SERVICE_ADMIN, is_superuser=True)
    entry = UsageEntry.objects.create(
        organisation=advanced_customer.organisation,
        service="hotline",
        at=dt.datetime.now(dt.UTC),
        recorded_by=admin,
    )
    client.force_login(admin)
    html = client.get(f"/admin/contracts/usageentry/{entry.pk}/change/").content.decode()
    for english in ("Organisation:", "Recorded by:", "Contract:"):
        assert english not in html
    assert "登记人" in html and "客户组织" in html
    listing = visible_text(client.get("/admin/contracts/usageentry/").content.decode())
    assert "热线服务" in listing
