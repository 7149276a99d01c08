"""The chat's WebSockets.

``/ws/chat/<session id>/``: the customer and the serving engineer. Frames (JSON):

- client → server: ``{"type": "resume", "after": SEQ}`` (send every message after SEQ again),
  ``{"type": "message", "body": "...", "client_id": "..."}`` (stored, numbered, then sent to both),
  ``{"type": "ping"}``.
- server → client: ``{"type": "message", "message": {id, seq, sender, author, body, client_id, at}}``,
  ``{"type": "state", "state": {status, agent, position?, expected_wait_minutes?}}``,
  ``{"type": "error", "code", "message", "client_id"?}``, ``{"type": "pong"}``.

A client keeps the highest ``seq`` it has shown and sends ``resume`` after reconnecting; messages
are shown by ``seq`` once, so nothing is lost or repeated.

``/ws/chat/queue/``: engineers; ``{"type": "queue"}`` whenever the waiting queue changes.
"""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from successhub.chat import services
from successhub.chat.errors import ChatError
from successhub.chat.models import ChatSession

MAX_FRAME_BYTES = 64 * 1024


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        self.session = None
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.session = await self._load(int(self.scope["url_route"]["kwargs"]["session_id"]), user)
        if self.session is None:
            await self.close(code=4403)
            return
        self.group = self.session.group_name
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send(
            {"type": "state", "state": await database_sync_to_async(services.session_state)(self.session)}
        )

    @database_sync_to_async
    def _load(self, session_id: int, user):
        session = ChatSession.objects.select_related("agent").filter(pk=session_id).first()
        if session is None or not services.can_view(session, user):
            return None
        return session

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _send(self, data: dict) -> None:
        await self.send(text_data=json.dumps(data, ensure_ascii=False))

    async def _error(self, code: str, message: str, client_id: str = "") -> None:
        frame = {"type": "error", "code": code, "message": message}
        if client_id:
            frame["client_id"] = client_id
        await self._send(frame)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None or len(text_data.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
            await self._error("invalid_frame", "Send JSON text frames of at most 64 KB.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self._error("invalid_frame", "The frame is not JSON.")
            return
        if not isinstance(frame, dict):
            await self._error("invalid_frame", "The frame must be a JSON object.")
            return
        kind = frame.get("type")
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "resume":
            after = frame.get("after", 0)
            if not isinstance(after, int) or isinstance(after, bool) or after < 0:
                await self._error("invalid_frame", "after must be a non-negative integer.")
                return
            for message in await database_sync_to_async(self._after)(after):
                await self._send({"type": "message", "message": message})
            state = await database_sync_to_async(self._fresh_state)()
            await self._send({"type": "state", "state": state})
        elif kind == "message":
            body, client_id = frame.get("body"), frame.get("client_id", "")
            if not isinstance(body, str) or not isinstance(client_id, str):
                await self._error("invalid_frame", "body and client_id must be strings.")
                return
            try:
                # Any free thread of the pool (not the one thread Channels serialises database work
                # on): chats do not wait for each other's writes. The message is stored when this returns.
                message, created = await database_sync_to_async(self._post, thread_sensitive=False)(
                    body, client_id
                )
            except ChatError as exc:
                await self._error(exc.code, exc.message_en, client_id)
                return
            if created:
                await self.channel_layer.group_send(self.group, {"type": "chat.message", "message": message})
            else:  # a resend: the sender gets it back; the others already have it
                await self._send({"type": "message", "message": message})
        else:
            await self._error("invalid_frame", "Unknown frame type.")

    def _after(self, after: int) -> list[dict]:
        return [services.message_json(m) for m in services.messages_after(self.session, after)]

    def _post(self, body: str, client_id: str) -> tuple[dict, bool]:
        message, created = services.post_message(
            self.session, self.scope["user"], body, client_id, broadcast=False
        )
        return services.message_json(message), created

    def _fresh_state(self) -> dict:
        self.session.refresh_from_db()
        return services.session_state(self.session)

    async def chat_message(self, event):
        await self._send({"type": "message", "message": event["message"]})

    async def chat_state(self, event):
        await self._send({"type": "state", "state": event["state"]})


class QueueConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        if not services.is_agent(self.scope.get("user")):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(services.QUEUE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(services.QUEUE_GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=json.dumps({"type": "error", "code": "read_only"}))

    async def chat_queue(self, event):
        await self.send(text_data=json.dumps({"type": "queue"}))


class EchoConsumer(AsyncWebsocketConsumer):
    """A bare Channels consumer that sends every frame back: the baseline ``bench/chat.py`` measures
    the chat against (same server, same process, no database). Mounted only when
    ``CHAT_ECHO_ENDPOINT`` is on."""

    async def connect(self):
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data, bytes_data=bytes_data)
