"""State changes in IM human service: starting a chat (the engine's ``im_service`` decision, open
now), posting messages (stored, numbered, then sent on), accepting, transferring and ending chats,
agents' availability, ratings, and turning a chat into a ticket.

The realtime layer (``consumers``) calls these and only then broadcasts what was stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, F, Q
from django.utils import timezone

from successhub.accounts.models import Role, User
from successhub.catalog.loader import get_catalog
from successhub.chat.errors import ChatError, NotAllowed
from successhub.chat.models import (
    AgentStatus,
    ChatMessage,
    ChatSession,
    Entry,
    Presence,
    Sender,
    SessionStatus,
)
from successhub.contracts.models import Deployment
from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.core.entitlements import BEIJING
from successhub.core.scenario import decision_to_json

logger = logging.getLogger("successhub.chat")

SERVICE = "im_service"
AGENT_ROLES = frozenset({Role.SUPPORT_ENGINEER, Role.TECHNICAL_MANAGER, Role.SERVICE_ADMIN})
QUEUE_GROUP = "chat.queue"


def max_message_chars() -> int:
    return int(getattr(settings, "CHAT_MAX_MESSAGE_CHARS", 4000))


def default_handle_minutes() -> float:
    return float(getattr(settings, "CHAT_DEFAULT_HANDLE_MINUTES", 6))


def is_agent(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in AGENT_ROLES)


def ensure_agent(user: User | None) -> None:
    if not is_agent(user):
        raise NotAllowed("只有技术支持工程师可以接待 IM 会话。", "Only support engineers serve IM chats.")


# --- may this customer chat now? ---------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    open_now: bool
    code: str
    explanation: str
    explanation_en: str
    next_open: dt.datetime | None
    products: tuple[str, ...]
    decision: core.Decision | None = None


def chat_products(user: User) -> tuple[str, ...]:
    """The products this customer's organisation has deployed that IM covers (catalog data)."""
    item = get_catalog().any_definition(SERVICE)
    covered = set(item.products or ()) if item else set()
    deployed = Deployment.objects.filter(organisation_id=user.organisation_id).values_list(
        "product__code", flat=True
    )
    parents = get_catalog().labels.product_parents
    found = []
    for code in deployed:
        for candidate in [code, *[child for child, parent in parents.items() if parent == code]]:
            if candidate in covered and candidate not in found:
                found.append(candidate)
    return tuple(found)


def eligibility(user: User, product: str | None, entry: str, at: dt.datetime | None = None) -> Eligibility:
    """The engine's ``im_service`` decision for this user, product and entry, and whether it is open now."""
    if not user.is_authenticated or not user.is_customer:
        return Eligibility(
            False,
            False,
            "not_customer",
            "IM 人工服务面向客户用户。",
            "IM service is for customer users.",
            None,
            (),
        )
    products = chat_products(user)
    if not user.is_verified:
        return Eligibility(
            False,
            False,
            "not_verified",
            "IM 人工服务面向经注册认证的用户：请先完成手机或邮箱认证。",
            "IM service is for verified users: verify your phone or e-mail first.",
            None,
            products,
        )
    if entry not in Entry.values:
        entry = Entry.IN_PRODUCT
    decision = entitlement_for(
        user.organisation, core.Request(service=SERVICE, product=product or None, channel=entry), at
    )
    return Eligibility(
        decision.allowed,
        bool(decision.allowed and decision.open_now is not False),
        decision.reason,
        decision.explanation,
        decision.explanation_en,
        decision.next_open,
        products,
        decision,
    )


def start_chat(
    user: User,
    product: str,
    entry: str = Entry.IN_PRODUCT,
    topic: str = "",
    conversation_id: int | None = None,
    at: dt.datetime | None = None,
) -> ChatSession:
    """Join the queue (or return the chat the customer already has open)."""
    at = at or timezone.now()
    existing = ChatSession.objects.filter(
        customer=user, status__in=[SessionStatus.WAITING, SessionStatus.ACTIVE]
    ).first()
    if existing is not None:
        return existing
    if product not in get_catalog().labels.products:
        raise ChatError(
            "请选择要咨询的产品。", "Choose the product you are asking about.", code="unknown_product"
        )
    found = eligibility(user, product, entry, at)
    if not found.allowed:
        raise ChatError(found.explanation, found.explanation_en, code=found.code, status=403)
    if not found.open_now:
        raise ChatError(
            "IM 人工服务现在不在服务时间。",
            "IM service is closed now.",
            code="closed",
            status=409,
            detail={"next_open": found.next_open.isoformat() if found.next_open else None},
        )
    conversation = None
    if conversation_id:
        from successhub.assistant.models import Conversation

        conversation = Conversation.objects.filter(pk=conversation_id, user=user).first()
    session = ChatSession.objects.create(
        customer=user,
        organisation=user.organisation,
        product=product,
        entry=entry,
        topic=(topic or "")[:200],
        decision=decision_to_json(found.decision),
        bot_conversation=conversation,
        created_at=at,
    )
    _system(session, "您已进入排队，工程师接入后会立即回复您。")
    _broadcast_queue()
    return session


# --- queue ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueInfo:
    position: int
    waiting: int
    agents_online: int
    expected_wait_minutes: int


def average_handle_minutes() -> float:
    recent = (
        ChatSession.objects.filter(
            status=SessionStatus.ENDED, accepted_at__isnull=False, ended_at__isnull=False
        )
        .order_by("-ended_at")[:50]
        .aggregate(avg=Avg(F("ended_at") - F("accepted_at")))
    )
    value = recent.get("avg")
    if value is None:
        return default_handle_minutes()
    minutes = value.total_seconds() / 60 if hasattr(value, "total_seconds") else float(value) / 60_000_000
    return max(1.0, minutes)


def queue_info(session: ChatSession) -> QueueInfo:
    waiting = ChatSession.objects.filter(status=SessionStatus.WAITING)
    position = (
        waiting.filter(
            Q(created_at__lt=session.created_at) | Q(created_at=session.created_at, pk__lt=session.pk)
        ).count()
        + 1
    )
    agents = AgentStatus.objects.filter(presence=Presence.ONLINE).count()
    expected = int(round(position * average_handle_minutes() / max(agents, 1)))
    return QueueInfo(
        position if session.status == SessionStatus.WAITING else 0, waiting.count(), agents, expected
    )


# --- messages ---------------------------------------------------------------------------------------------


def _participant(session: ChatSession, user: User) -> str:
    if session.customer_id == user.pk:
        return Sender.CUSTOMER
    if is_agent(user) and session.agent_id == user.pk:
        return Sender.AGENT
    raise NotAllowed("您不是这个会话的参与者。", "You are not part of this chat.")


def can_view(session: ChatSession, user: User) -> bool:
    return session.customer_id == user.pk or is_agent(user)


def post_message(
    session: ChatSession,
    user: User,
    body: str,
    client_id: str = "",
    *,
    attachment=None,
    checked=None,
    broadcast: bool = True,
) -> tuple[ChatMessage, bool]:
    """Store a message with the next number; return (message, created). The same client id twice
    returns the stored one (a resend after a reconnect is not a second message)."""
    body = (body or "").strip()
    client_id = (client_id or "")[:64]
    if not body and attachment is None:
        raise ChatError("消息不能为空。", "The message is empty.", code="empty_message")
    if len(body) > max_message_chars():
        raise ChatError(
            f"消息不能超过 {max_message_chars()} 个字。",
            f"A message is at most {max_message_chars()} characters.",
            code="message_too_long",
            status=413,
        )
    if "\x00" in body:
        raise ChatError("消息包含无效字符。", "The message holds invalid characters.", code="invalid_message")
    if client_id:
        found = (
            ChatMessage.objects.filter(session=session, client_id=client_id).select_related("author").first()
        )
        if found is not None:
            return found, False
    try:
        with transaction.atomic():
            locked = ChatSession.objects.select_for_update().get(pk=session.pk)
            sender = _participant(locked, user)
            if locked.status == SessionStatus.ENDED:
                raise ChatError("会话已结束。", "The chat has ended.", code="chat_ended", status=409)
            locked.last_seq += 1
            locked.save(update_fields=["last_seq"])
            message = ChatMessage(
                session=locked,
                seq=locked.last_seq,
                sender=sender,
                author=user,
                body=body,
                client_id=client_id,
            )
            if attachment is not None:
                message.attachment_name = checked.name
                message.attachment_type = checked.content_type
                message.attachment_size = checked.size
                message.attachment.save(checked.name, attachment, save=False)
            message.save()
    except IntegrityError:
        found = ChatMessage.objects.filter(session=session, client_id=client_id).first()
        if found is None:
            raise
        return found, False
    session.last_seq = message.seq
    if broadcast:  # stored first, then sent on (the socket consumer sends it on itself, from its loop)
        transaction.on_commit(lambda: broadcast_message(message))
    return message, True


def _system(session: ChatSession, body: str) -> ChatMessage:
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        locked.last_seq += 1
        locked.save(update_fields=["last_seq"])
        message = ChatMessage.objects.create(
            session=locked, seq=locked.last_seq, sender=Sender.SYSTEM, body=body
        )
    session.last_seq = message.seq
    transaction.on_commit(lambda: broadcast_message(message))
    return message


def messages_after(session: ChatSession, after: int, limit: int = 500) -> list[ChatMessage]:
    return list(session.messages.filter(seq__gt=after).select_related("author").order_by("seq")[:limit])


def message_json(message: ChatMessage) -> dict:
    data = {
        "id": message.pk,
        "seq": message.seq,
        "sender": message.sender,
        "author": str(message.author) if message.author_id else "",
        "body": message.body,
        "client_id": message.client_id,
        "at": message.created_at.astimezone(BEIJING).strftime("%H:%M"),
    }
    if message.attachment_name:
        from django.urls import reverse

        data["attachment"] = {
            "name": message.attachment_name,
            "size": message.attachment_size,
            "url": reverse("chat:file", args=[message.pk]),
        }
    return data


def _send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a failed push never loses the stored message: clients resume from their last seq
        logger.exception("could not push to %s", group)


def broadcast_message(message: ChatMessage) -> None:
    _send(f"chat.session.{message.session_id}", {"type": "chat.message", "message": message_json(message)})


def broadcast_state(session: ChatSession) -> None:
    _send(session.group_name, {"type": "chat.state", "state": session_state(session)})


def _broadcast_queue() -> None:
    _send(QUEUE_GROUP, {"type": "chat.queue"})


def session_state(session: ChatSession) -> dict:
    state = {
        "status": session.status,
        "agent": str(session.agent) if session.agent_id else "",
        "csat": session.csat,
    }
    if session.status == SessionStatus.WAITING:
        info = queue_info(session)
        state.update(
            position=info.position,
            expected_wait_minutes=info.expected_wait_minutes,
            agents_online=info.agents_online,
        )
    return state


# --- agents -----------------------------------------------------------------------------------------------


def agent_status(agent: User) -> AgentStatus:
    status, _ = AgentStatus.objects.get_or_create(agent=agent)
    return status


def set_presence(agent: User, presence: str, max_concurrent: int | None = None) -> AgentStatus:
    ensure_agent(agent)
    if presence not in Presence.values:
        raise ChatError("未知的状态。", "Unknown availability.", code="invalid_presence")
    status = agent_status(agent)
    status.presence = presence
    if max_concurrent is not None:
        if not 1 <= max_concurrent <= 20:
            raise ChatError(
                "同时接待上限应在 1 到 20 之间。", "The limit is between 1 and 20.", code="invalid_limit"
            )
        status.max_concurrent = max_concurrent
    status.save()
    _broadcast_queue()
    return status


def _ensure_capacity(agent: User) -> None:
    status = AgentStatus.objects.select_for_update().filter(agent=agent).first()
    if status is None or status.presence != Presence.ONLINE:
        raise ChatError(
            "请先将状态设为“在线”。", "Set yourself online first.", code="agent_not_online", status=409
        )
    active = ChatSession.objects.filter(agent=agent, status=SessionStatus.ACTIVE).count()
    if active >= status.max_concurrent:
        raise ChatError(
            f"已达到同时接待上限（{status.max_concurrent} 个）。",
            f"At the limit of {status.max_concurrent} concurrent chats.",
            code="agent_at_capacity",
            status=409,
        )


def accept(agent: User, session: ChatSession, at: dt.datetime | None = None) -> ChatSession:
    ensure_agent(agent)
    with transaction.atomic():
        _ensure_capacity(agent)
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.WAITING:
            raise ChatError(
                "该会话已被接入或已结束。",
                "This chat was already taken or has ended.",
                code="not_waiting",
                status=409,
            )
        locked.status = SessionStatus.ACTIVE
        locked.agent = agent
        locked.accepted_at = at or timezone.now()
        locked.save(update_fields=["status", "agent", "accepted_at"])
    _system(locked, f"工程师 {agent} 已接入，为您服务。")
    transaction.on_commit(lambda: (broadcast_state(locked), _broadcast_queue()))
    return locked


def transfer(agent: User, session: ChatSession, to: User) -> ChatSession:
    ensure_agent(agent)
    if not is_agent(to) or to.pk == agent.pk:
        raise ChatError("请选择另一位工程师。", "Choose another engineer.", code="invalid_transfer")
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.ACTIVE or locked.agent_id != agent.pk:
            raise NotAllowed("只能转接您正在接待的会话。", "You can transfer only a chat you are serving.")
        _ensure_capacity(to)
        locked.agent = to
        locked.save(update_fields=["agent"])
    _system(locked, f"会话已由 {agent} 转接给工程师 {to}。")
    transaction.on_commit(lambda: broadcast_state(locked))
    return locked


def end(user: User, session: ChatSession, at: dt.datetime | None = None) -> ChatSession:
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.customer_id != user.pk and not (is_agent(user) and locked.agent_id in (None, user.pk)):
            raise NotAllowed("您不能结束这个会话。", "You cannot end this chat.")
        if locked.status == SessionStatus.ENDED:
            return locked
        locked.status = SessionStatus.ENDED
        locked.ended_at = at or timezone.now()
        locked.save(update_fields=["status", "ended_at"])
    _system(locked, "会话已结束。欢迎对本次服务进行评价。")
    transaction.on_commit(lambda: (broadcast_state(locked), _broadcast_queue()))
    return locked


def rate(user: User, session: ChatSession, score: int, comment: str = "") -> ChatSession:
    if session.customer_id != user.pk:
        raise NotAllowed("只有发起会话的客户可以评价。", "Only the customer rates the chat.")
    if session.status != SessionStatus.ENDED:
        raise ChatError("会话结束后才能评价。", "Rate the chat after it ends.", code="not_ended", status=409)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ChatError("评分应为 1 到 5。", "The score is 1 to 5.", code="invalid_score")
    updated = ChatSession.objects.filter(pk=session.pk, csat__isnull=True).update(
        csat=score, csat_comment=(comment or "")[:500]
    )
    if not updated:
        raise ChatError(
            "您已评价过本次服务。", "You already rated this chat.", code="already_rated", status=409
        )
    session.refresh_from_db()
    return session


# --- tickets ----------------------------------------------------------------------------------------------


def transcript(session: ChatSession) -> str:
    lines = [f"（来自 IM 人工服务会话 #{session.pk}）"]
    for message in session.messages.select_related("author").order_by("seq"):
        who = {"customer": "客户", "agent": "工程师", "system": "系统"}[message.sender]
        stamp = message.created_at.astimezone(BEIJING).strftime("%m-%d %H:%M")
        text = message.body + (f" [附件：{message.attachment_name}]" if message.attachment_name else "")
        lines.append(f"[{stamp}] {who}{' ' + str(message.author) if message.author_id else ''}：{text}")
    return "\n".join(lines)


def convert_to_ticket(agent: User, session: ChatSession, *, category: str, title: str):
    """File a ticket for the customer carrying the transcript (channel: the chat's entry)."""
    from successhub.tickets.errors import TicketError
    from successhub.tickets.models import Channel
    from successhub.tickets.services.filing import file_ticket

    ensure_agent(agent)
    if session.agent_id not in (None, agent.pk):
        raise NotAllowed("只能由接待的工程师转工单。", "Only the serving engineer converts the chat.")
    if session.ticket_id:
        raise ChatError(
            "该会话已转为工单。", "This chat already became a ticket.", code="already_converted", status=409
        )
    channel = Channel.COMMUNITY if session.entry == Entry.COMMUNITY else Channel.IN_PRODUCT
    try:
        ticket = file_ticket(
            requester=session.customer,
            filed_by=agent,
            product_code=session.product,
            category=category,
            title=title or session.topic or "IM 会话转工单",
            description=transcript(session)[:20000],
            channel=channel,
        )
    except TicketError as exc:
        raise ChatError(exc.message_zh, exc.message_en, code=exc.code, status=exc.status) from None
    ChatSession.objects.filter(pk=session.pk).update(ticket=ticket)
    session.ticket = ticket
    _system(session, f"已为您创建工单 {ticket.number}，后续进展将在工单中跟进。")
    return ticket


def left_message_prefill(user: User, product: str, body: str) -> dict:
    """Outside hours: what the new-ticket form is pre-filled with from the customer's message."""
    body = (body or "").strip()[:5000]
    if not body:
        raise ChatError("请填写留言内容。", "Write your message first.", code="empty_message")
    first_line = body.splitlines()[0][:60]
    return {"product": product, "title": first_line, "description": f"（IM 人工服务非服务时间留言）\n{body}"}
