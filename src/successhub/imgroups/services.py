"""State changes of dedicated IM groups: request, members (capped atomically), binding, messages.

Every refusal is a ``GroupError`` with a machine code. Messages out go through the robot outbox
(``notifications.robots``), so they are retried and never lost; messages in come through the
tool's callback (``receive``), verified by the tool's folder and stored once per message id.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from successhub import integrations
from successhub.accounts.models import Role, User
from successhub.calendars.selectors import business_calendar, makeup_day_settings
from successhub.catalog.loader import get_catalog
from successhub.contracts.selectors import entitlement_for
from successhub.core import entitlements as core
from successhub.core.entitlements import BEIJING
from successhub.imgroups import scope
from successhub.imgroups.errors import InvalidInput, NotAllowed, NotEntitled, WrongState
from successhub.imgroups.models import GroupMessage, Membership, ServiceGroup
from successhub.integrations import secrets
from successhub.integrations.base import Handshake, InboundMessage, InboundRejected, InboundRequest
from successhub.notifications import robots
from successhub.notifications.models import GroupPreference

logger = logging.getLogger("successhub.imgroups")

SERVICE = "dedicated_im_group"
MAX_CALLBACK_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 4000


# --- guards ------------------------------------------------------------------------------------------


def _ensure_customer_admin(actor: User, organisation_id: int) -> None:
    if actor.is_customer and not (
        actor.role == Role.CUSTOMER_ADMIN and actor.organisation_id == organisation_id
    ):
        raise NotAllowed(
            "只有本组织的客户管理员可以管理专属 IM 服务群。",
            "Only the organisation's customer admin manages its dedicated IM group.",
        )


def _ensure_staff(actor: User) -> None:
    if actor.is_customer:
        raise NotAllowed("只有服务人员可以执行此操作。", "Only service staff may do this.")


def decision(organisation, at: dt.datetime | None = None, members: int | None = None) -> core.Decision:
    return entitlement_for(organisation, core.Request(service=SERVICE, members=members), at or timezone.now())


def _ensure_entitled(organisation, at: dt.datetime, members: int | None = None) -> core.Decision:
    decided = decision(organisation, at, members)
    if not decided.allowed:
        raise NotEntitled(decided.explanation, decided.explanation_en, code=decided.reason)
    return decided


# --- the group and its members -----------------------------------------------------------------------


def request_group(
    admin: User, tool: str, members: list[User], name: str = "", now: dt.datetime | None = None
) -> ServiceGroup:
    """The customer admin asks for the group on ``tool`` (one the catalog offers) with its first members."""
    now = now or timezone.now()
    organisation = admin.organisation
    if organisation is None:
        raise NotAllowed("请以客户管理员身份申请。", "Request the group as a customer admin.")
    _ensure_customer_admin(admin, organisation.pk)
    decided = _ensure_entitled(organisation, now)
    offered = tuple(decided.item.im_tools or ()) if decided.item else ()
    if tool not in offered:
        raise InvalidInput(
            "请选择服务目录提供的 IM 工具。", "Choose an IM tool the catalog offers.", code="unknown_tool"
        )
    integrations.tool(tool)
    with transaction.atomic():
        if ServiceGroup.objects.filter(organisation=organisation).exists():
            raise WrongState(
                "您的组织已申请专属 IM 服务群。",
                "Your organisation already has a dedicated IM group.",
                code="already_requested",
            )
        try:
            with transaction.atomic():
                group = ServiceGroup.objects.create(
                    organisation=organisation,
                    tool=tool,
                    name=(name or f"{organisation} 专属服务群")[:100],
                    requested_by=admin,
                    requested_at=now,
                )
        except IntegrityError:
            raise WrongState(
                "您的组织已申请专属 IM 服务群。",
                "Your organisation already has a dedicated IM group.",
                code="already_requested",
            ) from None
        for user in members:
            add_member(admin, group, user, now=now)
    staff = [organisation.technical_manager, *User.objects.filter(role=Role.SERVICE_ADMIN, is_active=True)]
    from successhub.notifications.services import notify

    notify(
        staff,
        "imgroup.requested",
        f"{organisation} 申请开通专属 IM 服务群（{integrations.tool(tool).name_zh}）",
        url=f"/workspace/im-groups/{group.pk}/",
    )
    return group


def add_member(actor: User, group: ServiceGroup, user: User, now: dt.datetime | None = None) -> Membership:
    """Add a verified user of the organisation; the catalog's cap is checked under a lock on the group,
    so concurrent additions can never pass it (the engine explains a refusal)."""
    now = now or timezone.now()
    _ensure_customer_admin(actor, group.organisation_id)
    if not (user.is_customer and user.organisation_id == group.organisation_id and user.is_active):
        raise InvalidInput(
            "只能添加本组织的用户。",
            "Only users of the organisation can be added.",
            code="not_a_member_of_organisation",
        )
    if not user.is_verified:
        raise InvalidInput(
            f"{user} 尚未完成注册认证（手机或邮箱），暂不能加入专属群。",
            f"{user} is not verified yet (phone or e-mail).",
            code="not_verified",
        )
    with transaction.atomic():
        locked = ServiceGroup.objects.select_for_update().get(pk=group.pk)
        if locked.status == ServiceGroup.Status.CLOSED:
            raise WrongState("专属群已关闭。", "The group is closed.")
        existing = Membership.objects.filter(group=locked, user=user, removed_at__isnull=True).first()
        if existing is not None:
            return existing
        count = Membership.objects.filter(
            group=locked, side=Membership.Side.CUSTOMER, removed_at__isnull=True
        ).count()
        _ensure_entitled(locked.organisation, now, members=count + 1)
        return Membership.objects.create(
            group=locked,
            user=user,
            side=Membership.Side.CUSTOMER,
            im_id=user.phone,
            added_by=actor,
            added_at=now,
        )


def remove_member(actor: User, membership: Membership, now: dt.datetime | None = None) -> Membership:
    """Take a member out (the row stays, with who and when: the history)."""
    now = now or timezone.now()
    if membership.side == Membership.Side.VENDOR:
        _ensure_staff(actor)
    else:
        _ensure_customer_admin(actor, membership.group.organisation_id)
    Membership.objects.filter(pk=membership.pk, removed_at__isnull=True).update(
        removed_at=now, removed_by=actor
    )
    membership.refresh_from_db()
    return membership


def add_vendor_member(
    actor: User, group: ServiceGroup, user: User, im_id: str = "", now: dt.datetime | None = None
) -> Membership:
    """Staff join the group (technical manager, engineers): not counted against the customer cap."""
    _ensure_staff(actor)
    if user.is_customer:
        raise InvalidInput("服务方成员须为服务人员。", "Vendor members are staff.")
    membership, _ = Membership.objects.get_or_create(
        group=group,
        user=user,
        removed_at=None,
        defaults={
            "side": Membership.Side.VENDOR,
            "im_id": im_id.strip()[:100],
            "added_by": actor,
            "added_at": now or timezone.now(),
        },
    )
    return membership


def set_im_id(actor: User, membership: Membership, im_id: str) -> Membership:
    """Staff record a member's account in the tool, so their messages are recognised."""
    _ensure_staff(actor)
    Membership.objects.filter(pk=membership.pk).update(im_id=im_id.strip()[:100])
    membership.refresh_from_db()
    return membership


def bind(
    actor: User,
    group: ServiceGroup,
    *,
    webhook_url: str = "",
    secret: str = "",
    credentials: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> ServiceGroup:
    """Staff bind the group to its tool: the robot for messages out, the callback keys for messages in.
    Empty secret fields keep what is stored (secrets are write-only)."""
    _ensure_staff(actor)
    now = now or timezone.now()
    robot = robots.bind_robot(
        group.robot,
        name=group.name,
        tool=group.tool,
        webhook_url=webhook_url,
        secret=secret,
        organisation=group.organisation,
    )
    stored = json.loads(secrets.unseal(group.credentials_sealed) or "{}")
    stored.update({k: v for k, v in (credentials or {}).items() if v})
    changes = {"robot": robot, "credentials_sealed": secrets.seal(json.dumps(stored))}
    if robot.webhook_sealed and group.status == ServiceGroup.Status.REQUESTED:
        changes.update(status=ServiceGroup.Status.ACTIVE, bound_by=actor, bound_at=now)
    for name, value in changes.items():
        setattr(group, name, value)
    group.save(update_fields=list(changes))
    return group


def set_group_preference(actor: User, organisation, kind: str, wanted: bool) -> GroupPreference:
    _ensure_customer_admin(actor, organisation.pk)
    preference, _ = GroupPreference.objects.update_or_create(
        organisation=organisation, kind=kind, defaults={"wanted": wanted}
    )
    return preference


# --- messages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """What a callback did: the message stored (or found, for a replay), or a handshake to answer."""

    message: GroupMessage | None = None
    duplicate: bool = False
    handshake: Handshake | None = None


def _terms(organisation, now: dt.datetime):
    decided = decision(organisation, now)
    if not decided.allowed or decided.item is None or decided.item.first_response is None:
        return None
    return decided.item.first_response


def _post(group: ServiceGroup, kind: str, text: str):
    if group.robot is None:
        return None
    ids = robots.send_to_robots([group.robot], kind, text)
    return ids[0] if ids else None


def receive(
    tool_code: str, callback_key: str, request: InboundRequest, now: dt.datetime | None = None
) -> Received:
    """A callback from the tool: verify it (the tool's folder), then store the message once.

    Refusals raise ``InboundRejected`` with a code and an HTTP status; nothing is stored for them.
    """
    now = now or timezone.now()
    if len(request.body) > MAX_CALLBACK_BYTES:
        raise InboundRejected("too_large", "the callback body is too large", 413)
    group = (
        ServiceGroup.objects.select_related("organisation", "robot")
        .filter(callback_key=callback_key, tool=tool_code)
        .exclude(status=ServiceGroup.Status.CLOSED)
        .first()
    )
    if group is None:
        raise InboundRejected("unknown_group", "no group has this callback address", 404)
    tool = integrations.tool(tool_code)
    try:
        credentials = json.loads(secrets.unseal(group.credentials_sealed) or "{}")
    except secrets.SecretUnavailable:
        raise InboundRejected("not_configured", "the group's callback keys cannot be opened", 409) from None
    result = tool.verify(request, credentials, int(now.timestamp()))
    if isinstance(result, Handshake):
        return Received(handshake=result)
    if len(result.text) > MAX_MESSAGE_CHARS:
        raise InboundRejected("too_large", "the message is too long", 413)
    if not result.text:
        raise InboundRejected("empty", "the message is empty", 400)
    existing = GroupMessage.objects.filter(group=group, external_id=result.message_id).first()
    if existing is not None:
        return Received(message=existing, duplicate=True)
    try:
        with transaction.atomic():
            message = _store(group, result, now)
    except IntegrityError:  # the same message id stored concurrently: the other callback's row stands
        return Received(
            message=GroupMessage.objects.get(group=group, external_id=result.message_id), duplicate=True
        )
    return Received(message=message)


def _store(group: ServiceGroup, inbound: InboundMessage, now: dt.datetime) -> GroupMessage:
    member = (
        Membership.objects.select_related("user")
        .filter(group=group, im_id=inbound.sender_id, removed_at__isnull=True)
        .exclude(im_id="")
        .first()
    )
    common = {
        "group": group,
        "external_id": inbound.message_id,
        "sender_im_id": inbound.sender_id[:200],
        "sender_name": inbound.sender_name[:200],
        "member": member,
        "body": inbound.text,
        "received_at": now,
    }
    if member is not None and member.side == Membership.Side.VENDOR:
        message = GroupMessage.objects.create(kind=GroupMessage.Kind.ENGINEER, author=member.user, **common)
        _mark_answered(group, member.user, now)
        return message
    target = _terms(group.organisation, now)
    if target is None:  # no entitlement in force: kept in the thread, no clock
        return GroupMessage.objects.create(kind=GroupMessage.Kind.CUSTOMER, **common)
    from successhub.tickets import sla

    due = sla.deadlines(target.schedule, target.working_minutes, now)
    message = GroupMessage.objects.create(
        kind=GroupMessage.Kind.CUSTOMER, response_due_at=due.due_at, at_risk_at=due.at_risk_at, **common
    )
    _auto_reply_if_closed(group, target.schedule, now)
    return message


def _auto_reply_if_closed(group: ServiceGroup, schedule: str, now: dt.datetime) -> GroupMessage | None:
    """Outside service hours: tell the group when we open, once per closed period."""
    calendar = business_calendar()
    makeup = makeup_day_settings().get(schedule, False)
    if calendar.is_open(schedule, now, makeup):
        return None
    opening = calendar.next_open(schedule, now, makeup)
    if GroupMessage.objects.filter(
        group=group, kind=GroupMessage.Kind.AUTO_REPLY, announced_opening=opening
    ).exists():
        return None
    hours = get_catalog().labels.name("schedules", schedule, "zh")
    text = (
        f"您好，专属 IM 服务群的服务时间为{hours}。现在是非服务时间，您的消息已收到，"
        f"我们将于 {opening.astimezone(BEIJING):%Y-%m-%d %H:%M}（北京时间）开始处理。"
    )
    reply = GroupMessage.objects.create(
        group=group, kind=GroupMessage.Kind.AUTO_REPLY, body=text, received_at=now, announced_opening=opening
    )
    reply.robot_message_id = _post(group, "imgroup.auto_reply", text)
    if reply.robot_message_id:
        reply.save(update_fields=["robot_message"])
    return reply


def _mark_answered(group: ServiceGroup, by: User, at: dt.datetime) -> int:
    return GroupMessage.objects.filter(
        group=group, kind=GroupMessage.Kind.CUSTOMER, responded_at__isnull=True, received_at__lte=at
    ).update(responded_at=at, responded_by=by)


def answer(engineer: User, group: ServiceGroup, text: str, now: dt.datetime | None = None) -> GroupMessage:
    """An engineer answers from SuccessHub: posted through the group's robot; the clock stops."""
    _ensure_staff(engineer)
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise InvalidInput("请填写回复内容。", "The answer is empty.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"回复不能超过 {MAX_MESSAGE_CHARS} 个字。", "The answer is too long.")
    if group.robot is None or group.status != ServiceGroup.Status.ACTIVE:
        raise WrongState(
            "专属群尚未绑定机器人，暂不能发送。", "The group has no robot bound yet.", code="not_bound"
        )
    with transaction.atomic():
        message = GroupMessage.objects.create(
            group=group,
            kind=GroupMessage.Kind.ENGINEER,
            author=engineer,
            sender_name=str(engineer),
            body=text,
            received_at=now,
        )
        message.robot_message_id = _post(group, "imgroup.answer", f"【{engineer}】{text}")
        message.save(update_fields=["robot_message"])
        _mark_answered(group, engineer, now)
    return message


def to_ticket(
    engineer: User,
    message: GroupMessage,
    *,
    product_code: str,
    category: str,
    title: str = "",
    now: dt.datetime | None = None,
):
    """A customer message becomes a ticket in one step (filed for the member who wrote it)."""
    from successhub.tickets.services.filing import file_ticket

    _ensure_staff(engineer)
    now = now or timezone.now()
    if message.kind != GroupMessage.Kind.CUSTOMER:
        raise InvalidInput("只有客户消息可以转为工单。", "Only customer messages become tickets.")
    if message.ticket_id:
        raise WrongState("该消息已转为工单。", "The message is already a ticket.", code="already_a_ticket")
    group = message.group
    requester = (
        message.member.user
        if message.member and message.member.side == Membership.Side.CUSTOMER
        else group.requested_by
    )
    first_line = (title or message.body.strip().splitlines()[0])[:200]
    ticket = file_ticket(
        requester=requester,
        filed_by=engineer,
        product_code=product_code,
        category=category,
        title=first_line,
        description=message.body,
        now=now,
    )
    with transaction.atomic():
        GroupMessage.objects.filter(pk=message.pk).update(ticket=ticket)
        text = f"已将您的问题转为工单 {ticket.number}，可在 SuccessHub“我的工单”中查看进度。"
        GroupMessage.objects.create(
            group=group,
            kind=GroupMessage.Kind.ENGINEER,
            author=engineer,
            sender_name=str(engineer),
            body=text,
            received_at=now,
            robot_message_id=_post(group, "imgroup.answer", text),
        )
        _mark_answered(group, engineer, now)
    message.refresh_from_db()
    return ticket


def mark_out_of_scope(
    engineer: User, message: GroupMessage, code: str, now: dt.datetime | None = None
) -> GroupMessage:
    """Tell the group the problem is out of scope, in the seed's words, with the route that applies."""
    _ensure_staff(engineer)
    now = now or timezone.now()
    group = message.group
    decided = decision(group.organisation, now)
    codes = tuple(decided.item.out_of_scope or ()) if decided.item else ()
    if code not in codes or code not in scope.REASONS:
        raise InvalidInput("未知的超范围类型。", "Unknown out-of-scope reason.", code="unknown_scope")
    text = scope.reply_text(code, group.organisation, now)
    with transaction.atomic():
        GroupMessage.objects.filter(pk=message.pk).update(out_of_scope=code)
        reply = GroupMessage.objects.create(
            group=group,
            kind=GroupMessage.Kind.ENGINEER,
            author=engineer,
            sender_name=str(engineer),
            body=text,
            received_at=now,
            robot_message_id=_post(group, "imgroup.out_of_scope", text),
        )
        _mark_answered(group, engineer, now)
    return reply
