"""The product's catalog: the YAML files in ``settings.SUCCESSHUB_CATALOG_DIRS``, loaded once per process."""

from __future__ import annotations

import threading

from django.conf import settings

from successhub.core.catalog import Catalog, load_catalog

_lock = threading.Lock()
_catalog: Catalog | None = None


def get_catalog() -> Catalog:
    global _catalog
    if _catalog is None:
        with _lock:
            if _catalog is None:
                _catalog = load_catalog(settings.SUCCESSHUB_CATALOG_DIRS)
    return _catalog


def reload_catalog() -> Catalog:
    global _catalog
    with _lock:
        _catalog = load_catalog(settings.SUCCESSHUB_CATALOG_DIRS)
    return _catalog
