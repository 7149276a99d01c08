"""`notify()`: in-app rows in the caller's transaction, e-mail after commit, preferences respected."""

from __future__ import annotations

import pytest
from django.db import transaction

from successhub.notifications.models import Notification
from successhub.notifications.services import notify, send_notification_emails, set_email_preference

pytestmark = pytest.mark.django_db


def test_notify_creates_one_row_per_distinct_recipient(make_member):
    alice, bob = make_member(email="alice@example.com"), make_member(email="bob@example.com")

    notify([alice, bob, alice, None], "ticket.replied", "工单有新回复", body="请查看", url="/tickets/1/")

    rows = Notification.objects.order_by("recipient_id")
    assert [(n.recipient, n.kind, n.title, n.body, n.url, n.read_at) for n in rows] == [
        (alice, "ticket.replied", "工单有新回复", "请查看", "/tickets/1/", None),
        (bob, "ticket.replied", "工单有新回复", "请查看", "/tickets/1/", None),
    ]


def test_email_is_sent_only_after_commit(make_member, eager, mailoutbox, django_capture_on_commit_callbacks):
    alice = make_member(email="alice@example.com")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([alice], "ticket.replied", "工单有新回复", url="/tickets/1/")
    assert mailoutbox == []

    for callback in callbacks:
        callback()
    assert [(m.to, m.subject) for m in mailoutbox] == [(["alice@example.com"], "[SuccessHub] 工单有新回复")]
    assert "/tickets/1/" in mailoutbox[0].body


def test_rolled_back_notify_leaves_no_row_and_no_mail(
    make_member, eager, mailoutbox, django_capture_on_commit_callbacks
):
    alice = make_member(email="alice@example.com")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify([alice], "ticket.replied", "工单有新回复")
            raise RuntimeError("the caller's work failed")

    assert Notification.objects.count() == 0
    assert callbacks == []
    assert mailoutbox == []


def test_users_without_an_address_get_the_in_app_notification_only(
    make_member, eager, mailoutbox, django_capture_on_commit_callbacks
):
    no_address = make_member(email="")

    with django_capture_on_commit_callbacks(execute=True):
        notify([no_address], "ticket.replied", "工单有新回复")

    assert Notification.objects.filter(recipient=no_address).count() == 1
    assert mailoutbox == []


def test_email_false_sends_no_mail(make_member, eager, mailoutbox, django_capture_on_commit_callbacks):
    alice = make_member(email="alice@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], "community.answer", "有人回答了您的问题", email=False)

    assert Notification.objects.count() == 1
    assert mailoutbox == []


def test_inactive_users_are_skipped(make_member):
    gone = make_member(email="gone@example.com", is_active=False)

    notify([gone], "ticket.replied", "工单有新回复")

    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    ("preferences", "kind", "emailed"),
    [
        pytest.param({}, "ticket.replied", True, id="default_is_email_on"),
        pytest.param({"ticket.replied": False}, "ticket.replied", False, id="kind_off_stops_mail"),
        pytest.param({"ticket.replied": False}, "ticket.closed", True, id="other_kinds_unaffected"),
        pytest.param({"*": False}, "ticket.replied", False, id="wildcard_off_stops_every_kind"),
        pytest.param(
            {"*": False, "ticket.replied": True}, "ticket.replied", True, id="kind_on_beats_wildcard_off"
        ),
    ],
)
def test_email_preferences_are_respected(
    make_member, eager, mailoutbox, django_capture_on_commit_callbacks, preferences, kind, emailed
):
    alice = make_member(email="alice@example.com")
    for pref_kind, email in preferences.items():
        set_email_preference(alice, pref_kind, email)

    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], kind, "标题")

    assert Notification.objects.filter(recipient=alice, kind=kind).count() == 1, (
        "the in-app row is always created"
    )
    assert len(mailoutbox) == (1 if emailed else 0)


def test_an_email_is_sent_once_even_if_the_task_runs_twice(make_member, mailoutbox):
    alice = make_member(email="alice@example.com")
    notify([alice], "ticket.replied", "工单有新回复")
    ids = list(Notification.objects.values_list("pk", flat=True))

    assert send_notification_emails(ids) == 1
    assert send_notification_emails(ids) == 0
    assert len(mailoutbox) == 1


def test_the_outbox_sweep_sends_each_owed_email_once(make_member, mailoutbox):
    from datetime import timedelta

    from django.utils import timezone

    from successhub.notifications.services import send_owed_emails

    alice = make_member(email="alice@example.com")
    notify(
        [alice], "ticket.replied", "工单有新回复"
    )  # no after-commit send in this test: the row is the outbox

    assert send_owed_emails(now=timezone.now() - timedelta(minutes=1)) == 0, "not yet written at that time"
    assert send_owed_emails(now=timezone.now()) == 1
    assert send_owed_emails(now=timezone.now()) == 0, "claimed and sent: never twice"
    assert len(mailoutbox) == 1
    assert Notification.objects.get(recipient=alice).emailed_at is not None


def test_the_sweep_gives_up_on_emails_older_than_a_day(make_member, mailoutbox):
    from datetime import timedelta

    from django.utils import timezone

    from successhub.notifications.services import send_owed_emails

    alice = make_member(email="alice@example.com")
    notify([alice], "ticket.replied", "工单有新回复")

    assert send_owed_emails(now=timezone.now() + timedelta(days=1, minutes=1)) == 0
    assert mailoutbox == []


def test_with_a_worker_no_email_is_sent_in_the_request(
    make_member, mailoutbox, settings, django_capture_on_commit_callbacks
):
    from successhub.notifications.services import send_owed_emails

    settings.CELERY_TASK_ALWAYS_EAGER = False
    alice = make_member(email="alice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], "ticket.replied", "工单有新回复")

    assert mailoutbox == [], "the request leaves it to the sweep"
    assert send_owed_emails() == 1
    assert len(mailoutbox) == 1


def test_notify_each_keeps_each_kinds_preference_in_one_query(make_member, django_assert_num_queries):
    from successhub.notifications.services import Notice, notify_each

    alice, bob = make_member(email="alice@example.com"), make_member(email="bob@example.com")
    set_email_preference(alice, "ticket.assigned", False)

    # one preference query for both kinds, one insert for all rows
    with django_assert_num_queries(2):
        notify_each(
            [Notice((alice, bob), "ticket.created", "已受理"), Notice((alice,), "ticket.assigned", "新工单")]
        )

    rows = Notification.objects.order_by("kind", "recipient_id")
    assert [(n.recipient, n.kind, n.email_wanted) for n in rows] == [
        (alice, "ticket.assigned", False),
        (alice, "ticket.created", True),
        (bob, "ticket.created", True),
    ]
