"""WebSocket routes, collected from the apps that have them."""

websocket_urlpatterns: list = []
