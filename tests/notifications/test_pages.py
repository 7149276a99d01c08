"""The notification pages: a user sees and changes only their own notifications."""

from __future__ import annotations

import pytest
from django.urls import reverse

from successhub.notifications.models import Notification
from successhub.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_the_list_shows_only_my_notifications(client, make_member):
    me, someone = make_member(), make_member()
    notify([me], "ticket.replied", "我的工单有新回复")
    notify([someone], "ticket.replied", "别人的工单有新回复")
    client.force_login(me)

    response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    assert "我的工单有新回复" in response.text
    assert "别人的工单有新回复" not in response.text


def test_the_list_needs_a_signed_in_user(client):
    response = client.get(reverse("notifications:list"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_list_costs_a_fixed_number_of_queries(client, make_member, django_assert_max_num_queries):
    me = make_member()
    for n in range(30):
        notify([me], "ticket.replied", f"通知 {n}")
    client.force_login(me)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200


def test_marking_one_read(client, make_member):
    me = make_member()
    notify([me], "ticket.replied", "工单有新回复")
    notification = Notification.objects.get()
    client.force_login(me)

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, make_member):
    me = make_member()
    notify([me], "ticket.replied", "工单有新回复", url="/tickets/7/")
    notification = Notification.objects.get()
    client.force_login(me)

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]), {"next": "open"})

    assert (response.status_code, response["Location"]) == (302, "/tickets/7/")


def test_another_users_notification_is_404(client, make_member):
    me, someone = make_member(), make_member()
    notify([someone], "ticket.replied", "别人的通知")
    theirs = Notification.objects.get()
    client.force_login(me)

    response = client.post(reverse("notifications:mark_read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_mine(client, make_member):
    me, someone = make_member(), make_member()
    notify([me, someone], "ticket.replied", "工单有新回复")
    notify([me], "ticket.closed", "工单已关闭")
    client.force_login(me)

    client.post(reverse("notifications:mark_all_read"))

    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=someone, read_at__isnull=True).count() == 1


def test_the_unread_badge_counts_my_unread_notifications(client, make_member):
    me, someone = make_member(), make_member()
    notify([me, someone], "ticket.replied", "一")
    notify([me], "ticket.replied", "二")
    client.force_login(me)

    assert ">2<" in client.get(reverse("notifications:badge")).text
    client.post(reverse("notifications:mark_all_read"))
    assert client.get(reverse("notifications:badge")).text == ""


def test_the_nav_links_to_notifications_with_a_badge(client, make_member):
    client.force_login(make_member())

    page = client.get(reverse("home")).text

    assert f'href="{reverse("notifications:list")}"' in page
    assert f'hx-get="{reverse("notifications:badge")}"' in page


def test_preferences_page_turns_email_off_for_a_kind(client, make_member):
    me = make_member(email="me@example.com")
    notify([me], "ticket.replied", "工单有新回复")
    client.force_login(me)

    assert client.get(reverse("notifications:preferences")).status_code == 200
    client.post(reverse("notifications:preferences"), {"email_all": "on"})  # ticket.replied left unticked

    prefs = dict(me.notification_preferences.values_list("kind", "email"))
    assert prefs == {"*": True, "ticket.replied": False}
