"""A local webhook receiver (http.server on 127.0.0.1, random port) and endpoint factory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from successhub.notifications.models import WebhookEndpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in order; 200 once exhausted
    requests: list[Received] = field(default_factory=list)
    on_request: Callable[[Received], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", "0"))
            received = Received(self.path, dict(self.headers.items()), self.rfile.read(length).decode())
            with state.lock:
                state.requests.append(received)
            if state.on_request:
                state.on_request(received)
            status = state.next_status()
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def make_endpoint(db):
    def make(
        url: str, events=("*",), organisation=None, active=True, secret="s3cret-for-tests"
    ) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(
            name=f"hook {WebhookEndpoint.objects.count() + 1}",
            url=url,
            events=list(events),
            organisation=organisation,
            active=active,
            secret=secret,
        )

    return make


@pytest.fixture
def eager(settings):
    """Tasks run in-process even when the suite runs against Redis (CI's second pass)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


@pytest.fixture
def make_member(make_user, make_org):
    """A customer user in an organisation of their own (any role works for notifications)."""

    def make(**extra):
        return make_user(organisation=make_org(), **extra)

    return make


from tests.standin_fixtures import make_robot, standin  # noqa: E402,F401  (fixtures)
