"""The chat over WebSockets, on the in-memory layer and on Redis: both ways, reconnect and resume
without loss or repeats, stored before sent, garbage and oversized frames refused."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from successhub.chat import services
from successhub.chat.models import ChatMessage
from successhub.chat.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings):
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("the Redis channel layer is tested when REDIS_URL is set (CI sets it)")
        config = {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"test{os.getpid()}"},
        }
    else:
        config = {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    settings.CHANNEL_LAYERS = {"default": config}
    channel_layers.backends = {}
    yield request.param
    channel_layers.backends = {}


async def connect(user, session_id: int) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/chat/{session_id}/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    state = await communicator.receive_json_from(timeout=5)
    assert state["type"] == "state"
    return communicator


async def next_message(communicator) -> dict:
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == "message":
            return frame["message"]


@pytest.fixture
def session(customer, agent):
    chat = services.start_chat(customer, "galaxy")
    services.accept(agent, chat)
    chat.refresh_from_db()
    return chat


def test_both_ways_and_resume_after_a_reconnect(layer, session, customer, agent):
    async def scenario():
        cust = await connect(customer, session.pk)
        eng = await connect(agent, session.pk)
        await cust.send_json_to({"type": "message", "body": "你好，凭证保存报错", "client_id": "c1"})
        got = await next_message(eng)
        assert got["body"] == "你好，凭证保存报错" and got["sender"] == "customer"
        echoed = await next_message(cust)
        assert echoed["client_id"] == "c1"
        # The message was stored before it was sent on.
        assert await database_sync_to_async(
            ChatMessage.objects.filter(seq=got["seq"], session=session).exists
        )()
        last_seen = echoed["seq"]
        await cust.disconnect()  # the customer's network drops
        await eng.send_json_to({"type": "message", "body": "请问是哪个科目？", "client_id": "a1"})
        await eng.send_json_to({"type": "message", "body": "方便截图吗？", "client_id": "a2"})
        await next_message(eng)
        await next_message(eng)
        cust = await connect(customer, session.pk)
        await cust.send_json_to({"type": "resume", "after": last_seen})
        resumed = [await next_message(cust), await next_message(cust)]
        assert [m["body"] for m in resumed] == ["请问是哪个科目？", "方便截图吗？"]
        assert [m["seq"] for m in resumed] == [last_seen + 1, last_seen + 2]
        # A resend of an already-stored message (the ack was lost) is not a second message.
        await cust.send_json_to({"type": "message", "body": "你好，凭证保存报错", "client_id": "c1"})
        again = await next_message(cust)
        assert again["seq"] == last_seen
        assert await eng.receive_nothing(timeout=0.3)
        await cust.disconnect()
        await eng.disconnect()

    asyncio.run(scenario())
    bodies = list(
        ChatMessage.objects.filter(session=session, sender__in=["customer", "agent"]).values_list(
            "body", flat=True
        )
    )
    assert bodies == ["你好，凭证保存报错", "请问是哪个科目？", "方便截图吗？"]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "invalid_frame"),
        ("[1,2]", "invalid_frame"),
        ('{"type": "dance"}', "invalid_frame"),
        ('{"type": "message", "body": 5}', "invalid_frame"),
        ('{"type": "resume", "after": -1}', "invalid_frame"),
        (json.dumps({"type": "message", "body": "长" * 4001}), "message_too_long"),
        (json.dumps({"type": "message", "body": "x" * 70000}), "invalid_frame"),
        ('{"type": "message", "body": ""}', "empty_message"),
    ],
    ids=[
        "garbage",
        "not an object",
        "unknown type",
        "body not a string",
        "negative resume",
        "oversized message",
        "oversized frame",
        "empty message",
    ],
)
def test_garbage_gets_an_error_and_nothing_is_stored(frame, code, session, customer):
    before = ChatMessage.objects.count()

    async def scenario():
        cust = await connect(customer, session.pk)
        await cust.send_to(text_data=frame)
        reply = await cust.receive_json_from(timeout=5)
        assert reply["type"] == "error" and reply["code"] == code
        await cust.send_json_to({"type": "ping"})  # the socket is still usable
        assert (await cust.receive_json_from(timeout=5))["type"] == "pong"
        await cust.disconnect()

    asyncio.run(scenario())
    assert ChatMessage.objects.count() == before


def test_strangers_are_refused(session, advanced, make_user):
    stranger = make_user(advanced)

    async def scenario():
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/chat/{session.pk}/")
        communicator.scope["user"] = stranger
        connected, code = await communicator.connect()
        assert not connected and code == 4403

    asyncio.run(scenario())


def test_accepting_tells_the_waiting_customer(layer, customer, agent):
    chat = services.start_chat(customer, "galaxy")

    async def scenario():
        cust = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/chat/{chat.pk}/")
        cust.scope["user"] = customer
        await cust.connect()
        first = await cust.receive_json_from(timeout=5)
        assert first["state"]["status"] == "waiting" and first["state"]["position"] == 1
        await database_sync_to_async(services.accept)(agent, chat)
        while True:
            frame = await cust.receive_json_from(timeout=5)
            if frame["type"] == "state":
                assert frame["state"]["status"] == "active" and frame["state"]["agent"] == str(agent)
                break
        await cust.disconnect()

    asyncio.run(scenario())
