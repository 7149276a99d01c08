"""Package downloads: 20 concurrent downloads of a 1 GB package, through the embedded server (the
application streams the file) and the production path (nginx in front; the application checks, audits
and answers X-Accel-Redirect, nginx sends the bytes), against plain file copy of the same file in the
same run; and the application server's memory (RSS) while it serves, which must not grow with the size.

    .venv/bin/python bench/downloads.py [--size-mb 1024] [--clients 20] [--port 8140]

Everything big lives under /tmp (``--dir``), never in the repository. The production path needs nginx
(``make nginx``); without it only the embedded path is measured. The machine is shared with other work:
each figure comes with its baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def environment(work: Path, delivery: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        SUCCESSHUB_VAR_DIR=str(work / "var"),
        SUCCESSHUB_PACKAGE_ROOT=str(work / "packages"),
        SUCCESSHUB_DOWNLOAD_DELIVERY=delivery,
        SUCCESSHUB_EMBEDDED_SCHEDULER_SECONDS="0",
        DJANGO_SETTINGS_MODULE="successhub.settings",
        LOG_LEVEL="ERROR",
    )
    return env


SETUP = r"""
import datetime as dt, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from successhub.accounts.models import Organisation, Role, User
from successhub.contracts.models import Contract, Deployment, Product
from successhub.updates import delivery, services
from successhub.updates.models import Package, ProductVersion
galaxy = Product.objects.get(code="galaxy")
org, _ = Organisation.objects.get_or_create(code="bench", defaults={"name": "Bench 客户"})
Deployment.objects.get_or_create(organisation=org, product=galaxy, type="private_cloud", defaults={"version": "V9.1"})
Contract.objects.get_or_create(number="BENCH-1", defaults={"organisation": org, "plan": "advanced",
    "start": timezone.localdate() - dt.timedelta(days=10), "end": timezone.localdate() + dt.timedelta(days=300)})
user, _ = User.objects.get_or_create(username="bench-customer", defaults={"organisation": org,
    "phone_verified_at": timezone.now()})
admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.SERVICE_ADMIN})
ProductVersion.objects.get_or_create(product=galaxy, version="V9.1", defaults={"released_on": timezone.localdate()})
package = Package.objects.filter(title="bench package", status="published").first()
if package is None or package.size != int(sys.argv[2]):
    package = services.create_package(admin, product="galaxy", kind="installer", title="bench package",
                                      versions=["V9.1"])
    services.attach_path(admin, package, sys.argv[1])
    services.publish_package(admin, package)
print(delivery.signed_link(package, user))
print(package.sha256)
"""

COUNT = r"""
import django
django.setup()
from successhub.updates.models import Download
rows = Download.objects.filter(delivery=__import__("sys").argv[1])
print(rows.count(), sum(r.bytes_sent for r in rows))
"""


def make_file(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    block = os.urandom(1024 * 1024)
    with path.open("wb") as handle:
        for _ in range(size // len(block)):
            handle.write(block)
        handle.write(block[: size % len(block)])


def wait_for(port: int, path: str = "/accounts/login/", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
        )
        if done.stdout in {"200", "302"}:
            return
        time.sleep(0.3)
    raise SystemExit(f"the server on port {port} did not come up")


def tree_rss_kb(pid: int) -> int:
    """Resident memory of the process and its children (uvicorn may fork), from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
        pending += [int(c) for c in children]
    return total


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_rss_kb(self.pid))
            time.sleep(0.1)


def concurrent(commands: list[list[str]]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for c in commands
    ]
    outputs = [p.communicate()[0] for p in processes]
    return time.perf_counter() - started, outputs


def download_all(url: str, clients: int, size: int, server_pid: int) -> dict:
    before = tree_rss_kb(server_pid)
    sampler = Sampler(server_pid)
    sampler.start()
    seconds, outputs = concurrent(
        [
            ["curl", "-s", "-f", "-o", "/dev/null", "-w", "%{size_download} %{http_code}", url]
            for _ in range(clients)
        ]
    )
    sampler.stop.set()
    sampler.join()
    sizes = [int(o.split()[0]) if o.strip() else 0 for o in outputs]
    complete = sum(1 for s in sizes if s == size)
    return {
        "seconds": seconds,
        "complete": complete,
        "mb_s": clients * size / seconds / 1e6,
        "rss_before_mb": before / 1024,
        "rss_peak_mb": sampler.peak / 1024,
        "rss_after_mb": tree_rss_kb(server_pid) / 1024,
    }


def serve(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "successhub"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


NGINX_CONF = """
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        location /internal/packages/ {{ internal; alias {work}/packages/; }}
        location / {{ proxy_pass http://127.0.0.1:{upstream}; proxy_set_header Host $host; }}
    }}
}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--port", type=int, default=8140, help="embedded server; +1 nginx, +2 its upstream")
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "successhub-bench-downloads"))
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024
    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    source = work / "package.bin"
    print(
        f"== package downloads: {args.clients} concurrent clients, package {args.size_mb} MB "
        f"(shared 2-core machine: compare each figure with the baseline of the same run)"
    )
    started = time.perf_counter()
    make_file(source, size)
    env = environment(work, "stream")
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(source), str(size)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    link, sha256 = setup.stdout.split()[-2:]
    print(
        f"   setup (file, upload through the storage API, publish): {time.perf_counter() - started:.1f} s; sha256 {sha256[:16]}…"
    )
    stored = next((work / "packages").rglob("*.bin"))

    # Baseline: plain file copy of the same file, as many at once.
    seconds, _ = concurrent([["cp", str(stored), "/dev/null"] for _ in range(args.clients)])
    baseline = args.clients * size / seconds / 1e6
    print(
        f"   baseline  plain file copy (cp to /dev/null) ×{args.clients}: {seconds:6.1f} s  {baseline:7.0f} MB/s"
    )

    results = {}
    server = serve(env, args.port)
    try:
        wait_for(args.port)
        result = download_all(f"http://127.0.0.1:{args.port}{link}", args.clients, size, server.pid)
        results["stream"] = result
    finally:
        stop(server)
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx:
        upstream = serve(environment(work, "accel"), args.port + 2)
        (work / "nginx.conf").write_text(
            NGINX_CONF.format(work=work, port=args.port + 1, upstream=args.port + 2)
        )
        proxy = subprocess.Popen(
            [nginx, "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_for(args.port + 2)
            wait_for(args.port + 1)
            results["accel"] = download_all(
                f"http://127.0.0.1:{args.port + 1}{link}", args.clients, size, upstream.pid
            )
        finally:
            stop(proxy)
            stop(upstream)
    else:
        print("   production path skipped: nginx is not installed (make nginx)")
    names = {
        "stream": "embedded server (application streams)",
        "accel": "production path (nginx X-Accel-Redirect)",
    }
    for mode, r in results.items():
        audit = subprocess.run(
            [sys.executable, "-c", COUNT, mode], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        print(
            f"   {names[mode]:<42} ×{args.clients}: {r['seconds']:6.1f} s  {r['mb_s']:7.0f} MB/s "
            f"({r['mb_s'] / baseline:.0%} of plain copy); complete {r['complete']}/{args.clients}; "
            f"audited {audit[0]} downloads, {int(audit[1]) / 1e9:.1f} GB"
        )
        print(
            f"   {'':<42}  server RSS before {r['rss_before_mb']:.0f} MB, peak {r['rss_peak_mb']:.0f} MB "
            f"(+{r['rss_peak_mb'] - r['rss_before_mb']:.0f} MB while sending {args.clients * size / 1e9:.1f} GB), "
            f"after {r['rss_after_mb']:.0f} MB"
        )
    failed = [mode for mode, r in results.items() if r["complete"] != args.clients]
    grew = [mode for mode, r in results.items() if r["rss_peak_mb"] - r["rss_before_mb"] > args.size_mb / 4]
    if failed or grew:
        print(f"   FAILED: incomplete downloads {failed}, memory grew with the file {grew}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
