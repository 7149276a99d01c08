"""An Advanced customer with its admin and users, an engineer, and groups bound to the tools' stand-ins."""

from __future__ import annotations

import datetime as dt

import pytest

from successhub.accounts.models import Role
from successhub.contracts.models import Product
from successhub.core.entitlements import BEIJING
from successhub.imgroups import services
from successhub.tickets.models import EngineerSkill
from tests.standin_fixtures import make_robot, standin  # noqa: F401  (fixtures)

CREDENTIALS = {
    "yunzhijia": {"callback_secret": "yzj-callback-secret"},
    "wecom": {
        "token": "wecomToken",
        "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "corp_id": "ww1234567890",
    },
    "dingtalk": {"app_secret": "ding-app-secret"},
}
SIGNING = {"yunzhijia": "", "wecom": "", "dingtalk": "SECdingtalk-robot"}


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _mail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def advanced(make_org, add_contract, add_deployment):
    org = make_org(name="华东测试制造")
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, "advanced", start=dt.date(2024, 1, 1), end=dt.date(2030, 12, 31))
    return org


@pytest.fixture
def admin(advanced, make_user):
    return make_user(advanced, role=Role.CUSTOMER_ADMIN, phone="13800000000", username="custadmin")


@pytest.fixture
def people(advanced, make_user):
    """Verified users of the organisation (more than the cap)."""

    def make(n: int):
        return [make_user(advanced, phone=f"1380000{index:04d}") for index in range(1, n + 1)]

    return make


@pytest.fixture
def engineer(make_user):
    user = make_user(role=Role.SUPPORT_ENGINEER, username="engineer1", display_name="王工")
    EngineerSkill.objects.create(engineer=user, product=Product.objects.get(code="galaxy"))
    return user


@pytest.fixture
def bound_group(admin, engineer, standin, make_robot):  # noqa: F811
    """``bound_group("wecom")``: requested by the admin, bound by the engineer to that tool's stand-in."""

    def make(tool: str, members=()):
        server = standin(tool)
        group = services.request_group(admin, tool, list(members))
        url = server.add_robot(f"{tool}-robot", SIGNING[tool])
        services.bind(engineer, group, webhook_url=url, secret=SIGNING[tool], credentials=CREDENTIALS[tool])
        group.refresh_from_db()
        return group, server

    return make
