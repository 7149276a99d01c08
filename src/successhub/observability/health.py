"""Liveness and readiness for load balancers and orchestrators.

- ``/livez`` (and the historical ``/healthz``): the process answers; touches nothing else, so a
  database outage does not get healthy processes restarted.
- ``/readyz``: this process can serve: the database answers, and Redis does when it is configured.
  503 with the failing check named otherwise.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("successhub.health")


@never_cache
def livez(request):
    return HttpResponse("ok", content_type="text/plain")


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        logger.warning("readiness: database check failed: %s", exc)
        return "failed"
    return "ok"


def check_redis() -> str:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return "not_configured"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        logger.warning("readiness: Redis check failed: %s", exc)
        return "failed"
    return "ok"


@never_cache
def readyz(request):
    checks = {"database": check_database(), "redis": check_redis()}
    ready = all(state != "failed" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
