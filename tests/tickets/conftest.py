"""Ticket test set-up: an Advanced private-cloud customer, a Standard one, engineers with skills."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from successhub.accounts.models import Role
from successhub.contracts.models import Product
from successhub.core.entitlements import BEIJING
from successhub.tickets.models import EngineerSkill
from successhub.tickets.services import filing

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def advanced(make_org, add_contract, add_deployment):
    """An Advanced customer in its first year, on private cloud (subscription) 星空."""
    org = make_org(name="华东测试制造")
    add_deployment(org, "galaxy", "private_cloud_subscription")
    add_contract(org, "advanced", start=dt.date(2024, 1, 1), end=dt.date(2030, 12, 31))
    return org


@pytest.fixture
def standard(make_org, add_contract, add_deployment):
    org = make_org(name="南方测试零售")
    add_deployment(org, "cosmic", "public_cloud")
    add_contract(org, "standard", start=dt.date(2024, 1, 1), end=dt.date(2030, 12, 31), amount="0")
    return org


@pytest.fixture
def customer(advanced, make_user):
    return make_user(advanced, email="customer@example.com")


@pytest.fixture
def engineer(make_user):
    user = make_user(role=Role.SUPPORT_ENGINEER, email="engineer@example.com")
    EngineerSkill.objects.create(engineer=user, product=Product.objects.get(code="galaxy"))
    return user


@pytest.fixture
def file_ticket(customer):
    """File a ticket as ``customer`` (or another requester), at ``now``."""

    def file(requester=None, *, now=None, category="application_problem", product="galaxy", **extra):
        requester = requester or customer
        return filing.file_ticket(
            requester=requester,
            filed_by=extra.pop("filed_by", requester),
            product_code=product,
            category=category,
            title=extra.pop("title", "凭证无法保存"),
            description=extra.pop("description", "保存凭证时提示科目余额不平。"),
            now=now,
            **extra,
        )

    return file


@pytest.fixture
def png():
    return lambda name="screen.png": SimpleUploadedFile(name, PNG, content_type="image/png")


from tests.standin_fixtures import make_robot, standin  # noqa: E402,F401  (IM stand-in fixtures)
