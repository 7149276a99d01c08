"""Figures for the periodic ticket analysis and the annual service report, generated from the data.

Each figure set is read in a fixed number of queries whatever the data holds: one pass over the
period's tickets (the columns the figures need, no model instances), one over the bot's
conversations, and the contracts, deployments, critical moments and health checks. Everything
returned is plain JSON (it is stored with the report as generated).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal

from successhub.accounts.models import Organisation
from successhub.calendars.selectors import business_calendar, makeup_day_settings
from successhub.core.entitlements import BEIJING

# Problems that come back: the same product and category this many times in a period,
# or the same title (normalised) this many times.
REPEAT_THRESHOLD = 3
REPEAT_TITLE_THRESHOLD = 2


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=BEIJING),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=BEIJING),
    )


def months_between(start: dt.date, end: dt.date) -> list[str]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _title_key(title: str) -> str:
    return re.sub(r"[\s\W_]+", "", title.lower())


def ticket_figures(
    organisation: Organisation, start: dt.date, end: dt.date, *, as_of: dt.date | None = None
) -> dict:
    """Volumes, channels, categories, products, response times, SLA attainment and repeat problems."""
    from successhub.contracts.models import Product
    from successhub.tickets.models import Ticket

    begin, finish = _bounds(start, end)
    cutoff = dt.datetime.combine((as_of or end) + dt.timedelta(days=1), dt.time.min, tzinfo=BEIJING)
    rows = list(
        Ticket.objects.filter(organisation=organisation, created_at__gte=begin, created_at__lt=finish)
        .order_by()
        .values_list(
            "created_at",
            "channel",
            "category",
            "product_id",
            "title",
            "sla_schedule",
            "first_response_due_at",
            "first_responded_at",
            "escalated",
            "rating",
        )
    )
    products = dict(Product.objects.values_list("pk", "code")) if rows else {}
    months = months_between(start, end)
    by_month: Counter = Counter()
    by_channel: Counter = Counter()
    by_category: Counter = Counter()
    by_product: Counter = Counter()
    pairs: Counter = Counter()
    titles: Counter = Counter()
    title_text: dict[str, str] = {}
    responded = on_time = breached_open = escalated = 0
    response_minutes: list[float] = []
    ratings: list[int] = []
    calendar = business_calendar() if rows else None
    makeup = makeup_day_settings() if rows else {}
    for created, channel, category, product_id, title, schedule, due, first, was_escalated, rating in rows:
        by_month[created.astimezone(BEIJING).strftime("%Y-%m")] += 1
        by_channel[channel] += 1
        by_category[category] += 1
        product = products.get(product_id, str(product_id))
        by_product[product] += 1
        pairs[(product, category)] += 1
        key = _title_key(title)
        titles[key] += 1
        title_text.setdefault(key, title)
        escalated += bool(was_escalated)
        if rating:
            ratings.append(rating)
        if first is not None and first < cutoff:
            responded += 1
            on_time += first <= due
            response_minutes.append(
                calendar.between(schedule, created, first, include_makeup_days=makeup.get(schedule)).minutes
            )
        elif due < cutoff:
            breached_open += 1
    measured = responded + breached_open
    repeats = [
        {"product": product, "category": category, "count": count}
        for (product, category), count in pairs.most_common()
        if count >= REPEAT_THRESHOLD
    ]
    repeat_titles = [
        {"title": title_text[key], "count": count}
        for key, count in titles.most_common(10)
        if count >= REPEAT_TITLE_THRESHOLD
    ]
    response_minutes.sort()
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "total": len(rows),
        "months": [{"month": m, "count": by_month.get(m, 0)} for m in months],
        "by_channel": dict(by_channel.most_common()),
        "by_category": dict(by_category.most_common()),
        "by_product": dict(by_product.most_common()),
        "sla": {
            "measured": measured,
            "on_time": on_time,
            "breached": measured - on_time,
            "attainment": round(on_time * 100 / measured, 1) if measured else None,
        },
        "response": {
            "count": len(response_minutes),
            "mean_minutes": round(sum(response_minutes) / len(response_minutes), 1)
            if response_minutes
            else None,
            "median_minutes": round(response_minutes[len(response_minutes) // 2], 1)
            if response_minutes
            else None,
        },
        "escalated": escalated,
        "rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "repeats": repeats,
        "repeat_titles": repeat_titles,
    }


def bot_figures(organisation: Organisation, start: dt.date, end: dt.date) -> dict:
    from successhub.assistant.models import Conversation

    begin, finish = _bounds(start, end)
    by_month: Counter = Counter()
    handed = 0
    for created, handoff in (
        Conversation.objects.filter(organisation=organisation, created_at__gte=begin, created_at__lt=finish)
        .order_by()
        .values_list("created_at", "handoff")
    ):
        by_month[created.astimezone(BEIJING).strftime("%Y-%m")] += 1
        handed += bool(handoff)
    total = sum(by_month.values())
    return {
        "total": total,
        "handed_off": handed,
        "months": [{"month": m, "count": by_month.get(m, 0)} for m in months_between(start, end)],
    }


def annual_figures(
    organisation: Organisation, start: dt.date, end: dt.date, *, as_of: dt.date | None = None
) -> dict:
    """Everything the annual service report shows, for the service year [start, end]."""
    from successhub.contracts.models import Contract, Deployment
    from successhub.success.models import CriticalMoment, HealthCheck

    contracts = [
        {"number": n, "plan": plan, "start": s.isoformat(), "end": e.isoformat(), "amount": str(amount)}
        for n, plan, s, e, amount in Contract.objects.filter(organisation=organisation)
        .order_by("start", "id")
        .values_list("number", "plan", "start", "end", "amount")
    ]
    deployments = [
        {"product": product, "product_name": name, "type": kind, "version": version, "modules": modules or {}}
        for product, name, kind, version, modules in Deployment.objects.filter(organisation=organisation)
        .order_by("id")
        .values_list("product__code", "product__name", "type", "version", "modules")
    ]
    moments = [
        {
            "kind": kind,
            "start": s.isoformat(),
            "end": e.isoformat(),
            "status": status,
            "days": str(days) if days is not None else None,
        }
        for kind, s, e, status, days in CriticalMoment.objects.filter(
            organisation=organisation, start_date__gte=start, start_date__lte=end
        )
        .order_by("start_date", "id")
        .values_list("kind", "start_date", "end_date", "status", "delivered_days")
    ]
    begin, finish = _bounds(start, end)
    checks = [
        {
            "status": status,
            "at": at.astimezone(BEIJING).date().isoformat(),
            "inspection_findings": len(ins or []),
            "diagnosis_findings": len(diag or []),
        }
        for status, at, ins, diag in HealthCheck.objects.filter(
            organisation=organisation, proposed_at__gte=begin, proposed_at__lt=finish
        )
        .exclude(status="cancelled")
        .order_by("proposed_at")
        .values_list("status", "proposed_at", "inspection_findings", "diagnosis_findings")
    ]
    figures = {
        "organisation": {"name": organisation.name, "code": organisation.code},
        "year": {"start": start.isoformat(), "end": end.isoformat(), "as_of": (as_of or end).isoformat()},
        "contracts": contracts,
        "deployments": deployments,
        "tickets": ticket_figures(organisation, start, end, as_of=as_of),
        "bot": bot_figures(organisation, start, end),
        "critical_moments": moments,
        "health_checks": checks,
    }
    figures.update(channel_extensions(organisation, start, end))
    return figures


def channel_extensions(organisation: Organisation, start: dt.date, end: dt.date) -> dict:
    """Hotline calls when the hotline app is installed: one pass over the year's calls."""
    from django.apps import apps

    extra: dict = {}
    if apps.is_installed("successhub.hotline"):
        from successhub.hotline.models import Call

        begin, finish = _bounds(start, end)
        by_month: Counter = Counter()
        by_class: Counter = Counter()
        fatal = 0
        for created, classification, was_fatal in (
            Call.objects.filter(organisation=organisation, created_at__gte=begin, created_at__lt=finish)
            .order_by()
            .values_list("created_at", "classification", "fatal")
        ):
            by_month[created.astimezone(BEIJING).strftime("%Y-%m")] += 1
            by_class[classification or "unclassified"] += 1
            fatal += bool(was_fatal)
        extra["hotline"] = {
            "total": sum(by_month.values()),
            "fatal": fatal,
            "by_classification": dict(by_class.most_common()),
            "months": [{"month": m, "count": by_month.get(m, 0)} for m in months_between(start, end)],
        }
    return extra


# --- suggestions: rules over the figures --------------------------------------------------------------


def _share(part: int, whole: int) -> Decimal:
    return Decimal(part * 100) / whole if whole else Decimal(0)


SLA_ATTAINMENT_TARGET = 90  # per cent; below it the report suggests a review with the manager


def suggestions(figures: dict) -> list[str]:
    """Rule-based suggestions (editable by the manager before publishing). Each rule reads the figures."""
    out: list[str] = []
    tickets = figures.get("tickets", {})
    total = tickets.get("total", 0)
    from successhub.tickets.categories import BY_CODE

    attainment = tickets.get("sla", {}).get("attainment")
    if attainment is not None and attainment < SLA_ATTAINMENT_TARGET:
        out.append(
            f"本年度首次响应达成率为 {attainment}%，低于 {SLA_ATTAINMENT_TARGET}%。建议与专属技术经理复盘超时工单，"
            "并在提单时补充完整的环境与截图信息，缩短往返确认时间。"
        )
    if total:
        category, count = next(iter(tickets.get("by_category", {}).items()), (None, 0))
        if category and _share(count, total) >= 40:
            name = BY_CODE[category].name.zh if category in BY_CODE else category
            out.append(
                f"“{name}”类问题占全部工单的 {round(_share(count, total))}%，建议安排针对性的用户培训，"
                "并将常见处理方法整理到企业内部知识库。"
            )
    for repeat in tickets.get("repeats", [])[:3]:
        name = BY_CODE[repeat["category"]].name.zh if repeat["category"] in BY_CODE else repeat["category"]
        out.append(
            f"同一产品（{repeat['product']}）的“{name}”问题全年出现 {repeat['count']} 次，建议由专属技术经理组织专家做根因分析。"
        )
    months = [m["count"] for m in tickets.get("months", [])]
    if len(months) >= 6:
        half = len(months) // 2
        first, second = sum(months[:half]), sum(months[half:])
        if first and second >= first * 1.5:
            out.append(
                "下半年工单量较上半年明显增加，建议结合业务变化评估系统使用情况，必要时预约系统健康检查。"
            )
    bot = figures.get("bot", {})
    if total >= 10 and bot.get("total", 0) < total:
        out.append("智能客服使用较少，建议引导用户先通过智能客服与知识库自助查询，常见问题可即时获得答案。")
    if not figures.get("health_checks"):
        out.append("本服务年度尚未进行系统健康检查，建议预约一次业务诊断与系统巡检。")
    if not any(m.get("status") == "delivered" for m in figures.get("critical_moments", [])):
        out.append(
            "本服务年度尚未使用关键时刻支持，建议在月结、年结或系统上线前提前向专属技术经理申请专家护航。"
        )
    if not out:
        out.append("系统运行与服务使用情况良好，建议保持现有使用方式并关注产品新版本的功能更新。")
    return out
