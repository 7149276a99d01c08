"""Quotas are consumed atomically: concurrent attempts never overspend the yearly limit."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from successhub.contracts.models import UsageEntry
from successhub.contracts.services import EntitlementRefused, consume_quota
from successhub.core.entitlements import Request


@pytest.fixture
def standard_org(make_org, add_deployment, add_contract):
    organisation = make_org()
    add_deployment(organisation)
    add_contract(
        organisation, plan="standard", amount="0", start=timezone.localdate() - dt.timedelta(days=10)
    )
    return organisation


@pytest.mark.django_db
def test_consuming_records_the_decision(standard_org):
    consumption = consume_quota(standard_org, Request("hotline", fatal=True), reference="CALL-1")
    assert consumption.entry.decision["reason"] == "ok"
    assert consumption.entry.decision["quota"]["remaining"] == 4  # before this call
    assert consumption.entry.contract_id is not None


@pytest.mark.django_db
def test_refusal_records_nothing(standard_org):
    with pytest.raises(EntitlementRefused) as refused:
        consume_quota(standard_org, Request("hotline", fatal=False))
    assert refused.value.code == "fatal_only"
    assert not UsageEntry.objects.exists()


@pytest.mark.django_db
def test_the_fifth_fatal_call_is_refused(standard_org):
    for _ in range(4):
        consume_quota(standard_org, Request("hotline", fatal=True))
    with pytest.raises(EntitlementRefused) as refused:
        consume_quota(standard_org, Request("hotline", fatal=True))
    assert refused.value.code == "quota_exhausted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("already_used", [0, 3, 4], ids=["none used", "three used", "all used"])
def test_twenty_concurrent_calls_get_exactly_what_remains(standard_org, already_used):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are tested on PostgreSQL (set DATABASE_URL)")
    for _ in range(already_used):
        consume_quota(standard_org, Request("hotline", fatal=True))
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            consume_quota(standard_org, Request("hotline", fatal=True))
            result = "granted"
        except EntitlementRefused as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    remaining = 4 - already_used
    assert outcomes.count("granted") == remaining
    assert outcomes.count("quota_exhausted") == 20 - remaining
    total = sum(e.amount for e in UsageEntry.objects.filter(organisation=standard_org, service="hotline"))
    assert total == Decimal(4)
