"""The admin: service admins manage endpoints, see deliveries by status and retry failed ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from successhub.accounts.models import Role
from successhub.notifications.models import WebhookDelivery
from successhub.notifications.services import deliver_webhook, publish_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(role=Role.SERVICE_ADMIN, is_superuser=True))
    return client


def test_deliveries_are_listed_with_their_status(admin_client, make_endpoint, receiver, settings):
    settings.SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500]
    make_endpoint(receiver.url)
    publish_event("ticket.created", {"ticket": 7})
    deliver_webhook(WebhookDelivery.objects.get().pk)

    page = admin_client.get(reverse("admin:notifications_webhookdelivery_changelist"), {"status": "failed"})

    assert page.status_code == 200
    assert "ticket.created" in page.text
    assert "已失败" in page.text


def test_retry_now_action_sends_a_failed_delivery_again(
    admin_client, make_endpoint, receiver, settings, eager
):
    settings.SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS = 1
    receiver.statuses = [500]
    make_endpoint(receiver.url)
    publish_event("ticket.created", {"ticket": 7})
    delivery = WebhookDelivery.objects.get()
    deliver_webhook(delivery.pk)

    response = admin_client.post(
        reverse("admin:notifications_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
    )

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert len(receiver.requests) == 2


def test_endpoint_admin_pages_render(admin_client, make_endpoint):
    endpoint = make_endpoint("http://127.0.0.1:9/hooks")

    assert admin_client.get(reverse("admin:notifications_webhookendpoint_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:notifications_webhookendpoint_add")).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk])
        ).status_code
        == 200
    )
