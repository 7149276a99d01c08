"""Reads for the hotline desk (desk staff only; customers never see call records)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from successhub.accounts.models import CUSTOMER_ROLES, Organisation, User
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import Deployment
from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.hotline.models import Call, CallStatus
from successhub.hotline.services import customer_by_phone, ensure_desk_staff

RECENT = 20


@dataclass(frozen=True)
class CallerScreen:
    """Everything the engineer needs the moment a call is answered."""

    organisation: Organisation
    caller: User | None
    decision: core.Decision
    plan_name: str
    deployments: list
    members: list
    open_tickets: list
    recent_calls: list
    fatal_only: bool


def find_organisations(user: User, query: str) -> QuerySet[Organisation]:
    ensure_desk_staff(user)
    query = (query or "").strip()
    if not query:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Q(name__icontains=query) | Q(code__iexact=query) | Q(members__phone=query)
    ).distinct()[:RECENT]


def caller_screen(
    user: User, organisation: Organisation, caller: User | None = None, at: dt.datetime | None = None
) -> CallerScreen:
    from successhub.tickets.models import OPEN_STATUSES, Ticket

    ensure_desk_staff(user)
    at = at or timezone.now()
    decision = entitlement_for(organisation, core.Request(service="hotline"), at)
    plan_name = ""
    if decision.plan:
        edition = next((e for e in get_catalog().latest_editions() if e.plan == decision.plan), None)
        plan_name = edition.name.zh if edition else decision.plan
    return CallerScreen(
        organisation=organisation,
        caller=caller,
        decision=decision,
        plan_name=plan_name,
        deployments=list(Deployment.objects.filter(organisation=organisation).select_related("product")),
        members=list(
            organisation.members.filter(role__in=CUSTOMER_ROLES, is_active=True).order_by("id")[:50]
        ),
        open_tickets=list(
            Ticket.objects.filter(organisation=organisation, status__in=OPEN_STATUSES)
            .select_related("product", "assignee")
            .order_by("-created_at")[:10]
        ),
        recent_calls=list(calls_for(user).filter(organisation=organisation)[:5]),
        fatal_only=bool(decision.item and decision.item.fatal_only),
    )


def identify(user: User, phone: str) -> User | None:
    ensure_desk_staff(user)
    return customer_by_phone(phone)


def calls_for(user: User) -> QuerySet[Call]:
    ensure_desk_staff(user)
    return Call.objects.select_related("organisation", "caller", "engineer", "ticket")


def call_for(user: User, call_id: int) -> Call:
    return calls_for(user).get(pk=call_id)


def missed_calls(user: User) -> QuerySet[Call]:
    return calls_for(user).filter(status=CallStatus.MISSED).order_by("-started_at")


def live_calls(user: User) -> QuerySet[Call]:
    return (
        calls_for(user)
        .filter(status__in=[CallStatus.RINGING, CallStatus.ANSWERED], outcome="")
        .order_by("-started_at")
    )
