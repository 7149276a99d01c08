"""The loopback server behind each tool's stand-in (``<tool>/standin.py``), for tests and benches.

A stand-in listens on 127.0.0.1 only, checks each request as the real service does (the tool's
``check`` method), answers in the tool's own format and keeps what it accepted. It also enforces
the tool's per-robot rate limit with the tool's own "too fast" answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Accepted:
    robot: str  # the key / token naming the robot
    text: str
    mentions: tuple[str, ...]
    body: dict


@dataclass
class Refusal:
    status: int
    answer: dict


class StandIn:
    """Subclasses set ``path`` and implement ``robot_of``, ``check``, ``ok``, ``too_fast``."""

    path = "/"
    per_minute = 20

    def __init__(self, port: int = 0, host: str = "127.0.0.1", per_minute: int | None = None):
        self.host = host
        self.port = port
        self.robots: dict[str, str] = {}  # robot key/token -> signing secret ("" when unsigned)
        self.accepted: list[Accepted] = []
        self.refused: list[Refusal] = []
        self.lock = threading.Lock()
        self.per_minute = per_minute if per_minute is not None else self.per_minute
        self._recent: dict[str, deque] = defaultdict(deque)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.fail_next: list[int] = []  # HTTP statuses to answer before checking anything

    # --- to implement per tool ---------------------------------------------------------------------
    def robot_of(self, query: dict) -> str:
        raise NotImplementedError

    def check(self, robot: str, query: dict, headers: dict, body: dict, now_ms: int) -> Refusal | Accepted:
        raise NotImplementedError

    def ok(self) -> dict:
        raise NotImplementedError

    def too_fast(self) -> dict:
        raise NotImplementedError

    # --- the server ----------------------------------------------------------------------------------
    def add_robot(self, key: str, secret: str = "") -> str:
        """Register a robot; returns its webhook URL (what the group's owner would copy)."""
        self.robots[key] = secret
        return self.webhook_url(key)

    def webhook_url(self, key: str) -> str:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def texts(self) -> list[str]:
        with self.lock:
            return [a.text for a in self.accepted]

    def _handle(self, path: str, query: dict, headers: dict, raw: bytes) -> tuple[int, dict]:
        with self.lock:
            if self.fail_next:
                status = self.fail_next.pop(0)
                return status, {"error": "stand-in told to fail"}
        if path != self.path:
            return 404, {"error": "not found"}
        robot = self.robot_of(query)
        try:
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return 400, {"error": "body is not UTF-8 JSON"}
        if not isinstance(body, dict):
            return 400, {"error": "body is not a JSON object"}
        now_ms = int(time.time() * 1000)
        outcome = self.check(robot, query, headers, body, now_ms)
        if isinstance(outcome, Refusal):
            with self.lock:
                self.refused.append(outcome)
            return outcome.status, outcome.answer
        with self.lock:
            recent = self._recent[robot]
            while recent and recent[0] <= now_ms - 60_000:
                recent.popleft()
            if self.per_minute and len(recent) >= self.per_minute:
                refusal = Refusal(200, self.too_fast())
                self.refused.append(refusal)
                return refusal.status, refusal.answer
            recent.append(now_ms)
            self.accepted.append(outcome)
        return 200, self.ok()

    def start(self) -> StandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length", "0") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = stand_in._handle(parts.path, dict(parse_qsl(parts.query)), headers, raw)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name=f"standin-{self.path}"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
