"""No one reads or writes another organisation's ticket or file: every endpoint × role × foreign org.

A foreign ticket is "not found" (404), so its existence does not leak, and nothing is written.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from successhub.accounts.models import Role
from successhub.accounts.services import issue_api_token
from successhub.tickets.models import Status, Ticket, TicketAttachment, TicketMessage
from successhub.tickets.services import working

from .conftest import PNG

pytestmark = pytest.mark.django_db

# (method, path) with {n} the ticket number, {a} an attachment id, {o} another ticket of the same org.
API_ENDPOINTS = [
    ("get", "/api/v1/tickets/{n}", None),
    ("post", "/api/v1/tickets/{n}/replies", {"body": "x"}),
    ("post", "/api/v1/tickets/{n}/replies", {"body": "x", "internal": True}),
    ("post", "/api/v1/tickets/{n}/status", {"status": "closed"}),
    ("post", "/api/v1/tickets/{n}/status", {"status": "reopened"}),
    ("post", "/api/v1/tickets/{n}/assign", {}),
    ("post", "/api/v1/tickets/{n}/contacts", {"kind": "phone_contact", "body": "x"}),
    ("post", "/api/v1/tickets/{n}/merge", {"into": "{o}"}),
    ("post", "/api/v1/tickets/{n}/rating", {"score": 1}),
    ("post", "/api/v1/tickets/{n}/withdraw", {"reason": "x"}),
    ("upload", "/api/v1/tickets/{n}/attachments", None),
    ("get", "/api/v1/tickets/attachments/{a}", None),
]
WEB_ENDPOINTS = [
    ("get", "/tickets/{n}/", None),
    ("post", "/tickets/{n}/reply/", {"body": "x"}),
    ("upload", "/tickets/{n}/upload/", None),
    ("post", "/tickets/{n}/status/", {"status": "closed"}),
    ("post", "/tickets/{n}/rate/", {"score": "1"}),
    ("post", "/tickets/{n}/withdraw/", {"reason": "x"}),
    ("get", "/tickets/files/{a}/", None),
    ("get", "/workspace/tickets/{n}/", None),
    ("post", "/workspace/tickets/{n}/reply/", {"body": "x"}),
    ("post", "/workspace/tickets/{n}/status/", {"status": "closed"}),
    ("post", "/workspace/tickets/{n}/assign/", {"assignee": ""}),
    ("post", "/workspace/tickets/{n}/contact/", {"kind": "phone_contact", "body": "x"}),
    ("post", "/workspace/tickets/{n}/merge/", {"into": "{o}"}),
    ("get", "/workspace/skills/", None),
    ("post", "/workspace/skills/add/", {"engineer": "1", "product": "1"}),
    ("post", "/workspace/skills/1/active/", {"active": "0"}),
    ("post", "/workspace/skills/1/remove/", None),
]
FOREIGN_ROLES = [Role.CUSTOMER_USER, Role.CUSTOMER_ADMIN]


@pytest.fixture
def victim(file_ticket, engineer):
    ticket = file_ticket(attachments=[SimpleUploadedFile("secret.png", PNG)])
    other = file_ticket(title="另一个")
    working.change_status(ticket, engineer, Status.RESOLVED)
    return ticket, other, TicketAttachment.objects.get(ticket=ticket)


@pytest.fixture
def outsider(make_org, add_contract, add_deployment, make_user):
    def make(role):
        org = make_org()
        add_deployment(org, "galaxy", "private_cloud")
        add_contract(org, "advanced")
        return make_user(org, role=role)

    return make


def _fill(value, ticket, other, attachment):
    if isinstance(value, dict):
        return {k: _fill(v, ticket, other, attachment) for k, v in value.items()}
    if isinstance(value, str):
        return value.format(n=ticket.number, o=other.number, a=attachment.pk)
    return value


def _snapshot(ticket):
    row = Ticket.objects.filter(pk=ticket.pk).values().get()
    row.pop("updated_at")
    return row, TicketMessage.objects.filter(ticket=ticket).count(), TicketAttachment.objects.count()


@pytest.mark.parametrize("role", FOREIGN_ROLES)
@pytest.mark.parametrize(
    ("method", "path", "data"), API_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in API_ENDPOINTS]
)
def test_api_foreign_organisation_gets_404(client, victim, outsider, role, method, path, data):
    ticket, other, attachment = victim
    user = outsider(role)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, 't')}"}
    url = _fill(path, ticket, other, attachment)
    before = _snapshot(ticket)
    if method == "get":
        response = client.get(url, **headers)
    elif method == "upload":
        response = client.post(url, {"files": [SimpleUploadedFile("a.png", PNG)]}, **headers)
    else:
        response = client.post(
            url, _fill(data, ticket, other, attachment), content_type="application/json", **headers
        )
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    assert _snapshot(ticket) == before


@pytest.mark.parametrize("role", FOREIGN_ROLES)
@pytest.mark.parametrize(
    ("method", "path", "data"), WEB_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in WEB_ENDPOINTS]
)
def test_web_foreign_organisation_gets_404_or_403(client, victim, outsider, role, method, path, data):
    ticket, other, attachment = victim
    client.force_login(outsider(role))
    url = _fill(path, ticket, other, attachment)
    before = _snapshot(ticket)
    if method == "get":
        response = client.get(url)
    elif method == "upload":
        response = client.post(url, {"attachments": [SimpleUploadedFile("a.png", PNG)]})
    else:
        response = client.post(url, _fill(data, ticket, other, attachment))
    # Portal pages: not found; workspace pages refuse customers outright.
    assert response.status_code == (403 if path.startswith("/workspace/") else 404)
    assert _snapshot(ticket) == before


def test_foreign_lists_do_not_show_the_ticket(client, victim, outsider):
    ticket, _, _ = victim
    user = outsider(Role.CUSTOMER_USER)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, 't')}"}
    assert client.get("/api/v1/tickets", {"status": "all"}, **headers).json()["count"] == 0
    client.force_login(user)
    assert ticket.number not in client.get("/tickets/").content.decode()
    assert client.get("/workspace/").status_code == 403


def test_own_customer_cannot_use_staff_actions(client, victim, customer):
    ticket, other, _ = victim
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(customer, 't')}"}
    for path, data in [
        ("assign", {}),
        ("contacts", {"kind": "phone_contact", "body": "x"}),
        ("merge", {"into": other.number}),
        ("replies", {"body": "x", "internal": True}),
    ]:
        response = client.post(
            f"/api/v1/tickets/{ticket.number}/{path}", data, content_type="application/json", **headers
        )
        assert (response.status_code, response.json()["code"]) == (403, "forbidden"), path


def test_staff_cannot_use_the_customers_withdrawal(client, file_ticket, engineer):
    ticket = file_ticket()  # open: only who acts decides
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(engineer, 't')}"}
    before = _snapshot(ticket)
    response = client.post(
        f"/api/v1/tickets/{ticket.number}/withdraw", {}, content_type="application/json", **headers
    )
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    client.force_login(engineer)
    assert client.post(f"/tickets/{ticket.number}/withdraw/", {"reason": "x"}).status_code == 403
    assert _snapshot(ticket) == before


def test_internal_files_are_hidden_from_the_customer(client, victim, engineer, customer):
    ticket, _, _ = victim
    working.reply(ticket, engineer, "内部截图", internal=True, attachments=[SimpleUploadedFile("i.png", PNG)])
    internal = TicketAttachment.objects.get(internal=True)
    client.force_login(customer)
    assert client.get(f"/tickets/files/{internal.pk}/").status_code == 404
    client.force_login(engineer)
    assert client.get(f"/tickets/files/{internal.pk}/").status_code == 200


def test_anonymous_is_sent_to_login(client, victim):
    ticket, _, attachment = victim
    for url in (f"/tickets/{ticket.number}/", f"/tickets/files/{attachment.pk}/", "/workspace/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
