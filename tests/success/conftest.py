"""Value-service test set-up: an Advanced customer with its technical manager, frozen at a known instant."""

from __future__ import annotations

import datetime as dt

import pytest

from successhub.accounts.models import Role
from successhub.core.entitlements import BEIJING

# A Wednesday in a normal working week: 10:00 Beijing time.
NOW = dt.datetime(2026, 6, 10, 10, 0, tzinfo=BEIJING)
YEAR_START = dt.date(2026, 1, 1)


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(make_user):
    return make_user(
        role=Role.TECHNICAL_MANAGER,
        username="manager",
        display_name="陈静",
        phone="13800000001",
        email="chen.jing@example.com",
    )


@pytest.fixture
def advanced(make_org, add_contract, add_deployment, manager):
    org = make_org(name="华东测试制造", technical_manager=manager)
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, "advanced", start=YEAR_START, end=dt.date(2028, 12, 31), amount="68000")
    return org


@pytest.fixture
def customer(advanced, make_user):
    return make_user(advanced, username="buyer", email="buyer@example.com")


@pytest.fixture
def freeze(monkeypatch):
    """Freeze django.utils.timezone.now at ``NOW`` (or the instant given)."""
    from django.utils import timezone

    def at(instant: dt.datetime = NOW):
        monkeypatch.setattr(timezone, "now", lambda: instant)
        return instant

    return at
