"""Organisations, people, deployments and contracts that show every kind of entitlement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from successhub.accounts.models import Organisation, Role, User
from successhub.contracts.models import Contract, Deployment, Product, UsageEntry
from successhub.demo import DEMO_PASSWORD

# (username, name, role, e-mail, phone): pages name people by their names; the role is shown beside them.
STAFF = [
    ("admin", "王敏", Role.SERVICE_ADMIN, "wangmin@successhub.example", ""),
    ("engineer", "李强", Role.SUPPORT_ENGINEER, "liqiang@successhub.example", ""),
    ("engineer2", "赵磊", Role.SUPPORT_ENGINEER, "zhaolei@successhub.example", ""),
    ("manager", "陈静", Role.TECHNICAL_MANAGER, "chenjing@successhub.example", "021-6888-0101"),
    ("accounts", "刘洋", Role.ACCOUNT_MANAGER, "liuyang@successhub.example", "021-6888-0202"),
    ("ops", "孙浩", Role.OPS_ENGINEER, "sunhao@successhub.example", ""),
]


def _user(username: str, name: str, role: str, organisation=None, verified=True, **extra) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"display_name": name, "role": role, "organisation": organisation, **extra},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        if verified:
            user.phone_verified_at = timezone.now()
        if role == Role.SERVICE_ADMIN:
            user.is_staff = user.is_superuser = True
        elif role not in (Role.CUSTOMER_USER, Role.CUSTOMER_ADMIN):
            user.is_staff = True
        user.save()
    return user


def _years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def load() -> list[str]:
    staff = {
        username: _user(username, name, role, email=email, phone=phone)
        for username, name, role, email, phone in STAFF
    }
    today = timezone.localdate()
    products = {p.code: p for p in Product.objects.all()}

    def org(code, name, region, **extra):
        organisation, _ = Organisation.objects.get_or_create(
            code=code, defaults={"name": name, "region": region, **extra}
        )
        return organisation

    def deploy(organisation, product, kind, version, modules):
        Deployment.objects.get_or_create(
            organisation=organisation,
            product=products[product],
            type=kind,
            defaults={"version": version, "modules": modules},
        )

    def contract(organisation, number, plan, start, end, amount):
        Contract.objects.get_or_create(
            number=number,
            defaults={
                "organisation": organisation,
                "plan": plan,
                "start": start,
                "end": end,
                "amount": Decimal(amount),
            },
        )

    # 1. Advanced, first year, private cloud (subscription) on 星空: every Advanced right.
    huadong = org(
        "huadong",
        "华东精密制造有限公司",
        "mainland",
        technical_manager=staff["manager"],
        account_manager=staff["accounts"],
    )
    deploy(
        huadong, "galaxy", "private_cloud_subscription", "V9.1", {"总账": 30, "应收应付": 20, "存货核算": 15}
    )
    contract(
        huadong,
        "ADV-2026-0001",
        "advanced",
        today - dt.timedelta(days=90),
        _years(today - dt.timedelta(days=90), 1) - dt.timedelta(days=1),
        "68000",
    )
    _user("customer", "华东精密 张伟", Role.CUSTOMER_USER, huadong, email="zhangwei@huadong.example")
    _user("customer-admin", "华东精密 IT 管理员 周婷", Role.CUSTOMER_ADMIN, huadong)
    _user("customer-new", "华东精密 新同事 吴凡（未认证）", Role.CUSTOMER_USER, huadong, verified=False)

    # 2. Standard on public cloud 苍穹: fatal-fault hotline, 2 of 4 calls used this service year.
    nanfang = org("nanfang", "南方零售集团", "mainland", account_manager=staff["accounts"])
    deploy(nanfang, "cosmic", "public_cloud", "6.0", {"零售": 200, "财务": 25})
    start = today - dt.timedelta(days=200)
    contract(nanfang, "STD-2025-0101", "standard", start, _years(start, 2) - dt.timedelta(days=1), "0")
    _user("retail", "南方零售 黄蕾", Role.CUSTOMER_USER, nanfang)
    if not UsageEntry.objects.filter(organisation=nanfang).exists():
        for days_ago in (150, 40):
            UsageEntry.objects.create(
                organisation=nanfang,
                service="hotline",
                amount=1,
                at=timezone.now() - dt.timedelta(days=days_ago),
                note="致命故障：系统无法登录",
            )

    # 3. Advanced under 5,000 yuan in Hong Kong on EAS Cloud: no critical-moment support.
    harbour = org("harbour", "港湾物流（香港）有限公司", "hong_kong", technical_manager=staff["manager"])
    deploy(harbour, "eas_cloud", "private_cloud", "8.8", {"总账": 10, "s-HR": 50})
    contract(
        harbour,
        "ADV-2026-0107",
        "advanced",
        today - dt.timedelta(days=30),
        today + dt.timedelta(days=334),
        "4800",
    )
    _user("harbour", "港湾物流 陈家豪", Role.CUSTOMER_USER, harbour)

    # 4. A renewed Advanced customer: custom-development maintenance was for the first year only.
    veteran = org("veteran", "北方能源股份有限公司", "mainland", technical_manager=staff["manager"])
    deploy(veteran, "constellation", "public_cloud", "5.0", {"人力云": 800})
    first = _years(today, -1) - dt.timedelta(days=60)
    contract(veteran, "ADV-2025-0033", "advanced", first, _years(first, 1) - dt.timedelta(days=1), "52000")
    second = _years(first, 1)
    contract(veteran, "ADV-2026-0210", "advanced", second, _years(second, 1) - dt.timedelta(days=1), "52000")
    _user("energy", "北方能源 马骏", Role.CUSTOMER_USER, veteran)

    # 5. Overseas: the services do not cover use outside China (incl. Hong Kong and Macau).
    overseas = org("overseas", "Pacific Trading Pte. Ltd.", "overseas")
    deploy(overseas, "galaxy", "public_cloud", "V9.0", {"总账": 5})
    contract(
        overseas,
        "STD-2026-0900",
        "standard",
        today - dt.timedelta(days=10),
        today + dt.timedelta(days=355),
        "0",
    )
    _user("overseas", "Pacific Trading, Lim", Role.CUSTOMER_USER, overseas)

    return [
        "admin (服务管理员, also /admin/)",
        "engineer, engineer2 (技术支持工程师)",
        "manager (专属技术经理)",
        "accounts (客户经营人员)",
        "ops (运维工程师)",
        "customer, customer-admin (华东精密, 高级成功服务, 首年)",
        "customer-new (华东精密, 未认证)",
        "retail (南方零售, 标准成功服务, 公有云)",
        "harbour (港湾物流, 高级成功服务, 合同金额 4800 元)",
        "energy (北方能源, 高级成功服务续约第二年)",
        "overseas (Pacific Trading, 海外)",
    ]
