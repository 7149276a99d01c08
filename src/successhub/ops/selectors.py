"""Reads scoped to the acting user: customers see their organisation's environments; staff see all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from successhub.accounts.models import User
from successhub.catalog.loader import get_catalog
from successhub.core.catalog import OpsPlatform
from successhub.ops.models import (
    AdvisoryEnvironment,
    AdvisoryState,
    Environment,
    Incident,
    IncidentStatus,
    ProbeResult,
    SecurityAdvisory,
    UpgradeWindow,
    WindowState,
)

SERVICE = "public_cloud_ops"


def visible_environments_for(user: User) -> QuerySet[Environment]:
    environments = Environment.objects.filter(retired_at__isnull=True).select_related(
        "organisation", "product"
    )
    if user.is_customer:
        return environments.filter(organisation_id=user.organisation_id)
    return environments


def with_last_probe(environments: QuerySet[Environment]) -> QuerySet[Environment]:
    """Each environment with its latest stored probe (``last_up``, ``last_latency_ms``, ``last_probe_at``)."""
    latest = ProbeResult.objects.filter(environment=OuterRef("pk")).order_by("-at")
    return environments.annotate(
        last_up=Subquery(latest.values("up")[:1]),
        last_latency_ms=Subquery(latest.values("latency_ms")[:1]),
        last_probe_at=Subquery(latest.values("at")[:1]),
    )


def environment_for(user: User, code: str) -> Environment:
    """One visible environment (retired ones too, for their history); ``Environment.DoesNotExist`` otherwise."""
    environments = Environment.objects.select_related("organisation", "product")
    if user.is_customer:
        environments = environments.filter(organisation_id=user.organisation_id)
    return environments.get(code=code)


def visible_incidents_for(user: User, environment_code: str | None = None) -> QuerySet[Incident]:
    incidents = Incident.objects.select_related("environment")
    if user.is_customer:
        incidents = incidents.filter(environment__organisation_id=user.organisation_id)
    if environment_code is not None:
        incidents = incidents.filter(environment_code=environment_code)
    return incidents.prefetch_related("events")


def open_incident_counts(environment_ids) -> dict[int, int]:
    counts: dict[int, int] = {}
    for env_id in Incident.objects.filter(
        environment_id__in=list(environment_ids), status=IncidentStatus.OPEN, expected=False
    ).values_list("environment_id", flat=True):
        counts[env_id] = counts.get(env_id, 0) + 1
    return counts


def upcoming_windows_for(user: User, now: dt.datetime | None = None) -> list[UpgradeWindow]:
    now = now or timezone.now()
    windows = UpgradeWindow.objects.filter(
        state__in=[WindowState.PLANNED, WindowState.IN_PROGRESS], ends_at__gte=now
    ).select_related("product")
    if user.is_customer:
        windows = windows.filter(environments__organisation_id=user.organisation_id).distinct()
        mine = Environment.objects.filter(organisation_id=user.organisation_id)
        windows = windows.prefetch_related(
            Prefetch("environments", queryset=mine, to_attr="visible_environments")
        )
    else:
        windows = windows.prefetch_related(Prefetch("environments", to_attr="visible_environments"))
    return list(windows.order_by("starts_at"))


def advisories_for(user: User) -> list[AdvisoryEnvironment]:
    rows = AdvisoryEnvironment.objects.select_related("advisory", "environment", "upgrade_window").filter(
        advisory__published_at__isnull=False
    )
    if user.is_customer:
        rows = rows.filter(environment__organisation_id=user.organisation_id)
    return list(rows.order_by("state", "-advisory__published_at"))


def advisory_for(user: User, code: str) -> tuple[SecurityAdvisory, list[AdvisoryEnvironment]]:
    advisory = SecurityAdvisory.objects.select_related("product", "patch").get(
        code=code, published_at__isnull=False
    )
    rows = advisory.environments.select_related("environment__organisation", "upgrade_window")
    if user.is_customer:
        rows = rows.filter(environment__organisation_id=user.organisation_id)
        if not rows.exists():
            raise SecurityAdvisory.DoesNotExist
    return advisory, list(rows)


def open_advisory_counts(environment_ids) -> dict[int, int]:
    counts: dict[int, int] = {}
    for env_id in (
        AdvisoryEnvironment.objects.filter(
            environment_id__in=list(environment_ids), advisory__published_at__isnull=False
        )
        .exclude(state=AdvisoryState.FIXED)
        .values_list("environment_id", flat=True)
    ):
        counts[env_id] = counts.get(env_id, 0) + 1
    return counts


def ops_platform(environment: Environment) -> OpsPlatform | None:
    return get_catalog().labels.ops_platforms.get(environment.ops_platform)


@dataclass(frozen=True)
class Exclusion:
    code: str
    label: str


def service_exclusions(language: str) -> list[Exclusion]:
    """What the public-cloud ops service does not include, from the catalog."""
    catalog = get_catalog()
    item = catalog.any_definition(SERVICE)
    codes = (item.out_of_scope if item else None) or ()
    labels = catalog.labels.out_of_scope
    return [Exclusion(code, labels[code].get(language) if code in labels else code) for code in codes]
