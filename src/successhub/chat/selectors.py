"""Reads for IM human service, scoped to the acting user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from successhub.accounts.models import User
from successhub.chat.models import CannedReply, ChatSession, SessionStatus
from successhub.chat.services import ensure_agent, is_agent


def session_for(user: User, session_id: int) -> ChatSession:
    """A chat the user may see: their own as a customer; any as an engineer."""
    qs = ChatSession.objects.select_related("customer", "organisation", "agent", "ticket")
    if is_agent(user):
        return qs.get(pk=session_id)
    return qs.get(pk=session_id, customer=user)


def waiting_queue(agent: User) -> QuerySet[ChatSession]:
    ensure_agent(agent)
    return (
        ChatSession.objects.filter(status=SessionStatus.WAITING)
        .select_related("customer", "organisation")
        .order_by("created_at", "id")
    )


def my_active(agent: User) -> QuerySet[ChatSession]:
    ensure_agent(agent)
    return ChatSession.objects.filter(status=SessionStatus.ACTIVE, agent=agent).select_related(
        "customer", "organisation"
    )


def search_transcripts(agent: User, query: str) -> QuerySet[ChatSession]:
    """Chats whose messages, topic, customer or organisation match (staff only)."""
    ensure_agent(agent)
    qs = ChatSession.objects.select_related("customer", "organisation", "agent").order_by("-created_at")
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(messages__body__icontains=query)
            | Q(topic__icontains=query)
            | Q(organisation__name__icontains=query)
            | Q(customer__username__icontains=query)
        ).distinct()
    return qs


def canned_replies(agent: User) -> QuerySet[CannedReply]:
    ensure_agent(agent)
    return CannedReply.objects.all()


def customer_context(agent: User, session: ChatSession) -> dict:
    """What the engineer sees beside the chat: organisation, plan, entitlements, recent tickets."""
    from successhub.contracts.selectors import entitlements_for
    from successhub.tickets.models import Ticket

    ensure_agent(agent)
    decisions = entitlements_for(session.organisation)
    return {
        "organisation": session.organisation,
        "plans": sorted({d.plan for d in decisions if d.allowed and d.plan}),
        "entitlements": [d for d in decisions if d.allowed],
        "tickets": list(Ticket.objects.filter(organisation=session.organisation).order_by("-created_at")[:5]),
        "previous": list(ChatSession.objects.filter(customer=session.customer).exclude(pk=session.pk)[:5]),
    }
