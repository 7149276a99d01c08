"""Mounts every router on the one API object; ``successhub.urls`` includes ``api.urls``."""

from __future__ import annotations

from ninja import Router

from successhub.api.base import api

# Later capabilities append (prefix, Router) pairs here.
EXTRA_ROUTERS: list[tuple[str, Router]] = []


def _register_routers() -> None:
    from successhub.api import entitlements as entitlements_api

    api.add_router("/", entitlements_api.router)
    for router in EXTRA_ROUTERS:
        api.add_router(*router)


_register_routers()
