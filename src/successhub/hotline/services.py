"""State changes at the hotline desk: taking a call (and using the fatal-fault quota), verifying a
caller, turning a call into a ticket or a demand, and the telephone system's CTI events.

Every function takes the acting engineer; the quota is used through ``contracts.services.consume_quota``
in the same transaction as the call record, so concurrent calls get exactly what is left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import yaml
from django.db import transaction
from django.utils import timezone

from successhub.accounts.models import Organisation, Role, User
from successhub.accounts.services import VerificationError, confirm_verification_code, send_verification_code
from successhub.catalog.loader import get_catalog
from successhub.contracts.selectors import entitlement_for, entitlements_for
from successhub.contracts.services import EntitlementRefused, consume_quota
from successhub.core import entitlements as core
from successhub.core.reasons import Reason
from successhub.core.scenario import decision_to_json
from successhub.hotline.errors import CallerNotVerified, CallRefused, HotlineError, InvalidInput, NotDeskStaff
from successhub.hotline.models import Call, CallStatus, Classification, Outcome

HOTLINE = "hotline"
DESK_ROLES = frozenset({Role.SUPPORT_ENGINEER, Role.TECHNICAL_MANAGER, Role.SERVICE_ADMIN})
SUMMARY_MAX = 2000


def is_desk_staff(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in DESK_ROLES)


def ensure_desk_staff(user: User | None) -> None:
    if not is_desk_staff(user):
        raise NotDeskStaff(
            "只有热线坐席（技术支持工程师、技术经理、服务管理员）可以处理来电。",
            "Only the hotline desk (support engineers, technical managers, service admins) handles calls.",
        )


# --- scripts ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def scripts() -> dict:
    text = resources.files("successhub.hotline").joinpath("data", "scripts.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Route:
    service: str
    name: str
    text: str


@dataclass(frozen=True)
class RefusalScript:
    """What the engineer reads to a refused caller, and the routes that do apply to them."""

    code: str
    text: str
    definition: str
    routes: tuple[Route, ...]
    renews_on: dt.date | None


def hotline_phone() -> str:
    item = get_catalog().any_definition("smart_service")
    return (item.phone if item else "") or ""


def renews_on(decision: core.Decision) -> dt.date | None:
    """The day the quota starts again: the next service year, if a contract is in force then."""
    if decision.quota is None:
        return None
    return decision.quota.period_end + dt.timedelta(days=1)


def refusal_script(
    organisation: Organisation, decision: core.Decision, language: str = "zh", at: dt.datetime | None = None
) -> RefusalScript:
    lang = "en" if language.startswith("en") else "zh"
    data = scripts()
    definition = data["fatal_fault_definition"][lang]
    explanation = decision.explanation_en if lang == "en" else decision.explanation
    renews = renews_on(decision) if decision.reason == Reason.QUOTA_EXHAUSTED else None
    template = data.get(decision.reason, data["other"])[lang]
    text = template.format(definition=definition, explanation=explanation, renews_on=renews or "")
    decisions = {d.service: d for d in entitlements_for(organisation, at)}
    routes = []
    for route in data["routes"]:
        service = route["service"]
        if "channel" in route:
            route_decision = entitlement_for(
                organisation, core.Request(service=service, channel=route["channel"]), at
            )
        else:
            route_decision = decisions.get(service)
        item = route_decision.item if route_decision else None
        if route_decision is None or not route_decision.allowed or item is None:
            continue
        hours = get_catalog().labels.name("schedule_names", item.schedule, lang) if item.schedule else ""
        routes.append(
            Route(service, item.name.get(lang), route[lang].format(phone=hotline_phone(), hours=hours))
        )
    return RefusalScript(decision.reason, text, definition, tuple(routes), renews)


# --- callers ---------------------------------------------------------------------------------------


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "+")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits[:30]


def customer_by_phone(phone: str, organisation: Organisation | None = None) -> User | None:
    """The customer user whose phone on file is this number (verified ones first)."""
    phone = normalise_phone(phone)
    if not phone:
        return None
    qs = User.objects.filter(phone=phone, role__in=[Role.CUSTOMER_USER, Role.CUSTOMER_ADMIN], is_active=True)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    return qs.select_related("organisation").order_by("phone_verified_at", "id").last()


def send_caller_code(engineer: User, caller: User) -> str:
    """SMS a code to the caller's phone on file; the caller reads it back to the engineer."""
    ensure_desk_staff(engineer)
    if not caller.is_customer:
        raise InvalidInput("只能为客户用户发送验证码。", "Codes are sent to customer users only.")
    if not caller.phone:
        raise InvalidInput(
            "该用户没有登记手机号，请引导其在门户完成注册认证。",
            "This user has no phone on file; ask them to verify on the portal.",
            code="missing_target",
        )
    try:
        sent = send_verification_code(caller, "phone", caller.phone)
    except VerificationError as exc:
        raise InvalidInput(str(exc), str(exc), code=exc.code) from None
    return sent.target


def confirm_caller_code(engineer: User, caller: User, code: str) -> User:
    ensure_desk_staff(engineer)
    try:
        return confirm_verification_code(caller, "phone", code)
    except VerificationError as exc:
        raise InvalidInput(str(exc), str(exc), code=exc.code) from None


# --- taking a call ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TakenCall:
    call: Call
    decision: core.Decision
    quota_left: Decimal | None


def _quota_left(decision: core.Decision, used_now: Decimal) -> Decimal | None:
    if decision.quota is None:
        return None
    return max(decision.quota.remaining - used_now, Decimal(0))


def take_call(
    *,
    engineer: User,
    organisation: Organisation,
    fatal: bool,
    summary: str,
    caller: User | None = None,
    caller_phone: str = "",
    classification: str | None = None,
    call: Call | None = None,
    at: dt.datetime | None = None,
) -> TakenCall:
    """Classify a call and decide it: a refusal raises ``CallRefused`` (the refused call is recorded,
    nothing is used); an accepted call uses one unit of the quota, if the plan meters it, in the same
    transaction as the call record."""
    ensure_desk_staff(engineer)
    at = at or timezone.now()
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput("请填写问题摘要。", "A summary of the problem is required.")
    if len(summary) > SUMMARY_MAX:
        raise InvalidInput(
            f"问题摘要不能超过 {SUMMARY_MAX} 个字。", f"The summary is at most {SUMMARY_MAX} characters."
        )
    classification = classification or (
        Classification.FATAL_FAULT if fatal else Classification.PRODUCT_PROBLEM
    )
    if classification not in Classification.values or classification == Classification.UNCLASSIFIED:
        raise InvalidInput("未知的问题分类。", "Unknown classification.", code="unknown_classification")
    caller_phone = normalise_phone(caller_phone or (caller.phone if caller else ""))
    if caller is None and caller_phone:
        caller = customer_by_phone(caller_phone, organisation)
        if caller is None:
            raise CallerNotVerified(
                "该号码不是此客户组织已注册用户的手机号：请先在组织成员中找到来电人并完成短信验证。",
                "This number is not the phone of a registered user of the organisation: find the caller "
                "among its members and verify them by SMS first.",
            )
    if caller is not None:
        if caller.organisation_id != organisation.pk:
            raise InvalidInput(
                "来电人不属于该客户组织。",
                "The caller is not a member of this organisation.",
                code="caller_not_in_organisation",
            )
        if not caller.is_verified:
            raise CallerNotVerified(
                "服务仅面向经注册认证的用户：请先向来电人的手机发送验证码并核对。",
                "Service is for verified users only: send a code to the caller's phone and check it first.",
            )
    if call is not None and call.outcome:
        raise HotlineError(
            "这通来电已处理。", "This call has already been handled.", code="already_handled", status=409
        )
    request = core.Request(service=HOTLINE, fatal=fatal)
    fields = {
        "organisation": organisation,
        "caller": caller,
        "caller_phone": caller_phone or (call.caller_phone if call else ""),
        "engineer": engineer if call is None or call.engineer_id is None else call.engineer,
        "classification": classification,
        "fatal": fatal,
        "summary": summary,
        "handled_at": at,
    }
    try:
        with transaction.atomic():
            record = _call_row(call, at, fields)
            consumption = consume_quota(
                organisation,
                request,
                at=at,
                reference=f"hotline-call:{record.pk}",
                note=summary[:300],
                recorded_by=engineer,
            )
            record.usage_entry = consumption.entry
            record.outcome = Outcome.ACCEPTED
            record.decision = decision_to_json(consumption.decision)
            record.save()
    except EntitlementRefused as refused:
        decision = refused.decision
        with transaction.atomic():
            record = _call_row(call, at, fields)
            record.outcome = Outcome.REFUSED
            record.refusal_code = decision.reason
            record.decision = decision_to_json(decision)
            record.save()
        renews = renews_on(decision) if decision.reason == Reason.QUOTA_EXHAUSTED else None
        detail = {"decision": decision_to_json(decision), "call": record.pk}
        if renews:
            detail["renews_on"] = renews.isoformat()
        raise CallRefused(
            decision.reason,
            decision.explanation,
            decision.explanation_en,
            call=record,
            decision=decision,
            detail=detail,
        ) from None
    used = consumption.entry.amount if consumption.entry else Decimal(0)
    return TakenCall(record, consumption.decision, _quota_left(consumption.decision, used))


def _call_row(call: Call | None, at: dt.datetime, fields: dict) -> Call:
    if call is None:
        return Call.objects.create(started_at=at, answered_at=at, status=CallStatus.ANSWERED, **fields)
    record = Call.objects.select_for_update().get(pk=call.pk)
    if record.outcome:
        raise HotlineError(
            "这通来电已处理。", "This call has already been handled.", code="already_handled", status=409
        )
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()
    return record


def end_call(engineer: User, call: Call, at: dt.datetime | None = None) -> Call:
    """A call typed in at the desk ends when the engineer says so (CTI calls end by their hang-up)."""
    ensure_desk_staff(engineer)
    if call.cti_call_id or call.ended_at:
        return call
    call.ended_at = at or timezone.now()
    call.status = CallStatus.ENDED
    call.save(update_fields=["ended_at", "status"])
    return call


# --- a call becomes a ticket or a demand -------------------------------------------------------------


def call_to_ticket(
    engineer: User, call: Call, *, product: str, category: str, title: str, description: str = ""
):
    """File an online ticket for the caller through the hotline channel (the engine decides)."""
    from successhub.tickets.errors import TicketError
    from successhub.tickets.models import Channel, ContactPreference
    from successhub.tickets.services import filing as tickets

    ensure_desk_staff(engineer)
    if call.ticket_id or call.idea_id:
        raise HotlineError(
            "这通来电已转为工单或需求。",
            "This call already became a ticket or a demand.",
            code="already_converted",
            status=409,
        )
    if call.caller is None:
        raise CallerNotVerified(
            "转工单需要确认来电人（经注册认证的客户用户）。",
            "A ticket needs the caller identified as a verified customer user.",
        )
    try:
        ticket = tickets.file_ticket(
            requester=call.caller,
            filed_by=engineer,
            product_code=product,
            category=category,
            title=title,
            description=description or call.summary,
            channel=Channel.HOTLINE,
            contact_preference=ContactPreference.PHONE,
        )
    except TicketError as exc:
        raise HotlineError(exc.message_zh, exc.message_en, code=exc.code, status=exc.status) from None
    Call.objects.filter(pk=call.pk).update(ticket=ticket, outcome=Outcome.TICKET)
    call.ticket, call.outcome = ticket, Outcome.TICKET
    return ticket


def call_to_idea(
    engineer: User, call: Call, *, title: str, description: str = "", product: str | None = None
):
    """Record the caller's demand in the innovation square through the hotline channel."""
    from successhub.community import services as community
    from successhub.community.errors import CommunityError

    ensure_desk_staff(engineer)
    if call.ticket_id or call.idea_id:
        raise HotlineError(
            "这通来电已转为工单或需求。",
            "This call already became a ticket or a demand.",
            code="already_converted",
            status=409,
        )
    if call.organisation is None:
        raise InvalidInput(
            "请先确定来电的客户组织。",
            "Identify the caller's organisation first.",
            code="organisation_required",
        )
    try:
        idea = community.propose_idea(
            engineer,
            product or None,
            title,
            description or call.summary,
            channel=HOTLINE,
            organisation=call.organisation,
        )
    except CommunityError as exc:
        message = str(exc)
        raise HotlineError(message, message, code=exc.code, status=exc.status) from None
    Call.objects.filter(pk=call.pk).update(
        idea=idea, outcome=Outcome.IDEA, classification=Classification.DEMAND
    )
    call.idea, call.outcome = idea, Outcome.IDEA
    return idea
