"""Filing a ticket: who may file what through which channel (the entitlement decision), its number,
its first-response deadline and its engineer by round-robin."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from successhub import sql
from successhub.accounts.models import User
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import Contract, Product
from successhub.contracts.selectors import entitlement_for, product_by_code
from successhub.core import entitlements as core
from successhub.core.entitlements import BEIJING
from successhub.core.reasons import Reason
from successhub.core.scenario import decision_to_json
from successhub.tickets import outbound, sla
from successhub.tickets.attachments import check_total, check_upload
from successhub.tickets.categories import BY_CODE, Category
from successhub.tickets.errors import ActionNotAllowed, FilingRefused, InvalidInput, NotVerified
from successhub.tickets.models import Channel, ContactPreference, Status, Ticket, TicketCounter, TicketEvent
from successhub.tickets.services.assignment import pick_and_stamp, pick_engineer, pick_sql, skill_products
from successhub.tickets.services.common import (
    beijing,
    files_kept_only_on_success,
    quoted_table,
    save_attachment,
)

DEMAND_SERVICE = "demand_listening"
CUSTOMER_CHANNELS = frozenset({Channel.IN_PRODUCT, Channel.TICKET_SITE, Channel.COMMUNITY})


@dataclass(frozen=True)
class FilingCheck:
    decision: core.Decision
    category: Category
    schedule: str
    target_minutes: int


def check_filing(
    requester: User, product_code: str, category_code: str, channel: str, at: dt.datetime | None = None
) -> FilingCheck:
    """May this customer user file this ticket? Raises a refusal with its reason code."""
    if not requester.is_customer:
        raise InvalidInput(
            "工单只能以客户用户的名义提交。",
            "A ticket is filed for a customer user.",
            code="requester_not_customer",
        )
    if not requester.is_verified:
        raise NotVerified(
            "在线工单面向经注册认证的实际使用者：请先完成手机或邮箱认证，再提交工单。",
            "Online tickets are for verified users: confirm your phone or e-mail first.",
        )
    category = BY_CODE.get(category_code)
    if category is None:
        raise InvalidInput(
            f"未知的问题分类：{category_code}",
            f"Unknown category {category_code!r}.",
            code="unknown_category",
        )
    labels = get_catalog().labels
    if product_code not in labels.products:
        raise InvalidInput(
            f"未知的产品：{product_code}", f"Unknown product {product_code!r}.", code="unknown_product"
        )
    if channel not in Channel.values:
        raise InvalidInput(
            f"未知的提交渠道：{channel}", f"Unknown channel {channel!r}.", code="unknown_channel"
        )
    if category.out_of_scope:
        hint = category.hint  # the category's own words, else the reason's
        if category.route_service and not _route_open(requester, category.route_service, at):
            hint = category.hint_without_route or hint
        raise FilingRefused(
            Reason.OUT_OF_SCOPE,
            hint.zh if hint else Reason.OUT_OF_SCOPE.render("zh"),
            hint.en if hint else Reason.OUT_OF_SCOPE.render("en"),
        )
    decision = entitlement_for(
        requester.organisation,
        core.Request(service=category.service, product=product_code, channel=_request_channel(category, channel)),
        at,
    )
    if not decision.allowed:
        raise FilingRefused(
            decision.reason, decision.explanation, decision.explanation_en, decision_to_json(decision)
        )
    target = _target_for(decision)
    if target is None:
        reason = Reason.NO_RESPONSE_TARGET
        raise FilingRefused(reason, reason.render("zh"), reason.render("en"))
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
    idempotency_key: str = "",
) -> Ticket:
    """File a ticket for ``requester`` (a verified customer user), through ``channel``.

    A customer files for themself; staff at the hotline desk file for a customer user of any
    organisation (channel ``hotline``). Raises a refusal before anything is saved.
    ``idempotency_key`` is stored with the ticket; :func:`file_ticket_once` is the way to use it.
    """
    now = now or timezone.now()
    if filed_by.is_customer:
        if filed_by.pk != requester.pk:
            raise ActionNotAllowed("只能以本人名义提交工单。", "Customers file tickets for themselves only.")
        if channel not in CUSTOMER_CHANNELS:
            raise InvalidInput(
                "热线工单由热线坐席录入。",
                "Hotline tickets are filed by the hotline desk.",
                code="channel_not_allowed",
            )
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
    check_total(0, checked)
    product = product_by_code(product_code)
    due = sla.deadlines(check.schedule, check.target_minutes, now)
    # Numbered and assigned in their own short statements, so concurrent filings do not queue on the
    # counter row or the engineers' skill rows for a whole transaction; a filing that fails afterwards
    # leaves a gap in the numbers, never a duplicate, and counts as that engineer's turn.
    number, engineer = _number_and_engineer(product, now)
    with files_kept_only_on_success(), transaction.atomic():
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
            decision=decision_to_json(check.decision)
            | {"plan": check.decision.plan, "contract_id": check.decision.contract_id},
            plan=check.decision.plan or "",
            contract_id=int(check.decision.contract_id) if check.decision.contract_id else None,
            sla_schedule=check.schedule,
            sla_target_minutes=check.target_minutes,
            sla_provisional=due.provisional,
            first_response_due_at=due.due_at,
            first_response_at_risk_at=due.at_risk_at,
            queue_due_at=due.due_at,
            created_at=now,
            idempotency_key=idempotency_key,
        )
        sql.insert([ticket])  # filing is the hottest write: no per-call ORM compile (no signals on tickets)
        for upload, info in zip(attachments, checked, strict=True):
            save_attachment(ticket, None, filed_by, upload, info, internal=False, now=now)
        events = [
            TicketEvent(
                ticket=ticket,
                actor=filed_by,
                kind="created",
                at=now,
                data={"channel": channel, "decision": check.decision.reason},
            )
        ]
        if engineer is not None:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind="assigned",
                    at=now,
                    data={"assignee": engineer.pk, "how": "round_robin"},
                )
            )
        sql.insert(events)
        outbound.publish_event("ticket.created", outbound.ticket_payload(ticket), ticket.organisation_id)
        notices = [
            outbound.Notice(
                (requester,),
                "ticket.created",
                f"工单 {ticket.number} 已受理：{ticket.title}",
                body=f"我们将在 {beijing(ticket.first_response_due_at)} 前首次响应。",
                url=outbound.portal_url(ticket),
            )
        ]
        if engineer is not None:
            notices.append(
                outbound.Notice(
                    (engineer,),
                    "ticket.assigned",
                    f"新工单 {ticket.number}：{ticket.title}",
                    url=outbound.workspace_url(ticket),
                )
            )
        outbound.notify_each(notices)
        if check.category.service == DEMAND_SERVICE:
            _file_demand(ticket, check, filed_by, requester, product)
    return ticket


IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")


def file_ticket_once(*, idempotency_key: str, filed_by: User, **filing) -> tuple[Ticket, bool]:
    """:func:`file_ticket`, at most once per key and person: returns ``(ticket, repeated)``.

    A client that lost the answer to a filing (a dropped connection, a server killed after the
    commit) sends the same request again with the same key and gets the ticket the first one filed,
    never a second one (the API's ``Idempotency-Key``; ``bench/drills.py`` counts duplicates). The
    key is 1–100 visible ASCII characters; the same key for a different ticket is refused.
    """
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise InvalidInput(
            "Idempotency-Key 须为 1 至 100 个可见 ASCII 字符。",
            "The Idempotency-Key is 1 to 100 visible ASCII characters.",
            code="invalid_idempotency_key",
            status=400,
        )
    earlier = _filed_with_key(filed_by, idempotency_key)
    if earlier is None:
        try:
            return file_ticket(filed_by=filed_by, idempotency_key=idempotency_key, **filing), False
        except IntegrityError:
            earlier = _filed_with_key(filed_by, idempotency_key)  # a concurrent repeat filed it first
            if earlier is None:
                raise
    if not _same_filing(earlier, filing):
        raise InvalidInput(
            "这个 Idempotency-Key 已用于另一张工单：新的工单请使用新的键。",
            "This Idempotency-Key was used for another ticket: use a new key for a new ticket.",
            code="idempotency_key_reused",
        )
    return earlier, True


def _filed_with_key(filed_by: User, key: str) -> Ticket | None:
    return Ticket.objects.select_related("product").filter(filed_by=filed_by, idempotency_key=key).first()


def _same_filing(ticket: Ticket, filing: dict) -> bool:
    return (
        ticket.requester_id == filing["requester"].pk
        and ticket.product.code == filing["product_code"]
        and ticket.category == filing["category"]
        and ticket.title == (filing.get("title") or "").strip()
        and ticket.description == (filing.get("description") or "").strip()
    )


def _request_channel(category: Category, channel: str) -> str:
    """A demand (需求聆听) is asked of the engine by its own channels: the hotline's, or the ticket site's."""
    if category.service == DEMAND_SERVICE:
        return Channel.HOTLINE if channel == Channel.HOTLINE else Channel.TICKET_SITE
    return channel


def _file_demand(ticket: Ticket, check: FilingCheck, filed_by: User, requester: User, product: Product) -> None:
    """The ticket's demand lands in the innovation square too, with its channel and the ticket's number;
    a refusal there undoes the ticket (one transaction)."""
    from successhub.community.errors import CommunityError
    from successhub.community.services import file_demand

    try:
        file_demand(filed_by, _request_channel(check.category, ticket.channel), ticket.title, ticket.description,
                    organisation=requester.organisation, product=product, reference=ticket.number)
    except CommunityError as exc:
        raise InvalidInput(exc.message, exc.message, code=exc.code, status=exc.status) from None


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
        return _next_number(now), pick_engineer(product, now)
    day = now.astimezone(BEIJING).date()
    products = skill_products(product)
    # Inside a caller's transaction the setting would last until that transaction's commit, the
    # ticket's included: an acknowledged ticket could then be lost in a crash. Only alone, then.
    no_wait = "NULL" if connection.in_atomic_block else "set_config('synchronous_commit', 'off', true)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH counted AS ({_COUNTER_UPSERT.format(table=quoted_table(TicketCounter))}), picked AS ({pick_sql(len(products), skip_locked=True)}) "
            f"SELECT counted.last, {sql.columns(User, 'u')}, {no_wait} "
            f"FROM counted "
            f"LEFT JOIN picked ON TRUE LEFT JOIN {quoted_table(User)} u ON u.id = picked.engineer_id",
            [day, now, *products],
        )
        row = cursor.fetchone()
    number = _format_number(day, row[0])
    if row[1] is not None:
        return number, sql.instance(User, row, 1)
    return number, pick_and_stamp(products, now, skip_locked=False)


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
        cursor.execute(_COUNTER_UPSERT.format(table=quoted_table(TicketCounter)), [day])
        (last,) = cursor.fetchone()
    return _format_number(day, last)


def _route_open(requester: User, service: str, at: dt.datetime | None) -> bool:
    """Whether the customer may take the route an out-of-scope hint suggests (the engine decides)."""
    return entitlement_for(requester.organisation, core.Request(service=service), at, requester).allowed
