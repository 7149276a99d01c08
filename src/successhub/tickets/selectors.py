"""Reads about tickets, always through the acting user: customers see their organisation's only.

There is no "get a ticket by id" that skips ``visible_tickets_for``; a foreign ticket is
simply not found (404), so its existence does not leak.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from successhub.accounts.models import Organisation, User
from successhub.contracts.models import Product
from successhub.security.params import parse_id
from successhub.tickets import conf
from successhub.tickets.models import (
    OPEN_STATUSES,
    EngineerSkill,
    MessageKind,
    Status,
    Ticket,
    TicketAttachment,
    TicketMessage,
)


def visible_tickets_for(user: User) -> QuerySet[Ticket]:
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    if user.is_customer:
        return Ticket.objects.filter(organisation_id=user.organisation_id)
    return Ticket.objects.all()


def ticket_for(user: User, number: str, *, for_update: bool = False) -> Ticket:
    """The ticket with that number if the user may see it; ``Ticket.DoesNotExist`` otherwise."""
    return (
        visible_tickets_for(user)
        .select_related("organisation", "requester", "assignee", "product", "merged_into")
        .get(number=number)
    )


def thread_for(user: User, ticket: Ticket) -> list[TicketMessage]:
    """The messages the user may read, each with its attachments (two queries)."""
    messages = TicketMessage.objects.filter(ticket=ticket).select_related("author")
    attachments = TicketAttachment.objects.order_by("created_at", "id")
    if user.is_customer:
        messages = messages.exclude(kind=MessageKind.INTERNAL_NOTE)
        attachments = attachments.filter(internal=False)
    return list(messages.prefetch_related(Prefetch("attachments", queryset=attachments)))


def ticket_attachments_for(user: User, ticket: Ticket) -> list[TicketAttachment]:
    """Files added to the ticket itself (at filing or by upload), not with a message."""
    qs = TicketAttachment.objects.filter(ticket=ticket, message__isnull=True)
    if user.is_customer:
        qs = qs.filter(internal=False)
    return list(qs)


def attachment_for(user: User, attachment_id: int) -> TicketAttachment:
    """An attachment of a ticket the user may see (internal ones for staff only)."""
    qs = TicketAttachment.objects.filter(ticket__in=visible_tickets_for(user))
    if user.is_customer:
        qs = qs.filter(internal=False)
    return qs.select_related("ticket").get(pk=attachment_id)


@dataclass(frozen=True)
class QueueFilters:
    product: str = ""
    category: str = ""
    status: str = ""  # a status, "open" (default) or "all"
    organisation: int | None = None
    assignee: str = ""  # a user id, "me" or "none"
    breached: bool = False
    search: str = ""


# What a queue row shows, and what its SLA countdown (``sla.statuses``) reads.
QUEUE_ROW_FIELDS = (
    "number",
    "title",
    "urgent",
    "escalated",
    "category",
    "status",
    "queue_due_at",
    "sla_schedule",
    "sla_target_minutes",
    "sla_provisional",
    "first_response_due_at",
    "first_responded_at",
    "paused_since",
    "resolved_at",
    "closed_at",
    "withdrawn_at",
    "organisation__name",
    "product__name",
    "assignee__username",
    "assignee__display_name",
)


def queue_for(
    user: User,
    filters: QueueFilters,
    page: int = 1,
    now: dt.datetime | None = None,
    *,
    summary_only: bool = False,
    related: tuple[str, ...] = ("organisation", "product", "assignee"),
) -> Page:
    """The agent queue: next first-response deadline first, then the newest; one COUNT, one SELECT.

    ``summary_only`` reads only the columns a queue row shows (and its SLA countdown needs).
    ``related`` names the joins the caller renders (the API needs no organisation or assignee rows).
    """
    now = now or timezone.now()
    qs = visible_tickets_for(user).select_related(*related)
    qs = _filtered(qs, user, filters, now)
    if summary_only:
        qs = qs.only(*QUEUE_ROW_FIELDS)
    qs = qs.order_by(F("queue_due_at").asc(nulls_last=True), "-id")
    return Paginator(qs, conf.queue_page_size()).get_page(page)


def _filtered(qs: QuerySet[Ticket], user: User, filters: QueueFilters, now: dt.datetime) -> QuerySet[Ticket]:
    if filters.status in ("", "open"):
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status in Status.values:
        qs = qs.filter(status=filters.status)
    if filters.product:
        qs = qs.filter(product__code=filters.product)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.organisation:
        qs = qs.filter(organisation_id=filters.organisation)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif parse_id(filters.assignee) is not None:
        qs = qs.filter(assignee_id=parse_id(filters.assignee))
    if filters.breached:
        qs = qs.filter(
            Q(
                first_responded_at__isnull=True,
                status__in=OPEN_STATUSES,
                paused_since__isnull=True,
                first_response_due_at__lt=now,
            )
            | Q(first_responded_at__gt=F("first_response_due_at"))
            # Resolved or closed unanswered after the due time: breached when its clock stopped.
            | Q(first_responded_at__isnull=True, resolved_at__gt=F("first_response_due_at"))
            | Q(
                first_responded_at__isnull=True,
                resolved_at__isnull=True,
                closed_at__gt=F("first_response_due_at"),
            )
        )
    if filters.search:
        qs = qs.filter(Q(number__icontains=filters.search) | Q(title__icontains=filters.search))
    return qs


def portal_tickets_for(
    user: User, status: str = "", page: int = 1, *, product: str = "", search: str = ""
) -> Page:
    """My organisation's tickets, newest first; by status, product and a number or title fragment."""
    qs = visible_tickets_for(user).select_related("product", "requester", "assignee")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if product:
        qs = qs.filter(product__code=product)
    search = search.strip()
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(title__icontains=search))
    return Paginator(qs.order_by("-created_at", "-id"), conf.queue_page_size()).get_page(page)


def customer_history(user: User, ticket: Ticket, limit: int = 10) -> dict:
    """The organisation's other tickets beside the one being worked (staff sidebar): two queries."""
    others = (
        visible_tickets_for(user)
        .filter(organisation_id=ticket.organisation_id)
        .exclude(pk=ticket.pk)
        .select_related("product")
        .order_by("-created_at")[:limit]
    )
    counts = (
        visible_tickets_for(user)
        .filter(organisation_id=ticket.organisation_id)
        .aggregate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            breached=Count(
                "id",
                filter=Q(first_responded_at__gt=F("first_response_due_at"))
                | Q(breached_notified_at__isnull=False),
            ),
        )
    )
    return {"recent": list(others), **counts}


def engineers() -> list[User]:
    """Active staff, for assignment and filter menus (only what a menu shows)."""
    return list(
        User.objects.filter(is_active=True)
        .exclude(role__in=["customer_user", "customer_admin"])
        .only("id", "username", "display_name", "role")
        .order_by("username")
    )


def skilled_engineers(product_id: int) -> QuerySet[EngineerSkill]:
    return EngineerSkill.objects.filter(product_id=product_id, active=True).select_related("engineer")


@dataclass(frozen=True)
class SkillBoard:
    """Every engineer × product skill, and what the skills page offers beside them."""

    skills: list[EngineerSkill]  # by product, then engineer
    products: list[Product]
    engineers: list[User]  # active service staff: who may be given a skill
    # Products whose tickets no one takes by round-robin (no active skill on them or on their parent
    # product): such tickets are filed unassigned and wait for someone to assign them by hand.
    uncovered: list[Product]


def skill_board() -> SkillBoard:
    """The skills page (staff only): three queries, however many skills."""
    skills = list(
        EngineerSkill.objects.select_related("engineer", "product").order_by(
            "product_id", "engineer__username", "id"
        )
    )
    products = list(Product.objects.order_by("id"))
    taking = {s.product_id for s in skills if s.active and s.engineer.is_active}
    uncovered = [p for p in products if p.pk not in taking and p.parent_id not in taking]
    return SkillBoard(skills, products, engineers(), uncovered)


def skill_for(skill_id: int) -> EngineerSkill:
    """One skill (``EngineerSkill.DoesNotExist`` otherwise); the services decide who may change it."""
    return EngineerSkill.objects.select_related("engineer", "product").get(pk=skill_id)


def organisations_with_tickets() -> list[Organisation]:
    return list(Organisation.objects.order_by("name").only("id", "name"))


@dataclass(frozen=True)
class FilingOption:
    category: str
    name: str
    service: str
    urgent: bool
    allowed: bool
    code: str
    message: str
    # For a refusal: the service to offer instead (the reason table's hand-off route), set by the page.
    instead: object = None


def filing_options(user: User, product_code: str, channel: str) -> list[FilingOption]:
    """For each category: may this user file it for this product, and why (one check per service item)."""
    from successhub.tickets.categories import CATEGORIES
    from successhub.tickets.errors import TicketError
    from successhub.tickets.services.filing import check_filing

    english = (get_language() or "").startswith("en")
    by_service: dict[str, tuple[bool, str, str]] = {}
    options = []
    for category in CATEGORIES:
        key = category.code if category.out_of_scope else category.service
        if key not in by_service:
            try:
                check = check_filing(user, product_code, category.code, channel)
                decision = check.decision
                by_service[key] = (True, "ok", decision.explanation_en if english else decision.explanation)
            except TicketError as exc:
                by_service[key] = (False, exc.code, exc.message_en if english else exc.message_zh)
        allowed, code, message = by_service[key]
        options.append(
            FilingOption(
                category.code, _(category.name.zh), category.service, category.urgent, allowed, code, message
            )
        )
    return options


# --- job scans (ids only: the services claim each ticket atomically) -------------------------


def at_risk_ticket_ids(now: dt.datetime, limit: int = 500) -> list[int]:
    return list(
        Ticket.objects.filter(
            first_responded_at__isnull=True,
            at_risk_notified_at__isnull=True,
            paused_since__isnull=True,
            status__in=OPEN_STATUSES,
            first_response_at_risk_at__lte=now,
        )
        .order_by("first_response_at_risk_at")
        .values_list("pk", flat=True)[:limit]
    )


def breached_ticket_ids(now: dt.datetime, limit: int = 500) -> list[int]:
    return list(
        Ticket.objects.filter(
            first_responded_at__isnull=True,
            breached_notified_at__isnull=True,
            paused_since__isnull=True,
            status__in=OPEN_STATUSES,
            first_response_due_at__lte=now,
        )
        .order_by("first_response_due_at")
        .values_list("pk", flat=True)[:limit]
    )
