"""One Redis connection pool per process for the cache, shared by every request.

Django builds a cache backend per request context, and its Redis client keeps the connection pool on
that backend: under ASGI each request would open (and greet) a new connection to Redis. Named in
``CACHES["default"]["OPTIONS"]["pool_class"]``.
"""

from __future__ import annotations

import threading

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: dict[tuple, redis.ConnectionPool] = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs) -> redis.ConnectionPool:
        key = (url, tuple(sorted((name, repr(value)) for name, value in kwargs.items())))
        with cls._lock:
            pool = cls._shared.get(key)
            if pool is None:
                # A forked child gets fresh connections: redis-py's pool checks the process id.
                pool = cls._shared[key] = super().from_url(url, **kwargs)
        return pool
