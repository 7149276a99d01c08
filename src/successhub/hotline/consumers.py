"""The desk's WebSocket (``/ws/hotline/desk/``): screen pops for the engineer who answered a call,
and every desk member sees calls ring, get answered, end or be missed."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from successhub.hotline.cti import DESK_GROUP, engineer_group
from successhub.hotline.services import is_desk_staff


class DeskConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if not is_desk_staff(user):
            await self.close(code=4403)
            return
        self.groups_joined = [DESK_GROUP, engineer_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The desk only listens; anything sent is answered with an error and otherwise ignored.
        await self.send_json(
            {"type": "error", "code": "read_only", "message": "This socket only pushes events."}
        )

    async def decode_json(self, text_data):
        import json

        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def screen_pop(self, event):
        await self.send_json({"type": "screen_pop", "call": event["call"]})

    async def call_update(self, event):
        await self.send_json({"type": "call_update", "call": event["call"]})
