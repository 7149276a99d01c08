"""40 fatal-fault calls at once for an organisation with 2 units left: exactly 2 are accepted."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from successhub.contracts.models import UsageEntry
from successhub.contracts.services import consume_quota
from successhub.core.entitlements import Request
from successhub.hotline import services
from successhub.hotline.errors import CallRefused
from successhub.hotline.models import Call, Outcome


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_forty_simultaneous_fatal_calls_with_two_units_left(std_caller, engineer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are tested on PostgreSQL (set DATABASE_URL)")
    org = std_caller.organisation
    for _ in range(2):
        consume_quota(org, Request("hotline", fatal=True))
    barrier = threading.Barrier(40)
    outcomes: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            barrier.wait()
            services.take_call(
                engineer=engineer, organisation=org, caller=std_caller, fatal=True, summary="全员无法登录"
            )
            result = "accepted"
        except CallRefused as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=call) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("accepted") == 2
    assert outcomes.count("quota_exhausted") == 38
    assert UsageEntry.objects.filter(organisation=org, service="hotline").count() == 4
    assert Call.objects.filter(outcome=Outcome.ACCEPTED, usage_entry__isnull=False).count() == 2
    assert Call.objects.filter(outcome=Outcome.REFUSED, refusal_code="quota_exhausted").count() == 38
