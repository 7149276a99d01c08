"""What the ticket services share: the acting user's guards, the row lock, attachment storage."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

from successhub.accounts.models import User
from successhub.core.entitlements import BEIJING
from successhub.tickets.attachments import CheckedFile
from successhub.tickets.errors import ActionNotAllowed, NotVerified
from successhub.tickets.models import Ticket, TicketAttachment


def ensure_can_write(ticket: Ticket, user: User) -> None:
    if user.is_customer:
        if user.organisation_id != ticket.organisation_id:
            # Selectors already hide foreign tickets; this is the services' own guard.
            raise ActionNotAllowed("您无权操作该工单。", "You may not act on this ticket.")
        if not user.is_verified:
            raise NotVerified("请先完成手机或邮箱认证。", "Confirm your phone or e-mail first.")


def ensure_staff(user: User) -> None:
    if user.is_customer:
        raise ActionNotAllowed("只有服务人员可以执行此操作。", "Only service staff may do this.")


def beijing(at: dt.datetime) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def quoted_table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def save_attachment(
    ticket, message, user, upload, info: CheckedFile, *, internal: bool, now
) -> TicketAttachment:
    attachment = TicketAttachment(
        ticket=ticket,
        message=message,
        uploaded_by=user,
        name=info.name,
        size=info.size,
        content_type=info.content_type,
        internal=internal,
        created_at=now,
    )
    attachment.file.save(info.name, upload, save=False)
    _STORED.get().append((attachment.file.storage, attachment.file.name))
    attachment.save()
    return attachment


_STORED: ContextVar[list] = ContextVar("tickets_stored_files")


@contextmanager
def files_kept_only_on_success():
    """Files stored during the block are deleted if it fails (no orphans under MEDIA_ROOT)."""
    stored: list = []
    token = _STORED.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    finally:
        _STORED.reset(token)


def lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("requester", "assignee")
        .get(pk=ticket.pk)
    )


def copy_fields(source: Ticket, target: Ticket) -> None:
    """Refresh the caller's instance with the locked, updated one."""
    if source is target:
        return
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
