"""How a notification becomes an e-mail (Django's EMAIL_BACKEND: console embedded, SMTP in production)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME

from successhub.notifications.models import Notification

# Line breaks and other control characters would break (or inject into) the Subject header.
_HEADER_BREAKING = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def absolute_url(url: str) -> str:
    if not url or "://" in url:
        return url
    base = getattr(settings, "SUCCESSHUB_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if base else url


def subject_line(title: str) -> str:
    """One header-safe line: control characters (CR, LF, tab …) become single spaces."""
    return " ".join(_HEADER_BREAKING.sub(" ", title).split())


def message_id(notification: Notification) -> str:
    """The same for every attempt at one notification's e-mail: a receiver (or its mail client) can
    drop a repeat sent after a crash between the SMTP server's answer and our record of it."""
    domain = urlsplit(getattr(settings, "SUCCESSHUB_BASE_URL", "")).hostname or str(DNS_NAME)
    return f"<notification.{notification.pk}.{int(notification.created_at.timestamp())}@{domain}>"


def send_notification_email(notification: Notification) -> None:
    lines = [notification.body] if notification.body else []
    link = absolute_url(notification.url)
    if link:
        lines.append(f"查看详情：{link}")
    lines.append("—— SuccessHub 客户成功服务平台（可在“通知”页面调整邮件通知设置）")
    EmailMessage(
        subject=subject_line(f"[SuccessHub] {notification.title}"),
        body="\n\n".join(lines),
        to=[notification.recipient.email],
        headers={"Message-ID": message_id(notification)},
    ).send(fail_silently=False)
