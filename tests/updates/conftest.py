"""Updates test set-up: packages stored under a temporary folder, a signing key of the test's own,
customers of both plans and the staff who publish, apply and review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from successhub.accounts.models import Organisation, Role, User
from successhub.updates import services
from successhub.updates.models import Package, ProductVersion


@pytest.fixture(autouse=True)
def _own_storage_and_key(settings, tmp_path):
    """Each test stores its packages and makes its signing key in its own folder."""
    settings.VAR_DIR = tmp_path / "var"
    settings.STORAGES = {
        **settings.STORAGES,
        "packages": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "packages")},
        },
    }
    settings.SUCCESSHUB_DOWNLOAD_DELIVERY = "stream"
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    advanced: Organisation  # Advanced, galaxy V9.1 on private cloud (perpetual), account manager `accounts`
    standard: Organisation  # Standard, cosmic 6.0 on public cloud (subscription)
    customer: User  # verified, Advanced
    customer_admin: User  # verified customer admin, Advanced
    standard_customer: User
    unverified: User  # Advanced, never verified
    accounts: User  # account manager of the Advanced customer
    other_accounts: User  # another account manager
    admin: User  # service admin (reviewer, publisher)
    engineer: User  # support engineer (publisher)
    manager: User  # the Advanced customer's technical manager


@pytest.fixture
def world(make_org, make_user, add_contract, add_deployment) -> World:
    accounts = make_user(role=Role.ACCOUNT_MANAGER, username="accounts")
    manager = make_user(role=Role.TECHNICAL_MANAGER, username="manager")
    advanced = make_org(name="高级客户", account_manager=accounts, technical_manager=manager)
    add_deployment(advanced, "galaxy", "private_cloud", version="V9.1")
    add_contract(advanced, plan="advanced")
    standard = make_org(name="标准客户")
    add_deployment(standard, "cosmic", "public_cloud", version="6.0")
    add_contract(standard, plan="standard", amount="0")
    return World(
        advanced=advanced,
        standard=standard,
        customer=make_user(advanced, username="customer"),
        customer_admin=make_user(advanced, role=Role.CUSTOMER_ADMIN, username="customer-admin"),
        standard_customer=make_user(standard, username="retail"),
        unverified=make_user(advanced, verified=False, username="newcomer"),
        accounts=accounts,
        other_accounts=make_user(role=Role.ACCOUNT_MANAGER, username="accounts2"),
        admin=make_user(role=Role.SERVICE_ADMIN, username="admin"),
        engineer=make_user(role=Role.SUPPORT_ENGINEER, username="engineer"),
        manager=manager,
    )


@pytest.fixture
def versions(db):
    from successhub.contracts.models import Product

    today = timezone.localdate()
    rows = {}
    for code, version, days in [
        ("galaxy", "V9.0", 300),
        ("galaxy", "V9.1", 100),
        ("galaxy", "V9.2", 10),
        ("cosmic", "6.0", 200),
        ("cosmic", "6.1", 20),
    ]:
        rows[(code, version)] = ProductVersion.objects.create(
            product=Product.objects.get(code=code),
            version=version,
            released_on=today - dt.timedelta(days=days),
        )
    return rows


BODY = bytes(range(256)) * 40  # 10,240 bytes, every byte value


@pytest.fixture
def publish(world, versions):
    def make(
        product="galaxy", versions=("V9.1",), body=BODY, title=None, kind="fix_patch", published=True
    ) -> Package:
        package = services.create_package(
            world.admin,
            product=product,
            kind=kind,
            title=title or f"{product} 补丁 {Package.objects.count() + 1}",
            versions=versions,
            release_notes="修正若干问题",
        )
        services.attach_file(world.admin, package, ContentFile(body), "patch.zip")
        if published:
            services.publish_package(world.admin, package)
        package.refresh_from_db()
        return package

    return make
