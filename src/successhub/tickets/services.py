"""State changes on tickets: filing, replies, contacts, status, withdrawal, assignment, merge, rating,
SLA jobs, and the engineers' product skills that round-robin assignment reads.

Every function takes the acting user and a ticket the caller obtained through
``selectors.ticket_for(user, number)``; they check what the actor may do, change the rows
in one transaction (with the webhook outbox rows in it) and leave e-mail to after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from successhub import sql
from successhub.accounts.models import Role, User
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import Contract, Product
from successhub.contracts.selectors import entitlement_for, product_by_code
from successhub.core import entitlements as core
from successhub.core.entitlements import BEIJING
from successhub.core.scenario import decision_to_json
from successhub.tickets import outbound, sla
from successhub.tickets.attachments import CheckedFile, check_upload
from successhub.tickets.categories import BY_CODE, Category
from successhub.tickets.errors import (
    ActionNotAllowed,
    FilingRefused,
    InvalidInput,
    InvalidTransition,
    NotVerified,
    TicketError,
)
from successhub.tickets.models import (
    OPEN_STATUSES,
    Channel,
    ContactPreference,
    EngineerSkill,
    MessageKind,
    Status,
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketEvent,
    TicketMessage,
    TicketPause,
)

# Which status a member of staff may move a ticket to, from each status. "assigned" is reached
# by assigning, "reopened" by the customer (or staff) on a resolved ticket; closed is final.
STAFF_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.ASSIGNED: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING_ON_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.REOPENED: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
# A customer confirms a resolution (closes) or reopens it.
CUSTOMER_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
}
CUSTOMER_CHANNELS = frozenset({Channel.IN_PRODUCT, Channel.TICKET_SITE, Channel.COMMUNITY})


def allowed_transitions(ticket: Ticket, user: User) -> list[str]:
    table = CUSTOMER_TRANSITIONS if user.is_customer else STAFF_TRANSITIONS
    return [s for s in Status.values if s in table.get(ticket.status, frozenset())]


# --- filing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingCheck:
    decision: core.Decision
    category: Category
    schedule: str
    target_minutes: int


def check_filing(requester: User, product_code: str, category_code: str, channel: str,
                 at: dt.datetime | None = None) -> FilingCheck:
    """May this customer user file this ticket? Raises a refusal with its reason code."""
    if not requester.is_customer:
        raise InvalidInput("工单只能以客户用户的名义提交。", "A ticket is filed for a customer user.",
                           code="requester_not_customer")
    if not requester.is_verified:
        raise NotVerified(
            "在线工单面向经注册认证的实际使用者：请先完成手机或邮箱认证，再提交工单。",
            "Online tickets are for verified users: confirm your phone or e-mail first.",
        )
    category = BY_CODE.get(category_code)
    if category is None:
        raise InvalidInput(f"未知的问题分类：{category_code}", f"Unknown category {category_code!r}.",
                           code="unknown_category")
    labels = get_catalog().labels
    if product_code not in labels.products:
        raise InvalidInput(f"未知的产品：{product_code}", f"Unknown product {product_code!r}.", code="unknown_product")
    if channel not in Channel.values:
        raise InvalidInput(f"未知的提交渠道：{channel}", f"Unknown channel {channel!r}.", code="unknown_channel")
    if category.out_of_scope:
        hint = category.hint
        raise FilingRefused("out_of_scope", hint.zh if hint else "该类问题不在服务范围内。",
                            hint.en if hint else "This kind of problem is out of scope.")
    decision = entitlement_for(
        requester.organisation, core.Request(service=category.service, product=product_code, channel=channel), at
    )
    if not decision.allowed:
        raise FilingRefused(decision.reason, decision.explanation, decision.explanation_en, decision_to_json(decision))
    target = _target_for(decision)
    if target is None:
        raise FilingRefused(
            "no_response_target",
            "您的服务计划没有在线工单响应时限，暂不能通过工单受理该类问题。",
            "Your plan has no online-ticket response target, so tickets of this kind cannot be accepted.",
        )
    return FilingCheck(decision, category, target.schedule, target.working_minutes)


def _target_for(decision: core.Decision):
    if decision.item is not None and decision.item.first_response is not None:
        return decision.item.first_response
    contract = Contract.objects.filter(pk=decision.contract_id).first() if decision.contract_id else None
    return sla.response_target(
        decision.plan or "",
        contract.edition if contract else None,
        contract.start if contract else None,
        contract.overrides if contract else {},
        decision.item,
    )


def file_ticket(
    *,
    requester: User,
    filed_by: User,
    product_code: str,
    category: str,
    title: str,
    description: str,
    channel: str = Channel.TICKET_SITE,
    contact_preference: str = ContactPreference.PORTAL,
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Ticket:
    """File a ticket for ``requester`` (a verified customer user), through ``channel``.

    A customer files for themself; staff at the hotline desk file for a customer user of any
    organisation (channel ``hotline``). Raises a refusal before anything is saved.
    """
    now = now or timezone.now()
    if filed_by.is_customer:
        if filed_by.pk != requester.pk:
            raise ActionNotAllowed("只能以本人名义提交工单。", "Customers file tickets for themselves only.")
        if channel not in CUSTOMER_CHANNELS:
            raise InvalidInput("热线工单由热线坐席录入。", "Hotline tickets are filed by the hotline desk.",
                               code="channel_not_allowed")
    title = (title or "").strip()
    description = (description or "").strip()
    if not title or not description:
        raise InvalidInput("请填写标题和问题描述。", "Title and description are required.")
    if len(title) > 200:
        raise InvalidInput("标题不能超过 200 个字。", "The title is at most 200 characters.")
    if contact_preference not in ContactPreference.values:
        raise InvalidInput("未知的联系方式偏好。", "Unknown contact preference.")
    check = check_filing(requester, product_code, category, channel, now)
    checked = [check_upload(upload) for upload in attachments]
    product = product_by_code(product_code)
    due = sla.deadlines(check.schedule, check.target_minutes, now)
    # Numbered and assigned in their own short statements, so concurrent filings do not queue on the
    # counter row or the engineers' skill rows for a whole transaction; a filing that fails afterwards
    # leaves a gap in the numbers, never a duplicate, and counts as that engineer's turn.
    number, engineer = _number_and_engineer(product, now)
    with _files_kept_only_on_success(), transaction.atomic():
        ticket = Ticket(
            number=number,
            organisation_id=requester.organisation_id,
            requester=requester,
            filed_by=filed_by,
            product=product,
            category=check.category.code,
            service=check.category.service,
            urgent=check.category.urgent,
            title=title,
            description=description,
            contact_preference=contact_preference,
            channel=channel,
            status=Status.ASSIGNED if engineer else Status.NEW,
            assignee=engineer,
            decision=decision_to_json(check.decision) | {"plan": check.decision.plan,
                                                         "contract_id": check.decision.contract_id},
            plan=check.decision.plan or "",
            contract_id=int(check.decision.contract_id) if check.decision.contract_id else None,
            sla_schedule=check.schedule,
            sla_target_minutes=check.target_minutes,
            sla_provisional=due.provisional,
            first_response_due_at=due.due_at,
            first_response_at_risk_at=due.at_risk_at,
            queue_due_at=due.due_at,
            created_at=now,
        )
        sql.insert([ticket])  # filing is the hottest write: no per-call ORM compile (no signals on tickets)
        for upload, info in zip(attachments, checked, strict=True):
            _save_attachment(ticket, None, filed_by, upload, info, internal=False, now=now)
        events = [TicketEvent(ticket=ticket, actor=filed_by, kind="created", at=now,
                              data={"channel": channel, "decision": check.decision.reason})]
        if engineer is not None:
            events.append(TicketEvent(ticket=ticket, kind="assigned", at=now,
                                      data={"assignee": engineer.pk, "how": "round_robin"}))
        sql.insert(events)
        outbound.publish_event("ticket.created", outbound.ticket_payload(ticket), ticket.organisation_id)
        notices = [outbound.Notice((requester,), "ticket.created", f"工单 {ticket.number} 已受理：{ticket.title}",
                                   body=f"我们将在 {_beijing(ticket.first_response_due_at)} 前首次响应。",
                                   url=outbound.portal_url(ticket))]
        if engineer is not None:
            notices.append(outbound.Notice((engineer,), "ticket.assigned", f"新工单 {ticket.number}：{ticket.title}",
                                           url=outbound.workspace_url(ticket)))
        outbound.notify_each(notices)
    return ticket


def _beijing(at: dt.datetime) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _number_and_engineer(product: Product, now: dt.datetime) -> tuple[str, User | None]:
    """The ticket's number and its engineer, each taken in a statement of its own (see ``file_ticket``).

    On PostgreSQL both go in one statement (one round trip, one commit): the counter upsert and the
    round-robin pick with ``SKIP LOCKED``; only if every candidate is being stamped by another
    filing at that instant does a second statement wait for one.

    Every filing passes through the day's counter row, so its lock must not be held while the
    commit waits for the disk: that would let through one filing per WAL flush. This statement
    commits with ``synchronous_commit`` off (its lock goes at once). Nothing durable depends on it
    alone: the ticket's own commit, later and synchronous, flushes the WAL up to itself, this
    statement's record included; after a crash that lost it, no ticket holds the number.
    """
    if connection.vendor != "postgresql":
        return _next_number(now), _pick_engineer(product, now)
    day = now.astimezone(BEIJING).date()
    products = _skill_products(product)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH counted AS ({_COUNTER_UPSERT.format(table=_quoted(TicketCounter))}), picked AS ({_pick_sql(len(products), skip_locked=True)}) "
            f"SELECT counted.last, {sql.columns(User, 'u')}, set_config('synchronous_commit', 'off', true) "
            f"FROM counted "
            f"LEFT JOIN picked ON TRUE LEFT JOIN {_quoted(User)} u ON u.id = picked.engineer_id",
            [day, now, *products],
        )
        row = cursor.fetchone()
    number = _format_number(day, row[0])
    if row[1] is not None:
        return number, sql.instance(User, row, 1)
    return number, _pick_and_stamp(products, now, skip_locked=False)


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_COUNTER_UPSERT = (
    "INSERT INTO {table} (day, last) VALUES (%s, 1) ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 "
    "RETURNING last"
)


def _format_number(day: dt.date, last: int) -> str:
    return f"TK-{day:%Y%m%d}-{last:04d}"


def _next_number(now: dt.datetime) -> str:
    """TK-<Beijing date>-<n>: one atomic upsert on the day's counter row (safe under concurrency)."""
    day = now.astimezone(BEIJING).date()
    with connection.cursor() as cursor:
        cursor.execute(_COUNTER_UPSERT.format(table=_quoted(TicketCounter)), [day])
        (last,) = cursor.fetchone()
    return _format_number(day, last)


def _skill_products(product: Product) -> list[int]:
    return [product.pk] + ([product.parent_id] if product.parent_id else [])


def _pick_engineer(product: Product, now: dt.datetime) -> User | None:
    """Round-robin among active engineers with the product's skill: the least recently assigned.

    The chosen skill row is locked (rows another transaction holds are skipped, so two
    tickets filed at once go to two engineers) and stamped with the assignment time; in the
    caller's transaction if there is one, else in a short one of its own.
    """
    products = _skill_products(product)
    if connection.vendor == "postgresql":
        # One statement each, so no row stays locked while Python runs: the first free candidate,
        # else (every candidate is being stamped by another filing) wait for one.
        return _pick_and_stamp(products, now, skip_locked=True) or _pick_and_stamp(products, now, skip_locked=False)
    candidates = (
        EngineerSkill.objects.filter(product_id__in=products, active=True, engineer__is_active=True)
        .order_by(F("last_assigned_at").asc(nulls_first=True), "id")
        .select_related("engineer")
    )
    with transaction.atomic(savepoint=False):  # no savepoint inside the caller's transaction
        skill = candidates.select_for_update(skip_locked=True, of=("self",)).first()
        if skill is None:
            skill = candidates.select_for_update(of=("self",)).first()
        if skill is None:
            return None
        EngineerSkill.objects.filter(pk=skill.pk).update(last_assigned_at=now)
    return skill.engineer


def _pick_sql(product_count: int, *, skip_locked: bool) -> str:
    """PostgreSQL: lock the least recently assigned candidate's skill row, stamp it, return its engineer_id."""
    skill, user = _quoted(EngineerSkill), _quoted(User)
    placeholders = ", ".join(["%s"] * product_count)
    return (
        f"UPDATE {skill} SET last_assigned_at = %s WHERE id = ("
        f"SELECT s.id FROM {skill} s JOIN {user} u ON u.id = s.engineer_id "
        f"WHERE s.product_id IN ({placeholders}) AND s.active AND u.is_active "
        f"ORDER BY s.last_assigned_at ASC NULLS FIRST, s.id LIMIT 1 FOR UPDATE OF s{' SKIP LOCKED' if skip_locked else ''}"
        f") RETURNING engineer_id"
    )


def _pick_and_stamp(products: list[int], now: dt.datetime, *, skip_locked: bool) -> User | None:
    """The same pick in one statement (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH picked AS ({_pick_sql(len(products), skip_locked=skip_locked)}) "
            f"SELECT {sql.columns(User, 'u')} FROM {_quoted(User)} u JOIN picked ON u.id = picked.engineer_id",
            [now, *products],
        )
        row = cursor.fetchone()
    return sql.instance(User, row) if row else None


# --- the thread -----------------------------------------------------------------------------


def _ensure_can_write(ticket: Ticket, user: User) -> None:
    if user.is_customer:
        if user.organisation_id != ticket.organisation_id:
            # Selectors already hide foreign tickets; this is the services' own guard.
            raise ActionNotAllowed("您无权操作该工单。", "You may not act on this ticket.")
        if not user.is_verified:
            raise NotVerified("请先完成手机或邮箱认证。", "Confirm your phone or e-mail first.")


def _ensure_staff(user: User) -> None:
    if user.is_customer:
        raise ActionNotAllowed("只有服务人员可以执行此操作。", "Only service staff may do this.")


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
    _ensure_can_write(ticket, author)
    body = (body or "").strip()
    if not body and not attachments:
        raise InvalidInput("请填写回复内容。", "The reply is empty.")
    if internal and author.is_customer:
        raise ActionNotAllowed("客户不能添加内部备注。", "Customers cannot add internal notes.")
    if ticket.status == Status.CLOSED:
        raise InvalidTransition("工单已关闭，不能再回复；如问题仍存在，请提交新工单。",
                                "The ticket is closed; file a new ticket if the problem remains.")
    checked = [check_upload(upload) for upload in attachments]
    kind = MessageKind.INTERNAL_NOTE if internal else MessageKind.PUBLIC_REPLY
    with _files_kept_only_on_success(), transaction.atomic():
        locked = _lock(ticket)
        message = TicketMessage.objects.create(
            ticket=locked, author=author, kind=kind, body=body, by_staff=not author.is_customer, created_at=now
        )
        for upload, info in zip(attachments, checked, strict=True):
            _save_attachment(locked, message, author, upload, info, internal=internal, now=now)
        if internal:
            _copy(locked, ticket)
            return message
        if author.is_customer:
            if locked.status == Status.WAITING_ON_CUSTOMER:
                _set_status(locked, Status.IN_PROGRESS, author, now)
            elif locked.status == Status.RESOLVED:
                _set_status(locked, Status.REOPENED, author, now)
            outbound.notify([locked.assignee], "ticket.replied", f"客户回复了工单 {locked.number}",
                            body=body[:500], url=outbound.workspace_url(locked))
        else:
            _staff_contact(locked, author, now)
            if locked.status in (Status.NEW, Status.ASSIGNED, Status.REOPENED):
                _set_status(locked, Status.IN_PROGRESS, author, now)
            outbound.notify([locked.requester], "ticket.replied", f"您的工单 {locked.number} 有新回复",
                            body=body[:500], url=outbound.portal_url(locked))
        Ticket.objects.filter(pk=locked.pk).update(updated_at=now)
        outbound.publish_event("ticket.replied", outbound.ticket_payload(locked) | {"by_staff": not author.is_customer},
                               locked.organisation_id)
    _copy(locked, ticket)
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
    _ensure_staff(engineer)
    if kind not in (MessageKind.PHONE_CONTACT, MessageKind.REMOTE_ASSISTANCE):
        raise InvalidInput("联系记录类型只能是电话联系或远程协助。", "kind is phone_contact or remote_assistance.")
    body = (body or "").strip()
    if not body:
        raise InvalidInput("请填写联系记录内容。", "The record is empty.")
    with transaction.atomic():
        locked = _lock(ticket)
        message = TicketMessage.objects.create(
            ticket=locked, author=engineer, kind=kind, body=body, by_staff=True, details=details or {}, created_at=now
        )
        if kind == MessageKind.PHONE_CONTACT:
            _staff_contact(locked, engineer, now)
        if locked.status in (Status.NEW, Status.ASSIGNED, Status.REOPENED):
            _set_status(locked, Status.IN_PROGRESS, engineer, now)
        Ticket.objects.filter(pk=locked.pk).update(updated_at=now)
    _copy(locked, ticket)
    return message


def _staff_contact(ticket: Ticket, engineer: User, now: dt.datetime) -> None:
    """A human contact by staff: the first one stops the first-response clock; unassigned → theirs."""
    changes: dict = {}
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        ticket.queue_due_at = None
        changes.update(first_responded_at=now, queue_due_at=None)
        TicketEvent.objects.create(ticket=ticket, actor=engineer, kind="first_response", at=now,
                                   data={"met": now <= ticket.first_response_due_at})
    if ticket.assignee_id is None:
        ticket.assignee = engineer
        changes["assignee"] = engineer
    if changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)


def add_attachments(ticket: Ticket, user: User, uploads: Sequence[UploadedFile],
                    now: dt.datetime | None = None) -> list[TicketAttachment]:
    """Add files to the ticket outside a reply (customer or staff)."""
    now = now or timezone.now()
    _ensure_can_write(ticket, user)
    if not uploads:
        raise InvalidInput("请选择要上传的文件。", "No file was sent.")
    if ticket.status == Status.CLOSED:
        raise InvalidTransition("工单已关闭，不能再添加附件。", "The ticket is closed.")
    checked = [check_upload(upload) for upload in uploads]
    with _files_kept_only_on_success(), transaction.atomic():
        return [
            _save_attachment(ticket, None, user, upload, info, internal=False, now=now)
            for upload, info in zip(uploads, checked, strict=True)
        ]


def _save_attachment(ticket, message, user, upload, info: CheckedFile, *, internal: bool, now) -> TicketAttachment:
    attachment = TicketAttachment(
        ticket=ticket, message=message, uploaded_by=user, name=info.name, size=info.size,
        content_type=info.content_type, internal=internal, created_at=now,
    )
    attachment.file.save(info.name, upload, save=False)
    _STORED.get().append((attachment.file.storage, attachment.file.name))
    attachment.save()
    return attachment


_STORED: ContextVar[list] = ContextVar("tickets_stored_files")


@contextmanager
def _files_kept_only_on_success():
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


# --- status -----------------------------------------------------------------------------------


def change_status(ticket: Ticket, actor: User, to: str, *, now: dt.datetime | None = None) -> Ticket:
    """Move the ticket to ``to`` if the transition table allows it for this actor."""
    now = now or timezone.now()
    _ensure_can_write(ticket, actor)
    if to not in Status.values:
        raise InvalidInput(f"未知的状态：{to}", f"Unknown status {to!r}.")
    with transaction.atomic():
        locked = _lock(ticket)
        _check_transition(locked, actor, to)
        _set_status(locked, to, actor, now)
        Ticket.objects.filter(pk=locked.pk).update(updated_at=now)
    _copy(locked, ticket)
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
    return (user.is_customer and user.is_verified and user.organisation_id == ticket.organisation_id
            and ticket.status in OPEN_STATUSES)


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
        raise ActionNotAllowed("只有客户可以撤回工单；服务人员请直接关闭工单。",
                               "Only the customer withdraws a ticket; staff close it instead.")
    _ensure_can_write(ticket, user)
    reason = (reason or "").strip()
    if len(reason) > WITHDRAWAL_REASON_MAX_LENGTH:
        raise InvalidInput(f"撤回原因不能超过 {WITHDRAWAL_REASON_MAX_LENGTH} 个字。",
                           f"The reason is at most {WITHDRAWAL_REASON_MAX_LENGTH} characters.")
    with transaction.atomic():
        locked = _lock(ticket)
        _check_withdrawable(locked)
        before = locked.status
        # Closed first: the database holds that a withdrawn ticket is closed (ticket_withdrawn_is_closed).
        _set_status(locked, Status.CLOSED, user, now)
        locked.withdrawn_at, locked.withdrawal_reason = now, reason
        Ticket.objects.filter(pk=locked.pk).update(withdrawn_at=now, withdrawal_reason=reason, updated_at=now)
        TicketEvent.objects.create(ticket=locked, actor=user, kind="withdrawn", at=now,
                                   data={"from": before, "reason": reason})
        outbound.publish_event(
            "ticket.withdrawn",
            outbound.ticket_payload(locked) | {"from": before, "reason": reason, "withdrawn_at": now.isoformat()},
            locked.organisation_id,
        )
        body = f"撤回原因：{reason}" if reason else "客户未填写撤回原因。"
        notices = [outbound.Notice((locked.assignee,), "ticket.withdrawn",
                                   f"客户撤回了工单 {locked.number}：{locked.title}", body=body,
                                   url=outbound.workspace_url(locked))]
        if locked.requester_id != user.pk:
            notices.append(outbound.Notice((locked.requester,), "ticket.withdrawn",
                                           f"您的工单 {locked.number} 已由 {user} 撤回", body=body,
                                           url=outbound.portal_url(locked)))
        outbound.notify_each(notices)
    _copy(locked, ticket)
    return ticket


def _check_withdrawable(ticket: Ticket) -> None:
    if ticket.status in OPEN_STATUSES:
        return
    if ticket.withdrawn_at is not None:
        raise InvalidTransition("该工单已撤回。", "The ticket is already withdrawn.", code="already_withdrawn")
    if ticket.status == Status.RESOLVED:
        raise InvalidTransition(
            "工单已解决，不能撤回：请确认解决；如问题仍存在，请重新打开。",
            "The ticket is resolved and cannot be withdrawn: confirm the resolution, or reopen it if the "
            "problem remains.",
        )
    raise InvalidTransition("工单已关闭，不能撤回。", "The ticket is closed and cannot be withdrawn.")


def can_rate(ticket: Ticket) -> bool:
    """Whether the portal offers the rating form (``rate`` checks again)."""
    return ticket.rating is None and ticket.status in (Status.RESOLVED, Status.CLOSED) and not ticket.is_withdrawn


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
    TicketEvent.objects.create(ticket=ticket, actor=actor, kind="status_changed", at=now,
                               data={"from": before, "to": to})
    outbound.publish_event("ticket.status_changed", outbound.ticket_payload(ticket) | {"from": before},
                           ticket.organisation_id)
    if to in (Status.RESOLVED, Status.WAITING_ON_CUSTOMER) and actor is not None and not actor.is_customer:
        title = (f"您的工单 {ticket.number} 已解决，请确认并评价" if to == Status.RESOLVED
                 else f"您的工单 {ticket.number} 等待您的反馈")
        outbound.notify([ticket.requester], "ticket.status_changed", title, url=outbound.portal_url(ticket))
    if to == Status.REOPENED:
        outbound.notify([ticket.assignee], "ticket.status_changed", f"工单 {ticket.number} 已被重新打开",
                        url=outbound.workspace_url(ticket))


def _queue_due(ticket: Ticket) -> dt.datetime | None:
    running = ticket.status in OPEN_STATUSES and ticket.first_responded_at is None and ticket.paused_since is None
    return ticket.first_response_due_at if running else None


def _recomputed_deadlines(ticket: Ticket) -> dict:
    pauses = list(
        TicketPause.objects.filter(ticket=ticket, ended_at__isnull=False).values_list("started_at", "ended_at")
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


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("requester", "assignee").get(pk=ticket.pk)


def _copy(source: Ticket, target: Ticket) -> None:
    """Refresh the caller's instance with the locked, updated one."""
    if source is target:
        return
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


# --- assignment, merge, rating ------------------------------------------------------------------


def assign(ticket: Ticket, actor: User, engineer: User | None, *, now: dt.datetime | None = None) -> Ticket:
    """Manual (re)assignment by staff; ``engineer=None`` picks one by round-robin."""
    now = now or timezone.now()
    _ensure_staff(actor)
    if engineer is not None and engineer.is_customer:
        raise InvalidInput("只能分派给服务人员。", "Tickets are assigned to staff only.")
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status == Status.CLOSED:
            raise InvalidTransition("工单已关闭，不能再分派。", "The ticket is closed.")
        how = "manual"
        if engineer is None:
            engineer = _pick_engineer(locked.product, now)
            how = "round_robin"
            if engineer is None:
                raise InvalidInput("没有具备该产品技能的工程师可供分派。", "No engineer has this product's skill.",
                                   code="no_engineer")
        changes: dict = {"assignee": engineer, "updated_at": now}
        locked.assignee = engineer
        if locked.status in (Status.NEW,):
            changes["status"] = locked.status = Status.ASSIGNED
        Ticket.objects.filter(pk=locked.pk).update(**changes)
        TicketEvent.objects.create(ticket=locked, actor=actor, kind="assigned", at=now,
                                   data={"assignee": engineer.pk, "how": how})
        outbound.notify([engineer], "ticket.assigned", f"工单 {locked.number} 已分派给您：{locked.title}",
                        url=outbound.workspace_url(locked))
    _copy(locked, ticket)
    return ticket


def merge(source: Ticket, target: Ticket, actor: User, *, now: dt.datetime | None = None) -> Ticket:
    """Merge a duplicate into another ticket of the same organisation; the duplicate is closed."""
    now = now or timezone.now()
    _ensure_staff(actor)
    if source.pk == target.pk:
        raise InvalidInput("不能把工单合并到它自己。", "A ticket cannot be merged into itself.", code="merge_refused")
    if source.organisation_id != target.organisation_id:
        raise InvalidInput("只能合并同一客户组织的工单。", "Only tickets of the same organisation can be merged.",
                           code="merge_refused")
    with transaction.atomic():
        locked_source, locked_target = _lock(source), _lock(target)
        if locked_source.status == Status.CLOSED or locked_target.status == Status.CLOSED:
            raise InvalidTransition("已关闭的工单不能合并。", "Closed tickets cannot be merged.")
        TicketMessage.objects.create(
            ticket=locked_target, author=actor, kind=MessageKind.INTERNAL_NOTE, by_staff=True, created_at=now,
            body=f"合并自工单 {locked_source.number}：{locked_source.title}\n\n{locked_source.description}",
            details={"merged_from": locked_source.number},
        )
        TicketMessage.objects.create(
            ticket=locked_source, author=actor, kind=MessageKind.SYSTEM, by_staff=True, created_at=now,
            body=f"此工单与 {locked_target.number} 重复，已合并，后续处理请查看工单 {locked_target.number}。",
            details={"merged_into": locked_target.number},
        )
        TicketAttachment.objects.filter(ticket=locked_source).update(ticket=locked_target)
        Ticket.objects.filter(pk=locked_source.pk).update(merged_into=locked_target)
        locked_source.merged_into = locked_target
        _set_status(locked_source, Status.CLOSED, actor, now)
        TicketEvent.objects.create(ticket=locked_target, actor=actor, kind="merged",
                                   at=now, data={"from": locked_source.number})
    _copy(locked_source, source)
    return target


def rate(ticket: Ticket, user: User, score: int, comment: str = "", *, now: dt.datetime | None = None) -> Ticket:
    """The customer rates the service once the ticket is resolved: 1–5 and a comment, once."""
    now = now or timezone.now()
    if not user.is_customer:
        raise ActionNotAllowed("只有客户可以评价服务。", "Only the customer rates the service.")
    _ensure_can_write(ticket, user)
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
            raise TicketError("该工单已评价过。", "The ticket is already rated.", code="already_rated", status=409)
        ticket.rating, ticket.rating_comment, ticket.rated_at = score, (comment or "").strip()[:2000], now
        TicketEvent.objects.create(ticket=ticket, actor=user, kind="rated", at=now, data={"score": score})
        outbound.publish_event("ticket.rated", outbound.ticket_payload(ticket) | {"rating": score},
                               ticket.organisation_id)
        outbound.notify([ticket.assignee], "ticket.rated", f"工单 {ticket.number} 收到 {score} 分评价",
                        body=ticket.rating_comment, url=outbound.workspace_url(ticket))
    return ticket


# --- engineer skills (who takes part in round-robin assignment) --------------------------------


def can_manage_skills(user: User) -> bool:
    """Service admins (服务管理员) manage skills; other staff see them; customers neither."""
    return user.is_active and user.role == Role.SERVICE_ADMIN


def _ensure_skill_manager(user: User) -> None:
    if not can_manage_skills(user):
        raise ActionNotAllowed("只有服务管理员可以管理工程师技能。", "Only service admins manage engineer skills.")


def add_skill(actor: User, *, engineer_id: int, product_id: int, active: bool = True) -> EngineerSkill:
    """Give an engineer a product's skill: with ``active`` they take part in its round-robin assignment."""
    _ensure_skill_manager(actor)
    engineer = User.objects.filter(pk=engineer_id, is_active=True).first()
    if engineer is None or engineer.is_customer:
        raise InvalidInput("只能为在职的服务人员添加技能。", "Skills are for active service staff only.",
                           code="not_an_engineer")
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise InvalidInput("请选择产品。", "Choose a product.", code="unknown_product")
    try:
        with transaction.atomic():
            return EngineerSkill.objects.create(engineer=engineer, product=product, active=active)
    except IntegrityError:
        # The unique constraint decides, so two admins adding the same skill at once get one row.
        raise TicketError(f"{engineer} 已有产品“{product}”的技能。",
                          f"{engineer} already has the skill for {product.name_en or product.name}.",
                          code="skill_exists", status=409) from None


def set_skill_active(actor: User, skill: EngineerSkill, active: bool) -> EngineerSkill:
    """Pause (``active=False``) or resume the engineer's part in the product's round-robin assignment."""
    _ensure_skill_manager(actor)
    EngineerSkill.objects.filter(pk=skill.pk).update(active=active)
    skill.active = active
    return skill


def remove_skill(actor: User, skill: EngineerSkill) -> None:
    """Take the product's skill away; tickets already assigned to the engineer stay theirs."""
    _ensure_skill_manager(actor)
    EngineerSkill.objects.filter(pk=skill.pk).delete()


# --- SLA jobs --------------------------------------------------------------------------------


def _service_admins() -> list[User]:
    return list(User.objects.filter(role=Role.SERVICE_ADMIN, is_active=True))


def warn_at_risk(ticket_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Warn the assignee and the technical manager, once per ticket (flag set atomically)."""
    now = now or timezone.now()
    warned = 0
    for ticket_id in ticket_ids:
        with transaction.atomic():
            claimed = Ticket.objects.filter(
                pk=ticket_id, at_risk_notified_at__isnull=True, first_responded_at__isnull=True,
                paused_since__isnull=True, status__in=OPEN_STATUSES,
            ).update(at_risk_notified_at=now)
            if not claimed:
                continue
            ticket = Ticket.objects.select_related("assignee", "organisation__technical_manager").get(pk=ticket_id)
            status = sla.status_of(ticket, now)
            TicketEvent.objects.create(ticket=ticket, kind="sla_at_risk", at=now,
                                       data={"remaining_minutes": status.remaining_minutes})
            outbound.publish_event("ticket.sla_at_risk", outbound.ticket_payload(ticket), ticket.organisation_id)
            outbound.notify(
                [ticket.assignee, ticket.organisation.technical_manager], "ticket.sla_at_risk",
                f"工单 {ticket.number} 即将超过首次响应时限",
                body=f"{ticket.organisation}：{ticket.title}；期限 {_beijing(ticket.first_response_due_at)}，"
                     f"{status.remaining_text}。",
                url=outbound.workspace_url(ticket),
            )
            warned += 1
    return warned


def escalate_breached(ticket_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Escalate a breached first response, once per ticket: mark it escalated and tell the managers."""
    now = now or timezone.now()
    escalated = 0
    for ticket_id in ticket_ids:
        with transaction.atomic():
            claimed = Ticket.objects.filter(
                pk=ticket_id, breached_notified_at__isnull=True, first_responded_at__isnull=True,
                paused_since__isnull=True, status__in=OPEN_STATUSES, first_response_due_at__lte=now,
            ).update(breached_notified_at=now, escalated=True)
            if not claimed:
                continue
            ticket = Ticket.objects.select_related("assignee", "organisation__technical_manager").get(pk=ticket_id)
            TicketEvent.objects.create(ticket=ticket, kind="sla_breached", at=now,
                                       data={"due_at": ticket.first_response_due_at.isoformat()})
            outbound.publish_event("ticket.sla_breached", outbound.ticket_payload(ticket), ticket.organisation_id)
            outbound.notify(
                [ticket.assignee, ticket.organisation.technical_manager, *_service_admins()],
                "ticket.sla_breached",
                f"工单 {ticket.number} 已超过首次响应时限，已升级",
                body=f"{ticket.organisation}：{ticket.title}；期限 {_beijing(ticket.first_response_due_at)}。",
                url=outbound.workspace_url(ticket),
            )
            escalated += 1
    return escalated
