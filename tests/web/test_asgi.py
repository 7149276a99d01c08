"""The ASGI entry point: requests run on a fixed thread pool, one crossing each, isolated from each other."""

from __future__ import annotations

import asyncio

import pytest

from successhub.asgi import PooledASGIHandler


def _call(
    handler, path: str, *, method: str = "GET", headers=(), body: bytes = b""
) -> tuple[int, dict, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    asyncio.run(handler(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, payload


@pytest.fixture
def one_thread():
    handler = PooledASGIHandler(threads=1)  # every request on the same thread
    yield handler
    handler.executor.shutdown()


def test_a_request_is_answered_through_the_pool(one_thread):
    status, _, body = _call(one_thread, "/healthz")
    assert (status, body) == (200, b"ok")


def test_the_language_of_one_request_does_not_leak_into_the_next_on_the_same_thread(one_thread):
    _, english, _ = _call(one_thread, "/healthz", headers=[("accept-language", "en")])
    _, default, _ = _call(one_thread, "/healthz")
    assert english.get("content-language") == "en"
    assert default.get("content-language") == "zh-hans"


@pytest.mark.django_db(transaction=True)
def test_the_body_crosses_intact_and_a_refusal_comes_back_as_json(one_thread):
    from successhub.accounts.models import Role, User
    from successhub.accounts.services import issue_api_token

    user = User.objects.create_user("asgi-staff", role=Role.SUPPORT_ENGINEER, is_staff=True)
    headers = [
        ("content-type", "application/json"),
        ("authorization", f"Bearer {issue_api_token(user, 't')}"),
    ]
    body = b'{"product": "galaxy", "category": "application_problem", "title": "t", "description": "d"}'

    status, _, payload = _call(one_thread, "/api/v1/tickets", method="POST", body=body, headers=headers)

    assert status == 422
    assert b'"requester_required"' in payload, (
        "staff must name the customer: the parsed body reached the view"
    )


def test_a_websocket_scope_is_refused_by_the_http_handler(one_thread):
    with pytest.raises(ValueError):
        asyncio.run(one_thread({"type": "websocket"}, None, None))
