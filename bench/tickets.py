"""Ticket benchmark: PostgreSQL behind uvicorn (2 workers), driven over loopback by wrk.

    .venv/bin/python bench/tickets.py [--seconds 10] [--clients 50] [--tickets 100000]

Needs ``wrk`` (Debian's package; ``make bench`` installs it). Creates (and migrates) the database
named by DATABASE_URL (default ``postgres://postgres@127.0.0.1:5432/successhub_tickets_bench``, its
own: other benches reset their customers in theirs), loads 100,000 tickets with bulk_create once,
deletes what earlier runs filed (so every run starts from the same queue), then VACUUM ANALYZE and
CHECKPOINT, starts ``uvicorn successhub.asgi:application --workers 2 --loop uvloop
--http httptools`` in the production shape (DEBUG off, no access log, the PostgreSQL connection
pool, the cache on Redis, Celery not eager: e-mails wait in the outbox for the sweep job) and
measures, in the same run:

- the bare baseline: the same server answering ``GET /healthz`` (no database);
- ticket creation: ``POST /api/v1/tickets`` (token auth, entitlement check, SLA deadlines,
  numbering, round-robin assignment, audit events, notifications with their e-mail outbox rows,
  the webhook outbox query) at 50 concurrent clients;
- the agent queue: ``GET /workspace/`` (session auth, filters, one COUNT, one page of 50 rows
  with SLA countdowns) over 100,000 tickets, at 2 concurrent agents by default
  (``--queue-clients`` to load it harder), and the same queue through the API;
- queries per request for both, counted in-process through the same URLs.

wrk is a C program: the load generator takes a small share of the 2 cores, which the server and
PostgreSQL share. Each phase is bounded in time. Only loopback is used. Targets: creation
≥ 300 requests/s, queue page p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on the path, and bench/calendar.py would shadow the standard
# library's calendar (which Celery's dateutil imports).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/successhub_tickets_bench"
# The cache (and the broker, which filing no longer uses) for the server under test.
BROKER_URL = "redis://127.0.0.1:6379/14"
BATCH = 5000


def _prepare_environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="successhub.settings",
        DEBUG="false",
        # The production shape: connections from the pool (psycopg_pool), not one per request.
        DB_POOL="1",
        DB_CONN_MAX_AGE="0",
        # Cache (calendar version) and Celery broker on Redis; tasks are queued, never run in the request.
        REDIS_URL=BROKER_URL,
        CELERY_BROKER_URL=BROKER_URL,
        CELERY_TASK_ALWAYS_EAGER="false",
        LOG_LEVEL="ERROR",
        SUCCESSHUB_VAR_DIR=str(ROOT / "var" / "bench"),
        MEDIA_ROOT=str(ROOT / "var" / "bench" / "media"),
    )
    os.environ.update(env)
    return env


def _create_database(database_url: str) -> None:
    import psycopg

    parts = urlparse(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _setup(ticket_count: int) -> dict:
    """Migrate, create the bench customer, staff and tokens, and load the tickets (once)."""
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from successhub.accounts.models import Organisation, Role, User
    from successhub.accounts.services import issue_api_token
    from successhub.calendars.selectors import business_calendar
    from successhub.contracts.models import Contract, Deployment, Product
    from successhub.tickets.models import OPEN_STATUSES, EngineerSkill, Status, Ticket

    call_command("migrate", interactive=False, verbosity=0)
    today = timezone.localdate()
    org, _ = Organisation.objects.get_or_create(
        code="bench-tickets", defaults={"name": "压测客户", "region": "mainland"}
    )
    galaxy = Product.objects.get(code="galaxy")
    Deployment.objects.get_or_create(organisation=org, product=galaxy, type="private_cloud_subscription")
    # In force whenever the bench runs (an Advanced contract in its first year).
    Contract.objects.update_or_create(
        number="BENCH-TICKETS-ADV",
        defaults={
            "organisation": org,
            "plan": "advanced",
            "start": today - dt.timedelta(days=30),
            "end": today + dt.timedelta(days=300),
            "amount": 68000,
        },
    )
    # Real people have addresses: each filing owes two e-mails (queued to the broker after commit).
    customer, created = User.objects.get_or_create(
        username="bench-customer",
        defaults={
            "role": Role.CUSTOMER_USER,
            "organisation": org,
            "phone_verified_at": timezone.now(),
            "email": "customer@bench.invalid",
        },
    )
    engineers = []
    for n in range(2):
        engineer, _ = User.objects.get_or_create(
            username=f"bench-engineer{n}",
            defaults={"role": Role.SUPPORT_ENGINEER, "is_staff": True, "email": f"engineer{n}@bench.invalid"},
        )
        EngineerSkill.objects.get_or_create(engineer=engineer, product=galaxy)
        engineers.append(engineer)

    _forget_earlier_filings(org, [customer, *engineers])
    existing = Ticket.objects.filter(organisation=org).count()
    if existing < ticket_count:
        _load_tickets(
            org,
            customer,
            engineers,
            galaxy,
            ticket_count - existing,
            existing,
            business_calendar(),
            Ticket,
            Status,
            OPEN_STATUSES,
        )
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics and visibility map, as autovacuum would leave them
        cursor.execute(f"VACUUM ANALYZE {Ticket._meta.db_table}")
        # The load's dirty pages go to disk now, not in a checkpoint that competes with the phases.
        cursor.execute("CHECKPOINT")
    session = SessionStore()
    session["_auth_user_id"] = str(engineers[0].pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = engineers[0].get_session_auth_hash()
    session.create()
    return {
        "customer_token": issue_api_token(customer, "bench"),
        "session": session.session_key,
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
    }


def _forget_earlier_filings(org, users) -> None:
    """Each run starts from the loaded tickets alone: earlier runs' filings (and their events and
    notifications) are deleted, so the queue's open count, and with it the figures, do not drift."""
    from django.db import connection

    from successhub.notifications.models import Notification
    from successhub.tickets.models import Ticket, TicketAttachment, TicketEvent, TicketMessage, TicketPause

    filed = f"SELECT id FROM {Ticket._meta.db_table} WHERE organisation_id = %s AND number NOT LIKE 'BK-%%'"
    with connection.cursor() as cursor:
        for child in (TicketEvent, TicketMessage, TicketPause, TicketAttachment):
            cursor.execute(f"DELETE FROM {child._meta.db_table} WHERE ticket_id IN ({filed})", [org.pk])
        cursor.execute(f"DELETE FROM {Ticket._meta.db_table} WHERE id IN ({filed})", [org.pk])
        deleted = cursor.rowcount
        cursor.execute(
            f"DELETE FROM {Notification._meta.db_table} WHERE recipient_id = ANY(%s)",
            [[user.pk for user in users]],
        )
    if deleted:
        print(f"deleted {deleted:,} tickets filed by earlier runs", flush=True)


def _load_tickets(org, customer, engineers, product, count, offset, calendar, Ticket, Status, OPEN_STATUSES):
    from django.utils import timezone

    started = time.perf_counter()
    now = timezone.now()
    rng = random.Random(20261123)
    statuses = [Status.CLOSED] * 80 + [Status.RESOLVED] * 8 + list(OPEN_STATUSES) * 2 + [Status.NEW] * 2
    decision = {"service": "online_ticket", "allowed": True, "reason": "ok", "explanation": "压测数据"}
    for start in range(0, count, BATCH):
        rows = []
        for i in range(start, min(count, start + BATCH)):
            created = now - dt.timedelta(minutes=rng.randint(1, 60 * 24 * 365))
            due = calendar.add("5x8", created, 480).at
            at_risk = calendar.add("5x8", created, 360).at
            status = rng.choice(statuses)
            responded = None if status in (Status.NEW, Status.ASSIGNED) else created + dt.timedelta(hours=2)
            is_open = status in OPEN_STATUSES
            rows.append(
                Ticket(
                    number=f"BK-{offset + i:07d}",
                    organisation=org,
                    requester=customer,
                    filed_by=customer,
                    product=product,
                    category="application_problem",
                    service="online_ticket",
                    title=f"压测工单 {i}",
                    description="批量生成的工单",
                    channel="ticket_site",
                    status=status,
                    assignee=engineers[i % len(engineers)] if status != Status.NEW else None,
                    decision=decision,
                    plan="advanced",
                    sla_schedule="5x8",
                    sla_target_minutes=480,
                    first_response_due_at=due,
                    first_response_at_risk_at=at_risk,
                    first_responded_at=responded,
                    # Old unanswered tickets were escalated long ago: the jobs have nothing to do.
                    at_risk_notified_at=None if responded else due,
                    breached_notified_at=None if responded else due,
                    queue_due_at=due if is_open and responded is None else None,
                    created_at=created,
                )
            )
        Ticket.objects.bulk_create(rows, batch_size=BATCH)
    print(f"loaded {count:,} tickets in {time.perf_counter() - started:.1f} s", flush=True)


# --- the load generator: wrk (C, from Debian's packages), so the client takes little of the 2 cores --------

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local counts, parts = {}, {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do counts[code] = (counts[code] or 0) + n end
  end
  for code, n in pairs(counts) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "mean": %f, '
    .. '"statuses": {%s}, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, table.concat(parts, ", "),
    e.connect + e.read + e.write + e.timeout))
end
"""


def _wrk(
    port: int,
    clients: int,
    seconds: float,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    expected: int,
) -> dict:
    """One phase: ``clients`` keep-alive connections for ``seconds``; latency percentiles from wrk."""
    request = [f"wrk.method = {json.dumps(method)}", f"wrk.body = {json.dumps(body.decode())}"]
    request += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(request) + WRK_SCRIPT)
    try:
        threads = max(1, min(2, clients))
        out = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(clients),
                "-d",
                f"{seconds:.0f}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next((line for line in out.splitlines() if line.startswith("WRK-RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    raw = json.loads(line.removeprefix("WRK-RESULT "))
    errors = {int(code): n for code, n in raw["statuses"].items() if int(code) != expected}
    if raw["socket_errors"]:
        errors[0] = raw["socket_errors"]
    answered = sum(n for code, n in raw["statuses"].items() if int(code) == expected)
    return {
        "requests": raw["requests"],
        "rps": answered / (raw["duration_us"] / 1e6),
        "p50": raw["p50"] / 1000,
        "p95": raw["p95"] / 1000,
        "p99": raw["p99"] / 1000,
        "mean": raw["mean"] / 1000,
        "errors": errors,
    }


def _queries_per_request(info: dict, body: bytes) -> dict[str, int]:
    """Statements per request through the same URLs, counted in this process (after a warm-up call)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    api = Client(HTTP_AUTHORIZATION=f"Bearer {info['customer_token']}")
    agent = Client()
    agent.cookies["sessionid"] = info["session"]
    calls = {
        "create": lambda: api.post("/api/v1/tickets", body, content_type="application/json"),
        "queue": lambda: agent.get("/workspace/"),
        "queue_api": lambda: api.get("/api/v1/tickets?status=open"),
    }
    counts = {}
    for name, call in calls.items():
        call()
        with CaptureQueriesContext(connection) as captured:
            status = call().status_code
        if status >= 400:
            raise SystemExit(f"{name}: HTTP {status} while counting queries")
        counts[name] = len(captured.captured_queries)
    return counts


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("uvicorn exited before it was ready")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("uvicorn did not become ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument(
        "--clients", type=int, default=50, help="concurrent clients for baseline and creation"
    )
    parser.add_argument("--queue-clients", type=int, default=2, help="concurrent agents loading the queue")
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if urlparse(database_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench only talks to a database on loopback")
    env = _prepare_environment(database_url)
    sys.path.insert(0, str(ROOT / "src"))
    _create_database(database_url)
    info = _setup(args.tickets)
    print(f"database: {info['tickets']:,} tickets ({info['open']:,} open)", flush=True)
    body = json.dumps(
        {
            "product": "galaxy",
            "category": "application_problem",
            "title": "压测：凭证保存失败",
            "description": "bench",
            "channel": "in_product",
        }
    ).encode()
    queries = _queries_per_request(info, body)
    load_before = _load()

    port = _free_port()
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
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        _wait_ready(port, server)
        token = {"Authorization": f"Bearer {info['customer_token']}"}
        json_headers = token | {"Content-Type": "application/json"}
        cookie = {"Cookie": f"sessionid={info['session']}"}

        healthz = ("GET", "/healthz", {}, b"", 200)
        create_request = ("POST", "/api/v1/tickets", json_headers, body, 201)
        queue_request = ("GET", "/workspace/", cookie, b"", 200)
        # Warm-up: each worker loads the catalog and builds the calendar on its first requests.
        _wrk(port, args.clients, 2, *healthz)
        _wrk(port, 4, 2, *queue_request)
        _wrk(port, 4, 2, *create_request)
        baseline = _wrk(port, args.clients, args.seconds, *healthz)
        create = _wrk(port, args.clients, args.seconds, *create_request)
        queue_bare = _wrk(port, args.queue_clients, args.seconds, *healthz)
        queue = _wrk(port, args.queue_clients, args.seconds, *queue_request)
        queue_api = _wrk(
            port, args.queue_clients, args.seconds, "GET", "/api/v1/tickets?status=open", token, b"", 200
        )
        load_after = _load()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    def row(name, r, clients):
        errors = f"  errors {r['errors']}" if r["errors"] else ""
        return (
            f"{name:<44} {clients:>3} clients {r['requests']:>7,} req {r['rps']:>8.0f} req/s "
            f"p50 {r['p50']:>7.1f} ms  p95 {r['p95']:>7.1f} ms  p99 {r['p99']:>7.1f} ms{errors}"
        )

    print()
    print(
        f"uvicorn 2 workers (uvloop, httptools, no access log), DEBUG off, PostgreSQL with the connection pool, "
        f"{info['tickets']:,} tickets before the run, {os.cpu_count()} CPUs, {args.seconds:.0f} s per phase"
    )
    print(
        "e-mail: each filing writes the two e-mails it owes to the outbox (notification rows) for the "
        "sweep job; no worker runs; no webhook endpoints are configured"
    )
    print(f"machine shared with other work: {load_before} before, {load_after} after the phases")
    print(
        f"queries per request: create {queries['create']}, queue page {queries['queue']}, "
        f"queue API {queries['queue_api']}"
    )
    print(row("baseline GET /healthz", baseline, args.clients))
    print(row("create POST /api/v1/tickets", create, args.clients))
    print(row("baseline GET /healthz", queue_bare, args.queue_clients))
    print(row("queue GET /workspace/ (HTML, 50 rows)", queue, args.queue_clients))
    print(row("queue GET /api/v1/tickets?status=open", queue_api, args.queue_clients))
    print()
    print(
        f"creation: {create['rps']:.0f} req/s = {create['rps'] / baseline['rps']:.2f} × baseline "
        f"(target ≥ 300 req/s: {'met' if create['rps'] >= 300 else 'NOT met'}); "
        f"p99 {create['p99']:.0f} ms vs {baseline['p99']:.0f} ms bare"
    )
    print(
        f"queue page: p95 {queue['p95']:.1f} ms vs {queue_bare['p95']:.1f} ms bare "
        f"(target ≤ 100 ms: {'met' if queue['p95'] <= 100 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
