"""Critical-moment support: requested by the customer, planned and confirmed by the manager, the
person-days reserved on confirmation, consumed on delivery, released on cancellation."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from successhub.contracts.models import UsageEntry
from successhub.success import services
from successhub.success.errors import EntitlementDenied, InvalidState, NotAllowed, SuccessError
from successhub.success.models import CriticalMoment, MomentStatus

from .conftest import NOW


def _request(customer, start=dt.date(2026, 6, 29), **extra):
    fields = {
        "kind": "month_end",
        "start_date": start,
        "end_date": start + dt.timedelta(days=2),
        "scope": "6 月月结：总账、应收应付结账",
        "contact_name": "王会计",
        "contact_phone": "13900000000",
    }
    fields.update(extra)
    return services.request_moment(customer, now=NOW, **fields)


def _planned(customer, manager, half_days=2, **extra):
    moment = _request(customer, **extra)
    return services.plan_moment(manager, moment, experts="总账专家 周工", half_days=half_days, mode="remote")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("plan", "amount", "reason"),
    [
        ("advanced", "5000", None),
        ("advanced", "4999.99", "contract_amount_below_minimum"),
        ("standard", "0", "not_in_plan"),
    ],
    ids=[
        "advanced at the minimum amount may request",
        "advanced under 5,000 yuan is refused",
        "standard plan has no critical moments",
    ],
)
def test_who_may_request(make_org, add_contract, add_deployment, make_user, manager, plan, amount, reason):
    org = make_org(technical_manager=manager)
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, plan, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), amount=amount)
    customer = make_user(org)
    if reason is None:
        assert _request(customer).status == MomentStatus.REQUESTED
    else:
        with pytest.raises(EntitlementDenied) as refused:
            _request(customer)
        assert refused.value.code == reason
        assert not CriticalMoment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"end_date": dt.date(2026, 6, 1)}, "invalid_dates"),
        ({"start_date": dt.date(2026, 6, 1), "end_date": dt.date(2026, 6, 2)}, "invalid_dates"),
        ({"kind": "birthday"}, "invalid_choice"),
        ({"scope": "  "}, "missing_field"),
        ({"start_date": "29/06/2026"}, "invalid_date"),
    ],
    ids=["ends before it starts", "in the past", "unknown kind", "no scope", "unreadable date"],
)
def test_bad_requests_are_refused(customer, fields, code):
    with pytest.raises(SuccessError) as refused:
        _request(customer, **fields)
    assert refused.value.code == code


@pytest.mark.django_db
def test_confirmation_reserves_and_delivery_consumes(customer, manager):
    moment = _planned(customer, manager, half_days=3)
    moment = services.confirm_moment(manager, moment, now=NOW)
    assert moment.status == MomentStatus.CONFIRMED
    assert moment.reserved_days == Decimal("1.5")
    assert (moment.year_start, moment.year_end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert not UsageEntry.objects.exists()  # reserved, not yet consumed

    moment = services.deliver_moment(
        manager, moment, days="1.5", work_done="值守结账、处理 2 个报错", summary="顺利完成月结"
    )
    assert moment.status == MomentStatus.DELIVERED
    assert moment.reserved_days == 0
    entry = UsageEntry.objects.get()
    assert (entry.service, entry.amount, entry.reference) == (
        "critical_moment_support",
        Decimal("1.5"),
        f"CM-{moment.pk}",
    )
    assert moment.usage == entry


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second", "second_allowed"),
    [(2, 2, True), (3, 1, True), (3, 2, False), (4, 1, False)],
    ids=["1 + 1 day fits in 2", "1.5 + 0.5 fits", "1.5 + 1 over-books", "2 + 0.5 over-books"],
)
def test_reservations_count_against_the_quota(customer, manager, first, second, second_allowed):
    services.confirm_moment(manager, _planned(customer, manager, half_days=first), now=NOW)
    later = _planned(customer, manager, half_days=second, start=dt.date(2026, 7, 30))
    if second_allowed:
        assert services.confirm_moment(manager, later, now=NOW).status == MomentStatus.CONFIRMED
    else:
        with pytest.raises(EntitlementDenied) as refused:
            services.confirm_moment(manager, later, now=NOW)
        assert refused.value.code == "quota_exhausted"
        later.refresh_from_db()
        assert later.status == MomentStatus.REQUESTED and later.reserved_days == 0


@pytest.mark.django_db
def test_cancelling_releases_the_reservation(customer, manager):
    first = services.confirm_moment(manager, _planned(customer, manager, half_days=4), now=NOW)
    second = _planned(customer, manager, half_days=1, start=dt.date(2026, 7, 30))
    with pytest.raises(EntitlementDenied):
        services.confirm_moment(manager, second, now=NOW)
    services.cancel_moment(customer, first, "月结推迟")
    assert services.confirm_moment(manager, second, now=NOW).status == MomentStatus.CONFIRMED


@pytest.mark.django_db
def test_a_new_service_year_has_its_own_quota(customer, manager):
    services.confirm_moment(manager, _planned(customer, manager, half_days=4), now=NOW)
    next_year = _planned(customer, manager, half_days=4, start=dt.date(2027, 1, 4), kind="year_end")
    assert services.confirm_moment(manager, next_year, now=NOW).year_start == dt.date(2027, 1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "code"),
    [("2", "exceeds_reservation"), ("0.3", "invalid_days"), ("0", "invalid_days"), ("x", "invalid_days")],
    ids=["more than reserved", "not a half day", "zero", "not a number"],
)
def test_delivery_refusals_write_nothing(customer, manager, days, code):
    moment = services.confirm_moment(manager, _planned(customer, manager, half_days=2), now=NOW)
    with pytest.raises(SuccessError) as refused:
        services.deliver_moment(manager, moment, days=days, work_done="x", summary="y")
    assert refused.value.code == code
    moment.refresh_from_db()
    assert moment.status == MomentStatus.CONFIRMED and moment.reserved_days == 1
    assert not UsageEntry.objects.exists()


@pytest.mark.django_db
def test_only_the_customers_own_manager_plans(customer, make_user, manager):
    from successhub.accounts.models import Role

    other = make_user(role=Role.TECHNICAL_MANAGER, username="other-manager")
    moment = _request(customer)
    with pytest.raises(NotAllowed):
        services.plan_moment(other, moment, experts="x", half_days=1, mode="remote")
    with pytest.raises(NotAllowed):
        services.plan_moment(customer, moment, experts="x", half_days=1, mode="remote")


@pytest.mark.django_db
def test_confirming_needs_a_plan_and_happens_once(customer, manager):
    moment = _request(customer)
    with pytest.raises(InvalidState):
        services.confirm_moment(manager, moment, now=NOW)
    services.plan_moment(manager, moment, experts="x", half_days=1, mode="on_site")
    services.confirm_moment(manager, moment, now=NOW)
    with pytest.raises(InvalidState):
        services.confirm_moment(manager, moment, now=NOW)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_never_over_book(customer, manager):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are tested on PostgreSQL (set DATABASE_URL)")
    # Ten one-day plans against a two-person-day quota, confirmed at the same instant.
    moments = [
        _planned(customer, manager, half_days=2, start=dt.date(2026, 7, 1) + dt.timedelta(days=i))
        for i in range(10)
    ]
    barrier = threading.Barrier(len(moments))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(moment) -> None:
        try:
            barrier.wait()
            services.confirm_moment(manager, moment, now=NOW)
            result = "confirmed"
        except EntitlementDenied as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(m,)) for m in moments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("confirmed") == 2
    assert outcomes.count("quota_exhausted") == 8
    assert services.reserved_days(customer.organisation_id, dt.date(2026, 1, 1)) == Decimal(2)
