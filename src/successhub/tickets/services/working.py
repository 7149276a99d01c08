"""Working a ticket after it is filed: replies and notes, contacts, attachments, status changes,
withdrawal (撤回), merge and rating.

Every function takes the acting user and a ticket the caller obtained through
``selectors.ticket_for(user, number)``; they check what the actor may do, change the rows
in one transaction (with the webhook outbox rows in it) and leave e-mail to after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from successhub.accounts.models import User
from successhub.tickets import outbound, sla
from successhub.tickets.attachments import check_total, check_upload
from successhub.tickets.errors import ActionNotAllowed, InvalidInput, InvalidTransition, TicketError
from successhub.tickets.models import (
    OPEN_STATUSES,
    MessageKind,
    Status,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
    TicketPause,
)
from successhub.tickets.services.common import (
    copy_fields,
    ensure_can_write,
    ensure_staff,
    files_kept_only_on_success,
    lock,
    save_attachment,
)

# Which status a member of staff may move a ticket to, from each status. "assigned" is reached
# by assigning, "reopened" by the customer (or staff) on a resolved ticket; closed is final.
STAFF_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.ASSIGNED: frozenset(
        {Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.IN_PROGRESS: frozenset({Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING_ON_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.REOPENED: frozenset(
        {Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}
    ),
    Status.CLOSED: frozenset(),
}
# A customer confirms a resolution (closes) or reopens it.
CUSTOMER_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
}


def allowed_transitions(ticket: Ticket, user: User) -> list[str]:
    table = CUSTOMER_TRANSITIONS if user.is_customer else STAFF_TRANSITIONS
    return [s for s in Status.values if s in table.get(ticket.status, frozenset())]


def reply(
    ticket: Ticket,
    author: User,
    body: str,
    *,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> TicketMessage:
    """A public reply (customer or staff) or an internal note (staff).

    The first public staff reply is the first response. A customer's reply resumes a ticket
    waiting on them, and reopens a resolved one.
    """
    now = now or timezone.now()
    ensure_can_write(ticket, author)
    body = (body or "").strip()
    if not body and not attachments:
        raise InvalidInput("请填写回复内容。", "The reply is empty.")
    if internal and author.is_customer:
        raise ActionNotAllowed("客户不能添加内部备注。", "Customers cannot add internal notes.")
    if ticket.status == Status.CLOSED:
        raise InvalidTransition(
            "工单已关闭，不能再回复；如问题仍存在，请提交新工单。",
            "The ticket is closed; file a new ticket if the problem remains.",
        )
    checked = [check_upload(upload) for upload in attachments]
    kind = MessageKind.INTERNAL_NOTE if internal else MessageKind.PUBLIC_REPLY
    with files_kept_only_on_success(), transaction.atomic():
        locked = lock(ticket)
        if checked:
            check_total(stored_bytes(locked), checked)
        message = TicketMessage.objects.create(
            ticket=locked,
            author=author,
            kind=kind,
            body=body,
            by_staff=not author.is_customer,
            created_at=now,
        )
        for upload, info in zip(attachments, checked, strict=True):
            save_attachment(locked, message, author, upload, info, internal=internal, now=now)
        if internal:
            copy_fields(locked, ticket)
            return message
        if author.is_customer:
            if locked.status == Status.WAITING_ON_CUSTOMER:
                _set_status(locked, Status.IN_PROGRESS, author, now)
            elif locked.status == Status.RESOLVED:
                _set_status(locked, Status.REOPENED, author, now)
            outbound.notify(
                [locked.assignee],
                "ticket.replied",
                f"客户回复了工单 {locked.number}",
                body=body[:500],
                url=outbound.workspace_url(locked),
            )
        else:
            _staff_contact(locked, author, now)
            if locked.status in (Status.NEW, Status.ASSIGNED, Status.REOPENED):
                _set_status(locked, Status.IN_PROGRESS, author, now)
            outbound.notify(
                [locked.requester],
                "ticket.replied",
                f"您的工单 {locked.number} 有新回复",
                body=body[:500],
                url=outbound.portal_url(locked),
            )
            outbound.tell_group(locked, "ticket.replied", f"工单 {locked.number} 有新回复：{body[:500]}")
        Ticket.objects.filter(pk=locked.pk).update(updated_at=now)
        outbound.publish_event(
            "ticket.replied",
            outbound.ticket_payload(locked) | {"by_staff": not author.is_customer},
            locked.organisation_id,
        )
    copy_fields(locked, ticket)
    return message


def log_contact(
    ticket: Ticket,
    engineer: User,
    kind: str,
    body: str,
    *,
    details: dict | None = None,
    now: dt.datetime | None = None,
) -> TicketMessage:
    """Record a phone contact (counts as the first response) or a remote-assistance session."""
    now = now or timezone.now()
    ensure_staff(engineer)
    if kind not in (MessageKind.PHONE_CONTACT, MessageKind.REMOTE_ASSISTANCE):
        raise InvalidInput(
            "联系记录类型只能是电话联系或远程协助。", "kind is phone_contact or remote_assistance."
        )
    body = (body or "").strip()
    if not body:
        raise InvalidInput("请填写联系记录内容。", "The record is empty.")
    with transaction.atomic():
        locked = lock(ticket)
        message = TicketMessage.objects.create(
            ticket=locked,
            author=engineer,
            kind=kind,
            body=body,
            by_staff=True,
            details=details or {},
            created_at=now,
        )
        if kind == MessageKind.PHONE_CONTACT:
            _staff_contact(locked, engineer, now)
        if locked.status in (Status.NEW, Status.ASSIGNED, Status.REOPENED):
            _set_status(locked, Status.IN_PROGRESS, engineer, now)
        Ticket.objects.filter(pk=locked.pk).update(updated_at=now)
    copy_fields(locked, ticket)
    return message


def _staff_contact(ticket: Ticket, engineer: User, now: dt.datetime) -> None:
    """A human contact by staff: the first one stops the first-response clock; unassigned → theirs."""
    changes: dict = {}
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        ticket.queue_due_at = None
        changes.update(first_responded_at=now, queue_due_at=None)
        TicketEvent.objects.create(
            ticket=ticket,
            actor=engineer,
            kind="first_response",
            at=now,
            data={"met": now <= ticket.first_response_due_at},
        )
    if ticket.assignee_id is None:
        ticket.assignee = engineer
        changes["assignee"] = engineer
    if changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)


def stored_bytes(ticket: Ticket) -> int:
    return TicketAttachment.objects.filter(ticket=ticket).aggregate(total=Sum("size"))["total"] or 0


def add_attachments(
    ticket: Ticket, user: User, uploads: Sequence[UploadedFile], now: dt.datetime | None = None
) -> list[TicketAttachment]:
    """Add files to the ticket outside a reply (customer or staff)."""
    now = now or timezone.now()
    ensure_can_write(ticket, user)
    if not uploads:
        raise InvalidInput("请选择要上传的文件。", "No file was sent.")
    if ticket.status == Status.CLOSED:
        raise InvalidTransition("工单已关闭，不能再添加附件。", "The ticket is closed.")
    checked = [check_upload(upload) for upload in uploads]
    with files_kept_only_on_success(), transaction.atomic():
        # Locked: two uploads at once cannot both fit under the ticket's total.
        check_total(stored_bytes(lock(ticket)), checked)
        return [
            save_attachment(ticket, None, user, upload, info, internal=False, now=now)
            for upload, info in zip(uploads, checked, strict=True)
        ]


# --- status -----------------------------------------------------------------------------------


def change_status(ticket: Ticket, actor: User, to: str, *, now: dt.datetime | None = None) -> Ticket:
    """Move the ticket to ``to`` if the transition table allows it for this actor."""
    now = now or timezone.now()
    ensure_can_write(ticket, actor)
    if to not in Status.values:
        raise InvalidInput(f"未知的状态：{to}", f"Unknown status {to!r}.")
    with transaction.atomic():
        locked = lock(ticket)
        _check_transition(locked, actor, to)
        _set_status(locked, to, actor, now)
        Ticket.objects.filter(pk=locked.pk).update(updated_at=now)
    copy_fields(locked, ticket)
    return ticket


def _check_transition(ticket: Ticket, actor: User, to: str) -> None:
    table = CUSTOMER_TRANSITIONS if actor.is_customer else STAFF_TRANSITIONS
    if to in table.get(ticket.status, frozenset()):
        return
    here = Status(ticket.status).label
    there = Status(to).label
    if actor.is_customer:
        raise InvalidTransition(
            f"工单当前为“{here}”，不能改为“{there}”：只有已解决的工单可以确认解决或重新打开。",
            f"The ticket is {ticket.status}; only a resolved ticket can be confirmed or reopened.",
        )
    raise InvalidTransition(
        f"工单当前为“{here}”，不能改为“{there}”。",
        f"A ticket cannot go from {ticket.status} to {to}.",
    )


# --- withdrawal (撤回) -------------------------------------------------------------------------

WITHDRAWAL_REASON_MAX_LENGTH = 500


def can_withdraw(ticket: Ticket, user: User) -> bool:
    """Whether the portal offers 撤回 to this user (``withdraw`` checks again on the locked row)."""
    return (
        user.is_customer
        and user.is_verified
        and user.organisation_id == ticket.organisation_id
        and ticket.status in OPEN_STATUSES
    )


def withdraw(ticket: Ticket, user: User, reason: str = "", *, now: dt.datetime | None = None) -> Ticket:
    """The customer withdraws a ticket that is not resolved yet (撤回工单), with an optional reason.

    Any verified user of the ticket's organisation may, whether or not anyone has answered, while the
    ticket is open (new, assigned, in progress, waiting on the customer, reopened). A resolved ticket is
    confirmed or reopened instead; a closed one is final. The ticket is closed and marked withdrawn, so
    its first-response clock stops and it leaves the agents' queue; the assignee is told in-app (and the
    requester, when a colleague withdrew it) and ``ticket.withdrawn`` goes to the webhooks, after the
    ``ticket.status_changed`` to ``closed``.
    """
    now = now or timezone.now()
    if not user.is_customer:
        raise ActionNotAllowed(
            "只有客户可以撤回工单；服务人员请直接关闭工单。",
            "Only the customer withdraws a ticket; staff close it instead.",
        )
    ensure_can_write(ticket, user)
    reason = (reason or "").strip()
    if len(reason) > WITHDRAWAL_REASON_MAX_LENGTH:
        raise InvalidInput(
            f"撤回原因不能超过 {WITHDRAWAL_REASON_MAX_LENGTH} 个字。",
            f"The reason is at most {WITHDRAWAL_REASON_MAX_LENGTH} characters.",
        )
    with transaction.atomic():
        locked = lock(ticket)
        _check_withdrawable(locked)
        before = locked.status
        # Closed first: the database holds that a withdrawn ticket is closed (ticket_withdrawn_is_closed).
        _set_status(locked, Status.CLOSED, user, now)
        locked.withdrawn_at, locked.withdrawal_reason = now, reason
        Ticket.objects.filter(pk=locked.pk).update(withdrawn_at=now, withdrawal_reason=reason, updated_at=now)
        TicketEvent.objects.create(
            ticket=locked, actor=user, kind="withdrawn", at=now, data={"from": before, "reason": reason}
        )
        outbound.publish_event(
            "ticket.withdrawn",
            outbound.ticket_payload(locked)
            | {"from": before, "reason": reason, "withdrawn_at": now.isoformat()},
            locked.organisation_id,
        )
        body = f"撤回原因：{reason}" if reason else "客户未填写撤回原因。"
        notices = [
            outbound.Notice(
                (locked.assignee,),
                "ticket.withdrawn",
                f"客户撤回了工单 {locked.number}：{locked.title}",
                body=body,
                url=outbound.workspace_url(locked),
            )
        ]
        if locked.requester_id != user.pk:
            notices.append(
                outbound.Notice(
                    (locked.requester,),
                    "ticket.withdrawn",
                    f"您的工单 {locked.number} 已由 {user} 撤回",
                    body=body,
                    url=outbound.portal_url(locked),
                )
            )
        outbound.notify_each(notices)
    copy_fields(locked, ticket)
    return ticket


def _check_withdrawable(ticket: Ticket) -> None:
    if ticket.status in OPEN_STATUSES:
        return
    if ticket.withdrawn_at is not None:
        raise InvalidTransition(
            "该工单已撤回。", "The ticket is already withdrawn.", code="already_withdrawn"
        )
    if ticket.status == Status.RESOLVED:
        raise InvalidTransition(
            "工单已解决，不能撤回：请确认解决；如问题仍存在，请重新打开。",
            "The ticket is resolved and cannot be withdrawn: confirm the resolution, or reopen it if the "
            "problem remains.",
        )
    raise InvalidTransition("工单已关闭，不能撤回。", "The ticket is closed and cannot be withdrawn.")


def can_rate(ticket: Ticket) -> bool:
    """Whether the portal offers the rating form (``rate`` checks again)."""
    return (
        ticket.rating is None
        and ticket.status in (Status.RESOLVED, Status.CLOSED)
        and not ticket.is_withdrawn
    )


def confirm_resolved(ticket: Ticket, user: User, now: dt.datetime | None = None) -> Ticket:
    return change_status(ticket, user, Status.CLOSED, now=now)


def reopen(ticket: Ticket, user: User, now: dt.datetime | None = None) -> Ticket:
    return change_status(ticket, user, Status.REOPENED, now=now)


def _set_status(ticket: Ticket, to: str, actor: User | None, now: dt.datetime) -> None:
    """Apply a status change and its effects on the SLA clock (inside the caller's transaction)."""
    before = ticket.status
    if before == to:
        return
    changes: dict = {"status": to}
    if before == Status.WAITING_ON_CUSTOMER:
        TicketPause.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
        ticket.paused_since = None
        changes["paused_since"] = None
        if ticket.first_responded_at is None:
            changes.update(_recomputed_deadlines(ticket))
    if to == Status.WAITING_ON_CUSTOMER:
        TicketPause.objects.create(ticket=ticket, started_at=now)
        ticket.paused_since = now
        changes["paused_since"] = now
    if to == Status.RESOLVED:
        changes["resolved_at"] = now
    if to == Status.CLOSED:
        changes["closed_at"] = now
    if to == Status.REOPENED:
        changes.update(resolved_at=None, closed_at=None)
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.queue_due_at = _queue_due(ticket)
    changes["queue_due_at"] = ticket.queue_due_at
    Ticket.objects.filter(pk=ticket.pk).update(**changes)
    TicketEvent.objects.create(
        ticket=ticket, actor=actor, kind="status_changed", at=now, data={"from": before, "to": to}
    )
    outbound.publish_event(
        "ticket.status_changed", outbound.ticket_payload(ticket) | {"from": before}, ticket.organisation_id
    )
    outbound.tell_group(
        ticket,
        "ticket.status_changed",
        f"工单 {ticket.number} 状态变更为：{Status(to).label}（{ticket.title}）",
    )
    if to in (Status.RESOLVED, Status.WAITING_ON_CUSTOMER) and actor is not None and not actor.is_customer:
        title = (
            f"您的工单 {ticket.number} 已解决，请确认并评价"
            if to == Status.RESOLVED
            else f"您的工单 {ticket.number} 等待您的反馈"
        )
        outbound.notify([ticket.requester], "ticket.status_changed", title, url=outbound.portal_url(ticket))
    if to == Status.REOPENED:
        outbound.notify(
            [ticket.assignee],
            "ticket.status_changed",
            f"工单 {ticket.number} 已被重新打开",
            url=outbound.workspace_url(ticket),
        )


def _queue_due(ticket: Ticket) -> dt.datetime | None:
    running = (
        ticket.status in OPEN_STATUSES and ticket.first_responded_at is None and ticket.paused_since is None
    )
    return ticket.first_response_due_at if running else None


def _recomputed_deadlines(ticket: Ticket) -> dict:
    pauses = list(
        TicketPause.objects.filter(ticket=ticket, ended_at__isnull=False).values_list(
            "started_at", "ended_at"
        )
    )
    due = sla.deadlines(ticket.sla_schedule, ticket.sla_target_minutes, ticket.created_at, pauses)
    ticket.first_response_due_at = due.due_at
    ticket.first_response_at_risk_at = due.at_risk_at
    ticket.sla_provisional = due.provisional
    return {
        "first_response_due_at": due.due_at,
        "first_response_at_risk_at": due.at_risk_at,
        "sla_provisional": due.provisional,
    }


# --- merge, rating ----------------------------------------------------------------------------


def merge(source: Ticket, target: Ticket, actor: User, *, now: dt.datetime | None = None) -> Ticket:
    """Merge a duplicate into another ticket of the same organisation; the duplicate is closed."""
    now = now or timezone.now()
    ensure_staff(actor)
    if source.pk == target.pk:
        raise InvalidInput(
            "不能把工单合并到它自己。", "A ticket cannot be merged into itself.", code="merge_refused"
        )
    if source.organisation_id != target.organisation_id:
        raise InvalidInput(
            "只能合并同一客户组织的工单。",
            "Only tickets of the same organisation can be merged.",
            code="merge_refused",
        )
    with transaction.atomic():
        locked_source, locked_target = lock(source), lock(target)
        if locked_source.status == Status.CLOSED or locked_target.status == Status.CLOSED:
            raise InvalidTransition("已关闭的工单不能合并。", "Closed tickets cannot be merged.")
        TicketMessage.objects.create(
            ticket=locked_target,
            author=actor,
            kind=MessageKind.INTERNAL_NOTE,
            by_staff=True,
            created_at=now,
            body=f"合并自工单 {locked_source.number}：{locked_source.title}\n\n{locked_source.description}",
            details={"merged_from": locked_source.number},
        )
        TicketMessage.objects.create(
            ticket=locked_source,
            author=actor,
            kind=MessageKind.SYSTEM,
            by_staff=True,
            created_at=now,
            body=f"此工单与 {locked_target.number} 重复，已合并，后续处理请查看工单 {locked_target.number}。",
            details={"merged_into": locked_target.number},
        )
        TicketAttachment.objects.filter(ticket=locked_source).update(ticket=locked_target)
        Ticket.objects.filter(pk=locked_source.pk).update(merged_into=locked_target)
        locked_source.merged_into = locked_target
        _set_status(locked_source, Status.CLOSED, actor, now)
        TicketEvent.objects.create(
            ticket=locked_target, actor=actor, kind="merged", at=now, data={"from": locked_source.number}
        )
    copy_fields(locked_source, source)
    return target


def rate(
    ticket: Ticket, user: User, score: int, comment: str = "", *, now: dt.datetime | None = None
) -> Ticket:
    """The customer rates the service once the ticket is resolved: 1–5 and a comment, once."""
    now = now or timezone.now()
    if not user.is_customer:
        raise ActionNotAllowed("只有客户可以评价服务。", "Only the customer rates the service.")
    ensure_can_write(ticket, user)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput("评分须为 1 到 5 分。", "The score is 1 to 5.", code="invalid_score")
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise InvalidTransition("工单解决后才能评价。", "A ticket is rated once it is resolved.")
    if ticket.withdrawn_at is not None:
        raise InvalidTransition("已撤回的工单无需评价。", "A withdrawn ticket is not rated.")
    with transaction.atomic():
        updated = Ticket.objects.filter(pk=ticket.pk, rating__isnull=True).update(
            rating=score, rating_comment=(comment or "").strip()[:2000], rated_at=now, updated_at=now
        )
        if not updated:
            raise TicketError(
                "该工单已评价过。", "The ticket is already rated.", code="already_rated", status=409
            )
        ticket.rating, ticket.rating_comment, ticket.rated_at = score, (comment or "").strip()[:2000], now
        TicketEvent.objects.create(ticket=ticket, actor=user, kind="rated", at=now, data={"score": score})
        outbound.publish_event(
            "ticket.rated", outbound.ticket_payload(ticket) | {"rating": score}, ticket.organisation_id
        )
        outbound.notify(
            [ticket.assignee],
            "ticket.rated",
            f"工单 {ticket.number} 收到 {score} 分评价",
            body=ticket.rating_comment,
            url=outbound.workspace_url(ticket),
        )
    return ticket
