"""The value services' demo data: a manager's desk with something in each part, loaded once."""

from __future__ import annotations

import pytest

from successhub.demo import foundation, live_support
from successhub.demo import success as demo_success
from successhub.demo import tickets as demo_tickets
from successhub.success.models import (
    CheckStatus,
    CriticalMoment,
    Escalation,
    HealthCheck,
    ImportantEvent,
    MomentStatus,
    ReportStatus,
    ServiceReport,
    TicketAnalysis,
)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Escalation, ImportantEvent, TicketAnalysis, CriticalMoment, HealthCheck, ServiceReport)
    }


@pytest.mark.django_db
def test_the_demo_shows_each_value_service_once(settings, tmp_path, freeze):
    freeze()
    settings.VAR_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    foundation.load()
    demo_tickets.load()
    live_support.load()
    assert demo_success.load()

    assert Escalation.objects.filter(ticket__isnull=False, ticket__escalated=True).exists()
    assert ImportantEvent.objects.exclude(summary="").exists()
    assert TicketAnalysis.objects.filter(sent_at__isnull=False).exists()
    assert {m.status for m in CriticalMoment.objects.all()} == {
        MomentStatus.DELIVERED,
        MomentStatus.CONFIRMED,
        MomentStatus.REQUESTED,
    }
    completed = HealthCheck.objects.get(status=CheckStatus.COMPLETED)
    assert completed.inspection_findings and completed.diagnosis_findings
    assert HealthCheck.objects.filter(status=CheckStatus.PROPOSED).exists()
    assert {r.status for r in ServiceReport.objects.all()} == {ReportStatus.DRAFT, ReportStatus.PUBLISHED}
    # The draft counts every channel the demo customer used: tickets, the hotline and an IM chat.
    draft = ServiceReport.objects.get(status=ReportStatus.DRAFT)
    assert draft.figures["tickets"]["total"] and draft.figures["hotline"]["total"]
    assert draft.figures["chat"]["total"] == 1

    loaded = _counts()
    assert demo_success.load() == []
    assert _counts() == loaded
