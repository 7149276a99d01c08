"""Bad input on ticket pages and the ticket API answers 4xx with a code, never 500 (issue 11)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from successhub.accounts.services import issue_api_token

pytestmark = pytest.mark.django_db

HUGE = str(10**20)  # SQLite OverflowError, PostgreSQL "bigint out of range"
SUPERSCRIPT_TWO = "²"  # str.isdigit() is True, int() raises


@pytest.fixture
def staff_client(engineer):
    client = Client()
    client.force_login(engineer)
    return client


@pytest.fixture
def customer_client(customer):
    client = Client()
    client.force_login(customer)
    return client


@pytest.mark.parametrize(
    "query",
    [
        f"organisation={HUGE}",
        f"organisation={SUPERSCRIPT_TWO}",
        f"assignee={HUGE}",
        f"assignee={SUPERSCRIPT_TWO}",
        f"page={10**18}",
        f"page={SUPERSCRIPT_TWO}",
        "q=%00",
    ],
)
def test_workspace_filters_never_500(staff_client, query):
    assert staff_client.get(f"/workspace/?{query}").status_code in (200, 400)


@pytest.mark.parametrize("query", [f"page={10**18}", f"page={SUPERSCRIPT_TWO}", f"status={SUPERSCRIPT_TWO}"])
def test_portal_list_never_500(customer_client, query):
    assert customer_client.get(f"/tickets/?{query}").status_code == 200


@pytest.mark.parametrize("score", [SUPERSCRIPT_TWO, HUGE, "-1", "5x"])
def test_rating_with_bad_score_is_refused_not_500(customer_client, file_ticket, score):
    ticket = file_ticket()
    response = customer_client.post(f"/tickets/{ticket.number}/rate/", {"score": score})
    assert response.status_code in (302, 400, 422)


@pytest.mark.parametrize("assignee", [SUPERSCRIPT_TWO, HUGE, "abc"])
def test_assign_with_bad_engineer_is_refused_not_500(staff_client, file_ticket, assignee):
    ticket = file_ticket()
    response = staff_client.post(f"/workspace/tickets/{ticket.number}/assign/", {"assignee": assignee})
    assert response.status_code in (302, 400, 422)
    ticket.refresh_from_db()


@pytest.mark.parametrize("field", ["engineer", "product"])
@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, HUGE])
def test_skill_add_with_bad_ids_is_refused_not_500(make_user, field, value):
    from successhub.accounts.models import Role

    admin = make_user(role=Role.SERVICE_ADMIN)
    client = Client()
    client.force_login(admin)
    data = {"engineer": "1", "product": "1", field: value}
    assert client.post("/workspace/skills/add/", data).status_code in (302, 400, 422)


def api(user):
    client = Client()
    token = issue_api_token(user, "t")
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize(
    "query",
    [f"organisation={HUGE}", f"page={10**18}", "page=0", f"organisation={SUPERSCRIPT_TWO}"],
)
def test_api_list_with_unbounded_numbers_answers_422(engineer, query):
    client, auth = api(engineer)
    response = client.get(f"/api/v1/tickets?{query}", **auth)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"


def test_api_filing_for_an_impossible_requester_answers_422(engineer):
    client, auth = api(engineer)
    body = {"product": "galaxy", "category": "application_problem", "title": "t", "description": "d"}
    response = client.post(
        "/api/v1/tickets", {**body, "requester_id": 10**20}, content_type="application/json", **auth
    )
    assert response.status_code == 422


def test_api_attachment_id_beyond_bigint_is_not_found(customer):
    client, auth = api(customer)
    response = client.get(f"/api/v1/tickets/attachments/{HUGE}", **auth)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_upload_with_a_1000_character_name_answers_400(customer, file_ticket, png):
    ticket = file_ticket()
    client, auth = api(customer)
    upload = SimpleUploadedFile("a" * 996 + ".png", png().read(), content_type="image/png")
    response = client.post(f"/api/v1/tickets/{ticket.number}/attachments", {"files": upload}, **auth)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "attachment_name_too_long"


@pytest.mark.parametrize("extension_length", [250])
def test_a_long_extension_on_a_large_file_is_refused_not_500(
    customer, file_ticket, settings, extension_length
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # spooled to a temporary file, whose suffix is the extension
    ticket = file_ticket()
    client, auth = api(customer)
    upload = SimpleUploadedFile("a." + "p" * extension_length, b"x" * 100, content_type="image/png")
    response = client.post(f"/api/v1/tickets/{ticket.number}/attachments", {"files": upload}, **auth)
    assert response.status_code in (400, 422), response.content


def test_api_upload_over_the_request_limit_answers_413(customer, file_ticket, settings, png):
    settings.SUCCESSHUB_MAX_REQUEST_BYTES = 50 * 1024
    ticket = file_ticket()
    client, auth = api(customer)
    big = SimpleUploadedFile("big.txt", b"x" * 60 * 1024, content_type="text/plain")
    response = client.post(f"/api/v1/tickets/{ticket.number}/attachments", {"files": big}, **auth)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_api_too_many_files_answers_400(customer, file_ticket, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    ticket = file_ticket()
    client, auth = api(customer)
    files = [SimpleUploadedFile(f"f{i}.txt", b"hello", content_type="text/plain") for i in range(4)]
    response = client.post(f"/api/v1/tickets/{ticket.number}/attachments", {"files": files}, **auth)
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_files"


def test_a_ticket_holds_at_most_the_total_upload_limit(customer, file_ticket, settings):
    settings.TICKETS_TOTAL_ATTACHMENT_BYTES = 25
    ticket = file_ticket()
    client, auth = api(customer)
    first = SimpleUploadedFile("a.txt", b"x" * 20, content_type="text/plain")
    assert (
        client.post(f"/api/v1/tickets/{ticket.number}/attachments", {"files": first}, **auth).status_code
        == 201
    )
    second = SimpleUploadedFile("b.txt", b"y" * 10, content_type="text/plain")
    response = client.post(f"/api/v1/tickets/{ticket.number}/attachments", {"files": second}, **auth)
    assert response.status_code == 413
    assert response.json()["code"] == "ticket_attachments_full"
    assert ticket.attachments.count() == 1
