"""The entitlement engine: what an organisation may use, at an instant, and why.

Pure Python. The caller describes the customer (region, deployments, contracts)
and gives a source of usage totals; the engine decides, for every service item,
allowed or not, a reason code, a one-sentence explanation in Chinese and
English, the quota in the current service year, and the service hours.

Rules, all driven by the catalog:
- only contracts in force at the instant count; with several, the widest right wins;
- "a year" is the contract's service year (start date + n years);
- a request is allowed only if its amount fits in what remains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from successhub.core.catalog import SERVICE_CODES, Catalog, PlanEdition, ServiceItem, apply_overrides

try:  # the calendar module is pure Python as well
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    raise

BEIJING = ZoneInfo("Asia/Shanghai")

# The order in which conditions are checked; when every contract refuses, the
# refusal that got furthest down this list explains best why.
REASONS: tuple[str, ...] = (
    "no_active_contract",
    "region_not_covered",
    "not_in_plan",
    "deployment_not_eligible",
    "product_not_eligible",
    "channel_not_eligible",
    "fatal_only",
    "outside_first_year",
    "contract_amount_below_minimum",
    "quota_exhausted",
    "ok",
)


@dataclass(frozen=True)
class Deployment:
    product: str
    type: str


@dataclass(frozen=True)
class Contract:
    plan: str
    start: dt.date
    end: dt.date
    amount: Decimal = Decimal(0)
    edition: str | None = None
    id: str | None = None
    overrides: Mapping[str, Mapping] = field(default_factory=dict)

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Customer:
    region: str
    deployments: tuple[Deployment, ...] = ()
    contracts: tuple[Contract, ...] = ()


@dataclass(frozen=True)
class Request:
    service: str
    fatal: bool | None = None
    product: str | None = None
    channel: str | None = None
    amount: Decimal = Decimal(1)


@dataclass(frozen=True)
class UsageEntry:
    service: str
    at: dt.datetime
    amount: Decimal = Decimal(1)


class UsageSource(Protocol):
    def total(self, service: str, start: dt.date, end: dt.date) -> Decimal: ...


@dataclass(frozen=True)
class UsageWindow:
    service: str
    start: dt.date
    end: dt.date


class ListUsage:
    """Usage totals from a list of ledger entries (the dates are Beijing dates)."""

    def __init__(self, entries: Iterable[UsageEntry]):
        self.entries = tuple(entries)

    def total(self, service: str, start: dt.date, end: dt.date) -> Decimal:
        return sum(
            (e.amount for e in self.entries if e.service == service and start <= beijing_date(e.at) <= end),
            Decimal(0),
        )


class PrefetchedUsage:
    """Usage totals fetched beforehand for known windows (one database query for a whole page)."""

    def __init__(self, totals: Mapping[UsageWindow, Decimal]):
        self.totals = totals

    def total(self, service: str, start: dt.date, end: dt.date) -> Decimal:
        return self.totals.get(UsageWindow(service, start, end), Decimal(0))


@dataclass(frozen=True)
class QuotaStatus:
    limit: Decimal
    used: Decimal
    remaining: Decimal
    unit: str
    period_start: dt.date
    period_end: dt.date


@dataclass(frozen=True)
class Decision:
    service: str
    allowed: bool
    reason: str
    explanation: str
    explanation_en: str
    quota: QuotaStatus | None
    schedule: str | None
    open_now: bool | None
    next_open: dt.datetime | None
    item: ServiceItem | None
    plan: str | None = None
    contract_id: str | None = None
    provisional: bool = False


class OpeningHours(Protocol):
    def is_open(self, schedule: str, at: dt.datetime, include_makeup_days: bool = False) -> bool: ...

    def next_open(self, schedule: str, at: dt.datetime, include_makeup_days: bool = False) -> dt.datetime: ...


# --- service years -----------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def service_year(contract: Contract, day: dt.date) -> tuple[dt.date, dt.date]:
    """The contract's service year containing ``day``: [start + n years, start + n+1 years - 1 day] ∩ term."""
    years = day.year - contract.start.year
    start = add_years(contract.start, years)
    if start > day:
        years -= 1
        start = add_years(contract.start, years)
    end = min(add_years(contract.start, years + 1) - dt.timedelta(days=1), contract.end)
    return max(start, contract.start), end


def beijing_date(at: dt.datetime) -> dt.date:
    if at.tzinfo is None:
        at = at.replace(tzinfo=BEIJING)
    return at.astimezone(BEIJING).date()


def first_advanced_year(contracts: Sequence[Contract]) -> tuple[dt.date, dt.date] | None:
    """The first service year of the customer's first Advanced purchase (its term, if shorter)."""
    advanced = [c for c in contracts if c.plan == "advanced"]
    if not advanced:
        return None
    first = min(advanced, key=lambda c: (c.start, c.end))
    return service_year(first, first.start)


# --- the engine ----------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    reason: str
    edition: PlanEdition
    contract: Contract
    item: ServiceItem | None
    quota: QuotaStatus | None = None
    detail: Mapping[str, object] = field(default_factory=dict)

    @property
    def rank(self) -> tuple:
        """Higher is wider: allowed beats refused; then no quota beats quota; then more left."""
        allowed = self.reason == "ok"
        unlimited = self.quota is None
        remaining = self.quota.remaining if self.quota else Decimal(0)
        not_fatal_only = not (self.item and self.item.fatal_only)
        return (allowed, REASONS.index(self.reason), not_fatal_only, unlimited, remaining)


class Engine:
    def __init__(
        self,
        catalog: Catalog,
        hours: OpeningHours,
        include_makeup_days: Mapping[str, bool] | None = None,
        provisional: Callable[[dt.datetime], bool] | None = None,
    ):
        self.catalog = catalog
        self.hours = hours
        self.include_makeup_days = dict(include_makeup_days or {})
        self.provisional = provisional or (lambda at: False)

    # The windows whose usage totals a page needs, so a database can fetch them in one query.
    def usage_windows(self, customer: Customer, at: dt.datetime) -> list[UsageWindow]:
        day = beijing_date(at)
        windows = []
        for contract in customer.contracts:
            if not contract.in_force(day):
                continue
            edition = self._edition(contract)
            for code in SERVICE_CODES:
                item = self._item(edition, contract, code)
                if item is not None and item.quota is not None:
                    start, end = service_year(contract, day)
                    windows.append(UsageWindow(code, start, end))
        return list(dict.fromkeys(windows))

    def evaluate(
        self,
        customer: Customer,
        at: dt.datetime,
        usage: UsageSource,
        request: Request | None = None,
        services: Iterable[str] | None = None,
    ) -> list[Decision]:
        if at.tzinfo is None:
            raise ValueError("the instant must be timezone-aware")
        codes = [request.service] if request else list(services or SERVICE_CODES)
        for code in codes:
            if code not in SERVICE_CODES:
                raise ValueError(f"unknown service code {code!r}")
        return [self._decide(code, customer, at, usage, request) for code in codes]

    def decide(self, customer: Customer, at: dt.datetime, usage: UsageSource, request: Request) -> Decision:
        return self.evaluate(customer, at, usage, request)[0]

    # --- internals ---------------------------------------------------------------

    def _edition(self, contract: Contract) -> PlanEdition:
        return self.catalog.edition(contract.plan, contract.edition, on=contract.start)

    def _item(self, edition: PlanEdition, contract: Contract, code: str) -> ServiceItem | None:
        item = edition.items.get(code)
        if item is None:
            return None
        overrides = contract.overrides.get(code)
        if overrides:
            item = apply_overrides(
                item, overrides, self.catalog.labels, f"contract {contract.id or ''} overrides"
            )
        return item

    def _decide(
        self, code: str, customer: Customer, at: dt.datetime, usage: UsageSource, request: Request | None
    ) -> Decision:
        day = beijing_date(at)
        active = [c for c in customer.contracts if c.in_force(day)]
        if not active:
            return self._decision(code, None, at, "no_active_contract", customer, {})
        verdicts = [self._verdict(code, contract, customer, at, day, usage, request) for contract in active]
        best = max(verdicts, key=lambda v: v.rank)
        return self._decision(code, best, at, best.reason, customer, best.detail)

    def _verdict(
        self,
        code: str,
        contract: Contract,
        customer: Customer,
        at: dt.datetime,
        day: dt.date,
        usage: UsageSource,
        request: Request | None,
    ) -> _Verdict:
        edition = self._edition(contract)
        item = self._item(edition, contract, code)

        def refuse(reason: str, **detail) -> _Verdict:
            return _Verdict(reason, edition, contract, item, None, detail)

        if customer.region not in edition.regions:
            return refuse("region_not_covered")
        if item is None:
            return refuse("not_in_plan")
        deployments = customer.deployments
        if request and request.product:
            deployments = tuple(
                d for d in deployments if _same_product(d.product, request.product, self.catalog)
            )
        if item.deployment_types is not None and not any(
            d.type in item.deployment_types for d in deployments
        ):
            return refuse("deployment_not_eligible")
        if item.products is not None:
            products = (
                {request.product}
                if request and request.product
                else {d.product for d in customer.deployments}
            )
            if not products & set(item.products):
                return refuse("product_not_eligible")
        if request and request.channel and item.channels is not None and request.channel not in item.channels:
            return refuse("channel_not_eligible", channel=request.channel)
        if request and item.fatal_only and request.fatal is False:
            return refuse("fatal_only")
        if item.first_purchase_year_only:
            window = first_advanced_year(customer.contracts)
            if window is None or not (window[0] <= day <= window[1]):
                return refuse("outside_first_year", window=window)
        if item.min_contract_amount is not None and contract.amount < item.min_contract_amount:
            return refuse("contract_amount_below_minimum", amount=contract.amount)
        quota = None
        if item.quota is not None:
            start, end = service_year(contract, day)
            used = usage.total(code, start, end)
            remaining = max(item.quota.limit - used, Decimal(0))
            quota = QuotaStatus(item.quota.limit, used, remaining, item.quota.unit, start, end)
            wanted = request.amount if request else Decimal(0)
            if remaining <= 0 or wanted > remaining:
                return _Verdict("quota_exhausted", edition, contract, item, quota, {"wanted": wanted})
        return _Verdict("ok", edition, contract, item, quota, {})

    def _decision(
        self,
        code: str,
        verdict: _Verdict | None,
        at: dt.datetime,
        reason: str,
        customer: Customer,
        detail: Mapping[str, object],
    ) -> Decision:
        item = verdict.item if verdict and verdict.item else self.catalog.any_definition(code)
        schedule = item.schedule if item else None
        open_now = next_open = None
        provisional = False
        if schedule is not None:
            makeup = self.include_makeup_days.get(schedule, False)
            open_now = self.hours.is_open(schedule, at, makeup)
            if not open_now:
                next_open = self.hours.next_open(schedule, at, makeup).astimezone(BEIJING)
                provisional = self.provisional(next_open)
        zh, en = explain(self.catalog, code, item, verdict, reason, customer, detail)
        return Decision(
            service=code,
            allowed=reason == "ok",
            reason=reason,
            explanation=zh,
            explanation_en=en,
            quota=verdict.quota if verdict else None,
            schedule=schedule,
            open_now=open_now,
            next_open=next_open,
            item=item,
            plan=verdict.edition.plan if verdict else None,
            contract_id=verdict.contract.id if verdict else None,
            provisional=provisional,
        )


def _same_product(deployed: str, asked: str, catalog: Catalog) -> bool:
    """s-HR is part of EAS Cloud: a deployment of either covers the other."""
    parents = catalog.labels.product_parents
    return deployed == asked or parents.get(asked) == deployed or parents.get(deployed) == asked


# --- explanations ----------------------------------------------------------------


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def explain(
    catalog: Catalog,
    code: str,
    item: ServiceItem | None,
    verdict: _Verdict | None,
    reason: str,
    customer: Customer,
    detail: Mapping[str, object],
) -> tuple[str, str]:
    """One sentence in Chinese and one in English saying why."""
    labels = catalog.labels
    name_zh = item.name.zh if item else code
    name_en = item.name.en if item else code
    plan_zh = verdict.edition.name.zh if verdict else ""
    plan_en = verdict.edition.name.en if verdict else ""
    quota = verdict.quota if verdict else None

    def quota_text() -> tuple[str, str]:
        if quota is None:
            return "", ""
        unit_zh = labels.name("units", quota.unit, "zh")
        unit_en = labels.name("units", quota.unit, "en")
        return (
            f"本服务年度（{quota.period_start} 至 {quota.period_end}）共 {_num(quota.limit)} {unit_zh}，"
            f"已用 {_num(quota.used)} {unit_zh}，剩余 {_num(quota.remaining)} {unit_zh}",
            f"this service year ({quota.period_start} to {quota.period_end}) allows {_num(quota.limit)} {unit_en}, "
            f"{_num(quota.used)} used, {_num(quota.remaining)} left",
        )

    if reason == "no_active_contract":
        return (
            f"您的组织当前没有生效中的服务合同，暂不能使用{name_zh}。",
            f"Your organisation has no service contract in force, so {name_en} is not available.",
        )
    if reason == "region_not_covered":
        regions = verdict.edition.regions if verdict else ()
        covered_zh = "、".join(labels.name("regions", r, "zh") for r in regions)
        covered_en = ", ".join(labels.name("regions", r, "en") for r in regions)
        here_zh = labels.name("regions", customer.region, "zh")
        here_en = labels.name("regions", customer.region, "en")
        return (
            f"服务仅适用于在{covered_zh}使用产品的场景，您的组织服务区域为{here_zh}。",
            f"Services cover use of the products in {covered_en} only; your organisation's region is {here_en}.",
        )
    if reason == "not_in_plan":
        offering = [e for e in catalog.latest_editions() if code in e.items]
        offer_zh = "、".join(e.name.zh for e in offering)
        offer_en = ", ".join(e.name.en for e in offering)
        return (
            f"{name_zh}不在您的{plan_zh}中" + (f"，{offer_zh}包含此项。" if offer_zh else "。"),
            f"{name_en} is not part of your {plan_en}"
            + (f"; the {offer_en} includes it." if offer_en else "."),
        )
    if reason == "deployment_not_eligible":
        types = item.deployment_types or ()
        return (
            f"{name_zh}仅面向{'、'.join(labels.name('deployment_types', t, 'zh') for t in types)}客户，"
            f"您的组织没有符合条件的部署。",
            f"{name_en} is for {' or '.join(labels.name('deployment_types', t, 'en') for t in types)} customers, "
            f"and your organisation has no such deployment.",
        )
    if reason == "product_not_eligible":
        products = item.products or ()
        return (
            f"{name_zh}目前仅适用于{'、'.join(labels.name('products', p, 'zh') for p in products)}。",
            f"{name_en} is available for {', '.join(labels.name('products', p, 'en') for p in products)} only for now.",
        )
    if reason == "channel_not_eligible":
        channel = str(detail.get("channel"))
        allowed = item.channels or ()
        return (
            f"您的{plan_zh}中，{name_zh}只能通过{'、'.join(labels.name('channels', c, 'zh') for c in allowed)}提交，"
            f"不支持{labels.name('channels', channel, 'zh')}。",
            f"Under your {plan_en}, {name_en} goes through {', '.join(labels.name('channels', c, 'en') for c in allowed)} "
            f"only, not {labels.name('channels', channel, 'en')}.",
        )
    if reason == "fatal_only":
        return (
            f"您的{plan_zh}中，{name_zh}仅面向致命故障（系统大面积不可用或异常阻塞，导致日常业务无法进行）；"
            f"一般问题请使用金蝶云社区或智能客服。",
            f"Under your {plan_en}, the {name_en} is for fatal faults only (the system is widely unavailable or "
            f"blocked); please use the community or the support bot for other questions.",
        )
    if reason == "outside_first_year":
        window = detail.get("window")
        suggestion_zh = item.suggestion.zh if item and item.suggestion else ""
        suggestion_en = item.suggestion.en if item and item.suggestion else ""
        if window:
            return (
                f"{name_zh}仅限首次购买高级成功服务后的第一年（{window[0]} 至 {window[1]}）使用。{suggestion_zh}",
                f"{name_en} is only for the first year after the first Advanced purchase ({window[0]} to "
                f"{window[1]}). {suggestion_en}".strip(),
            )
        return (
            f"{name_zh}仅限首次购买高级成功服务后的第一年使用。{suggestion_zh}",
            f"{name_en} is only for the first year after the first Advanced purchase. {suggestion_en}".strip(),
        )
    if reason == "contract_amount_below_minimum":
        minimum = item.min_contract_amount if item else Decimal(0)
        suggestion_zh = item.suggestion.zh if item and item.suggestion else ""
        suggestion_en = item.suggestion.en if item and item.suggestion else ""
        return (
            f"合同金额低于 {_num(minimum)} 元的{plan_zh}订单不包含{name_zh}。{suggestion_zh}",
            f"{plan_en} orders under {_num(minimum)} yuan do not include {name_en}. {suggestion_en}".strip(),
        )
    quota_zh, quota_en = quota_text()
    if reason == "quota_exhausted":
        wanted = detail.get("wanted") or Decimal(0)
        if quota and quota.remaining > 0 and wanted > quota.remaining:
            return (
                f"{name_zh}{quota_zh}，不足本次申请的 {_num(wanted)}。",
                f"{name_en}: {quota_en}, less than the {_num(wanted)} requested.",
            )
        return (
            f"{name_zh}{quota_zh}，已全部用完。",
            f"{name_en}: {quota_en}; it is used up.",
        )
    # ok
    extra_zh = "，仅限致命故障" if item and item.fatal_only else ""
    extra_en = ", for fatal faults only" if item and item.fatal_only else ""
    if quota_zh:
        return (
            f"您的{plan_zh}包含{name_zh}{extra_zh}；{quota_zh}。",
            f"Your {plan_en} includes {name_en}{extra_en}; {quota_en}.",
        )
    return (f"您的{plan_zh}包含{name_zh}{extra_zh}。", f"Your {plan_en} includes {name_en}{extra_en}.")
