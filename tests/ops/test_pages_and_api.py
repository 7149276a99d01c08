"""The 公有云运维 page and the read API: customers see their own environments, ops engineers all."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from successhub.accounts.services import issue_api_token
from successhub.ops import services
from successhub.ops.models import UpgradeWindow
from tests.ops.conftest import payload


@pytest.fixture
def other_environment(make_org, add_deployment):
    deployment = add_deployment(
        make_org(name="别家公司"), product="galaxy", kind="public_cloud", version="9.0"
    )
    return deployment.environment


@pytest.fixture
def window(environment):
    start = timezone.now() + dt.timedelta(days=3)
    upgrade = UpgradeWindow.objects.create(
        product=environment.product,
        target_version="6.3",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        notes="苍穹 6.3 标准版本",
    )
    upgrade.environments.add(environment)
    return upgrade


def test_a_customer_sees_their_environments_windows_and_what_the_service_excludes(
    client, customer_admin, environment, other_environment, window
):
    client.force_login(customer_admin)
    html = client.get("/ops/").content.decode()

    assert environment.code in html and other_environment.code not in html
    assert "金蝶天梯运维平台" in html and "https://ops.kdcloud.com" in html
    assert "苍穹 6.3 标准版本" in html
    for excluded in ("配置调整", "测试服务", "定制开发的更新升级", "第三方产品的更新升级"):
        assert excluded in html
    assert client.get(f"/ops/environments/{other_environment.code}/").status_code == 404


def test_the_page_in_english_names_the_platform_and_exclusions_in_english(
    client, customer_admin, environment, window
):
    client.force_login(customer_admin)
    html = client.get("/ops/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Kingdee Tianti ops platform" in html
    assert "configuration changes" in html and "Unified upgrade windows" in html


def test_ops_engineers_see_every_environment_open_incidents_and_unmatched_alerts(
    client, ops_engineer, environment, other_environment, post_alerts, django_assert_max_num_queries
):
    post_alerts(payload("firing.json", environment.code))
    post_alerts(payload("firing.json", "no-such-env"))
    client.force_login(ops_engineer)
    with django_assert_max_num_queries(15):
        html = client.get("/ops/").content.decode()
    assert environment.code in html and other_environment.code in html
    assert re.search(r'id="open-incidents".*EnvironmentUnavailable|id="open-incidents".*不可用', html, re.S)
    assert "no-such-env" in html
    detail = client.get(f"/ops/environments/{environment.code}/").content.decode()
    assert "已通知运维工程师" in detail  # the timeline


def test_ops_plans_a_window_from_the_page_and_a_refusal_reads_as_a_sentence(
    client, ops_engineer, environment
):
    client.force_login(ops_engineer)
    monday_morning = (timezone.localtime() + dt.timedelta(days=14)).replace(hour=10, minute=0)
    while monday_morning.weekday() != 0:
        monday_morning += dt.timedelta(days=1)
    form = {
        "product": environment.product_id,
        "target_version": "6.3",
        "notice_days": "7,1",
        "starts_at": monday_morning.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (monday_morning - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    page = client.post("/ops/windows/", form, follow=True).content.decode()
    assert "结束时间必须晚于开始时间" in page
    saturday = monday_morning + dt.timedelta(days=5, hours=12)
    form.update(
        starts_at=saturday.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(saturday + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
    )
    page = client.post("/ops/windows/", form, follow=True).content.decode()
    assert "升级窗口已计划" in page
    assert UpgradeWindow.objects.get().environments.get() == environment


def test_customers_may_not_plan_windows(client, customer_admin, environment):
    client.force_login(customer_admin)
    assert client.post("/ops/windows/", {}).status_code == 403


def test_api_lists_environments_for_the_caller(
    client, customer_admin, ops_token, environment, other_environment
):
    token = issue_api_token(customer_admin, "t")
    mine = client.get("/api/v1/ops/environments", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    everyone = client.get("/api/v1/ops/environments", HTTP_AUTHORIZATION=f"Bearer {ops_token}").json()
    assert [e["code"] for e in mine] == [environment.code]
    assert mine[0]["ops_platform"]["url"] == "https://ops.kdcloud.com"
    assert {e["code"] for e in everyone} == {environment.code, other_environment.code}


def test_api_incidents_by_environment_and_never_another_customers(
    client, customer_admin, post_alerts, environment, other_environment
):
    post_alerts(payload("firing.json", environment.code))
    post_alerts(payload("resolved.json", environment.code))
    token = issue_api_token(customer_admin, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    (incident,) = client.get(f"/api/v1/ops/incidents?environment={environment.code}", **auth).json()
    assert (incident["status"], incident["duration_seconds"]) == ("resolved", 3)
    assert [e["kind"] for e in incident["timeline"]][-1] == "resolved"
    refused = client.get(f"/api/v1/ops/incidents?environment={other_environment.code}", **auth)
    assert (refused.status_code, refused.json()["code"]) == (404, "unknown_environment")


def test_an_advisory_page_shows_only_the_callers_environments(
    client, customer_admin, environment, other_environment
):
    from successhub.contracts.models import Product
    from successhub.ops.models import SecurityAdvisory

    advisory = SecurityAdvisory.objects.create(
        code="ksa-1",
        title="漏洞",
        product=Product.objects.get(code="cosmic"),
        fixed_version="6.3",
        severity="critical",
        description="d",
    )
    services.publish_advisory(advisory)
    client.force_login(customer_admin)
    html = client.get("/ops/advisories/ksa-1/").content.decode()
    assert environment.code in html and "标为已修复" not in html


def test_ops_publish_an_advisory_from_the_page_and_the_affected_customer_is_told(
    client, ops_engineer, customer_admin, environment, other_environment
):
    from successhub.notifications.models import Notification

    client.force_login(ops_engineer)
    form = {
        "code": "ksa-2026-009",
        "title": "会话固定漏洞",
        "product": environment.product_id,
        "affected_from": "5.0",
        "affected_to": "",
        "fixed_version": "6.3",
        "severity": "critical",
        "description": "升级到 6.3。",
        "patch": "",
    }
    page = client.post("/ops/advisories/", form, follow=True).content.decode()

    assert "安全公告已发布，受影响环境 1 个。" in page
    assert environment.code in page and other_environment.code not in page
    assert Notification.objects.filter(recipient=customer_admin, kind="ops.security_advisory").count() == 1
    again = client.post("/ops/advisories/", form, follow=True).content.decode()
    assert "公告编号已存在" in again


def test_the_page_shows_each_environments_latest_probe(client, customer_admin, environment):
    from successhub.ops.models import ProbeResult

    now = timezone.now()
    ProbeResult.objects.create(environment=environment, at=now - dt.timedelta(minutes=10), up=False)
    ProbeResult.objects.create(environment=environment, at=now, up=True, latency_ms=123.4)
    client.force_login(customer_admin)
    html = client.get("/ops/").content.decode()
    assert "最近探测可用，123 毫秒" in html


def test_an_advisory_links_the_fixing_patch_from_the_patch_catalogue(client, ops_engineer, environment):
    from model_bakery import baker

    from successhub.ops.models import SecurityAdvisory
    from successhub.updates.models import Package, PackageStatus

    package = baker.make(
        Package,
        product=environment.product,
        status=PackageStatus.PUBLISHED,
        title="苍穹 6.3 安全补丁",
        published_at=timezone.now(),
        sha256="ab" * 32,
        file="p/x.zip",
        file_name="x.zip",
    )
    client.force_login(ops_engineer)
    form = {
        "code": "ksa-2026-010",
        "title": "漏洞",
        "product": environment.product_id,
        "fixed_version": "6.3",
        "severity": "high",
        "description": "d",
        "patch": package.pk,
    }
    page = client.post("/ops/advisories/", form, follow=True).content.decode()
    assert SecurityAdvisory.objects.get(code="ksa-2026-010").patch == package
    assert f"/packages/{package.pk}/" in page and "苍穹 6.3 安全补丁" in page
