"""One Redis connection pool, and one client, per process for the cache, shared by every request.

Django builds a cache backend per request context, and its Redis client keeps the connection pool on
that backend: under ASGI each request would open (and greet) a new connection to Redis. Named in
``CACHES["default"]["OPTIONS"]["pool_class"]``.
"""

from __future__ import annotations

import threading

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


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


class RedisCacheClient(DjangoRedisCacheClient):
    """Django's Redis cache client, reusing one ``redis.Redis`` per pool.

    Django makes a new ``redis.Redis`` on every cache call; building its table of some 170 response
    callbacks costs more CPU than the round trip to Redis. A ``redis.Redis`` over a pool is safe to
    share between threads.
    """

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = _clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = _clients[id(pool)] = self._client(connection_pool=pool)
        return client


_clients: dict[int, redis.Redis] = {}


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with the client above (named in ``CACHES``)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def clear(self) -> bool:
        """With a key prefix, delete only this cache's keys: processes that share a Redis database
        under different prefixes (parallel test workers) must not wipe each other's counters."""
        if not self.key_prefix:
            return super().clear()
        client = self._cache.get_client(None, write=True)
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=1000):
            batch.append(key)
            if len(batch) >= 500:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
        return True
