"""The entitlement engine, without Django: the terms table and the engine's rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from successhub.core.calendar import BusinessCalendar, HolidayCalendar
from successhub.core.catalog import SERVICE_CODES, load_catalog
from successhub.core.entitlements import Contract, Engine, ListUsage, service_year
from successhub.core.scenario import ScenarioError, decision_to_json, parse_scenario
from tests.terms_cases import ALL_REASONS, CASES, HOURS_CASES, scenario

PLANS = Path(__file__).resolve().parents[2] / "src" / "successhub" / "catalog" / "plans"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_catalog([PLANS]), BusinessCalendar(HolidayCalendar.bundled()))


def evaluate(engine: Engine, document: dict, service: str | None = None) -> dict:
    catalog = engine.catalog
    at, customer, usage, request = parse_scenario(
        document, tuple(catalog.labels.products), tuple(catalog.labels.channels)
    )
    decisions = engine.evaluate(customer, at, ListUsage(usage), request)
    rows = {d.service: decision_to_json(d) for d in decisions}
    return rows[service] if service else rows


@pytest.mark.parametrize("case", CASES, ids=str)
def test_service_terms(engine, case):
    decision = evaluate(engine, case.scenario, case.service)
    assert (decision["allowed"], decision["reason"]) == (case.allowed, case.reason), decision["explanation"]
    assert decision["explanation"]
    if case.remaining is not None:
        assert decision["quota"]["remaining"] == case.remaining
    if case.limit is not None:
        assert decision["quota"]["limit"] == case.limit


def test_the_table_covers_every_service_and_every_reason():
    assert {c.service for c in CASES} == set(SERVICE_CODES)
    assert {c.reason for c in CASES} == ALL_REASONS


@pytest.mark.parametrize(
    "rule, service, at, open_now, next_open", HOURS_CASES, ids=[c[0] for c in HOURS_CASES]
)
def test_service_hours(engine, rule, service, at, open_now, next_open):
    decision = evaluate(
        engine, scenario(plan="advanced", amount=68000, start="2026-01-01", end="2026-12-31", at=at), service
    )
    assert decision["open_now"] is open_now
    assert decision["next_open"] == next_open


def test_items_without_hours_have_no_schedule(engine):
    rows = evaluate(engine, scenario(plan="advanced", amount=68000, start="2026-01-01", end="2026-12-31"))
    for code in ("community", "license_upgrade", "critical_moment_support", "service_report", "health_check"):
        assert (
            rows[code]["schedule"] is None
            and rows[code]["open_now"] is None
            and rows[code]["next_open"] is None
        )


def test_every_item_is_evaluated_without_a_request(engine):
    rows = evaluate(engine, scenario())
    assert list(rows) == list(SERVICE_CODES)


def test_quota_period_is_the_service_year(engine):
    decision = evaluate(engine, scenario(request={"service": "hotline", "fatal": True}), "hotline")
    assert decision["quota"]["period_start"] == "2025-07-01"
    assert decision["quota"]["period_end"] == "2026-06-30"


@pytest.mark.parametrize(
    "start, end, day, expected",
    [
        ("2025-07-01", "2027-06-30", "2026-06-30", ("2025-07-01", "2026-06-30")),
        ("2025-07-01", "2027-06-30", "2026-07-01", ("2026-07-01", "2027-06-30")),
        ("2026-01-01", "2026-06-30", "2026-03-03", ("2026-01-01", "2026-06-30")),
        ("2024-02-29", "2027-02-27", "2025-03-01", ("2025-02-28", "2026-02-27")),
    ],
    ids=["last day of year one", "first day of year two", "a term shorter than a year", "leap-day start"],
)
def test_service_year_bounds(start, end, day, expected):
    contract = Contract(plan="standard", start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))
    period = service_year(contract, dt.date.fromisoformat(day))
    assert tuple(map(str, period)) == expected


def test_explanations_come_in_chinese_and_english(engine):
    catalog = engine.catalog
    at, customer, usage, request = parse_scenario(
        scenario(request={"service": "hotline", "fatal": False}),
        tuple(catalog.labels.products),
        tuple(catalog.labels.channels),
    )
    decision = engine.decide(customer, at, ListUsage(usage), request)
    assert "致命故障" in decision.explanation
    assert "fatal faults only" in decision.explanation_en


def test_amount_defaults_to_one_and_must_fit(engine):
    usage = [("hotline", f"2025-{m:02d}-10T10:00:00+08:00", 1) for m in (8, 9, 10)]
    one = evaluate(engine, scenario(usage=usage, request={"service": "hotline", "fatal": True}), "hotline")
    two = evaluate(
        engine, scenario(usage=usage, request={"service": "hotline", "fatal": True, "amount": 2}), "hotline"
    )
    assert one["allowed"] and not two["allowed"]
    assert two["quota"]["remaining"] == 1


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("at"), "at: missing"),
        (lambda d: d.update(at="yesterday"), "not an ISO 8601"),
        (lambda d: d["customer"].update(region="mars"), "customer.region"),
        (lambda d: d["customer"]["contracts"][0].update(start="2026-13-01"), "customer.contracts[0].start"),
        (lambda d: d["customer"]["contracts"][0].update(plan="gold"), "customer.contracts[0].plan"),
        (lambda d: d.update(request={"service": "massage"}), "request.service"),
        (lambda d: d.update(request={"fatal": True}), "request.service: missing"),
        (lambda d: d.update(request={"service": "hotline", "amount": -1}), "request.amount"),
        (
            lambda d: d["customer"]["deployments"].append({"product": "galaxy"}),
            "customer.deployments[1].type",
        ),
    ],
    ids=[
        "missing at",
        "bad instant",
        "unknown region",
        "bad date",
        "unknown plan",
        "unknown service",
        "request without service",
        "negative amount",
        "deployment without type",
    ],
)
def test_invalid_scenarios_name_the_field(engine, mutate, message):
    document = scenario()
    mutate(document)
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        evaluate(engine, document)


def test_decimal_quota_figures_stay_exact(engine):
    decision = evaluate(
        engine,
        scenario(
            plan="advanced",
            amount=68000,
            start="2026-01-01",
            end="2026-12-31",
            usage=[("critical_moment_support", "2026-02-01T10:00:00+08:00", 0.25)] * 3,
        ),
        "critical_moment_support",
    )
    assert Decimal(str(decision["quota"]["used"])) == Decimal("0.75")
