"""WebSocket routes, collected from the apps that have them."""

from successhub.chat.routing import websocket_urlpatterns as chat_routes
from successhub.hotline.routing import websocket_urlpatterns as hotline_routes

websocket_urlpatterns: list = [
    *hotline_routes,
    *chat_routes,
]
