from django.conf import settings
from django.urls import path

from successhub.chat import consumers

websocket_urlpatterns = [
    path("ws/chat/queue/", consumers.QueueConsumer.as_asgi()),
    path("ws/chat/<int:session_id>/", consumers.ChatConsumer.as_asgi()),
]
if getattr(settings, "CHAT_ECHO_ENDPOINT", False):
    websocket_urlpatterns.append(path("ws/echo/", consumers.EchoConsumer.as_asgi()))
