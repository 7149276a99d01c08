"""IM test set-up: an Advanced customer on 金蝶云·星空 (covered by IM), engineers, a frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from successhub.accounts.models import Role
from successhub.chat import services
from successhub.core.entitlements import BEIJING

OPEN = dt.datetime(2026, 3, 7, 10, 0, tzinfo=BEIJING)  # a Saturday morning: 7×8 is open every day
CLOSED = dt.datetime(2026, 3, 7, 12, 30, tzinfo=BEIJING)  # the lunch break
NIGHT = dt.datetime(2026, 3, 7, 20, 0, tzinfo=BEIJING)


class Clock:
    def __init__(self, monkeypatch):
        self.at = OPEN
        monkeypatch.setattr(timezone, "now", lambda: self.at.astimezone(dt.UTC))

    def set(self, at: dt.datetime) -> None:
        self.at = at


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def advanced(make_org, add_contract, add_deployment):
    org = make_org(name="华东高级制造")
    add_deployment(org, "galaxy", "public_cloud")
    add_contract(org, "advanced", start=dt.date(2026, 1, 1), end=dt.date(2028, 12, 31))
    return org


@pytest.fixture
def customer(advanced, make_user):
    return make_user(advanced, username="kehu")


@pytest.fixture
def agent(make_user):
    user = make_user(role=Role.SUPPORT_ENGINEER, username="agent1")
    services.set_presence(user, "online", 2)
    return user


@pytest.fixture
def agent2(make_user):
    user = make_user(role=Role.SUPPORT_ENGINEER, username="agent2")
    services.set_presence(user, "online", 1)
    return user
