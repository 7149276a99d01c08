"""The real Prometheus, blackbox exporter and Alertmanager (Debian's packages), on loopback, for tests
and ``bench/alerts.py``. Ports: ``SUCCESSHUB_OPS_TEST_PORT_BASE`` (+0..+4) when set, else free ones."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BINARIES = ("prometheus", "prometheus-blackbox-exporter", "prometheus-alertmanager")


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if shutil.which(name) is None]


def port(offset: int) -> int:
    base = os.environ.get("SUCCESSHUB_OPS_TEST_PORT_BASE")
    if base:
        return int(base) + offset
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Tenant:
    """A stand-in tenant address: answers 200 while up and 503 while down."""

    def __init__(self, listen_port: int):
        tenant = self
        self.up = True

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                status = 200 if tenant.up else 503
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"down")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", listen_port), Handler)
        self.url = f"http://127.0.0.1:{listen_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _wait_ready(url: str, process: subprocess.Popen, name: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not become ready at {url}")


@contextmanager
def running_stack(directory: Path, ports: dict[str, int]):
    """Start the three programs on the configs written in ``directory``; stop them (by pid) after."""
    log = open(directory / "stack.log", "ab")  # noqa: SIM115
    commands = {
        "blackbox": [
            "prometheus-blackbox-exporter",
            f"--config.file={directory / 'blackbox.yml'}",
            f"--web.listen-address=127.0.0.1:{ports['blackbox']}",
        ],
        "alertmanager": [
            "prometheus-alertmanager",
            f"--config.file={directory / 'alertmanager.yml'}",
            f"--storage.path={directory / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{ports['alertmanager']}",
            "--cluster.listen-address=",
        ],
        "prometheus": [
            "prometheus",
            f"--config.file={directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={directory / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
        ],
    }
    ready = {
        "blackbox": f"http://127.0.0.1:{ports['blackbox']}/-/healthy",
        "alertmanager": f"http://127.0.0.1:{ports['alertmanager']}/-/ready",
        "prometheus": f"http://127.0.0.1:{ports['prometheus']}/-/ready",
    }
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, cwd=directory, stdout=log, stderr=log)
            _wait_ready(ready[name], processes[name], name)
        yield processes
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
