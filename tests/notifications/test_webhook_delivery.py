"""Delivering the outbox: signed POSTs, retries with backoff, a cap, idempotency, one sender per row."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from successhub.notifications.models import WebhookDelivery
from successhub.notifications.services import (
    backoff,
    deliver_due_webhooks,
    deliver_webhook,
    publish_event,
    retry_deliveries,
)

pytestmark = pytest.mark.django_db


def _outbox_row(endpoint, n: int = 0) -> WebhookDelivery:
    """An outbox row as publish_event writes it, without its after-commit send (for transaction=True tests)."""
    now = timezone.now()
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="ticket.created",
        event_id=f"evt_test{n}",
        body=json.dumps({"n": n}),
        created_at=now,
        next_attempt_at=now,
    )


def _published(make_endpoint, url, **endpoint) -> WebhookDelivery:
    make_endpoint(url, **endpoint)
    publish_event("ticket.created", {"ticket": 7, "title": "无法登录"}, organisation_id=None)
    return WebhookDelivery.objects.get()


def test_a_delivery_is_a_signed_json_post(make_endpoint, receiver):
    delivery = _published(make_endpoint, receiver.url, secret="whsec-test")

    assert deliver_webhook(delivery.pk) is True

    [request] = receiver.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"].startswith("application/json")
    assert headers["x-successhub-event"] == "ticket.created"
    assert headers["x-successhub-delivery"] == str(delivery.pk)
    assert abs(int(headers["x-successhub-timestamp"]) - time.time()) < 60
    # What a receiver does (WEBHOOKS.md): HMAC-SHA256 of "{timestamp}.{raw body}" with the secret.
    expected = hmac.new(
        b"whsec-test", f"{headers['x-successhub-timestamp']}.{request.body}".encode(), hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["x-successhub-signature"], f"sha256={expected}")
    assert json.loads(request.body)["data"] == {"ticket": 7, "title": "无法登录"}


def test_2xx_marks_the_delivery_delivered(make_endpoint, receiver):
    receiver.statuses = [204]
    delivery = _published(make_endpoint, receiver.url)

    deliver_webhook(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.next_attempt_at) == (
        "delivered",
        1,
        204,
        None,
    )


def test_non_2xx_is_retried_with_exponential_backoff(make_endpoint, receiver, settings):
    settings.SUCCESSHUB_WEBHOOK_BACKOFF_SECONDS = 60
    receiver.statuses = [500, 503]
    delivery = _published(make_endpoint, receiver.url)
    start = timezone.now()

    assert deliver_due_webhooks(now=start) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at == start + timedelta(minutes=1)

    assert deliver_due_webhooks(now=start + timedelta(seconds=59)) == 0, "not due before the backoff ends"
    second = start + timedelta(minutes=1)
    assert deliver_due_webhooks(now=second) == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (2, 503)
    assert delivery.next_attempt_at == second + timedelta(minutes=2)

    third = second + timedelta(minutes=2)
    assert deliver_due_webhooks(now=third) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 3, 200)
    assert len(receiver.requests) == 3


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (7, 3600), (30, 3600)],
    ids=lambda v: str(v),
)
def test_backoff_doubles_and_is_capped(settings, attempts, seconds):
    settings.SUCCESSHUB_WEBHOOK_BACKOFF_SECONDS = 60
    settings.SUCCESSHUB_WEBHOOK_MAX_BACKOFF_SECONDS = 3600

    assert backoff(attempts) == timedelta(seconds=seconds)


def test_attempts_are_capped_then_the_delivery_is_marked_failed(make_endpoint, receiver, settings):
    settings.SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500] * 10
    delivery = _published(make_endpoint, receiver.url)
    later = timezone.now()

    for _ in range(6):
        later += timedelta(days=1)
        deliver_due_webhooks(now=later)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("failed", 3, 500)
    assert len(receiver.requests) == 3


def test_retry_now_gives_a_failed_delivery_a_fresh_start(make_endpoint, receiver, settings):
    settings.SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500]
    delivery = _published(make_endpoint, receiver.url)
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    assert retry_deliveries([delivery.pk]) == 1
    assert deliver_webhook(delivery.pk) is True

    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_an_unreachable_endpoint_records_the_error(make_endpoint):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    delivery = _published(make_endpoint, f"http://127.0.0.1:{port}/hooks")

    assert deliver_webhook(delivery.pk) is False

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, None)
    assert delivery.last_error


def test_a_delivered_row_is_never_sent_again(make_endpoint, receiver):
    delivery = _published(make_endpoint, receiver.url)
    assert deliver_webhook(delivery.pk) is True

    assert deliver_webhook(delivery.pk) is False
    assert deliver_due_webhooks(now=timezone.now() + timedelta(days=30)) == 0
    assert len(receiver.requests) == 1


def test_deliver_webhook_does_not_jump_the_backoff(make_endpoint, receiver):
    receiver.statuses = [500]
    delivery = _published(make_endpoint, receiver.url)
    deliver_webhook(delivery.pk)

    assert deliver_webhook(delivery.pk) is False, "the next attempt is not due yet"
    assert len(receiver.requests) == 1


def test_a_disabled_endpoint_is_not_called(make_endpoint, receiver):
    delivery = _published(make_endpoint, receiver.url)
    delivery.endpoint.active = False
    delivery.endpoint.save()

    deliver_webhook(delivery.pk)

    delivery.refresh_from_db()
    assert receiver.requests == []
    assert delivery.last_error == "endpoint disabled"


@pytest.mark.django_db(transaction=True)
def test_a_sweep_running_during_a_delivery_does_not_send_it_again(make_endpoint, receiver):
    """While one sender's POST is in flight, other sweeps (and the per-delivery task) find nothing to do."""
    delivery = _outbox_row(make_endpoint(receiver.url))
    seen_by_second_sender: list[object] = []

    def second_sender(_request):
        try:
            seen_by_second_sender.append(deliver_due_webhooks())
            seen_by_second_sender.append(deliver_webhook(delivery.pk))
        finally:
            connection.close()

    receiver.on_request = second_sender

    assert deliver_due_webhooks() == 1

    assert seen_by_second_sender == [0, False]
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="real concurrent writers need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_send_each_delivery_once(make_endpoint, receiver):
    endpoint = make_endpoint(receiver.url)
    for n in range(20):
        _outbox_row(endpoint, n)
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def sweep():
        try:
            barrier.wait()
            counts.append(deliver_due_webhooks())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(counts) == 20
    assert len(receiver.requests) == 20
    assert (
        len(
            {{k.lower(): v for k, v in r.headers.items()}["x-successhub-delivery"] for r in receiver.requests}
        )
        == 20
    )
    assert WebhookDelivery.objects.filter(delivered_at__isnull=False).count() == 20
