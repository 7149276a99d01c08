"""Security advisories: affected environments computed from product and version range; customers told
once; each environment's state tracked (affected, scheduled, fixed)."""

from __future__ import annotations

import datetime as dt

import pytest

from successhub.contracts.models import Product
from successhub.notifications.models import Notification
from successhub.ops import services
from successhub.ops.errors import AdvisoryRefused
from successhub.ops.models import AdvisoryState, SecurityAdvisory, UpgradeWindow
from successhub.ops.versions import in_range, version_key

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("version", "lowest", "highest", "fixed", "affected"),
    [
        ("6.0", "5.0", "6.2", "6.3", True),
        ("V6.2", "5.0", "6.2", "6.3", True),
        ("6.2.1", "5.0", "6.2", "6.3", False),  # above the range's top
        ("4.9", "5.0", "6.2", "6.3", False),  # below the range's bottom
        ("6.3", "", "", "6.3", False),  # runs the fixed version
        ("6.0", "", "", "6.3", True),  # open range: everything before the fix
        ("", "", "", "6.3", False),  # no version known: not claimed affected
    ],
)
def test_version_ranges(version, lowest, highest, fixed, affected):
    assert in_range(version, lowest, highest, below=fixed) is affected


def test_versions_compare_by_numbers():
    assert (
        version_key("V9.1") == (9, 1)
        and version_key("6.0") == version_key("6")
        and version_key("10.0") > (9, 9)
    )


@pytest.fixture
def advisory(db):
    return SecurityAdvisory.objects.create(
        code="ksa-2026-001",
        title="上传组件漏洞",
        product=Product.objects.get(code="cosmic"),
        affected_from="5.0",
        affected_to="6.2",
        fixed_version="6.3",
        severity="high",
        description="…",
    )


def test_publishing_tracks_the_affected_environments_and_tells_their_admins_once(
    advisory, make_org, make_user, add_deployment, ops_engineer
):
    affected_org, safe_org = make_org(), make_org()
    admin = make_user(organisation=affected_org, role="customer_admin")
    make_user(organisation=safe_org, role="customer_admin")
    add_deployment(affected_org, product="cosmic", kind="public_cloud", version="6.0")
    add_deployment(safe_org, product="cosmic", kind="public_cloud", version="6.3")
    add_deployment(safe_org, product="galaxy", kind="public_cloud", version="6.0")

    rows = services.publish_advisory(advisory, now=NOW)
    services.publish_advisory(advisory, now=NOW)  # again: nobody told twice

    assert [(r.environment.organisation, r.state) for r in rows] == [(affected_org, AdvisoryState.AFFECTED)]
    told = list(Notification.objects.filter(kind="ops.security_advisory").values_list("recipient", flat=True))
    assert sorted(told) == sorted([admin.pk, ops_engineer.pk])


def test_scheduling_then_a_finished_window_fixes_it(advisory, make_org, add_deployment):
    deployment = add_deployment(make_org(), product="cosmic", kind="public_cloud", version="6.0")
    (row,) = services.publish_advisory(advisory, now=NOW)
    window = UpgradeWindow.objects.create(
        product=advisory.product,
        target_version="6.3",
        starts_at=NOW + dt.timedelta(days=1),
        ends_at=NOW + dt.timedelta(days=1, hours=4),
    )
    window.environments.add(row.environment)

    services.schedule_advisory_fix(row, window=window)
    assert (row.state, row.scheduled_for) == (AdvisoryState.SCHEDULED, window.starts_at)

    services.send_due_upgrade_notices(now=window.ends_at + dt.timedelta(minutes=1))
    row.refresh_from_db()
    deployment.refresh_from_db()
    assert row.state == AdvisoryState.FIXED
    assert deployment.version == "6.3"


@pytest.mark.parametrize(("target", "code"), [("6.2", "window_below_fixed_version"), (None, "no_schedule")])
def test_scheduling_refusals(target, code, advisory, make_org, add_deployment):
    add_deployment(make_org(), product="cosmic", kind="public_cloud", version="6.0")
    (row,) = services.publish_advisory(advisory, now=NOW)
    window = None
    if target:
        window = UpgradeWindow.objects.create(
            product=advisory.product,
            target_version=target,
            starts_at=NOW,
            ends_at=NOW + dt.timedelta(hours=1),
        )
    with pytest.raises(AdvisoryRefused) as refused:
        services.schedule_advisory_fix(row, window=window)
    assert refused.value.code == code
