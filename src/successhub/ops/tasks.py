"""Periodic ops jobs (idempotent): Prometheus targets, stored probe results, weekly inspections,
upgrade-window notices."""

from __future__ import annotations

import logging

from django.conf import settings

from successhub.ops import services
from successhub.scheduler import periodic

logger = logging.getLogger("successhub.ops")


@periodic("ops.write_prometheus_targets", every_seconds=60)
def write_prometheus_targets_job() -> None:
    """Prometheus' file-based service discovery reads the environment registry from here."""
    if settings.SUCCESSHUB_PROMETHEUS_SD_DIR:
        from successhub.ops.prometheus import write_targets

        write_targets(settings.SUCCESSHUB_PROMETHEUS_SD_DIR)


@periodic("ops.record_probes", every_seconds=settings.SUCCESSHUB_OPS_PROBE_SECONDS)
def record_probes_job() -> None:
    from successhub.ops import probes

    if settings.SUCCESSHUB_PROMETHEUS_URL:
        results, source = probes.from_prometheus(settings.SUCCESSHUB_PROMETHEUS_URL), "prometheus"
    else:
        results, source = probes.probe_directly(), "embedded"
    services.record_probe_results(results, source)


@periodic("ops.weekly_inspections", every_seconds=3600)
def weekly_inspections_job() -> None:
    services.produce_weekly_inspections()


@periodic("ops.upgrade_notices", every_seconds=60)
def upgrade_notices_job() -> None:
    services.send_due_upgrade_notices()
