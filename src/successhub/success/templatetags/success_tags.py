"""``{% ticket_escalation ticket %}``: the ticket page's card for raising the ticket to the customer's
technical manager (the engineer's workspace and the customer's own ticket page)."""

from __future__ import annotations

from django import template

from successhub.success import selectors
from successhub.success.models import EscalationStatus

register = template.Library()


@register.inclusion_tag("success/_ticket_escalation.html", takes_context=True)
def ticket_escalation(context, ticket) -> dict:
    request = context["request"]
    user = request.user
    organisation = ticket.organisation
    if organisation.technical_manager_id is None:
        # Only staff are told why there is no button: a customer without a manager has nothing to ask for.
        return {"ticket": ticket, "shown": not user.is_customer, "manager": None}
    escalations = selectors.ticket_escalations(user, ticket)
    return {
        "ticket": ticket,
        "shown": True,
        "manager": organisation.technical_manager,
        "escalations": escalations,
        # One open escalation per ticket: while it runs, the card links to it instead of a second form.
        "open_escalation": next((e for e in escalations if e.status == EscalationStatus.OPEN), None),
        "customer": user.is_customer,
        "here": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
