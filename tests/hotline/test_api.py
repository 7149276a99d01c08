"""POST /api/v1/hotline/calls: the contract, its refusals, and who may call it (role × endpoint)."""

from __future__ import annotations

import pytest
from django.test import Client

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token
from successhub.contracts.models import UsageEntry
from successhub.hotline.models import Call

pytestmark = pytest.mark.django_db


def post(user, body, token=True):
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, 'desk')}"} if token else {}
    return client.post("/api/v1/hotline/calls", body, content_type="application/json", **headers)


def body(org, **extra):
    return {
        "organisation": org.code,
        "caller_phone": "13800000001",
        "fatal": True,
        "summary": "全员无法登录",
    } | extra


def test_accepted_call_returns_the_call_and_the_quota_left(engineer, std_caller):
    response = post(engineer, body(std_caller.organisation))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["quota_left"] == "3"
    assert data["quota"] == {
        "limit": "4",
        "used": "1",
        "remaining": "3",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
    }
    assert data["call"]["outcome"] == "accepted" and data["call"]["caller_id"] == std_caller.pk
    assert data["call"]["engineer"] == "desk1"


@pytest.mark.parametrize(
    ("setup", "payload", "status", "code"),
    [
        ("none", {"fatal": False}, 403, "fatal_only"),
        ("exhausted", {}, 409, "quota_exhausted"),
        ("no_contract", {}, 403, "no_active_contract"),
        ("none", {"organisation": "nope"}, 404, "unknown_organisation"),
        ("none", {"caller_phone": "13122223333"}, 403, "not_verified"),
        ("none", {"summary": ""}, 422, "invalid_input"),
        ("none", {"fatal": "maybe"}, 422, "invalid_input"),
        ("none", {"classification": "gossip"}, 422, "unknown_classification"),
    ],
    ids=[
        "ordinary problem on standard",
        "quota used up",
        "no contract",
        "unknown organisation",
        "number not a verified member",
        "empty summary",
        "fatal not a boolean",
        "unknown classification",
    ],
)
def test_refusals(setup, payload, status, code, engineer, std_caller):
    org = std_caller.organisation
    if setup == "exhausted":
        for _ in range(4):
            assert post(engineer, body(org)).status_code == 201
    if setup == "no_contract":
        org.contracts.all().delete()
    before = UsageEntry.objects.count()
    response = post(engineer, body(org, **payload))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert UsageEntry.objects.count() == before
    if code == "quota_exhausted":
        assert response.json()["renews_on"] == "2027-01-01"
        assert "used up" in response.json()["message"]


def test_advanced_call_has_no_quota(engineer, adv_caller):
    response = post(engineer, body(adv_caller.organisation, caller_phone=adv_caller.phone, fatal=False))
    assert response.status_code == 201
    assert response.json()["quota_left"] is None and response.json()["quota"] is None


# The permission matrix: each role against each hotline endpoint (status expected).
ROLES = [
    Role.CUSTOMER_USER,
    Role.CUSTOMER_ADMIN,
    Role.SUPPORT_ENGINEER,
    Role.TECHNICAL_MANAGER,
    Role.ACCOUNT_MANAGER,
    Role.OPS_ENGINEER,
    Role.SERVICE_ADMIN,
]
DESK = {Role.SUPPORT_ENGINEER, Role.TECHNICAL_MANAGER, Role.SERVICE_ADMIN}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, std_caller, make_user):
    org = std_caller.organisation
    actor = make_user(org if role in (Role.CUSTOMER_USER, Role.CUSTOMER_ADMIN) else None, role=role)
    desk = role in DESK
    created = post(actor, body(org))
    assert created.status_code == (201 if desk else 403)
    call = Call.objects.first()
    if call is None:
        assert created.json()["code"] == "forbidden"
        call = Call.objects.create(organisation=org)
    client = Client()
    client.force_login(actor)
    assert client.get(f"/api/v1/hotline/calls/{call.pk}").status_code == (200 if desk else 403)
    for url in [
        "/hotline/",
        "/hotline/calls/",
        f"/hotline/calls/{call.pk}/",
        f"/hotline/screen/?org={org.code}",
    ]:
        assert client.get(url).status_code == (200 if desk else 403), url


def test_anonymous_is_refused(std_caller):
    response = Client().post(
        "/api/v1/hotline/calls", body(std_caller.organisation), content_type="application/json"
    )
    assert response.status_code == 401
    assert Client().get("/hotline/").status_code == 302


def test_the_endpoint_is_in_the_openapi(db):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "post" in schema["paths"]["/api/v1/hotline/calls"]
