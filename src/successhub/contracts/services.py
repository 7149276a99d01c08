"""State changes on contracts and the usage ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from successhub.accounts.models import Organisation, User
from successhub.contracts.models import UsageEntry
from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.core.scenario import decision_to_json


class EntitlementRefused(Exception):
    """The engine refused the request; carries the decision (reason code and explanation)."""

    def __init__(self, decision: core.Decision):
        self.decision = decision
        self.code = decision.reason
        super().__init__(decision.explanation)


@dataclass(frozen=True)
class Consumption:
    entry: UsageEntry | None
    decision: core.Decision


def consume_quota(
    organisation: Organisation,
    request: core.Request,
    *,
    at: dt.datetime | None = None,
    reference: str = "",
    note: str = "",
    recorded_by: User | None = None,
) -> Consumption:
    """Check the entitlement and record the usage, atomically.

    The organisation row is locked for the check-and-insert, so concurrent
    attempts are serialised: exactly the remaining quota is granted.
    Services without a quota are checked but nothing is recorded.
    """
    at = at or timezone.now()
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk", flat=True).get()
        decision = entitlement_for(organisation, request, at)
        if not decision.allowed:
            raise EntitlementRefused(decision)
        if decision.quota is None:
            return Consumption(None, decision)
        entry = UsageEntry.objects.create(
            organisation=organisation,
            contract_id=int(decision.contract_id) if decision.contract_id else None,
            service=request.service,
            amount=Decimal(request.amount),
            at=at,
            reference=reference,
            note=note,
            recorded_by=recorded_by,
            decision=decision_to_json(decision),
        )
    return Consumption(entry, decision)


def ensure_catalog_products(using: str = "default") -> None:
    """Products are data: create those the catalog's labels name (never overwrites edits)."""
    from successhub.catalog.loader import get_catalog
    from successhub.contracts.models import Product

    labels = get_catalog().labels
    for code, text in labels.products.items():
        Product.objects.using(using).get_or_create(code=code, defaults={"name": text.zh, "name_en": text.en})
    for code, parent in labels.product_parents.items():
        Product.objects.using(using).filter(code=code, parent__isnull=True).update(
            parent=Product.objects.using(using).get(code=parent)
        )
