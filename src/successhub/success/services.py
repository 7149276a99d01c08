"""State changes of the value services (the technical manager's desk, critical moments, annual
reports, health checks). Every refusal is a ``SuccessError`` with a machine code.

Quotas are the engine's (catalog terms): critical-moment person-days are *reserved* when the manager
confirms a plan (checked against the service year's quota less what is already used or reserved,
under the organisation's row lock) and *consumed* into the usage ledger on delivery; reports and
health checks consume one unit when published / completed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from successhub.accounts.models import Organisation, Role, User
from successhub.contracts.selectors import entitlement_for
from successhub.contracts.services import EntitlementRefused, consume_quota
from successhub.core import entitlements as core
from successhub.core.entitlements import BEIJING
from successhub.core.reasons import Reason
from successhub.notifications.services import Notice, notify_each
from successhub.success import inspection as inspection_rules
from successhub.success import reports
from successhub.success.errors import (
    EntitlementDenied,
    InvalidState,
    NotAllowed,
    ReportAlreadyPublished,
    SuccessError,
)
from successhub.success.models import (
    HALF_DAY,
    ActionKind,
    CheckStatus,
    CriticalMoment,
    DeliveryMode,
    Escalation,
    EscalationAction,
    EscalationSource,
    EscalationStatus,
    EventKind,
    EventUpdate,
    HealthCheck,
    ImportantEvent,
    MomentKind,
    MomentStatus,
    ReportStatus,
    ServiceReport,
    TicketAnalysis,
)

CRITICAL_MOMENT = "critical_moment_support"
SERVICE_REPORT = "service_report"
HEALTH_CHECK = "health_check"
TECHNICAL_MANAGER = "technical_manager"


# --- who may do what -------------------------------------------------------------------------------


def manages(user: User, organisation: Organisation) -> bool:
    """The organisation's own technical manager, or a service admin."""
    if user.role == Role.SERVICE_ADMIN:
        return True
    return user.role == Role.TECHNICAL_MANAGER and organisation.technical_manager_id == user.pk


def _ensure_manager(user: User, organisation: Organisation) -> None:
    if not manages(user, organisation):
        raise NotAllowed(
            "只有该客户的专属技术经理可以执行此操作。", "Only the customer's technical manager may do this."
        )


def _ensure_member_or_manager(user: User, organisation: Organisation) -> None:
    if user.is_customer and user.organisation_id == organisation.pk:
        return
    _ensure_manager(user, organisation)


def _notify(users: Iterable, kind: str, title: str, fields: dict, *, body: str = "", url: str = "") -> None:
    """Notify each recipient in their own interface language (``User.language``): ``title`` is a msgid
    (marked with ``gettext_noop``) filled with ``fields``, translated once per language. The body is the
    people's own words (a reason, an update, a summary) and is sent as written."""
    by_language: dict[str, list[User]] = defaultdict(list)
    for user in users:
        if user is not None:
            by_language[user.language or settings.LANGUAGE_CODE].append(user)
    notices = []
    for language, recipients in sorted(by_language.items()):
        with translation.override(language):
            notices.append(Notice(tuple(recipients), kind, gettext(title) % fields, body, url))
    notify_each(notices)


def _noon(day: dt.date) -> dt.datetime:
    """The instant a date-bound right is decided at (midday, Beijing)."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=BEIJING)


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(BEIJING).date()


def _refuse(decision: core.Decision) -> EntitlementDenied:
    return EntitlementDenied(decision.explanation, decision.explanation_en, code=decision.reason)


def _text(value: str, field_zh: str, field_en: str, limit: int = 5000) -> str:
    value = (value or "").strip()
    if not value:
        raise SuccessError(f"请填写{field_zh}。", f"Please fill in the {field_en}.", code="missing_field")
    if len(value) > limit:
        raise SuccessError(f"{field_zh}过长。", f"The {field_en} is too long.", code="too_long")
    return value


def _choice(value: str, choices, field_zh: str, field_en: str) -> str:
    if value not in choices.values:
        raise SuccessError(f"请选择{field_zh}。", f"Please choose the {field_en}.", code="invalid_choice")
    return value


# --- escalations -----------------------------------------------------------------------------------


def raise_escalation(
    user: User,
    organisation: Organisation,
    subject: str,
    reason: str,
    *,
    ticket=None,
    now: dt.datetime | None = None,
) -> Escalation:
    """An engineer raises a ticket to the manager, or a customer asks their manager directly."""
    now = now or timezone.now()
    if user.is_customer:
        if user.organisation_id != organisation.pk:
            raise NotAllowed(
                "您只能联系本组织的专属技术经理。", "You can only contact your own technical manager."
            )
        source = EscalationSource.CUSTOMER
    elif user.role in (Role.SUPPORT_ENGINEER, Role.TECHNICAL_MANAGER, Role.SERVICE_ADMIN):
        source = EscalationSource.ENGINEER
    else:
        raise NotAllowed(
            "只有工程师或客户可以提出升级。", "Only engineers or customers can raise an escalation."
        )
    if ticket is not None and ticket.organisation_id != organisation.pk:
        raise NotAllowed("工单不属于该客户。", "The ticket belongs to another customer.")
    if organisation.technical_manager_id is None:
        raise InvalidState(
            "该客户尚未配备专属技术经理。",
            "This customer has no technical manager yet.",
            code="no_technical_manager",
        )
    subject = _text(subject, "主题", "subject", 200)
    reason = _text(reason, "说明", "description")
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                organisation=organisation,
                ticket=ticket,
                source=source,
                raised_by=user,
                manager_id=organisation.technical_manager_id,
                subject=subject,
                reason=reason,
                created_at=now,
            )
            if ticket is not None:
                _mark_ticket_escalated(ticket, escalation, user, now)
    except IntegrityError:
        raise InvalidState(
            "该工单已提交专属技术经理跟进，请在升级事项中补充说明。",
            "This ticket is already with the technical manager; add to the open escalation instead.",
            code="already_escalated",
        ) from None
    _notify(
        [organisation.technical_manager],
        "success.escalation",
        gettext_noop("升级给专属技术经理：%(customer)s · %(subject)s"),
        {"customer": organisation.name, "subject": escalation.subject},
        body=escalation.reason[:300],
        url=f"/success/escalations/{escalation.pk}/",
    )
    return escalation


def _mark_ticket_escalated(ticket, escalation: Escalation, user: User, now: dt.datetime) -> None:
    """The ticket shows 已升级 in the queues, and its audit trail says to whom and by whom."""
    from successhub.tickets.models import Ticket, TicketEvent

    Ticket.objects.filter(pk=ticket.pk).update(escalated=True)
    ticket.escalated = True
    TicketEvent.objects.create(
        ticket=ticket,
        actor=user,
        kind="escalated_to_manager",
        at=now,
        data={"escalation": escalation.pk, "manager": escalation.manager_id},
    )


def record_escalation_action(
    user: User,
    escalation: Escalation,
    kind: str,
    body: str,
    *,
    expert: str = "",
    now: dt.datetime | None = None,
) -> EscalationAction:
    _ensure_manager(user, escalation.organisation)
    if escalation.status != EscalationStatus.OPEN:
        raise InvalidState("该升级事项已完结。", "The escalation is closed.")
    kind = _choice(kind, ActionKind, "记录类型", "kind")
    expert = (expert or "").strip()[:100]
    if kind == ActionKind.EXPERT and not expert:
        raise SuccessError("请填写介入的专家。", "Name the expert involved.", code="missing_field")
    action = EscalationAction.objects.create(
        escalation=escalation,
        author=user,
        kind=kind,
        expert=expert,
        body=_text(body, "内容", "text"),
        visible_to_customer=kind == ActionKind.REPLY,
        created_at=now or timezone.now(),
    )
    if kind == ActionKind.REPLY:
        _notify(
            [escalation.raised_by],
            "success.escalation_reply",
            gettext_noop("专属技术经理答复：%(subject)s"),
            {"subject": escalation.subject},
            body=action.body[:300],
            url=f"/success/escalations/{escalation.pk}/",
        )
    return action


def close_escalation(user: User, escalation: Escalation, *, now: dt.datetime | None = None) -> Escalation:
    _ensure_manager(user, escalation.organisation)
    if escalation.status != EscalationStatus.OPEN:
        raise InvalidState("该升级事项已完结。", "The escalation is already closed.")
    if not escalation.actions.exists():
        raise InvalidState(
            "完结前请至少记录一次跟进。", "Record at least one follow-up before closing.", code="no_actions"
        )
    escalation.status = EscalationStatus.CLOSED
    escalation.closed_at = now or timezone.now()
    escalation.save(update_fields=["status", "closed_at"])
    return escalation


# --- important events --------------------------------------------------------------------------------


def open_event(user: User, organisation: Organisation, kind: str, title: str, *, now=None) -> ImportantEvent:
    _ensure_manager(user, organisation)
    return ImportantEvent.objects.create(
        organisation=organisation,
        kind=_choice(kind, EventKind, "事件类型", "event type"),
        title=_text(title, "事件名称", "title", 200),
        opened_by=user,
        opened_at=now or timezone.now(),
    )


def post_event_update(user: User, event: ImportantEvent, body: str, *, now=None) -> EventUpdate:
    _ensure_manager(user, event.organisation)
    if not event.is_open:
        raise InvalidState("事件已发布总结，不能再更新进展。", "The event has its summary; no more updates.")
    update = EventUpdate.objects.create(
        event=event, author=user, body=_text(body, "进展", "update"), at=now or timezone.now()
    )
    _notify(
        event.organisation.members.filter(is_active=True),
        "success.event_update",
        gettext_noop("重要事件进展：%(title)s"),
        {"title": event.title},
        body=update.body[:300],
        url=f"/success/events/{event.pk}/",
    )
    return update


def publish_event_summary(user: User, event: ImportantEvent, summary: str, *, now=None) -> ImportantEvent:
    _ensure_manager(user, event.organisation)
    if not event.is_open:
        raise InvalidState("事件总结已发布。", "The summary was already published.")
    event.summary = _text(summary, "事件总结", "summary")
    event.closed_at = now or timezone.now()
    event.save(update_fields=["summary", "closed_at"])
    _notify(
        event.organisation.members.filter(is_active=True),
        "success.event_summary",
        gettext_noop("事件总结：%(title)s"),
        {"title": event.title},
        body=event.summary[:300],
        url=f"/success/events/{event.pk}/",
    )
    return event


# --- periodic ticket analysis ------------------------------------------------------------------------


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def generate_analysis(user: User, organisation: Organisation, month: dt.date, *, now=None) -> TicketAnalysis:
    """Generate (or refresh, while unsent) the month's ticket analysis from the data."""
    _ensure_manager(user, organisation)
    analysis, _ = _write_analysis(organisation, month, now or timezone.now(), refresh=True)
    return analysis


def _write_analysis(
    organisation: Organisation, month: dt.date, now: dt.datetime, *, refresh: bool
) -> tuple[TicketAnalysis, bool]:
    """The month's analysis, created from the data; an unsent one is refreshed when ``refresh``."""
    start, end = month_bounds(month)
    figures = reports.ticket_figures(organisation, start, end)
    with transaction.atomic():
        analysis, created = TicketAnalysis.objects.select_for_update().get_or_create(
            organisation=organisation,
            period_start=start,
            defaults={"period_end": end, "figures": figures, "generated_at": now},
        )
        if created or not refresh:
            return analysis, created
        if analysis.sent_at:
            raise InvalidState(
                "该月分析已发送给客户。",
                "This month's analysis was already sent.",
                code="analysis_already_sent",
            )
        analysis.figures = figures
        analysis.generated_at = now
        analysis.save(update_fields=["figures", "generated_at"])
    return analysis, False


def generate_monthly_analyses(now: dt.datetime | None = None) -> int:
    """The scheduled half of the periodic ticket analysis: once a month has ended, draft its analysis for
    every customer whose technical manager right covered the month, and tell each manager what awaits
    their notes. Idempotent: a month's analysis that exists (drafted, annotated or sent) is left alone."""
    now = now or timezone.now()
    start, end = month_bounds(_today(now).replace(day=1) - dt.timedelta(days=1))
    candidates = (
        Organisation.objects.filter(technical_manager__isnull=False, technical_manager__is_active=True)
        .exclude(analyses__period_start=start)
        .select_related("technical_manager")
        .order_by("pk")
    )
    drafted: dict[User, int] = defaultdict(int)
    for organisation in candidates:
        covered = any(
            entitlement_for(organisation, core.Request(TECHNICAL_MANAGER), _noon(day)).allowed
            for day in (end, start)
        )
        if not covered:
            continue
        _, created = _write_analysis(organisation, start, now, refresh=False)
        drafted[organisation.technical_manager] += created
    for manager, count in drafted.items():
        if count:
            _notify(
                [manager],
                "success.analyses_drafted",
                gettext_noop("%(month)s 的月度工单分析已生成 %(count)s 份，请点评后发送给客户"),
                {"month": f"{start:%Y-%m}", "count": count},
                url="/success/",
            )
    return sum(drafted.values())


def annotate_and_send_analysis(
    user: User, analysis: TicketAnalysis, annotation: str, *, now=None
) -> TicketAnalysis:
    _ensure_manager(user, analysis.organisation)
    if analysis.sent_at:
        raise InvalidState(
            "该月分析已发送给客户。", "This analysis was already sent.", code="analysis_already_sent"
        )
    analysis.annotation = _text(annotation, "技术经理点评", "annotation")
    analysis.sent_at = now or timezone.now()
    analysis.sent_by = user
    analysis.save(update_fields=["annotation", "sent_at", "sent_by"])
    _notify(
        analysis.organisation.members.filter(is_active=True),
        "success.ticket_analysis",
        gettext_noop("工单分析 %(month)s"),
        {"month": f"{analysis.period_start:%Y-%m}"},
        body=analysis.annotation[:300],
        url=f"/success/analyses/{analysis.pk}/",
    )
    return analysis


# --- critical moments ---------------------------------------------------------------------------------


def _parse_date(value, field_zh: str, field_en: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SuccessError(
            f"{field_zh}格式不正确。", f"The {field_en} is not a valid date.", code="invalid_date"
        ) from None


def request_moment(
    user: User,
    *,
    kind: str,
    start_date,
    end_date,
    scope: str,
    contact_name: str,
    contact_phone: str,
    now: dt.datetime | None = None,
) -> CriticalMoment:
    """The customer asks for support at a named moment; refused at once when the plan has no such right."""
    now = now or timezone.now()
    if not user.is_customer:
        raise NotAllowed(
            "关键时刻支持由客户提出申请。", "Critical-moment support is requested by the customer."
        )
    organisation = user.organisation
    start = _parse_date(start_date, "开始日期", "start date")
    end = _parse_date(end_date, "结束日期", "end date")
    if end < start:
        raise SuccessError(
            "结束日期不能早于开始日期。", "The end date is before the start date.", code="invalid_dates"
        )
    if start < _today(now):
        raise SuccessError(
            "关键时刻不能早于今天。", "The moment cannot be in the past.", code="invalid_dates"
        )
    decision = entitlement_for(organisation, core.Request(CRITICAL_MOMENT, amount=HALF_DAY), _noon(start))
    if not decision.allowed:
        raise _refuse(decision)
    moment = CriticalMoment.objects.create(
        organisation=organisation,
        kind=_choice(kind, MomentKind, "关键时刻类型", "kind of moment"),
        start_date=start,
        end_date=end,
        scope=_text(scope, "支持范围", "scope"),
        contact_name=_text(contact_name, "联系人", "contact", 100),
        contact_phone=_text(contact_phone, "联系电话", "phone", 40),
        requested_by=user,
        requested_at=now,
    )
    if organisation.technical_manager_id:
        _notify(
            [organisation.technical_manager],
            "success.moment_requested",
            gettext_noop("关键时刻支持申请：%(customer)s · %(kind)s %(start)s"),
            {
                "customer": organisation.name,
                "kind": MomentKind(moment.kind).label,
                "start": start.isoformat(),
            },
            body=moment.scope[:300],
            url=f"/success/moments/{moment.pk}/",
        )
    return moment


def plan_moment(
    user: User, moment: CriticalMoment, *, experts: str, half_days, mode: str, notes: str = ""
) -> CriticalMoment:
    _ensure_manager(user, moment.organisation)
    if moment.status != MomentStatus.REQUESTED:
        raise InvalidState("只有待规划的申请可以修改计划。", "Only a requested moment can be planned.")
    try:
        units = int(half_days)
    except (TypeError, ValueError):
        units = 0
    if units <= 0:
        raise SuccessError(
            "请填写投入的半天数（至少 1 个）。", "Plan at least one half-day.", code="invalid_units"
        )
    moment.experts = _text(experts, "专家", "experts", 300)
    moment.half_days = units
    moment.mode = _choice(mode, DeliveryMode, "支持方式", "mode")
    moment.plan_notes = (notes or "").strip()[:5000]
    moment.save(update_fields=["experts", "half_days", "mode", "plan_notes"])
    return moment


def reserved_days(organisation_id: int, year_start: dt.date, exclude: int | None = None) -> Decimal:
    qs = CriticalMoment.objects.filter(
        organisation_id=organisation_id, status=MomentStatus.CONFIRMED, year_start=year_start
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.aggregate(total=Sum("reserved_days"))["total"] or Decimal(0)


def confirm_moment(user: User, moment: CriticalMoment, *, now: dt.datetime | None = None) -> CriticalMoment:
    """Reserve the planned person-days against the quota; concurrent confirmations never over-book."""
    _ensure_manager(user, moment.organisation)
    now = now or timezone.now()
    organisation = moment.organisation
    with transaction.atomic():
        # The same lock consume_quota takes: every check-and-reserve for this customer runs in turn.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk", flat=True).get()
        moment = CriticalMoment.objects.select_for_update().get(pk=moment.pk)
        if moment.status != MomentStatus.REQUESTED:
            raise InvalidState("只有待规划的申请可以确认。", "Only a requested moment can be confirmed.")
        if moment.half_days <= 0 or not moment.mode:
            raise InvalidState(
                "请先制定支持计划（专家、半天数、方式）。", "Plan the moment first.", code="not_planned"
            )
        planned = moment.planned_days
        at = _noon(moment.start_date)
        decision = entitlement_for(organisation, core.Request(CRITICAL_MOMENT, amount=planned), at)
        if decision.quota is None or decision.reason not in (Reason.OK, Reason.QUOTA_EXHAUSTED):
            raise _refuse(decision)
        held = reserved_days(organisation.pk, decision.quota.period_start, exclude=moment.pk)
        decision = entitlement_for(organisation, core.Request(CRITICAL_MOMENT, amount=planned + held), at)
        if not decision.allowed:
            left = max(decision.quota.remaining - held, Decimal(0)) if decision.quota else Decimal(0)
            raise EntitlementDenied(
                f"本服务年度剩余可预约 {_num(left)} 人天（已使用 {_num(decision.quota.used)} 人天，"
                f"已预留 {_num(held)} 人天），不足本次计划的 {_num(planned)} 人天。"
                if decision.quota
                else decision.explanation,
                f"{_num(left)} person-days left this service year; the plan needs {_num(planned)}."
                if decision.quota
                else decision.explanation_en,
                code=decision.reason,
            )
        moment.status = MomentStatus.CONFIRMED
        moment.reserved_days = planned
        moment.year_start = decision.quota.period_start
        moment.year_end = decision.quota.period_end
        moment.confirmed_by = user
        moment.confirmed_at = now
        moment.save(
            update_fields=[
                "status",
                "reserved_days",
                "year_start",
                "year_end",
                "confirmed_by",
                "confirmed_at",
            ]
        )
    _notify(
        _customers_of(moment),
        "success.moment_confirmed",
        gettext_noop("关键时刻支持已确认：%(kind)s %(start)s"),
        _moment_fields(moment),
        body=moment.experts,
        url=f"/success/moments/{moment.pk}/",
    )
    return moment


def cancel_moment(user: User, moment: CriticalMoment, reason: str = "", *, now=None) -> CriticalMoment:
    """Cancelling releases the reservation; a delivered moment cannot be cancelled."""
    _ensure_member_or_manager(user, moment.organisation)
    with transaction.atomic():
        moment = CriticalMoment.objects.select_for_update().get(pk=moment.pk)
        if moment.status not in (MomentStatus.REQUESTED, MomentStatus.CONFIRMED):
            raise InvalidState(
                "该关键时刻支持已交付或已取消。", "The moment was already delivered or cancelled."
            )
        moment.status = MomentStatus.CANCELLED
        moment.reserved_days = Decimal(0)
        moment.cancelled_at = now or timezone.now()
        moment.cancel_reason = (reason or "").strip()[:300]
        moment.save(update_fields=["status", "reserved_days", "cancelled_at", "cancel_reason"])
    return moment


def parse_days(value) -> Decimal:
    try:
        days = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise SuccessError(
            "人天数格式不正确。", "The person-days are not a number.", code="invalid_days"
        ) from None
    if days <= 0 or days % HALF_DAY != 0:
        raise SuccessError(
            "人天数须为 0.5 的正整数倍。", "Person-days come in half days.", code="invalid_days"
        )
    return days


def deliver_moment(
    user: User, moment: CriticalMoment, *, days, work_done: str, summary: str, now: dt.datetime | None = None
) -> CriticalMoment:
    """Record the delivery and consume the person-days into the ledger, atomically (or nothing)."""
    _ensure_manager(user, moment.organisation)
    now = now or timezone.now()
    days = parse_days(days)
    work_done = _text(work_done, "支持内容", "work done")
    summary = _text(summary, "支持总结", "summary")
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=moment.organisation_id).values_list(
            "pk", flat=True
        ).get()
        moment = CriticalMoment.objects.select_for_update().get(pk=moment.pk)
        if moment.status != MomentStatus.CONFIRMED:
            raise InvalidState(
                "只有已确认的关键时刻可以登记交付。", "Only a confirmed moment can be delivered."
            )
        if days > moment.reserved_days:
            raise SuccessError(
                f"实际人天不能超过预留的 {_num(moment.reserved_days)} 人天。",
                f"Delivered days cannot exceed the {_num(moment.reserved_days)} reserved.",
                code="exceeds_reservation",
            )
        moment.status = MomentStatus.DELIVERED
        moment.reserved_days = Decimal(0)
        moment.save(update_fields=["status", "reserved_days"])
        try:
            consumption = consume_quota(
                moment.organisation,
                core.Request(CRITICAL_MOMENT, amount=days),
                at=_noon(moment.start_date),
                reference=f"CM-{moment.pk}",
                note=moment.get_kind_display(),
                recorded_by=user,
            )
        except EntitlementRefused as exc:
            raise _refuse(exc.decision) from None
        moment.delivered_at = now
        moment.delivered_days = days
        moment.work_done = work_done
        moment.summary = summary
        moment.usage = consumption.entry
        moment.save(update_fields=["delivered_at", "delivered_days", "work_done", "summary", "usage"])
    _notify(
        _customers_of(moment),
        "success.moment_delivered",
        gettext_noop("关键时刻支持已交付：%(kind)s %(start)s"),
        _moment_fields(moment),
        body=summary[:300],
        url=f"/success/moments/{moment.pk}/",
    )
    return moment


def _customers_of(moment: CriticalMoment):
    return moment.organisation.members.filter(is_active=True)


def _moment_fields(moment: CriticalMoment) -> dict:
    return {"kind": MomentKind(moment.kind).label, "start": moment.start_date.isoformat()}


def _num(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


# --- the annual service report ---------------------------------------------------------------------


def report_year(organisation: Organisation, as_of: dt.date) -> tuple[core.Decision, dt.date, dt.date]:
    """The service year containing ``as_of`` under the contract that grants the report."""
    decision = entitlement_for(organisation, core.Request(SERVICE_REPORT), _noon(as_of))
    if decision.quota is None or decision.reason not in (Reason.OK, Reason.QUOTA_EXHAUSTED):
        raise _refuse(decision)
    return decision, decision.quota.period_start, decision.quota.period_end


def generate_report(
    organisation: Organisation, as_of: dt.date, *, actor: User | None = None, now: dt.datetime | None = None
) -> ServiceReport:
    """Generate the service year's report as a draft (regenerated in place); refused once published."""
    if actor is not None:
        _ensure_manager(actor, organisation)
    now = now or timezone.now()
    decision, start, end = report_year(organisation, as_of)
    existing = ServiceReport.objects.filter(organisation=organisation, year_start=start).first()
    if existing and existing.status == ReportStatus.PUBLISHED:
        raise ReportAlreadyPublished(
            f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d} 服务年度的报告已发布，每个服务年度只提供一次。",
            f"The report for the service year {start} – {end} was already published (once a service year).",
        )
    figures = reports.annual_figures(organisation, start, end, as_of=min(as_of, end))
    suggestions = reports.suggestions(figures)
    with transaction.atomic():
        try:
            report, created = ServiceReport.objects.get_or_create(
                organisation=organisation,
                year_start=start,
                defaults={
                    "year_end": end,
                    "contract_id": int(decision.contract_id) if decision.contract_id else None,
                    "figures": figures,
                    "suggestions": suggestions,
                    "generated_at": now,
                    "generated_by": actor,
                },
            )
        except IntegrityError:  # a concurrent generation created it first
            report, created = ServiceReport.objects.get(organisation=organisation, year_start=start), False
        if not created:
            report = ServiceReport.objects.select_for_update().get(pk=report.pk)
            if report.status == ReportStatus.PUBLISHED:
                raise ReportAlreadyPublished(
                    "该服务年度的报告已发布。", "The report for this service year was already published."
                )
            report.year_end = end
            report.figures = figures
            report.suggestions = suggestions
            report.generated_at = now
            report.generated_by = actor
            report.save(update_fields=["year_end", "figures", "suggestions", "generated_at", "generated_by"])
    return report


def edit_suggestions(user: User, report: ServiceReport, suggestions: list[str]) -> ServiceReport:
    _ensure_manager(user, report.organisation)
    if report.status != ReportStatus.DRAFT:
        raise ReportAlreadyPublished("报告已发布，不能再修改。", "The report is published and cannot change.")
    cleaned = [s.strip()[:1000] for s in suggestions if s and s.strip()]
    if not cleaned:
        raise SuccessError("请至少保留一条改善建议。", "Keep at least one suggestion.", code="missing_field")
    report.suggestions = reports.keep_generated(report.suggestions, cleaned)
    report.save(update_fields=["suggestions"])
    return report


def publish_report(user: User, report: ServiceReport, *, now: dt.datetime | None = None) -> ServiceReport:
    """Publish once per service year: the report consumes the year's quota in the same transaction."""
    _ensure_manager(user, report.organisation)
    now = now or timezone.now()
    with transaction.atomic():
        report = ServiceReport.objects.select_for_update().get(pk=report.pk)
        if report.status == ReportStatus.PUBLISHED:
            raise ReportAlreadyPublished(
                "该服务年度的报告已发布。", "The report for this service year was already published."
            )
        at = now if report.year_start <= _today(now) <= report.year_end else _noon(report.year_end)
        try:
            consumption = consume_quota(
                report.organisation,
                core.Request(SERVICE_REPORT),
                at=at,
                reference=f"SR-{report.pk}",
                recorded_by=user,
            )
        except EntitlementRefused as exc:
            if exc.code == Reason.QUOTA_EXHAUSTED:
                raise ReportAlreadyPublished(exc.decision.explanation, exc.decision.explanation_en) from None
            raise _refuse(exc.decision) from None
        report.status = ReportStatus.PUBLISHED
        report.published_at = now
        report.published_by = user
        report.usage = consumption.entry
        report.save(update_fields=["status", "published_at", "published_by", "usage"])
    _notify(
        report.organisation.members.filter(is_active=True),
        "success.report_published",
        gettext_noop("专属服务报告已发布：%(start)s 至 %(end)s"),
        {"start": report.year_start.isoformat(), "end": report.year_end.isoformat()},
        url=f"/success/reports/{report.pk}/",
    )
    return report


# --- the health check ---------------------------------------------------------------------------------


def _parse_instant(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        at = value
    else:
        try:
            at = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise SuccessError("时间格式不正确。", "The time is not valid.", code="invalid_date") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=BEIJING)
    return at


def propose_check(
    user: User, organisation: Organisation, when, *, now: dt.datetime | None = None
) -> HealthCheck:
    """Either side proposes a time; the quota is checked now and consumed when the reports are issued."""
    _ensure_member_or_manager(user, organisation)
    now = now or timezone.now()
    at = _parse_instant(when)
    if at < now:
        raise SuccessError(
            "建议时间不能早于现在。", "The proposed time is in the past.", code="invalid_dates"
        )
    decision = entitlement_for(organisation, core.Request(HEALTH_CHECK), at)
    if not decision.allowed:
        raise _refuse(decision)
    if HealthCheck.objects.filter(
        organisation=organisation, status__in=[CheckStatus.PROPOSED, CheckStatus.CONFIRMED]
    ).exists():
        raise InvalidState(
            "已有一个进行中的健康检查。", "A health check is already under way.", code="check_in_progress"
        )
    return HealthCheck.objects.create(
        organisation=organisation,
        proposed_at=at,
        proposed_by=user,
        year_start=decision.quota.period_start if decision.quota else None,
        year_end=decision.quota.period_end if decision.quota else None,
        created_at=now,
    )


def confirm_check(user: User, check: HealthCheck, *, now=None) -> HealthCheck:
    """The other side confirms the proposed time (the customer a manager's proposal, and vice versa)."""
    _ensure_member_or_manager(user, check.organisation)
    if check.status != CheckStatus.PROPOSED:
        raise InvalidState("该健康检查的时间已确认。", "The time was already confirmed.")
    if user.is_customer == check.proposed_by.is_customer:
        raise NotAllowed(
            "请由对方确认建议的时间。",
            "The other side confirms the proposed time.",
            code="confirm_by_other_side",
        )
    check.status = CheckStatus.CONFIRMED
    check.confirmed_at = now or timezone.now()
    check.confirmed_by = user
    check.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    return check


def upload_inspection(user: User, check: HealthCheck, raw: bytes, *, now=None) -> HealthCheck:
    """Accept an inspection bundle (from the portal or posted with a token): validated before anything is kept."""
    _ensure_member_or_manager(user, check.organisation)
    if check.status != CheckStatus.CONFIRMED:
        raise InvalidState(
            "请在约定时间确认后上传巡检数据。", "Upload the bundle once the time is confirmed."
        )
    bundle = inspection_rules.parse_bundle(raw, check.organisation.code)
    check.inspection = bundle
    check.inspection_findings = [f.as_json() for f in inspection_rules.evaluate(bundle)]
    check.inspected_at = now or timezone.now()
    check.save(update_fields=["inspection", "inspection_findings", "inspected_at"])
    return check


def run_diagnosis(user: User, check: HealthCheck, connection_string: str, *, now=None) -> HealthCheck:
    """Run the business-diagnosis rule packs over the customer's ERP database, read-only."""
    from successhub.success.diagnosis import runner

    _ensure_manager(user, check.organisation)
    if check.status != CheckStatus.CONFIRMED:
        raise InvalidState(
            "请在约定时间确认后进行业务诊断。", "Run the diagnosis once the time is confirmed."
        )
    result = runner.diagnose(connection_string, as_of=_today(now or timezone.now()))
    check.diagnosis_findings = [f.as_json() for f in result.findings]
    check.diagnosis_overview = result.overview
    check.diagnosed_at = now or timezone.now()
    check.save(update_fields=["diagnosis_findings", "diagnosis_overview", "diagnosed_at"])
    return check


def complete_check(user: User, check: HealthCheck, *, now: dt.datetime | None = None) -> HealthCheck:
    """Issue both reports: the year's health-check quota is consumed with the status change, or neither."""
    _ensure_manager(user, check.organisation)
    now = now or timezone.now()
    with transaction.atomic():
        check = HealthCheck.objects.select_for_update().get(pk=check.pk)
        if check.status != CheckStatus.CONFIRMED:
            raise InvalidState(
                "只有已确认时间的健康检查可以出具报告。", "Only a confirmed check can be completed."
            )
        if check.inspection is None or check.diagnosed_at is None:
            raise InvalidState(
                "请先完成系统巡检与业务诊断。",
                "Run both the inspection and the diagnosis first.",
                code="check_incomplete",
            )
        try:
            consumption = consume_quota(
                check.organisation,
                core.Request(HEALTH_CHECK),
                at=max(check.proposed_at, check.created_at),
                reference=f"HC-{check.pk}",
                recorded_by=user,
            )
        except EntitlementRefused as exc:
            raise _refuse(exc.decision) from None
        check.status = CheckStatus.COMPLETED
        check.completed_at = now
        check.usage = consumption.entry
        check.year_start = consumption.decision.quota.period_start
        check.year_end = consumption.decision.quota.period_end
        try:
            with transaction.atomic():
                check.save(update_fields=["status", "completed_at", "usage", "year_start", "year_end"])
        except IntegrityError:
            raise EntitlementDenied(
                "本服务年度的健康检查已完成。",
                "This service year's health check is done.",
                code=Reason.QUOTA_EXHAUSTED,
            ) from None
    _notify(
        check.organisation.members.filter(is_active=True),
        "success.health_check_done",
        gettext_noop("系统健康检查报告已出具（业务诊断报告与系统巡检报告）"),
        {},
        url=f"/success/checks/{check.pk}/",
    )
    return check


def cancel_check(user: User, check: HealthCheck) -> HealthCheck:
    _ensure_member_or_manager(user, check.organisation)
    if check.status not in (CheckStatus.PROPOSED, CheckStatus.CONFIRMED):
        raise InvalidState("该健康检查不能取消。", "This check cannot be cancelled.")
    check.status = CheckStatus.CANCELLED
    check.save(update_fields=["status"])
    return check
