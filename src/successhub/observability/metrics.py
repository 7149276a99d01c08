"""``/metrics`` in Prometheus' text format: request rates and latencies (middleware), and, read at
scrape time, queue lengths, the outbox backlog, SLA states and ops incidents.

Several server processes: set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode) so
the request counters of all processes are summed; the database figures are the same from any process.
"""

from __future__ import annotations

import hmac
import logging
import os
import time

from django.conf import settings
from django.core.exceptions import FieldError
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger("successhub.metrics")

REQUESTS = Counter(
    "successhub_http_requests",
    "HTTP requests answered, by route pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "successhub_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_SKIP = {"/metrics"}


class MetricsMiddleware:
    """Counts and times every request under its URL pattern (not the raw path: bounded label values)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in _SKIP:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = f"/{match.route}" if match is not None and match.route else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response


class DatabaseCollector:
    """Figures read from the database (and the broker) when Prometheus scrapes."""

    def collect(self):
        try:
            yield from self._collect()
        except Exception:  # a scrape must still answer with the request metrics
            logger.exception("metrics: database figures could not be read")

    def _collect(self):
        from successhub.notifications.models import Notification, WebhookDelivery
        from successhub.ops.models import Incident, UnmatchedAlert
        from successhub.tickets.models import OPEN_STATUSES, Ticket

        now = timezone.now()
        queue = GaugeMetricFamily(
            "successhub_ticket_queue_length", "Open tickets by status.", labels=["status"]
        )
        counts = dict(
            Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("status").annotate(n=Count("id"))
        )
        for status in OPEN_STATUSES:
            queue.add_metric([str(status)], counts.get(status, 0))
        yield queue

        sla = GaugeMetricFamily(
            "successhub_ticket_first_response_sla",
            "Tickets awaiting a first response, by SLA state.",
            labels=["state"],
        )
        waiting = Ticket.objects.filter(status__in=OPEN_STATUSES, first_responded_at__isnull=True)
        figures = waiting.aggregate(
            paused=Count("id", filter=Q(paused_since__isnull=False)),
            breached=Count("id", filter=Q(paused_since__isnull=True, first_response_due_at__lt=now)),
            at_risk=Count(
                "id",
                filter=Q(
                    paused_since__isnull=True,
                    first_response_due_at__gte=now,
                    first_response_at_risk_at__lte=now,
                ),
            ),
            on_track=Count("id", filter=Q(paused_since__isnull=True, first_response_at_risk_at__gt=now)),
        )
        for state, value in figures.items():
            sla.add_metric([state], value)
        yield sla

        backlog = GaugeMetricFamily(
            "successhub_outbox_backlog", "Outbox entries not yet sent.", labels=["outbox"]
        )
        backlog.add_metric(
            ["email"], Notification.objects.filter(email_wanted=True, emailed_at__isnull=True).count()
        )
        backlog.add_metric(
            ["webhook"],
            WebhookDelivery.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).count(),
        )
        try:
            from successhub.notifications.models import RobotMessage

            backlog.add_metric(
                ["im_robot"],
                RobotMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).count(),
            )
        except (ImportError, FieldError):
            pass
        yield backlog

        incidents = GaugeMetricFamily(
            "successhub_ops_open_incidents", "Open public-cloud ops incidents.", labels=["expected"]
        )
        open_counts = dict(
            Incident.objects.filter(status="open").values_list("expected").annotate(n=Count("id"))
        )
        incidents.add_metric(["false"], open_counts.get(False, 0))
        incidents.add_metric(["true"], open_counts.get(True, 0))
        yield incidents
        yield GaugeMetricFamily(
            "successhub_ops_unmatched_alerts",
            "Alerts logged as matching no environment.",
            value=UnmatchedAlert.objects.count(),
        )

        broker = _broker_queue_length()
        if broker is not None:
            yield GaugeMetricFamily(
                "successhub_celery_queue_length", "Tasks waiting in the Celery queue.", value=broker
            )


def _broker_queue_length() -> int | None:
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return int(client.llen("celery"))
        finally:
            client.close()
    except Exception:
        return None


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(DatabaseCollector())
    return registry


@never_cache
def metrics(request):
    token = getattr(settings, "SUCCESSHUB_METRICS_TOKEN", "")
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return HttpResponseForbidden("metrics token required", content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
