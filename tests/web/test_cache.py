"""The Redis cache: a prefixed cache's clear() leaves other prefixes' keys alone."""

from __future__ import annotations

import os

import pytest

from successhub.cache import RedisCache

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis (REDIS_URL)")


def _cache(prefix: str) -> RedisCache:
    return RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})


def test_clearing_one_prefix_keeps_the_others():
    mine, theirs = _cache("test-clear-mine"), _cache("test-clear-theirs")
    mine.set_many({"a": 1, "b": 2})
    theirs.set("a", 3)
    assert mine.clear() is True
    assert mine.get_many(["a", "b"]) == {} and theirs.get("a") == 3
    theirs.delete("a")
