"""Alert-storm benchmark: Alertmanager webhook notifications ingested by SuccessHub over loopback.

    .venv/bin/python bench/alerts.py [--alerts 10000] [--per-notification 100] [--clients 4] [--port 0]

Sets up (in its own database: DATABASE_URL, default
``postgres://postgres@127.0.0.1:5432/successhub_alerts_bench``; ``--sqlite`` for a file in var/bench)
one ops engineer with an API token and ``--alerts`` public-cloud environments (one customer admin per
ten), deletes earlier runs' incidents, then starts ``uvicorn successhub.asgi:application --workers 2``
(DEBUG off, the PostgreSQL connection pool) and measures, in the same run:

- baseline 1, the bare server: ``GET /livez`` (no database), same clients;
- baseline 2, the webhook's fixed cost: ``POST /api/v1/ops/alertmanager`` with an empty ``alerts`` list
  (token check, parsing, the kept receipt);
- the storm: ``--alerts`` firing alerts, one per environment, in grouped notifications of
  ``--per-notification`` alerts (Alertmanager's version 4 payload, as recorded in tests/ops/payloads/),
  posted by ``--clients`` concurrent senders: notifications/s, alerts/s, ingest latency p50/p95/p99;
- the repeat: every notification delivered again (Alertmanager's repeat_interval), regrouped in halves:
  no incident may be added;
- the check: exactly one incident per fingerprint, and none missing.

The machine is shared (2 cores, several engineers' tests and servers): figures are only comparable to
the baselines printed beside them in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/successhub_alerts_bench"
PAYLOAD = ROOT / "tests" / "ops" / "payloads" / "firing.json"


def _environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="successhub.settings",
        DEBUG="false",
        DB_POOL="1" if database_url.startswith("postgres") else "0",
        LOG_LEVEL="ERROR",
        SUCCESSHUB_VAR_DIR=str(ROOT / "var" / "bench"),
        SUCCESSHUB_EMBEDDED_SCHEDULER_SECONDS="0",
    )
    if not database_url.startswith("postgres"):
        env.pop("DATABASE_URL")
    os.environ.update(env)
    if "DATABASE_URL" not in env:
        os.environ.pop("DATABASE_URL", None)
    return env


def _create_database(database_url: str) -> None:
    import psycopg

    parts = urlparse(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _setup(count: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from successhub.accounts.models import Organisation, Role, User
    from successhub.accounts.services import issue_api_token
    from successhub.contracts.models import Deployment, Product
    from successhub.notifications.models import Notification
    from successhub.ops.models import Environment, Incident, UnmatchedAlert, WebhookReceipt

    call_command("migrate", verbosity=0)
    engineer, _ = User.objects.get_or_create(
        username="bench-ops", defaults={"role": Role.OPS_ENGINEER, "is_staff": True}
    )
    product = Product.objects.get(code="cosmic")
    have = Environment.objects.filter(organisation__code__startswith="bench-").count()
    if have < count:
        # Bulk: the post_save signal that makes environments one by one is too slow for 10,000.
        from successhub.ops.services import environment_code_for

        organisations = {o.code: o for o in Organisation.objects.filter(code__startswith="bench-")}
        new_orgs = [
            Organisation(code=f"bench-{n}", name=f"压测客户 {n}")
            for n in range(count // 10 + 1)
            if f"bench-{n}" not in organisations
        ]
        Organisation.objects.bulk_create(new_orgs)
        organisations = {o.code: o for o in Organisation.objects.filter(code__startswith="bench-")}
        User.objects.bulk_create(
            [
                User(username=f"bench-admin-{o.code}", role=Role.CUSTOMER_ADMIN, organisation=o)
                for o in new_orgs
                for o in [organisations[o.code]]
            ],
            ignore_conflicts=True,
        )
        deployments = Deployment.objects.bulk_create(
            [
                Deployment(
                    organisation=organisations[f"bench-{n // 10}"],
                    product=product,
                    type="public_cloud",
                    version="6.0",
                    environment_url=f"https://bench-{n}.example/",
                )
                for n in range(have, count)
            ]
        )
        Environment.objects.bulk_create(
            [
                Environment(
                    code=environment_code_for(d),
                    deployment=d,
                    organisation=d.organisation,
                    product=product,
                    version=d.version,
                    tenant_url=d.environment_url,
                    ops_platform="tianti",
                )
                for d in deployments
            ]
        )
    # Every run starts from no incidents (earlier storms' records are removed).
    Incident.objects.all().delete()
    UnmatchedAlert.objects.all().delete()
    WebhookReceipt.objects.all().delete()
    Notification.objects.filter(kind__startswith="ops.").delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    codes = list(
        Environment.objects.filter(organisation__code__startswith="bench-", retired_at__isnull=True)
        .order_by("pk")
        .values_list("code", flat=True)[:count]
    )
    return {"token": issue_api_token(engineer, "bench"), "codes": codes}


def _notifications(codes: list[str], per: int, starts_at: str) -> list[bytes]:
    template = json.loads(PAYLOAD.read_text(encoding="utf-8"))
    base_alert = template["alerts"][0]
    bodies = []
    for offset in range(0, len(codes), per):
        alerts = []
        for index, code in enumerate(codes[offset : offset + per], start=offset):
            alert = json.loads(json.dumps(base_alert))
            alert["labels"].update(successhub_environment=code, instance=f"https://bench-{index}.example/")
            alert["startsAt"] = starts_at
            alert["fingerprint"] = f"{index:016x}"
            alerts.append(alert)
        document = dict(
            template,
            alerts=alerts,
            groupLabels={"alertname": "EnvironmentUnavailable"},
            groupKey=f'{{}}:{{alertname="EnvironmentUnavailable", batch="{offset}"}}',
        )
        bodies.append(json.dumps(document).encode())
    return bodies


def _send(
    port: int, requests: list[tuple[str, str, bytes]], headers: dict, clients: int
) -> tuple[list[float], float, int]:
    """Send the requests over ``clients`` keep-alive connections; (latencies, seconds, failures)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    queue = list(enumerate(requests))

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                _, (method, path, body) = queue.pop(0)
            started = time.perf_counter()
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    failures[0] += 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, failures[0]


def _pct(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(fraction * len(ordered))) - 1))] * 1000


def _line(name: str, latencies: list[float], seconds: float, failures: int, alerts: int = 0) -> str:
    rate = len(latencies) / seconds if seconds else 0
    text = (
        f"{name:<34} {len(latencies):>6} req  {rate:>8.1f} req/s  p50 {_pct(latencies, 0.5):7.1f} ms  "
        f"p95 {_pct(latencies, 0.95):7.1f} ms  p99 {_pct(latencies, 0.99):7.1f} ms"
    )
    if alerts:
        text += f"  {alerts / seconds:8.0f} alerts/s"
    return text + (f"  FAILED {failures}" if failures else "")


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/livez")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--per-notification", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="loopback port for the server (0: a free one)")
    parser.add_argument(
        "--sqlite", action="store_true", help="the embedded default's SQLite instead of PostgreSQL"
    )
    args = parser.parse_args()

    database_url = "sqlite" if args.sqlite else os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not args.sqlite and urlparse(database_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench only talks to a database on loopback")
    env = _environment(database_url)
    sys.path.insert(0, str(ROOT / "src"))
    if not args.sqlite:
        _create_database(database_url)
    started = time.perf_counter()
    info = _setup(args.alerts)
    print(
        f"setup: {len(info['codes']):,} environments in {time.perf_counter() - started:.1f} s "
        f"({'SQLite' if args.sqlite else 'PostgreSQL'})",
        flush=True,
    )
    starts_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    bodies = _notifications(info["codes"], args.per_notification, starts_at)
    regrouped = _notifications(info["codes"], max(1, args.per_notification // 2), starts_at)
    empty = json.dumps(dict(json.loads(PAYLOAD.read_text(encoding="utf-8")), alerts=[])).encode()

    port = args.port
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "successhub.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        _wait_ready(port, server)
        headers = {"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json"}
        webhook = "/api/v1/ops/alertmanager"
        _send(
            port, [("GET", "/livez", b"")] * 200 + [("POST", webhook, empty)] * 50, headers, args.clients
        )  # warm-up
        rounds = max(200, len(bodies))
        results = [
            (
                "baseline: GET /livez",
                *_send(port, [("GET", "/livez", b"")] * rounds, headers, args.clients),
                0,
            ),
            (
                "baseline: empty notification",
                *_send(port, [("POST", webhook, empty)] * rounds, headers, args.clients),
                0,
            ),
        ]
        latencies, seconds, failures = _send(
            port, [("POST", webhook, b) for b in bodies], headers, args.clients
        )
        results.append(
            (f"storm: {args.per_notification} alerts/notification", latencies, seconds, failures, args.alerts)
        )
        latencies, seconds, failures = _send(
            port, [("POST", webhook, b) for b in regrouped], headers, args.clients
        )
        results.append(
            (
                f"repeat, regrouped by {max(1, args.per_notification // 2)}",
                latencies,
                seconds,
                failures,
                args.alerts,
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    from django.db.models import Count

    from successhub.ops.models import Incident, WebhookReceipt

    print(
        f"\n{args.alerts:,} alerts in {len(bodies)} notifications, {args.clients} concurrent senders, "
        f"uvicorn 2 workers; shared machine (2 cores, other engineers' work running): compare with the baselines."
    )
    for name, latencies, seconds, failures, alerts in results:
        print(_line(name, latencies, seconds, failures, alerts))
    incidents = Incident.objects.count()
    duplicated = Incident.objects.values("fingerprint").annotate(n=Count("id")).filter(n__gt=1).count()
    expected = len(info["codes"])
    print(
        f"\nincidents: {incidents:,} for {expected:,} fingerprints; fingerprints with more than one: {duplicated}; "
        f"receipts kept: {WebhookReceipt.objects.count():,}"
    )
    ok = incidents == expected and duplicated == 0 and not any(r[3] for r in results)
    print("exactly one incident per fingerprint: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
