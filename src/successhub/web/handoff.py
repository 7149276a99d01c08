"""Where the portal sends a customer instead of a refused service.

The route is the reason table's (``core/reasons.py``: each reason names the service to offer
instead); this module only knows each service's page, so the route becomes a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from successhub.catalog.loader import get_catalog
from successhub.core.reasons import handoff_for

# The page where each hand-off service starts (the hotline is a tel: link to the catalog's number).
SERVICE_PAGES = {
    "community": "community:index",
    "online_ticket": "tickets:portal_new",
    "im_service": "chat:start",
    "demand_listening": "community:idea_new",
}


@dataclass(frozen=True)
class Instead:
    service: str
    name: str
    url: str


def instead_of(reason: str, available: Callable[[str], bool], language: str) -> Instead | None:
    """The service to offer instead of one refused for ``reason`` (None when nothing was refused)."""
    service = handoff_for(reason, available)
    if service is None:
        return None
    item = get_catalog().any_definition(service)
    name = item.name.get(language) if item else service
    if service == "hotline" and item is not None and item.phone:
        return Instead(service, name, "tel:" + item.phone.replace("-", ""))
    try:
        url = reverse(SERVICE_PAGES[service])
    except (KeyError, NoReverseMatch):
        url = ""
    return Instead(service, name, url)
