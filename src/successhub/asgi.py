"""ASGI entry point: HTTP through Django; WebSocket routes are added by the apps that need them."""

import asyncio
import contextvars
import os
from concurrent.futures import ThreadPoolExecutor

import django
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.signals import request_started
from django.db import close_old_connections
from django.http import FileResponse
from django.urls import set_script_prefix

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "successhub.settings")
django.setup(set_prefix=False)


def _thread_count() -> int:
    try:
        return max(1, int(os.environ.get("ASGI_THREADS", "4")))
    except ValueError:
        return 4


class PooledASGIHandler(ASGIHandler):
    """Django's ASGI handler for an app whose middleware and views are all sync.

    Django's own handler gives every request a fresh thread (``ThreadSensitiveContext`` makes a
    one-thread executor per request, started and joined each time) and, in async mode, hops between
    the event loop and that thread at each middleware step. Measured under uvicorn, the thread's
    start and join were most of a trivial request's cost. Here each request crosses once into a
    fixed pool of threads (``ASGI_THREADS``, 4 by default: on 2 cores, 4 filed tickets faster and
    with shorter tails than 8), runs the chain exactly as under WSGI,
    and its database connection goes back (``request_finished``) before the bytes are sent; each
    request runs in a copy of the event loop's context, so context-local state never leaks from
    one request into the next on the same thread.

    A streaming response (file downloads) is closed after it is sent; its database connections
    were already released in the request's thread.
    """

    def __init__(self, threads: int | None = None):
        super().__init__()
        self.executor = ThreadPoolExecutor(max_workers=threads or _thread_count(), thread_name_prefix="http")

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        try:
            response = await loop.run_in_executor(
                self.executor, contextvars.copy_context().run, self._respond, scope, body_file
            )
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:  # the client went away while we were sending
                pass
            finally:
                if response.streaming:
                    await loop.run_in_executor(self.executor, response.close)
        finally:
            body_file.close()

    def _respond(self, scope, body_file):
        """The synchronous part of one request, in one pool thread: signals, middleware, view."""
        set_script_prefix(get_script_prefix(scope))
        request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if response.streaming:
            close_old_connections()  # the body is sent later, from the event loop
        else:
            response.close()  # request_finished: the connection goes back to the pool now
        return response


django_asgi_app = PooledASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from successhub.routing import websocket_urlpatterns  # noqa: E402

# WebSockets carry the signed-in user from the session cookie; a page from another origin may not open one.
application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
