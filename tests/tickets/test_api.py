"""The tickets API: filing from the in-app entry and the hotline desk, refusals as codes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token
from successhub.tickets.models import Ticket

from .conftest import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def call(user, method, path, data=None, **extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, 'test')}"}
        if method == "get":
            return client.get(f"/api/v1/tickets{path}", data or {}, **headers)
        if extra.get("multipart"):
            return client.post(f"/api/v1/tickets{path}", data, **headers)
        return client.post(f"/api/v1/tickets{path}", data or {}, content_type="application/json", **headers)

    return call


NEW = {
    "product": "galaxy",
    "category": "data_problem",
    "title": "库存数量不一致",
    "description": "期末库存与明细不符",
}


def test_file_from_the_product_entry(api, customer, engineer):
    response = api(customer, "post", "", NEW | {"channel": "in_product"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("TK-")
    assert body["channel"] == "in_product"
    assert body["decision"]["reason"] == "ok"
    assert body["sla"]["state"] in ("on_track", "at_risk", "breached")
    assert body["sla"]["target_minutes"] == 480


def test_hotline_desk_files_for_a_customer(api, customer, make_user):
    desk = make_user(role=Role.SUPPORT_ENGINEER)
    response = api(desk, "post", "", NEW | {"channel": "hotline", "requester_id": customer.pk})
    assert response.status_code == 201
    assert Ticket.objects.get(number=response.json()["number"]).filed_by == desk


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        pytest.param({"category": "third_party_product"}, 403, "out_of_scope", id="out_of_scope"),
        pytest.param({"category": "nonsense"}, 422, "unknown_category", id="unknown_category"),
        pytest.param({"product": "nonsense"}, 422, "unknown_product", id="unknown_product"),
        pytest.param(
            {"channel": "hotline"}, 422, "channel_not_allowed", id="customers_do_not_file_as_hotline"
        ),
        pytest.param({"title": ""}, 422, "invalid_input", id="empty_title"),
    ],
)
def test_refusals_are_codes(api, customer, payload, status, code):
    response = api(customer, "post", "", NEW | payload)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_unverified_user_gets_not_verified(api, advanced, make_user):
    response = api(make_user(advanced, verified=False), "post", "", NEW)
    assert (response.status_code, response.json()["code"]) == (403, "not_verified")


def test_eligibility_before_typing(api, customer):
    ok = api(customer, "get", "/eligibility", {"product": "galaxy", "category": "outage"}).json()
    assert ok["allowed"] and ok["service"] == "private_cloud_ops"
    no = api(
        customer, "get", "/eligibility", {"product": "galaxy", "category": "secondary_development"}
    ).json()
    assert (no["allowed"], no["code"]) == (False, "out_of_scope")


def test_thread_transitions_rating_and_files(api, customer, engineer):
    number = api(customer, "post", "", NEW).json()["number"]
    assert (
        api(engineer, "post", f"/{number}/replies", {"body": "内部排查", "internal": True}).status_code == 201
    )
    assert api(engineer, "post", f"/{number}/replies", {"body": "请重算库存"}).status_code == 201
    detail = api(customer, "get", f"/{number}").json()
    assert [m["kind"] for m in detail["messages"]] == ["public_reply"]  # no internal notes for customers
    assert api(engineer, "get", f"/{number}").json()["messages"][0]["kind"] == "internal_note"
    bad = api(customer, "post", f"/{number}/status", {"status": "closed"})
    assert (bad.status_code, bad.json()["code"]) == (409, "invalid_transition")
    assert api(engineer, "post", f"/{number}/status", {"status": "resolved"}).status_code == 200
    rated = api(customer, "post", f"/{number}/rating", {"score": 5, "comment": "很好"})
    assert rated.json()["rating"] == 5
    upload = api(
        customer,
        "post",
        f"/{number}/attachments",
        {"files": [SimpleUploadedFile("a.png", PNG)]},
        multipart=True,
    )
    assert upload.status_code == 201, upload.content
    refused = api(
        customer,
        "post",
        f"/{number}/attachments",
        {"files": [SimpleUploadedFile("a.png", b"MZ\x90")]},
        multipart=True,
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "attachment_type_not_allowed")
    download = api(customer, "get", f"/attachments/{upload.json()[0]['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG


def test_list_is_scoped_and_paginated(api, customer, engineer):
    for _ in range(3):
        api(customer, "post", "", NEW)
    page = api(customer, "get", "", {"status": "all"}).json()
    assert page["count"] == 3 and len(page["items"]) == 3


def test_anonymous_is_401(client):
    assert client.get("/api/v1/tickets").status_code == 401


def test_filing_costs_the_same_queries_however_many_tickets_engineers_and_notices_exist(
    client, customer, engineer, make_user, file_ticket
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from successhub.contracts.models import Product
    from successhub.tickets.models import EngineerSkill

    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(customer, 'count')}"}

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/api/v1/tickets", NEW, content_type="application/json", **headers)
        assert response.status_code == 201, response.content
        return len(captured.captured_queries)

    count()  # the token's first use is recorded once a minute
    few = count()
    for n in range(5):
        other = make_user(role=Role.SUPPORT_ENGINEER, email=f"e{n}@example.com")
        EngineerSkill.objects.create(engineer=other, product=Product.objects.get(code="galaxy"))
    for _ in range(10):
        file_ticket()
    assert count() == few


def test_queue_api_costs_the_same_queries_however_many_merged_tickets_it_lists(client, engineer, file_ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(engineer, 'queue')}"}

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/tickets", {"status": "all"}, **headers)
        assert response.status_code == 200, response.content
        return len(captured.captured_queries)

    target = file_ticket()
    Ticket.objects.filter(pk=file_ticket().pk).update(merged_into=target)
    count()  # the token's first use is recorded once a minute
    few = count()
    for _ in range(5):
        Ticket.objects.filter(pk=file_ticket().pk).update(merged_into=target)
    assert count() == few
    items = client.get("/api/v1/tickets", {"status": "all"}, **headers).json()["items"]
    assert sum(1 for item in items if item["merged_into"] == target.number) == 6
