"""`/api/v1/licenses` (with download_url), `/api/v1/packages`, signed links and upgrades over HTTP."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from successhub.updates import services
from successhub.updates.models import License


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def licenses(world, versions):
    mine = services.record_license(
        world.admin, world.advanced, "galaxy", "V9.1", {"总账": 30}, valid_from=timezone.localdate()
    )
    theirs = services.record_license(
        world.admin, world.standard, "cosmic", "6.0", {"零售": 200}, valid_from=timezone.localdate()
    )
    return mine, theirs


def test_licenses_lists_the_organisations_own_with_a_download_url(world, licenses):
    mine, _theirs = licenses
    client = _client(world.customer)
    response = client.get("/api/v1/licenses")
    assert response.status_code == 200
    rows = response.json()
    assert [row["number"] for row in rows] == [mine.number]
    row = rows[0]
    assert (row["product"], row["version"], row["modules"], row["kind"]) == (
        "galaxy",
        "V9.1",
        {"总账": 30},
        "perpetual",
    )
    assert row["download_url"].startswith("http://testserver/api/v1/licenses/")
    file = client.get(row["download_url"])
    assert file.status_code == 200
    assert json.loads(file.content) == mine.document


def test_another_organisations_license_file_is_not_found(world, licenses):
    _mine, theirs = licenses
    response = _client(world.customer).get(f"/api/v1/licenses/{theirs.number}/file")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("who", "status"), [("unverified", 403), ("engineer", 403), ("accounts", 200)])
def test_who_may_list_licenses(world, licenses, who, status):
    assert _client(getattr(world, who)).get("/api/v1/licenses").status_code == status


def test_apply_and_approve_over_the_api(world, licenses):
    mine, _ = licenses
    more = _client(world.accounts).post(
        "/api/v1/license-upgrades",
        {"license": mine.number, "modules": {"总账": 50}},
        content_type="application/json",
    )
    assert (more.status_code, more.json()["code"]) == (422, "additional_purchase")
    applied = _client(world.accounts).post(
        "/api/v1/license-upgrades", {"license": mine.number}, content_type="application/json"
    )
    assert applied.status_code == 201
    upgrade_id = applied.json()["id"]
    same = _client(world.accounts).post(
        f"/api/v1/license-upgrades/{upgrade_id}/approve", {}, content_type="application/json"
    )
    assert (same.status_code, same.json()["code"]) == (403, "same_person")
    approved = _client(world.admin).post(
        f"/api/v1/license-upgrades/{upgrade_id}/approve", {"reason": "ok"}, content_type="application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "delivered"
    again = _client(world.other_accounts).post(
        f"/api/v1/license-upgrades/{upgrade_id}/approve", {}, content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_reviewed")
    assert License.objects.filter(organisation=world.advanced).count() == 2


def test_packages_and_a_signed_link_over_the_api(world, publish):
    package = publish()
    client = _client(world.customer)
    rows = client.get("/api/v1/packages").json()
    assert [(r["id"], r["sha256"], r["versions"]) for r in rows] == [(package.pk, package.sha256, ["V9.1"])]
    link = client.post(f"/api/v1/packages/{package.pk}/link").json()
    assert link["expires_in"] == 600
    assert Client().get(link["url"], HTTP_RANGE="bytes=0-0").status_code == 206
    refused = _client(world.unverified).get("/api/v1/packages")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_verified")
    services.withdraw_package(world.admin, package, "撤回")
    gone = client.post(f"/api/v1/packages/{package.pk}/link")
    assert (gone.status_code, gone.json()["code"]) == (410, "package_withdrawn")
