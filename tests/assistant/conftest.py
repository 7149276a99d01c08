import datetime as dt

import pytest
from django.utils import timezone

from successhub.assistant.retrieval import forget_knowledge_base
from successhub.contracts.models import UsageEntry
from successhub.core.entitlements import BEIJING
from successhub.search.indexing import index_doc


@pytest.fixture(autouse=True)
def _fresh_knowledge_base():
    # Test transactions roll back without bumping the index version: start every test afresh.
    forget_knowledge_base()
    yield
    forget_knowledge_base()


HOTLINE_FAQ = {
    "kind": "faq",
    "object_id": 1,
    "title": "标准服务的热线每年能打几次？",
    "body": "标准服务的热线每年能打几次？\n标准成功服务的热线服务仅面向软件系统致命故障进行紧急救援，每年不超过 4 次，"
    "服务时间 7×24 小时，号码 4008-836-836。",
    "url": "/faq/#faq-hotline-standard-quota",
    "product": None,
    "organisation_id": None,
}
VOUCHER_ARTICLE = {
    "kind": "article",
    "object_id": 2,
    "title": "星空凭证号断号了怎么处理",
    "body": "删除凭证后凭证号不连续时，可以使用凭证整理功能对未结账期间的凭证重新排号。已结账期间要先反结账。",
    "url": "/kb/galaxy-voucher-gap/",
    "product": "galaxy",
    "organisation_id": None,
}


@pytest.fixture
def knowledge(db):
    index_doc(HOTLINE_FAQ)
    index_doc(VOUCHER_ARTICLE)


def beijing(days_ahead: int, hour: int, weekday: int | None = None) -> dt.datetime:
    """An instant ``days_ahead`` days from now at ``hour`` Beijing time (moved to ``weekday`` if given)."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    if weekday is not None:
        day += dt.timedelta(days=(weekday - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)


@pytest.fixture
def standard_customer(make_org, make_user, add_deployment, add_contract):
    org = make_org()
    add_deployment(org, "cosmic", "public_cloud")
    add_contract(org, plan="standard", amount="0", start=timezone.localdate() - dt.timedelta(days=100))
    for days_ago in (60, 20):
        UsageEntry.objects.create(
            organisation=org, service="hotline", amount=1, at=timezone.now() - dt.timedelta(days=days_ago)
        )
    return make_user(org)


@pytest.fixture
def advanced_customer(make_org, make_user, add_deployment, add_contract):
    org = make_org()
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, plan="advanced", start=timezone.localdate() - dt.timedelta(days=30))
    return make_user(org)
