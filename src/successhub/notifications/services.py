"""State changes: notify users, publish events to webhooks (outbox), deliver them, mark notifications read."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from successhub import sql
from successhub.notifications import queue, retry, robots
from successhub.notifications.models import (
    ALL_KINDS,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from successhub.notifications.retry import backoff, max_attempts  # noqa: F401  (the outboxes' one policy)
from successhub.notifications.webhook import transport

if TYPE_CHECKING:
    from successhub.accounts.models import Organisation, User

logger = logging.getLogger("successhub.notifications")


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- in-app notifications and e-mail --------------------------------------------------------------


def email_enabled_user_ids(user_ids: Iterable[int], kind: str) -> set[int]:
    """Who among ``user_ids`` wants e-mail for ``kind``: their row for the kind, else their ``*`` row, else the default."""
    return {user_id for user_id, _ in email_enabled_pairs((user_id, kind) for user_id in user_ids)}


def email_enabled_pairs(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """The ``(user_id, kind)`` pairs whose e-mail is wanted, in one query (none when there are no pairs)."""
    pairs = set(pairs)
    if not pairs:
        return set()
    default = bool(_setting("SUCCESSHUB_NOTIFICATION_EMAIL_DEFAULT", True))
    specific: dict[tuple[int, str], bool] = {}
    wildcard: dict[int, bool] = {}
    user_ids = sorted({user_id for user_id, _ in pairs})
    kinds = sorted({kind for _, kind in pairs} | {ALL_KINDS})
    # Plain SQL: this runs for every notification sent, filing included.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id, kind, email FROM {connection.ops.quote_name(NotificationPreference._meta.db_table)} "
            f"WHERE user_id IN ({', '.join(['%s'] * len(user_ids))}) AND kind IN ({', '.join(['%s'] * len(kinds))})",
            [*user_ids, *kinds],
        )
        rows = cursor.fetchall()
    for user_id, row_kind, email in rows:
        if row_kind == ALL_KINDS:
            wildcard[user_id] = email
        else:
            specific[(user_id, row_kind)] = email
    return {(uid, kind) for uid, kind in pairs if specific.get((uid, kind), wildcard.get(uid, default))}


@dataclass(frozen=True)
class Notice:
    """One notification to send to some users (``notify_each`` sends several in one go)."""

    users: tuple
    kind: str
    title: str
    body: str = ""
    url: str = ""
    email: bool = True


def notify(
    users: Iterable[User], kind: str, title: str, body: str = "", url: str = "", email: bool = True
) -> None:
    """Create one in-app notification per user (in the caller's transaction); the row is also the e-mail's outbox.

    E-mail goes only to active users with an address whose preference for ``kind`` allows it.
    Duplicate and ``None`` users are ignored. With Celery eager (the embedded default) the e-mails
    are sent right after commit; with a worker, the ``notifications.send_owed_emails`` job sends
    them within seconds, so a request never waits on the broker and a crash loses nothing.
    """
    notify_each([Notice(tuple(users), kind, title, body, url, email)])


def notify_each(notices: Iterable[Notice]) -> None:
    """``notify`` for several notices at once: one preference query, one insert, one e-mail task."""
    batch: list[tuple[Notice, dict[int, User]]] = []
    for notice in notices:
        recipients: dict[int, User] = {}
        for user in notice.users:
            if user is not None and user.is_active and user.pk not in recipients:
                recipients[user.pk] = user
        if recipients:
            batch.append((notice, recipients))
    if not batch:
        return
    # Only users with an address can be e-mailed: nobody else's preference is read.
    asked = {
        (user.pk, notice.kind)
        for notice, recipients in batch
        if notice.email
        for user in recipients.values()
        if user.email
    }
    wanted = email_enabled_pairs(asked)
    now = timezone.now()
    rows = [
        Notification(
            recipient=user,
            kind=notice.kind,
            title=notice.title[:300],
            body=notice.body,
            url=notice.url[:500],
            created_at=now,
            email_wanted=(user.pk, notice.kind) in wanted,
        )
        for notice, recipients in batch
        for user in recipients.values()
    ]
    sql.insert(rows)
    email_ids = [row.pk for row in rows if row.email_wanted]
    if email_ids and queue.eager():
        transaction.on_commit(lambda: send_notification_emails(email_ids), robust=True)


def _email_due(now: datetime):
    return Notification.objects.filter(
        Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now),
        email_wanted=True,
        emailed_at__isnull=True,
        email_failed_at__isnull=True,
    )


def send_notification_emails(notification_ids: Iterable[int], now: datetime | None = None) -> int:
    """Send the e-mails still owed for these notifications; each is claimed first, so one sender has it.

    The claim is a lease, as in the other outboxes: it makes the e-mail not due for the lease's
    length (``retry.lease()``), and only a sent e-mail gets ``emailed_at``. A sender killed
    between its claim and the SMTP server's answer leaves the e-mail owed: the next sweep after the
    lease sends it (the same ``Message-ID``, so a receiver can drop the rare repeat). Before, the
    claim set ``emailed_at`` first and such an e-mail was lost (found by ``bench/drills.py``).
    A failure is retried with the outboxes' backoff up to their limit (``retry.py``); then the
    e-mail is dead (``email_failed_at``) and listed for admins, who can resend it.
    """
    from successhub.notifications.email import transport

    now = now or timezone.now()
    lease_until = now + retry.lease()
    sent = 0
    for notification_id in notification_ids:
        claimed = (
            _email_due(now)
            .filter(pk=notification_id)
            .update(email_next_attempt_at=lease_until, email_attempts=F("email_attempts") + 1)
        )
        if not claimed:
            continue
        notification = Notification.objects.select_related("recipient").get(pk=notification_id)
        try:
            transport.send_notification_email(notification)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            if notification.email_attempts >= retry.max_attempts():
                logger.warning(
                    "e-mail for notification %s failed for good after %s attempts: %s",
                    notification_id,
                    notification.email_attempts,
                    type(exc).__name__,
                )
                changes = {"email_failed_at": now, "email_next_attempt_at": None}
            else:
                logger.info(
                    "e-mail for notification %s failed (attempt %s): %s",
                    notification_id,
                    notification.email_attempts,
                    type(exc).__name__,
                )
                changes = {"email_next_attempt_at": now + retry.backoff(notification.email_attempts)}
            Notification.objects.filter(pk=notification_id).update(email_last_error=error, **changes)
            continue
        Notification.objects.filter(pk=notification_id).update(
            emailed_at=timezone.now(), email_last_error="", email_next_attempt_at=None
        )
        sent += 1
    return sent


def send_owed_emails(now: datetime | None = None, limit: int = 500) -> int:
    """The outbox sweep: send the e-mails still owed and due, oldest first, up to a day old (the partial
    index ``notif_email_owed`` holds only owed rows). Each is claimed before it is sent: two sweeps, or
    a sweep and an after-commit send, never send one twice."""
    now = now or timezone.now()
    owed = (
        _email_due(now)
        .filter(
            created_at__lte=now,
            created_at__gte=now - timedelta(days=1),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    return send_notification_emails(list(owed[:limit]), now)


def resend_emails(notification_ids: Iterable[int], now: datetime | None = None) -> int:
    """Admin "resend": dead or pending e-mails become due now with a fresh attempt budget, and are sent."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            pk__in=list(notification_ids), email_wanted=True, emailed_at__isnull=True
        ).values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=ids).update(
        email_failed_at=None, email_next_attempt_at=None, email_attempts=0
    )
    return send_notification_emails(ids, now)


# --- telling a customer (the one call other apps use) ----------------------------------------------


def tell_customer(
    organisation: Organisation,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    *,
    users: Iterable[User] | None = None,
    email: bool = True,
    dedupe_key: str | None = None,
) -> None:
    """Tell a customer organisation something: in-app, by e-mail, and in its IM group where that exists.

    - ``organisation``: the customer (``accounts.Organisation``).
    - ``kind``: a dotted event name, e.g. ``"patch.released"``, ``"cloud.upgrade_window"``; users'
      e-mail preferences and the organisation's group preferences are kept per kind.
    - ``title`` / ``body`` / ``url``: what people read (Chinese; ``url`` a site path like ``/patches/12/``).
    - ``users``: who gets the in-app notification (and e-mail, where their preference allows);
      default: every active user of the organisation.
    - ``dedupe_key``: makes the group post idempotent (a job run twice posts once), e.g.
      ``f"patch.released:{patch.pk}:{organisation.pk}"``.

    Runs in the caller's transaction: nothing leaves if it rolls back. The group post goes through
    the robot outbox (retries, backoff, dead-letter list), only when the organisation has a bound
    dedicated group and has not turned ``kind`` off for it (``GroupPreference``); ticket SLA and
    ticket-news kinds reach the group only when the organisation turned them on.
    """
    from successhub.accounts.models import User as UserModel

    if users is None:
        users = UserModel.objects.filter(organisation=organisation, is_active=True)
    notify(users, kind, title, body=body, url=url, email=email)
    robots.tell_group(organisation.pk, kind, robot_text(title, body, url), dedupe_key=dedupe_key)


def robot_text(title: str, body: str = "", url: str = "") -> str:
    """The plain text a robot posts: title, body and an absolute link (tools show no markup)."""
    from successhub.notifications.email.transport import absolute_url

    parts = [title.strip()]
    if body.strip():
        parts.append(body.strip())
    link = absolute_url(url)
    if link:
        parts.append(f"查看详情：{link}")
    return "\n".join(parts)


def set_email_preference(user: User, kind: str, email: bool) -> NotificationPreference:
    """Turn e-mail on or off for one kind (or ``*`` for every kind without its own setting)."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"email": email}
    )
    return preference


def set_im_preference(user: User, kind: str, im: bool) -> NotificationPreference:
    """Turn IM-robot delivery on or off for one kind (or ``*``); staff members' own robots use it."""
    preference, _ = NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"im": im})
    return preference


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; another user's id raises ``Notification.DoesNotExist``."""
    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


# --- outbound webhooks: the outbox ------------------------------------------------------------------


def _active_endpoints(organisation_id: int | None) -> list[WebhookEndpoint]:
    """Active endpoints for everyone or for this organisation (plain SQL: every state change asks)."""
    table = connection.ops.quote_name(WebhookEndpoint._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.columns(WebhookEndpoint, 'e')} FROM {table} e "
            f"WHERE e.active AND (e.organisation_id IS NULL OR e.organisation_id = %s)",
            [organisation_id],
        )
        return [sql.instance(WebhookEndpoint, row) for row in cursor.fetchall()]


def publish_event(event: str, payload: dict, organisation_id: int | None = None) -> None:
    """Write one outbox row per subscribed active endpoint in the caller's transaction; send after commit.

    If the transaction rolls back, so do the rows: no event escapes for work that did not happen.
    If the process dies after commit, the periodic sweep (``deliver_due_webhooks``) sends them.
    """
    endpoints = [
        endpoint
        for endpoint in _active_endpoints(organisation_id)
        if endpoint.subscribes_to(event, organisation_id)
    ]
    if not endpoints:
        return
    now = timezone.now()
    event_id = f"evt_{uuid.uuid4().hex}"
    body = json.dumps(
        {
            "id": event_id,
            "event": event,
            "created_at": now.isoformat(),
            "organisation_id": organisation_id,
            "data": payload,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    rows = [
        WebhookDelivery(
            endpoint=endpoint, event=event, event_id=event_id, body=body, created_at=now, next_attempt_at=now
        )
        for endpoint in endpoints
    ]
    WebhookDelivery.objects.bulk_create(rows)
    queue.after_commit(WEBHOOK_TASK, deliver_webhook, [row.pk for row in rows])


WEBHOOK_TASK = "notifications.deliver_webhook"


def _timeout() -> float:
    return retry.timeout()


def _lease() -> timedelta:
    return retry.lease()


def _due(now: datetime):
    return WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        delivered_at__isnull=True,
        failed_at__isnull=True,
    )


def _claim(now: datetime, *, delivery_id: int | None = None, limit: int = 100) -> list[int]:
    """Claim due deliveries for this sender (one attempt each) and return their ids.

    Each row is taken by a compare-and-set UPDATE on the due conditions, so two senders can never
    both win a row. On PostgreSQL the candidates are read with ``FOR UPDATE SKIP LOCKED`` so
    concurrent sweeps pass over each other's rows instead of waiting; SQLite serialises writers.
    """
    lease_until = now + _lease()
    claimed: list[int] = []
    with transaction.atomic():
        candidates = _due(now)
        if delivery_id is not None:
            candidates = candidates.filter(pk=delivery_id)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        for pk in ids:
            if _due(now).filter(pk=pk).update(claimed_until=lease_until, attempts=F("attempts") + 1):
                claimed.append(pk)
    return claimed


def _send(delivery_id: int, now: datetime) -> bool:
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        outcome = transport.Outcome(False, None, "endpoint disabled")
    else:
        timestamp = str(int(timezone.now().timestamp()))
        headers = transport.headers_for(
            event=delivery.event,
            delivery_id=delivery.pk,
            timestamp=timestamp,
            secret=endpoint.secret,
            body=delivery.body,
        )
        outcome = transport.post(endpoint.url, delivery.body, headers, _timeout())
    _record(delivery, outcome, now)
    return outcome.delivered


def _record(delivery: WebhookDelivery, outcome: transport.Outcome, now: datetime) -> None:
    changes: dict = {"claimed_until": None, "last_status": outcome.status, "last_error": outcome.error}
    if outcome.delivered:
        changes.update(delivered_at=now, next_attempt_at=None)
    elif delivery.attempts >= max_attempts():
        changes.update(failed_at=now, next_attempt_at=None)
        logger.warning(
            "webhook delivery %s failed for good after %s attempts: %s",
            delivery.pk,
            delivery.attempts,
            outcome.error,
        )
    else:
        changes.update(next_attempt_at=now + backoff(delivery.attempts))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)


def deliver_webhook(delivery_id: int, now: datetime | None = None) -> bool:
    """Try one delivery if it is due and nobody else holds it. Returns whether it was delivered now.

    Idempotent: a delivered, failed, not-yet-due or claimed delivery is left alone.
    """
    now = now or timezone.now()
    if not _claim(now, delivery_id=delivery_id):
        return False
    return _send(delivery_id, now)


def deliver_due_webhooks(now: datetime | None = None, limit: int = 100) -> int:
    """The sweep: send every due delivery once (up to ``limit``); returns how many were attempted."""
    now = now or timezone.now()
    claimed = _claim(now, limit=limit)
    for delivery_id in claimed:
        try:
            _send(delivery_id, now)
        except Exception:  # one bad row must not stop the sweep; its claim lapses and it is retried
            logger.exception("webhook delivery %s crashed", delivery_id)
    return len(claimed)


def retry_deliveries(delivery_ids: Iterable[int], now: datetime | None = None) -> int:
    """Admin "retry now": make pending or failed deliveries due at once with a fresh attempt budget."""
    now = now or timezone.now()
    count = WebhookDelivery.objects.filter(pk__in=list(delivery_ids), delivered_at__isnull=True).update(
        failed_at=None, next_attempt_at=now, claimed_until=None, attempts=0
    )
    return count
