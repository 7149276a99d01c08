"""Loopback stand-ins of the three IM tools, as pytest fixtures (imported by the conftests that use them)."""

from __future__ import annotations

import pytest

from successhub import integrations


@pytest.fixture
def standin():
    """``standin("wecom")`` starts that tool's stand-in on 127.0.0.1 (stopped after the test)."""
    started = []

    def start(code: str, per_minute: int | None = None):
        server = integrations.tool(code).standin(per_minute=per_minute).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def make_robot(db):
    from successhub.notifications import robots

    def make(tool: str, url: str, secret: str = "", **extra):
        return robots.bind_robot(
            None, name=f"{tool} robot", tool=tool, webhook_url=url, secret=secret, **extra
        )

    return make
