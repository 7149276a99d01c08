"""The service terms as a table of cases, shared by the core, CLI and API tests.

Each case is named after the rule it checks; a failure reads like the contract.
Scenarios use the JSON shape of ``successhub terms evaluate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from successhub.core.reasons import ENGINE_ORDER

AT = "2026-03-03T10:00:00+08:00"  # a Tuesday morning, a working day


def scenario(
    *,
    plan: str = "standard",
    deployments=(("galaxy", "public_cloud"),),
    region: str = "mainland",
    start: str = "2025-07-01",
    end: str = "2027-06-30",
    amount: float = 0,
    contracts: list[dict] | None = None,
    usage=(),
    request: dict | None = None,
    at: str = AT,
    verified: bool | None = None,
) -> dict:
    document = {
        "at": at,
        "customer": {
            "region": region,
            "deployments": [{"product": p, "type": t} for p, t in deployments],
            "contracts": contracts
            if contracts is not None
            else [{"plan": plan, "start": start, "end": end, "amount": amount}],
            "usage": [{"service": s, "at": a, "amount": n} for s, a, n in usage],
        },
    }
    if verified is not None:
        document["customer"]["verified"] = verified
    if request is not None:
        document["request"] = request
    return document


@dataclass(frozen=True)
class Case:
    rule: str
    scenario: dict
    service: str
    allowed: bool
    reason: str
    remaining: float | None = None
    limit: float | None = None
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.rule


ADV = {"plan": "advanced", "amount": 68000, "start": "2026-01-01", "end": "2026-12-31"}
PRIVATE = (("galaxy", "private_cloud"),)
SUBSCRIPTION = (("galaxy", "private_cloud_subscription"),)
HOTLINE_CALL = ("hotline", "2025-08-01T10:00:00+08:00", 1)


def r(service: str, **fields) -> dict:
    return {"service": service, **fields}


CASES: list[Case] = [
    # community — all customers
    Case("community is open to every Standard customer", scenario(), "community", True, "ok"),
    Case("community is open to every Advanced customer", scenario(**ADV), "community", True, "ok"),
    # smart_service — all, 7x24
    Case(
        "smart service is for all customers",
        scenario(request=r("smart_service", channel="bot")),
        "smart_service",
        True,
        "ok",
    ),
    # public_cloud_ops — public-cloud customers only
    Case("public-cloud ops for a public-cloud customer", scenario(), "public_cloud_ops", True, "ok"),
    Case(
        "public-cloud ops refused to a private-cloud customer",
        scenario(deployments=PRIVATE),
        "public_cloud_ops",
        False,
        "deployment_not_eligible",
    ),
    # private_cloud_ops — Advanced, private cloud (subscription or not)
    Case(
        "private-cloud ops is not in Standard",
        scenario(deployments=PRIVATE),
        "private_cloud_ops",
        False,
        "not_in_plan",
    ),
    Case(
        "private-cloud ops for an Advanced private-cloud customer",
        scenario(deployments=PRIVATE, **ADV),
        "private_cloud_ops",
        True,
        "ok",
    ),
    Case(
        "private-cloud ops for an Advanced private-cloud subscription customer",
        scenario(deployments=SUBSCRIPTION, **ADV),
        "private_cloud_ops",
        True,
        "ok",
    ),
    Case(
        "private-cloud ops refused to an Advanced public-cloud-only customer",
        scenario(**ADV),
        "private_cloud_ops",
        False,
        "deployment_not_eligible",
    ),
    # patch_download — all, 7x24
    Case("patch download for all customers", scenario(), "patch_download", True, "ok"),
    # demand_listening — Standard: innovation square only; Advanced: also bot, hotline, tickets
    Case(
        "Standard ideas through the innovation square",
        scenario(request=r("demand_listening", channel="innovation_square")),
        "demand_listening",
        True,
        "ok",
    ),
    Case(
        "Standard ideas not through the hotline",
        scenario(request=r("demand_listening", channel="hotline")),
        "demand_listening",
        False,
        "channel_not_eligible",
    ),
    Case(
        "Standard ideas not through the bot",
        scenario(request=r("demand_listening", channel="bot")),
        "demand_listening",
        False,
        "channel_not_eligible",
    ),
    Case(
        "Advanced ideas through the bot",
        scenario(request=r("demand_listening", channel="bot"), **ADV),
        "demand_listening",
        True,
        "ok",
    ),
    Case(
        "Advanced ideas through a ticket",
        scenario(request=r("demand_listening", channel="ticket_site"), **ADV),
        "demand_listening",
        True,
        "ok",
    ),
    # license_upgrade — Standard: subscription customers; Advanced: all
    Case("Standard license upgrade for public cloud", scenario(), "license_upgrade", True, "ok"),
    Case(
        "Standard license upgrade for a private-cloud subscription",
        scenario(deployments=SUBSCRIPTION),
        "license_upgrade",
        True,
        "ok",
    ),
    Case(
        "Standard license upgrade refused to a perpetual private-cloud customer",
        scenario(deployments=PRIVATE),
        "license_upgrade",
        False,
        "deployment_not_eligible",
    ),
    Case(
        "Advanced license upgrade for every customer",
        scenario(deployments=PRIVATE, **ADV),
        "license_upgrade",
        True,
        "ok",
    ),
    # hotline — Standard: fatal faults only, 4 a service year; Advanced: all problems
    Case(
        "Standard hotline for a fatal fault, 3 of 4 left",
        scenario(usage=[HOTLINE_CALL], request=r("hotline", fatal=True, channel="hotline")),
        "hotline",
        True,
        "ok",
        remaining=3,
        limit=4,
    ),
    Case(
        "Standard hotline refuses an ordinary problem",
        scenario(request=r("hotline", fatal=False)),
        "hotline",
        False,
        "fatal_only",
    ),
    Case(
        "Standard hotline refuses the fifth call of a service year",
        scenario(
            usage=[("hotline", f"2025-{m:02d}-10T10:00:00+08:00", 1) for m in (8, 9, 10, 11)],
            request=r("hotline", fatal=True),
        ),
        "hotline",
        False,
        "quota_exhausted",
        remaining=0,
        limit=4,
    ),
    Case(
        "Standard hotline calls of the previous service year do not count",
        scenario(
            usage=[("hotline", f"2025-0{m}-10T10:00:00+08:00", 1) for m in (2, 3, 4, 5)],
            start="2024-07-01",
            request=r("hotline", fatal=True),
        ),
        "hotline",
        True,
        "ok",
        remaining=4,
        limit=4,
    ),
    Case(
        "Advanced hotline takes any product problem without a yearly cap",
        scenario(usage=[HOTLINE_CALL] * 6, request=r("hotline", fatal=False), **ADV),
        "hotline",
        True,
        "ok",
    ),
    # online_ticket — Advanced, 5x8
    Case("online tickets are not in Standard", scenario(), "online_ticket", False, "not_in_plan"),
    Case(
        "online tickets in Advanced",
        scenario(request=r("online_ticket", channel="in_product"), **ADV),
        "online_ticket",
        True,
        "ok",
    ),
    Case(
        "online tickets are not filed through the bot channel",
        scenario(request=r("online_ticket", channel="bot"), **ADV),
        "online_ticket",
        False,
        "channel_not_eligible",
    ),
    # im_service — Advanced, EAS Cloud (incl. s-HR) and 星空 only
    Case("IM service in Advanced for 星空", scenario(**ADV), "im_service", True, "ok"),
    Case(
        "IM service not for 苍穹 yet",
        scenario(deployments=(("cosmic", "public_cloud"),), **ADV),
        "im_service",
        False,
        "product_not_eligible",
    ),
    Case(
        "IM service for s-HR as part of EAS Cloud",
        scenario(
            deployments=(("eas_cloud", "private_cloud"),), request=r("im_service", product="s_hr"), **ADV
        ),
        "im_service",
        True,
        "ok",
    ),
    Case("IM service is not in Standard", scenario(), "im_service", False, "not_in_plan"),
    # custom_dev_maintenance — first year of the first Advanced purchase only
    Case(
        "custom development in the first Advanced year", scenario(**ADV), "custom_dev_maintenance", True, "ok"
    ),
    Case(
        "custom development after the first year of a renewal",
        scenario(
            contracts=[
                {"plan": "advanced", "start": "2025-01-01", "end": "2025-12-31", "amount": 50000},
                {"plan": "advanced", "start": "2026-01-01", "end": "2026-12-31", "amount": 50000},
            ]
        ),
        "custom_dev_maintenance",
        False,
        "outside_first_year",
    ),
    Case(
        "custom development in year two of a three-year first purchase",
        scenario(plan="advanced", start="2025-01-01", end="2027-12-31", amount=150000),
        "custom_dev_maintenance",
        False,
        "outside_first_year",
    ),
    Case(
        "custom development within a first term shorter than a year",
        scenario(plan="advanced", start="2026-01-01", end="2026-06-30", amount=30000),
        "custom_dev_maintenance",
        True,
        "ok",
    ),
    Case("custom development is not in Standard", scenario(), "custom_dev_maintenance", False, "not_in_plan"),
    # critical_moment_support — ≤ 2 person-days a year; not for Advanced orders under 5,000 yuan
    Case(
        "critical moments: 2 person-days a year",
        scenario(**ADV),
        "critical_moment_support",
        True,
        "ok",
        remaining=2,
        limit=2,
    ),
    Case(
        "critical moments not for an order under 5,000 yuan",
        scenario(plan="advanced", start="2026-01-01", end="2026-12-31", amount=4999),
        "critical_moment_support",
        False,
        "contract_amount_below_minimum",
    ),
    Case(
        "critical moments for an order of exactly 5,000 yuan",
        scenario(plan="advanced", start="2026-01-01", end="2026-12-31", amount=5000),
        "critical_moment_support",
        True,
        "ok",
    ),
    Case(
        "critical moments: a request larger than what is left is refused",
        scenario(
            usage=[("critical_moment_support", "2026-02-01T10:00:00+08:00", 1)],
            request=r("critical_moment_support", amount=1.5),
            **ADV,
        ),
        "critical_moment_support",
        False,
        "quota_exhausted",
        remaining=1,
        limit=2,
    ),
    Case(
        "critical moments: half days count",
        scenario(
            usage=[("critical_moment_support", "2026-02-01T10:00:00+08:00", 0.5)],
            request=r("critical_moment_support", amount=1.5),
            **ADV,
        ),
        "critical_moment_support",
        True,
        "ok",
        remaining=1.5,
        limit=2,
    ),
    # technical_manager, dedicated_im_group — Advanced
    Case("a dedicated technical manager in Advanced", scenario(**ADV), "technical_manager", True, "ok"),
    Case("no technical manager in Standard", scenario(), "technical_manager", False, "not_in_plan"),
    Case("a dedicated IM group in Advanced", scenario(**ADV), "dedicated_im_group", True, "ok"),
    # service_report, health_check — once a service year
    Case("one service report a year", scenario(**ADV), "service_report", True, "ok", remaining=1, limit=1),
    Case(
        "a second service report in the same year is refused",
        scenario(usage=[("service_report", "2026-02-01T10:00:00+08:00", 1)], **ADV),
        "service_report",
        False,
        "quota_exhausted",
        remaining=0,
        limit=1,
    ),
    Case("one health check a year", scenario(**ADV), "health_check", True, "ok", remaining=1, limit=1),
    Case(
        "a second health check in the same year is refused",
        scenario(usage=[("health_check", "2026-01-20T10:00:00+08:00", 1)], **ADV),
        "health_check",
        False,
        "quota_exhausted",
    ),
    # contracts and regions
    Case(
        "no service without a contract in force",
        scenario(start="2024-01-01", end="2025-12-31"),
        "community",
        False,
        "no_active_contract",
    ),
    Case(
        "a contract that has not started yet does not count",
        scenario(start="2026-06-01", end="2027-05-31"),
        "hotline",
        False,
        "no_active_contract",
    ),
    Case(
        "services do not cover overseas use",
        scenario(region="overseas"),
        "patch_download",
        False,
        "region_not_covered",
    ),
    Case(
        "the community is not offered for overseas use either",
        scenario(region="overseas"),
        "community",
        False,
        "region_not_covered",
    ),
    Case(
        "an unverified user verifies before using any right",
        scenario(verified=False),
        "community",
        False,
        "not_verified",
    ),
    Case(
        "an unverified user verifies before filing a ticket",
        scenario(plan="advanced", verified=False),
        "online_ticket",
        False,
        "not_verified",
    ),
    Case("a verified user uses the plan's rights", scenario(verified=True), "smart_service", True, "ok"),
    Case("Hong Kong is covered", scenario(region="hong_kong", **ADV), "online_ticket", True, "ok"),
    Case("Macau is covered", scenario(region="macau"), "hotline", True, "ok"),
    # several contracts: the widest right wins
    Case(
        "Standard plus Advanced: the Advanced hotline takes ordinary problems",
        scenario(
            contracts=[
                {"plan": "standard", "start": "2025-07-01", "end": "2027-06-30", "amount": 0},
                {"plan": "advanced", "start": "2026-01-01", "end": "2026-12-31", "amount": 68000},
            ],
            request=r("hotline", fatal=False),
        ),
        "hotline",
        True,
        "ok",
    ),
    Case(
        "Standard plus Advanced: the reason that got furthest explains a refusal",
        scenario(
            deployments=(("cosmic", "public_cloud"),),
            contracts=[
                {"plan": "standard", "start": "2025-07-01", "end": "2027-06-30", "amount": 0},
                {"plan": "advanced", "start": "2026-01-01", "end": "2026-12-31", "amount": 68000},
            ],
        ),
        "im_service",
        False,
        "product_not_eligible",
    ),
    Case(
        "a per-contract override changes the number",
        scenario(
            contracts=[
                {
                    "plan": "standard",
                    "start": "2025-07-01",
                    "end": "2027-06-30",
                    "amount": 0,
                    "overrides": {
                        "hotline": {"quota": {"limit": 6, "unit": "call", "period": "service_year"}}
                    },
                }
            ],
            usage=[HOTLINE_CALL] * 4,
            request=r("hotline", fatal=True),
        ),
        "hotline",
        True,
        "ok",
        remaining=2,
        limit=6,
    ),
]

CASES += [
    Case(
        "the dedicated IM group admits at most 5 customer users",
        scenario(**ADV, request=r("dedicated_im_group", members=6)),
        "dedicated_im_group",
        False,
        "member_limit_reached",
    ),
    Case(
        "a fifth member of the dedicated IM group is admitted",
        scenario(**ADV, request=r("dedicated_im_group", members=5)),
        "dedicated_im_group",
        True,
        "ok",
    ),
]

# Every reason the engine decides (the reason table's engine rows): each needs at least one case.
ALL_REASONS = {reason.value for reason in ENGINE_ORDER}

# Service hours: (rule, schedule's service, at, open_now, next_open)
HOURS_CASES = [
    ("7x24 is always open at night", "hotline", "2026-03-07T03:00:00+08:00", True, None),
    (
        "5x8 is closed on Saturday, opens Monday 08:30",
        "online_ticket",
        "2026-03-07T10:00:00+08:00",
        False,
        "2026-03-09T08:30:00+08:00",
    ),
    (
        "5x8 lunch break reopens at 13:00",
        "online_ticket",
        "2026-03-03T12:30:00+08:00",
        False,
        "2026-03-03T13:00:00+08:00",
    ),
    (
        "5x8 is closed over Spring Festival 2026",
        "online_ticket",
        "2026-02-17T10:00:00+08:00",
        False,
        "2026-02-24T08:30:00+08:00",
    ),
    (
        "a make-up Saturday is not a 5x8 day by default",
        "online_ticket",
        "2026-02-14T10:00:00+08:00",
        False,
        "2026-02-24T08:30:00+08:00",
    ),
    (
        "5x8 is closed over National Day 2026",
        "technical_manager",
        "2026-10-02T09:00:00+08:00",
        False,
        "2026-10-08T08:30:00+08:00",
    ),
    ("7x8 is open on Sunday morning", "im_service", "2026-03-08T09:00:00+08:00", True, None),
    ("7x8 is open on a holiday", "im_service", "2026-10-02T09:00:00+08:00", True, None),
    (
        "7x8 closes at 17:30 and reopens next morning",
        "dedicated_im_group",
        "2026-03-03T17:30:00+08:00",
        False,
        "2026-03-04T08:30:00+08:00",
    ),
]
