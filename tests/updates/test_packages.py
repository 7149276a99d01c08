"""The package catalogue: staff upload (streamed and hashed), publish and withdraw; subscribers are told;
the customer admin's update plan, which the technical manager sees."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from successhub.notifications.models import Notification
from successhub.updates import services
from successhub.updates.errors import Conflict, Forbidden, InvalidInput
from successhub.updates.models import Package, PlanStatus, Subscription, UpdatePlanEntry


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_upload_streams_hashes_and_publishes(world, versions, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # anything bigger goes to a temporary file, never memory
    body = b"PK\x03\x04" + bytes(range(256)) * 64
    response = _client(world.engineer).post(
        "/updates/staff/packages/upload/",
        {
            "product": "galaxy",
            "kind": "fix_patch",
            "title": "星空 V9.1 补丁",
            "versions": "V9.0，V9.1",
            "severity": "high",
            "release_notes": "修正",
            "publish": "1",
            "file": SimpleUploadedFile("补丁 1.zip", body, content_type="application/zip"),
        },
    )
    assert response.status_code == 302
    package = Package.objects.get()
    assert (package.status, package.size, package.sha256) == (
        "published",
        len(body),
        hashlib.sha256(body).hexdigest(),
    )
    assert sorted(package.applies_to.values_list("version", flat=True)) == ["V9.0", "V9.1"]
    with services.package_storage().open(package.file) as stored:
        assert stored.read() == body


@pytest.mark.parametrize("who", ["customer", "customer_admin", "accounts", "manager"])
def test_only_publishers_maintain_packages(world, versions, who):
    with pytest.raises(Forbidden):
        services.create_package(
            getattr(world, who), product="galaxy", kind="fix_patch", title="x", versions=["V9.1"]
        )
    response = _client(getattr(world, who)).post(
        "/updates/staff/packages/upload/",
        {
            "product": "galaxy",
            "kind": "fix_patch",
            "title": "x",
            "versions": "V9.1",
            "file": SimpleUploadedFile("x.zip", b"x"),
        },
    )
    assert response.status_code == 302
    assert not Package.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"versions": ["V8.0"]}, "没有这些版本"),
        ({"versions": []}, "适用版本"),
        ({"product": "nope"}, "未知的产品"),
        ({"kind": "virus"}, "类型"),
        ({"title": ""}, "标题"),
    ],
    ids=["unknown-version", "no-version", "unknown-product", "unknown-kind", "no-title"],
)
def test_bad_package_input_is_refused_and_nothing_is_written(world, versions, fields, message):
    values = {"product": "galaxy", "kind": "fix_patch", "title": "补丁", "versions": ["V9.1"], **fields}
    with pytest.raises(InvalidInput) as refused:
        services.create_package(world.admin, **values)
    assert message in str(refused.value)
    assert not Package.objects.exists()


def test_a_package_without_a_file_cannot_be_published(world, versions):
    package = services.create_package(
        world.admin, product="galaxy", kind="fix_patch", title="补丁", versions=["V9.1"]
    )
    with pytest.raises(InvalidInput):
        services.publish_package(world.admin, package)


def test_withdrawal_needs_a_reason_and_is_final(world, publish):
    package = publish()
    with pytest.raises(InvalidInput):
        services.withdraw_package(world.admin, package, "")
    services.withdraw_package(world.admin, package, "回归问题")
    with pytest.raises(Conflict):
        services.publish_package(world.admin, package)


def test_subscribers_running_an_applicable_version_are_told(world, versions, publish, make_user):
    services.set_subscription(world.customer, world.customer.organisation.deployments.first().product, True)
    services.set_subscription(world.standard_customer, world.standard.deployments.first().product, True)
    package = publish(versions=("V9.1",))
    told = Notification.objects.filter(kind="package.published")
    assert [n.recipient for n in told] == [world.customer]
    assert told[0].url == f"/updates/packages/{package.pk}/"
    publish(versions=("V9.0",))  # a version they do not run: no word
    assert told.count() == 1


def test_customers_subscribe_only_to_products_they_run(world, versions):
    from successhub.contracts.models import Product

    with pytest.raises(InvalidInput):
        services.set_subscription(world.customer, Product.objects.get(code="cosmic"), True)
    assert not Subscription.objects.exists()


# --- the update plan -------------------------------------------------------------------------------


def test_the_customer_admin_keeps_the_plan_and_the_technical_manager_sees_it(world, publish, make_user):
    package = publish()
    admin_client = _client(world.customer_admin)
    response = admin_client.post(
        "/updates/plan/",
        {"action": "add", "package": package.pk, "planned_for": "2026-03-07", "note": "周末窗口"},
    )
    assert response.status_code == 302
    entry = UpdatePlanEntry.objects.get()
    assert (entry.organisation, entry.planned_for, entry.status) == (
        world.advanced,
        dt.date(2026, 3, 7),
        "planned",
    )
    admin_client.post("/updates/plan/", {"entry": entry.pk, "status": PlanStatus.APPLIED})
    entry.refresh_from_db()
    assert entry.status == "applied"
    page = _client(world.manager).get(f"/updates/plan/{world.advanced.pk}/")
    assert page.status_code == 200
    assert package.title in page.content.decode() and "已应用" in page.content.decode()
    from successhub.accounts.models import Role

    stranger = make_user(role=Role.TECHNICAL_MANAGER)
    assert _client(stranger).get(f"/updates/plan/{world.advanced.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["customer", "manager"])
def test_others_read_the_plan_but_do_not_change_it(world, publish, who):
    package = publish()
    services.plan_package(world.customer_admin, package, dt.date(2026, 3, 7))
    with pytest.raises(Forbidden):
        services.plan_package(getattr(world, who), package, dt.date(2026, 4, 1))
    assert UpdatePlanEntry.objects.get().planned_for == dt.date(2026, 3, 7)


def test_a_bad_plan_date_is_a_message_not_an_error(world, publish):
    package = publish()
    response = _client(world.customer_admin).post(
        "/updates/plan/", {"action": "add", "package": package.pk, "planned_for": "not-a-date"}, follow=True
    )
    assert response.status_code == 200
    assert "有效的日期" in response.content.decode()
    assert not UpdatePlanEntry.objects.exists()


def test_pages_render_for_every_role(world, publish):
    publish()
    for who in [
        "customer",
        "customer_admin",
        "standard_customer",
        "engineer",
        "admin",
        "accounts",
        "manager",
    ]:
        client = _client(getattr(world, who))
        for url in [
            "/updates/",
            "/updates/licenses/",
            "/updates/plan/",
            "/updates/upgrades/",
            "/updates/staff/packages/",
        ]:
            assert client.get(url).status_code in (200, 403, 404), (who, url)


def test_package_uploads_have_their_own_size_limit(world, versions, settings):
    settings.SUCCESSHUB_MAX_REQUEST_BYTES = 2000  # the general limit, far below the package
    settings.SUCCESSHUB_MAX_PACKAGE_BYTES = 100_000
    fields = {"product": "galaxy", "kind": "installer", "title": "安装包", "versions": "V9.1"}
    client = _client(world.admin)
    accepted = client.post(
        "/updates/staff/packages/upload/", {**fields, "file": SimpleUploadedFile("a.zip", b"a" * 5000)}
    )
    assert accepted.status_code == 302 and Package.objects.get().size == 5000
    too_big = client.post(
        "/updates/staff/packages/upload/", {**fields, "file": SimpleUploadedFile("b.zip", b"b" * 200_000)}
    )
    assert too_big.status_code == 413
    assert Package.objects.count() == 1
