"""IM chat benchmark: 1,000 concurrent WebSocket clients (500 customer/engineer pairs) against
uvicorn serving the project's ASGI application, beside a bare Channels echo consumer in the same run.

    .venv/bin/python bench/chat.py [--pairs 500] [--rate 200] [--seconds 15] [--redis]

Creates (and migrates) the database named by DATABASE_URL (default
``postgres://postgres@127.0.0.1:5432/successhub_chat_bench``, its own), 500 customers of one Advanced
organisation, 50 engineers (10 chats each) and 500 active chats, then starts one uvicorn worker
(``--loop uvloop``, DEBUG off, the PostgreSQL pool; the in-memory channel layer, or the Redis layer
with ``--redis``, which several workers need) with the echo socket mounted, and measures:

- memory per idle connection: the server's resident memory before and after 1,000 authenticated chat
  sockets are open and idle, divided by 1,000;
- the baseline: 1,000 sockets on ``/ws/echo/`` (a bare ``AsyncWebsocketConsumer`` that sends each
  frame back; same server, same middleware, no database), frames at the stated rate, round trip =
  send to echo;
- the chat: at the stated rate of stored messages, half sent by customers and half the engineers'
  immediate replies; round trip = a customer sends, its engineer's socket receives the stored message,
  the engineer replies, the customer's socket receives the reply (two messages stored and numbered,
  each saved before it is sent on).

The load generator is Python (asyncio, ``websockets``) in this process, on the same 2 cores as the
server and PostgreSQL; the machine is shared with other work, so compare the chat with the baseline
measured in the same run. Target: p99 ≤ 100 ms at 200 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/successhub_chat_bench"
REDIS_LAYER_URL = "redis://127.0.0.1:6379/3"


def _create_database(database_url: str) -> None:
    import psycopg

    parts = urlparse(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _setup(pairs: int) -> list[dict]:
    """Migrate; create the organisation, customers, engineers and one active chat per pair (each run
    starts from empty chats); return each pair's session id and both session cookies."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone

    from successhub.accounts.models import Organisation, Role, User
    from successhub.chat.models import AgentStatus, ChatMessage, ChatSession, Presence, SessionStatus
    from successhub.contracts.models import Contract, Deployment, Product

    call_command("migrate", verbosity=0)
    org, _ = Organisation.objects.get_or_create(code="chat-bench", defaults={"name": "压测客户"})
    if not Contract.objects.filter(organisation=org).exists():
        Deployment.objects.create(
            organisation=org, product=Product.objects.get(code="galaxy"), type="public_cloud"
        )
        today = timezone.localdate()
        Contract.objects.create(
            organisation=org,
            number="BENCH-CHAT",
            plan="advanced",
            start=today - dt.timedelta(days=30),
            end=today + dt.timedelta(days=335),
            amount=68000,
        )
    now = timezone.now()

    def users(prefix: str, count: int, **fields) -> list:
        existing = {u.username: u for u in User.objects.filter(username__startswith=prefix)}
        missing = [
            User(username=f"{prefix}{i}", phone_verified_at=now, **fields)
            for i in range(count)
            if f"{prefix}{i}" not in existing
        ]
        for user in missing:
            user.set_unusable_password()
        User.objects.bulk_create(missing)
        return list(User.objects.filter(username__startswith=prefix).order_by("id"))[:count]

    customers = users("bench-customer-", pairs, role=Role.CUSTOMER_USER, organisation=org)
    agents = users("bench-agent-", max(1, pairs // 10), role=Role.SUPPORT_ENGINEER, is_staff=True)
    for agent in agents:
        AgentStatus.objects.update_or_create(
            agent=agent, defaults={"presence": Presence.ONLINE, "max_concurrent": 20}
        )
    ChatMessage.objects.filter(session__organisation=org).delete()
    ChatSession.objects.filter(organisation=org).delete()
    Session.objects.all().delete()
    backend = settings.AUTHENTICATION_BACKENDS[-1]

    def cookie(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    result = []
    for index, customer in enumerate(customers):
        agent = agents[index % len(agents)]
        session = ChatSession.objects.create(
            customer=customer,
            organisation=org,
            product="galaxy",
            status=SessionStatus.ACTIVE,
            agent=agent,
            accepted_at=now,
        )
        result.append({"session": session.pk, "customer": cookie(customer), "agent": cookie(agent)})
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


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


def _percentiles(samples: list[float]) -> dict:
    if not samples:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
    }


async def _open(url: str, cookie: str | None, origin: str):
    import websockets

    headers = {"Origin": origin}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    return await websockets.connect(
        url, additional_headers=headers, max_size=2**20, open_timeout=60, ping_interval=None
    )


async def _connect_all(base: str, pairs: list[dict], path_for, origin: str, concurrency: int = 50) -> list:
    gate = asyncio.Semaphore(concurrency)

    async def one(cookie, path):
        async with gate:
            ws = await _open(base + path, cookie, origin)
            if "/ws/chat/" in path:
                await ws.recv()  # the state frame sent on connect
            return ws

    tasks = []
    for pair in pairs:
        for role in ("customer", "agent"):
            tasks.append(one(pair[role], path_for(pair)))
    return await asyncio.gather(*tasks)


async def _echo_phase(base: str, origin: str, clients: int, rate: float, seconds: float) -> dict:
    sockets = await _connect_all(
        base, [{"customer": None, "agent": None}] * (clients // 2), lambda pair: "/ws/echo/", origin
    )
    samples: list[float] = []

    async def reader(ws):
        async for frame in ws:
            sent = json.loads(frame)["t"]
            samples.append((time.perf_counter() - sent) * 1000)

    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    await _paced(
        rate,
        seconds,
        lambda: random.choice(sockets).send(json.dumps({"t": time.perf_counter(), "body": "x" * 40})),
    )
    await asyncio.sleep(1.0)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return _percentiles(samples)


async def _paced(rate: float, seconds: float, send) -> int:
    interval = 1.0 / rate
    start = time.perf_counter()
    sent = 0
    while time.perf_counter() - start < seconds:
        target = start + sent * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        asyncio.ensure_future(send())
        sent += 1
    return sent


async def _chat_phase(
    base: str, origin: str, pairs: list[dict], rate: float, seconds: float, server_pid: int
) -> dict:
    rss_before = _rss_kib(server_pid)
    sockets = await _connect_all(base, pairs, lambda pair: f"/ws/chat/{pair['session']}/", origin)
    await asyncio.sleep(3)
    rss_after = _rss_kib(server_pid)
    customers = sockets[0::2]
    agents = sockets[1::2]
    round_trips: list[float] = []
    delivered: list[float] = []
    started: dict[str, float] = {}
    errors = {"n": 0}

    async def agent_reader(ws):
        async for frame in ws:
            data = json.loads(frame)
            if data.get("type") != "message":
                errors["n"] += data.get("type") == "error"
                continue
            message = data["message"]
            cid = message["client_id"]
            if message["sender"] == "customer" and cid in started:
                delivered.append((time.perf_counter() - started[cid]) * 1000)
                await ws.send(
                    json.dumps({"type": "message", "body": "收到，请稍等。", "client_id": "r" + cid})
                )

    async def customer_reader(ws):
        async for frame in ws:
            data = json.loads(frame)
            if data.get("type") == "error":
                errors["n"] += 1
            if data.get("type") != "message":
                continue
            message = data["message"]
            cid = message["client_id"]
            if message["sender"] == "agent" and cid.startswith("r") and cid[1:] in started:
                round_trips.append((time.perf_counter() - started.pop(cid[1:])) * 1000)

    readers = [asyncio.create_task(agent_reader(ws)) for ws in agents]
    readers += [asyncio.create_task(customer_reader(ws)) for ws in customers]
    counter = {"n": 0}

    async def send_one():
        counter["n"] += 1
        cid = f"b{counter['n']}-{random.randrange(1 << 30)}"
        ws = random.choice(customers)
        started[cid] = time.perf_counter()
        await ws.send(
            json.dumps({"type": "message", "body": "你好，凭证保存时报错，请帮忙看看。", "client_id": cid})
        )

    # Each round trip stores two messages: customers send at half the stated message rate.
    sent = await _paced(rate / 2, seconds, send_one)
    deadline = time.perf_counter() + 10
    while started and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "round_trip": _percentiles(round_trips),
        "delivery": _percentiles(delivered),
        "sent": sent,
        "lost": len(started),
        "errors": errors["n"],
        "rss_before": rss_before,
        "rss_after": rss_after,
        "connections": len(sockets),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=500, help="customer/engineer pairs (2 sockets each)")
    parser.add_argument("--rate", type=float, default=200.0, help="stored messages per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each measured phase")
    parser.add_argument("--redis", action="store_true", help="the Redis channel layer instead of in-memory")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if urlparse(database_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench only talks to a database on loopback")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="successhub.settings",
        DEBUG="false",
        DB_POOL="1",
        CHAT_ECHO_ENDPOINT="1",
        SUCCESSHUB_EMBEDDED_SCHEDULER_SECONDS="0",
        SUCCESSHUB_VAR_DIR=str(ROOT / "var" / "bench-chat"),
        LOG_LEVEL="ERROR",
    )
    env.pop("REDIS_URL", None)
    if args.redis:
        env["REDIS_URL"] = REDIS_LAYER_URL
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SUCCESSHUB_VAR_DIR")})
    sys.path.insert(0, str(ROOT / "src"))
    _create_database(database_url)
    pairs = _setup(args.pairs)
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "successhub.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--ws",
            "websockets-sansio",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    base, origin = f"ws://127.0.0.1:{port}", f"http://127.0.0.1:{port}"
    try:
        _wait_ready(port, server)
        clients = args.pairs * 2
        asyncio.run(_echo_phase(base, origin, 20, 20, 1.0))  # warm-up
        echo = asyncio.run(_echo_phase(base, origin, clients, args.rate, args.seconds))
        chat = asyncio.run(_chat_phase(base, origin, pairs, args.rate, args.seconds, server.pid))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    per_connection = (chat["rss_after"] - chat["rss_before"]) / max(chat["connections"], 1)
    layer = "Redis" if args.redis else "in-memory"
    print(
        f"bench/chat.py — one uvicorn worker, {layer} channel layer, PostgreSQL; shared 2-core machine "
        f"(other work running: compare with the baseline measured in this run)"
    )
    print(f"connections: {clients} WebSocket clients ({args.pairs} customer/engineer pairs)")
    print(
        f"memory per idle chat connection: {per_connection:.1f} KiB "
        f"(server RSS {chat['rss_before'] / 1024:.0f} -> {chat['rss_after'] / 1024:.0f} MiB)"
    )
    e, rt, d = echo, chat["round_trip"], chat["delivery"]
    print(
        f"baseline echo  {args.rate:.0f} frames/s   round trip  n={e['n']:>5}  p50 {e['p50']:6.1f} ms  "
        f"p99 {e['p99']:6.1f} ms  max {e['max']:6.1f} ms"
    )
    print(
        f"chat           {args.rate:.0f} messages/s delivery    n={d['n']:>5}  p50 {d['p50']:6.1f} ms  "
        f"p99 {d['p99']:6.1f} ms  max {d['max']:6.1f} ms   (customer -> engineer, stored then sent)"
    )
    print(
        f"chat           {args.rate:.0f} messages/s round trip  n={rt['n']:>5}  p50 {rt['p50']:6.1f} ms  "
        f"p99 {rt['p99']:6.1f} ms  max {rt['max']:6.1f} ms   (customer -> engineer -> customer)"
    )
    print(
        f"sent {chat['sent']} round trips, unanswered {chat['lost']}, error frames {chat['errors']}; "
        f"target p99 <= 100 ms at 200 messages/s: {'met' if rt['p99'] <= 100 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
