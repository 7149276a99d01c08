"""`/api/v1/notifications`: the caller's own notifications, paginated; read one; 404 for anyone else's."""

from __future__ import annotations

import pytest

from successhub.accounts.services import issue_api_token
from successhub.notifications.models import Notification
from successhub.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_listing_returns_only_mine_newest_first(client, make_member):
    me, someone = make_member(), make_member()
    notify([me], "ticket.replied", "第一条")
    notify([me], "ticket.closed", "第二条")
    notify([someone], "ticket.replied", "别人的")
    client.force_login(me)

    response = client.get("/api/v1/notifications")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 2
    assert [item["title"] for item in data["items"]] == ["第二条", "第一条"]
    assert data["items"][0]["is_read"] is False


def test_listing_is_paginated(client, make_member):
    me = make_member()
    for n in range(25):
        notify([me], "ticket.replied", f"通知 {n}")
    client.force_login(me)

    first = client.get("/api/v1/notifications").json()
    second = client.get("/api/v1/notifications", {"page": 2}).json()

    assert (first["count"], len(first["items"]), len(second["items"])) == (25, 20, 5)


def test_unread_filter(client, make_member):
    me = make_member()
    notify([me], "ticket.replied", "已读的")
    Notification.objects.update(read_at="2026-01-01T00:00:00Z")
    notify([me], "ticket.replied", "未读的")
    client.force_login(me)

    data = client.get("/api/v1/notifications", {"unread": "true"}).json()

    assert [item["title"] for item in data["items"]] == ["未读的"]


def test_marking_read_with_a_bearer_token(client, make_member):
    me = make_member()
    notify([me], "ticket.replied", "工单有新回复")
    notification = Notification.objects.get()
    token = issue_api_token(me, "tests")

    response = client.post(
        f"/api/v1/notifications/{notification.pk}/read", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 200, response.content
    assert response.json()["is_read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_is_404(client, make_member):
    me, someone = make_member(), make_member()
    notify([someone], "ticket.replied", "别人的通知")
    theirs = Notification.objects.get()
    client.force_login(me)

    response = client.post(f"/api/v1/notifications/{theirs.pk}/read")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all(client, make_member):
    me, someone = make_member(), make_member()
    notify([me, someone], "ticket.replied", "工单有新回复")
    client.force_login(me)

    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_anonymous_callers_are_refused(client):
    response = client.get("/api/v1/notifications")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
