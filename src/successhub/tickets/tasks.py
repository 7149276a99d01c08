"""Periodic SLA jobs: warn when a first response is at risk, escalate when it is breached.

Run from Celery beat in production and from the in-process scheduler thread in the
embedded default. Idempotent: each ticket is claimed with a conditional UPDATE on its
``*_notified_at`` flag, so a job run twice (or by two workers at once) fires once.
"""

from __future__ import annotations

from django.utils import timezone

from successhub.scheduler import periodic
from successhub.tickets import selectors
from successhub.tickets.services import sla_jobs


@periodic("tickets.warn_at_risk", every_seconds=60)
def warn_at_risk_tickets(now=None) -> int:
    now = now or timezone.now()
    return sla_jobs.warn_at_risk(selectors.at_risk_ticket_ids(now), now)


@periodic("tickets.escalate_breached", every_seconds=60)
def escalate_breached_tickets(now=None) -> int:
    now = now or timezone.now()
    return sla_jobs.escalate_breached(selectors.breached_ticket_ids(now), now)
