"""ASGI entry point: HTTP through Django; WebSocket routes are added by the apps that need them."""

import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")
django.setup(set_prefix=False)


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler, with the middleware chain and the view run as one sync call.

    Our middleware and views are all sync. In Django's async mode every middleware step would hop
    between the event loop and a thread (some fifteen hops a request, milliseconds of CPU each on a
    busy machine); here each request crosses once, into the thread of its own that Django's ASGI
    handler gives it (so requests still run side by side), and runs the chain as under WSGI.
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


django_asgi_app = SyncChainASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from successhub.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
