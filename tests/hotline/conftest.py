"""Hotline set-up: a Standard and an Advanced customer with verified callers, desk engineers, a frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from successhub.accounts.models import Role
from successhub.core.entitlements import BEIJING

# A Wednesday afternoon, Beijing time: inside every schedule (the hotline is 7×24 anyway).
NOW = dt.datetime(2026, 3, 4, 14, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """Every ``timezone.now()`` in the code under test reads this instant."""
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    return NOW


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.SUCCESSHUB_CTI_SECRET = "cti-test-secret"
    settings.SUCCESSHUB_CTI_TOKEN = "cti-test-token"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def standard(make_org, add_contract, add_deployment):
    org = make_org(name="南方标准零售")
    add_deployment(org, "cosmic", "public_cloud")
    add_contract(org, "standard", start=dt.date(2026, 1, 1), end=dt.date(2028, 12, 31), amount="0")
    return org


@pytest.fixture
def advanced(make_org, add_contract, add_deployment):
    org = make_org(name="华东高级制造")
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, "advanced", start=dt.date(2026, 1, 1), end=dt.date(2028, 12, 31))
    return org


@pytest.fixture
def std_caller(standard, make_user):
    return make_user(standard, phone="13800000001")


@pytest.fixture
def adv_caller(advanced, make_user):
    return make_user(advanced, phone="13900000002")


@pytest.fixture
def engineer(make_user):
    return make_user(role=Role.SUPPORT_ENGINEER, username="desk1")
