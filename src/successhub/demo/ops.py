"""Public-cloud environments for the demo's public-cloud deployments, a security advisory and an
upgrade window, so the 公有云运维 pages have something to show."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from successhub.accounts.models import Organisation
from successhub.calendars.selectors import business_calendar
from successhub.contracts.models import Deployment, Product
from successhub.ops import services
from successhub.ops.models import Environment, SecurityAdvisory, UpgradeWindow

TENANTS = {
    # organisation code: (tenant address, cloud region)
    "nanfang": ("https://nanfang.kdcloud.example/", "华南（广州）"),
    "veteran": ("https://beifang-energy.kdcloud.example/", "华北（北京）"),
    "overseas": ("https://pacific.kdcloud.example/", "华东（上海）"),
}


def _next_night(after: dt.datetime, days: int) -> dt.datetime:
    """A Saturday 22:00 Beijing time at least ``days`` ahead, outside the business hours the
    catalog says upgrade windows avoid (``upgrade_windows_outside``)."""
    local = timezone.localtime(after) + dt.timedelta(days=days)
    while local.weekday() != 5:
        local += dt.timedelta(days=1)
    start = local.replace(hour=22, minute=0, second=0, microsecond=0)
    avoid = services.upgrade_windows_outside()
    while avoid and business_calendar().between(avoid, start, start + dt.timedelta(hours=4)).minutes:
        start += dt.timedelta(days=7)
    return start


def load() -> list[str]:
    for deployment in Deployment.objects.filter(type="public_cloud").select_related(
        "organisation", "product"
    ):
        tenant = TENANTS.get(deployment.organisation.code)
        if tenant and not deployment.environment_url:
            deployment.environment_url = tenant[0]
            deployment.save(update_fields=["environment_url"])
        environment = services.sync_environment(deployment)
        if tenant and environment is not None and not environment.region:
            Environment.objects.filter(pk=environment.pk).update(region=tenant[1])
    nanfang = Organisation.objects.filter(code="nanfang").first()
    if nanfang is not None:
        from successhub.demo.foundation import _user

        _user("retail-admin", "南方零售 IT 管理员 林涛", "customer_admin", nanfang)
    cosmic = Product.objects.filter(code="cosmic").first()
    if cosmic is not None and not SecurityAdvisory.objects.filter(code="ksa-2026-007").exists():
        advisory = SecurityAdvisory.objects.create(
            code="ksa-2026-007",
            title="文件上传组件路径穿越漏洞",
            product=cosmic,
            affected_from="5.0",
            affected_to="6.2",
            fixed_version="6.3",
            severity="high",
            description="特定条件下，上传接口未校验文件名，可写入应用目录之外的路径。升级到 6.3 修复。",
        )
        services.publish_advisory(advisory)
    if cosmic is not None and not UpgradeWindow.objects.filter(product=cosmic).exists():
        start = _next_night(timezone.now(), 10)
        services.plan_upgrade_window(
            cosmic,
            "6.3",
            start,
            start + dt.timedelta(hours=4),
            notes="苍穹 6.3 标准版本：安全修复与性能优化。",
        )
    return ["retail-admin (南方零售客户管理员，接收公有云告警与升级通知)"]
