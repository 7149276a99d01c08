"""IM robots as a notification transport: the outbox of robot messages and its delivery.

A robot message is written in the caller's transaction (so it leaves only if the work commits),
sent after commit (eager) or by a worker, claimed by one sender at a time, retried with
exponential backoff up to the limit (``retry.py``), then dead and listed for admins to resend.
The tools take no idempotency key, so a message goes out at most once by itself: if a sender is
killed while a request is out, that one message is in doubt and waits on the dead-letter list
(``settle_in_doubt``) instead of being posted a second time; the rest of a dead sender's claims
lapse and are sent by the next sweep.
Each tool's own rate limit (WeCom's 20 a minute) is kept across workers: a message that would
exceed it waits, without spending an attempt. The webhook and secret are opened only to send;
they are never logged (errors name the message, the robot and the tool's result code).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from successhub import integrations
from successhub.integrations import http, secrets
from successhub.integrations.base import Result
from successhub.notifications import queue, retry
from successhub.notifications.models import (
    ALL_KINDS,
    GroupPreference,
    NotificationPreference,
    Robot,
    RobotMessage,
)

logger = logging.getLogger("successhub.notifications.robots")

TASK = "notifications.deliver_robot_message"
# Kinds a customer's group receives only when the organisation asked for them (the issue: "where the
# customer wants it"); every other kind (announcements from patches, cloud ops, value services) is on
# until the organisation turns it off.
OPT_IN_GROUP_KINDS = frozenset(
    {"ticket.sla_at_risk", "ticket.sla_breached", "ticket.replied", "ticket.status_changed"}
)


# --- enqueueing ---------------------------------------------------------------------------------------


def send_to_robots(
    robots: Iterable[Robot], kind: str, text: str, mentions: Sequence[str] = (), dedupe_key: str | None = None
) -> list[int]:
    """Write one outbox row per active robot (in the caller's transaction); deliver after commit.

    With ``dedupe_key`` the call is idempotent: a row whose key exists is not written again (the key
    is suffixed with the robot's id). Returns the ids of the rows written now.
    """
    now = timezone.now()
    written: list[int] = []
    for robot in {r.pk: r for r in robots if r is not None and r.active}.values():
        key = f"{dedupe_key}:r{robot.pk}"[:200] if dedupe_key else None
        if key and RobotMessage.objects.filter(dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                row = RobotMessage.objects.create(
                    robot=robot,
                    kind=kind,
                    text=text,
                    mentions=list(mentions),
                    dedupe_key=key,
                    created_at=now,
                    next_attempt_at=now,
                )
        except IntegrityError:  # the same key written concurrently: the other writer's row stands
            continue
        written.append(row.pk)
    queue.after_commit(TASK, deliver_robot_message, written)
    return written


def group_robots(organisation_id: int | None, kind: str) -> list[Robot]:
    """The organisation's dedicated-group robot(s), if the organisation wants ``kind`` there."""
    if organisation_id is None:
        return []
    robots = list(Robot.objects.filter(organisation_id=organisation_id, active=True))
    if not robots:
        return []
    prefs = dict(
        GroupPreference.objects.filter(
            organisation_id=organisation_id, kind__in=[kind, ALL_KINDS]
        ).values_list("kind", "wanted")
    )
    if kind in OPT_IN_GROUP_KINDS:
        wanted = prefs.get(kind, False)
    else:
        wanted = prefs.get(kind, prefs.get(ALL_KINDS, True))
    return robots if wanted else []


def tell_group(organisation_id: int | None, kind: str, text: str, dedupe_key: str | None = None) -> list[int]:
    """Post ``text`` to the organisation's dedicated group, if it has one and wants ``kind``."""
    return send_to_robots(group_robots(organisation_id, kind), kind, text, dedupe_key=dedupe_key)


def im_wanted_user_ids(user_ids: Iterable[int], kind: str) -> set[int]:
    user_ids = set(user_ids)
    rows = NotificationPreference.objects.filter(user_id__in=user_ids, kind__in=[kind, ALL_KINDS])
    specific, wildcard = {}, {}
    for user_id, row_kind, im in rows.values_list("user_id", "kind", "im"):
        (wildcard if row_kind == ALL_KINDS else specific)[user_id] = im
    return {uid for uid in user_ids if specific.get(uid, wildcard.get(uid, True))}


def tell_staff(users: Iterable, kind: str, text: str, dedupe_key: str | None = None) -> list[int]:
    """Send ``text`` to staff members' own robots; those without one (who want IM for ``kind``)
    are reached through the service team's group robot, @-mentioned by mobile."""
    staff = {u.pk: u for u in users if u is not None and u.is_active and not u.is_customer}
    if not staff:
        return []
    wanted = im_wanted_user_ids(staff, kind)
    if not wanted:
        return []
    own = list(Robot.objects.filter(owner_id__in=wanted, active=True))
    covered = {robot.owner_id for robot in own}
    rest = [staff[uid] for uid in wanted if uid not in covered]
    written = send_to_robots(own, kind, text, dedupe_key=dedupe_key)
    if rest:
        team = list(Robot.objects.filter(staff_group=True, active=True))
        mentions = [u.phone for u in rest if u.phone]
        written += send_to_robots(team, kind, text, mentions=mentions, dedupe_key=dedupe_key)
    return written


# --- delivery ----------------------------------------------------------------------------------------


IN_DOUBT = "in_doubt"


def _due(now: datetime):
    return RobotMessage.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        delivered_at__isnull=True,
        failed_at__isnull=True,
        sending_since__isnull=True,
    )


def settle_in_doubt(now: datetime) -> int:
    """Messages whose sender died while their request was out: the tool may have shown them, and it
    takes no idempotency key, so sending again could post twice. They go to the dead-letter list
    (``last_code`` ``in_doubt``) for an admin to resend if the group did not get them."""
    in_doubt = RobotMessage.objects.filter(
        sending_since__isnull=False,
        claimed_until__lt=now,
        delivered_at__isnull=True,
        failed_at__isnull=True,
    )
    ids = list(in_doubt.values_list("pk", flat=True))
    if ids:
        in_doubt.filter(pk__in=ids).update(
            failed_at=now,
            next_attempt_at=None,
            claimed_until=None,
            last_code=IN_DOUBT,
            last_error="in doubt: the sender stopped while this message was being sent; it may have "
            "arrived, so it is not sent again by itself (resend it if the group did not get it)",
        )
        logger.warning("robot messages in doubt after a sender stopped mid-request: %s", ids)
    return len(ids)


def _claim(now: datetime, *, message_id: int | None = None, limit: int = 100) -> tuple[list[int], datetime]:
    """Claim due messages (one attempt each) until the returned lease time, which is also the claim's
    token: a sender acts on a row only while the row still carries it. PostgreSQL locks the rows and
    skips those others hold, so one UPDATE claims them all; elsewhere each row is taken by
    compare-and-set."""
    lease_until = now + retry.lease()
    with transaction.atomic():
        candidates = _due(now)
        if message_id is not None:
            candidates = candidates.filter(pk=message_id)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
            ids = list(candidates.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
            RobotMessage.objects.filter(pk__in=ids).update(
                claimed_until=lease_until, attempts=F("attempts") + 1
            )
            return ids, lease_until
        ids = list(candidates.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        claimed = [
            pk
            for pk in ids
            if _due(now).filter(pk=pk).update(claimed_until=lease_until, attempts=F("attempts") + 1)
        ]
    return claimed, lease_until


def _rate_wait(robot_id: int, message_id: int, per_minute: int, now: datetime) -> timedelta | None:
    """How long to wait before this robot may send again, or None if it may send now."""
    if per_minute <= 0:
        return None
    window_start = now - timedelta(seconds=60)
    recent = list(
        RobotMessage.objects.filter(robot_id=robot_id, last_attempt_at__gt=window_start)
        .exclude(pk=message_id)
        .order_by("-last_attempt_at")
        .values_list("last_attempt_at", flat=True)[:per_minute]
    )
    if len(recent) < per_minute:
        return None
    return max(timedelta(seconds=1), recent[-1] + timedelta(seconds=60) - now)


def _held(message: RobotMessage, token: datetime):
    """The message's row while this sender's claim holds (nobody took it after a lapse)."""
    return RobotMessage.objects.filter(
        pk=message.pk, claimed_until=token, sending_since__isnull=True, delivered_at__isnull=True
    )


def _postpone(message: RobotMessage, token: datetime | None, until: datetime, reason: str) -> None:
    rows = _held(message, token) if token else RobotMessage.objects.filter(pk=message.pk)
    rows.update(
        claimed_until=None,
        sending_since=None,
        attempts=F("attempts") - 1,
        next_attempt_at=until,
        last_error=reason[:1000],
    )


def _send(message: RobotMessage, now: datetime, token: datetime) -> bool:
    robot = message.robot
    try:
        tool = integrations.tool(robot.tool)
    except integrations.UnknownTool:
        return _record(
            message, Result(False, None, message=f"unknown tool {robot.tool}", permanent=True), now, token
        )
    if not robot.active or not robot.webhook_sealed:
        return _record(
            message, Result(False, None, message="robot disabled or not bound", permanent=True), now, token
        )
    wait = _rate_wait(robot.pk, message.pk, tool.per_minute, now)
    if wait is not None:
        _postpone(message, token, now + wait, f"{tool.code} rate limit ({tool.per_minute}/min): waiting")
        return False
    try:
        url, secret = secrets.unseal(robot.webhook_sealed), secrets.unseal(robot.secret_sealed)
    except secrets.SecretUnavailable:
        return _record(
            message, Result(False, None, message="robot secret cannot be opened", permanent=True), now, token
        )
    prepared = tool.prepare(url, secret, message.text, message.mentions or (), int(time.time() * 1000))
    # The last moment before the request leaves: only if our claim still holds (a claim that lapsed
    # while earlier messages of the batch were slow may have been taken by another sender), and the
    # lease restarts for the request itself.
    started = timezone.now()
    if not _held(message, token).update(
        last_attempt_at=now, sending_since=started, claimed_until=started + retry.lease()
    ):
        return False
    result = http.send(tool, prepared, retry.timeout())
    if result.rate_limited:
        _postpone(
            message, None, now + timedelta(seconds=60), f"{tool.code} answered {result.code}: rate limited"
        )
        return False
    return _record(message, result, now)


def _record(message: RobotMessage, result: Result, now: datetime, token: datetime | None = None) -> bool:
    """The outcome of an attempt; ``token`` when no request left (the claim must still hold)."""
    changes: dict = {
        "claimed_until": None,
        "sending_since": None,
        "last_status": result.status,
        "last_code": result.code[:40],
        "last_error": "" if result.ok else result.message[:1000],
    }
    if result.ok:
        changes.update(delivered_at=now, next_attempt_at=None)
    elif result.permanent or message.attempts >= retry.max_attempts():
        changes.update(failed_at=now, next_attempt_at=None)
        logger.warning(
            "robot message %s to robot %s failed for good after %s attempts: status=%s code=%s",
            message.pk,
            message.robot_id,
            message.attempts,
            result.status,
            result.code,
        )
    else:
        changes.update(next_attempt_at=now + retry.backoff(message.attempts))
    rows = _held(message, token) if token else RobotMessage.objects.filter(pk=message.pk)
    rows.update(**changes)
    return result.ok


def _claimed_rows(ids: list[int]) -> list[RobotMessage]:
    rows = RobotMessage.objects.select_related("robot").in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


def deliver_robot_message(message_id: int, now: datetime | None = None) -> bool:
    """Try one message if it is due and nobody holds it; idempotent. Returns whether it was delivered now."""
    now = now or timezone.now()
    claimed, token = _claim(now, message_id=message_id)
    if not claimed:
        return False
    return _send(_claimed_rows(claimed)[0], now, token)


def deliver_due_robot_messages(now: datetime | None = None, limit: int = 100) -> int:
    """The sweep: send every due message once (up to ``limit``); returns how many were attempted."""
    now = now or timezone.now()
    settle_in_doubt(now)
    claimed, token = _claim(now, limit=limit)
    for message in _claimed_rows(claimed):
        try:
            _send(message, now, token)
        except Exception:  # one bad row must not stop the sweep; its claim lapses and it is retried
            logger.exception("robot message %s crashed", message.pk)
    return len(claimed)


def resend_robot_messages(message_ids: Iterable[int], now: datetime | None = None) -> int:
    """Admin "resend": make undelivered messages (dead ones included) due now with a fresh attempt budget."""
    now = now or timezone.now()
    ids = list(
        RobotMessage.objects.filter(pk__in=list(message_ids), delivered_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    RobotMessage.objects.filter(pk__in=ids).update(
        failed_at=None, next_attempt_at=now, claimed_until=None, sending_since=None, attempts=0
    )
    queue.run(TASK, deliver_robot_message, ids)
    return len(ids)


def send_test_message(tool_code: str, url: str, secret: str, text: str) -> Result:
    """One message exactly as a group's transport sends it (same body, same signing), right now."""
    tool = integrations.tool(tool_code)
    prepared = tool.prepare(url, secret, text, (), int(time.time() * 1000))
    return http.send(tool, prepared, retry.timeout())


def send_robot_test(robot: Robot, text: str) -> Result:
    """The staff "send a test message" button: through the stored robot, not via the outbox."""
    try:
        url, secret = secrets.unseal(robot.webhook_sealed), secrets.unseal(robot.secret_sealed)
    except secrets.SecretUnavailable:
        return Result(False, None, message="robot secret cannot be opened")
    if not url:
        return Result(False, None, message="robot has no webhook")
    return send_test_message(robot.tool, url, secret, text)


# --- staff setting up their robots (the page ``/notifications/robots/``) --------------------------------


class RobotRefused(Exception):
    """A refused robot set-up: ``code`` for machines, a Chinese sentence and its English for people."""

    def __init__(self, code: str, message: str, message_en: str):
        super().__init__(message)
        self.code, self.message, self.message_en = code, message, message_en


def manages_team_robots(user) -> bool:
    """Service admins set up the service team's group robots; every staff member sets up their own."""
    from successhub.accounts.models import Role

    return (
        user.is_authenticated
        and not user.is_customer
        and (user.role == Role.SERVICE_ADMIN or user.is_superuser)
    )


def ensure_may_manage(actor, robot: Robot) -> None:
    if actor.is_customer:
        raise RobotRefused("not_allowed", "只有服务人员可以设置机器人。", "Only service staff set up robots.")
    if robot.owner_id == actor.pk or (robot.staff_group and manages_team_robots(actor)):
        return
    raise RobotRefused("not_allowed", "您不能管理这个机器人。", "You cannot manage this robot.")


def set_up_robot(
    actor,
    robot: Robot | None,
    *,
    tool: str,
    name: str,
    webhook_url: str = "",
    secret: str = "",
    staff_group: bool = False,
) -> Robot:
    """Create or update a staff member's own robot, or (service admins) a service-team group robot.

    The webhook and secret are sealed and never shown again; left empty they keep the stored values.
    A robot moved to another tool needs that tool's webhook.
    """
    if actor.is_customer:
        raise RobotRefused("not_allowed", "只有服务人员可以设置机器人。", "Only service staff set up robots.")
    if robot is not None:
        ensure_may_manage(actor, robot)
        staff_group = robot.staff_group
    elif staff_group and not manages_team_robots(actor):
        raise RobotRefused(
            "not_allowed",
            "只有服务管理员可以设置服务团队群机器人。",
            "Only service admins set up the service team's robots.",
        )
    try:
        integrations.tool(tool)
    except integrations.UnknownTool:
        raise RobotRefused("unknown_tool", "请选择支持的 IM 工具。", "Choose a supported IM tool.") from None
    if not webhook_url and (robot is None or robot.tool != tool or not robot.webhook_sealed):
        raise RobotRefused(
            "webhook_required", "请填写机器人的 Webhook 地址。", "Enter the robot's webhook URL."
        )
    if not (name or "").strip():
        raise RobotRefused("name_required", "请填写机器人名称。", "Enter a name for the robot.")
    owner = None if staff_group else (robot.owner if robot is not None else actor)
    if robot is not None and robot.tool != tool:  # the old tool's signing secret means nothing to the new one
        robot.secret_sealed = ""
    return bind_robot(
        robot,
        name=name.strip(),
        tool=tool,
        webhook_url=webhook_url,
        secret=secret,
        owner=owner,
        staff_group=staff_group,
    )


def set_robot_active(actor, robot: Robot, active: bool) -> Robot:
    ensure_may_manage(actor, robot)
    Robot.objects.filter(pk=robot.pk).update(active=active)
    robot.refresh_from_db()
    return robot


def bind_robot(
    robot: Robot | None,
    *,
    name: str,
    tool: str,
    webhook_url: str = "",
    secret: str = "",
    owner=None,
    organisation=None,
    staff_group: bool = False,
) -> Robot:
    """Create or update a robot; an empty webhook or secret keeps the stored one (they are write-only)."""
    integrations.tool(tool)  # UnknownTool for a tool without a folder
    robot = robot or Robot(owner=owner, organisation=organisation, staff_group=staff_group)
    robot.name, robot.tool = name[:100], tool
    if webhook_url:
        robot.webhook_sealed = secrets.seal(webhook_url)
    if secret:
        robot.secret_sealed = secrets.seal(secret)
    robot.save()
    return robot
