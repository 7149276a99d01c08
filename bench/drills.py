"""Failure drills (issue 11): nothing lost, nothing twice, back within seconds.

    .venv/bin/python bench/drills.py [--only NAME ...] [--clients 4] [--keep]

The drill starts its own throwaway servers on private loopback ports, never the shared ones:
PostgreSQL (``initdb`` into a temporary folder, the newest ``/usr/lib/postgresql/*/bin``), Redis
(``redis-server --save "" --appendonly no``: a killed Redis comes back empty, the broker's worst
case), ``successhub serve --workers 2`` (uvicorn) and ``successhub worker --beat`` (Celery), in the
production shape (DEBUG off, the PostgreSQL connection pool, the cache and the broker on Redis,
Celery not eager). It also runs the far ends: an SMTP server and a webhook receiver, each answering
after a short delay so that a kill lands while a message is on the wire.

Customers file tickets through ``POST /api/v1/tickets`` from several client threads; a request that
gets no answer (connection reset, 5xx) is retried with the same ``Idempotency-Key`` until it is
acknowledged, as the API asks of its clients. Every filing owes two e-mails (the customer's
acknowledgement, the engineer's assignment) and one webhook (``ticket.created``).

Drills, each after the servers are back and the previous drill's messages are delivered:

- ``baseline``: no fault;
- ``web``: SIGKILL one of the two server workers during filing (uvicorn starts a new one);
- ``worker-email``: SIGKILL the Celery worker (its whole process group: pool, beat) during the
  e-mail sweep; restarted a second later, as a supervisor would;
- ``worker-webhook``: the same during webhook delivery;
- ``redis``: SIGKILL Redis during filing, 10 s down, restarted empty;
- ``postgres``: SIGKILL PostgreSQL (postmaster and backends) during filing; restarted at once
  (crash recovery replays the WAL).

Figures per drill: tickets the clients filed, acknowledged, in the database, lost (acknowledged but
missing), duplicated (one request, two tickets), failed requests (retried); e-mails and webhooks
owed (outbox rows) against received at the far end (distinct), lost, and redelivered (the same
message twice at the receiver: delivery is at least once, receivers drop repeats by
``X-SuccessHub-Delivery`` / ``Message-ID``); how long after the fault the service answered again
(``back``) and everything owed had arrived (``drained``). Targets: 0 lost, 0 duplicated tickets,
back within 10 s. The outbox lease is shortened to 5 s (``SUCCESSHUB_OUTBOX_LEASE_SECONDS``) so a
killed sender's messages are retried within the drill; the sweeps keep their own intervals
(e-mail every 5 s, webhooks every 30 s).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on the path, and bench/calendar.py would shadow the standard
# library's calendar (which Celery's dateutil imports).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
SUCCESSHUB = Path(sys.executable).parent / "successhub"
DRILLS = ("baseline", "web", "worker-email", "worker-webhook", "redis", "postgres")
REDIS_DOWN_SECONDS = 10
OUTBOX_LEASE_SECONDS = 5
DRAIN_TIMEOUT_SECONDS = 150


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1) -> float:
    """Poll ``predicate`` until true; return the seconds it took. Raise after ``timeout``."""
    started = time.monotonic()
    while True:
        try:
            if predicate():
                return time.monotonic() - started
        except Exception:  # noqa: BLE001 (a server that is not up yet raises all sorts)
            pass
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- the far ends: an SMTP server and a webhook receiver ----------------------------------------------


class Receiver:
    """What a far end received: each message's key with the times it arrived."""

    def __init__(self) -> None:
        self.delay = 0.0
        self._lock = threading.Lock()
        self._arrivals: list[tuple[float, str]] = []
        self._armed: int | None = None
        self.reached = threading.Event()

    def arm(self, nth: int) -> threading.Event:
        """Set the returned event when the ``nth`` message from now starts: the moment to kill the sender."""
        with self._lock:
            self._armed = nth
            self.reached.clear()
        return self.reached

    def starting(self) -> None:
        """A sender begins a message: count it toward the armed one, then keep it waiting ``delay``."""
        with self._lock:
            if self._armed is not None:
                self._armed -= 1
                if self._armed <= 0:
                    self._armed = None
                    self.reached.set()
        time.sleep(self.delay)

    def record(self, key: str) -> None:
        with self._lock:
            self._arrivals.append((time.monotonic(), key))

    def arrivals(self, since: float = 0.0) -> list[tuple[float, str]]:
        with self._lock:
            return [item for item in self._arrivals if item[0] >= since]

    def counts(self) -> Counter:
        with self._lock:
            return Counter(key for _, key in self._arrivals)


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: a message counts once the server answers 250 to its data."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        recipients: list[str] = []
        self._say("220 drill ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._say("250-drill")
                self._say("250 8BITMIME")
            elif verb in ("HELO", "MAIL", "RSET", "NOOP"):
                recipients = [] if verb in ("MAIL", "RSET") else recipients
                if verb == "MAIL":
                    receiver.starting()  # a kill now: the message was not accepted, the sender owes it
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>").lower())
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 go ahead")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                if not chunk:
                    return  # the sender died mid-message: nothing was accepted
                message = email.message_from_bytes(bytes(data), policy=email.policy.default)
                subject = str(message.get("Subject", "")).strip()
                for recipient in recipients:
                    receiver.record(f"{recipient}|{subject}")
                self._say("250 accepted")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


class ThreadingSmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        pass  # a killed sender's broken connection is the point of the drill


class QuietHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


class WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        # A kill now: the receiver has the event but the sender never hears 200, so it sends it again
        # (at least once; the receiver drops the repeat by X-SuccessHub-Delivery).
        receiver.starting()
        receiver.record(self.headers.get("X-SuccessHub-Delivery", "?"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def start_receivers() -> tuple[Receiver, int, Receiver, int]:
    mail, hooks = Receiver(), Receiver()
    smtp = ThreadingSmtpServer(("127.0.0.1", free_port()), SmtpHandler)
    smtp.receiver = mail  # type: ignore[attr-defined]
    web = QuietHttpServer(("127.0.0.1", free_port()), WebhookHandler)
    web.receiver = hooks  # type: ignore[attr-defined]
    for server in (smtp, web):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return mail, smtp.server_address[1], hooks, web.server_address[1]


# --- the servers under test ------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda path: int(re.search(r"/(\d+)/bin/", path).group(1)),
    )
    return Path(found[-1]).parent if found else None


class Cluster:
    """PostgreSQL, Redis, the web server and the worker, each in a process group of its own."""

    def __init__(self, workdir: Path, mail_port: int, hook_port: int) -> None:
        self.workdir = workdir
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.hook_port = hook_port
        self.pg_bin = postgres_bin()
        # initdb and postgres refuse to run as root: run them as the postgres user then.
        self.pg_user = "postgres" if os.geteuid() == 0 else None
        self.pg_data = workdir / "pg" / "data"
        self.processes: dict[str, subprocess.Popen] = {}
        self.database_url = f"postgres://postgres@127.0.0.1:{self.pg_port}/drills"
        self.env = dict(os.environ)
        self.env.update(
            DJANGO_SETTINGS_MODULE="successhub.settings",
            DATABASE_URL=self.database_url,
            DB_POOL="1",
            DB_CONN_MAX_AGE="0",
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            CELERY_TASK_ALWAYS_EAGER="false",
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(mail_port),
            SUCCESSHUB_WEBHOOK_TIMEOUT_SECONDS="2",
            SUCCESSHUB_OUTBOX_LEASE_SECONDS=str(OUTBOX_LEASE_SECONDS),
            SUCCESSHUB_VAR_DIR=str(workdir / "var"),
            MEDIA_ROOT=str(workdir / "var" / "media"),
            STATIC_ROOT=str(workdir / "static"),
            LOG_LEVEL="ERROR",
        )
        for name in ("PYTEST_VERSION", "PYTEST_XDIST_WORKER"):
            self.env.pop(name, None)

    def _start(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the process's life)
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.workdir, **kwargs
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the process and everything in its group (for PostgreSQL: postmaster and backends)."""
        process = self.processes[name]
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    # PostgreSQL
    def init_postgres(self) -> None:
        self.pg_data.parent.mkdir(parents=True)
        if self.pg_user:
            shutil.chown(self.pg_data.parent, self.pg_user, self.pg_user)
            os.chmod(self.workdir, 0o755)
        subprocess.run(
            [str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--no-locale", "--no-instructions"],
            check=True, stdout=subprocess.DEVNULL, user=self.pg_user, group=self.pg_user, cwd=self.pg_data.parent,
        )  # fmt: skip

    def start_postgres(self) -> None:
        self._start(
            "postgres",
            [str(self.pg_bin / "postgres"), "-D", str(self.pg_data), "-p", str(self.pg_port),
             "-k", str(self.pg_data.parent), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
             "-c", "shared_buffers=64MB"],
            user=self.pg_user, group=self.pg_user,
        )  # fmt: skip
        import psycopg

        admin = f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres"
        wait_for(lambda: psycopg.connect(admin, connect_timeout=2).close() or True, 60, "PostgreSQL")

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE drills")

    # Redis
    def start_redis(self) -> None:
        self._start(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
        )  # fmt: skip

        def pong() -> bool:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        wait_for(pong, 30, "Redis")

    # the web server (uvicorn, 2 workers) and the Celery worker with beat
    def start_web(self) -> None:
        self._start(
            "web",
            [str(SUCCESSHUB), "serve", "--host", "127.0.0.1", "--port", str(self.web_port), "--workers", "2",
             "--no-migrate"],
            env=self.env,
        )  # fmt: skip
        wait_for(lambda: self.get("/livez") == 200, 120, "the web server")

    def start_worker(self) -> None:
        log = self.workdir / "worker.log"
        mark = log.stat().st_size if log.exists() else 0
        self._start("worker", [str(SUCCESSHUB), "worker", "--beat", "--concurrency", "2"], env=self.env)
        wait_for(lambda: b" ready." in log.read_bytes()[mark:], 120, "the Celery worker")

    def web_workers(self) -> list[int]:
        """The uvicorn worker processes (children of the supervisor that serve requests)."""
        supervisor = self.processes["web"].pid
        found = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
                cmdline = Path(stat).with_name("cmdline").read_bytes()
            except OSError:
                continue
            if (
                int(fields[1]) == supervisor
                and b"spawn_main" in cmdline
                and b"resource_tracker" not in cmdline
            ):
                found.append(int(Path(stat).parent.name))
        return sorted(found)

    def get(self, path: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=5)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            return conn.getresponse().status
        finally:
            conn.close()

    def stop_all(self) -> None:
        for name in ("web", "worker", "redis", "postgres"):
            if name in self.processes and self.processes[name].poll() is None:
                self.kill(name)


# --- data ---------------------------------------------------------------------------------------------


def setup_data(cluster: Cluster) -> dict:
    """Migrate; a verified customer of an Advanced contract, two engineers, a webhook endpoint."""
    os.environ.update(cluster.env)
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from successhub.accounts.models import Organisation, Role, User
    from successhub.accounts.services import issue_api_token
    from successhub.contracts.models import Contract, Deployment, Product
    from successhub.notifications.models import WebhookEndpoint
    from successhub.tickets.models import EngineerSkill

    call_command("migrate", interactive=False, verbosity=0)
    today = timezone.localdate()
    org = Organisation.objects.create(code="drills", name="演练客户", region="mainland")
    galaxy = Product.objects.get(code="galaxy")
    Deployment.objects.create(organisation=org, product=galaxy, type="private_cloud_subscription")
    Contract.objects.create(
        number="DRILL-ADV",
        organisation=org,
        plan="advanced",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=300),
        amount=68000,
    )
    customer = User.objects.create(
        username="drill-customer",
        role=Role.CUSTOMER_USER,
        organisation=org,
        phone_verified_at=timezone.now(),
        email="customer@drill.invalid",
    )
    for n in range(2):
        engineer = User.objects.create(
            username=f"drill-engineer{n}",
            role=Role.SUPPORT_ENGINEER,
            is_staff=True,
            email=f"engineer{n}@drill.invalid",
        )
        EngineerSkill.objects.create(engineer=engineer, product=galaxy)
    WebhookEndpoint.objects.create(
        name="drill", url=f"http://127.0.0.1:{cluster.hook_port}/hook", events=["*"]
    )
    return {"token": issue_api_token(customer, "drills")}


# --- the customers: filing with retries under one Idempotency-Key ----------------------------------------


@dataclass
class Filing:
    title: str
    key: str
    acked: bool = False
    attempts: int = 0


@dataclass
class Filer:
    """Client threads filing tickets until stopped; each ticket is retried until it is acknowledged."""

    port: int
    token: str
    prefix: str
    clients: int
    pace: float  # seconds each client waits between tickets
    filings: list[Filing] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)
    # Retries answered 200: the lost attempt had filed the ticket (without the key: a duplicate).
    repeats: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.clients)
        ]

    def start(self) -> Filer:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 120) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    @property
    def acked(self) -> int:
        return sum(1 for filing in self.filings if filing.acked)

    def _run(self, client: int) -> None:
        n = 0
        while not self._stop.is_set():
            filing = Filing(f"{self.prefix}-{client}-{n}", uuid.uuid4().hex)
            with self._lock:
                self.filings.append(filing)
            self._file(filing)
            n += 1
            self._stop.wait(self.pace)

    def _file(self, filing: Filing) -> None:
        body = json.dumps(
            {
                "product": "galaxy",
                "category": "application_problem",
                "title": filing.title,
                "description": "故障演练工单",
                "channel": "in_product",
            }
        )
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
            "Idempotency-Key": filing.key,
        }
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            filing.attempts += 1
            outcome = self._attempt(body, headers)
            now = time.monotonic()
            if outcome in (200, 201):
                filing.acked = True
                with self._lock:
                    self.successes.append(now)
                    self.repeats += outcome == 200
                return
            with self._lock:
                self.failures.append((now, str(outcome)))
            if isinstance(outcome, int) and outcome < 500 and outcome not in (408, 429):
                self.refusals[outcome] += 1
                return
            time.sleep(0.2)

    def _attempt(self, body: str, headers: dict) -> int | str:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request("POST", "/api/v1/tickets", body=body.encode(), headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException) as exc:
            return type(exc).__name__
        finally:
            conn.close()


# --- counting --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    fault: str
    filed: int = 0
    acked: int = 0
    in_db: int = 0
    lost: int = 0
    duplicated: int = 0
    failed_requests: int = 0
    answers_lost_after_commit: int = 0
    emails_resent: int = 0
    hooks_resent: int = 0
    emails_owed: int = 0
    emails_received: int = 0
    emails_redelivered: int = 0
    hooks_owed: int = 0
    hooks_received: int = 0
    hooks_redelivered: int = 0
    back_seconds: float | None = None
    drained_seconds: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def emails_lost(self) -> int:
        return self.emails_owed - self.emails_received

    @property
    def hooks_lost(self) -> int:
        return self.hooks_owed - self.hooks_received


class Ledger:
    """The outbox rows a drill owes, read from the database, against what the far ends received."""

    def __init__(self, mail: Receiver, hooks: Receiver) -> None:
        self.mail, self.hooks = mail, hooks

    def marks(self) -> tuple[int, int]:
        from django.db import connections
        from django.db.models import Max

        from successhub.notifications.models import Notification, WebhookDelivery

        connections.close_all()
        return (
            Notification.objects.aggregate(m=Max("pk"))["m"] or 0,
            WebhookDelivery.objects.aggregate(m=Max("pk"))["m"] or 0,
        )

    def owed(self, marks: tuple[int, int]) -> tuple[set[str], set[str]]:
        from django.db import connections

        from successhub.notifications.email.transport import subject_line
        from successhub.notifications.models import Notification, WebhookDelivery

        connections.close_all()
        emails = {
            f"{address.lower()}|{subject_line('[SuccessHub] ' + title)}"
            for address, title in Notification.objects.filter(pk__gt=marks[0], email_wanted=True).values_list(
                "recipient__email", "title"
            )
        }
        hooks = {
            str(pk) for pk in WebhookDelivery.objects.filter(pk__gt=marks[1]).values_list("pk", flat=True)
        }
        return emails, hooks

    def resent(self, marks: tuple[int, int]) -> tuple[int, int]:
        """Messages whose first attempt never finished (its sender died): attempted more than once."""
        from successhub.notifications.models import Notification, WebhookDelivery

        return (
            Notification.objects.filter(pk__gt=marks[0], email_attempts__gt=1).count(),
            WebhookDelivery.objects.filter(pk__gt=marks[1], attempts__gt=1).count(),
        )

    def drain(self, marks: tuple[int, int], timeout: float = DRAIN_TIMEOUT_SECONDS) -> float | None:
        """Wait until the far ends hold every message owed since ``marks``; the monotonic time it happened."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                emails, hooks = self.owed(marks)
            except Exception:  # noqa: BLE001 (PostgreSQL may still be recovering)
                time.sleep(0.5)
                continue
            mail, hook = self.mail.counts(), self.hooks.counts()
            if all(key in mail for key in emails) and all(key in hook for key in hooks):
                arrivals = [t for t, k in self.mail.arrivals() if k in emails]
                arrivals += [t for t, k in self.hooks.arrivals() if k in hooks]
                return max(arrivals, default=time.monotonic())
            time.sleep(0.5)
        return None

    def count(self, outcome: Outcome, filer: Filer, marks: tuple[int, int]) -> None:
        from django.db import connections
        from django.db.models import Count

        from successhub.tickets.models import Ticket

        connections.close_all()
        titles = dict(
            Ticket.objects.filter(title__startswith=filer.prefix + "-")
            .values_list("title")
            .annotate(n=Count("pk"))
            .values_list("title", "n")
        )
        outcome.filed = len(filer.filings)
        outcome.acked = filer.acked
        outcome.in_db = len(titles)
        outcome.lost = sum(1 for filing in filer.filings if filing.acked and filing.title not in titles)
        outcome.duplicated = sum(n - 1 for n in titles.values())
        outcome.failed_requests = len(filer.failures)
        outcome.answers_lost_after_commit = filer.repeats
        if filer.refusals:
            outcome.notes.append(f"refused: {dict(filer.refusals)}")
        emails, hooks = self.owed(marks)
        mail, hook = self.mail.counts(), self.hooks.counts()
        outcome.emails_owed, outcome.hooks_owed = len(emails), len(hooks)
        outcome.emails_received = sum(1 for key in emails if key in mail)
        outcome.hooks_received = sum(1 for key in hooks if key in hook)
        outcome.emails_redelivered = sum(mail[key] - 1 for key in emails if mail[key] > 1)
        outcome.emails_resent, outcome.hooks_resent = self.resent(marks)
        if outcome.emails_resent or outcome.hooks_resent:
            outcome.notes.append(
                f"sent again after the lease: {outcome.emails_resent} e-mails, {outcome.hooks_resent} webhooks"
            )
        outcome.hooks_redelivered = sum(hook[key] - 1 for key in hooks if hook[key] > 1)


def back_after(filer: Filer, fault_at: float) -> float:
    """Seconds from the fault to the first acknowledged filing after the last failed request (0: none failed)."""
    late_failures = [t for t, _ in filer.failures if t >= fault_at]
    if not late_failures:
        return 0.0
    last = max(late_failures)
    after = [t for t in filer.successes if t > last]
    return (min(after) if after else last) - fault_at


# --- the drills -------------------------------------------------------------------------------------


class Drills:
    def __init__(self, cluster: Cluster, token: str, mail: Receiver, hooks: Receiver, clients: int) -> None:
        self.cluster, self.token, self.clients = cluster, token, clients
        self.mail, self.hooks = mail, hooks
        self.ledger = Ledger(mail, hooks)

    def _filer(self, name: str, clients: int | None = None, pace: float = 0.3) -> Filer:
        return Filer(self.cluster.web_port, self.token, f"drill-{name}", clients or self.clients, pace)

    def _until_acked(self, filer: Filer, count: int, timeout: float = 60) -> None:
        wait_for(lambda: filer.acked >= count, timeout, f"{count} acknowledged filings", interval=0.02)

    def _finish(self, outcome: Outcome, filer: Filer, marks, fault_at: float | None) -> Outcome:
        filer.stop()
        drained_at = self.ledger.drain(marks)
        self.ledger.count(outcome, filer, marks)
        if fault_at is not None:
            outcome.drained_seconds = None if drained_at is None else max(0.0, drained_at - fault_at)
        else:
            outcome.drained_seconds = None if drained_at is None else 0.0
        if drained_at is None:
            outcome.notes.append(f"not everything owed arrived within {DRAIN_TIMEOUT_SECONDS} s")
        return outcome

    def baseline(self) -> Outcome:
        outcome = Outcome("baseline", "none")
        marks = self.ledger.marks()
        filer = self._filer("baseline").start()
        self._until_acked(filer, 30)
        started = time.monotonic()
        result = self._finish(outcome, filer, marks, started)
        result.back_seconds = 0.0
        return result

    def web(self) -> Outcome:
        outcome = Outcome("web", "SIGKILL 1 of 2 server workers during filing")
        marks = self.ledger.marks()
        filer = self._filer("web", clients=self.clients * 2, pace=0.0).start()
        self._until_acked(filer, 20)
        victims = self.cluster.web_workers()
        fault_at = time.monotonic()
        os.kill(victims[0], signal.SIGKILL)
        self._until_acked(filer, filer.acked + 40)
        wait_for(lambda: len(self.cluster.web_workers()) == 2, 30, "uvicorn to replace the worker")
        outcome.notes.append(f"uvicorn replaced the worker after {time.monotonic() - fault_at:.1f} s")
        outcome.back_seconds = back_after(filer, fault_at)
        return self._finish(outcome, filer, marks, fault_at)

    def _kill_worker_during(self, name: str, receiver: Receiver, fault: str) -> Outcome:
        outcome = Outcome(name, fault)
        marks = self.ledger.marks()
        receiver.delay = 0.3  # each message takes a while: the kill lands mid-delivery
        filer = self._filer(name, pace=0.0).start()
        self._until_acked(filer, 24)
        filer.stop()
        if not receiver.arm(5).wait(60):
            raise RuntimeError(f"{name}: deliveries did not start")
        fault_at = time.monotonic()
        self.cluster.kill("worker")
        time.sleep(1)  # a supervisor's restart delay
        receiver.delay = 0.0
        restarting = time.monotonic()
        self.cluster.start_worker()
        outcome.notes.append(f"the restarted worker was ready in {time.monotonic() - restarting:.1f} s")
        wait_for(
            lambda: len(self.mail.arrivals(restarting)) + len(self.hooks.arrivals(restarting)) > 0,
            DRAIN_TIMEOUT_SECONDS,
            "the first delivery after the restart",
            interval=0.02,
        )
        outcome.back_seconds = time.monotonic() - fault_at
        return self._finish(outcome, filer, marks, fault_at)

    def worker_email(self) -> Outcome:
        return self._kill_worker_during(
            "worker-email", self.mail, "SIGKILL the Celery worker (pool, beat) during the e-mail sweep"
        )

    def worker_webhook(self) -> Outcome:
        return self._kill_worker_during(
            "worker-webhook", self.hooks, "SIGKILL the Celery worker (pool, beat) during webhook delivery"
        )

    def redis(self) -> Outcome:
        outcome = Outcome("redis", f"SIGKILL Redis during filing, {REDIS_DOWN_SECONDS} s down, back empty")
        marks = self.ledger.marks()
        filer = self._filer("redis").start()
        self._until_acked(filer, 10)
        fault_at = time.monotonic()
        self.cluster.kill("redis")
        acked_before = filer.acked
        time.sleep(REDIS_DOWN_SECONDS)
        during = filer.acked - acked_before
        failed_during = sum(1 for t, _ in filer.failures if t >= fault_at)
        self.cluster.start_redis()
        back_at = time.monotonic()
        self._until_acked(filer, filer.acked + 15)
        outcome.notes.append(
            f"while Redis was down: {during} filings acknowledged, {failed_during} requests failed"
        )
        outcome.back_seconds = max(0.0, fault_at + back_after(filer, fault_at) - back_at)
        outcome.notes.append("back: counted from Redis's return")
        return self._finish(outcome, filer, marks, fault_at)

    def postgres(self) -> Outcome:
        outcome = Outcome("postgres", "SIGKILL PostgreSQL (all processes) during filing, restarted at once")
        marks = self.ledger.marks()
        filer = self._filer("postgres", clients=self.clients * 2, pace=0.0).start()
        self._until_acked(filer, 20)
        fault_at = time.monotonic()
        self.cluster.kill("postgres")
        self.cluster.start_postgres()
        outcome.notes.append(
            f"PostgreSQL accepted connections {time.monotonic() - fault_at:.1f} s after the kill"
        )
        self._until_acked(filer, filer.acked + 30, timeout=120)
        outcome.back_seconds = back_after(filer, fault_at)
        return self._finish(outcome, filer, marks, fault_at)


# --- the report --------------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


COLUMNS = (
    # (heading, width, the cell's text)
    ("drill", -15, lambda o: o.name),
    ("filed", 5, lambda o: o.filed),
    ("acked", 5, lambda o: o.acked),
    ("in DB", 5, lambda o: o.in_db),
    ("lost", 4, lambda o: o.lost),
    ("dup", 4, lambda o: o.duplicated),
    ("failed req", 10, lambda o: o.failed_requests),
    ("replayed", 8, lambda o: o.answers_lost_after_commit),
    ("e-mails recv/owed", 17, lambda o: f"{o.emails_received}/{o.emails_owed}"),
    ("lost", 4, lambda o: o.emails_lost),
    ("redeliv", 7, lambda o: o.emails_redelivered),
    ("webhooks recv/owed", 18, lambda o: f"{o.hooks_received}/{o.hooks_owed}"),
    ("lost", 4, lambda o: o.hooks_lost),
    ("redeliv", 7, lambda o: o.hooks_redelivered),
    ("back s", 6, lambda o: _seconds(o.back_seconds)),
    ("drained s", 9, lambda o: _seconds(o.drained_seconds)),
)


def _row(cells) -> str:
    return " ".join(f"{cell!s:<{-width}}" if width < 0 else f"{cell!s:>{width}}" for cell, width in cells)


def print_table(outcomes: list[Outcome]) -> None:
    header = _row((heading, width) for heading, width, _ in COLUMNS)
    print()
    print(header)
    print("-" * len(header))
    for o in outcomes:
        print(_row((cell(o), width) for _, width, cell in COLUMNS))
    print()
    for o in outcomes:
        print(f"{o.name}: {o.fault}" + "".join(f"; {note}" for note in o.notes))
    tickets_ok = all(o.lost == 0 and o.duplicated == 0 and o.in_db == o.filed for o in outcomes)
    messages_ok = all(o.emails_lost == 0 and o.hooks_lost == 0 for o in outcomes)
    back_ok = all(o.back_seconds is not None and o.back_seconds <= 10 for o in outcomes)
    total = sum(o.filed for o in outcomes)
    print()
    print(
        f"tickets: {sum(o.in_db for o in outcomes)} of {total} filed exactly once "
        f"({sum(o.lost for o in outcomes)} lost, {sum(o.duplicated for o in outcomes)} duplicated); "
        f"e-mails: {sum(o.emails_received for o in outcomes)} of {sum(o.emails_owed for o in outcomes)} owed arrived "
        f"({sum(o.emails_redelivered for o in outcomes)} redelivered); "
        f"webhooks: {sum(o.hooks_received for o in outcomes)} of {sum(o.hooks_owed for o in outcomes)} "
        f"({sum(o.hooks_redelivered for o in outcomes)} redelivered)"
    )
    print(
        "targets: 0 lost, 0 duplicated tickets "
        f"{'met' if tickets_ok else 'MISSED'}; every message owed arrived {'yes' if messages_ok else 'NO'}; "
        f"back within 10 s {'yes' if back_ok else 'NO'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", nargs="*", choices=DRILLS, help="run only these drills (baseline always runs)"
    )
    parser.add_argument("--clients", type=int, default=3, help="client threads filing tickets (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, data)")
    args = parser.parse_args()
    chosen = ["baseline", *[name for name in DRILLS[1:] if not args.only or name in args.only]]
    if shutil.which("redis-server") is None or postgres_bin() is None:
        print("the drills need redis-server and PostgreSQL's binaries (/usr/lib/postgresql/*/bin): not run")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="successhub-drills-"))
    mail, mail_port, hooks, hook_port = start_receivers()
    cluster = Cluster(workdir, mail_port, hook_port)
    outcomes: list[Outcome] = []
    try:
        started = time.monotonic()
        cluster.init_postgres()
        cluster.start_postgres()
        cluster.create_database()
        cluster.start_redis()
        token = setup_data(cluster)["token"]
        cluster.start_web()
        cold = time.monotonic()
        cluster.start_worker()
        cold = time.monotonic() - cold
        print(
            f"PostgreSQL :{cluster.pg_port} ({cluster.pg_bin.parent.name}), Redis :{cluster.redis_port}, "
            f"web :{cluster.web_port}, in {workdir}; ready in {time.monotonic() - started:.0f} s "
            f"(the worker's cold start: {cold:.1f} s); "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        drills = Drills(cluster, token, mail, hooks, args.clients)
        for name in chosen:
            began = time.monotonic()
            outcome = getattr(drills, name.replace("-", "_"))()
            outcomes.append(outcome)
            print(
                f"{name}: done in {time.monotonic() - began:.0f} s (load average {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    finally:
        cluster.stop_all()
        if outcomes:
            print_table(outcomes)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
