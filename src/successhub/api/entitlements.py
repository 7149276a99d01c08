"""Entitlements over HTTP: the same engine as the portal page and the CLI."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Query, Router, Schema

from successhub.accounts.models import Organisation
from successhub.api.base import ApiError, ErrorOut, ObjectId, parse_at
from successhub.catalog.loader import get_catalog
from successhub.contracts.selectors import entitlements_for
from successhub.core import entitlements as core
from successhub.core.catalog import SERVICE_CODES
from successhub.core.reasons import Reason, handoff_for
from successhub.core.scenario import decision_to_json, format_instant

router = Router(tags=["entitlements"])


class QuotaOut(Schema):
    limit: float
    used: float
    remaining: float
    period_start: str
    period_end: str


class DecisionOut(Schema):
    service: str
    name: str
    allowed: bool
    reason: Reason
    # The service to offer instead of a refused one (the reason table's hand-off route), else null.
    handoff: str | None
    explanation: str
    explanation_en: str
    quota: QuotaOut | None
    schedule: str | None
    open_now: bool | None
    next_open: str | None
    plan: str | None


class EntitlementsOut(Schema):
    at: str
    organisation: str
    decisions: list[DecisionOut]


class EntitlementFilter(Schema):
    service: str | None = None
    fatal: bool | None = None
    product: str | None = None
    channel: str | None = None
    amount: Decimal | None = None
    # Customer members a dedicated IM group would have (checked against the catalog's max_members).
    members: int | None = None
    at: str | None = None


def _request_from(filters: EntitlementFilter) -> core.Request | None:
    if filters.service is None:
        if any(
            v is not None
            for v in (filters.fatal, filters.product, filters.channel, filters.amount, filters.members)
        ):
            raise ApiError(
                422, "invalid_input", "fatal, product, channel, amount and members need a service."
            )
        return None
    if filters.service not in SERVICE_CODES:
        raise ApiError(422, "unknown_service", f"Unknown service code {filters.service!r}.")
    labels = get_catalog().labels
    if filters.product is not None and filters.product not in labels.products:
        raise ApiError(422, "unknown_product", f"Unknown product code {filters.product!r}.")
    if filters.channel is not None and filters.channel not in labels.channels:
        raise ApiError(422, "unknown_channel", f"Unknown channel code {filters.channel!r}.")
    amount = filters.amount if filters.amount is not None else Decimal(1)
    if amount <= 0:
        raise ApiError(422, "invalid_input", "amount must be positive.")
    if filters.members is not None and filters.members < 0:
        raise ApiError(422, "invalid_input", "members must not be negative.")
    return core.Request(
        filters.service, filters.fatal, filters.product, filters.channel, amount, members=filters.members
    )


class ReasonOut(Schema):
    code: Reason
    label: str
    label_en: str
    explanation_template: str
    explanation_template_en: str
    handoff: str | None


def _render(organisation: Organisation, filters: EntitlementFilter, user=None) -> dict:
    at = parse_at(filters.at) or timezone.now()
    request = _request_from(filters)
    decisions = entitlements_for(organisation, at, request, user)
    if request is None:
        allowed = {d.service for d in decisions if d.allowed}
    else:
        allowed = {d.service for d in entitlements_for(organisation, at) if d.allowed}
    out = []
    for decision in decisions:
        row = decision_to_json(decision)
        row.update(
            name=decision.item.name.zh if decision.item else decision.service,
            explanation_en=decision.explanation_en,
            plan=decision.plan,
            handoff=handoff_for(decision.reason, allowed.__contains__),
        )
        out.append(row)
    return {"at": format_instant(at), "organisation": organisation.name, "decisions": out}


@router.get(
    "/me/entitlements",
    response={200: EntitlementsOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="My organisation's entitlements",
)
def my_entitlements(request, filters: Query[EntitlementFilter]):
    """Every service item (or one, with ``service``): allowed or not, why, quota, hours."""
    user = request.user
    if not user.is_customer:
        raise ApiError(
            403, "not_a_customer", "Staff have no entitlements; use /organisations/{id}/entitlements."
        )
    return _render(user.organisation, filters, user)


@router.get(
    "/organisations/{organisation_id}/entitlements",
    response={200: EntitlementsOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="An organisation's entitlements (service staff)",
)
def organisation_entitlements(request, organisation_id: ObjectId, filters: Query[EntitlementFilter]):
    user = request.user
    if user.is_customer and user.organisation_id != organisation_id:
        raise PermissionDenied("You may only see your own organisation.")
    return _render(Organisation.objects.get(pk=organisation_id), filters)


@router.get("/reasons", response=list[ReasonOut], auth=None, summary="Why a service is allowed or refused")
def reasons(request):
    """The reason table: each code with its short name, explanation templates and hand-off service."""
    return [
        {
            "code": reason,
            "label": reason.label.zh,
            "label_en": reason.label.en,
            "explanation_template": reason.row.zh,
            "explanation_template_en": reason.row.en,
            "handoff": reason.handoff,
        }
        for reason in Reason
    ]
