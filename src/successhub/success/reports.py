"""Figures for the periodic ticket analysis and the annual service report, generated from the data.

Each figure set is read in a fixed number of queries whatever the data holds: one pass over the
period's tickets (the columns the figures need, no model instances), one over each other channel the
customer used (the bot's conversations, hotline calls, IM chats, the dedicated IM group's messages),
and the contracts, deployments, critical moments and health checks. Everything returned is plain
JSON (it is stored with the report as generated).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from successhub.accounts.models import Organisation
from successhub.calendars.selectors import business_calendar, makeup_day_settings
from successhub.catalog.loader import get_catalog
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
    figures.update(channel_figures(organisation, start, end))
    return figures


# The service channels a customer reaches people and the bot through, as the catalog names them (its
# service items), in the order the report lists them.
CHANNELS = ("online_ticket", "hotline", "im_service", "dedicated_im_group", "smart_service")


def _by_month(instants, start: dt.date, end: dt.date) -> list[dict]:
    counts = Counter(at.astimezone(BEIJING).strftime("%Y-%m") for at in instants)
    return [{"month": m, "count": counts.get(m, 0)} for m in months_between(start, end)]


def hotline_figures(organisation: Organisation, start: dt.date, end: dt.date) -> dict:
    """The customer's calls to the hotline (answered, refused and missed alike: each is a use of it)."""
    from successhub.hotline.models import Call, CallStatus

    begin, finish = _bounds(start, end)
    instants, by_class = [], Counter()
    fatal = missed = 0
    for created, classification, was_fatal, status in (
        Call.objects.filter(organisation=organisation, created_at__gte=begin, created_at__lt=finish)
        .order_by()
        .values_list("created_at", "classification", "fatal", "status")
    ):
        instants.append(created)
        by_class[classification or "unclassified"] += 1
        fatal += bool(was_fatal)
        missed += status == CallStatus.MISSED
    return {
        "total": len(instants),
        "fatal": fatal,
        "missed": missed,
        "by_classification": dict(by_class.most_common()),
        "months": _by_month(instants, start, end),
    }


def chat_figures(organisation: Organisation, start: dt.date, end: dt.date) -> dict:
    """IM human service (IM 人工服务): sessions, how many an engineer took, conversions and satisfaction."""
    from successhub.chat.models import ChatSession

    begin, finish = _bounds(start, end)
    instants, ratings = [], []
    accepted = to_ticket = 0
    waits: list[float] = []
    for created, accepted_at, csat, ticket_id in (
        ChatSession.objects.filter(organisation=organisation, created_at__gte=begin, created_at__lt=finish)
        .order_by()
        .values_list("created_at", "accepted_at", "csat", "ticket_id")
    ):
        instants.append(created)
        if accepted_at is not None:
            accepted += 1
            waits.append((accepted_at - created).total_seconds())
        to_ticket += ticket_id is not None
        if csat:
            ratings.append(csat)
    waits.sort()
    return {
        "total": len(instants),
        "accepted": accepted,
        "not_accepted": len(instants) - accepted,
        "to_ticket": to_ticket,
        "median_wait_seconds": round(waits[len(waits) // 2]) if waits else None,
        "rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "months": _by_month(instants, start, end),
    }


def im_group_figures(organisation: Organisation, start: dt.date, end: dt.date) -> dict:
    """The dedicated IM group (专属 IM 服务群): the customer's messages and how many were answered in time."""
    from successhub.imgroups.models import GroupMessage

    begin, finish = _bounds(start, end)
    instants = []
    answered = on_time = 0
    for received, due, responded in (
        GroupMessage.objects.filter(
            group__organisation=organisation,
            kind=GroupMessage.Kind.CUSTOMER,
            received_at__gte=begin,
            received_at__lt=finish,
        )
        .order_by()
        .values_list("received_at", "response_due_at", "responded_at")
    ):
        instants.append(received)
        if responded is not None:
            answered += 1
            on_time += due is None or responded <= due
    return {
        "total": len(instants),
        "answered": answered,
        "on_time": on_time,
        "months": _by_month(instants, start, end),
    }


def channel_figures(organisation: Organisation, start: dt.date, end: dt.date) -> dict:
    """Every channel's figures (one pass each over the service year's rows)."""
    return {
        "hotline": hotline_figures(organisation, start, end),
        "chat": chat_figures(organisation, start, end),
        "im_group": im_group_figures(organisation, start, end),
    }


def channel_use(figures: dict) -> list[dict]:
    """Each channel's total and monthly counts, side by side (the report's 各渠道服务使用)."""
    sources = {
        "online_ticket": figures.get("tickets", {}),
        "hotline": figures.get("hotline", {}),
        "im_service": figures.get("chat", {}),
        "dedicated_im_group": figures.get("im_group", {}),
        "smart_service": figures.get("bot", {}),
    }
    return [
        {
            "channel": code,
            "total": sources[code].get("total", 0),
            "months": [m["count"] for m in sources[code].get("months", [])],
        }
        for code in CHANNELS
        if sources[code]
    ]


# --- suggestions: rules over the figures --------------------------------------------------------------
#
# A generated suggestion is stored as its rule and the figures it quotes ({"rule", "fields"}) and is
# written out in the reader's language when shown (the sentences below are gettext msgids, English in
# the app's catalogue). What the manager writes or rewrites is stored as the text they typed.


def _share(part: int, whole: int) -> Decimal:
    return Decimal(part * 100) / whole if whole else Decimal(0)


SLA_ATTAINMENT_TARGET = 90  # per cent; below it the report suggests a review with the manager
DOMINANT_CATEGORY_SHARE = 40  # per cent of the year's tickets; above it, training is suggested
LITTLE_BOT_USE_TICKETS = (
    10  # with at least this many tickets, fewer bot conversations than tickets is "little"
)
CHAT_NOT_ACCEPTED_SHARE = 30  # per cent of IM sessions no engineer took
CHAT_MIN_SESSIONS = 5

SUGGESTION_TEXTS: dict[str, str] = {
    "sla_below_target": gettext_noop(
        "本年度首次响应达成率为 %(attainment)s%%，低于 %(target)s%%。建议与专属技术经理复盘超时工单，"
        "并在提单时补充完整的环境与截图信息，缩短往返确认时间。"
    ),
    "dominant_category": gettext_noop(
        "“%(category)s”类问题占全部工单的 %(share)s%%，建议安排针对性的用户培训，"
        "并将常见处理方法整理到企业内部知识库。"
    ),
    "repeated_problem": gettext_noop(
        "同一产品（%(product)s）的“%(category)s”问题全年出现 %(count)s 次，建议由专属技术经理组织专家做根因分析。"
    ),
    "rising_second_half": gettext_noop(
        "下半年工单量较上半年明显增加，建议结合业务变化评估系统使用情况，必要时预约系统健康检查。"
    ),
    "little_bot_use": gettext_noop(
        "智能客服使用较少，建议引导用户先通过智能客服与知识库自助查询，常见问题可即时获得答案。"
    ),
    "chat_not_accepted": gettext_noop(
        "IM 人工服务有 %(count)s 次会话未被工程师接入，建议在 IM 服务时间内发起咨询，"
        "非服务时间可直接提交在线工单。"
    ),
    "no_health_check": gettext_noop("本服务年度尚未进行系统健康检查，建议预约一次业务诊断与系统巡检。"),
    "no_critical_moment": gettext_noop(
        "本服务年度尚未使用关键时刻支持，建议在月结、年结或系统上线前提前向专属技术经理申请专家护航。"
    ),
    "all_well": gettext_noop("系统运行与服务使用情况良好，建议保持现有使用方式并关注产品新版本的功能更新。"),
}


def _rule(code: str, **fields) -> dict:
    return {"rule": code, "fields": fields}


def suggestions(figures: dict) -> list[dict]:
    """Rule-based suggestions (editable by the manager before publishing). Each rule reads the figures."""
    out: list[dict] = []
    tickets = figures.get("tickets", {})
    total = tickets.get("total", 0)
    attainment = tickets.get("sla", {}).get("attainment")
    if attainment is not None and attainment < SLA_ATTAINMENT_TARGET:
        out.append(_rule("sla_below_target", attainment=attainment, target=SLA_ATTAINMENT_TARGET))
    if total:
        category, count = next(iter(tickets.get("by_category", {}).items()), (None, 0))
        if category and _share(count, total) >= DOMINANT_CATEGORY_SHARE:
            out.append(_rule("dominant_category", category=category, share=round(_share(count, total))))
    for repeat in tickets.get("repeats", [])[:3]:
        out.append(
            _rule(
                "repeated_problem",
                product=repeat["product"],
                category=repeat["category"],
                count=repeat["count"],
            )
        )
    months = [m["count"] for m in tickets.get("months", [])]
    if len(months) >= 6:
        half = len(months) // 2
        first, second = sum(months[:half]), sum(months[half:])
        if first and second >= first * 1.5:
            out.append(_rule("rising_second_half"))
    if total >= LITTLE_BOT_USE_TICKETS and figures.get("bot", {}).get("total", 0) < total:
        out.append(_rule("little_bot_use"))
    chat = figures.get("chat", {})
    if (
        chat.get("total", 0) >= CHAT_MIN_SESSIONS
        and _share(chat.get("not_accepted", 0), chat["total"]) >= CHAT_NOT_ACCEPTED_SHARE
    ):
        out.append(_rule("chat_not_accepted", count=chat["not_accepted"]))
    if not figures.get("health_checks"):
        out.append(_rule("no_health_check"))
    if not any(m.get("status") == "delivered" for m in figures.get("critical_moments", [])):
        out.append(_rule("no_critical_moment"))
    if not out:
        out.append(_rule("all_well"))
    return out


def suggestion_text(item, english: bool) -> str:
    """One suggestion in the reader's language: a rule's sentence with its figures, or the manager's text."""
    if isinstance(item, str):
        return item
    template = SUGGESTION_TEXTS.get(item.get("rule", ""))
    if template is None:
        return ""
    fields = dict(item.get("fields") or {})
    with translation.override("en" if english else "zh-hans"):
        if "category" in fields:
            fields["category"] = _category_label(fields["category"])
        if "product" in fields:
            fields["product"] = get_catalog().labels.name(
                "products", fields["product"], "en" if english else "zh"
            )
        return gettext(template) % fields


def suggestion_texts(items, english: bool = False) -> list[str]:
    return [text for text in (suggestion_text(item, english) for item in items) if text]


def keep_generated(current: list, lines: list[str]) -> list:
    """The manager's edited list: a line that still reads as a generated suggestion (in either language)
    stays that rule, so it is still shown in each reader's language; any other line is their own text."""
    generated: dict[str, dict] = {}
    for item in current:
        if isinstance(item, dict):
            for english in (False, True):
                generated.setdefault(suggestion_text(item, english), item)
    return [generated.get(line, line) for line in lines]


def _category_label(code: str) -> str:
    from successhub.tickets.categories import BY_CODE

    category = BY_CODE.get(code)
    if category is None:
        return code
    return category.name.en if translation.get_language() == "en" else category.name.zh
