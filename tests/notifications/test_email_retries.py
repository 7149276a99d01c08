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
    real = transport.send_mail

    def broken(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(transport, "send_mail", broken)
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

    monkeypatch.setattr(transport, "send_mail", real)
    assert services.resend_emails([row.pk]) == 1
    assert len(mail.outbox) == 1
    row = Notification.objects.get()
    assert row.emailed_at is not None and row.email_failed_at is None


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
