"""Unified upgrade windows: checked against the business calendar, environments in scope computed,
customers told ahead (configurable), at the start and at the end, each exactly once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from successhub.contracts.models import Product
from successhub.notifications.models import Notification
from successhub.ops import services
from successhub.ops.errors import WindowRefused
from successhub.ops.models import UpgradeNotice, WindowState

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=BEIJING)  # a Monday
SATURDAY_NIGHT = dt.datetime(2026, 11, 14, 22, 0, tzinfo=BEIJING)


@pytest.fixture
def cosmic(db):
    return Product.objects.get(code="cosmic")


@pytest.mark.parametrize(
    ("start", "hours", "code"),
    [
        (dt.datetime(2026, 11, 16, 10, 0, tzinfo=BEIJING), 2, "window_in_business_hours"),  # Monday morning
        (
            dt.datetime(2026, 11, 13, 16, 0, tzinfo=BEIJING),
            4,
            "window_in_business_hours",
        ),  # runs into Friday's hours
        (dt.datetime(2026, 11, 1, 22, 0, tzinfo=BEIJING), 4, "window_in_past"),
        (SATURDAY_NIGHT, 0, "window_ends_before_start"),
    ],
)
def test_windows_that_are_refused(start, hours, code, cosmic):
    with pytest.raises(WindowRefused) as refused:
        services.plan_upgrade_window(cosmic, "6.3", start, start + dt.timedelta(hours=hours), now=NOW)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("rule", "catalog_says", "start", "refused"),
    [
        ("catalog 7x8: a Saturday morning is business hours", "upgrade_windows_outside: 7x8", 10, True),
        ("catalog 7x8: a Saturday night is not", "upgrade_windows_outside: 7x8", 22, False),
        ("catalog names no hours: any future window", "upgrade_windows_outside: null", 10, False),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value and ":" in value else "",
)
def test_the_hours_windows_avoid_are_the_catalog_s(
    rule, catalog_says, start, refused, cosmic, ops_catalog_where
):
    ops_catalog_where("upgrade_windows_outside: 5x8", catalog_says)
    saturday = dt.datetime(2026, 11, 14, start, 0, tzinfo=BEIJING)
    if refused:
        with pytest.raises(WindowRefused) as refusal:
            services.plan_upgrade_window(cosmic, "6.3", saturday, saturday + dt.timedelta(hours=1), now=NOW)
        assert refusal.value.code == "window_in_business_hours"
        assert "7×8" in str(refusal.value)
    else:
        assert services.plan_upgrade_window(
            cosmic, "6.3", saturday, saturday + dt.timedelta(hours=1), now=NOW
        ).pk


def test_a_national_holiday_weekday_is_outside_business_hours(cosmic):
    national_day = dt.datetime(2026, 10, 1, 10, 0, tzinfo=BEIJING)  # a Thursday, 国庆节
    window = services.plan_upgrade_window(
        cosmic,
        "6.3",
        national_day,
        national_day + dt.timedelta(hours=3),
        now=national_day - dt.timedelta(days=30),
    )
    assert window.pk


def test_environments_below_the_target_version_are_in_scope(cosmic, make_org, add_deployment):
    old = add_deployment(make_org(), product="cosmic", kind="public_cloud", version="6.0")
    add_deployment(make_org(), product="cosmic", kind="public_cloud", version="6.3")
    add_deployment(make_org(), product="galaxy", kind="public_cloud", version="1.0")
    window = services.plan_upgrade_window(
        cosmic, "6.3", SATURDAY_NIGHT, SATURDAY_NIGHT + dt.timedelta(hours=4), now=NOW
    )
    assert list(window.environments.all()) == [old.environment]


def test_customers_are_told_ahead_at_the_start_and_at_the_end_each_once(
    cosmic, make_org, make_user, add_deployment, settings
):
    settings.SUCCESSHUB_UPGRADE_NOTICE_DAYS = [7, 1]
    organisation = make_org()
    admin = make_user(organisation=organisation, role="customer_admin")
    add_deployment(organisation, product="cosmic", kind="public_cloud", version="6.0")
    window = services.plan_upgrade_window(
        cosmic, "6.3", SATURDAY_NIGHT, SATURDAY_NIGHT + dt.timedelta(hours=4), now=NOW
    )
    moments = [
        (NOW, []),
        (SATURDAY_NIGHT - dt.timedelta(days=7), ["ahead:7"]),
        (SATURDAY_NIGHT - dt.timedelta(days=6), []),
        (SATURDAY_NIGHT - dt.timedelta(hours=23), ["ahead:1"]),
        (SATURDAY_NIGHT + dt.timedelta(minutes=1), ["start"]),
        (SATURDAY_NIGHT + dt.timedelta(hours=1), []),
        (SATURDAY_NIGHT + dt.timedelta(hours=4, minutes=1), ["end"]),
        (SATURDAY_NIGHT + dt.timedelta(hours=5), []),
    ]
    for at, expected in moments:
        before = set(UpgradeNotice.objects.values_list("kind", flat=True))
        services.send_due_upgrade_notices(now=at)
        after = set(UpgradeNotice.objects.values_list("kind", flat=True))
        assert sorted(after - before) == expected, at
    assert Notification.objects.filter(recipient=admin, kind="ops.upgrade_window").count() == 4
    window.refresh_from_db()
    assert window.state == WindowState.FINISHED


def test_notice_days_come_from_the_window(cosmic, make_org, make_user, add_deployment):
    window = services.plan_upgrade_window(
        cosmic, "6.3", SATURDAY_NIGHT, SATURDAY_NIGHT + dt.timedelta(hours=4), notice_days=[3], now=NOW
    )
    assert window.notice_days == [3]
    services.send_due_upgrade_notices(now=SATURDAY_NIGHT - dt.timedelta(days=3))
    assert list(UpgradeNotice.objects.values_list("kind", flat=True)) == ["ahead:3"]


def test_a_window_planned_late_is_announced_once_ahead_and_lapsed_leads_are_skipped_after_the_start(cosmic):
    services.plan_upgrade_window(
        cosmic,
        "6.3",
        SATURDAY_NIGHT,
        SATURDAY_NIGHT + dt.timedelta(hours=4),
        now=SATURDAY_NIGHT - dt.timedelta(days=2),
    )
    services.send_due_upgrade_notices(now=SATURDAY_NIGHT - dt.timedelta(days=2))
    services.send_due_upgrade_notices(now=SATURDAY_NIGHT + dt.timedelta(minutes=1))
    assert sorted(UpgradeNotice.objects.values_list("kind", flat=True)) == ["ahead:7", "start"]
