"""Members of the dedicated group: the catalog's cap (customer side only), verified users, history."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from successhub.accounts.models import Role
from successhub.imgroups import services
from successhub.imgroups.errors import GroupError
from successhub.imgroups.models import Membership, ServiceGroup

pytestmark = pytest.mark.django_db


def _active(group) -> int:
    return Membership.objects.filter(group=group, side="customer", removed_at__isnull=True).count()


@pytest.mark.parametrize(
    ("before", "adding", "outcome"),
    [
        pytest.param(0, 5, "ok", id="five-members-are-admitted"),
        pytest.param(5, 1, "member_limit_reached", id="a-sixth-is-refused"),
        pytest.param(4, 2, "member_limit_reached", id="the-fifth-fits-the-sixth-does-not"),
    ],
)
def test_the_catalogs_cap(admin, people, before, adding, outcome):
    users = people(before + adding)
    group = services.request_group(admin, "yunzhijia", users[:before])
    refused = None
    for user in users[before:]:
        try:
            services.add_member(admin, group, user)
        except GroupError as exc:
            refused = exc
    assert (refused.code if refused else "ok") == outcome
    assert _active(group) == min(before + adding, 5)
    if refused:
        assert "不超过 5 个用户" in refused.message  # the engine's explanation, with the catalog's number


def test_members_can_be_replaced_and_the_history_is_kept(admin, people):
    users = people(6)
    group = services.request_group(admin, "wecom", users[:5])
    leaving = Membership.objects.get(group=group, user=users[0])
    services.remove_member(admin, leaving)
    services.add_member(admin, group, users[5])
    assert _active(group) == 5
    assert Membership.objects.filter(group=group).count() == 6
    leaving.refresh_from_db()
    assert leaving.removed_at is not None and leaving.removed_by == admin
    services.remove_member(admin, Membership.objects.get(group=group, user=users[5]))
    services.add_member(admin, group, users[0])  # the same person can come back
    assert Membership.objects.filter(group=group, user=users[0]).count() == 2


def test_the_vendor_side_does_not_count(admin, people, engineer, make_user):
    group = services.request_group(admin, "dingtalk", people(5))
    manager = make_user(role=Role.TECHNICAL_MANAGER)
    services.add_vendor_member(engineer, group, manager, "tm01")
    services.add_vendor_member(engineer, group, engineer, "eng01")
    assert Membership.objects.filter(group=group, removed_at__isnull=True).count() == 7
    assert _active(group) == 5


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("unverified", "not_verified", id="unverified-users-are-refused"),
        pytest.param("other-organisation", "not_a_member_of_organisation", id="another-organisations-user"),
        pytest.param("staff", "not_a_member_of_organisation", id="staff-join-on-the-vendor-side-only"),
    ],
)
def test_who_may_be_a_customer_member(admin, make_user, make_org, who, code):
    group = services.request_group(admin, "yunzhijia", [])
    user = {
        "unverified": lambda: make_user(admin.organisation, verified=False),
        "other-organisation": lambda: make_user(make_org()),
        "staff": lambda: make_user(role=Role.SUPPORT_ENGINEER),
    }[who]()
    with pytest.raises(GroupError) as refused:
        services.add_member(admin, group, user)
    assert refused.value.code == code


def test_only_the_customer_admin_requests_and_only_tools_the_catalog_offers(admin, people, make_user):
    user = people(1)[0]
    with pytest.raises(GroupError) as refused:
        services.request_group(user, "yunzhijia", [])
    assert refused.value.code == "not_allowed"
    with pytest.raises(GroupError) as refused:
        services.request_group(admin, "feishu", [])
    assert refused.value.code == "unknown_tool"


def test_a_standard_customer_has_no_group(make_org, add_contract, add_deployment, make_user):
    org = make_org()
    add_deployment(org, "galaxy", "public_cloud")
    add_contract(org, "standard", amount="0")
    admin = make_user(org, role=Role.CUSTOMER_ADMIN)
    with pytest.raises(GroupError) as refused:
        services.request_group(admin, "yunzhijia", [])
    assert refused.value.code == "not_in_plan"
    assert not ServiceGroup.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_additions_never_pass_the_cap(admin, people):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are tested on PostgreSQL (set DATABASE_URL)")
    group = services.request_group(admin, "yunzhijia", [])
    users = people(12)
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def add(user):
        try:
            barrier.wait()
            services.add_member(admin, group, user)
            outcomes.append("ok")
        except GroupError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 5
    assert outcomes.count("member_limit_reached") == 7
    assert _active(group) == 5
