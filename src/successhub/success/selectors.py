"""Reads of the value services, scoped to the acting user: a customer sees their organisation's
published items; a technical manager their own customers; a service admin everyone's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone

from successhub.accounts.models import Organisation, Role, User
from successhub.success.models import (
    CheckStatus,
    CriticalMoment,
    Escalation,
    EscalationSource,
    EscalationStatus,
    HealthCheck,
    ImportantEvent,
    MomentStatus,
    ReportStatus,
    ServiceReport,
    TicketAnalysis,
)

OPEN_MOMENTS = (MomentStatus.REQUESTED, MomentStatus.CONFIRMED)


def managed_organisations(user: User):
    if user.role == Role.SERVICE_ADMIN:
        return Organisation.objects.filter(technical_manager__isnull=False)
    if user.role == Role.TECHNICAL_MANAGER:
        return Organisation.objects.filter(technical_manager=user)
    return Organisation.objects.none()


def is_desk_user(user: User) -> bool:
    return user.role in (Role.TECHNICAL_MANAGER, Role.SERVICE_ADMIN)


def organisation_for(user: User, code: str) -> Organisation:
    try:
        return managed_organisations(user).select_related("technical_manager").get(code=code)
    except Organisation.DoesNotExist:
        raise Http404 from None


@dataclass
class PortfolioRow:
    organisation: Organisation
    contracts: list = field(default_factory=list)
    open_tickets: int = 0
    at_risk: int = 0
    breached: int = 0
    open_moments: int = 0
    open_escalations: int = 0
    last_report: dt.date | None = None
    last_report_status: str = ""
    last_check: dt.datetime | None = None


def portfolio(user: User, now: dt.datetime | None = None) -> list[PortfolioRow]:
    """The manager's customers with what needs attention; a fixed number of queries for any size."""
    from successhub.contracts.models import Contract
    from successhub.tickets.models import OPEN_STATUSES, Ticket

    now = now or timezone.now()
    organisations = list(managed_organisations(user).order_by("name"))
    rows = {o.pk: PortfolioRow(o) for o in organisations}
    if not rows:
        return []
    ids = list(rows)
    for contract in Contract.objects.filter(organisation_id__in=ids).order_by("start"):
        rows[contract.organisation_id].contracts.append(contract)
    unanswered = Q(first_responded_at__isnull=True, paused_since__isnull=True)
    for org_id, open_count, at_risk, breached in (
        Ticket.objects.filter(organisation_id__in=ids, status__in=OPEN_STATUSES)
        .values("organisation_id")
        .annotate(
            n=Count("id"),
            risk=Count(
                "id", filter=unanswered & Q(first_response_at_risk_at__lte=now, first_response_due_at__gt=now)
            ),
            late=Count("id", filter=unanswered & Q(first_response_due_at__lte=now)),
        )
        .values_list("organisation_id", "n", "risk", "late")
    ):
        row = rows[org_id]
        row.open_tickets, row.at_risk, row.breached = open_count, at_risk, breached
    for org_id, n in (
        CriticalMoment.objects.filter(organisation_id__in=ids, status__in=OPEN_MOMENTS)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    ):
        rows[org_id].open_moments = n
    for org_id, n in (
        Escalation.objects.filter(organisation_id__in=ids, status=EscalationStatus.OPEN)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    ):
        rows[org_id].open_escalations = n
    for org_id, year_start, status in (
        ServiceReport.objects.filter(organisation_id__in=ids)
        .order_by("organisation_id", "year_start")
        .values_list("organisation_id", "year_start", "status")
    ):
        rows[org_id].last_report, rows[org_id].last_report_status = year_start, status
    for org_id, last in (
        HealthCheck.objects.filter(organisation_id__in=ids, status=CheckStatus.COMPLETED)
        .values("organisation_id")
        .annotate(last=Max("completed_at"))
        .values_list("organisation_id", "last")
    ):
        rows[org_id].last_check = last
    return list(rows.values())


# --- lists and single items, each scoped ----------------------------------------------------------------


def _scope(qs, user: User, *, customer_filter: Q | None = None):
    if user.is_customer:
        qs = qs.filter(organisation_id=user.organisation_id)
        return qs.filter(customer_filter) if customer_filter is not None else qs
    return qs.filter(organisation__in=managed_organisations(user))


def escalations_for(user: User):
    """A customer sees what their organisation asked its manager (an engineer's escalation is internal);
    a manager their customers'; an engineer the ones they raised."""
    qs = Escalation.objects.select_related("organisation", "raised_by", "ticket")
    if user.is_customer:
        return qs.filter(organisation_id=user.organisation_id, source=EscalationSource.CUSTOMER)
    return qs.filter(Q(organisation__in=managed_organisations(user)) | Q(raised_by=user))


def ticket_escalations(user: User, ticket) -> list[Escalation]:
    """The escalations of one ticket the user may open (the ticket page's card)."""
    return list(escalations_for(user).filter(ticket=ticket).order_by("-created_at", "-id")[:5])


def events_for(user: User):
    return _scope(ImportantEvent.objects.select_related("organisation"), user)


def analyses_for(user: User):
    return _scope(
        TicketAnalysis.objects.select_related("organisation"), user, customer_filter=Q(sent_at__isnull=False)
    )


def moments_for(user: User):
    return _scope(CriticalMoment.objects.select_related("organisation"), user)


def reports_for(user: User):
    return _scope(
        ServiceReport.objects.select_related("organisation"),
        user,
        customer_filter=Q(status=ReportStatus.PUBLISHED),
    )


def checks_for(user: User):
    return _scope(HealthCheck.objects.select_related("organisation", "proposed_by"), user)


def get_or_404(qs, **lookup):
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404 from None


def calendar_moments(user: User, start: dt.date, end: dt.date):
    """Planned and confirmed moments overlapping [start, end], for the staff calendar."""
    return (
        moments_for(user)
        .filter(status__in=OPEN_MOMENTS, start_date__lte=end, end_date__gte=start)
        .order_by("start_date", "id")
    )
