"""What leaves the ticket app: in-app/e-mail notifications and outbound webhook events.

Both go through ``successhub.notifications``: ``notify`` writes in-app rows and sends e-mail
after commit; ``publish_event`` writes signed webhook deliveries into an outbox in the
caller's transaction, so an event is never lost on a crash (and never sent for work rolled back).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from successhub.notifications import robots
from successhub.notifications import services as notifications
from successhub.notifications.services import Notice


def notify(users: Iterable, kind: str, title: str, body: str = "", url: str = "", email: bool = True) -> None:
    notifications.notify(users, kind, title, body=body, url=url, email=email)


def notify_each(notices: Iterable[Notice]) -> None:
    """Several notifications in one go (one preference query, one insert)."""
    notifications.notify_each(notices)


def publish_event(event: str, payload: dict, organisation_id: int | None = None) -> None:
    notifications.publish_event(event, payload, organisation_id=organisation_id)


def warn_by_robots(
    ticket, kind: str, staff: Iterable, staff_title: str, staff_body: str, customer_text: str
) -> None:
    """An SLA warning over IM: the staff's own robots (or the service team's group), and the customer's
    dedicated group where the organisation wants that kind. Once per ticket and kind (dedupe key)."""
    key = f"{kind}:{ticket.pk}"
    robots.tell_staff(
        staff, kind, notifications.robot_text(staff_title, staff_body, workspace_url(ticket)), dedupe_key=key
    )
    robots.tell_group(
        ticket.organisation_id,
        kind,
        notifications.robot_text(customer_text, "", portal_url(ticket)),
        dedupe_key=key,
    )


def tell_group(ticket, kind: str, text: str) -> None:
    """Ticket news (a staff reply, a status change) to the customer's dedicated group, where wanted."""
    robots.tell_group(ticket.organisation_id, kind, notifications.robot_text(text, "", portal_url(ticket)))


def ticket_payload(ticket) -> dict:
    return {
        "number": ticket.number,
        "organisation_id": ticket.organisation_id,
        "status": ticket.status,
        "category": ticket.category,
        "service": ticket.service,
        "channel": ticket.channel,
        "urgent": ticket.urgent,
        "title": ticket.title,
        "assignee_id": ticket.assignee_id,
        "created_at": ticket.created_at.isoformat(),
        "first_response_due_at": ticket.first_response_due_at.isoformat(),
        "first_responded_at": ticket.first_responded_at.isoformat() if ticket.first_responded_at else None,
        "url": portal_url(ticket),
    }


def portal_url(ticket) -> str:
    return reverse("tickets:portal_detail", args=[ticket.number])


def workspace_url(ticket) -> str:
    return reverse("tickets:workspace_detail", args=[ticket.number])
