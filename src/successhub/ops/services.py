"""State changes in public-cloud operations.

- environments: one per public-cloud deployment (``sync_environment``), retired, never reused;
- alerts: ``ingest_alertmanager`` turns Alertmanager's webhook notifications into incidents
  (one per firing alert: fingerprint and start), closes them when resolved, logs what matches no
  environment, and tells ops engineers and the customer's admins;
- inspections: ``record_probe_results`` and ``produce_weekly_inspections``;
- security advisories: ``publish_advisory``, ``schedule_advisory_fix``, ``mark_advisory_fixed``;
- upgrade windows: ``plan_upgrade_window``, ``send_due_upgrade_notices`` (ahead, start, end).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from successhub.accounts.models import Organisation, Role, User
from successhub.calendars.selectors import business_calendar, makeup_day_settings
from successhub.catalog.loader import get_catalog
from successhub.contracts.models import Deployment, DeploymentType
from successhub.notifications.services import Notice, notify_each, tell_customer
from successhub.ops import alertmanager
from successhub.ops.errors import AdvisoryRefused, MalformedNotification, WindowRefused
from successhub.ops.models import (
    AdvisoryEnvironment,
    AdvisoryState,
    Environment,
    Incident,
    IncidentEvent,
    IncidentStatus,
    InspectionReport,
    ProbeResult,
    SecurityAdvisory,
    UnmatchedAlert,
    UpgradeNotice,
    UpgradeWindow,
    WebhookReceipt,
    WindowState,
)
from successhub.ops.versions import in_range, version_key

logger = logging.getLogger("successhub.ops")
SERVICE = "public_cloud_ops"
MAX_KEPT_BODY = 1_000_000


def ops_schedule() -> str | None:
    """The ops clock: the public-cloud ops item's service hours in the catalog (its ``schedule``).

    None when the item names no hours: the clock then runs at every moment.
    """
    item = get_catalog().any_definition(SERVICE)
    return item.schedule if item else None


def upgrade_windows_outside() -> str | None:
    """The schedule whose working time unified upgrade windows must avoid: the public-cloud ops
    item's ``upgrade_windows_outside`` in the catalog (the customers' business hours), if any."""
    item = get_catalog().any_definition(SERVICE)
    return item.upgrade_windows_outside if item else None


def ops_engineers() -> list[User]:
    return list(User.objects.filter(role=Role.OPS_ENGINEER, is_active=True))


def customer_admins(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    admins: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(
        organisation_id__in=set(organisation_ids), role=Role.CUSTOMER_ADMIN, is_active=True
    ):
        admins[user.organisation_id].append(user)
    return admins


# --- environments ----------------------------------------------------------------------------------


def environment_code_for(deployment: Deployment) -> str:
    return f"{deployment.organisation.code}-{deployment.product.code}-{deployment.pk}".lower().replace(
        "_", "-"
    )


def sync_environment(deployment: Deployment) -> Environment | None:
    """The environment of a public-cloud deployment (created once, code stable); others have none.

    A deployment that leaves the public cloud retires its environment: alerts naming it are then
    logged as unmatched, and its history stays.
    """
    environment = Environment.objects.filter(deployment=deployment).first()
    if deployment.type != DeploymentType.PUBLIC_CLOUD:
        if environment is not None and environment.retired_at is None:
            retire_environment(environment)
        return None
    platform = get_catalog().labels.ops_platform_for(deployment.product.code)
    fields = {
        "organisation_id": deployment.organisation_id,
        "product_id": deployment.product_id,
        "version": deployment.version,
        "tenant_url": deployment.environment_url,
        "ops_platform": platform.code if platform else "",
    }
    if environment is None:
        return Environment.objects.create(
            code=environment_code_for(deployment), deployment=deployment, **fields
        )
    changed = [name for name, value in fields.items() if getattr(environment, name) != value]
    if environment.retired_at is not None:
        environment.retired_at = None
        changed.append("retired_at")
    for name in changed:
        if name != "retired_at":
            setattr(environment, name, fields[name])
    if changed:
        environment.save(update_fields=changed)
    return environment


def sync_all_environments() -> int:
    """Every public-cloud deployment has its environment (idempotent); returns how many exist."""
    for deployment in Deployment.objects.select_related("organisation", "product"):
        sync_environment(deployment)
    return Environment.objects.filter(retired_at__isnull=True).count()


def retire_environment(environment: Environment, now: dt.datetime | None = None) -> Environment:
    environment.retired_at = now or timezone.now()
    environment.save(update_fields=["retired_at"])
    return environment


# --- alerts and incidents --------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    receipt_id: int
    alerts: int
    opened: int
    repeated: int
    resolved: int
    unmatched: int
    expected: int

    def as_dict(self) -> dict:
        return {
            "receipt": self.receipt_id,
            "alerts": self.alerts,
            "opened": self.opened,
            "repeated": self.repeated,
            "resolved": self.resolved,
            "unmatched": self.unmatched,
            "expected": self.expected,
        }


def _keep(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text[:MAX_KEPT_BODY]


def ingest_alertmanager(
    raw: bytes | str, received_by: User | None = None, now: dt.datetime | None = None
) -> IngestResult:
    """One Alertmanager notification in; every alert is accounted for (incident or unmatched record).

    A malformed body is kept as a receipt and refused with ``MalformedNotification``.
    """
    now = now or timezone.now()
    try:
        notification = alertmanager.parse(raw)
    except MalformedNotification as exc:
        WebhookReceipt.objects.create(
            received_at=now,
            received_by=received_by,
            outcome=WebhookReceipt.Outcome.MALFORMED,
            error=exc.message[:500],
            body=_keep(raw),
        )
        logger.warning("malformed Alertmanager notification refused: %s", exc.message)
        raise
    with transaction.atomic():
        receipt = WebhookReceipt.objects.create(
            received_at=now,
            received_by=received_by,
            group_key=notification.group_key[:500],
            status=notification.status[:20],
            alert_count=len(notification.alerts),
            body=_keep(raw),
        )
        result, paging = _apply(notification.alerts, receipt, now)
        _page(paging, receipt.pk, now)
    return result


_EXISTING_FIELDS = (
    "id",
    "environment_id",
    "environment_code",
    "fingerprint",
    "starts_at",
    "alertname",
    "status",
    "expected",
)


def _apply(alerts: tuple[alertmanager.Alert, ...], receipt: WebhookReceipt, now: dt.datetime):
    codes = {alert.environment_code for alert in alerts if alert.environment_code}
    environments = {
        env.code: env
        for env in Environment.objects.filter(code__in=codes).select_related("organisation", "product")
    }
    matched: list[tuple[alertmanager.Alert, Environment]] = []
    unmatched: list[UnmatchedAlert] = []
    for alert in alerts:
        environment = environments.get(alert.environment_code)
        reason = None
        if not alert.environment_code:
            reason = UnmatchedAlert.Reason.NO_ENVIRONMENT_LABEL
        elif environment is None:
            reason = UnmatchedAlert.Reason.UNKNOWN_ENVIRONMENT
        elif environment.retired_at is not None:
            reason = UnmatchedAlert.Reason.RETIRED_ENVIRONMENT
        if reason is None:
            matched.append((alert, environment))
            continue
        unmatched.append(
            UnmatchedAlert(
                receipt=receipt,
                reason=reason,
                environment_code=alert.environment_code[:200],
                fingerprint=alert.fingerprint,
                status=alert.status,
                labels=alert.labels,
                received_at=now,
            )
        )
    if unmatched:
        UnmatchedAlert.objects.bulk_create(unmatched)
        logger.warning(
            "%d alert(s) matched no active environment (receipt %s): %s",
            len(unmatched),
            receipt.pk,
            ", ".join(sorted({u.environment_code or "-" for u in unmatched})),
        )

    fingerprints = {alert.fingerprint for alert, _ in matched}
    starts = {alert.starts_at for alert, _ in matched}
    existing: dict[tuple[str, dt.datetime], Incident] = {}
    open_by_fingerprint: dict[str, Incident] = {}
    if matched:
        for incident in Incident.objects.filter(
            Q(starts_at__in=starts) | Q(status=IncidentStatus.OPEN), fingerprint__in=fingerprints
        ).only(*_EXISTING_FIELDS):
            existing[(incident.fingerprint, incident.starts_at)] = incident
            if incident.status == IncidentStatus.OPEN:
                open_by_fingerprint[incident.fingerprint] = incident

    windows = _windows_covering([(env.pk, alert.starts_at) for alert, env in matched])
    schedule = ops_schedule()
    calendar = business_calendar()
    to_create: list[Incident] = []
    repeated_ids: list[int] = []
    resolutions: list[tuple[Incident, dt.datetime]] = []
    seen: set[tuple[str, dt.datetime]] = set()
    for alert, environment in matched:
        key = (alert.fingerprint, alert.starts_at)
        if key in seen:
            continue
        seen.add(key)
        incident = existing.get(key)
        if alert.status == "firing":
            if incident is not None:
                repeated_ids.append(incident.pk)
                continue
            to_create.append(_new_incident(alert, environment, receipt, now, windows, schedule, calendar))
            continue
        # resolved
        incident = incident or open_by_fingerprint.get(alert.fingerprint)
        ends_at = alert.ends_at or now
        if incident is None:
            # The firing notification never reached us: the incident is recorded, already closed.
            incident = _new_incident(alert, environment, receipt, now, windows, schedule, calendar)
            incident.status = IncidentStatus.RESOLVED
            _close(incident, ends_at, calendar, schedule)
            to_create.append(incident)
        elif incident.status == IncidentStatus.OPEN:
            resolutions.append((incident, ends_at))
        else:
            repeated_ids.append(incident.pk)

    if repeated_ids:
        Incident.objects.filter(pk__in=repeated_ids).update(
            times_received=F("times_received") + 1, last_received_at=now
        )
    created: list[Incident] = []
    if to_create:
        # Two deliveries of one alert racing (an Alertmanager HA pair): the unique constraint keeps one.
        Incident.objects.bulk_create(to_create, ignore_conflicts=True)
        created = list(
            Incident.objects.filter(opened_by_receipt=receipt).select_related("environment__organisation")
        )
    events: list[IncidentEvent] = []
    pages: dict = {}
    engineers = ops_engineers()
    admins = customer_admins({env.organisation_id for _, env in matched})
    for incident in created:
        events.append(
            IncidentEvent(
                incident=incident, at=now, kind=IncidentEvent.Kind.OPENED, note=incident.summary[:500]
            )
        )
        if incident.expected:
            events.append(IncidentEvent(incident=incident, at=now, kind=IncidentEvent.Kind.EXPECTED))
        elif incident.status == IncidentStatus.OPEN:
            _incident_notices(incident, engineers, admins, events, now, pages)
        if incident.status == IncidentStatus.RESOLVED:
            events.append(
                IncidentEvent(
                    incident=incident, at=now, kind=IncidentEvent.Kind.RESOLVED, note=_duration_note(incident)
                )
            )
    by_id = {env.pk: env for _, env in matched}
    for incident, ends_at in resolutions:
        incident.environment = by_id.get(incident.environment_id) or incident.environment
        _close(incident, ends_at, calendar, schedule)
        Incident.objects.filter(pk=incident.pk, status=IncidentStatus.OPEN).update(
            status=IncidentStatus.RESOLVED,
            resolved_at=incident.resolved_at,
            duration_seconds=incident.duration_seconds,
            working_minutes=incident.working_minutes,
            last_received_at=now,
            times_received=F("times_received") + 1,
        )
        events.append(
            IncidentEvent(
                incident=incident, at=now, kind=IncidentEvent.Kind.RESOLVED, note=_duration_note(incident)
            )
        )
        if not incident.expected:
            _resolved_notices(incident, engineers, admins, pages)
    IncidentEvent.objects.bulk_create(events)
    paging = list(pages.values())
    result = IngestResult(
        receipt_id=receipt.pk,
        alerts=len(alerts),
        opened=len(created),
        repeated=len(repeated_ids),
        resolved=len(resolutions) + sum(1 for i in created if i.status == IncidentStatus.RESOLVED),
        unmatched=len(unmatched),
        expected=sum(1 for i in created if i.expected),
    )
    return result, paging


def _windows_covering(pairs: list[tuple[int, dt.datetime]]) -> dict[int, list[UpgradeWindow]]:
    """Upgrade windows (planned or in progress) holding these environments, by environment id."""
    if not pairs:
        return {}
    earliest = min(at for _, at in pairs)
    latest = max(at for _, at in pairs)
    through = UpgradeWindow.environments.through
    found: dict[int, list[UpgradeWindow]] = defaultdict(list)
    rows = through.objects.filter(
        environment_id__in={env_id for env_id, _ in pairs},
        upgradewindow__starts_at__lte=latest,
        upgradewindow__ends_at__gte=earliest,
        upgradewindow__state__in=[WindowState.PLANNED, WindowState.IN_PROGRESS],
    ).select_related("upgradewindow")
    for row in rows:
        found[row.environment_id].append(row.upgradewindow)
    return found


def _new_incident(alert, environment, receipt, now, windows, schedule, calendar) -> Incident:
    window = next(
        (w for w in windows.get(environment.pk, []) if w.starts_at <= alert.starts_at <= w.ends_at), None
    )
    summary = alert.annotations.get("summary") or alert.annotations.get("description") or alert.alertname
    return Incident(
        environment=environment,
        environment_code=environment.code,
        fingerprint=alert.fingerprint,
        starts_at=alert.starts_at,
        alertname=alert.alertname[:200],
        severity=alert.labels.get("severity", "")[:40],
        summary=summary[:500],
        labels=alert.labels,
        expected=window is not None,
        upgrade_window=window,
        opened_at=now,
        clock_starts_at=(
            calendar.next_open(schedule, alert.starts_at, makeup_day_settings().get(schedule))
            if schedule
            else alert.starts_at
        ),
        last_received_at=now,
        opened_by_receipt=receipt,
    )


def _close(incident: Incident, ends_at: dt.datetime, calendar, schedule: str | None) -> None:
    ends_at = max(ends_at, incident.starts_at)
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = ends_at
    incident.duration_seconds = int((ends_at - incident.starts_at).total_seconds())
    if schedule is None:
        incident.working_minutes = incident.duration_seconds / 60
        return
    makeup = makeup_day_settings().get(schedule)
    incident.working_minutes = float(calendar.between(schedule, incident.starts_at, ends_at, makeup).minutes)


def _duration_note(incident: Incident) -> str:
    minutes = math.ceil((incident.duration_seconds or 0) / 60)
    return f"持续 {minutes} 分钟（运维服务时间内 {round(incident.working_minutes or 0)} 分钟）"


def _incident_url(incident: Incident) -> str:
    return reverse("ops:environment", args=[incident.environment_code])


def _incident_notices(incident, engineers, admins, events, now, pages) -> None:
    title = f"公有云环境告警：{incident.environment_code} {incident.alertname}"
    _add_page(pages, "ops.incident_opened", None, engineers, incident, title, incident.summary)
    customer = admins.get(incident.environment.organisation_id, [])
    _add_page(
        pages,
        "ops.incident_opened",
        incident.environment.organisation_id,
        customer,
        incident,
        title,
        incident.summary,
    )
    for kind, users in ((IncidentEvent.Kind.PAGED, engineers), (IncidentEvent.Kind.CUSTOMER_TOLD, customer)):
        if users:
            events.append(
                IncidentEvent(
                    incident=incident, at=now, kind=kind, note="、".join(str(u) for u in users)[:500]
                )
            )


def _resolved_notices(incident, engineers, admins, pages) -> None:
    title = f"公有云环境告警已恢复：{incident.environment_code} {incident.alertname}"
    note = _duration_note(incident)
    _add_page(pages, "ops.incident_resolved", None, engineers, incident, title, note)
    _add_page(
        pages,
        "ops.incident_resolved",
        incident.environment.organisation_id,
        admins.get(incident.environment.organisation_id, []),
        incident,
        title,
        note,
    )


def _add_page(pages: dict, kind: str, organisation_id, users, incident, title: str, body: str) -> None:
    if not users:
        return
    page = pages.get((kind, organisation_id))
    if page is None:
        page = pages[(kind, organisation_id)] = Page(kind, organisation_id, tuple(users))
    page.incidents.append(incident)
    page.notices.append(Notice(page.users, kind, title, body, _incident_url(incident)))


def _page(pages: list[Page], receipt_id: int, now: dt.datetime) -> None:
    """In-app (and e-mail) per incident; one IM message per audience and kind for the whole notification:
    the ops engineers' robots (``tell_staff``) and each customer's dedicated group (``tell_group``)."""
    if not pages:
        return
    from successhub.notifications import robots
    from successhub.notifications.services import robot_text

    try:
        with transaction.atomic():
            notify_each([notice for page in pages for notice in page.notices])
            grouped: dict[tuple[str, int | None], list[Page]] = defaultdict(list)
            for page in pages:
                grouped[(page.kind, page.organisation_id)].append(page)
            for (kind, organisation_id), group in grouped.items():
                verb = "告警" if kind == "ops.incident_opened" else "告警已恢复"
                title = f"公有云环境{verb}（{sum(len(p.incidents) for p in group)} 条）"
                lines = "\n".join(
                    f"{i.environment_code} {i.summary}" for p in group for i in p.incidents[:20]
                )
                text = robot_text(title, lines, reverse("ops:index"))
                dedupe = f"{kind}:{receipt_id}:{organisation_id or 'ops'}"
                if organisation_id is None:
                    robots.tell_staff(group[0].users, kind, text, dedupe_key=dedupe)
                else:
                    robots.tell_group(organisation_id, kind, text, dedupe_key=dedupe)
    except Exception:  # the incidents are stored: a failing notifier must not lose them or 500 the sender
        logger.exception("could not notify about ops incidents (receipt %s)", receipt_id)


@dataclass
class Page:
    """Who is told about which incidents: ops engineers (``organisation_id`` None) or one customer's admins."""

    kind: str
    organisation_id: int | None
    users: tuple
    incidents: list = field(default_factory=list)
    notices: list = field(default_factory=list)


# --- probes and weekly inspections -----------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    environment_code: str
    up: bool
    latency_ms: float | None
    cert_days_left: float | None


def record_probe_results(probes: Iterable[Probe], source: str, at: dt.datetime | None = None) -> int:
    at = at or timezone.now()
    probes = list(probes)
    environments = dict(
        Environment.objects.filter(
            code__in={p.environment_code for p in probes}, retired_at__isnull=True
        ).values_list("code", "pk")
    )
    rows = [
        ProbeResult(
            environment_id=environments[p.environment_code],
            at=at,
            up=p.up,
            latency_ms=p.latency_ms,
            cert_days_left=p.cert_days_left,
            source=source,
        )
        for p in probes
        if p.environment_code in environments
    ]
    ProbeResult.objects.bulk_create(rows)
    return len(rows)


def _percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = max(0, math.ceil(fraction * len(sorted_values)) - 1)
    return sorted_values[index]


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def produce_inspection_report(environment: Environment, week_start: dt.date) -> InspectionReport:
    """The inspection of ``environment`` for the Beijing week starting Monday ``week_start`` (kept; idempotent)."""
    found = InspectionReport.objects.filter(environment=environment, week_start=week_start).first()
    if found is not None:
        return found
    tz = timezone.get_default_timezone()
    period_start = dt.datetime.combine(week_start, dt.time(), tzinfo=tz)
    period_end = period_start + dt.timedelta(days=7)
    probes = list(
        ProbeResult.objects.filter(environment=environment, at__gte=period_start, at__lt=period_end)
        .order_by("at")
        .values_list("up", "latency_ms", "cert_days_left")
    )
    latencies = sorted(latency for up, latency, _ in probes if up and latency is not None)
    cert_days = [days for _, _, days in probes if days is not None]
    incidents = list(
        Incident.objects.filter(
            environment=environment, starts_at__gte=period_start, starts_at__lt=period_end
        ).values_list("duration_seconds", flat=True)
    )
    report = InspectionReport(
        environment=environment,
        week_start=week_start,
        period_start=period_start,
        period_end=period_end,
        probes=len(probes),
        availability=(sum(1 for up, _, _ in probes if up) / len(probes)) if probes else None,
        latency_p50_ms=_percentile(latencies, 0.50),
        latency_p95_ms=_percentile(latencies, 0.95),
        latency_p99_ms=_percentile(latencies, 0.99),
        cert_days_left=cert_days[-1] if cert_days else None,
        incidents=len(incidents),
        incident_minutes=round(sum(seconds or 0 for seconds in incidents) / 60, 1),
    )
    InspectionReport.objects.bulk_create([report], ignore_conflicts=True)
    return InspectionReport.objects.get(environment=environment, week_start=week_start)


def produce_weekly_inspections(now: dt.datetime | None = None) -> int:
    """Last full week's report for every active environment that has none yet; returns how many were made."""
    today = timezone.localdate(now or timezone.now())
    week_start = week_start_of(today) - dt.timedelta(days=7)
    made = 0
    have = set(
        InspectionReport.objects.filter(week_start=week_start).values_list("environment_id", flat=True)
    )
    for environment in Environment.objects.filter(retired_at__isnull=True).exclude(pk__in=have):
        produce_inspection_report(environment, week_start)
        made += 1
    return made


# --- security advisories ---------------------------------------------------------------------------


def affected_environments(advisory: SecurityAdvisory):
    candidates = Environment.objects.filter(
        Q(product=advisory.product) | Q(product__parent=advisory.product), retired_at__isnull=True
    ).select_related("organisation")
    return [
        env
        for env in candidates
        if in_range(env.version, advisory.affected_from, advisory.affected_to, below=advisory.fixed_version)
    ]


@transaction.atomic
def publish_advisory(advisory: SecurityAdvisory, now: dt.datetime | None = None) -> list[AdvisoryEnvironment]:
    """Compute the environments affected, track each, and tell the customers' admins and ops (once each)."""
    now = now or timezone.now()
    if not version_key(advisory.fixed_version):
        raise AdvisoryRefused("invalid_fixed_version", "修复版本必须是版本号，例如 9.2。")
    environments = affected_environments(advisory)
    known = set(advisory.environments.values_list("environment_id", flat=True))
    AdvisoryEnvironment.objects.bulk_create(
        [
            AdvisoryEnvironment(advisory=advisory, environment=env, updated_at=now)
            for env in environments
            if env.pk not in known
        ],
        ignore_conflicts=True,
    )
    if advisory.published_at is None:
        advisory.published_at = now
        advisory.save(update_fields=["published_at"])
    untold = list(
        advisory.environments.filter(customer_told_at__isnull=True).select_related(
            "environment__organisation"
        )
    )
    admins = customer_admins({row.environment.organisation_id for row in untold})
    url = reverse("ops:advisory", args=[advisory.code])
    title = f"安全公告 {advisory.code}（{advisory.get_severity_display()}）：{advisory.title}"
    by_organisation: dict[int, list[AdvisoryEnvironment]] = defaultdict(list)
    for row in untold:
        by_organisation[row.environment.organisation_id].append(row)
    for organisation_id, rows in by_organisation.items():
        users = admins.get(organisation_id, [])
        if not users:
            continue
        affected = "、".join(f"{r.environment.code}（版本 {r.environment.version}）" for r in rows)
        body = f"受影响环境：{affected}；修复版本 {advisory.fixed_version}。"
        tell_customer(
            rows[0].environment.organisation,
            "ops.security_advisory",
            title,
            body,
            url,
            users=users,
            dedupe_key=f"ops.security_advisory:{advisory.pk}:{organisation_id}",
        )
    notices = []
    engineers = ops_engineers()
    if engineers and untold:
        notices.append(
            Notice(tuple(engineers), "ops.security_advisory", title, f"受影响环境 {len(untold)} 个。", url)
        )
    notify_each(notices)
    advisory.environments.filter(pk__in=[row.pk for row in untold]).update(customer_told_at=now)
    return list(advisory.environments.select_related("environment"))


def schedule_advisory_fix(
    row: AdvisoryEnvironment, window: UpgradeWindow | None = None, when: dt.datetime | None = None
) -> AdvisoryEnvironment:
    if row.state == AdvisoryState.FIXED:
        raise AdvisoryRefused("already_fixed", "该环境已修复。")
    if window is None and when is None:
        raise AdvisoryRefused("no_schedule", "请选择升级窗口或计划修复时间。")
    if window is not None and version_key(window.target_version) < version_key(row.advisory.fixed_version):
        raise AdvisoryRefused("window_below_fixed_version", "该升级窗口的目标版本低于修复版本。")
    row.state = AdvisoryState.SCHEDULED
    row.upgrade_window = window
    row.scheduled_for = window.starts_at if window is not None else when
    row.updated_at = timezone.now()
    row.save(update_fields=["state", "upgrade_window", "scheduled_for", "updated_at"])
    return row


def mark_advisory_fixed(row: AdvisoryEnvironment, now: dt.datetime | None = None) -> AdvisoryEnvironment:
    now = now or timezone.now()
    row.state, row.fixed_at, row.updated_at = AdvisoryState.FIXED, now, now
    row.save(update_fields=["state", "fixed_at", "updated_at"])
    return row


def fix_advisories_by_version(environment: Environment, now: dt.datetime | None = None) -> int:
    """Rows whose environment now runs the fixed version (or later) are fixed."""
    now = now or timezone.now()
    fixed = 0
    for row in environment.advisories.exclude(state=AdvisoryState.FIXED).select_related("advisory"):
        if version_key(environment.version) >= version_key(row.advisory.fixed_version):
            mark_advisory_fixed(row, now)
            fixed += 1
    return fixed


# --- unified upgrade windows -----------------------------------------------------------------------


def default_notice_days() -> list[int]:
    return list(settings.SUCCESSHUB_UPGRADE_NOTICE_DAYS)


def environments_in_scope(product, target_version: str):
    return [
        env
        for env in Environment.objects.filter(
            Q(product=product) | Q(product__parent=product), retired_at__isnull=True
        )
        if env.version and version_key(env.version) < version_key(target_version)
    ]


def check_window(
    starts_at: dt.datetime, ends_at: dt.datetime, target_version: str, now: dt.datetime | None = None
) -> None:
    """Refuse a window that ends before it starts, lies in the past, or overlaps business hours."""
    now = now or timezone.now()
    if not version_key(target_version):
        raise WindowRefused("invalid_target_version", "目标版本必须是版本号，例如 9.2。")
    if ends_at <= starts_at:
        raise WindowRefused("window_ends_before_start", "结束时间必须晚于开始时间。")
    if starts_at <= now:
        raise WindowRefused("window_in_past", "升级窗口必须在将来。")
    schedule = upgrade_windows_outside()
    if schedule is None:
        return
    makeup = makeup_day_settings().get(schedule)
    overlap = business_calendar().between(schedule, starts_at, ends_at, makeup).minutes
    if overlap > 0:
        label = get_catalog().labels.name("schedules", schedule)
        raise WindowRefused(
            "window_in_business_hours",
            f"升级窗口与业务时间（{label}）重叠 {round(overlap)} 分钟，请安排在非工作时间。",
        )


@transaction.atomic
def plan_upgrade_window(
    product,
    target_version: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    notes: str = "",
    notice_days: list[int] | None = None,
    created_by: User | None = None,
    now: dt.datetime | None = None,
) -> UpgradeWindow:
    check_window(starts_at, ends_at, target_version, now)
    days = sorted(
        {int(d) for d in (default_notice_days() if notice_days is None else notice_days)}, reverse=True
    )
    if any(d <= 0 for d in days):
        raise WindowRefused("invalid_notice_days", "提前通知天数必须是正整数。")
    window = UpgradeWindow.objects.create(
        product=product,
        target_version=target_version,
        starts_at=starts_at,
        ends_at=ends_at,
        notes=notes,
        notice_days=days,
        created_by=created_by,
    )
    window.environments.set(environments_in_scope(product, target_version))
    return window


def _send_notice(window: UpgradeWindow, kind: str, title: str, body: str, now: dt.datetime) -> bool:
    """Send one kind of notice for a window once (the unique row is the claim)."""
    with transaction.atomic():
        notice, created = UpgradeNotice.objects.get_or_create(
            window=window, kind=kind, defaults={"sent_at": now}
        )
        if not created:
            return False
        url = reverse("ops:index")
        engineers = ops_engineers()
        notify_each([Notice(tuple(engineers), "ops.upgrade_window", title, body, url)])
        told = len(engineers)
        # Every user of each customer in scope: in-app, e-mail, and the dedicated IM group if bound.
        for organisation in Organisation.objects.filter(pk__in=window.environments.values("organisation_id")):
            users = list(User.objects.filter(organisation=organisation, is_active=True))
            tell_customer(
                organisation,
                "ops.upgrade_window",
                title,
                body,
                url,
                users=users,
                dedupe_key=f"ops.upgrade_window:{window.pk}:{kind}:{organisation.pk}",
            )
            told += len(users)
        notice.recipients = told
        notice.save(update_fields=["recipients"])
    return True


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def send_due_upgrade_notices(now: dt.datetime | None = None) -> int:
    """Ahead notices (each configured lead once, skipped once the window has begun), the start and the end.

    At the end the environments in scope run the target version, and advisories it fixes are closed.
    """
    now = now or timezone.now()
    sent = 0
    windows = UpgradeWindow.objects.filter(
        state__in=[WindowState.PLANNED, WindowState.IN_PROGRESS]
    ).select_related("product")
    for window in windows:
        what = f"{window.product.name} {window.target_version}"
        when = f"{_local(window.starts_at)} – {_local(window.ends_at)}"
        if now < window.starts_at:
            for days in window.notice_days or []:
                if now >= window.starts_at - dt.timedelta(days=int(days)):
                    sent += _send_notice(
                        window,
                        f"ahead:{days}",
                        f"统一升级窗口预告：{what}",
                        f"您的环境将于 {when}（北京时间）升级到 {window.target_version}。{window.notes}".strip(),
                        now,
                    )
            continue
        if window.state == WindowState.PLANNED:
            sent += _send_notice(
                window,
                "start",
                f"统一升级开始：{what}",
                f"升级窗口 {when}（北京时间）已开始，期间的告警为预期告警。",
                now,
            )
            UpgradeWindow.objects.filter(pk=window.pk).update(state=WindowState.IN_PROGRESS)
        if now >= window.ends_at:
            _finish_window(window, now)
            sent += _send_notice(
                window,
                "end",
                f"统一升级完成：{what}",
                f"升级窗口 {when}（北京时间）已结束，环境已升级到 {window.target_version}。",
                now,
            )
    return sent


@transaction.atomic
def _finish_window(window: UpgradeWindow, now: dt.datetime) -> None:
    for environment in window.environments.filter(retired_at__isnull=True):
        if version_key(environment.version) < version_key(window.target_version):
            environment.version = window.target_version
            environment.save(update_fields=["version"])
            if environment.deployment_id:
                Deployment.objects.filter(pk=environment.deployment_id).update(version=window.target_version)
        fix_advisories_by_version(environment, now)
    UpgradeWindow.objects.filter(pk=window.pk).update(state=WindowState.FINISHED)


def cancel_upgrade_window(window: UpgradeWindow) -> UpgradeWindow:
    if window.state != WindowState.PLANNED:
        raise WindowRefused("window_not_planned", "只能取消尚未开始的升级窗口。")
    window.state = WindowState.CANCELLED
    window.save(update_fields=["state"])
    return window
