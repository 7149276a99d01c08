"""The Redis cache: a prefixed cache's clear() leaves other prefixes' keys alone; an unreachable Redis
is bypassed (an empty cache that keeps nothing) instead of failing requests."""

from __future__ import annotations

import os
import socket

import pytest
from django.test import Client

from successhub.accounts.services import issue_api_token
from successhub.cache import RedisCache

REDIS_URL = os.environ.get("REDIS_URL", "")


def _cache(prefix: str, url: str = REDIS_URL) -> RedisCache:
    return RedisCache(url, {"KEY_PREFIX": prefix})


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_clearing_one_prefix_keeps_the_others():
    mine, theirs = _cache("test-clear-mine"), _cache("test-clear-theirs")
    mine.set_many({"a": 1, "b": 2})
    theirs.set("a", 3)
    assert mine.clear() is True
    assert mine.get_many(["a", "b"]) == {} and theirs.get("a") == 3
    theirs.delete("a")


@pytest.fixture
def unreachable_redis() -> str:
    """A loopback port nobody listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_an_unreachable_redis_answers_as_an_empty_cache(unreachable_redis):
    cache = _cache("", unreachable_redis)
    assert cache.get("k") is None and cache.get("k", 7) == 7
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is True  # as on an empty cache: a rate limit counts from 1 (fails open)
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False
    assert cache.clear() is False
    with pytest.raises(ValueError):  # a missing key, as Django's own incr says
        cache.incr("k")


@pytest.mark.django_db
def test_api_tokens_work_while_redis_is_unreachable(unreachable_redis, make_org, make_user, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "successhub.cache.RedisCache",
            "LOCATION": unreachable_redis,
            "OPTIONS": {"pool_class": "successhub.cache.SharedConnectionPool", "socket_connect_timeout": 1},
        }
    }
    token = issue_api_token(make_user(make_org()), "script")
    response = Client().get("/api/v1/notifications", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
