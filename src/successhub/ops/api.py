"""/api/v1/ops/: Alertmanager's webhook in, environments and incidents out."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema

from successhub.accounts.models import Role
from successhub.api.base import ApiError, BearerAuth, ErrorOut
from successhub.catalog.loader import get_catalog
from successhub.ops import selectors, services
from successhub.ops.errors import OpsError
from successhub.ops.models import Environment

router = Router(tags=["ops"])
RECEIVERS = {Role.OPS_ENGINEER, Role.SERVICE_ADMIN}


class IngestOut(Schema):
    receipt: int
    alerts: int
    opened: int
    repeated: int
    resolved: int
    unmatched: int
    expected: int


@router.post(
    "/alertmanager",
    auth=[BearerAuth()],
    # 415: a form (multipart) body; the webhook reads the raw JSON.
    response={200: IngestOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 415: ErrorOut},
    summary="Alertmanager webhook (payload version 4)",
)
def alertmanager_webhook(request: HttpRequest):
    """Alertmanager's ``webhook_config`` posts here with ``Authorization: Bearer <ops engineer's token>``.

    Every alert is accounted for: an incident (one per fingerprint and start; repeats and groups
    never duplicate it) or an unmatched record for ops. A malformed body is kept and refused (400).
    """
    if request.user.role not in RECEIVERS:
        raise PermissionDenied("Only an ops engineer's token may post alerts.")
    try:
        result = services.ingest_alertmanager(request.body, received_by=request.user)
    except OpsError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    return result.as_dict()


class PlatformOut(Schema):
    code: str
    name: str
    url: str


class EnvironmentOut(Schema):
    code: str
    organisation: str
    product: str
    version: str
    region: str
    tenant_url: str
    ops_platform: PlatformOut | None
    open_incidents: int
    open_advisories: int


@router.get(
    "/environments", response=list[EnvironmentOut], summary="Public-cloud environments visible to the caller"
)
def list_environments(request: HttpRequest):
    environments = list(selectors.visible_environments_for(request.user))
    ids = [env.pk for env in environments]
    incidents = selectors.open_incident_counts(ids)
    advisories = selectors.open_advisory_counts(ids)
    platforms = get_catalog().labels.ops_platforms
    language = getattr(request, "LANGUAGE_CODE", "zh-hans")
    out = []
    for env in environments:
        platform = platforms.get(env.ops_platform)
        out.append(
            {
                "code": env.code,
                "organisation": env.organisation.code,
                "product": env.product.code,
                "version": env.version,
                "region": env.region,
                "tenant_url": env.tenant_url,
                "ops_platform": {"code": platform.code, "name": platform.get(language), "url": platform.url}
                if platform
                else None,
                "open_incidents": incidents.get(env.pk, 0),
                "open_advisories": advisories.get(env.pk, 0),
            }
        )
    return out


class EventOut(Schema):
    at: dt.datetime
    kind: str
    note: str


class IncidentOut(Schema):
    id: int
    environment: str
    fingerprint: str
    alertname: str
    severity: str
    summary: str
    status: str
    expected: bool
    starts_at: dt.datetime
    opened_at: dt.datetime
    clock_starts_at: dt.datetime | None
    resolved_at: dt.datetime | None
    duration_seconds: int | None
    working_minutes: float | None
    times_received: int
    timeline: list[EventOut]


@router.get(
    "/incidents",
    response={200: list[IncidentOut], 404: ErrorOut},
    summary="Incidents, newest first; ?environment=<code> for one environment",
)
def list_incidents(
    request: HttpRequest, environment: str | None = None, status: str | None = None, limit: int = 100
):
    if environment is not None:
        try:
            selectors.environment_for(request.user, environment)
        except Environment.DoesNotExist:
            raise ApiError(
                404, "unknown_environment", f"No environment {environment!r} you may see."
            ) from None
    incidents = selectors.visible_incidents_for(request.user, environment)
    if status is not None:
        incidents = incidents.filter(status=status)
    return [
        {
            "id": i.pk,
            "environment": i.environment_code,
            "fingerprint": i.fingerprint,
            "alertname": i.alertname,
            "severity": i.severity,
            "summary": i.summary,
            "status": i.status,
            "expected": i.expected,
            "starts_at": i.starts_at,
            "opened_at": i.opened_at,
            "clock_starts_at": i.clock_starts_at,
            "resolved_at": i.resolved_at,
            "duration_seconds": i.duration_seconds,
            "working_minutes": i.working_minutes,
            "times_received": i.times_received,
            "timeline": [{"at": e.at, "kind": e.kind, "note": e.note} for e in i.events.all()],
        }
        for i in incidents[: max(1, min(limit, 500))]
    ]
