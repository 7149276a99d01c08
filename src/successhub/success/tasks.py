"""Periodic jobs of the value services (``successhub/scheduler.py``: Celery beat in production, the
in-process thread embedded).

The monthly ticket analysis: the technical manager regularly reports on the customer's tickets
(Advanced 3.4.3, monthly by default). Once a month has ended its analysis is drafted from the data for
each customer; the manager annotates it and sends it. The job runs hourly so that a restart or an
outage on the 1st still drafts the month; it is idempotent (a month already drafted is left alone).
"""

from __future__ import annotations

from successhub.scheduler import periodic
from successhub.success import services


@periodic("success.monthly_ticket_analyses", every_seconds=3600)
def draft_monthly_ticket_analyses(now=None) -> int:
    return services.generate_monthly_analyses(now)
