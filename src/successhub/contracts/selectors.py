"""Reads about what customers bought and what it entitles them to.

An entitlement page costs a fixed number of queries whatever the ledger holds:
the deployments, the contracts, one aggregate over the ledger for all the
quota windows on the page (and the calendar, cached between requests).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from successhub import sql
from successhub.accounts.models import Organisation, User
from successhub.calendars.selectors import business_calendar, makeup_day_settings
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import Contract, Deployment, Product, UsageEntry
from successhub.core import entitlements as core
from successhub.core.catalog import PlanEdition
from successhub.core.entitlements import BEIJING


class NotAllowed(Exception):
    """The acting user may not see this organisation's data."""


def engine() -> core.Engine:
    calendar = business_calendar()
    return core.Engine(
        get_catalog(),
        calendar,
        include_makeup_days=makeup_day_settings(),
        provisional=lambda at: not calendar.holidays.is_loaded(at.astimezone(BEIJING).year),
    )


def organisation_for(user: User, organisation_id: int | None = None) -> Organisation:
    """The organisation the user acts for: their own; staff may name any."""
    if user.is_customer:
        if organisation_id is not None and organisation_id != user.organisation_id:
            raise NotAllowed("customers see only their own organisation")
        return user.organisation
    if organisation_id is None:
        raise NotAllowed("staff must name the organisation")
    return Organisation.objects.get(pk=organisation_id)


# The entitlement page is the hottest read in the product. Its statements are compiled by the ORM
# once per process (for organisation 0, which the parameter list then replaces) and executed
# directly afterwards: same SQL, same indexes, without the ORM's per-call compile cost.
def _rows(name: str, build, organisation_id: int) -> list[tuple]:
    _, count = sql.compiled(f"contracts.{name}", build)
    return sql.fetch(f"contracts.{name}", build, [organisation_id] * count)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _as_json(value) -> dict:
    if isinstance(value, str):
        return json.loads(value) if value else {}
    return value or {}


def customer_snapshot(organisation: Organisation, user: User | None = None) -> core.Customer:
    """The engine's view of the organisation; with ``user`` (a customer user), also whether they are verified."""
    deployments = tuple(
        core.Deployment(product=code, type=kind)
        for code, kind in _rows(
            "deployments",
            lambda: (
                Deployment.objects.filter(organisation_id=0)
                .order_by("id")
                .values_list("product__code", "type")
            ),
            organisation.pk,
        )
    )
    contracts = tuple(
        core.Contract(
            plan=plan,
            start=_as_date(start),
            end=_as_date(end),
            amount=Decimal(str(amount)),
            edition=edition or None,
            id=str(pk),
            overrides=_as_json(overrides),
        )
        for pk, plan, start, end, amount, edition, overrides in _rows(
            "contracts",
            lambda: Contract.objects.filter(organisation_id=0).values_list(
                "pk", "plan", "start", "end", "amount", "edition", "overrides"
            ),
            organisation.pk,
        )
    )
    verified = user.is_verified if user is not None and user.is_customer else None
    return core.Customer(
        region=organisation.region, deployments=deployments, contracts=contracts, verified=verified
    )


def usage_totals(organisation: Organisation, windows: list[core.UsageWindow]) -> core.PrefetchedUsage:
    """All the windows' totals in one aggregate statement over the ledger (its covering index)."""
    if not windows:
        return core.PrefetchedUsage({})
    adapt = connection.ops.adapt_datetimefield_value
    table = UsageEntry._meta.db_table
    # One scalar subquery per window: each is a range scan of the covering index
    # (organisation, service, at) INCLUDE (amount), touching only the rows it sums.
    subqueries, params = [], []
    for window in windows:
        start = dt.datetime.combine(window.start, dt.time.min, tzinfo=BEIJING)
        end = dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time.min, tzinfo=BEIJING)
        subqueries.append(
            f"(SELECT SUM(amount) FROM {table} WHERE organisation_id = %s AND service = %s AND at >= %s AND at < %s)"
        )
        params += [organisation.pk, window.service, adapt(start), adapt(end)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(subqueries)}", params)
        row = cursor.fetchone()
    cent = Decimal("0.01")
    return core.PrefetchedUsage(
        {window: Decimal(str(row[index] or 0)).quantize(cent) for index, window in enumerate(windows)}
    )


def entitlements_for(
    organisation: Organisation,
    at: dt.datetime | None = None,
    request: core.Request | None = None,
    user: User | None = None,
) -> list[core.Decision]:
    """The engine's decisions for the organisation; pass the acting customer ``user`` so that the
    verification rule (注册认证) is decided too, the same way on every surface."""
    at = at or timezone.now()
    customer = customer_snapshot(organisation, user)
    the_engine = engine()
    windows = the_engine.usage_windows(customer, at)
    if request is not None:
        # One service is decided: only its own windows are read (none for an unmetered service, no query).
        windows = [window for window in windows if window.service == request.service]
    usage = usage_totals(organisation, windows)
    return the_engine.evaluate(customer, at, usage, request)


def entitlement_for(
    organisation: Organisation, request: core.Request, at: dt.datetime | None = None, user: User | None = None
) -> core.Decision:
    return entitlements_for(organisation, at, request, user)[0]


def decisions_for_user(user: User, at: dt.datetime | None = None) -> dict[str, core.Decision]:
    """Every service decision for a signed-in customer user (region and verification included), by code."""
    return {d.service: d for d in entitlements_for(user.organisation, at, user=user)}


@dataclass(frozen=True)
class EditionFollowed:
    """The catalog edition a contract follows, and whether the contract names it."""

    edition: PlanEdition | None
    named: bool


def edition_followed(contract: Contract) -> EditionFollowed:
    """A contract names its edition, or follows the newest one published by its start date
    (the earliest edition when it starts before any was published)."""
    try:
        edition = get_catalog().edition(contract.plan, contract.edition or None, on=contract.start)
    except KeyError:
        edition = None
    return EditionFollowed(edition, bool(contract.edition))


def visible_contracts_for(user: User):
    qs = Contract.objects.select_related("organisation")
    if user.is_customer:
        return qs.filter(organisation_id=user.organisation_id)
    return qs


def visible_deployments_for(user: User):
    qs = Deployment.objects.select_related("product", "organisation")
    if user.is_customer:
        return qs.filter(organisation_id=user.organisation_id)
    return qs


def first_advanced_contract(organisation: Organisation) -> Contract | None:
    """Derived, never typed in: the organisation's earliest Advanced contract."""
    return Contract.objects.filter(organisation=organisation, plan="advanced").order_by("start", "id").first()


# Products change only when an admin edits the product list: each process keeps the rows it has looked
# up for a minute (and forgets them at once when this process saves or deletes a product).
PRODUCT_CACHE_SECONDS = 60
_products: dict[str, tuple[float, Product]] = {}


def product_by_code(code: str) -> Product:
    """The product with that code (``Product.DoesNotExist`` otherwise), from a short per-process cache."""
    entry = _products.get(code)
    if entry is not None and time.monotonic() - entry[0] < PRODUCT_CACHE_SECONDS:
        return entry[1]
    product = Product.objects.get(code=code)
    _products[code] = (time.monotonic(), product)
    return product


@receiver([post_save, post_delete], sender=Product, dispatch_uid="contracts.forget_cached_products")
def _forget_cached_products(**kwargs) -> None:
    _products.clear()
