"""Ticket settings, read from Django settings with defaults (settings.py reads the environment).

``TICKETS_SLA_AT_RISK_FRACTION``: a ticket is at risk once less than this share of its
first-response target is left (0.25: the last quarter of the working time).
``TICKETS_ATTACHMENT_MAX_BYTES``: the largest attachment accepted.
``TICKETS_TOTAL_ATTACHMENT_BYTES``: the most all of one ticket's attachments may add up to.
``TICKETS_QUEUE_PAGE_SIZE``: rows per page of the agent queue and the portal list.
"""

from __future__ import annotations

from django.conf import settings


def at_risk_fraction() -> float:
    return float(getattr(settings, "TICKETS_SLA_AT_RISK_FRACTION", 0.25))


def attachment_max_bytes() -> int:
    return int(getattr(settings, "TICKETS_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def total_attachment_bytes() -> int:
    return int(getattr(settings, "TICKETS_TOTAL_ATTACHMENT_BYTES", 200 * 1024 * 1024))


def queue_page_size() -> int:
    return int(getattr(settings, "TICKETS_QUEUE_PAGE_SIZE", 50))
