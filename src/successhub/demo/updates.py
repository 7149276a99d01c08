"""Product versions, packages (with small demo files), licenses and a delivered upgrade for the
Advanced demo customer (华东精密), and an update plan its administrator keeps."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from successhub.accounts.models import Organisation, User
from successhub.contracts.models import Product
from successhub.updates import services
from successhub.updates.models import License, LicenseUpgrade, Package, PackageStatus, ProductVersion

VERSIONS = {
    "galaxy": [("V9.0", 400), ("V9.1", 200), ("V9.2", 20)],
    "cosmic": [("6.0", 300), ("6.1", 30)],
    "constellation": [("5.0", 250), ("5.1", 40)],
    "eas_cloud": [("8.8", 500), ("9.0", 60)],
}

PACKAGES = [
    (
        "galaxy",
        "fix_patch",
        "high",
        "星空 V9.1 总账凭证过账异常修正补丁 PT-091-0012",
        ["V9.1"],
        "修正：月末批量过账时，部分凭证提示“科目余额不平”而中断。\n安装前请备份数据库，并停止应用服务。",
    ),
    (
        "galaxy",
        "feature_pack",
        "normal",
        "星空 V9.1 应收应付功能升级包 FP-091-03",
        ["V9.1"],
        "新增：应收单批量核销；往来对账单导出 Excel。",
    ),
    (
        "galaxy",
        "installer",
        "normal",
        "金蝶云·星空 V9.2 产品安装包",
        ["V9.0", "V9.1"],
        "V9.2 完整安装包。升级实施不在许可升级服务范围内。",
    ),
    (
        "cosmic",
        "fix_patch",
        "critical",
        "苍穹 6.0 零售 POS 离线单据同步修正补丁 PT-600-0031",
        ["6.0"],
        "修正：门店网络恢复后离线单据重复同步。",
    ),
]


def load() -> list[str]:
    admin = User.objects.get(username="admin")
    products = {p.code: p for p in Product.objects.all()}
    today = timezone.localdate()
    for code, rows in VERSIONS.items():
        for version, days_ago in rows:
            ProductVersion.objects.get_or_create(
                product=products[code],
                version=version,
                defaults={"released_on": today - dt.timedelta(days=days_ago)},
            )
    made = []
    for code, kind, severity, title, versions, notes in PACKAGES:
        package = Package.objects.filter(title=title).first()
        if package is None:
            package = services.create_package(
                admin,
                product=code,
                kind=kind,
                title=title,
                release_notes=notes,
                versions=versions,
                severity=severity,
            )
            body = (f"{title}\n" * 2000).encode("utf-8")  # a small stand-in file for the demo
            services.attach_file(admin, package, ContentFile(body), f"{title.split()[-1]}.zip")
        if package.status == PackageStatus.DRAFT:
            services.publish_package(admin, package)
        made.append(package)
    fix, feature = made[0], made[1]
    if not fix.supersedes.exists() and feature.prerequisites.count() == 0:
        feature.prerequisites.add(fix)

    huadong = Organisation.objects.get(code="huadong")
    nanfang = Organisation.objects.get(code="nanfang")
    veteran = Organisation.objects.get(code="veteran")
    # The Advanced customer: its 星空 license was upgraded V9.1 -> V9.2 (delivered); 南方零售 (Standard,
    # public cloud subscription) and 北方能源 hold licenses that can still be upgraded.
    if not License.objects.filter(organisation=huadong).exists():
        old = services.record_license(
            None,
            huadong,
            "galaxy",
            "V9.1",
            {"总账": 30, "应收应付": 20, "存货核算": 15},
            valid_from=today - dt.timedelta(days=90),
            valid_until=today + dt.timedelta(days=275),
        )
        accounts = User.objects.get(username="accounts")
        upgrade = services.apply_for_upgrade(accounts, old, note="客户计划年中升级至 V9.2")
        services.approve_upgrade(admin, upgrade.pk, "模块与用户数与原许可一致")
    if not License.objects.filter(organisation=nanfang).exists():
        services.record_license(
            None,
            nanfang,
            "cosmic",
            "6.0",
            {"零售": 200, "财务": 25},
            valid_from=today - dt.timedelta(days=200),
            valid_until=today + dt.timedelta(days=530),
        )
    if not License.objects.filter(organisation=veteran).exists():
        services.record_license(
            None,
            veteran,
            "constellation",
            "5.0",
            {"人力云": 800},
            valid_from=today - dt.timedelta(days=400),
            valid_until=today + dt.timedelta(days=330),
        )
    customer_admin = User.objects.get(username="customer-admin")
    if not huadong.update_plan.exists():
        services.plan_package(customer_admin, fix, today + dt.timedelta(days=7), "周末停机窗口安装")
    delivered = LicenseUpgrade.objects.filter(organisation=huadong, status="delivered").count()
    return [f"补丁包 {Package.objects.count()} 个；华东精密已交付许可升级 {delivered} 单（星空 V9.1 → V9.2）"]
