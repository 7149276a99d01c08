"""E-mail: a header-safe Subject, the same retry limit and backoff as the other outboxes, a dead-letter list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from successhub.notifications import services
from successhub.notifications.email import transport
from successhub.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        pytest.param("无法登录\n请尽快处理", "[SuccessHub] 无法登录 请尽快处理", id="newline"),
        pytest.param("a\r\nBcc: x@evil.example", "[SuccessHub] a Bcc: x@evil.example", id="header-injection"),
        pytest.param(
            "tab\there\u2028line", "[SuccessHub] tab here line", id="tab-and-unicode-line-separator"
        ),
    ],
)
def test_a_title_with_line_breaks_still_makes_one_subject_line(make_member, settings, title, subject):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    member = make_member(email="a@example.com")
    services.notify([member], "ticket.created", title)

    assert services.send_owed_emails() == 1
    assert mail.outbox[0].subject == subject
    assert Notification.objects.get().emailed_at is not None


def test_a_failing_email_is_retried_with_backoff_up_to_the_limit_then_listed_and_resent(
    make_member, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS = 2
    settings.SUCCESSHUB_WEBHOOK_BACKOFF_SECONDS = 60
    member = make_member(email="a@example.com")
    services.notify([member], "ticket.created", "T-1")
    real = transport.send_notification_email

    def broken(notification):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(transport, "send_notification_email", broken)
    now = timezone.now()
    assert services.send_owed_emails(now) == 0
    row = Notification.objects.get()
    assert (row.email_attempts, row.email_next_attempt_at) == (1, now + timedelta(seconds=60))
    assert services.send_owed_emails(now + timedelta(seconds=30)) == 0  # not due: no attempt
    assert Notification.objects.get().email_attempts == 1
    services.send_owed_emails(now + timedelta(seconds=61))
    row = Notification.objects.get()
    assert row.email_attempts == 2 and row.email_failed_at is not None and "smtp down" in row.email_last_error
    assert services.send_owed_emails(now + timedelta(hours=1)) == 0  # dead: the sweep leaves it alone

    monkeypatch.setattr(transport, "send_notification_email", real)
    assert services.resend_emails([row.pk]) == 1
    assert len(mail.outbox) == 1
    row = Notification.objects.get()
    assert row.emailed_at is not None and row.email_failed_at is None


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs in the sender, not even an ``except Exception``."""


def test_an_email_whose_sender_died_mid_send_is_still_owed_and_sent_once_after_the_lease(
    make_member, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SUCCESSHUB_OUTBOX_LEASE_SECONDS = 40
    services.notify([make_member(email="a@example.com")], "ticket.created", "T-1")

    def killed(notification):
        raise Killed

    monkeypatch.setattr(transport, "send_notification_email", killed)
    now = timezone.now()
    with pytest.raises(Killed):
        services.send_owed_emails(now)
    monkeypatch.undo()
    assert Notification.objects.get().emailed_at is None  # not lost: still owed
    assert services.send_owed_emails(now + timedelta(seconds=39)) == 0  # the dead sender's lease holds
    assert services.send_owed_emails(now + timedelta(seconds=41)) == 1
    assert services.send_owed_emails(now + timedelta(seconds=90)) == 0
    row = Notification.objects.get()
    assert len(mail.outbox) == 1 and row.emailed_at is not None and row.email_attempts == 2


def test_every_attempt_at_one_email_carries_the_same_message_id(make_member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SUCCESSHUB_BASE_URL = "https://support.example.com"
    services.notify([make_member(email="a@example.com")], "ticket.created", "T-1")
    row = Notification.objects.get()
    services.send_owed_emails()
    services.resend_emails([row.pk])  # already sent: nothing goes out again
    assert len(mail.outbox) == 1
    expected = f"<notification.{row.pk}.{int(row.created_at.timestamp())}@support.example.com>"
    assert mail.outbox[0].message()["Message-ID"] == expected == transport.message_id(row)


@pytest.fixture
def admin_client(client, make_user):
    from successhub.accounts.models import Role

    client.force_login(make_user(role=Role.SERVICE_ADMIN, is_superuser=True))
    return client


def test_admins_see_the_dead_letters_and_resend_them(admin_client, make_member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    member = make_member(email="a@example.com")
    services.notify([member], "ticket.created", "T-9")
    Notification.objects.update(
        email_failed_at=timezone.now(), email_attempts=8, email_last_error="smtp down"
    )

    page = admin_client.get("/admin/notifications/notification/?email=failed")
    assert "T-9" in page.content.decode()
    admin_client.post(
        "/admin/notifications/notification/",
        {"action": "resend_email", "_selected_action": [Notification.objects.get().pk]},
    )
    assert len(mail.outbox) == 1
