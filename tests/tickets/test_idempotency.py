"""Filing with an Idempotency-Key: a repeat (an answer lost to a dropped connection or a crashed
server) returns the first ticket, never files a second one."""

from __future__ import annotations

import pytest

from successhub.accounts.services import issue_api_token
from successhub.tickets.models import Ticket
from successhub.tickets.services import filing

pytestmark = pytest.mark.django_db

NEW = {
    "product": "galaxy",
    "category": "data_problem",
    "title": "库存数量不一致",
    "description": "期末库存与明细不符",
}


@pytest.fixture
def file_with_key(client):
    def call(user, key, payload=NEW):
        return client.post(
            "/api/v1/tickets",
            payload,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user, 'test')}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    return call


def test_a_repeat_with_the_same_key_answers_200_with_the_first_ticket(file_with_key, customer, engineer):
    first = file_with_key(customer, "retry-7f3a")
    repeat = file_with_key(customer, "retry-7f3a")
    assert (first.status_code, repeat.status_code) == (201, 200)
    assert repeat.json()["number"] == first.json()["number"]
    assert Ticket.objects.count() == 1


def test_another_key_files_another_ticket(file_with_key, customer, engineer):
    assert file_with_key(customer, "k-1").status_code == 201
    assert file_with_key(customer, "k-2").status_code == 201
    assert Ticket.objects.count() == 2


def test_keys_are_per_caller(file_with_key, customer, advanced, make_user, engineer):
    colleague = make_user(advanced, email="colleague@example.com")
    assert file_with_key(customer, "same").status_code == 201
    assert file_with_key(colleague, "same").status_code == 201
    assert Ticket.objects.count() == 2


def test_the_same_key_for_a_different_ticket_is_refused(file_with_key, customer, engineer):
    file_with_key(customer, "k-1")
    response = file_with_key(customer, "k-1", NEW | {"title": "另一个问题"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 101, id="longer-than-100"),
        pytest.param("with space", id="space"),
    ],
)
def test_a_malformed_key_is_refused_with_400(file_with_key, customer, key):
    response = file_with_key(customer, key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Ticket.objects.exists()


def test_a_concurrent_repeat_that_loses_the_race_returns_the_winners_ticket(customer, engineer, monkeypatch):
    details = {
        "requester": customer,
        "product_code": "galaxy",
        "category": "data_problem",
        "title": "库存数量不一致",
        "description": "期末库存与明细不符",
    }
    winner = filing.file_ticket(filed_by=customer, idempotency_key="race", **details)
    # The loser looked before the winner committed: it saw no ticket, and its insert hits the constraint.
    real, calls = filing._filed_with_key, []

    def lookup(user, key):
        calls.append(key)
        return None if len(calls) == 1 else real(user, key)

    monkeypatch.setattr(filing, "_filed_with_key", lookup)
    ticket, repeated = filing.file_ticket_once(idempotency_key="race", filed_by=customer, **details)
    assert (ticket.pk, repeated) == (winner.pk, True)
    assert len(calls) == 2 and Ticket.objects.count() == 1
