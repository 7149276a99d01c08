"""Mounts every router on the one API object; ``successhub.urls`` includes ``api.urls``."""

from __future__ import annotations

from ninja import Router

from successhub.api.base import api

# Later capabilities append (prefix, Router) pairs here.
EXTRA_ROUTERS: list[tuple[str, Router]] = []


def _register_routers() -> None:
    from successhub.api import entitlements as entitlements_api

    api.add_router("/", entitlements_api.router)
    from successhub.notifications import api as notifications_api

    api.add_router("/", notifications_api.router)
    from successhub.community import api as community_api

    api.add_router("/community", community_api.router)
    from successhub.search import api as search_api

    api.add_router("/", search_api.router)
    from successhub.tickets.api import router as tickets_router

    api.add_router("/tickets", tickets_router)
    from successhub.ops.api import router as ops_router

    api.add_router("/ops", ops_router)
    from successhub.hotline.api import router as hotline_router

    api.add_router("/hotline", hotline_router)
    from successhub.success.api import router as success_router

    api.add_router("/success", success_router)
    from successhub.updates.api import router as updates_router

    api.add_router("/", updates_router)
    for router in EXTRA_ROUTERS:
        api.add_router(*router)


_register_routers()
