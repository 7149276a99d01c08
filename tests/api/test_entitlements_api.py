"""`/api/v1/me/entitlements`: the terms table over HTTP, authentication, scoping and errors."""

from __future__ import annotations

import pytest

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token
from successhub.core.catalog import SERVICE_CODES
from tests.scenario_db import organisation_from
from tests.terms_cases import CASES, scenario

pytestmark = pytest.mark.django_db


def params_for(document: dict, service: str) -> dict:
    params = {"at": document["at"]}
    request = document.get("request")
    if request:
        params.update({k: str(v).lower() if isinstance(v, bool) else v for k, v in request.items()})
    return params


@pytest.mark.parametrize("case", CASES, ids=str)
def test_service_terms_through_the_api(client, case):
    _, user = organisation_from(case.scenario)
    client.force_login(user)
    response = client.get("/api/v1/me/entitlements", params_for(case.scenario, case.service))
    assert response.status_code == 200, response.content
    decision = next(d for d in response.json()["decisions"] if d["service"] == case.service)
    assert (decision["allowed"], decision["reason"]) == (case.allowed, case.reason)
    if case.remaining is not None:
        assert decision["quota"]["remaining"] == case.remaining


def test_every_item_with_both_languages(client):
    _, user = organisation_from(scenario())
    client.force_login(user)
    body = client.get("/api/v1/me/entitlements", {"at": "2026-03-03T10:00:00+08:00"}).json()
    assert [d["service"] for d in body["decisions"]] == list(SERVICE_CODES)
    hotline = next(d for d in body["decisions"] if d["service"] == "hotline")
    assert "致命故障" in hotline["explanation"] and "fatal faults" in hotline["explanation_en"]
    assert hotline["name"] == "热线服务"


def test_bearer_token(client):
    _, user = organisation_from(scenario())
    token = issue_api_token(user, "in-product entry")
    response = client.get("/api/v1/me/entitlements", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert client.get("/api/v1/me/entitlements", HTTP_AUTHORIZATION="Bearer shk_nope_nope").status_code == 401


def test_anonymous_gets_401_with_a_code(client):
    response = client.get("/api/v1/me/entitlements")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "params, code",
    [
        ({"service": "massage"}, "unknown_service"),
        ({"service": "hotline", "product": "abacus"}, "unknown_product"),
        ({"service": "demand_listening", "channel": "fax"}, "unknown_channel"),
        ({"fatal": "true"}, "invalid_input"),
        ({"at": "tomorrow"}, "invalid_input"),
        ({"service": "hotline", "amount": "0"}, "invalid_input"),
        ({"service": "hotline", "amount": "lots"}, "invalid_input"),
    ],
    ids=[
        "unknown service",
        "unknown product",
        "unknown channel",
        "fatal without service",
        "bad instant",
        "zero amount",
        "amount not a number",
    ],
)
def test_bad_input_is_a_4xx_with_a_machine_code(client, params, code):
    _, user = organisation_from(scenario())
    client.force_login(user)
    response = client.get("/api/v1/me/entitlements", params)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code


def test_customers_cannot_read_another_organisations_entitlements(client):
    mine, user = organisation_from(scenario())
    theirs, _ = organisation_from(scenario(plan="advanced"))
    client.force_login(user)
    assert client.get(f"/api/v1/organisations/{mine.pk}/entitlements").status_code == 200
    response = client.get(f"/api/v1/organisations/{theirs.pk}/entitlements")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_staff_read_any_organisation(client, make_user):
    organisation, _ = organisation_from(scenario(plan="advanced", amount=68000))
    engineer = make_user(role=Role.SUPPORT_ENGINEER)
    client.force_login(engineer)
    response = client.get(
        f"/api/v1/organisations/{organisation.pk}/entitlements", {"service": "online_ticket"}
    )
    assert response.status_code == 200
    assert response.json()["decisions"][0]["reason"] == "ok"
    assert client.get("/api/v1/organisations/999999/entitlements").status_code == 404
    assert client.get("/api/v1/me/entitlements").json()["code"] == "not_a_customer"


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/me/entitlements" in response.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_reason_is_an_enum_in_the_openapi_schema(client):
    from successhub.core.reasons import Reason

    schema = client.get("/api/v1/openapi.json").json()
    reason = schema["components"]["schemas"]["DecisionOut"]["properties"]["reason"]
    if "$ref" in reason:
        reason = schema["components"]["schemas"][reason["$ref"].rsplit("/", 1)[-1]]
    assert set(reason["enum"]) == {r.value for r in Reason}


def test_reasons_table_over_http(client):
    from successhub.core.reasons import Reason

    rows = {row["code"]: row for row in client.get("/api/v1/reasons").json()}
    assert set(rows) == {r.value for r in Reason}
    assert rows["quota_exhausted"]["label"] == "本服务年度额度已用完"
    assert rows["quota_exhausted"]["handoff"] == "im_service"


def test_a_refusal_names_the_service_to_use_instead(client):
    _, user = organisation_from(scenario(plan="standard"))
    client.force_login(user)
    body = client.get("/api/v1/me/entitlements", {"at": "2026-03-03T10:00:00+08:00"}).json()
    decisions = {d["service"]: d for d in body["decisions"]}
    # Standard has no online tickets (its route): the community serves everyone.
    assert (decisions["im_service"]["reason"], decisions["im_service"]["handoff"]) == (
        "not_in_plan",
        "community",
    )
    assert decisions["hotline"]["handoff"] is None
