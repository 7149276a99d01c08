"""Build database state from a `terms evaluate` scenario, so the same table runs through HTTP."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from successhub.accounts.models import Organisation, Role, User
from successhub.contracts.models import Contract, Deployment, Product, UsageEntry

_counter = itertools.count(1)


def organisation_from(document: dict) -> tuple[Organisation, User]:
    n = next(_counter)
    customer = document["customer"]
    organisation = Organisation.objects.create(
        name=f"场景客户{n}", code=f"scenario{n}", region=customer["region"]
    )
    for deployment in customer.get("deployments", []):
        Deployment.objects.create(
            organisation=organisation,
            product=Product.objects.get(code=deployment["product"]),
            type=deployment["type"],
        )
    for index, contract in enumerate(customer.get("contracts", [])):
        Contract.objects.create(
            organisation=organisation,
            number=f"S{n}-{index}",
            plan=contract["plan"],
            start=dt.date.fromisoformat(contract["start"]),
            end=dt.date.fromisoformat(contract["end"]),
            amount=Decimal(str(contract.get("amount", 0))),
            overrides=contract.get("overrides", {}),
        )
    for usage in customer.get("usage", []):
        UsageEntry.objects.create(
            organisation=organisation,
            service=usage["service"],
            at=dt.datetime.fromisoformat(usage["at"]),
            amount=Decimal(str(usage.get("amount", 1))),
        )
    # The scenario's user is verified (注册认证) unless the scenario says otherwise.
    verified_at = None if customer.get("verified") is False else dt.datetime.now(dt.UTC)
    user = User.objects.create_user(
        username=f"scenario-user{n}",
        password="pw-123456",
        role=Role.CUSTOMER_USER,
        organisation=organisation,
        phone_verified_at=verified_at,
    )
    return organisation, user
