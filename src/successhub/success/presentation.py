"""Turning stored figures into what the pages and PDFs show: labels in the reader's language, charts."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from successhub.accounts.models import Organisation
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import DeploymentType, Plan
from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.success import charts, inspection, reports
from successhub.success.diagnosis.rules import DIMENSIONS, OVERVIEW_LABELS, RULES_BY_CODE
from successhub.success.models import CheckStatus, HealthCheck, MomentKind, MomentStatus


def _lang(english: bool) -> str:
    return "en" if english else "zh"


def _category_name(code: str, english: bool) -> str:
    from successhub.tickets.categories import BY_CODE

    category = BY_CODE.get(code)
    if category is None:
        return code
    return category.name.en if english else _(category.name.zh)


def _channel_name(code: str) -> str:
    from successhub.tickets.models import Channel

    try:
        return str(Channel(code).label)
    except ValueError:
        return code


def ticket_view(figures: dict, english: bool) -> dict:
    labels = get_catalog().labels
    language = _lang(english)
    months = figures.get("months", [])
    categories = [(_category_name(c, english), n) for c, n in figures.get("by_category", {}).items()]
    products = [(labels.name("products", p, language), n) for p, n in figures.get("by_product", {}).items()]
    channels = [(_channel_name(c), n) for c, n in figures.get("by_channel", {}).items()]
    sla = figures.get("sla", {})
    response = figures.get("response", {})
    return {
        "total": figures.get("total", 0),
        "sla": sla,
        "response": response,
        "mean_hours": round(response["mean_minutes"] / 60, 1)
        if response.get("mean_minutes") is not None
        else None,
        "escalated": figures.get("escalated", 0),
        "rating": figures.get("rating"),
        "categories": categories,
        "products": products,
        "channels": channels,
        "repeats": [
            {
                "product": labels.name("products", r["product"], language),
                "category": _category_name(r["category"], english),
                "count": r["count"],
            }
            for r in figures.get("repeats", [])
        ],
        "repeat_titles": figures.get("repeat_titles", []),
        "month_chart": charts.bar_chart(
            [m["month"][2:] for m in months], [m["count"] for m in months], title=_("每月工单量")
        ),
        "category_chart": charts.share_bars(categories, title=_("问题类型")) if categories else "",
        "product_chart": charts.share_bars(products, title=_("产品领域")) if products else "",
    }


def channel_view(figures: dict, english: bool) -> dict:
    """Every channel the customer used: totals, a month-by-channel table and one stacked chart."""
    catalog = get_catalog()
    language = _lang(english)
    rows = []
    for row in reports.channel_use(figures):
        item = catalog.any_definition(row["channel"])
        rows.append({**row, "name": item.name.get(language) if item else row["channel"]})
    months = [m["month"] for m in figures.get("tickets", {}).get("months", [])]
    used = [row for row in rows if row["total"]]
    return {
        "channels": rows,
        "channel_months": [
            {"month": month, "counts": [row["months"][i] if i < len(row["months"]) else 0 for row in rows]}
            for i, month in enumerate(months)
        ],
        "channel_chart": charts.stacked_bars(
            [m[2:] for m in months],
            [(row["name"], row["months"]) for row in used],
            title=_("每月各渠道服务使用"),
        )
        if used
        else "",
    }


def report_view(report, english: bool) -> dict:
    figures = report.figures
    labels = get_catalog().labels
    language = _lang(english)
    bot = figures.get("bot", {})
    return {
        "org": figures.get("organisation", {}),
        "year": figures.get("year", {}),
        "contracts": [
            {**c, "plan_name": str(Plan(c["plan"]).label) if c["plan"] in Plan.values else c["plan"]}
            for c in figures.get("contracts", [])
        ],
        "deployments": [
            {
                **d,
                "product_label": labels.name("products", d["product"], language),
                "type_label": str(DeploymentType(d["type"]).label)
                if d["type"] in DeploymentType.values
                else d["type"],
                "modules_text": "、".join(f"{k} {v}" for k, v in (d.get("modules") or {}).items()),
            }
            for d in figures.get("deployments", [])
        ],
        "tickets": ticket_view(figures.get("tickets", {}), english),
        "bot": bot,
        "hotline": figures.get("hotline"),
        "chat": figures.get("chat"),
        "im_group": figures.get("im_group"),
        **channel_view(figures, english),
        "moments": [
            {
                **m,
                "kind_label": str(MomentKind(m["kind"]).label)
                if m["kind"] in MomentKind.values
                else m["kind"],
                "status_label": str(MomentStatus(m["status"]).label)
                if m["status"] in MomentStatus.values
                else m["status"],
            }
            for m in figures.get("critical_moments", [])
        ],
        "checks": [
            {
                **c,
                "status_label": str(CheckStatus(c["status"]).label)
                if c["status"] in CheckStatus.values
                else c["status"],
            }
            for c in figures.get("health_checks", [])
        ],
        "suggestions": reports.suggestion_texts(report.suggestions, english),
        # The edit box holds one suggestion a line (a template tag cannot hold the newline to join with).
        "suggestions_text": "\n".join(reports.suggestion_texts(report.suggestions, english)),
    }


SEVERITY_LABELS = {
    "critical": gettext_noop("严重"),
    "warning": gettext_noop("警告"),
    "info": gettext_noop("提示"),
}


def _diagnosis_finding(finding: dict) -> dict:
    """A stored diagnosis finding in the reader's language (by its rule; an unknown rule as stored)."""
    rule = RULES_BY_CODE.get(finding.get("rule", ""))
    if rule is None:
        return finding
    return {**finding, "title": rule.title_text(), "recommendation": _(rule.recommendation)}


def _inspection_finding(finding: dict) -> dict:
    """A stored inspection finding in the reader's language."""
    return {
        **finding,
        **{key: inspection.text(finding, key) for key in ("title", "detail", "recommendation")},
    }


def check_view(check: HealthCheck) -> dict:
    diagnosis = []
    for code, name in DIMENSIONS:
        findings = [_diagnosis_finding(f) for f in check.diagnosis_findings if f.get("dimension") == code]
        diagnosis.append({"code": code, "name": _(name), "findings": findings})
    figures = (check.diagnosis_overview or {}).get("figures", {})
    return {
        "diagnosis": diagnosis,
        "diagnosis_count": len(check.diagnosis_findings),
        # The overview's figures by their names, never their codes.
        "overview": [
            (_(OVERVIEW_LABELS[code]), value) for code, value in figures.items() if code in OVERVIEW_LABELS
        ],
        "inspection": check.inspection or {},
        "inspection_findings": [_inspection_finding(f) for f in check.inspection_findings],
        "severity_labels": {k: _(v) for k, v in SEVERITY_LABELS.items()},
    }


def moment_quota(organisation: Organisation, moment) -> dict | None:
    """The service year's person-days: limit, used, reserved by confirmed moments, and what is left."""
    from successhub.success.services import CRITICAL_MOMENT, _noon, reserved_days

    decision = entitlement_for(organisation, core.Request(CRITICAL_MOMENT), _noon(moment.start_date))
    if decision.quota is None:
        return None
    quota = decision.quota
    held = reserved_days(organisation.pk, quota.period_start)
    return {
        "limit": quota.limit,
        "used": quota.used,
        "reserved": held,
        "left": max(quota.limit - quota.used - held, Decimal(0)),
        "start": quota.period_start,
        "end": quota.period_end,
        "unit": get_catalog().labels.name("units", quota.unit),
    }


def calendar_weeks(start: dt.date, end: dt.date, moments) -> list[list[dict]]:
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(start.year, start.month):
        weeks.append(
            [
                {
                    "day": day,
                    "in_month": start <= day <= end,
                    "moments": [m for m in moments if m.start_date <= day <= m.end_date],
                }
                for day in week
            ]
        )
    return weeks


def manager_card(organisation: Organisation, english: bool) -> dict | None:
    """Who the customer's manager is, how to reach them, and their service hours (the catalog's)."""
    manager = organisation.technical_manager
    if manager is None:
        return None
    decision = entitlement_for(organisation, core.Request("technical_manager"))
    labels = get_catalog().labels
    schedule = decision.schedule
    return {
        "name": manager.display_name or manager.get_full_name() or manager.username,
        "phone": manager.phone,
        "email": manager.email,
        "allowed": decision.allowed,
        "explanation": decision.explanation_en if english else decision.explanation,
        "hours": labels.name("schedules", schedule, _lang(english)) if schedule else "",
        "open_now": decision.open_now,
        "next_open": decision.next_open,
    }
