"""Shared test set-up: factories for the foundation's objects (no shared mutable fixtures)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from successhub.accounts.models import Organisation, Role, User
from successhub.contracts.models import Contract, Deployment, Product


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users: the production hasher's deliberate slowness would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page requested in English must not leak into the next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def make_org(db):
    counter = {"n": 0}

    def make(region="mainland", name=None, **extra) -> Organisation:
        counter["n"] += 1
        n = counter["n"]
        return Organisation.objects.create(
            name=name or f"测试客户{n}", code=f"org{n}", region=region, **extra
        )

    return make


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(
        organisation=None, role=Role.CUSTOMER_USER, verified=True, password="pw-123456", **extra
    ) -> User:
        counter["n"] += 1
        user = User.objects.create_user(
            username=extra.pop("username", f"user{counter['n']}"),
            password=password,
            role=role,
            organisation=organisation,
            phone_verified_at=timezone.now() if verified else None,
            is_staff=role not in (Role.CUSTOMER_USER, Role.CUSTOMER_ADMIN),
            **extra,
        )
        return user

    return make


@pytest.fixture
def add_deployment(db):
    def add(organisation, product="galaxy", kind="public_cloud", version="1.0") -> Deployment:
        return Deployment.objects.create(
            organisation=organisation, product=Product.objects.get(code=product), type=kind, version=version
        )

    return add


@pytest.fixture
def add_contract(db):
    counter = {"n": 0}

    def add(organisation, plan="advanced", start=None, end=None, amount="68000", **extra) -> Contract:
        counter["n"] += 1
        start = start or timezone.localdate() - dt.timedelta(days=30)
        end = end or start + dt.timedelta(days=364)
        return Contract.objects.create(
            organisation=organisation,
            number=f"C-{organisation.pk}-{counter['n']}",
            plan=plan,
            start=start,
            end=end,
            amount=Decimal(amount),
            **extra,
        )

    return add
