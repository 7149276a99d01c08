from django.urls import path

from successhub.hotline.consumers import DeskConsumer

websocket_urlpatterns = [
    path("ws/hotline/desk/", DeskConsumer.as_asgi()),
]
