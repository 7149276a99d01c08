"""Entitlement scenarios as JSON: the input and output of ``successhub terms evaluate``.

Pure Python. Parsing is strict and every error names the field at fault, in plain words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from successhub.core.catalog import DEPLOYMENT_TYPES, PLAN_CODES, REGIONS, SERVICE_CODES
from successhub.core.entitlements import (
    BEIJING,
    Contract,
    Customer,
    Decision,
    Deployment,
    Request,
    UsageEntry,
)


class ScenarioError(ValueError):
    """The scenario is invalid; the message says which field and why."""


def parse_instant(value: Any, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected an ISO 8601 date-time string")
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ScenarioError(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=BEIJING)
    return instant


def parse_date(value: Any, where: str) -> dt.date:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: expected a date string YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ScenarioError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_amount(value: Any, where: str, allow_zero: bool = True) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ScenarioError(f"{where}: expected a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ScenarioError(f"{where}: {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0 or (not allow_zero and amount == 0):
        raise ScenarioError(f"{where}: must be a {'non-negative' if allow_zero else 'positive'} number")
    return amount


def _require(mapping: dict, key: str, where: str) -> Any:
    if key not in mapping or mapping[key] is None:
        raise ScenarioError(f"{where}.{key}: missing" if where else f"{key}: missing")
    return mapping[key]


def _code(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise ScenarioError(f"{where}: unknown code {value!r}; expected one of {', '.join(allowed)}")
    return value


def parse_scenario(
    document: Any, products: tuple[str, ...], channels: tuple[str, ...]
) -> tuple[dt.datetime, Customer, list[UsageEntry], Request | None]:
    if not isinstance(document, dict):
        raise ScenarioError("the scenario must be a JSON object")
    at = parse_instant(_require(document, "at", ""), "at")
    raw_customer = _require(document, "customer", "")
    if not isinstance(raw_customer, dict):
        raise ScenarioError("customer: expected an object")
    region = _code(_require(raw_customer, "region", "customer"), REGIONS, "customer.region")

    deployments = []
    for index, raw in enumerate(_list(raw_customer.get("deployments", []), "customer.deployments")):
        where = f"customer.deployments[{index}]"
        deployments.append(
            Deployment(
                product=_code(_require(raw, "product", where), products, f"{where}.product"),
                type=_code(_require(raw, "type", where), DEPLOYMENT_TYPES, f"{where}.type"),
            )
        )

    contracts = []
    for index, raw in enumerate(_list(raw_customer.get("contracts", []), "customer.contracts")):
        where = f"customer.contracts[{index}]"
        start = parse_date(_require(raw, "start", where), f"{where}.start")
        end = parse_date(_require(raw, "end", where), f"{where}.end")
        if end < start:
            raise ScenarioError(f"{where}.end: {end} is before the start {start}")
        overrides = raw.get("overrides") or {}
        if not isinstance(overrides, dict):
            raise ScenarioError(f"{where}.overrides: expected an object of service code to fields")
        for code in overrides:
            _code(code, SERVICE_CODES, f"{where}.overrides")
        contracts.append(
            Contract(
                plan=_code(_require(raw, "plan", where), PLAN_CODES, f"{where}.plan"),
                start=start,
                end=end,
                amount=parse_amount(raw.get("amount", 0), f"{where}.amount"),
                edition=str(raw["edition"]) if raw.get("edition") else None,
                id=str(raw.get("id", index)),
                overrides=overrides,
            )
        )

    usage = []
    for index, raw in enumerate(_list(raw_customer.get("usage", []), "customer.usage")):
        where = f"customer.usage[{index}]"
        usage.append(
            UsageEntry(
                service=_code(_require(raw, "service", where), SERVICE_CODES, f"{where}.service"),
                at=parse_instant(_require(raw, "at", where), f"{where}.at"),
                amount=parse_amount(raw.get("amount", 1), f"{where}.amount"),
            )
        )

    request = None
    raw_request = document.get("request")
    if raw_request is not None:
        if not isinstance(raw_request, dict):
            raise ScenarioError("request: expected an object")
        fatal = raw_request.get("fatal")
        if fatal is not None and not isinstance(fatal, bool):
            raise ScenarioError("request.fatal: expected true or false")
        product = raw_request.get("product")
        channel = raw_request.get("channel")
        members = raw_request.get("members")
        if members is not None and (isinstance(members, bool) or not isinstance(members, int) or members < 0):
            raise ScenarioError("request.members: expected a whole number")
        request = Request(
            members=members,
            service=_code(_require(raw_request, "service", "request"), SERVICE_CODES, "request.service"),
            fatal=fatal,
            product=None if product is None else _code(product, products, "request.product"),
            channel=None if channel is None else _code(channel, channels, "request.channel"),
            amount=parse_amount(raw_request.get("amount", 1), "request.amount", allow_zero=False),
        )
    verified = raw_customer.get("verified")
    if verified is not None and not isinstance(verified, bool):
        raise ScenarioError("customer.verified: expected true or false")
    customer = Customer(
        region=region, deployments=tuple(deployments), contracts=tuple(contracts), verified=verified
    )
    return at, customer, usage, request


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: expected a list")
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ScenarioError(f"{where}[{index}]: expected an object")
    return value


def json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def format_instant(at: dt.datetime) -> str:
    return at.astimezone(BEIJING).isoformat()


def decision_to_json(decision: Decision, language: str = "zh") -> dict:
    quota = decision.quota
    return {
        "service": decision.service,
        "allowed": decision.allowed,
        "reason": decision.reason,
        "explanation": decision.explanation_en if language.startswith("en") else decision.explanation,
        "quota": None
        if quota is None
        else {
            "limit": json_number(quota.limit),
            "used": json_number(quota.used),
            "remaining": json_number(quota.remaining),
            "period_start": quota.period_start.isoformat(),
            "period_end": quota.period_end.isoformat(),
        },
        "schedule": decision.schedule,
        "open_now": decision.open_now,
        "next_open": None if decision.next_open is None else format_instant(decision.next_open),
    }
