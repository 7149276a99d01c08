"""License upgrades: who may apply for what, the engine's word, 增购, review by another person, delivery
exactly once, and signed license files that verify offline."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from successhub.core import licensing
from successhub.notifications.models import Notification
from successhub.updates import keys, services
from successhub.updates.errors import AdditionalPurchase, Conflict, Forbidden, InvalidInput, NotEntitled
from successhub.updates.models import License, LicenseStatus, LicenseUpgrade

MODULES = {"总账": 30, "应收应付": 20}


def _license(world, organisation=None, product="galaxy", version="V9.1", modules=None):
    organisation = organisation or world.advanced
    return services.record_license(
        world.admin,
        organisation,
        product,
        version,
        modules or MODULES,
        valid_from=timezone.localdate() - dt.timedelta(days=30),
        valid_until=timezone.localdate() + dt.timedelta(days=335),
    )


# --- who may apply for what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "deployment", "allowed", "reason"),
    [
        ("standard", "public_cloud", True, "ok"),
        ("standard", "private_cloud_subscription", True, "ok"),
        (
            "standard",
            "private_cloud",
            False,
            "deployment_not_eligible",
        ),  # Standard: subscription products only
        ("advanced", "private_cloud", True, "ok"),  # Advanced: every customer
        ("advanced", "public_cloud", True, "ok"),
    ],
    ids=[
        "standard-public-cloud",
        "standard-private-subscription",
        "standard-perpetual-refused",
        "advanced-perpetual",
        "advanced-public-cloud",
    ],
)
def test_the_engine_decides_who_is_entitled(
    world, versions, make_org, add_contract, add_deployment, plan, deployment, allowed, reason
):
    organisation = make_org(account_manager=world.accounts)
    add_deployment(organisation, "galaxy", deployment, version="V9.1")
    add_contract(organisation, plan=plan, amount="0" if plan == "standard" else "68000")
    current = _license(world, organisation)
    if allowed:
        upgrade = services.apply_for_upgrade(world.accounts, current)
        assert (upgrade.status, upgrade.target_version, upgrade.decision["reason"]) == (
            "submitted",
            "V9.2",
            "ok",
        )
        return
    with pytest.raises(NotEntitled) as refused:
        services.apply_for_upgrade(world.accounts, current)
    assert refused.value.code == reason
    assert "订阅" in refused.value.message or "私有云" in refused.value.message
    assert not LicenseUpgrade.objects.exists()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("accounts", None),  # the organisation's own account manager
        ("other_accounts", Forbidden),  # another account manager, when the customer has one
        ("admin", Forbidden),  # the seeds: 客户经营人员 submit
        ("customer", Forbidden),
        ("customer_admin", Forbidden),
        ("engineer", Forbidden),
    ],
)
def test_who_may_apply(world, versions, who, error):
    current = _license(world)
    if error is None:
        assert services.apply_for_upgrade(getattr(world, who), current).submitted_by == world.accounts
    else:
        with pytest.raises(error):
            services.apply_for_upgrade(getattr(world, who), current)
        assert not LicenseUpgrade.objects.exists()


@pytest.mark.parametrize(
    ("modules", "error", "code"),
    [
        ({"总账": 31, "应收应付": 20}, AdditionalPurchase, "additional_purchase"),  # more users
        ({**MODULES, "存货核算": 5}, AdditionalPurchase, "additional_purchase"),  # another module
        ({"总账": 10, "应收应付": 20}, InvalidInput, "scope_changed"),  # fewer: not the same license either
        ({"总账": 0, "应收应付": 20}, InvalidInput, "invalid_modules"),
    ],
    ids=["more-users", "extra-module", "fewer-users", "zero-users"],
)
def test_only_the_same_modules_and_user_counts(world, versions, modules, error, code):
    with pytest.raises(error) as refused:
        services.apply_for_upgrade(world.accounts, _license(world), modules)
    assert refused.value.code == code
    if code == "additional_purchase":
        assert "增购" in refused.value.message
    assert not LicenseUpgrade.objects.exists()


def test_a_license_at_the_newest_version_is_not_upgraded(world, versions):
    with pytest.raises(Conflict) as refused:
        services.apply_for_upgrade(world.accounts, _license(world, version="V9.2"))
    assert refused.value.code == "already_newest"


def test_one_open_application_per_license(world, versions):
    current = _license(world)
    services.apply_for_upgrade(world.accounts, current)
    with pytest.raises(Conflict) as refused:
        services.apply_for_upgrade(world.accounts, current)
    assert refused.value.code == "already_applied"


def test_a_license_for_a_product_the_organisation_lacks_is_refused_and_nothing_is_written(world, versions):
    with pytest.raises(InvalidInput) as refused:
        _license(world, product="cosmic", version="6.0")
    assert refused.value.code == "product_not_deployed"
    assert not License.objects.exists()


# --- review and delivery -----------------------------------------------------------------------------


def test_the_submitter_may_not_review(world, versions):
    upgrade = services.apply_for_upgrade(world.accounts, _license(world))
    with pytest.raises(Forbidden) as refused:
        services.approve_upgrade(world.accounts, upgrade.pk)
    assert refused.value.code == "same_person"
    with pytest.raises(Forbidden):
        services.approve_upgrade(world.customer_admin, upgrade.pk)
    assert License.objects.count() == 1


def test_approval_delivers_a_signed_license_and_tells_the_customer(world, versions):
    old = _license(world)
    upgrade = services.apply_for_upgrade(world.accounts, old)
    new = services.approve_upgrade(world.other_accounts, upgrade.pk, "一致")
    old.refresh_from_db()
    upgrade.refresh_from_db()
    assert old.status == LicenseStatus.SUPERSEDED
    assert (new.version, new.modules, new.kind, new.upgraded_from) == ("V9.2", MODULES, old.kind, old)
    assert (upgrade.status, upgrade.delivered_license, upgrade.reviewed_by) == (
        "delivered",
        new,
        world.other_accounts,
    )
    verdict = services.verify_document(new.document)
    assert verdict.valid and verdict.license["version"] == "V9.2"
    assert verdict.license["upgrade_service_included"] is False
    told = set(
        Notification.objects.filter(kind="license.delivered").values_list("recipient__username", flat=True)
    )
    assert told == {"customer", "customer-admin", "newcomer"}


def test_approving_twice_yields_one_license(world, versions):
    upgrade = services.apply_for_upgrade(world.accounts, _license(world))
    services.approve_upgrade(world.admin, upgrade.pk)
    with pytest.raises(Conflict) as refused:
        services.approve_upgrade(world.other_accounts, upgrade.pk)
    assert refused.value.code == "already_reviewed"
    with pytest.raises(Conflict):
        services.reject_upgrade(world.admin, upgrade.pk, "晚了")
    assert License.objects.filter(upgraded_from__isnull=False).count() == 1


def test_a_rejection_needs_a_reason_and_delivers_nothing(world, versions):
    upgrade = services.apply_for_upgrade(world.accounts, _license(world))
    with pytest.raises(InvalidInput):
        services.reject_upgrade(world.admin, upgrade.pk, "  ")
    services.reject_upgrade(world.admin, upgrade.pk, "合同即将到期，续约后再申请")
    upgrade.refresh_from_db()
    assert (upgrade.status, upgrade.review_reason) == ("rejected", "合同即将到期，续约后再申请")
    assert License.objects.count() == 1
    assert Notification.objects.filter(recipient=world.accounts, kind="license_upgrade.rejected").exists()


def test_approval_rechecks_the_engine_and_writes_nothing_when_it_refuses(world, versions):
    old = _license(world)
    upgrade = services.apply_for_upgrade(world.accounts, old)
    world.advanced.contracts.update(
        end=timezone.localdate() - dt.timedelta(days=1), start=timezone.localdate() - dt.timedelta(days=300)
    )
    with pytest.raises(NotEntitled) as refused:
        services.approve_upgrade(world.admin, upgrade.pk)
    assert refused.value.code == "no_active_contract"
    old.refresh_from_db()
    assert old.status == LicenseStatus.ACTIVE
    assert License.objects.count() == 1
    assert LicenseUpgrade.objects.get().status == "submitted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_yield_one_license(world, versions):
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency are tested on PostgreSQL (set DATABASE_URL)")
    upgrade = services.apply_for_upgrade(world.accounts, _license(world))
    reviewers = [world.admin, world.other_accounts] * 5
    barrier = threading.Barrier(len(reviewers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(reviewer) -> None:
        try:
            barrier.wait()
            services.approve_upgrade(reviewer, upgrade.pk)
            result = "delivered"
        except Conflict as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(reviewer,)) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_reviewed"] * 9 + ["delivered"]
    assert License.objects.filter(upgraded_from__isnull=False).count() == 1
    assert License.objects.filter(status="active").count() == 1


# --- the license file ----------------------------------------------------------------------------


def test_the_file_format_is_ed25519_over_canonical_json(world, versions):
    document = _license(world).document
    assert set(document) == {"license", "key_id", "signature"}
    public = keys.signing_key().public_key()
    assert document["key_id"] == licensing.key_id(public)
    canonical = json.dumps(document["license"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    public.verify(base64.b64decode(document["signature"]), canonical.encode("utf-8"))  # raises if wrong
    assert "总账" in canonical  # non-ASCII kept, not \\u-escaped


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda d: d["license"]["modules"].update({"总账": 300}), "bad_signature"),
        (lambda d: d["license"].update(version="V10"), "bad_signature"),
        (lambda d: d.update(signature=base64.b64encode(b"x" * 64).decode()), "bad_signature"),
        (lambda d: d.update(signature="not base64!"), "bad_signature"),
        (lambda d: d.update(key_id="0000000000000000"), "unknown_key"),
        (lambda d: d.pop("signature"), "malformed"),
    ],
    ids=[
        "more-users",
        "other-version",
        "other-signature",
        "signature-not-base64",
        "unknown-key",
        "no-signature",
    ],
)
def test_a_tampered_license_fails(world, versions, tamper, reason):
    document = copy.deepcopy(_license(world).document)
    tamper(document)
    verdict = services.verify_document(document)
    assert (verdict.valid, verdict.reason) == (False, reason)


def test_the_key_is_made_once_in_var_and_kept_private(world, versions, settings):
    _license(world)
    path = keys.default_key_path()
    assert path.parent == settings.VAR_DIR
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    first = path.read_bytes()
    _license(world, organisation=world.standard, product="cosmic", version="6.0")
    assert path.read_bytes() == first


def test_a_rotated_key_still_verifies_old_licenses(world, versions, monkeypatch, tmp_path):
    old_document = _license(world).document
    old_public = licensing.public_pem(keys.signing_key().public_key())
    (tmp_path / "trusted.pem").write_text(old_public)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    new_key = Ed25519PrivateKey.generate()
    monkeypatch.setenv(
        "SUCCESSHUB_LICENSE_SIGNING_KEY",
        new_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
    )
    assert services.verify_document(old_document).reason == "unknown_key"
    monkeypatch.setenv("SUCCESSHUB_LICENSE_TRUSTED_KEYS", str(tmp_path / "trusted.pem"))
    assert services.verify_document(old_document).valid
    fresh = _license(world, organisation=world.standard, product="cosmic", version="6.0").document
    assert fresh["key_id"] == licensing.key_id(new_key.public_key()) != old_document["key_id"]


# --- pages --------------------------------------------------------------------------------------


def test_the_license_page_says_no_upgrade_service_is_included(world, versions):
    _license(world)
    client = Client()
    client.force_login(world.customer)
    page = client.get("/updates/licenses/").content.decode()
    from successhub.catalog.loader import get_catalog

    assert get_catalog().any_definition("license_upgrade").summary.zh in page
    assert "不包含升级服务" in page


def test_customers_download_only_their_own_license_files(world, versions):
    mine = _license(world)
    theirs = _license(world, organisation=world.standard, product="cosmic", version="6.0")
    client = Client()
    client.force_login(world.customer)
    response = client.get(f"/updates/licenses/{mine.number}/file/")
    assert response.status_code == 200
    assert json.loads(response.content) == mine.document
    assert client.get(f"/updates/licenses/{theirs.number}/file/").status_code == 404


def test_an_account_manager_applies_from_the_page_and_more_users_is_refused_as_additional_purchase(
    world, versions
):
    current = _license(world)
    client = Client()
    client.force_login(world.accounts)
    refused = client.post(
        f"/updates/licenses/{current.number}/apply/", {"module:总账": "40", "module:应收应付": "20"}
    )
    assert refused.status_code == 422
    assert "增购" in refused.content.decode()
    assert not LicenseUpgrade.objects.exists()
    done = client.post(
        f"/updates/licenses/{current.number}/apply/", {"module:总账": "30", "module:应收应付": "20"}
    )
    assert done.status_code == 302
    upgrade = LicenseUpgrade.objects.get()
    reviewer = Client()
    reviewer.force_login(world.admin)
    reviewer.post("/updates/upgrades/", {"upgrade": upgrade.pk, "action": "approve", "reason": ""})
    upgrade.refresh_from_db()
    assert upgrade.status == "delivered"
