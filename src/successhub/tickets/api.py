"""Tickets over HTTP (``/api/v1/tickets``): the product's in-app entry, the hotline desk, the
community's 联系我们 and scripts file and work tickets here, through the same services as the portal.

Refusals are ``{"code", "message"}``: 403 for entitlement refusals (``code`` is the engine's
reason, e.g. ``outside_first_year``) and ``not_verified``; 404 for a ticket the caller may not
see; 409 for invalid transitions (``already_withdrawn`` for a second withdrawal); 413/422 for
refused attachments.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import SessionAuth
from pydantic import Field

from successhub.accounts.models import User
from successhub.api.base import BearerAuth, ErrorOut, ObjectId, PageNumber, TokenHeaderAuth, api
from successhub.core.reasons import Reason, reason_of
from successhub.tickets import selectors, sla
from successhub.tickets.categories import CATEGORIES
from successhub.tickets.errors import InvalidInput, TicketError
from successhub.tickets.models import (
    Channel,
    ContactPreference,
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from successhub.tickets.services import assignment, filing, working

# Token auth first: the session auth's CSRF check would refuse a token-only POST before the
# token is even looked at (the product's in-app entry and the hotline desk send no cookie).
router = Router(tags=["tickets"], auth=[BearerAuth(), TokenHeaderAuth(), SessionAuth()])


@api.exception_handler(TicketError)
def _ticket_error(request, exc: TicketError):
    return api.create_response(request, {"code": exc.code, "message": exc.message_en}, status=exc.status)


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


# --- schemas ------------------------------------------------------------------------------------


class TicketIn(Schema):
    product: str
    category: str
    title: str
    description: str
    channel: str = Channel.IN_PRODUCT
    contact_preference: str = ContactPreference.PORTAL
    # Staff (the hotline desk) file for a customer user; customers file for themselves.
    requester_id: ObjectId | None = None


class SlaOut(Schema):
    state: str
    due_at: dt.datetime
    remaining_minutes: float | None
    paused: bool
    provisional: bool
    schedule: str
    target_minutes: int


class TicketOut(Schema):
    number: str
    status: str
    organisation_id: int
    product: str
    category: str
    service: str
    urgent: bool
    title: str
    description: str
    channel: str
    contact_preference: str
    requester_id: int
    assignee_id: int | None
    created_at: dt.datetime
    first_responded_at: dt.datetime | None
    merged_into: str | None
    # Set when the customer withdrew the ticket (it is then closed, not resolved).
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str
    rating: int | None
    rating_comment: str
    sla: SlaOut
    decision: dict


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str


class MessageOut(Schema):
    id: int
    kind: str
    body: str
    by_staff: bool
    author: str
    created_at: dt.datetime
    details: dict
    attachments: list[AttachmentOut]


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]
    attachments: list[AttachmentOut]
    allowed_transitions: list[str]
    # Whether the caller may withdraw it now (POST /{number}/withdraw).
    can_withdraw: bool


class TicketPage(Schema):
    count: int
    page: int
    pages: int
    items: list[TicketOut]


class ReplyIn(Schema):
    body: str
    internal: bool = False


class StatusIn(Schema):
    status: str


class AssignIn(Schema):
    # None: round-robin among the engineers with the product's skill.
    assignee_id: ObjectId | None = None


class ContactIn(Schema):
    kind: str
    body: str
    details: dict = {}


class MergeIn(Schema):
    into: str


class WithdrawIn(Schema):
    reason: str = ""


class RatingIn(Schema):
    score: Annotated[int, Field(ge=0, le=1000)]
    comment: str = ""


class EligibilityOut(Schema):
    category: str
    service: str
    allowed: bool
    code: str
    # The reason (``ok`` or a refusal) when the code is one; null for ``not_verified`` and the like.
    reason: Reason | None
    message: str
    message_zh: str


class CategoryOut(Schema):
    code: str
    service: str
    name: str
    name_en: str
    urgent: bool
    out_of_scope: bool


class QueueFilter(Schema):
    status: str = "all"
    product: str = ""
    category: str = ""
    organisation: ObjectId | None = None
    assignee: str = ""
    breached: bool = False
    q: str = ""
    page: PageNumber = 1


# --- rendering ------------------------------------------------------------------------------------


def _attachment(attachment: TicketAttachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "url": f"/api/v1/tickets/attachments/{attachment.pk}",
    }


def _ticket(ticket: Ticket, now: dt.datetime) -> dict:
    status = sla.status_of(ticket, now)
    return {
        "number": ticket.number,
        "status": ticket.status,
        "organisation_id": ticket.organisation_id,
        "product": ticket.product.code,
        "category": ticket.category,
        "service": ticket.service,
        "urgent": ticket.urgent,
        "title": ticket.title,
        "description": ticket.description,
        "channel": ticket.channel,
        "contact_preference": ticket.contact_preference,
        "requester_id": ticket.requester_id,
        "assignee_id": ticket.assignee_id,
        "created_at": ticket.created_at,
        "first_responded_at": ticket.first_responded_at,
        "merged_into": ticket.merged_into.number if ticket.merged_into_id else None,
        "withdrawn_at": ticket.withdrawn_at,
        "withdrawal_reason": ticket.withdrawal_reason,
        "rating": ticket.rating,
        "rating_comment": ticket.rating_comment,
        "decision": ticket.decision,
        "sla": {
            "state": status.state,
            "due_at": status.due_at,
            "remaining_minutes": status.remaining_minutes,
            "paused": status.paused,
            "provisional": status.provisional,
            "schedule": ticket.sla_schedule,
            "target_minutes": ticket.sla_target_minutes,
        },
    }


def _message(message: TicketMessage) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "body": message.body,
        "by_staff": message.by_staff,
        "author": str(message.author) if message.author else "",
        "created_at": message.created_at,
        "details": message.details,
        "attachments": [_attachment(a) for a in message.attachments.all()],
    }


def _detail(user: User, ticket: Ticket) -> dict:
    return _ticket(ticket, timezone.now()) | {
        "messages": [_message(m) for m in selectors.thread_for(user, ticket)],
        "attachments": [_attachment(a) for a in selectors.ticket_attachments_for(user, ticket)],
        "allowed_transitions": working.allowed_transitions(ticket, user),
        "can_withdraw": working.can_withdraw(ticket, user),
    }


def _ticket_for(request: HttpRequest, number: str) -> Ticket:
    return selectors.ticket_for(request.user, number)


# --- endpoints ------------------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], summary="Ticket categories and their service items")
def categories(request):
    return [
        {
            "code": c.code,
            "service": c.service,
            "name": c.name.zh,
            "name_en": c.name.en,
            "urgent": c.urgent,
            "out_of_scope": c.out_of_scope is not None,
        }
        for c in CATEGORIES
    ]


@router.get("/eligibility", response={200: EligibilityOut, **ERRORS}, summary="May I file this ticket?")
def eligibility(request, product: str, category: str, channel: str = Channel.IN_PRODUCT):
    """The entitlement decision for a ticket before it is written (the portal shows it as the user picks)."""
    from successhub.tickets.categories import BY_CODE

    try:
        check = filing.check_filing(request.user, product, category, channel)
    except TicketError as exc:
        if exc.status == 422:
            raise
        return {
            "category": category,
            "service": BY_CODE[category].service if category in BY_CODE else "",
            "allowed": False,
            "code": exc.code,
            "reason": reason_of(exc.code),
            "message": exc.message_en,
            "message_zh": exc.message_zh,
        }
    return {
        "category": category,
        "service": check.category.service,
        "allowed": True,
        "code": "ok",
        "reason": Reason.OK,
        "message": check.decision.explanation_en,
        "message_zh": check.decision.explanation,
    }


@router.post(
    "",
    response={200: TicketOut, 201: TicketOut, 400: ErrorOut, **ERRORS},
    summary="File a ticket",
    description=(
        "201: filed. With an `Idempotency-Key` header (1–100 visible ASCII characters, new for each "
        "ticket), a repeat of the request by the same caller answers 200 with the ticket the first "
        "filed, never a second ticket: retry with the same key when an answer was lost. The same key "
        "for a different ticket: 422 `idempotency_key_reused`."
    ),
)
def file_ticket(
    request,
    payload: TicketIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
):
    user = request.user
    requester = user
    if payload.requester_id is not None and payload.requester_id != user.pk:
        if user.is_customer:
            raise TicketError(
                "只能以本人名义提交工单。",
                "Customers file tickets for themselves only.",
                code="forbidden",
                status=403,
            )
        requester = User.objects.filter(pk=payload.requester_id).first()
        if requester is None:
            raise InvalidInput("提单人不存在。", "No such requester.", code="unknown_requester")
    elif not user.is_customer:
        raise InvalidInput(
            "请指定提单的客户用户（requester_id）。",
            "Staff name the customer user (requester_id).",
            code="requester_required",
        )
    details = {
        "requester": requester,
        "filed_by": user,
        "product_code": payload.product,
        "category": payload.category,
        "title": payload.title,
        "description": payload.description,
        "channel": payload.channel,
        "contact_preference": payload.contact_preference,
    }
    if idempotency_key is None:
        return Status(201, _ticket(filing.file_ticket(**details), timezone.now()))
    ticket, repeated = filing.file_ticket_once(idempotency_key=idempotency_key, **details)
    return Status(200 if repeated else 201, _ticket(ticket, timezone.now()))


@router.get(
    "", response={200: TicketPage, **ERRORS}, summary="Tickets I may see (customers: my organisation's)"
)
def list_tickets(request, filters: Query[QueueFilter]):
    page = selectors.queue_for(
        request.user,
        selectors.QueueFilters(
            product=filters.product,
            category=filters.category,
            status=filters.status,
            organisation=filters.organisation,
            assignee=filters.assignee,
            breached=filters.breached,
            search=filters.q,
        ),
        filters.page,
        # Only what _ticket reads: the product's code and a merged ticket's number (no N+1).
        related=("product", "merged_into"),
    )
    now = timezone.now()
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "items": [_ticket(t, now) for t in page.object_list],
    }


@router.get("/attachments/{attachment_id}", response={200: None, **ERRORS}, summary="Download an attachment")
def download(request, attachment_id: ObjectId):
    attachment = selectors.attachment_for(request.user, attachment_id)
    return _file_response(attachment)


def _file_response(attachment: TicketAttachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/{number}", response={200: TicketDetailOut, **ERRORS}, summary="A ticket with its thread")
def get_ticket(request, number: str):
    return _detail(request.user, _ticket_for(request, number))


@router.post(
    "/{number}/replies", response={201: MessageOut, **ERRORS}, summary="Reply or add an internal note"
)
def add_reply(request, number: str, payload: ReplyIn):
    message = working.reply(
        _ticket_for(request, number), request.user, payload.body, internal=payload.internal
    )
    return Status(201, _message(message))


@router.post("/{number}/attachments", response={201: list[AttachmentOut], **ERRORS}, summary="Add files")
def add_files(request, number: str, files: File[list[UploadedFile]]):
    saved = working.add_attachments(_ticket_for(request, number), request.user, files)
    return Status(201, [_attachment(a) for a in saved])


@router.post("/{number}/status", response={200: TicketOut, **ERRORS}, summary="Change the status")
def set_status(request, number: str, payload: StatusIn):
    ticket = working.change_status(_ticket_for(request, number), request.user, payload.status)
    return _ticket(ticket, timezone.now())


@router.post("/{number}/assign", response={200: TicketOut, **ERRORS}, summary="Assign or reassign (staff)")
def assign(request, number: str, payload: AssignIn):
    ticket = _ticket_for(request, number)
    engineer = None
    if payload.assignee_id is not None:
        engineer = User.objects.filter(pk=payload.assignee_id, is_active=True).first()
        if engineer is None:
            raise InvalidInput("处理人不存在。", "No such engineer.", code="unknown_assignee")
    return _ticket(assignment.assign(ticket, request.user, engineer), timezone.now())


@router.post(
    "/{number}/contacts",
    response={201: MessageOut, **ERRORS},
    summary="Log a phone contact or a remote-assistance session (staff)",
)
def add_contact(request, number: str, payload: ContactIn):
    if payload.kind not in (MessageKind.PHONE_CONTACT, MessageKind.REMOTE_ASSISTANCE):
        raise InvalidInput(
            "kind 只能是 phone_contact 或 remote_assistance。", "kind is phone_contact or remote_assistance."
        )
    message = working.log_contact(
        _ticket_for(request, number), request.user, payload.kind, payload.body, details=payload.details
    )
    return Status(201, _message(message))


@router.post(
    "/{number}/merge", response={200: TicketOut, **ERRORS}, summary="Merge a duplicate into another ticket"
)
def merge(request, number: str, payload: MergeIn):
    source = _ticket_for(request, number)
    target = _ticket_for(request, payload.into)
    working.merge(source, target, request.user)
    return _ticket(selectors.ticket_for(request.user, number), timezone.now())


@router.post(
    "/{number}/withdraw",
    response={200: TicketOut, **ERRORS},
    summary="Withdraw a ticket that is not resolved yet (customer)",
)
def withdraw(request, number: str, payload: WithdrawIn):
    """Closes the ticket as withdrawn (撤回); 409 ``invalid_transition`` once it is resolved or closed,
    409 ``already_withdrawn``, 403 ``forbidden`` for staff and ``not_verified`` for unverified users."""
    ticket = working.withdraw(_ticket_for(request, number), request.user, payload.reason)
    return _ticket(ticket, timezone.now())


@router.post("/{number}/rating", response={200: TicketOut, **ERRORS}, summary="Rate the service (customer)")
def rate(request, number: str, payload: RatingIn):
    ticket = working.rate(_ticket_for(request, number), request.user, payload.score, payload.comment)
    return _ticket(ticket, timezone.now())
