"""Fixtures of the schemathesis runs (``fuzz.py``); the fuzz modules use them by name."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from .fuzz import TALLY


@pytest.fixture
def fuzz_settings(settings, tmp_path):
    settings.AXES_FAILURE_LIMIT = 10**6  # the fuzzer is not guessing tokens; keep it from being locked out
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    return settings


@pytest.fixture
def keep_the_test_connection():
    """As Django's test client does: the WSGI handler would close the test's connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def fuzz_report(request):
    yield
    caller = request.module.CALLER
    if TALLY[caller]:
        print(f"\nschemathesis as {caller}: {TALLY[caller]} requests, {TALLY[caller, '5xx']} server errors")  # noqa: T201
