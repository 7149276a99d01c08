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
from successhub.core.reasons import ENGINE_ORDER, Reason, template_fields

try:  # the calendar module is pure Python as well
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    raise

BEIJING = ZoneInfo("Asia/Shanghai")


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
    # 注册认证: the seeds offer the services to verified users of the products. ``None`` decides for the
    # organisation as a whole (staff, the API's organisation view); ``False`` for an unverified user.
    verified: bool | None = None


@dataclass(frozen=True)
class Request:
    service: str
    fatal: bool | None = None
    product: str | None = None
    channel: str | None = None
    amount: Decimal = Decimal(1)
    # How many customer members a group would have (the dedicated IM group's ``max_members``).
    members: int | None = None


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
    reason: Reason
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
    def is_open(self, schedule: str, at: dt.datetime, include_makeup_days: bool | None = None) -> bool: ...

    def next_open(
        self, schedule: str, at: dt.datetime, include_makeup_days: bool | None = None
    ) -> dt.datetime: ...


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
    reason: Reason
    edition: PlanEdition
    contract: Contract
    item: ServiceItem | None
    quota: QuotaStatus | None = None
    detail: Mapping[str, object] = field(default_factory=dict)

    @property
    def rank(self) -> tuple:
        """Higher is wider: allowed beats refused; then no quota beats quota; then more left."""
        allowed = self.reason == Reason.OK
        unlimited = self.quota is None
        remaining = self.quota.remaining if self.quota else Decimal(0)
        not_fatal_only = not (self.item and self.item.fatal_only)
        return (allowed, ENGINE_ORDER.index(self.reason), not_fatal_only, unlimited, remaining)


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
            return self._decision(code, None, at, Reason.NO_ACTIVE_CONTRACT, customer, {})
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

        def refuse(reason: Reason, **detail) -> _Verdict:
            return _Verdict(reason, edition, contract, item, None, detail)

        if customer.region not in edition.regions:
            return refuse(Reason.REGION_NOT_COVERED)
        if customer.verified is False:
            return refuse(Reason.NOT_VERIFIED)
        if item is None:
            return refuse(Reason.NOT_IN_PLAN)
        deployments = customer.deployments
        if request and request.product:
            deployments = tuple(
                d for d in deployments if _same_product(d.product, request.product, self.catalog)
            )
        if item.deployment_types is not None and not any(
            d.type in item.deployment_types for d in deployments
        ):
            return refuse(Reason.DEPLOYMENT_NOT_ELIGIBLE)
        if item.products is not None:
            products = (
                {request.product}
                if request and request.product
                else {d.product for d in customer.deployments}
            )
            if not products & set(item.products):
                return refuse(Reason.PRODUCT_NOT_ELIGIBLE)
        if request and request.channel and item.channels is not None and request.channel not in item.channels:
            return refuse(Reason.CHANNEL_NOT_ELIGIBLE, channel=request.channel)
        if request and item.fatal_only and request.fatal is False:
            return refuse(Reason.FATAL_ONLY)
        if item.first_purchase_year_only:
            window = first_advanced_year(customer.contracts)
            if window is None or not (window[0] <= day <= window[1]):
                return refuse(Reason.OUTSIDE_FIRST_YEAR, window=window)
        if item.min_contract_amount is not None and contract.amount < item.min_contract_amount:
            return refuse(Reason.CONTRACT_AMOUNT_BELOW_MINIMUM, amount=contract.amount)
        quota = None
        if item.quota is not None:
            start, end = service_year(contract, day)
            used = usage.total(code, start, end)
            remaining = max(item.quota.limit - used, Decimal(0))
            quota = QuotaStatus(item.quota.limit, used, remaining, item.quota.unit, start, end)
            wanted = request.amount if request else Decimal(0)
            if remaining <= 0 or wanted > remaining:
                return _Verdict(Reason.QUOTA_EXHAUSTED, edition, contract, item, quota, {"wanted": wanted})
        if request and request.members is not None and item.max_members is not None:
            if request.members > item.max_members:
                return _Verdict(
                    Reason.MEMBER_LIMIT_REACHED, edition, contract, item, quota, {"members": request.members}
                )
        return _Verdict(Reason.OK, edition, contract, item, quota, {})

    def _decision(
        self,
        code: str,
        verdict: _Verdict | None,
        at: dt.datetime,
        reason: Reason,
        customer: Customer,
        detail: Mapping[str, object],
    ) -> Decision:
        item = verdict.item if verdict and verdict.item else self.catalog.any_definition(code)
        schedule = item.schedule if item else None
        open_now = next_open = None
        provisional = False
        if schedule is not None:
            makeup = self.include_makeup_days.get(schedule)  # None: the schedule's own setting
            open_now = self.hours.is_open(schedule, at, makeup)
            if not open_now:
                next_open = self.hours.next_open(schedule, at, makeup).astimezone(BEIJING)
                provisional = self.provisional(next_open)
        zh, en = explain(self.catalog, code, item, verdict, reason, customer, detail)
        return Decision(
            service=code,
            allowed=reason == Reason.OK,
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
#
# The sentences are the reason table's templates (``core/reasons.py``); these are the fields they may
# use, each computed (in Chinese and English) only when a template asks for it.


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


class _Explaining:
    """What an explanation field may read (a plain class: one is built per decision)."""

    __slots__ = ("catalog", "code", "item", "verdict", "customer", "detail")

    def __init__(self, catalog, code, item, verdict, customer, detail):
        self.catalog, self.code, self.item = catalog, code, item
        self.verdict, self.customer, self.detail = verdict, customer, detail

    def names(self, kind: str, codes: Iterable[str], zh_sep: str, en_sep: str) -> tuple[str, str]:
        labels = self.catalog.labels
        return (
            zh_sep.join(labels.name(kind, c, "zh") for c in codes),
            en_sep.join(labels.name(kind, c, "en") for c in codes),
        )


def _service(x: _Explaining) -> tuple[str, str]:
    return (x.item.name.zh, x.item.name.en) if x.item else (x.code, x.code)


def _plan(x: _Explaining) -> tuple[str, str]:
    return (x.verdict.edition.name.zh, x.verdict.edition.name.en) if x.verdict else ("", "")


def _covered_regions(x: _Explaining) -> tuple[str, str]:
    return x.names("regions", x.verdict.edition.regions if x.verdict else (), "、", ", ")


def _region(x: _Explaining) -> tuple[str, str]:
    return x.names("regions", (x.customer.region,), "", "")


def _offered_by(x: _Explaining) -> tuple[str, str]:
    offering = [e for e in x.catalog.latest_editions() if x.code in e.items]
    if not offering:
        return "", ""
    return (
        f"，{'、'.join(e.name.zh for e in offering)}包含此项",
        f"; the {', '.join(e.name.en for e in offering)} includes it",
    )


def _deployment_types(x: _Explaining) -> tuple[str, str]:
    return x.names("deployment_types", x.item.deployment_types or (), "、", " or ")


def _products(x: _Explaining) -> tuple[str, str]:
    return x.names("products", x.item.products or (), "、", ", ")


def _allowed_channels(x: _Explaining) -> tuple[str, str]:
    return x.names("channels", x.item.channels or (), "、", ", ")


def _channel(x: _Explaining) -> tuple[str, str]:
    return x.names("channels", (str(x.detail.get("channel")),), "", "")


def _first_year(x: _Explaining) -> tuple[str, str]:
    window = x.detail.get("window")
    if not window:
        return "", ""
    return f"（{window[0]} 至 {window[1]}）", f" ({window[0]} to {window[1]})"


def _suggestion(x: _Explaining) -> tuple[str, str]:
    suggestion = x.item.suggestion if x.item else None
    return (suggestion.zh, suggestion.en) if suggestion else ("", "")


def _max_members(x: _Explaining) -> tuple[str, str]:
    limit = str(x.item.max_members if x.item and x.item.max_members is not None else 0)
    return limit, limit


def _minimum_amount(x: _Explaining) -> tuple[str, str]:
    minimum = _num(
        x.item.min_contract_amount if x.item and x.item.min_contract_amount is not None else Decimal(0)
    )
    return minimum, minimum


def _quota(x: _Explaining) -> tuple[str, str]:
    quota = x.verdict.quota if x.verdict else None
    if quota is None:
        return "", ""
    labels = x.catalog.labels
    unit_zh = labels.name("units", quota.unit, "zh")
    unit_en = labels.name("units", quota.unit, "en")
    return (
        f"本服务年度（{quota.period_start} 至 {quota.period_end}）共 {_num(quota.limit)} {unit_zh}，"
        f"已用 {_num(quota.used)} {unit_zh}，剩余 {_num(quota.remaining)} {unit_zh}",
        f"this service year ({quota.period_start} to {quota.period_end}) allows {_num(quota.limit)} {unit_en}, "
        f"{_num(quota.used)} used, {_num(quota.remaining)} left",
    )


def _shortfall(x: _Explaining) -> tuple[str, str]:
    quota = x.verdict.quota if x.verdict else None
    wanted = x.detail.get("wanted") or Decimal(0)
    if quota and quota.remaining > 0 and wanted > quota.remaining:
        return f"，不足本次申请的 {_num(wanted)}", f", less than the {_num(wanted)} requested"
    return "，已全部用完", "; it is used up"


def _quota_clause(x: _Explaining) -> tuple[str, str]:
    zh, en = _quota(x)
    return (f"；{zh}", f"; {en}") if zh else ("", "")


def _fatal_only_note(x: _Explaining) -> tuple[str, str]:
    return ("，仅限致命故障", ", for fatal faults only") if x.item and x.item.fatal_only else ("", "")


EXPLANATION_FIELDS: Mapping[str, Callable[[_Explaining], tuple[str, str]]] = {
    "service": _service,
    "plan": _plan,
    "covered_regions": _covered_regions,
    "region": _region,
    "offered_by": _offered_by,
    "deployment_types": _deployment_types,
    "products": _products,
    "allowed_channels": _allowed_channels,
    "channel": _channel,
    "first_year": _first_year,
    "suggestion": _suggestion,
    "minimum_amount": _minimum_amount,
    "max_members": _max_members,
    "quota": _quota,
    "shortfall": _shortfall,
    "quota_clause": _quota_clause,
    "fatal_only_note": _fatal_only_note,
}


def explain(
    catalog: Catalog,
    code: str,
    item: ServiceItem | None,
    verdict: _Verdict | None,
    reason: str,
    customer: Customer,
    detail: Mapping[str, object],
) -> tuple[str, str]:
    """One sentence in Chinese and one in English saying why: the reason's row, its fields filled in."""
    template_zh, template_en, fields = _TEMPLATES[reason]
    context = _Explaining(catalog, code, item, verdict, customer, detail)
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    for name, field_of in fields:
        zh[name], en[name] = field_of(context)
    return template_zh.format_map(zh).strip(), template_en.format_map(en).strip()


# Per reason code: its two templates and the fields they use (looked up once, not per decision).
_TEMPLATES: Mapping[str, tuple[str, str, tuple]] = {
    reason.value: (
        reason.row.zh,
        reason.row.en,
        tuple((name, EXPLANATION_FIELDS[name]) for name in sorted(template_fields(reason))),
    )
    for reason in Reason
}
