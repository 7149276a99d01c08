"""Stored probe results and the weekly inspection report per environment (kept, produced once)."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from successhub.ops import probes, services
from successhub.ops.models import Incident, InspectionReport, ProbeResult

BEIJING = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 11, 16)


def _probe(environment, at, up, latency, cert_days=40.0):
    ProbeResult.objects.create(
        environment=environment, at=at, up=up, latency_ms=latency, cert_days_left=cert_days
    )


def test_the_weekly_report_sums_up_availability_latency_certificate_and_incidents(environment):
    start = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=BEIJING)
    for minute in range(100):
        _probe(
            environment,
            start + dt.timedelta(minutes=minute),
            up=minute % 10 != 0,
            latency=float(minute + 1),
            cert_days=30 - minute / 100,
        )
    _probe(environment, start - dt.timedelta(days=1), up=False, latency=None)  # the week before: not counted
    Incident.objects.create(
        environment=environment,
        environment_code=environment.code,
        fingerprint="f",
        starts_at=start,
        alertname="EnvironmentUnavailable",
        resolved_at=start + dt.timedelta(minutes=30),
        duration_seconds=1800,
        status="resolved",
    )

    report = services.produce_inspection_report(environment, MONDAY)

    assert report.probes == 100
    assert report.availability == pytest.approx(0.9)
    # latencies of the 90 successful probes: 2..100 without 11, 21, …, 91
    assert (report.latency_p50_ms, report.latency_p95_ms, report.latency_p99_ms) == (50.0, 96.0, 100.0)
    assert report.cert_days_left == pytest.approx(29.01)
    assert (report.incidents, report.incident_minutes) == (1, 30.0)


def test_reports_are_produced_once_for_last_week_and_kept(environment):
    now = dt.datetime(2026, 11, 25, 3, 0, tzinfo=BEIJING)  # a Wednesday: last week began Monday 16th
    assert services.produce_weekly_inspections(now) == 1
    assert services.produce_weekly_inspections(now) == 0
    assert list(InspectionReport.objects.values_list("week_start", flat=True)) == [MONDAY]


def test_probe_results_are_recorded_for_known_active_environments_only(environment):
    stored = services.record_probe_results(
        [services.Probe(environment.code, True, 12.5, 80.0), services.Probe("nobody", False, None, None)],
        "test",
    )
    assert stored == 1
    assert ProbeResult.objects.get().latency_ms == 12.5


@pytest.fixture
def tenant():
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", state
    server.shutdown()
    server.server_close()


def test_the_embedded_prober_measures_up_and_down(tenant):
    url, state = tenant
    up, latency, cert = probes.probe_url(url, timeout=2)
    assert up and latency > 0 and cert is None
    state["status"] = 503
    assert probes.probe_url(url, timeout=2)[0] is False
    assert probes.probe_url("http://127.0.0.1:1/", timeout=2) == (False, None, None)
