"""`publish_event()`: outbox rows written in the caller's transaction, delivered only after commit."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from successhub.notifications.models import WebhookDelivery
from successhub.notifications.services import publish_event

pytestmark = pytest.mark.django_db


def test_one_outbox_row_per_subscribed_active_endpoint(make_endpoint, make_org):
    acme, other = make_org(), make_org()
    everything = make_endpoint("http://127.0.0.1:9/all")
    tickets_only = make_endpoint("http://127.0.0.1:9/tickets", events=["ticket.created"])
    make_endpoint("http://127.0.0.1:9/community", events=["community.question_posted"])
    make_endpoint("http://127.0.0.1:9/off", active=False)
    acme_only = make_endpoint("http://127.0.0.1:9/acme", organisation=acme)
    make_endpoint("http://127.0.0.1:9/other", organisation=other)

    publish_event("ticket.created", {"ticket": 7}, organisation_id=acme.pk)

    assert set(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == {
        everything.pk,
        tickets_only.pk,
        acme_only.pk,
    }


def test_platform_events_skip_organisation_scoped_endpoints(make_endpoint, make_org):
    unscoped = make_endpoint("http://127.0.0.1:9/all")
    make_endpoint("http://127.0.0.1:9/acme", organisation=make_org())

    publish_event("catalog.updated", {"edition": "2025-07"})

    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [unscoped.pk]


def test_body_carries_an_event_id_shared_by_every_endpoint(make_endpoint):
    make_endpoint("http://127.0.0.1:9/a")
    make_endpoint("http://127.0.0.1:9/b")

    publish_event("ticket.created", {"ticket": 7, "title": "无法登录"}, organisation_id=None)

    bodies = [json.loads(d.body) for d in WebhookDelivery.objects.all()]
    assert len({b["id"] for b in bodies}) == 1
    body = bodies[0]
    assert body["id"].startswith("evt_")
    assert (body["event"], body["data"], body["organisation_id"]) == (
        "ticket.created",
        {"ticket": 7, "title": "无法登录"},
        None,
    )
    assert all(
        d.event_id == body["id"] and d.next_attempt_at is not None for d in WebhookDelivery.objects.all()
    )


def test_outbox_rows_roll_back_with_the_callers_transaction(
    make_endpoint, django_capture_on_commit_callbacks
):
    make_endpoint("http://127.0.0.1:9/all")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            publish_event("ticket.created", {"ticket": 7})
            assert WebhookDelivery.objects.count() == 1, "written inside the transaction"
            raise RuntimeError("the caller's work failed")

    assert WebhookDelivery.objects.count() == 0
    assert callbacks == []


def test_delivery_is_attempted_only_after_commit(
    make_endpoint, receiver, eager, django_capture_on_commit_callbacks
):
    make_endpoint(receiver.url)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish_event("ticket.created", {"ticket": 7})
    assert receiver.requests == []

    for callback in callbacks:
        callback()
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().delivered_at is not None


def test_no_endpoint_no_row(db):
    publish_event("ticket.created", {"ticket": 7})

    assert WebhookDelivery.objects.count() == 0
