"""One Redis connection pool, and one client, per process for the cache, shared by every request.

Django builds a cache backend per request context, and its Redis client keeps the connection pool on
that backend: under ASGI each request would open (and greet) a new connection to Redis. Named in
``CACHES["default"]["OPTIONS"]["pool_class"]``.

While Redis is unreachable the cache behaves as an empty cache that keeps nothing (reads miss,
``add`` succeeds, ``incr`` finds no key), with a warning in the log, instead of failing the request:
nothing here needs the cache to be right, only fast. The failure drills (``bench/drills.py``) kill
Redis for 10 s during filing: before this, every API request failed for those 10 s (the token check
reads the cache).
"""

from __future__ import annotations

import functools
import logging
import threading
import time

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


logger = logging.getLogger("successhub.cache")
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
WARN_EVERY_SECONDS = 30.0
_last_warning = [0.0]


def _warn(operation: str, exc: Exception) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= WARN_EVERY_SECONDS:
        _last_warning[0] = now
        logger.warning("Redis unreachable (%s: %s): the cache is bypassed until it is back", operation, exc)


def _as_empty_cache(answer):
    """While Redis is unreachable, answer as an empty cache that stores nothing would (``answer(*args,
    **kwargs)``); Django's own ``ValueError`` for a missing key (``incr``) is raised as it is."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                _warn(method.__name__, exc)
                return answer(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


def _no_key(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (Redis unreachable)")


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with the client above (named in ``CACHES``),
    that bypasses an unreachable Redis (see the module's docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    get = _as_empty_cache(_default)(DjangoRedisCache.get)
    get_many = _as_empty_cache(lambda keys, *args, **kwargs: {})(DjangoRedisCache.get_many)
    has_key = _as_empty_cache(lambda *args, **kwargs: False)(DjangoRedisCache.has_key)
    add = _as_empty_cache(lambda *args, **kwargs: True)(DjangoRedisCache.add)
    set = _as_empty_cache(lambda *args, **kwargs: None)(DjangoRedisCache.set)
    set_many = _as_empty_cache(lambda data, *args, **kwargs: list(data))(DjangoRedisCache.set_many)
    touch = _as_empty_cache(lambda *args, **kwargs: False)(DjangoRedisCache.touch)
    delete = _as_empty_cache(lambda *args, **kwargs: False)(DjangoRedisCache.delete)
    delete_many = _as_empty_cache(lambda *args, **kwargs: None)(DjangoRedisCache.delete_many)
    incr = _as_empty_cache(_no_key)(DjangoRedisCache.incr)

    @_as_empty_cache(lambda *args, **kwargs: False)
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
