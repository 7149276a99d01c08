"""The smart customer-service bot: answer from the knowledge base, or hand off to a person.

``ask`` retrieves the best passages the user may see, and answers by quoting
them with links (or, when an LLM endpoint is configured, lets it write the
answer from those passages, citing them). Below the ranker's confidence
threshold it says it does not know and offers a hand-off instead of guessing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from successhub.assistant import llm
from successhub.assistant.demand import demand_text, file_from_bot
from successhub.assistant.handoff import (
    COMMUNITY,
    HOTLINE,
    HUMAN_CHANNELS,
    IM_SERVICE,
    LOGIN,
    TICKET,
    VERIFY,
    Right,
    Situation,
    decide_handoff,
    looks_fatal,
)
from successhub.assistant.models import Conversation, Message
from successhub.assistant.retrieval import knowledge_base
from successhub.catalog.loader import get_catalog
from successhub.search.ranking import CONFIDENCE_THRESHOLD

MAX_QUESTION = 500
SECOND_SOURCE_RATIO = 0.8
TICKET_TITLE_MAX = 80
TICKET_DESCRIPTION_MAX = 2000

NOT_SURE = gettext_lazy(
    "抱歉，我还不能确定答案。为避免误导您，我没有直接作答；您可以换个说法再问，或者选择下面的方式联系人工服务。"
)


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    kind: str
    quote: str


@dataclass(frozen=True)
class HandoffOption:
    kind: str
    label: str
    url: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Handoff:
    kind: str
    message: str
    options: tuple[HandoffOption, ...] = ()
    note: str = ""
    hotline_number: str = ""
    hotline_remaining: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class BotReply:
    text: str
    sources: list[dict] = field(default_factory=list)
    confident: bool = False
    confidence: float = 0.0
    handoff: Handoff | None = None
    message_id: int | None = None
    fatal: bool = False


# --- conversations ------------------------------------------------------------------


def conversation_for(user, session_key: str, conversation_id: int | None = None) -> Conversation:
    """The caller's current conversation (by id if it is theirs), or a new one."""
    signed_in = user is not None and user.is_authenticated
    if conversation_id:
        qs = Conversation.objects.filter(pk=conversation_id)
        qs = qs.filter(user=user) if signed_in else qs.filter(user__isnull=True, session_key=session_key)
        found = qs.first()
        if found is not None:
            return found
    return Conversation.objects.create(
        user=user if signed_in else None,
        session_key=session_key or "",
        organisation=getattr(user, "organisation", None) if signed_in else None,
    )


@transaction.atomic
def ask(conversation: Conversation, text: str, fatal: bool = False) -> BotReply:
    """Answer ``text`` in ``conversation`` and keep both messages."""
    text = (text or "").strip()[:MAX_QUESTION]
    demand = demand_text(text)
    if demand is not None:
        return _demand_reply(conversation, text, demand)
    user = conversation.user
    fatal = fatal or looks_fatal(text)
    question = Message.objects.create(
        conversation=conversation, role=Message.Role.USER, text=text, fatal=fatal
    )
    refusal = service_refusal(user)
    if refusal is not None:
        return _refuse(conversation, question, refusal, fatal)
    found = knowledge_base().search(text, user, top=3) if text else []
    best = found[0][1].score if found else 0.0
    confident = best >= CONFIDENCE_THRESHOLD
    sources: list[dict] = []
    if confident:
        chosen = [found[0]]
        for passage, hit in found[1:]:
            if hit.score >= best * SECOND_SOURCE_RATIO and passage.object_id != chosen[0][0].object_id:
                chosen.append((passage, hit))
                break
        sources = [asdict(Source(p.title, p.url, p.kind, p.text)) for p, _hit in chosen]
        answer = llm.compose_answer(text, sources) or _extractive_answer(sources)
    else:
        answer = str(NOT_SURE)
    handoff = None
    if not confident or fatal:
        handoff = handoff_for(conversation, fatal=fatal)
    reply = Message.objects.create(
        conversation=conversation,
        role=Message.Role.BOT,
        text=answer,
        in_reply_to=question,
        sources=sources,
        confidence=round(best, 4),
        confident=confident,
        fatal=fatal,
        handoff=handoff.as_dict() if handoff else None,
    )
    if handoff:
        _record_handoff(conversation, handoff)
    conversation.save(update_fields=["updated_at"])
    return BotReply(answer, sources, confident, round(best, 4), handoff, reply.pk, fatal)


def _demand_reply(conversation: Conversation, text: str, demand: str) -> BotReply:
    """需求聆听 through the bot (see ``successhub.assistant.demand``)."""
    question = Message.objects.create(conversation=conversation, role=Message.Role.USER, text=text)
    answer, handoff = file_from_bot(conversation, demand)
    reply = Message.objects.create(conversation=conversation, role=Message.Role.BOT, text=answer,
                                   in_reply_to=question, confident=True, handoff=handoff.as_dict())
    conversation.save(update_fields=["updated_at"])
    return BotReply(answer, [], True, 1.0, handoff, reply.pk, False)


def service_refusal(user):
    """The engine's refusal of 智能客服 for a signed-in customer user (verification, region, contract), or None.

    Visitors and staff are not decided: the bot answers from public knowledge for them.
    """
    if user is None or not user.is_authenticated or not user.is_customer or user.organisation_id is None:
        return None
    from successhub.contracts.selectors import entitlement_for
    from successhub.core import entitlements as core

    decision = entitlement_for(user.organisation, core.Request(service="smart_service"), user=user)
    return None if decision.allowed else decision


def _refuse(conversation: Conversation, question: Message, decision, fatal: bool) -> BotReply:
    english = (get_language() or "").startswith("en")
    answer = decision.explanation_en if english else decision.explanation
    # An unverified user is shown the way to verify (the hand-off table's first rule for them).
    handoff = handoff_for(conversation, fatal=fatal) if decision.reason == "not_verified" else None
    reply = Message.objects.create(
        conversation=conversation,
        role=Message.Role.BOT,
        text=answer,
        in_reply_to=question,
        sources=[],
        confidence=0,
        confident=False,
        fatal=fatal,
        handoff=handoff.as_dict() if handoff else None,
    )
    conversation.save(update_fields=["updated_at"])
    return BotReply(answer, [], False, 0.0, handoff, reply.pk, fatal)


def _extractive_answer(sources: list[dict]) -> str:
    if len(sources) == 1:
        return f"{sources[0]['quote']} [1]"
    return "\n\n".join(f"{source['quote']} [{number}]" for number, source in enumerate(sources, start=1))


def rate(conversation: Conversation, message_id: int, rating: int) -> Message:
    if rating not in (1, -1):
        raise ValueError("rating must be 1 or -1")
    message = conversation.messages.get(pk=message_id, role=Message.Role.BOT)
    message.rating = rating
    message.save(update_fields=["rating"])
    return message


def request_handoff(conversation: Conversation, fatal: bool = False) -> Handoff:
    """The user asks for a person (the answer did not help, or the fault is fatal)."""
    fatal = fatal or conversation.messages.filter(role=Message.Role.USER, fatal=True).exists()
    handoff = handoff_for(conversation, fatal=fatal)
    Message.objects.create(
        conversation=conversation,
        role=Message.Role.SYSTEM,
        text=handoff.message,
        handoff=handoff.as_dict(),
        fatal=fatal,
    )
    _record_handoff(conversation, handoff)
    return handoff


def _record_handoff(conversation: Conversation, handoff: Handoff) -> None:
    # A conversation counts as handed off (not deflected) once a person's channel was offered.
    if handoff.kind in HUMAN_CHANNELS and not conversation.handed_off_at:
        conversation.handoff = handoff.kind
        conversation.handed_off_at = timezone.now()
        conversation.save(update_fields=["handoff", "handed_off_at", "updated_at"])


# --- hand-off ------------------------------------------------------------------------


def situation_for(user, fatal: bool, at=None) -> Situation:
    signed_in = user is not None and user.is_authenticated
    if not signed_in:
        return Situation(signed_in=False, fatal=fatal)
    if not user.is_customer or user.organisation_id is None:
        return Situation(signed_in=True, is_customer=False, fatal=fatal)
    if not user.is_verified:
        return Situation(signed_in=True, verified=False, fatal=fatal)
    from successhub.contracts.selectors import entitlements_for

    decisions = {d.service: d for d in entitlements_for(user.organisation, at)}
    plans = {d.plan for d in decisions.values() if d.allowed and d.plan}
    return Situation(
        signed_in=True,
        fatal=fatal,
        plan="advanced" if "advanced" in plans else next(iter(plans), None),
        im_service=Right.from_decision(decisions.get("im_service")),
        online_ticket=Right.from_decision(decisions.get("online_ticket")),
        hotline=Right.from_decision(decisions.get("hotline")),
    )


def handoff_for(conversation: Conversation, fatal: bool = False, at=None) -> Handoff:
    """Where to send the user now (``at``: the instant, for tests and replays)."""
    situation = situation_for(conversation.user, fatal, at)
    decision = decide_handoff(situation)
    options = tuple(_option(kind, conversation, situation) for kind in decision.options)
    message = str(_MESSAGES[decision.kind])
    if decision.refused:  # the reason table asks to say why the expected channel is refused
        message = f"{getattr(situation, decision.refused).explanation} {message}"
    elif decision.note == "im_closed":
        next_open = situation.im_service.next_open
        when = ""
        if next_open:
            when = _("，下次开放：%(at)s") % {"at": f"{timezone.localtime(next_open):%m-%d %H:%M}"}
        message = _("IM 人工服务现在不在服务时间（%(schedule)s）%(when)s。%(message)s") % {
            "schedule": _schedule_label(_schedule_of(situation.im_service, "im_service")),
            "when": when,
            "message": message,
        }
    remaining = situation.hotline.remaining
    is_hotline = decision.kind == HOTLINE
    return Handoff(
        kind=decision.kind,
        message=message,
        options=options,
        note=decision.note,
        hotline_number=_hotline_number() if is_hotline else "",
        hotline_remaining=_number(remaining) if is_hotline and remaining is not None else "",
    )


_MESSAGES = {
    LOGIN: gettext_lazy(
        "登录并完成认证后，我可以根据您企业的服务权益为您转接人工服务；您也可以先在金蝶云社区提问。"
    ),
    VERIFY: gettext_lazy("您的账号还未完成注册认证。完成手机或邮箱验证后，即可使用您企业的人工服务权益。"),
    HOTLINE: gettext_lazy("这看起来是致命故障（系统大面积不可用或异常阻塞）。请立即拨打热线紧急救援。"),
    IM_SERVICE: gettext_lazy("IM 人工服务现在在线，可以直接与技术支持工程师沟通。"),
    TICKET: gettext_lazy("您可以提交在线工单，我已把对话内容填好，工程师会在服务时间内联系您。"),
    COMMUNITY: gettext_lazy(
        "您的服务计划不含人工在线服务。建议在金蝶云社区发帖提问，社区专家和其他用户会帮您解答。"
    ),
}


def _option(kind: str, conversation: Conversation, situation: Situation) -> HandoffOption:
    if kind == TICKET:
        return HandoffOption(TICKET, _("提交在线工单"), ticket_url(conversation), _ticket_detail(situation))
    if kind == IM_SERVICE:
        # The chat page checks the im_service decision again; the conversation comes along as context.
        url = (
            _reverse_or("chat:start", "")
            + f"?{urlencode({'entry': 'in_product', 'conversation': conversation.pk})}"
        )
        schedule = _schedule_of(situation.im_service, "im_service")
        detail = _("服务时间 %(schedule)s，现在在线") % {"schedule": _schedule_label(schedule)}
        return HandoffOption(IM_SERVICE, _("转 IM 人工服务"), url, detail)
    if kind == HOTLINE:
        remaining = situation.hotline.remaining
        detail = _schedule_label(_schedule_of(situation.hotline, "hotline"))
        if remaining is not None:
            detail += _("，本服务年度剩余 %(count)s 次") % {"count": _number(remaining)}
        number = _hotline_number()
        label = _("拨打热线 %(number)s") % {"number": number}
        return HandoffOption(HOTLINE, label, "tel:" + number.replace("-", ""), detail)
    if kind == LOGIN:
        return HandoffOption(LOGIN, _("登录"), _reverse_or("login", "/accounts/login/"), "")
    if kind == VERIFY:
        return HandoffOption(VERIFY, _("完成认证"), _reverse_or("verify", "/me/verify/"), "")
    return HandoffOption(COMMUNITY, _("去社区提问"), community_url(conversation), "")


def ticket_url(conversation: Conversation) -> str:
    """The new-ticket form, pre-filled with the conversation."""
    base = _reverse_or("tickets:portal_new", "/tickets/new/")
    params = ticket_prefill(conversation)
    return f"{base}?{urlencode(params)}" if params else base


def ticket_prefill(conversation: Conversation) -> dict:
    messages = list(conversation.messages.order_by("created_at", "id"))
    questions = [m for m in messages if m.role == Message.Role.USER and m.text]
    if not questions:
        return {}
    title = questions[0].text.replace("\n", " ")
    if len(title) > TICKET_TITLE_MAX:
        title = title[: TICKET_TITLE_MAX - 1] + "…"
    lines = ["（来自智能客服对话）"]
    for message in messages:
        if message.role == Message.Role.USER:
            lines.append(f"用户：{message.text}")
        elif message.role == Message.Role.BOT:
            source = f"（参考：{message.sources[0]['title']}）" if message.sources else ""
            lines.append(f"智能客服：{message.text[:200]}{source}")
    description = "\n".join(lines)[:TICKET_DESCRIPTION_MAX]
    params = {"title": title, "description": description}
    product = _conversation_product(conversation)
    if product:
        params["product"] = product
    return params


def _conversation_product(conversation: Conversation) -> str:
    organisation = conversation.organisation
    if organisation is None:
        return ""
    codes = list(organisation.deployments.values_list("product__code", flat=True).distinct()[:2])
    return codes[0] if len(codes) == 1 else ""


def community_url(conversation: Conversation) -> str:
    base = _reverse_or("community:ask", "")
    if not base:
        return _reverse_or("community:index", "/community/")
    first = conversation.messages.filter(role=Message.Role.USER).order_by("created_at", "id").first()
    return f"{base}?{urlencode({'title': first.text[:TICKET_TITLE_MAX]})}" if first else base


def _reverse_or(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _schedule_label(code: str | None) -> str:
    language = "en" if (get_language() or "zh").startswith("en") else "zh"
    return get_catalog().labels.name("schedules", code, language) if code else ""


def _schedule_of(right, service: str) -> str | None:
    """The schedule of the customer's decision, else the catalog's definition of the service."""
    if right.schedule:
        return right.schedule
    item = get_catalog().any_definition(service)
    return item.schedule if item else None


def _ticket_detail(situation: Situation) -> str:
    """服务时间 and the first-response target of online tickets, from the customer's plan."""
    right = situation.online_ticket
    schedule = _schedule_of(right, "online_ticket")
    minutes = right.first_response_minutes
    if minutes is None:
        item = get_catalog().any_definition("online_ticket")
        minutes = item.first_response.working_minutes if item and item.first_response else None
    definition = get_catalog().labels.service_hours.get(schedule or "")
    if minutes is None or definition is None:
        return _("服务时间 %(schedule)s") % {"schedule": _schedule_label(schedule)}
    days = Decimal(minutes * 60) / definition.day_seconds
    return _("服务时间 %(schedule)s，%(days)s 个工作日内首次响应") % {
        "schedule": _schedule_label(schedule),
        "days": _number(days),
    }


def _hotline_number() -> str:
    """The hotline's number, as the catalog states it."""
    item = get_catalog().any_definition("hotline")
    return item.phone if item and item.phone else ""


def _number(value) -> str:
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


# --- staff: unanswered questions ------------------------------------------------------


class FaqUnavailable(Exception):
    """The community's FAQ model is not installed."""


@transaction.atomic
def turn_into_faq(message_id: int, question: str, answer: str, product: str | None = None):
    """Create an FAQ entry from a question the bot could not answer (indexed at once by the search signals)."""
    from successhub.assistant.selectors import faq_model

    faq_class = faq_model()
    if faq_class is None:
        raise FaqUnavailable
    message = Message.objects.select_for_update().get(pk=message_id, role=Message.Role.BOT)
    fields = {
        "key": f"assistant-{message.pk}-{timezone.now():%Y%m%d%H%M%S}",
        "question": question[:300],
        "answer": answer,
    }
    if product:
        from successhub.contracts.models import Product

        fields["product"] = Product.objects.filter(code=product).first()
    faq = faq_class.objects.create(**fields)
    message.resolved_faq_id = faq.pk
    message.save(update_fields=["resolved_faq_id"])
    return faq


def dismiss_unanswered(message_id: int) -> None:
    Message.objects.filter(pk=message_id, role=Message.Role.BOT).update(dismissed_at=timezone.now())
