"""Notification benchmark: one SLA warning fanned out to 1,000 dedicated IM groups through the robot
outbox and the tools' transports, against loopback stand-ins of 云之家, 企业微信 and 钉钉, beside a
baseline measured in the same run.

    .venv/bin/python bench/notify.py [--groups 1000] [--workers 2] [--kills 2]

The stand-ins (``successhub/integrations/<tool>/standin.py``) listen on 127.0.0.1 only and check each
request as the real service does: the Yunzhijia ``yzjtoken``, the WeCom webhook ``key``, DingTalk's
``timestamp`` and ``sign`` (base64 HMAC-SHA256 of ``timestamp + "\\n" + secret``, within an hour), the
body format and the content limits; a message they refuse is not counted. The groups are spread over
the three tools in turn (DingTalk robots with 加签 on).

Database: DATABASE_URL (default ``postgres://postgres@127.0.0.1:5432/successhub_notify_bench``, its
own, created and migrated; loopback only). Each run deletes and recreates its organisations.

Phases, each timed from the stand-ins' side (first message accepted to last):

1. baseline: the same texts prepared and signed by the same transports and POSTed to the same
   stand-ins by ``--workers`` sender processes, with no database and no outbox;
2. fan-out: the SLA warning written for 1,000 groups (``robots.tell_group`` per organisation, the
   preference read and the dedupe key, one transaction);
3. delivery: ``--workers`` × ``successhub im deliver`` processes drain the outbox;
4. kill -9: a second warning fanned out; the workers are killed with SIGKILL ``--kills`` times while
   delivering and started again until the outbox is empty. Per group, the copies the stand-in
   accepted: exactly once is the goal; a message whose sender died while its request was out is in
   doubt and waits on the dead-letter list (never posted twice by itself), and is reported.

The machine is shared (2 cores, other work running): compare the outbox with the baseline measured in
the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py: keep it off sys.path, or it would shadow the standard library's
# calendar module for everything imported below (email, http.cookiejar, Django ...).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

ROOT = _HERE.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/successhub_notify_bench"
TOOLS = ("yunzhijia", "wecom", "dingtalk")
KIND = "ticket.sla_at_risk"
PREFIX = "nb-"
LEASE_SECONDS = 8


def _create_database(database_url: str) -> None:
    import psycopg

    parts = urlparse(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _start_standins() -> dict:
    from successhub import integrations

    return {code: integrations.tool(code).standin().start() for code in TOOLS}


def _setup(groups: int, standins: dict) -> list[dict]:
    """Migrate; recreate ``groups`` organisations, each with a bound group robot on one of the
    stand-ins that wants SLA warnings; return what the baseline senders need."""
    from django.core.management import call_command
    from django.db import transaction

    from successhub.accounts.models import Organisation
    from successhub.integrations import secrets
    from successhub.notifications.models import GroupPreference, Robot, RobotMessage

    call_command("migrate", verbosity=0)
    RobotMessage.objects.filter(robot__organisation__code__startswith=PREFIX).delete()
    Robot.objects.filter(organisation__code__startswith=PREFIX).delete()
    Organisation.objects.filter(code__startswith=PREFIX).delete()
    plan = []
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            [Organisation(name=f"压测客户 {n:04d}", code=f"{PREFIX}{n:04d}") for n in range(groups)]
        )
        robots = []
        for n, org in enumerate(orgs):
            tool = TOOLS[n % len(TOOLS)]
            key = f"robot-{n:04d}"
            secret = f"SECbench-{n:04d}" if tool == "dingtalk" else ""
            url = standins[tool].add_robot(key, secret)
            robots.append(
                Robot(
                    name=f"{org.name} 专属群",
                    tool=tool,
                    organisation=org,
                    webhook_sealed=secrets.seal(url),
                    secret_sealed=secrets.seal(secret),
                )
            )
            plan.append({"tool": tool, "url": url, "secret": secret, "key": key})
        Robot.objects.bulk_create(robots)
        GroupPreference.objects.bulk_create(
            [GroupPreference(organisation=org, kind=KIND, wanted=True) for org in orgs]
        )
    return plan


def _accepted(standins: dict, marker: str) -> list:
    found = []
    for server in standins.values():
        with server.lock:
            found += [a for a in server.accepted if marker in a.text]
    return found


def _watch(standins: dict, marker: str, expected: int, timeout: float, until=None) -> tuple[float, float]:
    """Poll the stand-ins (5 ms) until ``expected`` messages with ``marker`` arrived (or ``until()``);
    return the times of the first and the last arrival seen."""
    first = last = None
    seen = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = len(_accepted(standins, marker))
        now = time.monotonic()
        if count and first is None:
            first = now
        if count > seen:
            seen, last = count, now
        if count >= expected or (until is not None and until()):
            break
        time.sleep(0.005)
    return first or time.monotonic(), last or time.monotonic()


def _env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="successhub.settings",
        DEBUG="false",
        CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_BROKER_URL="memory://",
        SUCCESSHUB_EMBEDDED_SCHEDULER_SECONDS="0",
        SUCCESSHUB_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
        SUCCESSHUB_WEBHOOK_TIMEOUT_SECONDS="2",
        SUCCESSHUB_VAR_DIR=str(ROOT / "var" / "bench-notify"),
        LOG_LEVEL="ERROR",
    )
    env.pop("REDIS_URL", None)
    return env


# --- phase 1: the baseline senders (no database, no outbox) -------------------------------------------


def _baseline_sender(path: str) -> int:
    """Child process: read [tool, url, secret, text] rows, wait for "go", send each once, report."""
    import django

    django.setup()
    from successhub import integrations
    from successhub.integrations import http

    rows = json.loads(Path(path).read_text())
    print("ready", flush=True)
    sys.stdin.readline()
    refused = 0
    for tool_code, url, secret, text in rows:
        tool = integrations.tool(tool_code)
        result = http.send(tool, tool.prepare(url, secret, text, (), int(time.time() * 1000)), 5.0)
        refused += not result.ok
    print(json.dumps({"sent": len(rows), "refused": refused}), flush=True)
    return 0


def _baseline(plan: list[dict], standins: dict, workers: int, env: dict, text: str) -> dict:
    tmp = ROOT / "var" / "bench-notify"
    tmp.mkdir(parents=True, exist_ok=True)
    children = []
    for index in range(workers):
        share = [[p["tool"], p["url"], p["secret"], text] for p in plan[index::workers]]
        path = tmp / f"baseline-{index}.json"
        path.write_text(json.dumps(share, ensure_ascii=False))
        child = subprocess.Popen(
            [sys.executable, __file__, "--baseline-sender", str(path)],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        children.append(child)
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    first, last = _watch(standins, text, len(plan), timeout=300)
    refused = sum(json.loads(child.stdout.readline())["refused"] for child in children)
    for child in children:
        child.wait(timeout=30)
    return {"seconds": last - first, "accepted": len(_accepted(standins, text)), "refused": refused}


# --- phases 2-4: the outbox ------------------------------------------------------------------------------


def _fan_out(text: str, dedupe: str) -> tuple[float, int]:
    from django.db import transaction

    from successhub.accounts.models import Organisation
    from successhub.notifications import robots

    org_ids = list(
        Organisation.objects.filter(code__startswith=PREFIX).order_by("code").values_list("pk", flat=True)
    )
    started = time.perf_counter()
    written = 0
    with transaction.atomic():
        for org_id in org_ids:
            written += len(robots.tell_group(org_id, KIND, text, dedupe_key=f"{dedupe}:{org_id}"))
    return time.perf_counter() - started, written


def _start_workers(workers: int, env: dict) -> list[subprocess.Popen]:
    command = [
        str(Path(sys.executable).parent / "successhub"),
        "im",
        "deliver",
        "--until-empty",
        "--interval",
        "0.2",
    ]
    return [subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True) for _ in range(workers)]


def _outbox_empty() -> bool:
    from successhub.notifications.models import RobotMessage

    return not RobotMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True).exists()


def _delivery(groups: int, standins: dict, workers: int, env: dict, text: str) -> dict:
    procs = _start_workers(workers, env)
    first, last = _watch(standins, text, groups, timeout=600)
    for proc in procs:
        proc.wait(timeout=120)
    return {"seconds": last - first, "accepted": len(_accepted(standins, text))}


def _kill_phase(groups: int, standins: dict, workers: int, env: dict, text: str, kills: int) -> dict:
    from successhub.notifications.models import RobotMessage

    killed_at = []
    started = time.monotonic()
    for round_ in range(kills):
        procs = _start_workers(workers, env)
        target = groups * (round_ + 1) // (kills + 1)
        _watch(standins, text, target, timeout=600)
        for proc in procs:
            os.killpg(proc.pid, signal.SIGKILL)
        for proc in procs:
            proc.wait(timeout=30)
        killed_at.append(len(_accepted(standins, text)))
    procs = _start_workers(workers, env)  # restarted: waits out the dead workers' leases, then drains
    for proc in procs:
        proc.wait(timeout=600)
    total_seconds = time.monotonic() - started
    copies: dict[str, int] = {}
    for accepted in _accepted(standins, text):
        copies[accepted.robot] = copies.get(accepted.robot, 0) + 1
    rows = RobotMessage.objects.filter(text=text).select_related("robot")
    in_doubt = [row for row in rows if row.last_code == "in_doubt"]
    key_of = {row.pk: f"robot-{int(row.robot.organisation.code[len(PREFIX) :]):04d}" for row in rows}
    in_doubt_arrived = sum(1 for row in in_doubt if copies.get(key_of[row.pk], 0) == 1)
    in_doubt_keys = {key_of[row.pk] for row in in_doubt}
    return {
        "killed_at": killed_at,
        "seconds": total_seconds,
        "groups_once": sum(1 for n in copies.values() if n == 1),
        "groups_twice_or_more": sum(1 for n in copies.values() if n > 1),
        "groups_none": groups - len(copies),
        "lost": sum(
            1
            for key in (f"robot-{n:04d}" for n in range(groups))
            if key not in copies and key not in in_doubt_keys
        ),
        "in_doubt": len(in_doubt),
        "in_doubt_arrived": in_doubt_arrived,
        "delivered_rows": sum(1 for row in rows if row.delivered_at is not None),
        "rows": len(rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--baseline-sender", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.baseline_sender:
        return _baseline_sender(args.baseline_sender)

    database_url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not database_url.startswith("postgres") or urlparse(database_url).hostname not in {
        "127.0.0.1",
        "localhost",
    }:
        raise SystemExit("the bench needs PostgreSQL on loopback (DATABASE_URL=postgres://...@127.0.0.1/...)")
    env = _env(database_url)
    os.environ.update(env)
    _create_database(database_url)
    import django

    django.setup()
    standins = _start_standins()
    try:
        plan = _setup(args.groups, standins)
        run = f"{int(time.time())}"
        baseline = _baseline(plan, standins, args.workers, env, f"[baseline {run}] 工单 T-1 即将超时")
        warning = f"[warning {run}] 工单 T-2 即将超时：首次响应期限 10:30，请尽快处理。"
        fan_seconds, written = _fan_out(warning, f"bench:{run}:1")
        delivery = _delivery(args.groups, standins, args.workers, env, warning)
        second = f"[kill {run}] 工单 T-3 即将超时：首次响应期限 11:00，请尽快处理。"
        _fan_out(second, f"bench:{run}:2")
        killed = _kill_phase(args.groups, standins, args.workers, env, second, args.kills)
    finally:
        for server in standins.values():
            server.stop()

    load = os.getloadavg()
    refused = sum(len(server.refused) for server in standins.values())
    n = args.groups
    print(
        f"bench/notify.py — {n} groups over Yunzhijia/WeCom/DingTalk stand-ins on loopback, PostgreSQL, "
        f"{args.workers} sender processes; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on a shared "
        f"machine (compare with the baseline measured in this run)"
    )
    print(
        f"baseline (prepare + sign + POST, no outbox)  {baseline['accepted']:>5} accepted in "
        f"{baseline['seconds']:6.2f} s  {baseline['accepted'] / max(baseline['seconds'], 1e-9):8.0f} messages/s"
    )
    print(
        f"fan-out: one SLA warning written for {written} groups in {fan_seconds:.2f} s ({written / fan_seconds:.0f} rows/s)"
    )
    print(
        f"outbox delivery (claim, send, record)       {delivery['accepted']:>5} accepted in "
        f"{delivery['seconds']:6.2f} s  {delivery['accepted'] / max(delivery['seconds'], 1e-9):8.0f} messages/s"
    )
    print(
        f"kill -9 x{args.kills} (at {', '.join(map(str, killed['killed_at']))} accepted), restarted "
        f"(lease {LEASE_SECONDS} s): done in {killed['seconds']:.1f} s; groups with exactly one copy "
        f"{killed['groups_once']}/{n}, with two or more {killed['groups_twice_or_more']}, with none "
        f"{killed['groups_none']} (lost, not listed: {killed['lost']})"
    )
    print(
        f"in doubt (sender killed while the request was out; on the dead-letter list, not resent): "
        f"{killed['in_doubt']}, of which the stand-in had received {killed['in_doubt_arrived']}; "
        f"rows delivered {killed['delivered_rows']}/{killed['rows']}; stand-in refusals {refused}"
    )
    exactly_once = killed["groups_twice_or_more"] == 0 and killed["lost"] == 0
    print(f"sent exactly once (no duplicate, nothing lost unlisted): {'yes' if exactly_once else 'NO'}")
    return 0 if exactly_once and refused == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
