#!/usr/bin/env python3
"""SuccessHub system-inspection agent (系统巡检工具): a read-only collector the customer runs on their server.

Standard library only: this one file runs without Django and without the rest of SuccessHub
(``python3 inspect_agent.py --org CODE --out bundle.json``); ``successhub inspect`` calls the same code.

It reads the operating system, CPU, memory and disks, the database server's version and size, the
state of the product's services, counts of error lines in the logs it is pointed at, and a few
configuration checks, and writes them as one JSON bundle to upload in the portal (or post with a
token). It never reads business data, never copies log lines, and never records a password, a
connection string or an environment variable: only versions, sizes, states and counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from urllib.parse import unquote, urlsplit

SCHEMA = "successhub.inspection/1"
AGENT_VERSION = "1.0"
ERROR_PATTERN = re.compile(rb"\b(ERROR|FATAL|CRITICAL|SEVERE)\b|Exception")
WARNING_PATTERN = re.compile(rb"\bWARN(ING)?\b")
MAX_LOG_BYTES = 20 * 1024 * 1024  # per file: the tail is scanned, enough for recent days
RECOMMENDED_OPEN_FILES = 65535


def _run(args: list[str], timeout: float = 10.0, env: dict | None = None) -> tuple[int, str]:
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, env=env, check=False)
    except (OSError, subprocess.SubprocessError):
        return 127, ""
    return done.returncode, done.stdout.decode("utf-8", "replace").strip()


def collect_os() -> dict:
    return {
        "system": platform.system(),
        "release": platform.release(),
        "version": platform.version()[:200],
        "machine": platform.machine(),
        "hostname": platform.node()[:100],
        "python": platform.python_version(),
        "boot_seconds": _uptime(),
    }


def _uptime() -> float | None:
    try:
        with open("/proc/uptime", encoding="ascii") as handle:
            return round(float(handle.read().split()[0]), 0)
    except (OSError, ValueError, IndexError):
        return None


def collect_cpu() -> dict:
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        load = None
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()[:200]
                    break
    except OSError:
        pass
    return {"count": os.cpu_count() or 1, "model": model, "load": load}


def collect_memory() -> dict:
    info: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                parts = rest.split()
                if parts and parts[0].isdigit():
                    info[key] = int(parts[0]) * 1024
    except OSError:
        pass
    return {
        "total_bytes": info.get("MemTotal"),
        "available_bytes": info.get("MemAvailable"),
        "swap_total_bytes": info.get("SwapTotal"),
        "swap_free_bytes": info.get("SwapFree"),
    }


def collect_disks(paths: list[str]) -> list[dict]:
    disks = []
    for path in dict.fromkeys(paths or ["/"]):
        try:
            usage = shutil.disk_usage(path)
        except OSError as exc:
            disks.append({"path": path, "error": type(exc).__name__})
            continue
        disks.append({"path": path, "total_bytes": usage.total, "free_bytes": usage.free})
    return disks


def sqlite_path(url: str) -> str:
    """``sqlite:///srv/erp.db`` and ``sqlite:////srv/erp.db`` both name /srv/erp.db."""
    path = unquote(urlsplit(url).path)
    return path[1:] if path.startswith("//") else path


def collect_database(url: str | None) -> dict:
    """Version and size only. The URL (and any password in it) is never written to the bundle."""
    if not url:
        return {"kind": None, "reachable": None}
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme == "sqlite":
        path = sqlite_path(url)
        try:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                version = connection.execute("select sqlite_version()").fetchone()[0]
            finally:
                connection.close()
            return {
                "kind": "sqlite",
                "reachable": True,
                "version": version,
                "size_bytes": os.path.getsize(path),
            }
        except (sqlite3.Error, OSError) as exc:
            return {"kind": "sqlite", "reachable": False, "error": type(exc).__name__}
    if scheme in ("postgres", "postgresql"):
        if not shutil.which("psql"):
            return {"kind": "postgresql", "reachable": None, "error": "psql not found"}
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME")}
        env["PGCONNECT_TIMEOUT"] = "5"
        env["PGOPTIONS"] = "-c default_transaction_read_only=on"
        code, out = _run(
            [
                "psql",
                url,
                "-X",
                "-A",
                "-t",
                "-c",
                "select current_setting('server_version'), pg_database_size(current_database())",
            ],
            env=env,
        )
        if code != 0 or "|" not in out:
            return {"kind": "postgresql", "reachable": False, "error": "connection failed"}
        version, size = out.splitlines()[0].split("|", 1)
        return {"kind": "postgresql", "reachable": True, "version": version.strip(), "size_bytes": int(size)}
    return {"kind": scheme, "reachable": None, "error": "unsupported database kind"}


def collect_services(names: list[str]) -> list[dict]:
    systemctl = shutil.which("systemctl")
    running = None
    out = []
    for name in names:
        state = None
        if systemctl:
            code, text = _run([systemctl, "is-active", name], timeout=5)
            if text in ("active", "inactive", "failed", "activating", "deactivating"):
                state = text
        if state is None:
            if running is None:
                running = _process_names()
            state = "active" if name in running else "not_running"
        out.append({"name": name, "state": state})
    return out


def _process_names() -> set[str]:
    names = set()
    for comm in glob.glob("/proc/[0-9]*/comm"):
        try:
            with open(comm, encoding="utf-8", errors="replace") as handle:
                names.add(handle.read().strip())
        except OSError:
            continue
    return names


def collect_logs(patterns: list[str], days: int, now: float) -> list[dict]:
    """Counts of error and warning lines in recently written logs; never the lines themselves."""
    out = []
    since = now - days * 86400
    for pattern in patterns:
        for path in sorted(glob.glob(pattern))[:200]:
            try:
                stat = os.stat(path)
                if stat.st_mtime < since:
                    continue
                with open(path, "rb") as handle:
                    if stat.st_size > MAX_LOG_BYTES:
                        handle.seek(stat.st_size - MAX_LOG_BYTES)
                    errors = warnings = lines = 0
                    for line in handle:
                        lines += 1
                        if ERROR_PATTERN.search(line):
                            errors += 1
                        elif WARNING_PATTERN.search(line):
                            warnings += 1
            except OSError as exc:
                out.append({"path": path, "error": type(exc).__name__})
                continue
            out.append({"path": path, "lines": lines, "errors": errors, "warnings": warnings})
    return out


def collect_config() -> list[dict]:
    checks = []
    tz = time.strftime("%z")
    checks.append({"check": "timezone_beijing", "ok": tz == "+0800", "value": tz})
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        checks.append(
            {"check": "open_files_limit", "ok": soft >= RECOMMENDED_OPEN_FILES or soft == -1, "value": soft}
        )
    except (ImportError, OSError, ValueError):
        pass
    swap = collect_memory().get("swap_total_bytes")
    if swap is not None:
        checks.append({"check": "swap_configured", "ok": swap > 0, "value": swap})
    return checks


def collect(
    org: str,
    *,
    db_url: str | None = None,
    services: list[str] | None = None,
    logs: list[str] | None = None,
    disks: list[str] | None = None,
    log_days: int = 7,
) -> dict:
    now = time.time()
    return {
        "schema": SCHEMA,
        "agent_version": AGENT_VERSION,
        "organisation": org,
        "collected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "os": collect_os(),
        "cpu": collect_cpu(),
        "memory": collect_memory(),
        "disks": collect_disks(disks or ["/"]),
        "database": collect_database(db_url),
        "services": collect_services(services or []),
        "logs": collect_logs(logs or [], log_days, now),
        "config": collect_config(),
    }


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="successhub-inspect", description=__doc__.splitlines()[0])
    parser.add_argument("--org", required=True, help="your customer code (客户编码), as shown in the portal")
    parser.add_argument(
        "--out", default="-", help="where to write the JSON bundle (default: standard output)"
    )
    parser.add_argument(
        "--db-url",
        default=os.environ.get("INSPECT_DB_URL"),
        help="database to read the version and size of (sqlite:///path or postgres://...); "
        "also from INSPECT_DB_URL. Never written to the bundle.",
    )
    parser.add_argument(
        "--service", action="append", default=[], help="a product service to check (repeatable)"
    )
    parser.add_argument(
        "--log", action="append", default=[], help="a log file or glob to count errors in (repeatable)"
    )
    parser.add_argument(
        "--disk", action="append", default=[], help="a mount point to measure (repeatable; default /)"
    )
    parser.add_argument(
        "--log-days", type=int, default=7, help="only logs written in the last N days (default 7)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    bundle = collect(
        args.org,
        db_url=args.db_url,
        services=args.service,
        logs=args.log,
        disks=args.disk,
        log_days=args.log_days,
    )
    text = json.dumps(bundle, ensure_ascii=False, indent=2)
    if args.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(f"inspection bundle written to {args.out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
